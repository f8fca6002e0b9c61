//! GPT fdisk: `sgdisk` (1.0.9, popt: no abbreviations, `-n1:0:0`, `-n=1:0:0`) and `gdisk`.
//!
//! - sgdisk: printing options (`-p`, `-v`, `-i N`, `-O`, `-L`, `-D`, `-E`, `-f`, `-F`, `-b
//!   FILE`, `-A list`, `-A N:show|get`) → Read; every table-changing option ([`WRITES`]: `-Z`,
//!   `-z`, `-o`, `-n`, `-N`, `-d`, `-t`, `-c`, `-G`, `-U`, `-u`, `-A …:set`, `-g`, `-m`, `-h`,
//!   `-r`, `-s`, `-l`, `-e`, `-j`, `-k`, `-C`, `-T`, `-R`, `-B`, `-S`) → Partition, each recorded as a flag
//!   under its long name (`zap_all`, `clear`, `new`, `delete` …), values one a line under it too.
//!   `-R DEV2` (replicate) writes DEV2's table: DEV2 is the target and the device named last is
//!   a source. `-P`/`--pretend` ("changes are not written to disk") → a dry run: Read, flag
//!   `dry_run`, the device a source — except with `-R`, which sgdisk (1.0.9) writes onto DEV2
//!   even when pretending: still Partition, no flag.
//! - gdisk: `gdisk DEV` (interactive) → Partition, `gdisk -l DEV` or `gdisk DEV -l` → Read. gdisk
//!   reads no options: it looks at its argument count, and takes anything else (`--help`) for a
//!   device name it fails to open or a usage error — which writes nothing either.

use super::finish;
use crate::command::options::{keep, POPT};
use crate::command::{Arg, Getopt, Kind, Operation};

/// sgdisk's options that take a value; every value counts (`-n 1:0:+1G -n 2:0:0`).
#[rustfmt::skip]
const VALUED: &[&str] = &[
    "set-alignment", "attributes", "backup", "byte-swap-name", "change-name", "delete", "hybrid",
    "info", "move-main-table", "move-backup-table", "load-backup", "gpttombr", "new",
    "largest-new", "transpose", "replicate", "resize-table", "typecode", "transform-bsd",
    "partition-guid", "disk-guid",
];

/// sgdisk 1.0.9 `--help` (`-k` from 1.0.10).
#[rustfmt::skip]
pub(in crate::command) const SGDISK_SPEC: Getopt = Getopt {
    long_arg: VALUED,
    long_flag: &[
        "recompute-chs", "display-alignment", "move-second-header",
        "end-of-largest", "first-in-largest", "first-aligned-in-largest", "mbrtogpt",
        "randomize-guids", "align-end", "list-types", "clear", "print-mbr", "print", "pretend",
        "sort", "verify", "version", "zap", "zap-all", "help", "usage",
    ],
    pairs: &[
        ('a', "set-alignment"), ('A', "attributes"), ('b', "backup"), ('B', "byte-swap-name"),
        ('c', "change-name"), ('d', "delete"), ('h', "hybrid"), ('i', "info"),
        ('j', "move-main-table"), ('k', "move-backup-table"), ('l', "load-backup"),
        ('m', "gpttombr"), ('n', "new"), ('N', "largest-new"), ('r', "transpose"),
        ('R', "replicate"), ('S', "resize-table"), ('t', "typecode"), ('T', "transform-bsd"),
        ('u', "partition-guid"), ('U', "disk-guid"), ('C', "recompute-chs"),
        ('D', "display-alignment"), ('e', "move-second-header"), ('E', "end-of-largest"),
        ('f', "first-in-largest"), ('F', "first-aligned-in-largest"), ('g', "mbrtogpt"),
        ('G', "randomize-guids"), ('I', "align-end"), ('L', "list-types"), ('o', "clear"),
        ('O', "print-mbr"), ('p', "print"), ('P', "pretend"), ('s', "sort"), ('v', "verify"),
        ('V', "version"), ('z', "zap"), ('Z', "zap-all"), ('?', "help"),
    ],
    repeated: VALUED,
    ..POPT
};

