//! `mdadm` argv → Operation (mdadm 4.2). mdadm reads its line with getopt_long and a leading
//! `-` in its optstring: every word comes back in order, and what a device name means depends
//! on the mode and on the last action option before it (`mdadm /dev/md0 --fail /dev/sdb1
//! --remove /dev/sdb1`). Its short letters change with the mode: in `--create`, `--build` and
//! `--assemble` `-a` takes a value (`--auto=`) and `-b` too (`--bitmap=`), in `--grow` only
//! `-b`; elsewhere `-a` is `--add` and `-b` `--brief`.
//!
//! - `--create`/`-C`, `--build`/`-B` `MD [OPTIONS] DEVICE…`: every component (not the word
//!   `missing`, and `--write-journal=DEV`) gets a new superblock and is resynced over →
//!   [`Kind::Format`] of the components; flags `force`, `run`, `assume_clean`.
//! - `--zero-superblock DEVICE…` erases the md superblock → [`Kind::Format`] of each device.
//! - Manage mode (`mdadm MD ACTION DEVICE…`, also `--manage`, and `--grow` with `--add`):
//!   devices after `--add`/`-a`, `--re-add`, `--add-spare`, `--add-journal` are written over by
//!   the array → [`Kind::Format`]; devices after `--remove`/`-r`, `--fail`/`-f`/`--set-faulty`,
//!   `--replace` leave the array, which runs with one member less: a [`Kind::Delete`] of that
//!   member with flag `array_member` (the kernel keeps a member in `holders/` until it is
//!   removed, so a remove is judged by `array-member-removed`, not by the holder rule). The
//!   words `failed`, `detached`, `faulty` and `set-A`/`set-B` name no path.
//! - Everything that only looks (`--detail`, `--examine`, `--query`, `--examine-bitmap`,
//!   `--examine-badblocks`, `--detail-platform`, `--test`, `--wait`), `--assemble`,
//!   `--incremental`, `--stop`, `--readonly`/`--readwrite`, `--monitor`: the data stays
//!   ([`Kind::Read`], devices as sources). `--grow` without `--add` reshapes the array in
//!   place and is not judged here ([`Kind::Unknown`]).
//!
//! `--help`/`-h` (also after a mode: `mdadm --create --help`), `--help-options`,
//! `--version`/`-V` only print.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

const LONG_ARG: &[&str] = &[
    "kill-subarray",
    "update-subarray",
    "dump",
    "restore",
    "chunk",
    "rounding",
    "level",
    "parity",
    "layout",
    "raid-disks",
    "raid-devices",
    "spare-disks",
    "spare-devices",
    "size",
    "auto",
    "metadata",
    "bitmap",
    "bitmap-chunk",
    "homehost",
    "symlinks",
    "data-offset",
    "nodes",
    "home-cluster",
    "write-journal",
    "consistency-policy",
    "uuid",
    "super-minor",
    "name",
    "config",
    "update",
    "action",
    "prefer",
    "mail",
    "program",
    "alert",
    "increment",
    "delay",
    "pid-file",
    "backup-file",
    "array-size",
    "path",
];

const LONG_OPT: &[&str] = &["udev-rules", "write-behind"];

const LONG_FLAG: &[&str] = &[
    "manage",
    "misc",
    "assemble",
    "build",
    "create",
    "detail",
    "examine",
    "follow",
    "grow",
    "incremental",
    "zero-superblock",
    "query",
    "examine-bitmap",
    "auto-detect",
    "detail-platform",
    "offroot",
    "examine-badblocks",
    "monitor",
    "help",
    "help-options",
    "version",
    "verbose",
    "quiet",
    "assume-clean",
    "write-mostly",
    "failfast",
    "nofailfast",
    "re-add",
    "scan",
    "force",
    "freeze-reshape",
    "add",
    "add-spare",
    "add-journal",
    "remove",
    "fail",
    "set-faulty",
    "replace",
    "with",
    "run",
    "stop",
    "readonly",
    "readwrite",
    "no-degraded",
    "wait",
    "wait-clean",
    "cluster-confirm",
    "brief",
    "export",
    "sparc2.2",
    "test",
    "daemonise",
    "daemonize",
    "oneshot",
    "syslog",
    "no-sharing",
    "invalid-backup",
    "continue",
    "rebuild-map",
];

