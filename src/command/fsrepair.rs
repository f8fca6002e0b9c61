//! Filesystem repair and resize tools: `e2fsck` (also as `fsck.ext2`, `fsck.ext3`,
//! `fsck.ext4`), `xfs_repair`, `resize2fs`, `xfs_growfs`. They rewrite a filesystem's metadata
//! in place, so on a mounted filesystem they corrupt it under the kernel (e2fsck's own manual:
//! "running e2fsck on a mounted filesystem … may cause severe filesystem damage"): the device
//! rules judge them like a raw write.
//!
//! - `e2fsck [-panyrcdfkvtDFV] [-b SB] [-B SIZE] [-l|-L FILE] [-C FD] [-j JOURNAL] [-E OPTS]
//!   [-z UNDO] DEVICE` (e2fsprogs 1.47, getopt): `-n` opens the filesystem read-only and answers
//!   "no" to every question ([`Kind::Read`]); anything else may write its repairs →
//!   [`Kind::Overwrite`] with flag `repair` (`-y` → also `yes`, `-p`/`-a` → `preen`, `-f` →
//!   `force`). `-V` only prints the version.
//! - `xfs_repair [-nLvdfPe] [-o OPT] [-l LOGDEV] [-r RTDEV] [-m MB] [-c OPT] [-t SECS] DEVICE`
//!   (xfsprogs 6.1): `-n` is "no modify" ([`Kind::Read`]); otherwise [`Kind::Overwrite`] with
//!   flag `repair`, and `-L` ("zero the log": the metadata changes in it are lost) → flag
//!   `zero_log`.
//! - `resize2fs [-d FLAGS] [-fFMPp] [-z UNDO] [-S STRIDE] DEVICE [SIZE|-b|-s]`: `-P` only
//!   prints the minimum size ([`Kind::Read`]); otherwise [`Kind::Resize`] of the device; `-M`
//!   (to the minimum) or a SIZE (which may be smaller) → flag `shrink`, options `size`.
//! - `xfs_growfs [-dilnrx] [-D SIZE] [-e SIZE] [-L SIZE] [-m PCT] [-R SIZE] [-t MTAB]
//!   MOUNTPOINT` grows a mounted filesystem (what it is for: XFS grows only online) →
//!   [`Kind::Resize`] of the mount point with flag `grow`; `-D SIZE` may shrink the data
//!   section (xfsprogs 5.12 and later) → flag `shrink`. `-n` only prints the geometry.
//!
//! A device named `LABEL=…` or `UUID=…` (e2fsck and resize2fs look it up with blkid) is opaque:
//! safeop judges device paths. Help and version spellings only print.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const E2FSCK: Getopt = Getopt {
    short_arg: "bjlzBCEILMNP",
    short_flag: "acdfknprstvyDFSV",
    long_flag: &["help", "version"],
    ..GNU
};

pub(super) const XFS_REPAIR: Getopt = Getopt {
    short_arg: "clmort",
    short_flag: "defnvDLPVe",
    long_flag: &["help", "version"],
    ..GNU
};

pub(super) const RESIZE2FS: Getopt = Getopt {
    short_arg: "dzS",
    short_flag: "bfhpsFMP",
    long_flag: &["help", "version"],
    ..GNU
};

