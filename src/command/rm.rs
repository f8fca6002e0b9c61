//! `rm` argv → Operation (GNU coreutils rm: permuted options, bundled flags, long-name prefixes).

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "fiIrRdv",
    long_arg: &[],
    long_opt: &["interactive", "preserve-root"],
    long_flag: &[
        "force",
        "one-file-system",
        "no-preserve-root",
        "recursive",
        "dir",
        "verbose",
        "help",
        "version",
    ],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("rm: {e}")),
    };
    op.kind = Kind::Delete;
    for a in parsed {
        match a {
            Arg::Operand(p) => op.targets.push(p),
            Arg::Opt(name, value) => match name.as_str() {
                "r" | "R" | "recursive" => op.flag("recursive"),
                "f" | "force" => op.flag("force"),
                "i" | "I" => op.flag("interactive"),
                "interactive" if !matches!(value.as_deref(), Some("never") | Some("no")) => {
                    op.flag("interactive")
                }
                "one-file-system" => op.flag("one_file_system"),
                "no-preserve-root" => {
                    op.flags.remove("preserve_root_all");
                    op.flag("no_preserve_root")
                }
                "preserve-root" => {
                    op.flags.remove("no_preserve_root");
                    if value.as_deref() == Some("all") {
                        op.flag("preserve_root_all")
                    }
                }
                "d" | "dir" => op.flag("dir"),
                "help" | "version" => {
                    op.kind = Kind::Read;
                    op.targets.clear();
                    return;
                }
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn bundled_and_separate_flags() {
        for line in [
            "rm -rf /srv",
            "rm -r -f /srv",
            "rm -fr /srv",
            "rm -Rf /srv",
            "rm --recursive --force /srv",
            "rm /srv -rf",
            "rm --rec --for /srv",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}");
            assert!(op.has("recursive") && op.has("force"), "{line}");
            assert_eq!(op.targets, vec!["/srv"], "{line}");
        }
    }

    #[test]
    fn double_dash_makes_dash_names_operands() {
        let op = parse_str("rm -rf -- -x /tmp/a");
        assert_eq!(op.targets, vec!["-x", "/tmp/a"]);
        let op = parse_str("rm -- -rf");
        assert_eq!(op.targets, vec!["-rf"]);
        assert!(!op.has("recursive"));
    }

    #[test]
    fn preserve_root_options() {
        assert!(parse_str("rm -rf --no-preserve-root /").has("no_preserve_root"));
        assert!(parse_str("rm -rf --no-pres /").has("no_preserve_root"));
        assert!(!parse_str("rm -rf --no-preserve-root --preserve-root /").has("no_preserve_root"));
        assert!(parse_str("rm -r --one-file-system /mnt").has("one_file_system"));
    }

    #[test]
    fn plain_rm_is_not_recursive() {
        let op = parse_str("rm -f a b c");
        assert!(!op.has("recursive"));
        assert_eq!(op.targets, vec!["a", "b", "c"]);
    }

    #[test]
    fn bad_options_are_opaque() {
        let op = parse_str("rm -z /srv");
        assert_eq!(op.kind, Kind::Opaque);
        assert!(op.note.as_deref().unwrap_or("").contains("invalid option"));
        assert_eq!(parse_str("rm --re /x").kind, Kind::Delete);
    }

    #[test]
    fn help_is_harmless() {
        assert_eq!(parse_str("rm --help").kind, Kind::Read);
    }
}
