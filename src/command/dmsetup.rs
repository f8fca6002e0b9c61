//! `dmsetup` argv → Operation (device-mapper 1.02, getopt_long, permuted).
//!
//! A device-mapper device is named by its name (`vg0-data`, as under `/dev/mapper/`), by a
//! path, or with `-u UUID` / `-j MAJOR -m MINOR`. A name becomes the path `/dev/mapper/NAME`,
//! so the device rules see it; a device named by UUID or number is opaque (which one it is,
//! is the kernel's to say).
//!
//! - `remove [-f] [--deferred] DEVICE…` takes the mapping away: what is on it (a mounted
//!   filesystem, an LV, a LUKS volume) loses its device → [`Kind::Delete`]; `-f` first swaps
//!   the table for one that fails every I/O, even while it is open (flag `force`).
//! - `remove_all [-f]` does that to every mapping → [`Kind::Delete`] of `/dev/mapper` with flag
//!   `all`.
//! - `wipe_table DEVICE…` swaps the live table for one that fails every I/O → [`Kind::Delete`]
//!   (flag `wipe_table`).
//! - `clear DEVICE` drops only the inactive table (the one `load` staged): the live mapping
//!   stays → [`Kind::Read`].
//! - `ls`, `info`, `status`, `table`, `deps`, `version`, `targets`, `help` only read; the other
//!   commands (`create`, `load`, `suspend`, `resume`, `rename`, `message` …) are not judged
//!   ([`Kind::Unknown`]).

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "GjmMoOSuU",
    short_flag: "cCfhnrvy",
    long_arg: &[
        "gid",
        "major",
        "minor",
        "mode",
        "sort",
        "select",
        "uuid",
        "uid",
        "manglename",
        "readahead",
        "udevcookie",
        "separator",
        "table",
        "target",
        "exec",
    ],
    long_flag: &[
        "columns",
        "force",
        "help",
        "notable",
        "readonly",
        "verbose",
        "yes",
        "version",
        "checks",
        "noopencount",
        "noflush",
        "nolockfs",
        "inactive",
        "noudevrules",
        "noudevsync",
        "verifyudev",
        "retry",
        "nameprefixes",
        "noheadings",
        "deferred",
        "cancel-deferred",
        "addnodeonresume",
        "addnodeoncreate",
        "setuuid",
        "showkeys",
        "tree",
        "concise",
    ],
    pairs: &[
        ('G', "gid"),
        ('j', "major"),
        ('m', "minor"),
        ('M', "mode"),
        ('O', "sort"),
        ('S', "select"),
        ('u', "uuid"),
        ('U', "uid"),
        ('c', "columns"),
        ('C', "columns"),
        ('f', "force"),
        ('h', "help"),
        ('n', "notable"),
        ('r', "readonly"),
        ('v', "verbose"),
        ('y', "yes"),
    ],
    ..GNU
};

fn mapper_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/dev/mapper/{name}")
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("dmsetup: {e}")),
    };
    let mut words = Vec::new();
    let mut by_id = None;
    for a in parsed {
        match a {
            Arg::Operand(w) => words.push(w),
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "force" => op.flag("force"),
                "deferred" => op.flag("deferred"),
                "uuid" | "major" | "minor" => {
                    by_id = Some(format!("--{n} {}", v.unwrap_or_default()))
                }
                _ => {}
            },
        }
    }
    let mut it = words.into_iter();
    let Some(command) = it.next() else {
        return op.opaque("dmsetup: no command given");
    };
    op.opt("subcommand", &command);
    let devices: Vec<String> = it.collect();
    match command.as_str() {
        "help" | "version" | "targets" => return op.prints_only(),
        "ls" | "info" | "status" | "table" | "deps" | "measure" | "clear" => {
            op.sources = devices.iter().map(|d| mapper_path(d)).collect();
            op.kind = Kind::Read;
            return;
        }
        "remove_all" => {
            op.flag("all");
            op.targets.push("/dev/mapper".to_string());
            op.kind = Kind::Delete;
            return;
        }
        "remove" | "wipe_table" => {}
        _ => {
            op.kind = Kind::Unknown;
            return;
        }
    }
    if command == "wipe_table" {
        op.flag("wipe_table");
    }
    if devices.is_empty() {
        if let Some(id) = by_id {
            return op.opaque(format!(
                "dmsetup {command} names the device by `{id}`: which one that is, is the kernel's to say"
            ));
        }
        return op.opaque(format!("dmsetup {command}: no device named"));
    }
    op.targets = devices.iter().map(|d| mapper_path(d)).collect();
    op.kind = Kind::Delete;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn removing_a_mapping_deletes_its_device() {
        for (line, want) in [
            ("dmsetup remove vg0-data", vec!["/dev/mapper/vg0-data"]),
            ("dmsetup remove -f vg0-data", vec!["/dev/mapper/vg0-data"]),
            (
                "dmsetup remove --deferred /dev/mapper/luks-1",
                vec!["/dev/mapper/luks-1"],
            ),
            (
                "dmsetup wipe_table vg0-data vg0-log",
                vec!["/dev/mapper/vg0-data", "/dev/mapper/vg0-log"],
            ),
            ("dmsetup remove_all", vec!["/dev/mapper"]),
            ("dmsetup remove_all --force", vec!["/dev/mapper"]),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert_eq!(op.targets, want, "{line}");
        }
        assert!(parse_str("dmsetup remove_all").has("all"));
        assert!(parse_str("dmsetup wipe_table x").has("wipe_table"));
        assert_eq!(parse_str("dmsetup remove -u LVM-abc").kind, Kind::Opaque);
        assert_eq!(parse_str("dmsetup remove").kind, Kind::Opaque);
        assert_eq!(parse_str("dmsetup").kind, Kind::Opaque);
    }

    #[test]
    fn reading_and_staging() {
        let op = parse_str("dmsetup clear vg0-data");
        assert_eq!(op.kind, Kind::Read);
        assert_eq!(op.sources, ["/dev/mapper/vg0-data"]);
        for line in [
            "dmsetup ls --tree",
            "dmsetup info -c",
            "dmsetup table vg0-data",
            "dmsetup status",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        for line in [
            "dmsetup create x --table '0 8 zero'",
            "dmsetup suspend vg0-data",
            "dmsetup rename a b",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        for line in [
            "dmsetup --help",
            "dmsetup help",
            "dmsetup --version",
            "dmsetup version",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }
}
