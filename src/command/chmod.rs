//! `chmod`, `chown` and `chgrp` argv → Operation (GNU coreutils 9.x: permuted options, bundled
//! flags, long-name prefixes).
//!
//! [`Kind::Permissions`] of every FILE operand; `-R`/`--recursive` → flag `recursive` (the
//! effect reaches the whole tree below each operand). The first operand is the new mode
//! (chmod), `OWNER[:GROUP]` (chown) or group (chgrp), kept in options `mode`, `owner`, `group`
//! as written, unless `--reference=RFILE` gives it (options `reference`; RFILE is a source, it is
//! only read). `--no-preserve-root` → flag `no_preserve_root`, `--preserve-root` → flag
//! `preserve_root` (the last one given wins; unlike rm, chmod and chown do *not* refuse `/` by
//! default). `-h`/`--no-dereference` → `no_dereference` (the symlinks themselves are changed);
//! `-H` → `dereference_command_line`, `-L` → `dereference` (a recursive walk follows symlinks to
//! directories: every one with `-L`, those named on the command line with `-H`). chown's
//! `--from=OWNER:GROUP` → option `from`.
//!
//! chmod also reads a mode that looks like an option (`chmod -w f`, `chmod -R -x,g+w d`): an
//! argument whose first letter after `-` is one of the mode letters of chmod's own option table
//! (`rwxXstugoa,+=0-7`) is the mode, as GNU chmod reads it.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

const LONG_FLAG: &[&str] = &[
    "changes",
    "silent",
    "quiet",
    "verbose",
    "no-preserve-root",
    "preserve-root",
    "recursive",
    "dereference",
    "no-dereference",
    "help",
    "version",
];

pub(super) const CHMOD_SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "HLPRcfhv",
    long_arg: &["reference"],
    long_opt: &[],
    long_flag: LONG_FLAG,
    ..GNU
};

pub(super) const CHOWN_SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "HLPRcfhv",
    long_arg: &["reference", "from"],
    long_opt: &[],
    long_flag: LONG_FLAG,
    ..GNU
};

pub(super) const CHGRP_SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "HLPRcfhv",
    long_arg: &["reference"],
    long_opt: &[],
    long_flag: LONG_FLAG,
    ..GNU
};

/// The letters of chmod's option string that start a mode (`chmod -w f`).
const MODE_LETTERS: &str = "rwxXstugoa,+=01234567";

/// chmod's arguments with the option-looking modes taken out: (the rest, the modes in order).
/// Stops at `--`; the value of `--reference` (given as the next argument) is never a mode.
fn take_modes(args: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut rest, mut modes) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            rest.extend(args[i - 1..].iter().cloned());
            break;
        }
        if a.starts_with("--") {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (a.as_str(), None),
            };
            let takes_next = value.is_none()
                && name.len() > 2
                && "--reference".starts_with(name)
                && CHMOD_SPEC
                    .long_flag
                    .iter()
                    .all(|l| !l.starts_with(&name[2..]));
            rest.push(a.clone());
            if takes_next {
                if let Some(v) = args.get(i) {
                    rest.push(v.clone());
                    i += 1;
                }
            }
            continue;
        }
        match a.strip_prefix('-').and_then(|r| r.chars().next()) {
            Some(c) if MODE_LETTERS.contains(c) => modes.push(a.clone()),
            _ => rest.push(a.clone()),
        }
    }
    (rest, modes)
}

/// Which of the three tools, and where its first operand goes.
#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Chmod,
    Chown,
    Chgrp,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Chmod => "chmod",
            Tool::Chown => "chown",
            Tool::Chgrp => "chgrp",
        }
    }

    fn spec(self) -> &'static Getopt<'static> {
        match self {
            Tool::Chmod => &CHMOD_SPEC,
            Tool::Chown => &CHOWN_SPEC,
            Tool::Chgrp => &CHGRP_SPEC,
        }
    }

    /// The option the first operand is kept in.
    fn what(self) -> &'static str {
        match self {
            Tool::Chmod => "mode",
            Tool::Chown => "owner",
            Tool::Chgrp => "group",
        }
    }
}

