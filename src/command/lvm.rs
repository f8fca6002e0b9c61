//! LVM's commands argv → Operation (lvm2 2.03: every command reads getopt_long, permuted, long
//! prefixes; `lvm CMD …` is the same command).
//!
//! LVM names a logical volume `VG/LV` and its device `/dev/VG/LV` (lvm(8), "VALID NAMES"; also
//! `/dev/mapper/VG-LV`), a volume group by its name. A target is written as the device path LVM
//! gives it, so the device rules see the volume when it is active: `vg0/data` → `/dev/vg0/data`,
//! a bare `vg0` → `/dev/vg0` (the group: every volume in it). Paths stay as written. A tag
//! (`@db`) or a selection (`-S`/`--select`) picks volumes by what LVM knows: opaque, since which
//! ones it picks is LVM's to say.
//!
//! - `pvcreate PV…` writes an LVM label over each device → [`Kind::Format`].
//! - `pvremove PV…` wipes the label (`-ff` even from a PV in use by a group) → [`Kind::Format`].
//! - `vgremove VG…` removes each group and every volume in it → [`Kind::Delete`] of `/dev/VG`.
//! - `lvremove VG|LV…` → [`Kind::Delete`] of each volume (a group name: all its volumes).
//! - `lvreduce -L|-l SIZE LV` → [`Kind::Resize`] with flag `shrink` (`-r`/`--resizefs` →
//!   flag `resizefs`: the filesystem is shrunk first).
//! - `lvresize -L|-l [+|-]SIZE LV [PV…]`: a `-` size, or an absolute one (which may be smaller
//!   than the volume), may cut the end off the volume → [`Kind::Resize`] with flag `shrink`;
//!   `+SIZE` and `LV PV…` only grow it, writing nothing over what is there ([`Kind::Read`] of
//!   the volume, flag `grow`).
//! - `lvconvert --merge|--mergesnapshot|--mergethin|--mergemirrors LV…` merges a snapshot back
//!   into its origin (the origin returns to what it was at the snapshot, the snapshot goes) →
//!   [`Kind::Delete`] of the snapshot with flag `merge`; the facts follow it to its origin.
//!   Other conversions are not judged ([`Kind::Unknown`]).
//!
//! `-t`/`--test` ("run in test mode: commands will not update metadata") is a dry run
//! ([`Operation::dry_run`]); `-h`/`-?`/`--help`, `--longhelp`, `--version` only print; flags
//! `force` (`-f`, twice `force_twice`), `yes` (`-y`).

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

const COMMON_ARG: &[&str] = &[
    "commandprofile",
    "config",
    "driverloaded",
    "lockopt",
    "profile",
    "devicesfile",
    "devices",
    "journal",
    "reportformat",
];

const COMMON_FLAG: &[&str] = &[
    "debug",
    "help",
    "quiet",
    "verbose",
    "yes",
    "test",
    "nolocking",
    "longhelp",
    "version",
    "nohints",
    "noudevsync",
];

const COMMON_PAIRS: &[(char, &str)] = &[
    ('d', "debug"),
    ('h', "help"),
    ('?', "help"),
    ('q', "quiet"),
    ('v', "verbose"),
    ('y', "yes"),
    ('t', "test"),
];

/// The options every LVM command takes (`COMMON_OPTIONS` in its `--help`).
pub(super) const COMMON: Getopt = Getopt {
    short_flag: "dh?qvyt",
    long_arg: COMMON_ARG,
    long_flag: COMMON_FLAG,
    pairs: COMMON_PAIRS,
    ..GNU
};

pub(super) const PVCREATE: Getopt = Getopt {
    short_arg: "MuZ",
    short_flag: "f",
    long_arg: &[
        "metadatatype",
        "uuid",
        "zero",
        "dataalignment",
        "dataalignmentoffset",
        "bootloaderareasize",
        "labelsector",
        "pvmetadatacopies",
        "metadatasize",
        "metadataignore",
        "setphysicalvolumesize",
        "restorefile",
    ],
    long_flag: &["force", "norestorefile"],
    pairs: &[
        ('f', "force"),
        ('M', "metadatatype"),
        ('u', "uuid"),
        ('Z', "zero"),
    ],
    ..GNU
};

