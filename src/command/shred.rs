//! `shred` argv → Operation (GNU coreutils shred 9.x).
//!
//! [`Kind::Overwrite`] of every file operand (`-` is standard output). `-u`/`--remove[=HOW]` →
//! flag `remove` (the files are deleted after being overwritten; options["remove"] = HOW when
//! given). `-z` → `zero`, `-f` → `force`, `-x` → `exact`. Options `iterations` (`-n`), `size`
//! (`-s`: only the first N bytes are overwritten), `random_source` (also a source).

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "ns",
    short_flag: "fuvxz",
    long_arg: &["iterations", "size", "random-source"],
    long_opt: &["remove"],
    long_flag: &["force", "verbose", "exact", "zero", "help", "version"],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("shred: {e}")),
    };
    for a in parsed {
        match a {
            Arg::Operand(f) => op.targets.push(f),
            Arg::Opt(name, value) => {
                let v = value.unwrap_or_default();
                match name.as_str() {
                    "help" | "version" => {
                        op.kind = Kind::Read;
                        op.targets.clear();
                        op.sources.clear();
                        return;
                    }
                    "u" => op.flag("remove"),
                    "remove" => {
                        if !v.is_empty() && !["unlink", "wipe", "wipesync"].contains(&v.as_str()) {
                            return op
                                .opaque(format!("shred: invalid argument '{v}' for '--remove'"));
                        }
                        op.flag("remove");
                        if !v.is_empty() {
                            op.opt("remove", &v);
                        }
                    }
                    "z" | "zero" => op.flag("zero"),
                    "f" | "force" => op.flag("force"),
                    "x" | "exact" => op.flag("exact"),
                    "n" | "iterations" => op.opt("iterations", &v),
                    "s" | "size" => op.opt("size", &v),
                    "random-source" => {
                        op.opt("random_source", &v);
                        op.sources.push(v);
                    }
                    _ => {}
                }
            }
        }
    }
    if op.targets.is_empty() {
        op.sources.clear();
        return op.opaque("shred: missing file operand");
    }
    op.kind = Kind::Overwrite;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn spellings() {
        for line in [
            "shred -n 3 -z -u /dev/sdb",
            "shred -n3 -zu /dev/sdb",
            "shred -zun 3 /dev/sdb",
            "shred --iterations=3 --zero --remove /dev/sdb",
            "shred --iter 3 --zer --rem /dev/sdb",
            "shred /dev/sdb -uzn3",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
            assert!(op.has("remove") && op.has("zero"), "{line}");
            assert_eq!(
                op.options.get("iterations").map(String::as_str),
                Some("3"),
                "{line}"
            );
        }
    }

    #[test]
    fn options() {
        let op = parse_str("shred -fvx -s 1M --random-source=/dev/urandom --remove=wipesync a b");
        assert_eq!(op.targets, vec!["a", "b"]);
        assert_eq!(op.sources, vec!["/dev/urandom"]);
        assert!(op.has("force") && op.has("exact") && op.has("remove"));
        assert_eq!(op.options.get("size").map(String::as_str), Some("1M"));
        assert_eq!(
            op.options.get("remove").map(String::as_str),
            Some("wipesync")
        );
        let op = parse_str("shred a");
        assert!(!op.has("remove"));
        assert_eq!(op.kind, Kind::Overwrite);
        let op = parse_str("shred -- -u");
        assert_eq!(op.targets, vec!["-u"]);
        assert!(!op.has("remove"));
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "shred",
            "shred -q a",
            "shred --remove=bogus a",
            "shred -n",
            "shred --remove x=1",
        ] {
            let op = parse_str(line);
            if line == "shred --remove x=1" {
                // `--remove` takes its value only with `=`: x=1 is a file.
                assert_eq!(op.targets, vec!["x=1"]);
                continue;
            }
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("shred: "),
                "{line}"
            );
        }
    }

    #[test]
    fn help_is_harmless() {
        assert_eq!(parse_str("shred --help").kind, Kind::Read);
        assert!(parse_str("shred --version").targets.is_empty());
    }
}