pub(crate) fn parse_chmod(op: &mut Operation, args: &[String]) {
    parse(op, args, Tool::Chmod)
}

pub(crate) fn parse_chown(op: &mut Operation, args: &[String]) {
    parse(op, args, Tool::Chown)
}

pub(crate) fn parse_chgrp(op: &mut Operation, args: &[String]) {
    parse(op, args, Tool::Chgrp)
}

fn parse(op: &mut Operation, args: &[String], tool: Tool) {
    let (args, modes) = if tool == Tool::Chmod {
        take_modes(args)
    } else {
        (args.to_vec(), Vec::new())
    };
    let parsed = match tool.spec().parse(&args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{}: {e}", tool.name())),
    };
    let mut operands = Vec::new();
    let mut reference = None;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(p) => {
                operands.push(p);
                continue;
            }
            Arg::Opt(n, v) => (n, v),
        };
        match name.as_str() {
            "help" | "version" => return op.prints_only(),
            "R" | "recursive" => op.flag("recursive"),
            "no-preserve-root" => {
                op.flags.remove("preserve_root");
                op.flag("no_preserve_root")
            }
            "preserve-root" => {
                op.flags.remove("no_preserve_root");
                op.flag("preserve_root")
            }
            "h" | "no-dereference" => op.flag("no_dereference"),
            "dereference" => {
                op.flags.remove("no_dereference");
            }
            "H" => op.flag("dereference_command_line"),
            "L" => op.flag("dereference"),
            "P" => {
                op.flags.remove("dereference");
                op.flags.remove("dereference_command_line");
            }
            "reference" => reference = value,
            "from" => op.opt("from", value.as_deref().unwrap_or_default()),
            _ => {}
        }
    }
    let t = tool.name();
    if !modes.is_empty() {
        op.opt("mode", &modes.join(","));
    } else if let Some(r) = &reference {
        op.opt("reference", r);
        op.sources.push(r.clone());
    } else if operands.is_empty() {
        return op.opaque(format!("{t}: missing operand"));
    } else {
        let first = operands.remove(0);
        op.opt(tool.what(), &first);
        if operands.is_empty() {
            return op.opaque(format!("{t}: missing operand after '{first}'"));
        }
    }
    if operands.is_empty() {
        op.sources.clear();
        return op.opaque(format!("{t}: missing operand"));
    }
    op.targets = operands;
    op.kind = Kind::Permissions;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn mode_then_files_in_every_spelling() {
        for line in [
            "chmod -R 777 /",
            "chmod 777 -R /",
            "chmod --recursive 777 /",
            "chmod 777 / --rec",
            "chmod -Rv 777 /",
            "chmod -R -- 777 /",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Permissions, "{line}: {:?}", op.note);
            assert!(op.has("recursive"), "{line}");
            assert_eq!(op.option("mode"), Some("777"), "{line}");
            assert_eq!(op.targets, ["/"], "{line}");
        }
        let op = parse_str("chmod 640 a b");
        assert!(!op.has("recursive"));
        assert_eq!(op.targets, ["a", "b"]);
    }

    #[test]
    fn a_mode_that_looks_like_an_option_is_the_mode() {
        let op = parse_str("chmod -w f");
        assert_eq!(op.option("mode"), Some("-w"));
        assert_eq!(op.targets, ["f"]);
        let op = parse_str("chmod -R -x,g+w d");
        assert_eq!(op.option("mode"), Some("-x,g+w"));
        assert!(op.has("recursive"));
        assert_eq!(op.targets, ["d"]);
        let op = parse_str("chmod -R -x d -w");
        assert_eq!(op.option("mode"), Some("-x,-w"), "GNU chmod joins them");
        assert_eq!(op.targets, ["d"]);
        // After `--` nothing is an option, nor a mode spelled as one.
        let op = parse_str("chmod -- -w f");
        assert_eq!(
            op.option("mode"),
            Some("-w"),
            "the first operand is the mode"
        );
        assert_eq!(op.targets, ["f"]);
        let op = parse_str("chmod 600 -- -w");
        assert_eq!(op.targets, ["-w"]);
        // --reference's value is a file, not a mode.
        let op = parse_str("chmod --reference -w f");
        assert_eq!(op.option("reference"), Some("-w"));
        assert_eq!(op.targets, ["f"]);
    }

    #[test]
    fn owner_and_group_as_written() {
        let op = parse_str("chown -R nobody /etc");
        assert_eq!(
            (op.kind, op.option("owner")),
            (Kind::Permissions, Some("nobody"))
        );
        assert!(op.has("recursive"));
        assert_eq!(op.targets, ["/etc"]);
        let op = parse_str("chown mysql:mysql -R /var/lib/mysql");
        assert_eq!(op.option("owner"), Some("mysql:mysql"));
        assert_eq!(op.targets, ["/var/lib/mysql"]);
        let op = parse_str("chown --from=root:root -h 0:0 l");
        assert_eq!(op.option("from"), Some("root:root"));
        assert!(op.has("no_dereference"));
        let op = parse_str("chgrp -R wheel /srv/share");
        assert_eq!(op.option("group"), Some("wheel"));
        assert_eq!(op.targets, ["/srv/share"]);
        // chgrp has no --from.
        assert_eq!(parse_str("chgrp --from=a b c").kind, Kind::Opaque);
    }

    #[test]
    fn reference_gives_the_mode_and_is_only_read() {
        for line in [
            "chmod --reference=/etc/hosts -R /srv/x",
            "chmod --reference /etc/hosts -R /srv/x",
            "chown -R --ref=/etc/hosts /srv/x",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Permissions, "{line}: {:?}", op.note);
            assert_eq!(op.option("reference"), Some("/etc/hosts"), "{line}");
            assert_eq!(op.sources, ["/etc/hosts"], "{line}");
            assert_eq!(op.targets, ["/srv/x"], "{line}");
        }
    }

    #[test]
    fn preserve_root_the_last_one_wins() {
        assert!(parse_str("chmod -R --no-preserve-root 777 /").has("no_preserve_root"));
        let op = parse_str("chmod -R --no-preserve-root --preserve-root 777 /");
        assert!(op.has("preserve_root") && !op.has("no_preserve_root"));
        assert!(parse_str("chown -R --preserve-root x /").has("preserve_root"));
    }

    #[test]
    fn traversal_options() {
        assert!(parse_str("chown -RL u d").has("dereference"));
        assert!(parse_str("chown -RH u d").has("dereference_command_line"));
        let op = parse_str("chown -RLP u d");
        assert!(!op.has("dereference"), "-P after -L: no symlinks followed");
    }

    #[test]
    fn mistakes_are_opaque_like_the_tool_s_own() {
        for (line, why) in [
            ("chmod", "missing operand"),
            ("chmod 777", "missing operand after '777'"),
            ("chown -R nobody", "missing operand after 'nobody'"),
            ("chmod --reference=x", "missing operand"),
            ("chmod -z 7 f", "invalid option"),
            ("chown --bogus u f", "unrecognized option"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").contains(why),
                "{line}: {:?}",
                op.note
            );
            assert!(op.sources.is_empty(), "{line}");
        }
    }

    #[test]
    fn help_and_version_only_print() {
        for line in ["chmod --help", "chown --version", "chgrp --help x y"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn each_file_is_a_permissions_effect_reaching_the_tree_with_r() {
        let op = parse_str("chmod -R 777 /srv/a /srv/b");
        let shown: Vec<(String, bool)> = op
            .effects
            .iter()
            .map(|e| (e.path.clone().unwrap_or_default(), e.tree))
            .collect();
        assert_eq!(shown, [("/srv/a".into(), true), ("/srv/b".into(), true)]);
        assert!(op.effects.iter().all(|e| e.kind == Kind::Permissions));
        let op = parse_str("chmod --reference=r f");
        assert_eq!(op.effects.len(), 2, "{:?}", op.effects);
        assert_eq!(op.effects[0].kind, Kind::Permissions);
        assert!(!op.effects[0].tree);
        assert_eq!(op.effects[1].kind, Kind::Read);
    }
}
