//! `btrfs` argv → Operation (btrfs-progs 6.2: `btrfs [GLOBAL] GROUP COMMAND [ARGS]`; a group or
//! command may be any unambiguous prefix, `btrfs sub del`, as btrfs itself matches them).
//!
//! - `btrfs subvolume delete [-cCvR] SUBVOL…` removes each subvolume and everything in it (the
//!   directory goes at once, the blocks later) → [`Kind::Delete`] of each path with flag
//!   `recursive` (the whole tree below goes, as with `rm -r`). `-i ID PATH` names the
//!   subvolume by its id: which path that is, is the filesystem's to say (opaque).
//! - `btrfs device delete|remove DEV|DEVID… PATH` moves the data off the devices and drops them
//!   from the filesystem mounted at PATH: the filesystem shrinks ([`Kind::Resize`] of PATH with
//!   flag `shrink`; the devices are read, and their btrfs signature is wiped at the end).
//!   `cancel` stops a removal running.
//! - `btrfs check --repair DEV` rewrites the filesystem's metadata in place →
//!   [`Kind::Overwrite`] with flag `repair` (the device rules refuse it on a mounted device);
//!   `btrfs check` without it only reads.
//!
//! Other commands are not judged ([`Kind::Unknown`]); `--help`, `--version`, `help`, `version`
//! only print.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const GLOBAL: Getopt = Getopt {
    short_flag: "vq",
    long_arg: &["format", "log"],
    long_flag: &["verbose", "quiet", "help", "version"],
    permute: false,
    ..GNU
};

pub(super) const SUBVOLUME_DELETE: Getopt = Getopt {
    short_arg: "i",
    short_flag: "cCvR",
    long_arg: &["subvolid"],
    long_flag: &[
        "commit-after",
        "commit-each",
        "verbose",
        "recursive",
        "help",
    ],
    pairs: &[
        ('i', "subvolid"),
        ('c', "commit-after"),
        ('C', "commit-each"),
        ('R', "recursive"),
    ],
    ..GNU
};

pub(super) const DEVICE_DELETE: Getopt = Getopt {
    long_flag: &["enqueue", "help"],
    ..GNU
};

pub(super) const CHECK: Getopt = Getopt {
    short_arg: "sbE",
    short_flag: "pQ",
    long_arg: &[
        "super",
        "tree-root",
        "chunk-root",
        "mode",
        "clear-space-cache",
        "subvol-extents",
        "qgroup-report",
    ],
    long_flag: &[
        "repair",
        "readonly",
        "init-csum-tree",
        "init-extent-tree",
        "check-data-csum",
        "progress",
        "force",
        "backup",
        "clear-ino-cache",
        "help",
    ],
    ..GNU
};

const GROUPS: &[&str] = &[
    "balance",
    "check",
    "device",
    "filesystem",
    "inspect-internal",
    "property",
    "qgroup",
    "quota",
    "receive",
    "replace",
    "rescue",
    "restore",
    "scrub",
    "send",
    "subvolume",
    "help",
    "version",
];

const SUBVOLUME: &[&str] = &[
    "create",
    "delete",
    "find-new",
    "get-default",
    "list",
    "set-default",
    "show",
    "snapshot",
    "sync",
];

const DEVICE: &[&str] = &["add", "delete", "remove", "ready", "scan", "stats", "usage"];

/// The one name `word` is a prefix of (an exact name wins).
fn pick<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    if let Some(n) = names.iter().find(|n| **n == word) {
        return Some(n);
    }
    let mut hits = names.iter().filter(|n| n.starts_with(word));
    match (hits.next(), hits.next()) {
        (Some(n), None) => Some(n),
        _ => None,
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let Some((group, rest)) = super::options::tool_group(op, "btrfs", &GLOBAL, args) else {
        return;
    };
    let Some(group) = pick(&group, GROUPS) else {
        op.kind = Kind::Unknown;
        return;
    };
    match group {
        "help" | "version" => op.prints_only(),
        "check" => check(op, rest),
        "subvolume" | "device" => {
            let names = if group == "subvolume" {
                SUBVOLUME
            } else {
                DEVICE
            };
            let Some((cmd, rest)) = rest.split_first() else {
                return op.prints_only();
            };
            if cmd == "--help" {
                return op.prints_only();
            }
            match (group, pick(cmd, names)) {
                ("subvolume", Some("delete")) => subvolume_delete(op, rest),
                ("device", Some(c @ ("delete" | "remove"))) => device_delete(op, c, rest),
                ("subvolume", Some("list" | "show" | "get-default")) => op.kind = Kind::Read,
                ("device", Some("stats" | "usage")) => op.kind = Kind::Read,
                _ => op.kind = Kind::Unknown,
            }
        }
        _ => op.kind = Kind::Unknown,
    }
}

