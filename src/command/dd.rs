//! `dd` argv → Operation. dd reads `key=value` operands; the last one of a key wins, as in dd.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

/// dd's only options are `--help` and `--version` (getopt_long, anywhere on the line); the rest
/// are `key=value` operands.
pub(super) const SPEC: Getopt = Getopt {
    long_flag: &["help", "version"],
    ..GNU
};

pub(super) const KEYS: &[&str] = &[
    "if", "of", "bs", "ibs", "obs", "cbs", "count", "skip", "iseek", "seek", "oseek", "conv",
    "iflag", "oflag", "status",
];

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let mut input = None;
    let mut output = None;
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("dd: {e}")),
    };
    for a in parsed {
        let a = match a {
            Arg::Opt(..) => return op.prints_only(),
            Arg::Operand(a) => a,
        };
        let Some((key, value)) = a.split_once('=') else {
            return op.opaque(format!("dd: unrecognized operand '{a}'"));
        };
        if !KEYS.contains(&key) {
            return op.opaque(format!("dd: unrecognized operand '{a}'"));
        }
        match key {
            "if" => input = Some(value.to_string()),
            "of" => output = Some(value.to_string()),
            "conv" | "oflag" | "iflag" => {
                for v in value.split(',').filter(|v| !v.is_empty()) {
                    op.flags.insert(format!("{key}_{v}"));
                    if key == "conv" && v == "notrunc" {
                        op.flag("notrunc");
                    }
                }
            }
            _ => op.opt(key, value),
        }
    }
    if let Some(i) = input {
        op.sources.push(i);
    }
    match output {
        Some(o) => {
            op.kind = Kind::Overwrite;
            op.targets.push(o);
        }
        // Without of= dd writes to standard output: nothing on disk is overwritten.
        None => op.kind = Kind::Read,
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn last_of_wins() {
        let op = parse_str("dd if=/dev/zero of=a of=b bs=1M");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["b"]);
        assert_eq!(op.sources, vec!["/dev/zero"]);
        assert_eq!(op.options.get("bs").map(String::as_str), Some("1M"));
    }

    #[test]
    fn conv_and_flags() {
        let op = parse_str("dd if=x of=/dev/sdb conv=fsync,notrunc oflag=direct seek=10");
        assert!(op.has("notrunc"));
        assert!(op.has("conv_fsync"));
        assert!(op.has("oflag_direct"));
        assert_eq!(op.options.get("seek").map(String::as_str), Some("10"));
    }

    #[test]
    fn reading_only() {
        let op = parse_str("dd if=/dev/sda bs=512 count=1");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.targets.is_empty());
        assert_eq!(op.sources, vec!["/dev/sda"]);
    }

    #[test]
    fn typo_operand_is_not_understood() {
        // `0f=` is what a one-character typo looks like; dd itself refuses it.
        let op = parse_str("dd if=/dev/zero 0f=/srv/xen/web1.img");
        assert_eq!(op.kind, Kind::Opaque);
    }

    #[test]
    fn paths_with_equals_sign() {
        let op = parse_str("dd if=/dev/zero of=/srv/a=b.img");
        assert_eq!(op.targets, vec!["/srv/a=b.img"]);
    }
}
