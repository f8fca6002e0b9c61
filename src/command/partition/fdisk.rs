//! util-linux `fdisk` and `cfdisk` (2.38, getopt_long).
//!
//! - fdisk: `-l`/`-x`/`-s` → Read (fdisk has no dry run; `-l` without a device lists every
//!   disk); otherwise one device → Partition. Options kept: `-w`/`-W` (options["wipe"],
//!   ["wipe_partitions"]), `-t` (options["label"]), `-b` (options["sector_size"]), `-B` (flag
//!   `protect_boot`), `-n` (flag `noauto_pt`). `-c[=MODE]`, `-u[=UNIT]`, `-L[=WHEN]` take an
//!   attached value only (`-cdos`).
//! - cfdisk: `-r`/`--read-only` → Read, else Partition; no device → cfdisk's default
//!   `/dev/sda`, flag `default_device`; `-z` → flag `zero`.

use super::finish;
use crate::command::{options::GNU, Arg, Getopt, Operation};

#[rustfmt::skip]
pub(in crate::command) const FDISK_SPEC: Getopt = Getopt {
    short_arg: "bCHoStwW",
    short_opt: "cuL",
    short_flag: "BlnsvVhx",
    long_arg: &[
        "sector-size", "cylinders", "heads", "output", "sectors", "type", "wipe", "wipe-partitions",
    ],
    long_opt: &["compatibility", "color", "units", "lock"],
    long_flag: &[
        "bytes", "protect-boot", "list", "list-details", "noauto-pt", "getsz", "help", "version",
    ],
    ..GNU
};

pub(super) fn fdisk(op: &mut Operation, args: &[String]) {
    let parsed = match FDISK_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("fdisk: {e}")),
    };
    let mut devices = Vec::new();
    let mut list = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(d) => {
                devices.push(d);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "h" | "help" | "V" | "version" => return op.prints_only(),
            "l" | "list" | "x" | "list-details" | "s" | "getsz" => list = true,
            "w" | "wipe" => op.opt("wipe", &value),
            "W" | "wipe-partitions" => op.opt("wipe_partitions", &value),
            "t" | "type" => op.opt("label", &value),
            "b" | "sector-size" => op.opt("sector_size", &value),
            "B" | "protect-boot" => op.flag("protect_boot"),
            "n" | "noauto-pt" => op.flag("noauto_pt"),
            _ => {}
        }
    }
    if list {
        return finish(op, true, devices);
    }
    match devices.len() {
        1 => finish(op, false, devices),
        0 => op.opaque("fdisk: bad usage (no device specified)"),
        _ => op.opaque("fdisk: bad usage (more than one device)"),
    }
}

#[rustfmt::skip]
pub(in crate::command) const CFDISK_SPEC: Getopt = Getopt {
    short_opt: "L",
    short_flag: "hrVz",
    long_opt: &["color", "lock"],
    long_flag: &["help", "read-only", "version", "zero"],
    ..GNU
};

pub(super) fn cfdisk(op: &mut Operation, args: &[String]) {
    let parsed = match CFDISK_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("cfdisk: {e}")),
    };
    let mut devices = Vec::new();
    let mut read = false;
    for a in parsed {
        match a {
            Arg::Operand(d) => devices.push(d),
            Arg::Opt(n, _) => match n.as_str() {
                "h" | "help" | "V" | "version" => return op.prints_only(),
                "r" | "read-only" => read = true,
                "z" | "zero" => op.flag("zero"),
                _ => {}
            },
        }
    }
    match devices.len() {
        0 => {
            op.flag("default_device");
            finish(op, read, vec!["/dev/sda".to_string()]);
        }
        1 => finish(op, read, devices),
        _ => op.opaque("cfdisk: bad usage"),
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn fdisk() {
        for line in [
            "fdisk -l",
            "fdisk -l /dev/sda",
            "fdisk --list /dev/sda",
            "fdisk -lu /dev/sda",
            "fdisk -x /dev/sda",
            "fdisk -s /dev/sda1",
            "fdisk /dev/sda -l",
            "fdisk --bytes -l /dev/sda",
            "fdisk -l -u=sectors /dev/sda",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty());
        }
        let op = parse_str("fdisk /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        let op = parse_str("fdisk -w always -W never -t gpt -b 4096 -cdos -usectors -B /dev/sdb");
        assert_eq!(op.kind, Kind::Partition, "{:?}", op.note);
        assert_eq!(op.option("wipe"), Some("always"));
        assert_eq!(op.option("wipe_partitions"), Some("never"));
        assert_eq!(op.option("label"), Some("gpt"));
        assert!(op.has("protect_boot"));
        let op = parse_str("fdisk -tcustom /dev/sdb");
        assert_eq!(op.option("label"), Some("custom"));
        let op = parse_str("fdisk --wipe=auto --compatibility=dos --units /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        // `-c dos`: the value of -c is attached or absent; `dos` is a second device.
        for line in [
            "fdisk",
            "fdisk /dev/sda /dev/sdb",
            "fdisk -q /dev/sda",
            "fdisk -c dos /dev/sda",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        assert_eq!(parse_str("fdisk --help").kind, Kind::Read);
    }

    #[test]
    fn cfdisk() {
        let op = parse_str("cfdisk /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        assert_eq!(parse_str("cfdisk -r /dev/sdb").kind, Kind::Read);
        assert_eq!(parse_str("cfdisk --read /dev/sdb").kind, Kind::Read);
        let op = parse_str("cfdisk");
        assert_eq!(op.kind, Kind::Partition);
        assert!(op.has("default_device"));
        assert_eq!(op.targets, vec!["/dev/sda"]);
        assert!(parse_str("cfdisk -z -Lnever /dev/sdb").has("zero"));
        assert!(parse_str("cfdisk -zLnever /dev/sdb").has("zero"));
    }
}
