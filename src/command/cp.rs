//! `cp` argv → Operation (GNU coreutils cp 9.x: permuted options, bundled flags, long prefixes).
//!
//! The destination is `-t DIR` when given, else the last operand; every other operand is a
//! source. Kind: a recursive copy (`-r`, `-R`, `-a`) creates many files in a destination, so it is
//! [`Kind::Restore`] (target = the destination directory); a plain copy is [`Kind::Overwrite`] of
//! the destination (a file, or files inside a directory). Flags: `recursive`, `archive`,
//! `no_clobber`, `update`, `force`, `interactive`, `link`, `symbolic_link`, `one_file_system`,
//! `backup`, `remove_destination`, `parents`, `attributes_only`, `no_target_directory`
//! (`-T`), `target_is_directory` (`-t`, or more than one source), `dereference`,
//! `no_dereference`, `dereference_command_line`. Options: `preserve`, `no_preserve`, `reflink`,
//! `sparse`, `suffix`, `backup`, `update`.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "St",
    short_flag: "abdfiHlLnPpRrsTuvxZ",
    long_arg: &["no-preserve", "sparse", "suffix", "target-directory"],
    long_opt: &["backup", "preserve", "reflink", "context", "update"],
    long_flag: &[
        "archive",
        "attributes-only",
        "copy-contents",
        "debug",
        "force",
        "interactive",
        "link",
        "dereference",
        "no-clobber",
        "no-dereference",
        "parents",
        "recursive",
        "remove-destination",
        "strip-trailing-slashes",
        "symbolic-link",
        "no-target-directory",
        "verbose",
        "keep-directory-symlink",
        "one-file-system",
        "help",
        "version",
    ],
    ..GNU
};