fn subvolume_delete(op: &mut Operation, args: &[String]) {
    op.opt("subcommand", "subvolume delete");
    let parsed = match SUBVOLUME_DELETE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("btrfs subvolume delete: {e}")),
    };
    let mut by_id = None;
    for a in parsed {
        match a {
            Arg::Operand(p) => op.targets.push(p),
            Arg::Opt(n, v) => match n.as_str() {
                "help" => return op.prints_only(),
                "subvolid" => by_id = v,
                _ => {}
            },
        }
    }
    if let Some(id) = by_id {
        op.targets.clear();
        return op.opaque(format!(
            "btrfs subvolume delete names the subvolume by id {id}: which path that is, is the filesystem's to say"
        ));
    }
    if op.targets.is_empty() {
        return op.opaque("btrfs subvolume delete: not enough arguments");
    }
    op.flag("recursive");
    op.kind = Kind::Delete;
}

fn device_delete(op: &mut Operation, command: &str, args: &[String]) {
    op.opt("subcommand", &format!("device {command}"));
    let parsed = match DEVICE_DELETE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("btrfs device {command}: {e}")),
    };
    let mut words = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(w) => words.push(w),
            Arg::Opt(n, _) if n == "help" => return op.prints_only(),
            Arg::Opt(..) => {}
        }
    }
    if words.first().is_some_and(|w| w == "cancel") && words.len() <= 2 {
        // Stops a removal that is running; nothing more goes.
        op.kind = Kind::Unknown;
        return;
    }
    let Some(path) = words.pop().filter(|_| !words.is_empty()) else {
        return op.opaque(format!("btrfs device {command}: not enough arguments"));
    };
    for d in words {
        if d != "missing" && !d.bytes().all(|b| b.is_ascii_digit()) {
            op.sources.push(d);
        }
    }
    op.targets.push(path);
    op.flag("shrink");
    op.kind = Kind::Resize;
}

fn check(op: &mut Operation, args: &[String]) {
    let parsed = match CHECK.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("btrfs check: {e}")),
    };
    let mut devices = Vec::new();
    let mut repair = false;
    for a in parsed {
        match a {
            Arg::Operand(d) => devices.push(d),
            Arg::Opt(n, _) => match n.as_str() {
                "help" => return op.prints_only(),
                "repair" | "init-csum-tree" | "init-extent-tree" => repair = true,
                "force" => op.flag("force"),
                _ => {}
            },
        }
    }
    if devices.len() != 1 {
        return op.opaque("btrfs check: one device expected");
    }
    op.opt("subcommand", "check");
    if repair {
        op.flag("repair");
        op.targets = devices;
        op.kind = Kind::Overwrite;
    } else {
        op.sources = devices;
        op.kind = Kind::Read;
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn subvolume_delete_removes_the_tree() {
        for line in [
            "btrfs subvolume delete /srv/snap/1",
            "btrfs subvolume delete -c /srv/snap/1",
            "btrfs sub del /srv/snap/1",
            "btrfs su de /srv/snap/1",
            "btrfs -q subvolume delete --commit-each /srv/snap/1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/srv/snap/1"], "{line}");
            assert!(op.has("recursive"), "{line}");
        }
        assert_eq!(
            parse_str("btrfs subvolume delete -i 257 /srv").kind,
            Kind::Opaque
        );
        assert_eq!(parse_str("btrfs subvolume delete").kind, Kind::Opaque);
        assert_eq!(
            parse_str("btrfs s delete /x").kind,
            Kind::Unknown,
            "`s` is ambiguous"
        );
        assert_eq!(parse_str("btrfs subvolume list /").kind, Kind::Read);
        assert_eq!(
            parse_str("btrfs subvolume snapshot / /snap").kind,
            Kind::Unknown
        );
    }

    #[test]
    fn device_delete_shrinks_the_filesystem() {
        for line in [
            "btrfs device delete /dev/sdc /srv",
            "btrfs device remove /dev/sdc /srv",
            "btrfs dev del /dev/sdc /srv",
            "btrfs device remove --enqueue /dev/sdc 3 /srv",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Resize, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/srv"], "{line}");
            assert_eq!(op.sources, ["/dev/sdc"], "{line}");
            assert!(op.has("shrink"));
        }
        assert_eq!(parse_str("btrfs device remove /srv").kind, Kind::Opaque);
        assert_eq!(
            parse_str("btrfs device remove cancel /srv").kind,
            Kind::Unknown
        );
    }

    #[test]
    fn check_repairs_only_with_repair() {
        let op = parse_str("btrfs check --repair /dev/sdb1");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Overwrite, vec!["/dev/sdb1".into()])
        );
        assert!(op.has("repair"));
        let op = parse_str("btrfs check /dev/sdb1");
        assert_eq!(
            (op.kind, op.sources.clone()),
            (Kind::Read, vec!["/dev/sdb1".into()])
        );
        for line in [
            "btrfs --help",
            "btrfs --version",
            "btrfs help",
            "btrfs version",
            "btrfs",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }
}
