//! `zpool` and `zfs` argv → Operation (OpenZFS 2.x: `zpool COMMAND` / `zfs COMMAND`, each
//! command reading its own letters with getopt).
//!
//! Pools and datasets are named, not pathed: a target `tank` or `tank/home@monday` is the name
//! as written (the facts look it up among the mounted ZFS filesystems, whose mount source is
//! the dataset's name). A vdev given by a short name (`sdb`) is looked up under `/dev` by
//! zpool, so it becomes `/dev/sdb`; a path stays as written.
//!
//! - `zpool destroy [-f] POOL` → [`Kind::Delete`] of the pool (every dataset in it).
//! - `zpool labelclear [-f] DEVICE` wipes the ZFS label → [`Kind::Format`] of the device.
//! - `zpool create [-dfn] [-m MP] [-o P=V]… [-O P=V]… [-R ROOT] [-t NAME] POOL VDEV…` writes
//!   labels over every device of the vdev spec (`mirror`, `raidz…`, `draid…`, `spare`, `log`,
//!   `cache`, `special`, `dedup` are its keywords) → [`Kind::Format`] of the devices (flag
//!   `force` with `-f`, which writes over devices that look in use); `-n` only prints the layout
//!   ([`Operation::dry_run`]).
//! - `zfs destroy [-Rdfnprv] DATASET[@SNAP[%SNAP][,…]|#BOOKMARK]` → [`Kind::Delete`] of the
//!   dataset (flags `descendants` with `-r`, `dependents` with `-R` — clones anywhere —,
//!   `snapshot` when a snapshot is named, `force`); `-n` is a dry run.
//! - `zfs rollback [-Rfr] DATASET@SNAP` writes the dataset back to the snapshot: everything
//!   written since is gone → [`Kind::Overwrite`] of DATASET (options `snapshot`); `-r` also
//!   destroys the later snapshots (flag `later_snapshots`), `-R` their clones too (flag
//!   `later_clones`).
//!
//! Commands that only look (`zpool status|list|iostat|get|history`, `zfs list|get`) read; the
//! others are not judged ([`Kind::Unknown`]). `-?`/`--help` and `version` only print.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const ZPOOL_DESTROY: Getopt = Getopt {
    short_flag: "f",
    ..GNU
};
pub(super) const ZPOOL_CREATE: Getopt = Getopt {
    short_arg: "moORtP",
    short_flag: "dfnB",
    ..GNU
};
pub(super) const ZFS_DESTROY: Getopt = Getopt {
    short_flag: "Rdfnprv",
    ..GNU
};
pub(super) const ZFS_ROLLBACK: Getopt = Getopt {
    short_flag: "Rfr",
    ..GNU
};

const VDEV_WORDS: &[&str] = &[
    "mirror", "raidz", "raidz1", "raidz2", "raidz3", "draid", "draid1", "draid2", "draid3",
    "spare", "log", "cache", "special", "dedup",
];

/// A vdev word: a keyword of the spec (`None`), or a device as zpool looks it up.
fn vdev(word: &str) -> Option<String> {
    let base = word.split(':').next().unwrap_or(word);
    if VDEV_WORDS.contains(&base) {
        return None;
    }
    Some(if word.starts_with('/') {
        word.to_string()
    } else {
        format!("/dev/{word}")
    })
}