/// Splits operands into sources and a destination the way cp, mv and ln do. `tool` names the
/// program in error messages.
pub(super) fn destination(
    op: &mut Operation,
    tool: &str,
    mut operands: Vec<String>,
    target_dir: Option<String>,
    no_target_dir: bool,
) -> Result<(), String> {
    if target_dir.is_some() && no_target_dir {
        return Err(format!(
            "{tool}: cannot combine --target-directory (-t) and --no-target-directory (-T)"
        ));
    }
    if let Some(dir) = target_dir {
        if operands.is_empty() {
            return Err(format!("{tool}: missing file operand"));
        }
        op.flag("target_is_directory");
        op.sources = operands;
        op.targets = vec![dir];
        return Ok(());
    }
    match operands.len() {
        0 => return Err(format!("{tool}: missing file operand")),
        1 => {
            return Err(format!(
                "{tool}: missing destination file operand after '{}'",
                operands[0]
            ))
        }
        2 => {}
        _ if no_target_dir => return Err(format!("{tool}: extra operand '{}'", operands[2])),
        _ => op.flag("target_is_directory"),
    }
    if no_target_dir {
        op.flag("no_target_directory");
    }
    let dest = operands.pop().unwrap_or_default();
    op.sources = operands;
    op.targets = vec![dest];
    Ok(())
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("cp: {e}")),
    };
    let mut operands = Vec::new();
    let mut target_dir = None;
    let mut no_target_dir = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(p) => {
                operands.push(p);
                continue;
            }
            Arg::Opt(n, v) => (n, v),
        };
        match name.as_str() {
            "help" | "version" => {
                op.kind = Kind::Read;
                return;
            }
            "a" | "archive" => {
                op.flag("archive");
                op.flag("recursive");
                op.flag("no_dereference");
                op.opt("preserve", "all");
            }
            "r" | "R" | "recursive" => op.flag("recursive"),
            "d" => op.flag("no_dereference"),
            "t" | "target-directory" => target_dir = value,
            "T" | "no-target-directory" => no_target_dir = true,
            "n" | "no-clobber" => {
                op.flags.remove("interactive");
                op.flag("no_clobber")
            }
            "i" | "interactive" => {
                op.flags.remove("no_clobber");
                op.flag("interactive")
            }
            "f" | "force" => op.flag("force"),
            "u" | "update" => {
                op.flag("update");
                if let Some(v) = value {
                    op.opt("update", &v);
                }
            }
            "l" | "link" => op.flag("link"),
            "s" | "symbolic-link" => op.flag("symbolic_link"),
            "x" | "one-file-system" => op.flag("one_file_system"),
            "L" | "dereference" => {
                op.flags.remove("no_dereference");
                op.flag("dereference")
            }
            "P" | "no-dereference" => {
                op.flags.remove("dereference");
                op.flag("no_dereference")
            }
            "H" => op.flag("dereference_command_line"),
            "p" => op.opt("preserve", "mode,ownership,timestamps"),
            "preserve" => op.opt(
                "preserve",
                value.as_deref().unwrap_or("mode,ownership,timestamps"),
            ),
            "no-preserve" => op.opt("no_preserve", value.as_deref().unwrap_or_default()),
            "reflink" => op.opt("reflink", value.as_deref().unwrap_or("always")),
            "sparse" => op.opt("sparse", value.as_deref().unwrap_or_default()),
            "b" | "backup" => {
                op.flag("backup");
                if let Some(v) = value {
                    op.opt("backup", &v);
                }
            }
            "S" | "suffix" => op.opt("suffix", value.as_deref().unwrap_or_default()),
            "remove-destination" => op.flag("remove_destination"),
            "parents" => op.flag("parents"),
            "attributes-only" => op.flag("attributes_only"),
            "copy-contents" => op.flag("copy_contents"),
            _ => {}
        }
    }
    if let Err(e) = destination(op, "cp", operands, target_dir, no_target_dir) {
        op.sources.clear();
        op.targets.clear();
        return op.opaque(e);
    }
    op.kind = if op.has("recursive") {
        Kind::Restore
    } else {
        Kind::Overwrite
    };
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn archive_copy_is_a_restore() {
        for line in [
            "cp -a src/ dst",
            "cp --archive src/ dst",
            "cp --arch src/ dst",
            "cp src/ -a dst",
            "cp -av src/ dst",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}");
            assert!(op.has("archive") && op.has("recursive"), "{line}");
            assert_eq!(op.sources, vec!["src/"], "{line}");
            assert_eq!(op.targets, vec!["dst"], "{line}");
        }
    }

    #[test]
    fn recursive_spellings() {
        for line in [
            "cp -r a b",
            "cp -R a b",
            "cp --recursive a b",
            "cp -rfv a b",
            "cp a b -r",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}");
            assert!(!op.has("archive"), "{line}");
        }
    }

    #[test]
    fn plain_copy_overwrites_destination() {
        let op = parse_str("cp disk.img /srv/xen/web1.img");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.sources, vec!["disk.img"]);
        assert_eq!(op.targets, vec!["/srv/xen/web1.img"]);
        assert!(!op.has("target_is_directory"));
        let op = parse_str("cp a b c /dir");
        assert_eq!(op.sources, vec!["a", "b", "c"]);
        assert_eq!(op.targets, vec!["/dir"]);
        assert!(op.has("target_is_directory"));
    }

    #[test]
    fn target_directory_option() {
        for line in [
            "cp -t /dst a b",
            "cp -t/dst a b",
            "cp --target-directory=/dst a b",
            "cp --target-directory /dst a b",
            "cp a b -t /dst",
            "cp --targ=/dst a b",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}");
            assert_eq!(op.sources, vec!["a", "b"], "{line}");
            assert_eq!(op.targets, vec!["/dst"], "{line}");
            assert!(op.has("target_is_directory"), "{line}");
        }
        let op = parse_str("cp -rt /dst a");
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["/dst"]);
    }

    #[test]
    fn no_target_directory() {
        let op = parse_str("cp -T -r a b");
        assert!(op.has("no_target_directory"));
        assert_eq!(op.targets, vec!["b"]);
        assert_eq!(parse_str("cp -T a b c").kind, Kind::Opaque);
        assert_eq!(parse_str("cp -T -t d a").kind, Kind::Opaque);
    }

    #[test]
    fn flags() {
        let op =
            parse_str("cp -nulsxHbf -S .old --remove-destination --parents --attributes-only a b");
        for f in [
            "no_clobber",
            "update",
            "link",
            "symbolic_link",
            "one_file_system",
            "dereference_command_line",
            "backup",
            "force",
            "remove_destination",
            "parents",
            "attributes_only",
        ] {
            assert!(op.has(f), "{f}");
        }
        assert_eq!(op.options.get("suffix").map(String::as_str), Some(".old"));
        let op = parse_str("cp --preserve=all --reflink --sparse=always --backup=numbered -L a b");
        assert_eq!(op.options.get("preserve").map(String::as_str), Some("all"));
        assert_eq!(
            op.options.get("reflink").map(String::as_str),
            Some("always")
        );
        assert_eq!(op.options.get("sparse").map(String::as_str), Some("always"));
        assert_eq!(
            op.options.get("backup").map(String::as_str),
            Some("numbered")
        );
        assert!(op.has("dereference"));
        let op = parse_str("cp -p --reflink=auto --no-preserve=mode -d -P a b");
        assert_eq!(
            op.options.get("preserve").map(String::as_str),
            Some("mode,ownership,timestamps")
        );
        assert_eq!(op.options.get("reflink").map(String::as_str), Some("auto"));
        assert!(op.has("no_dereference"));
        // The last of -n / -i wins.
        assert!(!parse_str("cp -n -i a b").has("no_clobber"));
        assert!(!parse_str("cp -i -n a b").has("interactive"));
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "cp",
            "cp a",
            "cp -q a b",
            "cp --sparse a",
            "cp -t",
            "cp --bogus a b",
            "cp --re a b",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("cp: "),
                "{line}"
            );
        }
        assert!(parse_str("cp a")
            .note
            .as_deref()
            .unwrap_or("")
            .contains("missing destination file operand after 'a'"));
    }

    #[test]
    fn double_dash() {
        let op = parse_str("cp -- -a -r");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.sources, vec!["-a"]);
        assert_eq!(op.targets, vec!["-r"]);
    }

    #[test]
    fn help_is_harmless() {
        assert_eq!(parse_str("cp --help").kind, Kind::Read);
        assert_eq!(parse_str("cp --version").kind, Kind::Read);
    }

    /// GNU cp reads `-t` after the operands too: check with the real tool.
    #[test]
    fn agrees_with_gnu_cp() {
        use std::process::Command;
        if Command::new("cp").arg("--version").output().is_err() {
            eprintln!("SKIP agrees_with_gnu_cp: cp not installed");
            return;
        }
        let base = std::env::temp_dir().join(format!("safeop-cp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("dst")).expect("mkdir");
        std::fs::write(base.join("a"), "a").expect("write");
        std::fs::write(base.join("b"), "b").expect("write");
        let line = "cp a b -t dst";
        let op = parse_str(line);
        let argv = shell_words::split(line).expect("split");
        let st = Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(&base)
            .status()
            .expect("cp");
        assert!(st.success());
        for s in &op.sources {
            assert!(base.join(&op.targets[0]).join(s).is_file(), "{s}");
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
