//! util-linux `sfdisk` (2.38, getopt_long).
//!
//! `-l`/`--list`, `-d`/`--dump`, `-J`/`--json`, `-s`/`--show-size`, `-V`/`--verify`,
//! `-F`/`--list-free`, `-g`, `-G`, `-T`, `-B` → Read (`-v` is sfdisk's version). `--delete DEV
//! [N…]` → Partition (flag `delete`, options["partitions"]); `--part-type|--part-uuid|
//! --part-label|--part-attrs DEV N VALUE` (and the deprecated `-c`/`--id`/`--change-id`/
//! `--print-id`, all `--part-type`) and `--disk-id DEV ID` → Partition, without the VALUE they
//! only print → Read; `--activate DEV N…` (without N it lists the bootable partitions → Read),
//! `--reorder`, `--relocate`, `--move-data` → Partition; the default (script on stdin) →
//! Partition. `-n`/`--no-act` makes any of these a dry run → Read, flag `dry_run`, the device a
//! source. `-a`/`--append` → `append`, `-N N` → options["partno"], `-f` → `force`.

use super::finish;
use crate::command::{options::GNU, Arg, Getopt, Kind, Operation};

#[rustfmt::skip]
pub(in crate::command) const SFDISK_SPEC: Getopt = Getopt {
    short_arg: "NoOuwWXY",
    short_flag: "aAbBcdfFgGhJlLnqrsTvV",
    long_arg: &[
        "partno", "backup-file", "output", "unit", "wipe", "wipe-partitions", "label",
        "label-nested",
    ],
    long_opt: &["color", "move-data", "lock"],
    long_flag: &[
        "append", "backup", "backup-pt-sectors", "bytes", "dump", "force", "show-geometry",
        "show-pt-geometry", "help", "json", "list", "list-free", "list-types", "no-act", "quiet",
        "reorder", "show-size", "verify", "version", "activate", "delete", "part-type", "part-uuid",
        "part-label", "part-attrs", "disk-id", "relocate", "move-use-fsync", "no-reread",
        "no-tell-kernel", "Linux", "id", "change-id", "print-id",
    ],
    ..GNU
};

pub(super) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SFDISK_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("sfdisk: {e}")),
    };
    let mut operands = Vec::new();
    let mut command: Option<String> = None;
    let mut read_cmd = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "h" | "help" | "v" | "version" => return op.prints_only(),
            "l" | "list" | "d" | "dump" | "J" | "json" | "s" | "show-size" | "F" | "list-free"
            | "g" | "show-geometry" | "G" | "show-pt-geometry" | "T" | "list-types" | "V"
            | "verify" | "B" | "backup-pt-sectors" => read_cmd = true,
            "delete" | "relocate" | "part-type" | "part-uuid" | "part-label" | "part-attrs"
            | "disk-id" => command = Some(name.clone()),
            "A" | "activate" => command = Some("activate".into()),
            "r" | "reorder" => command = Some("reorder".into()),
            // Deprecated spellings of --part-type (util-linux 2.38 says so and acts as it).
            "c" | "id" | "change-id" | "print-id" => command = Some("part-type".into()),
            "move-data" => op.flag("move_data"),
            "n" | "no-act" => op.flag("dry_run"),
            "a" | "append" => op.flag("append"),
            "f" | "force" => op.flag("force"),
            "N" | "partno" => op.opt("partno", &value),
            "w" | "wipe" => op.opt("wipe", &value),
            "W" | "wipe-partitions" => op.opt("wipe_partitions", &value),
            "X" | "label" => op.opt("label", &value),
            "b" | "backup" => op.flag("backup"),
            _ => {}
        }
    }
    if let Some(c) = command {
        return command_on_device(op, &c, operands);
    }
    if read_cmd {
        return finish(op, true, operands);
    }
    match operands.as_slice() {
        [dev] => {
            finish(op, false, vec![dev.clone()]);
            no_act(op)
        }
        [] => op.opaque("sfdisk: no disk device specified"),
        [_, extra, ..] => op.opaque(format!("sfdisk: unexpected argument '{extra}'")),
    }
}

/// `--delete DEV [N…]`, `--part-* DEV N [VALUE]`, `--activate DEV [N…]`, `--relocate OPER DEV` …
fn command_on_device(op: &mut Operation, c: &str, mut operands: Vec<String>) {
    op.opt("command", c);
    if c == "relocate" && !operands.is_empty() {
        // `--relocate OPER DEVICE`
        let oper = operands.remove(0);
        op.opt("arguments", &oper);
    }
    let Some((dev, rest)) = operands.split_first() else {
        return op.opaque(format!("sfdisk: --{c}: no disk device specified"));
    };
    let read = match c {
        "part-type" | "part-uuid" | "part-label" | "part-attrs" => rest.len() < 2,
        // `--activate DEV` with no partition numbers lists the bootable ones.
        "disk-id" | "activate" => rest.is_empty(),
        _ => false,
    };
    if c == "delete" {
        op.flag("delete");
        // No partition numbers: every partition is deleted.
        let which = if rest.is_empty() {
            "all".to_string()
        } else {
            rest.join(" ")
        };
        op.opt("partitions", &which);
    } else if !rest.is_empty() {
        op.opt("arguments", &rest.join(" "));
    }
    finish(op, read, vec![dev.clone()]);
    no_act(op)
}