/// The sgdisk options that change the partition table (`--attributes` only when it sets).
const WRITES: &[&str] = &[
    "change-name",
    "delete",
    "hybrid",
    "move-main-table",
    "move-backup-table",
    "load-backup",
    "gpttombr",
    "new",
    "largest-new",
    "transpose",
    "replicate",
    "typecode",
    "transform-bsd",
    "partition-guid",
    "disk-guid",
    "recompute-chs",
    "move-second-header",
    "mbrtogpt",
    "randomize-guids",
    "clear",
    "sort",
    "zap",
    "zap-all",
    "byte-swap-name",
    "resize-table",
];

pub(super) fn sgdisk(op: &mut Operation, args: &[String]) {
    let parsed = match SGDISK_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("sgdisk: {e}")),
    };
    let mut devices = Vec::new();
    let mut writes = false;
    let mut info_only = false;
    let mut pretend = false;
    for a in parsed {
        let (long, value) = match a {
            Arg::Operand(d) => {
                devices.push(d);
                continue;
            }
            Arg::Opt(n, v) => (n, v),
        };
        match long.as_str() {
            "help" | "usage" | "version" | "list-types" => info_only = true,
            "pretend" => pretend = true,
            "attributes" => {
                let v = value.as_deref().unwrap_or_default();
                if !(v == "list" || v.ends_with(":show") || v.contains(":get")) {
                    writes = true;
                    op.flag("attributes");
                }
            }
            w if WRITES.contains(&w) => {
                writes = true;
                op.flag(&w.replace('-', "_"));
            }
            _ => {}
        }
        if value.is_some() {
            keep(&[SGDISK_SPEC], op, &long, value.as_deref());
        }
    }
    if info_only && devices.is_empty() {
        return op.prints_only();
    }
    let dev = match devices.as_slice() {
        [d] => d.clone(),
        [] => return op.opaque("sgdisk: no device file specified"),
        [_, extra, ..] => return op.opaque(format!("sgdisk: unexpected argument '{extra}'")),
    };
    if let Some(second) = op.option("replicate").map(str::to_string) {
        // The table of DEV is copied onto the second device, `--pretend` or not.
        op.sources.push(dev);
        op.targets.push(second);
        op.kind = Kind::Partition;
        return;
    }
    finish(op, !writes, vec![dev]);
    if pretend {
        op.dry_run();
    }
}