pub(super) const XFS_GROWFS: Getopt = Getopt {
    short_arg: "emptDLR",
    short_flag: "dilnrxV",
    long_flag: &["help", "version"],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let tool = op.tool.clone();
    let spec = match tool.as_str() {
        "e2fsck" => E2FSCK,
        "xfs_repair" => XFS_REPAIR,
        "resize2fs" => RESIZE2FS,
        _ => XFS_GROWFS,
    };
    let parsed = match spec.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{tool}: {e}")),
    };
    let mut operands = Vec::new();
    let mut read_only = false;
    let mut shrink = false;
    for a in parsed {
        match a {
            Arg::Operand(o) => operands.push(o),
            Arg::Opt(n, v) => match (tool.as_str(), n.as_str()) {
                (_, "help" | "version") | ("e2fsck" | "xfs_repair" | "xfs_growfs", "V") => {
                    return op.prints_only()
                }
                ("resize2fs", "h") => return op.prints_only(),
                ("e2fsck" | "xfs_repair" | "xfs_growfs", "n") | ("resize2fs", "P") => {
                    read_only = true
                }
                ("e2fsck", "y") => op.flag("yes"),
                ("e2fsck", "p" | "a") => op.flag("preen"),
                ("e2fsck" | "resize2fs", "f") => op.flag("force"),
                ("xfs_repair", "L") => op.flag("zero_log"),
                ("resize2fs", "M") => shrink = true,
                ("xfs_growfs", "D") => {
                    shrink = true;
                    if let Some(s) = v {
                        op.opt("size", &s);
                    }
                }
                _ => {}
            },
        }
    }
    let mut it = operands.into_iter();
    let Some(device) = it.next() else {
        op.flags.clear();
        return op.opaque(format!("{tool}: no device given"));
    };
    if device.starts_with("LABEL=") || device.starts_with("UUID=") {
        op.flags.clear();
        return op.opaque(format!(
            "{tool} `{device}`: the filesystem is named by its label or UUID, and safeop judges device paths (`blkid -L` / `blkid -U` finds the device)"
        ));
    }
    let extra: Vec<String> = it.collect();
    match (tool.as_str(), extra.as_slice()) {
        ("resize2fs", [size]) => {
            op.opt("size", size);
            shrink = true;
        }
        (_, []) => {}
        _ => {
            op.flags.clear();
            return op.opaque(format!("{tool}: too many arguments"));
        }
    }
    if read_only {
        op.sources.push(device);
        op.kind = Kind::Read;
        return;
    }
    op.targets.push(device);
    match tool.as_str() {
        "e2fsck" | "xfs_repair" => {
            op.flag("repair");
            op.kind = Kind::Overwrite;
        }
        _ => {
            if shrink {
                op.flag("shrink");
            } else if tool == "xfs_growfs" {
                op.flag("grow");
            }
            op.kind = Kind::Resize;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn e2fsck_repairs_unless_asked_not_to() {
        for line in [
            "e2fsck -y /dev/sdb1",
            "e2fsck -fy /dev/sdb1",
            "e2fsck -p /dev/sdb1",
            "e2fsck /dev/sdb1",
            "fsck.ext4 -y /dev/sdb1",
            "/sbin/fsck.ext3 -f -C 0 /dev/sdb1",
            "e2fsck -b 32768 -y /dev/sdb1",
            "e2fsck /dev/sdb1 -y -E discard",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb1"], "{line}");
            assert!(op.has("repair"), "{line}");
            assert_eq!(op.tool, "e2fsck", "{line}");
        }
        assert!(parse_str("e2fsck -y /dev/sdb1").has("yes"));
        for line in [
            "e2fsck -n /dev/sdb1",
            "e2fsck -fn /dev/sdb1",
            "fsck.ext4 -n -f /dev/sdb1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert_eq!(op.sources, ["/dev/sdb1"], "{line}");
        }
        assert_eq!(parse_str("e2fsck -V").kind, Kind::Read);
        assert_eq!(parse_str("e2fsck -y LABEL=data").kind, Kind::Opaque);
        assert_eq!(parse_str("e2fsck -y").kind, Kind::Opaque);
        assert_eq!(parse_str("e2fsck -Q /dev/sdb1").kind, Kind::Opaque);
    }

    #[test]
    fn xfs_repair_zeroing_the_log() {
        let op = parse_str("xfs_repair -L /dev/sdb1");
        assert_eq!(op.kind, Kind::Overwrite);
        assert!(op.has("repair") && op.has("zero_log"));
        let op = parse_str("xfs_repair -l /dev/sdc1 /dev/sdb1");
        assert_eq!(op.targets, ["/dev/sdb1"], "-l takes the log device");
        assert_eq!(parse_str("xfs_repair -n /dev/sdb1").kind, Kind::Read);
    }

    #[test]
    fn resizing() {
        let op = parse_str("resize2fs /dev/sdb1");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Resize, vec!["/dev/sdb1".into()])
        );
        assert!(!op.has("shrink"));
        let op = parse_str("resize2fs -p /dev/sdb1 10G");
        assert!(op.has("shrink"));
        assert_eq!(op.option("size"), Some("10G"));
        assert!(parse_str("resize2fs -M /dev/sdb1").has("shrink"));
        assert_eq!(parse_str("resize2fs -P /dev/sdb1").kind, Kind::Read);
        let op = parse_str("xfs_growfs /srv");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Resize, vec!["/srv".into()])
        );
        assert!(op.has("grow"));
        assert!(parse_str("xfs_growfs -D 1000000 /srv").has("shrink"));
        assert_eq!(parse_str("xfs_growfs -n /srv").kind, Kind::Read);
        assert_eq!(parse_str("resize2fs /dev/a 1 2").kind, Kind::Opaque);
    }
}