const PAIRS: &[(char, &str)] = &[
    ('A', "assemble"),
    ('B', "build"),
    ('C', "create"),
    ('D', "detail"),
    ('E', "examine"),
    ('F', "follow"),
    ('G', "grow"),
    ('I', "incremental"),
    ('Q', "query"),
    ('X', "examine-bitmap"),
    ('h', "help"),
    ('V', "version"),
    ('v', "verbose"),
    ('q', "quiet"),
    ('l', "level"),
    ('n', "raid-devices"),
    ('x', "spare-devices"),
    ('z', "size"),
    ('e', "metadata"),
    ('k', "consistency-policy"),
    ('u', "uuid"),
    ('N', "name"),
    ('c', "chunk"),
    ('s', "scan"),
    ('U', "update"),
    ('R', "run"),
    ('S', "stop"),
    ('o', "readonly"),
    ('w', "readwrite"),
    ('W', "wait"),
    ('t', "test"),
    ('Y', "export"),
    ('1', "oneshot"),
    ('i', "pid-file"),
    ('y', "syslog"),
    ('Z', "array-size"),
    ('d', "delay"),
    ('p', "parity"),
    ('m', "super-minor"),
];

/// `short_options` (manage, misc, monitor): `-a` is `--add`, `-b` `--brief`, `-r` `--remove`,
/// `-f` `--fail` (or `--force`).
pub(super) const MANAGE: Getopt = Getopt {
    short_arg: "ZcilpmnxudzUNek",
    short_flag: "ABCDEFGIQhVXYWvqbsarfRSow1ty",
    long_arg: LONG_ARG,
    long_opt: LONG_OPT,
    long_flag: LONG_FLAG,
    pairs: PAIRS,
    ..GNU
};

/// `short_bitmap_auto_options` (create, build, assemble): `-a` and `-b` take a value.
pub(super) const CREATE: Getopt = Getopt {
    short_arg: "Zbcilpmnxudz UNeka",
    short_flag: "ABCDEFGIQhVXYWvqsrfRSow1ty",
    ..MANAGE
};

/// `short_bitmap_options` (grow): `-b` takes a value, `-a` is `--add`.
pub(super) const GROW: Getopt = Getopt {
    short_arg: "ZbcilpmnxudzUNek",
    short_flag: "ABCDEFGIQhVXYWvqsarfRSow1ty",
    ..MANAGE
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Create,
    Manage,
    Grow,
    Zero,
    Look,
}

/// The mode a long or short option name sets, if it is one.
fn mode_of(name: &str) -> Option<Mode> {
    Some(match name {
        "create" | "build" => Mode::Create,
        "grow" => Mode::Grow,
        "manage" => Mode::Manage,
        "zero-superblock" => Mode::Zero,
        "assemble" | "misc" | "detail" | "examine" | "query" | "examine-bitmap" | "incremental"
        | "follow" | "monitor" | "auto-detect" | "detail-platform" | "examine-badblocks"
        | "kill-subarray" | "update-subarray" | "dump" | "restore" => Mode::Look,
        _ => return None,
    })
}