pub(super) fn gdisk(op: &mut Operation, args: &[String]) {
    match args {
        [dev] if !dev.starts_with('-') => finish(op, false, vec![dev.clone()]),
        [l, dev] | [dev, l] if l == "-l" && !dev.starts_with('-') => {
            finish(op, true, vec![dev.clone()])
        }
        [] => op.opaque("gdisk: no device specified (it would ask for one)"),
        _ => op.prints_only(),
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn sgdisk() {
        for line in [
            "sgdisk -Z /dev/sdb",
            "sgdisk --zap-all /dev/sdb",
            "sgdisk /dev/sdb --zap-all",
            "sgdisk -o /dev/sdb",
            "sgdisk -n 1:0:+512M -t 1:ef00 -c 1:EFI /dev/sdb",
            "sgdisk -n1:0:0 /dev/sdb",
            "sgdisk --new=1:0:0 --typecode=1:8300 /dev/sdb",
            "sgdisk -d 2 /dev/sdb",
            "sgdisk -G /dev/sdb",
            "sgdisk -A 1:set:2 /dev/sdb",
            "sgdisk -z /dev/sdb",
            "sgdisk -n=1:0:0 /dev/sdb",
            // sgdisk 1.0.9 `--help`: `-j, --move-main-table`, `-S, --resize-table`,
            // `-B, --byte-swap-name`.
            "sgdisk --move-main-table=2048 /dev/sdb",
            "sgdisk -S 256 /dev/sdb",
            "sgdisk -B 1 /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
        }
        assert!(parse_str("sgdisk -Z /dev/sdb").has("zap_all"));
        let op = parse_str("sgdisk -n 1:0:+512M -n 2:0:0 /dev/sdb");
        assert_eq!(op.option("new"), Some("1:0:+512M\n2:0:0"));
        // popt drops the `=` of `-n=…` (sgdisk 1.0.9 makes partition 1 of `-n=1:2048:4095`).
        assert_eq!(
            parse_str("sgdisk -n=1:0:0 /dev/sdb").option("new"),
            Some("1:0:0")
        );
        for line in [
            "sgdisk -p /dev/sdb",
            "sgdisk --print /dev/sdb",
            "sgdisk -v /dev/sdb",
            "sgdisk -i 1 /dev/sdb",
            "sgdisk -O /dev/sdb",
            "sgdisk -b /root/sdb.gpt /dev/sdb",
            "sgdisk -A 1:show /dev/sdb",
            "sgdisk -L",
            "sgdisk --version",
            "sgdisk -pv /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        let op = parse_str("sgdisk -R /dev/sdc /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdc"]);
        assert_eq!(op.sources, vec!["/dev/sdb"]);
        let op = parse_str("sgdisk --replicate=/dev/sdc -G /dev/sdb");
        assert_eq!(op.targets, vec!["/dev/sdc"]);
        for line in [
            "sgdisk -Z",
            "sgdisk -q /dev/sdb",
            "sgdisk --zap-al /dev/sdb",
            "sgdisk -n",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    /// `--pretend` writes nothing, whatever else is asked — except a replica.
    #[test]
    fn sgdisk_pretend_only_reads() {
        for line in [
            "sgdisk -P -Z /dev/sdb",
            "sgdisk --pretend -Z /dev/sdb",
            "sgdisk --pretend --zap-all /dev/sdb",
            "sgdisk -Z -P /dev/sdb",
            "sgdisk -Z /dev/sdb -P",
            "sgdisk -PZ /dev/sdb",
            "sgdisk -ZP /dev/sdb",
            "sgdisk -Pz /dev/sdb",
            "sgdisk -P -o -n 1:0:+512M -t 1:ef00 -c 1:EFI /dev/sdb",
            "sgdisk --pretend --new=1:0:0 --typecode=1:8300 /dev/sdb",
            "sgdisk -P -d 2 /dev/sdb",
            "sgdisk -P -G -g /dev/sdb",
            "sgdisk -P -A 1:set:2 /dev/sdb",
            "sgdisk -P -m 1:2 /dev/sdb",
            "sgdisk -P -h 1 /dev/sdb",
            "sgdisk -P -l /root/sdb.gpt /dev/sdb",
            "sgdisk -P -e -s /dev/sdb",
            "sgdisk -Pp /dev/sdb",
            "sgdisk --pretend --print /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/dev/sdb"], "{line}");
        }
        // sgdisk writes the replica even when pretending.
        for line in [
            "sgdisk -P -R /dev/sdc /dev/sdb",
            "sgdisk --pretend --replicate=/dev/sdc /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}");
            assert_eq!(op.targets, vec!["/dev/sdc"], "{line}");
            assert!(!op.has("dry_run"), "{line}");
        }
        // `-c 1:P`: the P is a partition name, not --pretend.
        let op = parse_str("sgdisk -c 1:P /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert!(!op.has("dry_run"));
        let op = parse_str("sgdisk -cP /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
    }

    #[test]
    fn gdisk() {
        let op = parse_str("gdisk /dev/nvme0n1");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/nvme0n1"]);
        for line in ["gdisk -l /dev/nvme0n1", "gdisk /dev/nvme0n1 -l"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert_eq!(op.sources, vec!["/dev/nvme0n1"], "{line}");
        }
        assert_eq!(parse_str("gdisk").kind, Kind::Opaque);
        // Three arguments, or an option gdisk does not have: a usage error, nothing written.
        for line in [
            "gdisk -l -l /dev/sda",
            "gdisk -x /dev/sda",
            "gdisk /dev/sda /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
    }
}