pub(super) const PVREMOVE: Getopt = Getopt {
    short_flag: "f",
    long_flag: &["force"],
    pairs: &[('f', "force")],
    ..GNU
};

pub(super) const VGREMOVE: Getopt = Getopt {
    short_arg: "S",
    short_flag: "f",
    long_arg: &["select"],
    long_flag: &["force"],
    pairs: &[('f', "force"), ('S', "select")],
    ..GNU
};

pub(super) const LVREMOVE: Getopt = Getopt {
    short_arg: "AS",
    short_flag: "f",
    long_arg: &["autobackup", "select"],
    long_flag: &["force", "nohistory"],
    pairs: &[('f', "force"), ('S', "select"), ('A', "autobackup")],
    ..GNU
};

pub(super) const LVRESIZE: Getopt = Getopt {
    short_arg: "LlAiI",
    short_flag: "frn",
    long_arg: &[
        "size",
        "extents",
        "autobackup",
        "stripes",
        "stripesize",
        "poolmetadatasize",
        "alloc",
        "type",
        "fs",
        "fsmode",
    ],
    long_flag: &["force", "resizefs", "nofsck", "nosync"],
    pairs: &[
        ('L', "size"),
        ('l', "extents"),
        ('A', "autobackup"),
        ('i', "stripes"),
        ('I', "stripesize"),
        ('f', "force"),
        ('r', "resizefs"),
        ('n', "nofsck"),
    ],
    ..GNU
};

pub(super) const LVCONVERT: Getopt = Getopt {
    short_arg: "ImRrcinVZ",
    short_flag: "HTsbf",
    long_arg: &[
        "alloc",
        "cachemetadataformat",
        "cachemode",
        "cachepolicy",
        "cachesettings",
        "cachesize",
        "cachepool",
        "cachevol",
        "compression",
        "deduplication",
        "discards",
        "errorwhenfull",
        "metadataprofile",
        "mirrorlog",
        "originname",
        "poolmetadata",
        "poolmetadatasize",
        "poolmetadataspare",
        "raidintegrity",
        "raidintegrityblocksize",
        "raidintegritymode",
        "stripes",
        "vdosettings",
        "type",
        "thinpool",
        "vdopool",
        "replace",
        "splitmirrors",
        "stripesize",
        "mirrors",
        "regionsize",
        "chunksize",
        "interval",
        "name",
        "readahead",
        "virtualsize",
        "zero",
        "trackchanges",
        "writecache",
        "swapmetadata",
    ],
    long_flag: &[
        "merge",
        "mergemirrors",
        "mergesnapshot",
        "mergethin",
        "repair",
        "splitcache",
        "splitsnapshot",
        "startpoll",
        "uncache",
        "usepolicies",
        "cache",
        "thin",
        "snapshot",
        "background",
        "force",
    ],
    pairs: &[
        ('I', "stripesize"),
        ('m', "mirrors"),
        ('R', "regionsize"),
        ('r', "readahead"),
        ('c', "chunksize"),
        ('i', "interval"),
        ('n', "name"),
        ('V', "virtualsize"),
        ('Z', "zero"),
        ('H', "cache"),
        ('T', "thin"),
        ('s', "snapshot"),
        ('b', "background"),
        ('f', "force"),
    ],
    ..GNU
};

/// The LVM commands safeop parses (as their own programs, or after `lvm`).
pub const COMMANDS: &[&str] = &[
    "pvcreate",
    "pvremove",
    "vgremove",
    "lvremove",
    "lvreduce",
    "lvresize",
    "lvconvert",
];

