//! `mv` argv → Operation (GNU coreutils mv 9.x: permuted options, bundled flags, long prefixes).
//!
//! [`Kind::Move`]: sources = the moved operands (they disappear from where they were), target =
//! the destination (`-t DIR`, else the last operand; replaced if it is a file). Flags: `force`,
//! `no_clobber`, `interactive`, `update`, `backup`, `no_target_directory` (`-T`),
//! `target_is_directory` (`-t`, or more than one source), `exchange`, `no_copy`. Options:
//! `suffix`, `backup`, `update`.

use super::{cp::destination, options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "St",
    short_flag: "bfinTuvZ",
    long_arg: &["suffix", "target-directory"],
    long_opt: &["backup", "update"],
    long_flag: &[
        "context",
        "debug",
        "exchange",
        "force",
        "interactive",
        "no-clobber",
        "no-copy",
        "strip-trailing-slashes",
        "no-target-directory",
        "verbose",
        "help",
        "version",
    ],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("mv: {e}")),
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
        // As in mv, the last of -f, -i, -n wins.
        match name.as_str() {
            "help" | "version" => {
                op.kind = Kind::Read;
                return;
            }
            "t" | "target-directory" => target_dir = value,
            "T" | "no-target-directory" => no_target_dir = true,
            "f" | "force" => {
                op.flags.remove("interactive");
                op.flags.remove("no_clobber");
                op.flag("force")
            }
            "i" | "interactive" => {
                op.flags.remove("force");
                op.flags.remove("no_clobber");
                op.flag("interactive")
            }
            "n" | "no-clobber" => {
                op.flags.remove("force");
                op.flags.remove("interactive");
                op.flag("no_clobber")
            }
            "u" | "update" => {
                op.flag("update");
                if let Some(v) = value {
                    op.opt("update", &v);
                }
            }
            "b" | "backup" => {
                op.flag("backup");
                if let Some(v) = value {
                    op.opt("backup", &v);
                }
            }
            "S" | "suffix" => op.opt("suffix", value.as_deref().unwrap_or_default()),
            "exchange" => op.flag("exchange"),
            "no-copy" => op.flag("no_copy"),
            _ => {}
        }
    }
    if let Err(e) = destination(op, "mv", operands, target_dir, no_target_dir) {
        op.sources.clear();
        op.targets.clear();
        return op.opaque(e);
    }
    op.kind = Kind::Move;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn move_spellings() {
        for line in [
            "mv a b /dst",
            "mv -t /dst a b",
            "mv --target-directory=/dst a b",
            "mv a -t /dst b",
            "mv -f a b /dst",
            "mv -- a b /dst",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Move, "{line}");
            assert_eq!(op.sources, vec!["a", "b"], "{line}");
            assert_eq!(op.targets, vec!["/dst"], "{line}");
            assert!(op.has("target_is_directory"), "{line}");
        }
        let op = parse_str("mv old.img /srv/xen/web1.img");
        assert_eq!(op.sources, vec!["old.img"]);
        assert_eq!(op.targets, vec!["/srv/xen/web1.img"]);
        assert!(!op.has("target_is_directory"));
    }

    /// Issue 10's table: the moved system directories are the sources (what
    /// `move-takes-system-dir-away` reads), whatever form the destination takes.
    #[test]
    fn system_dirs_moved_are_sources() {
        for (line, sources, target) in [
            ("mv /usr /usr.old", vec!["/usr"], "/usr.old"),
            ("mv -t /tmp /etc /usr", vec!["/etc", "/usr"], "/tmp"),
            ("mv /etc/ /srv/", vec!["/etc/"], "/srv/"),
            ("mv -T / /old-root", vec!["/"], "/old-root"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Move, "{line}");
            assert_eq!(op.sources, sources, "{line}");
            assert_eq!(op.targets, vec![target], "{line}");
        }
    }

    #[test]
    fn last_of_force_interactive_noclobber_wins() {
        assert!(parse_str("mv -i -f a b").has("force"));
        assert!(!parse_str("mv -i -f a b").has("interactive"));
        assert!(parse_str("mv -f -n a b").has("no_clobber"));
        assert!(!parse_str("mv -f -n a b").has("force"));
        assert!(parse_str("mv --no-clobber a b").has("no_clobber"));
        assert!(parse_str("mv -fi a b").has("interactive"));
    }

    #[test]
    fn other_flags() {
        let op = parse_str("mv -buv --suffix=.bak -T a b");
        assert!(op.has("backup") && op.has("update") && op.has("no_target_directory"));
        assert_eq!(op.options.get("suffix").map(String::as_str), Some(".bak"));
        let op = parse_str("mv --backup=t -S~ a b");
        assert_eq!(op.options.get("backup").map(String::as_str), Some("t"));
        assert_eq!(op.options.get("suffix").map(String::as_str), Some("~"));
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "mv",
            "mv a",
            "mv -r a b",
            "mv -T a b c",
            "mv -T -t d a",
            "mv --bogus a b",
            "mv -t",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("mv: "),
                "{line}"
            );
        }
    }

    #[test]
    fn help_is_harmless() {
        assert_eq!(parse_str("mv --help").kind, Kind::Read);
        assert!(parse_str("mv --version").targets.is_empty());
    }
}
