//! `tee` (GNU coreutils 9, busybox) argv → Operation.
//!
//! tee copies its standard input to standard output and to every FILE, each opened for writing
//! and truncated (`O_TRUNC`), or appended to with `-a`/`--append` (flag `append`): either way a
//! write safeop cannot see the content of → [`Kind::Overwrite`] of every FILE. `-` is a file of
//! that name ("do not treat - specially", as POSIX says). `-i`, `-p`, `--output-error[=MODE]`
//! change nothing written. With no FILE tee writes nothing but its standard output → Read;
//! `--help`, `--version` only print.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "aip",
    long_arg: &[],
    long_opt: &["output-error"],
    long_flag: &["append", "ignore-interrupts", "help", "version"],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("tee: {e}")),
    };
    for a in parsed {
        match a {
            Arg::Operand(f) => op.targets.push(f),
            Arg::Opt(name, _) => match name.as_str() {
                "help" | "version" => return op.prints_only(),
                "a" | "append" => op.flag("append"),
                _ => {}
            },
        }
    }
    op.kind = if op.targets.is_empty() {
        Kind::Read
    } else {
        Kind::Overwrite
    };
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn every_file_is_written() {
        let op = parse_str("tee /proc/sysrq-trigger");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, ["/proc/sysrq-trigger"]);
        assert_eq!(op.effects.len(), 1);
        let op = parse_str("tee -a out.log -i - --output-error=warn copy.log");
        assert_eq!(op.kind, Kind::Overwrite);
        assert!(op.has("append"));
        assert_eq!(op.targets, ["out.log", "-", "copy.log"]);
        let op = parse_str("sudo tee -- -a");
        assert_eq!(op.targets, ["-a"]);
        assert!(!op.has("append"));
    }

    #[test]
    fn without_files_it_only_copies_to_standard_output() {
        for line in ["tee", "tee -p", "tee --help", "tee --version"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.effects.is_empty(), "{line}");
        }
        assert_eq!(parse_str("tee -x f").kind, Kind::Opaque);
    }
}