/// What a device after a management option becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Then {
    Nothing,
    Added,
    Leaves,
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    // The first pass finds the mode (its letter switches the option table, as in mdadm).
    let first = MANAGE.parse(args);
    let names: Vec<&str> = match &first {
        Ok(parsed) => parsed
            .iter()
            .filter_map(|a| match a {
                Arg::Opt(n, _) => Some(n.as_str()),
                Arg::Operand(_) => None,
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let mode = if names.contains(&"zero-superblock") {
        Some(Mode::Zero)
    } else {
        names.iter().find_map(|n| mode_of(n))
    };
    let spec = match mode {
        Some(Mode::Create) => CREATE,
        Some(Mode::Grow) => GROW,
        _ => MANAGE,
    };
    // A table switch can make the first pass's error go away (`-a yes` in create), or appear.
    let parsed = match spec.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("mdadm: {e}")),
    };
    let mode = mode.unwrap_or(Mode::Manage);
    let mut operands = Vec::new();
    let mut added = Vec::new();
    let mut leaving = Vec::new();
    let mut then = Then::Nothing;
    let mut array: Option<String> = None;
    for a in parsed {
        match a {
            Arg::Operand(d) => {
                if matches!(mode, Mode::Manage | Mode::Grow) && array.is_none() {
                    array = Some(d);
                    continue;
                }
                match then {
                    Then::Added => added.push(d.clone()),
                    Then::Leaves => leaving.push(d.clone()),
                    Then::Nothing => {}
                }
                operands.push(d);
            }
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "help-options" | "version" => return op.prints_only(),
                "force" => op.flag("force"),
                "f" if !matches!(mode, Mode::Manage | Mode::Grow) => op.flag("force"),
                "run" => {
                    op.flag("run");
                    then = Then::Nothing;
                }
                "assume-clean" => op.flag("assume_clean"),
                "write-journal" => {
                    if let Some(j) = v {
                        added.push(j);
                    }
                }
                "add" | "a" | "re-add" | "add-spare" | "add-journal"
                    if matches!(mode, Mode::Manage | Mode::Grow) =>
                {
                    then = Then::Added
                }
                "remove" | "r" | "fail" | "f" | "set-faulty" | "replace"
                    if matches!(mode, Mode::Manage | Mode::Grow) =>
                {
                    then = Then::Leaves
                }
                "with" | "stop" | "readonly" | "readwrite" => then = Then::Nothing,
                _ => {}
            },
        }
    }
    match mode {
        Mode::Create => {
            let mut it = operands.into_iter();
            let Some(md) = it.next() else {
                return op.opaque("mdadm: an md device must be given in this mode");
            };
            op.opt("array", &md);
            op.targets.extend(it.filter(|d| d != "missing"));
            op.targets.extend(added);
            if op.targets.is_empty() {
                return op.opaque("mdadm: no devices listed");
            }
            op.kind = Kind::Format;
        }
        Mode::Zero => {
            if operands.is_empty() {
                return op.opaque("mdadm: no devices given for --zero-superblock");
            }
            op.targets = operands;
            op.kind = Kind::Format;
        }
        Mode::Manage | Mode::Grow => {
            let Some(md) = array else {
                return op.opaque("mdadm: an md device must be given in this mode");
            };
            op.opt("array", &md);
            let named = |d: &String| {
                !matches!(
                    d.as_str(),
                    "failed" | "detached" | "faulty" | "set-A" | "set-B"
                )
            };
            let added: Vec<String> = added.into_iter().filter(named).collect();
            let leaving: Vec<String> = leaving.into_iter().filter(named).collect();
            if !added.is_empty() {
                op.targets = added;
                op.kind = Kind::Format;
                for d in leaving {
                    op.sources.push(d);
                }
                return;
            }
            if !leaving.is_empty() {
                op.targets = leaving;
                op.flag("array_member");
                op.kind = Kind::Delete;
                return;
            }
            if mode == Mode::Grow {
                op.kind = Kind::Unknown;
                return;
            }
            op.sources.push(md);
            op.sources.extend(operands);
            op.kind = Kind::Read;
        }
        Mode::Look => {
            op.sources = operands;
            op.kind = Kind::Read;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn create_formats_its_components() {
        for line in [
            "mdadm --create /dev/md0 --level=1 --raid-devices=2 /dev/sdb1 /dev/sdc1",
            "mdadm -C /dev/md0 -l1 -n2 /dev/sdb1 /dev/sdc1",
            "mdadm --create /dev/md0 -l 1 -n 2 -a yes -b internal /dev/sdb1 /dev/sdc1",
            "mdadm --create --verbose /dev/md0 --level=mirror --raid-devices=2 /dev/sdb1 /dev/sdc1 --run",
            "mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/sdb1 /dev/sdc1",
            "mdadm -C /dev/md0 -l1 -n3 /dev/sdb1 missing /dev/sdc1",
            "mdadm --cre /dev/md0 --lev=1 --raid-dev=2 /dev/sdb1 /dev/sdc1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb1", "/dev/sdc1"], "{line}");
            assert_eq!(op.option("array"), Some("/dev/md0"), "{line}");
        }
        let op = parse_str("mdadm -C /dev/md0 -l5 -n3 --write-journal=/dev/nvme0n1 /dev/sd[bcd]1");
        assert!(op.targets.contains(&"/dev/nvme0n1".to_string()));
        assert!(parse_str("mdadm -C /dev/md0 -l1 -n2 --force /dev/sdb1 /dev/sdc1").has("force"));
        assert_eq!(parse_str("mdadm --create /dev/md0").kind, Kind::Opaque);
    }

    #[test]
    fn zero_superblock_formats_every_device() {
        for line in [
            "mdadm --zero-superblock /dev/sdb1",
            "mdadm --zero-superblock /dev/sdb1 /dev/sdc1",
            "mdadm --misc --zero-superblock --force /dev/sdb1 /dev/sdc1",
            "mdadm --zero-super /dev/sdb1 /dev/sdc1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert!(op.targets.contains(&"/dev/sdb1".to_string()), "{line}");
        }
        assert_eq!(parse_str("mdadm --zero-superblock").kind, Kind::Opaque);
    }

    #[test]
    fn manage_mode_reads_devices_by_the_action_before_them() {
        let op = parse_str("mdadm /dev/md0 --fail /dev/sdb1 --remove /dev/sdb1");
        assert_eq!(op.kind, Kind::Delete);
        assert!(op.has("array_member"));
        assert_eq!(op.targets, ["/dev/sdb1", "/dev/sdb1"]);
        assert_eq!(op.option("array"), Some("/dev/md0"));
        let op = parse_str("mdadm --manage /dev/md0 -r /dev/sdb1");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Delete, vec!["/dev/sdb1".into()])
        );
        let op = parse_str("mdadm /dev/md0 -f /dev/sdb1");
        assert_eq!(op.kind, Kind::Delete);
        let op = parse_str("mdadm /dev/md0 --add /dev/sdd1");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Format, vec!["/dev/sdd1".into()])
        );
        let op = parse_str("mdadm /dev/md0 -a /dev/sdd1 -r failed");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Format, vec!["/dev/sdd1".into()])
        );
        let op = parse_str("mdadm /dev/md0 --remove failed");
        assert_eq!(op.kind, Kind::Read, "`failed` names no device");
        let op = parse_str("mdadm --grow /dev/md0 --raid-devices=3 --add /dev/sdd1");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Format, vec!["/dev/sdd1".into()])
        );
        assert_eq!(
            parse_str("mdadm --grow /dev/md0 --size=max").kind,
            Kind::Unknown
        );
        let op = parse_str("mdadm --stop /dev/md0");
        assert_eq!(op.kind, Kind::Read);
    }

    #[test]
    fn looking_only_reads() {
        for line in [
            "mdadm --detail /dev/md0",
            "mdadm -D /dev/md0",
            "mdadm --examine /dev/sdb1",
            "mdadm -E /dev/sdb1",
            "mdadm --assemble /dev/md0 /dev/sdb1 /dev/sdc1",
            "mdadm --assemble --scan",
            "mdadm --query /dev/sdb1",
            "mdadm --detail --scan",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        for line in [
            "mdadm --help",
            "mdadm --create --help",
            "mdadm -V",
            "mdadm --help-options",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }
}