fn spec(command: &str) -> Getopt<'static> {
    match command {
        "pvcreate" => PVCREATE,
        "pvremove" => PVREMOVE,
        "vgremove" => VGREMOVE,
        "lvremove" => LVREMOVE,
        "lvconvert" => LVCONVERT,
        _ => LVRESIZE,
    }
}

/// An LVM name (or path) as the device path LVM gives it.
fn device_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/dev/{}", name.trim_end_matches('/'))
    }
}

/// Does `size` (`-L`/`-l`) only grow the volume?
fn grows(size: &str) -> bool {
    size.starts_with('+')
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let name = if op.tool == "lvm" {
        let Some((c, rest)) = args.split_first() else {
            return op.prints_only();
        };
        match c.as_str() {
            "help" | "version" | "--help" | "-h" | "--version" | "-?" => return op.prints_only(),
            c if COMMANDS.contains(&c) => {
                op.opt("subcommand", c);
                return run(op, c, rest);
            }
            _ => {
                op.kind = Kind::Unknown;
                return;
            }
        }
    } else {
        op.tool.clone()
    };
    run(op, &name, args)
}

fn run(op: &mut Operation, command: &str, args: &[String]) {
    let own = spec(command);
    let parsed = match super::options::read(&[own, COMMON], args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{command}: {e}")),
    };
    let mut names = Vec::new();
    let mut size: Option<String> = None;
    let mut merge = false;
    let mut forces = 0;
    for a in parsed {
        match a {
            Arg::Operand(n) => names.push(n),
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "longhelp" | "version" => return op.prints_only(),
                "test" => op.flag("dry_run"),
                "yes" => op.flag("yes"),
                "force" => forces += 1,
                "select" => {
                    return op.opaque(format!(
                        "{command} `--select {}` picks the volumes by what LVM knows",
                        v.unwrap_or_default()
                    ))
                }
                "size" | "extents" => size = v,
                "resizefs" => op.flag("resizefs"),
                "merge" | "mergemirrors" | "mergesnapshot" | "mergethin" => merge = true,
                _ => {}
            },
        }
    }
    if forces > 0 {
        op.flag("force");
    }
    if forces > 1 {
        op.flag("force_twice");
    }
    if let Some(tag) = names.iter().find(|n| n.starts_with('@')) {
        return op.opaque(format!(
            "{command} `{tag}` picks the volumes with that tag: which ones is LVM's to say"
        ));
    }
    if names.is_empty() {
        return op.opaque(format!("{command}: no volume named"));
    }
    let kind = match command {
        "pvcreate" | "pvremove" => {
            op.targets = names;
            Kind::Format
        }
        "vgremove" | "lvremove" => {
            op.targets = names.iter().map(|n| device_path(n)).collect();
            Kind::Delete
        }
        "lvconvert" if merge => {
            op.flag("merge");
            op.targets = names.iter().map(|n| device_path(n)).collect();
            Kind::Delete
        }
        "lvconvert" => {
            op.kind = Kind::Unknown;
            return;
        }
        _ => {
            let mut it = names.into_iter();
            let lv = it.next().map(|n| device_path(&n)).unwrap_or_default();
            let pvs: Vec<String> = it.collect();
            let shrinks = match (&size, command) {
                (_, "lvreduce") => true,
                (Some(s), _) => !grows(s),
                (None, _) => false,
            };
            if size.is_none() && command == "lvreduce" {
                return op.opaque("lvreduce: --size or --extents is required");
            }
            if let Some(s) = &size {
                op.opt("size", s);
            }
            if !shrinks {
                op.flag("grow");
                op.sources.push(lv);
                op.sources.extend(pvs);
                op.kind = Kind::Read;
                return;
            }
            op.flag("shrink");
            op.targets.push(lv);
            op.sources.extend(pvs);
            Kind::Resize
        }
    };
    op.kind = kind;
    if op.has("dry_run") {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn removals_name_the_volume_s_device() {
        for (line, want) in [
            ("lvremove vg0/data", vec!["/dev/vg0/data"]),
            ("lvremove -f vg0/data", vec!["/dev/vg0/data"]),
            ("lvremove -y /dev/vg0/data", vec!["/dev/vg0/data"]),
            (
                "lvremove /dev/mapper/vg0-data",
                vec!["/dev/mapper/vg0-data"],
            ),
            ("lvremove vg0", vec!["/dev/vg0"]),
            (
                "lvremove vg0/a vg1/b --force",
                vec!["/dev/vg0/a", "/dev/vg1/b"],
            ),
            ("lvm lvremove vg0/data", vec!["/dev/vg0/data"]),
            ("vgremove vg0", vec!["/dev/vg0"]),
            ("vgremove -ff vg0 vg1", vec!["/dev/vg0", "/dev/vg1"]),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert_eq!(op.targets, want, "{line}");
        }
        assert!(parse_str("vgremove -ff vg0").has("force_twice"));
        for line in [
            "lvremove @old",
            "lvremove -S 'lv_name=~tmp'",
            "lvremove --select lv_name=tmp vg0",
            "lvremove",
            "lvremove --bogus vg0/x",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    #[test]
    fn pv_labels_are_formats() {
        for line in [
            "pvcreate /dev/sdb1",
            "pvcreate -ff -y /dev/sdb1",
            "pvcreate --dataalignment 1m /dev/sdb1",
            "pvremove /dev/sdb1",
            "pvremove -ff /dev/sdb1",
            "lvm pvremove /dev/sdb1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb1"], "{line}");
        }
        // `-u UUID` takes its value.
        assert_eq!(
            parse_str("pvcreate -u abc --norestorefile /dev/sdb1").targets,
            ["/dev/sdb1"]
        );
    }

    #[test]
    fn shrinking_is_a_resize_and_growing_writes_nothing_over() {
        for line in [
            "lvreduce -L 10G vg0/data",
            "lvreduce -L -5G vg0/data",
            "lvreduce --size=10G -r vg0/data",
            "lvresize -L 10G vg0/data",
            "lvresize -L -5G /dev/vg0/data",
            "lvresize -l 50%VG vg0/data",
            "lvresize --size -1G vg0/data",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Resize, "{line}: {:?}", op.note);
            assert!(op.has("shrink"), "{line}");
            assert_eq!(op.targets.len(), 1, "{line}");
            assert!(op.targets[0].ends_with("vg0/data"), "{line}");
        }
        assert!(parse_str("lvreduce -r -L 10G vg0/data").has("resizefs"));
        for line in [
            "lvresize -L +5G vg0/data",
            "lvresize -l +100%FREE vg0/data",
            "lvresize vg0/data /dev/sdc1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.has("grow") && op.targets.is_empty(), "{line}");
        }
        assert_eq!(parse_str("lvreduce vg0/data").kind, Kind::Opaque);
    }

    #[test]
    fn a_merge_takes_the_snapshot_into_its_origin() {
        for line in [
            "lvconvert --merge vg0/snap",
            "lvconvert --mergesnapshot vg0/snap",
            "lvconvert --merge -b vg0/snap",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/vg0/snap"], "{line}");
            assert!(op.has("merge"), "{line}");
        }
        assert_eq!(
            parse_str("lvconvert --type raid1 -m 1 vg0/data").kind,
            Kind::Unknown
        );
    }

    #[test]
    fn test_mode_only_reads() {
        for line in [
            "lvremove -t vg0/data",
            "lvremove --test vg0/data",
            "vgremove -t vg0",
            "pvremove --test /dev/sdb1",
            "lvreduce -t -L 1G vg0/data",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.has("dry_run") && op.targets.is_empty(), "{line}");
        }
        for line in [
            "lvremove --help",
            "lvremove -h",
            "vgremove --longhelp",
            "pvcreate --version",
            "lvm help",
            "lvm",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        assert_eq!(parse_str("lvm vgs").kind, Kind::Unknown);
    }
}