/// sfdisk `-n`/`--no-act` ("do everything except write to the device"): whatever would be
/// written is only read. Checked on images with util-linux 2.38 for a script on stdin, an
/// empty stdin, `--delete`, `--part-*`, `--disk-id`, `--activate`, `--reorder`, `--relocate`,
/// `--wipe`, `--append`, `-N`.
fn no_act(op: &mut Operation) {
    if op.kind == Kind::Partition && op.has("dry_run") {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn reads() {
        for line in [
            "sfdisk -l",
            "sfdisk -l /dev/sda",
            "sfdisk --list /dev/sda",
            "sfdisk -d /dev/sda",
            "sfdisk --dump /dev/sda",
            "sfdisk -J /dev/sda",
            "sfdisk -s /dev/sda",
            "sfdisk --show-size /dev/sda",
            "sfdisk -V /dev/sda",
            "sfdisk -F /dev/sda",
            "sfdisk --part-type /dev/sda 1",
            "sfdisk --disk-id /dev/sda",
            "sfdisk -A /dev/sda",
            "sfdisk --activate /dev/sda",
            "sfdisk --verify /dev/sda",
            "sfdisk -lJ /dev/sda",
            "sfdisk --bytes -l /dev/sda",
            "sfdisk -B /dev/sda",
            "sfdisk -c /dev/sda 1",
            "sfdisk --print-id /dev/sda 1",
            "sfdisk --list-f /dev/sda",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn writes() {
        let op = parse_str("sfdisk --delete /dev/sda 1");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sda"]);
        assert!(op.has("delete"));
        assert_eq!(op.option("partitions"), Some("1"));
        let op = parse_str("sfdisk --delete /dev/sda");
        assert_eq!(op.option("partitions"), Some("all"));
        let op = parse_str("sfdisk /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        let op = parse_str("sfdisk -N 2 -f /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert!(op.has("force"));
        assert_eq!(op.option("partno"), Some("2"));
        let op = parse_str("sfdisk --append /dev/sdb");
        assert!(op.has("append"));
        let op = parse_str("sfdisk --part-type /dev/sda 1 83");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.option("command"), Some("part-type"));
        for line in [
            "sfdisk --part-label /dev/sda 1 data",
            "sfdisk --disk-id /dev/sda 0x1234",
            "sfdisk -A /dev/sda 1",
            "sfdisk --activate /dev/sda -",
            "sfdisk -r /dev/sda",
            "sfdisk --relocate gpt-bak-std /dev/sda",
            "sfdisk --wipe always /dev/sda",
            // The deprecated spellings of --part-type change the type when given one.
            "sfdisk --id /dev/sda 1 83",
            "sfdisk --print-id /dev/sda 1 83",
            "sfdisk --change-id /dev/sda 1 83",
            "sfdisk -c /dev/sda 1 83",
            "sfdisk -O /root/sda.bak /dev/sda",
            "sfdisk --del /dev/sda 2",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}: {:?}", op.note);
            assert_eq!(
                op.targets.last().map(String::as_str),
                Some("/dev/sda"),
                "{line}"
            );
        }
        for line in [
            "sfdisk",
            "sfdisk --delete",
            "sfdisk -Q /dev/sda",
            "sfdisk /dev/sda /dev/sdb",
            "sfdisk --in-order /dev/sda",
            "sfdisk --sector-size 512 /dev/sda",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    /// `--no-act` turns every writing form into a read of the device, wherever it stands.
    #[test]
    fn no_act_only_reads() {
        for line in [
            "sfdisk --no-act /dev/sda",
            "sfdisk -n /dev/sda",
            "sfdisk /dev/sda -n",
            "sfdisk --no-a /dev/sda",
            "sfdisk -nf /dev/sda",
            "sfdisk -fn -N 2 /dev/sda",
            "sfdisk -n -N 2 /dev/sda",
            "sfdisk --append --no-act /dev/sda",
            "sfdisk -n --wipe always /dev/sda",
            "sfdisk --no-act --delete /dev/sda 1",
            "sfdisk --delete /dev/sda -n",
            "sfdisk --no-act --part-type /dev/sda 1 83",
            "sfdisk --no-act --part-label /dev/sda 1 data",
            "sfdisk --no-act --part-uuid /dev/sda 1 0f7e4a3c-2d5b-4c1e-9a8f-6b3d2e1c0a9b",
            "sfdisk --no-act --part-attrs /dev/sda 1 RequiredPartition",
            "sfdisk --no-act --disk-id /dev/sda 0x1234",
            "sfdisk -n -A /dev/sda 1",
            "sfdisk -n -r /dev/sda",
            "sfdisk --no-act --relocate gpt-bak-std /dev/sda",
            "sfdisk --no-act -N 1 --move-data /dev/sda",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/dev/sda"], "{line}");
        }
        // `-N n`: the n is the partition number's value, not --no-act.
        let op = parse_str("sfdisk -N n /dev/sda");
        assert_eq!(op.kind, Kind::Partition);
        assert!(!op.has("dry_run"));
    }
}