fn help(args: &[String]) -> bool {
    matches!(
        args.first().map(String::as_str),
        None | Some("-?" | "--help" | "-h" | "help" | "version" | "-V" | "--version")
    )
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    if help(args) {
        return op.prints_only();
    }
    let (command, rest) = (args[0].as_str(), &args[1..]);
    op.opt("subcommand", command);
    if rest.iter().any(|a| a == "-?" || a == "--help") {
        return op.prints_only();
    }
    let zpool = op.tool == "zpool";
    let spec = match (zpool, command) {
        (true, "destroy" | "labelclear") => ZPOOL_DESTROY,
        (true, "create") => ZPOOL_CREATE,
        (false, "destroy") => ZFS_DESTROY,
        (false, "rollback") => ZFS_ROLLBACK,
        (true, "status" | "list" | "iostat" | "get" | "history") | (false, "list" | "get") => {
            op.kind = Kind::Read;
            return;
        }
        _ => {
            op.kind = Kind::Unknown;
            return;
        }
    };
    let parsed = match spec.parse(rest) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{} {command}: {e}", op.tool)),
    };
    let mut names = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(n) => names.push(n),
            Arg::Opt(n, _) => match (command, n.as_str()) {
                (_, "f") => op.flag("force"),
                ("create" | "destroy", "n") => op.flag("dry_run"),
                ("destroy", "r") => op.flag("descendants"),
                ("destroy", "R") => op.flag("dependents"),
                ("rollback", "r") => op.flag("later_snapshots"),
                ("rollback", "R") => {
                    op.flag("later_snapshots");
                    op.flag("later_clones");
                }
                _ => {}
            },
        }
    }
    let tool = op.tool.clone();
    let mut it = names.into_iter();
    let Some(first) = it.next() else {
        return op.opaque(format!("{tool} {command}: missing argument"));
    };
    let kind = match (zpool, command) {
        (true, "destroy") => {
            op.targets.push(first);
            Kind::Delete
        }
        (true, "labelclear") => {
            op.targets.extend(vdev(&first));
            Kind::Format
        }
        (true, _) => {
            op.opt("pool", &first);
            op.targets.extend(it.by_ref().filter_map(|w| vdev(&w)));
            if op.targets.is_empty() {
                return op.opaque("zpool create: missing vdev specification");
            }
            Kind::Format
        }
        (false, "destroy") => {
            if first.contains('@') {
                op.flag("snapshot");
            }
            op.targets.push(first);
            Kind::Delete
        }
        (false, _) => {
            let Some((dataset, snap)) = first.split_once('@') else {
                return op.opaque(format!("zfs rollback: `{first}` is not a snapshot"));
            };
            op.opt("snapshot", snap);
            op.targets.push(dataset.to_string());
            Kind::Overwrite
        }
    };
    if it.next().is_some() {
        op.targets.clear();
        return op.opaque(format!("{tool} {command}: too many arguments"));
    }
    op.kind = kind;
    if op.has("dry_run") {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn zpool_destroy_labelclear_and_create() {
        let op = parse_str("zpool destroy tank");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Delete, vec!["tank".into()])
        );
        assert!(parse_str("zpool destroy -f tank").has("force"));
        for (line, want) in [
            ("zpool labelclear /dev/sdb1", "/dev/sdb1"),
            ("zpool labelclear -f sdb", "/dev/sdb"),
        ] {
            let op = parse_str(line);
            assert_eq!(
                (op.kind, op.targets.clone()),
                (Kind::Format, vec![want.to_string()]),
                "{line}"
            );
        }
        let op = parse_str("zpool create -f -o ashift=12 -O compression=lz4 tank mirror sdb sdc log /dev/nvme0n1p1");
        assert_eq!(op.kind, Kind::Format);
        assert_eq!(op.targets, ["/dev/sdb", "/dev/sdc", "/dev/nvme0n1p1"]);
        assert_eq!(op.option("pool"), Some("tank"));
        assert!(op.has("force"));
        let op = parse_str("zpool create tank draid2:4d:1s /dev/sd[b-i]");
        assert_eq!(op.targets, ["/dev/sd[b-i]"]);
        let op = parse_str("zpool create -n tank /dev/sdb");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.has("dry_run") && op.targets.is_empty());
        assert_eq!(parse_str("zpool create tank").kind, Kind::Opaque);
        assert_eq!(parse_str("zpool status -P").kind, Kind::Read);
        assert_eq!(parse_str("zpool import tank").kind, Kind::Unknown);
    }

    #[test]
    fn zfs_destroy_and_rollback() {
        let op = parse_str("zfs destroy tank/home");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Delete, vec!["tank/home".into()])
        );
        let op = parse_str("zfs destroy -r tank/home");
        assert!(op.has("descendants"));
        let op = parse_str("zfs destroy -Rf tank/home");
        assert!(op.has("dependents") && op.has("force"));
        let op = parse_str("zfs destroy tank/home@monday%friday");
        assert!(op.has("snapshot"));
        let op = parse_str("zfs destroy -nv tank/home");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.targets.is_empty());
        let op = parse_str("zfs rollback -r tank/home@monday");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, ["tank/home"]);
        assert_eq!(op.option("snapshot"), Some("monday"));
        assert!(op.has("later_snapshots"));
        assert!(parse_str("zfs rollback -R tank/home@monday").has("later_clones"));
        assert_eq!(parse_str("zfs rollback tank/home").kind, Kind::Opaque);
        assert_eq!(parse_str("zfs destroy a b").kind, Kind::Opaque);
        assert_eq!(parse_str("zfs list -t snapshot").kind, Kind::Read);
        assert_eq!(parse_str("zfs snapshot tank/home@x").kind, Kind::Unknown);
        for line in [
            "zfs",
            "zfs -?",
            "zpool --help",
            "zfs destroy -?",
            "zfs version",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }
}
