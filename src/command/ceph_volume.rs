//! `ceph-volume` argv → Operation (Ceph 15–19: `ceph-volume [GLOBAL] lvm zap [OPTIONS]
//! [DEVICES…]`, each level its own Python argparse parser: prefixes, `--opt=VALUE`).
//!
//! `lvm zap` readies a device an OSD used for reuse: it wipes every filesystem signature on it
//! and writes zeros over its start (`wipefs --all`, then `dd if=/dev/zero bs=1M count=10`), and
//! with `--destroy` removes the volume groups and logical volumes on a raw device or partition
//! (and, for an LV, the LV itself). Each operand is either a device path (`/dev/sdc`,
//! `/dev/sdc1`) or an LV as `VG/LV` (ceph's docs, "zap"):
//! - a device path → [`Kind::Format`] of the device, the same as `wipefs -a` (the device rules
//!   apply: mounted, holders, in use, a whole disk typed, a volume-member signature);
//! - `VG/LV` → [`Kind::Format`] of `/dev/VG/LV` (the LV's device, which LVM names so), so the
//!   volume rules find it as they find `lvremove`'s operand;
//! - `--destroy` adds flag `destroy` (the VG/LV or partitions go, not only their contents).
//!
//! `--osd-id N` and `--osd-fsid UUID` name an OSD, not a device: ceph-volume finds the OSD's
//! devices itself, from the LVM tags and ceph's own listing, which safeop cannot resolve without
//! ceph → flag `unseen_arguments` (a person looks), options `osd_id` / `osd_fsid`. Without an
//! operand or an OSD, `zap` prints its help.
//!
//! `ceph-volume raw` has no zap (`list`, `prepare`, `activate` only); `lvm` commands other than
//! `zap` are not judged ([`Kind::Unknown`]). `-h`/`--help` only prints. Global options:
//! `--cluster NAME`, `--log-level LEVEL`, `--log-path PATH`.

use super::options::ARGPARSE;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const GLOBAL: Getopt = Getopt {
    short_flag: "h",
    long_arg: &["cluster", "log-level", "log-path"],
    long_flag: &["help", "version"],
    pairs: &[('h', "help")],
    permute: false,
    ..ARGPARSE
};

pub(super) const ZAP: Getopt = Getopt {
    short_flag: "h",
    long_arg: &["osd-id", "osd-fsid"],
    long_flag: &["destroy", "no-systemd", "help"],
    pairs: &[('h', "help")],
    ..ARGPARSE
};

/// A zap operand as the device it names: a path stays, `VG/LV` is `/dev/VG/LV`.
fn device(word: &str) -> String {
    if word.starts_with('/') {
        word.to_string()
    } else {
        format!("/dev/{word}")
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let Some((group, rest)) = super::options::tool_group(op, "ceph-volume", &GLOBAL, args) else {
        return;
    };
    op.opt("subcommand", &group);
    if group != "lvm" {
        return;
    }
    let Some((sub, rest)) = rest.split_first() else {
        return op.prints_only();
    };
    match sub.as_str() {
        "zap" => zap(op, rest),
        "-h" | "--help" => op.prints_only(),
        _ => {}
    }
}

fn zap(op: &mut Operation, args: &[String]) {
    op.opt("verb", "zap");
    let parsed = match ZAP.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("ceph-volume lvm zap: {e}")),
    };
    let mut osd = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(d) => op.targets.push(device(&d)),
            Arg::Opt(n, v) => match n.as_str() {
                "help" => return op.prints_only(),
                "destroy" => op.flag("destroy"),
                "osd-id" | "osd-fsid" => {
                    let v = v.unwrap_or_default();
                    op.opt(&n.replace('-', "_"), &v);
                    osd.push(format!("--{n} {v}"));
                }
                _ => {}
            },
        }
    }
    if op.targets.is_empty() && osd.is_empty() {
        // ceph-volume prints zap's help when it is given nothing to zap.
        return op.prints_only();
    }
    op.kind = Kind::Format;
    if !osd.is_empty() {
        op.unseen_arguments(format!(
            "`ceph-volume lvm zap {}` zaps the devices ceph knows for that OSD: which ones is ceph's to say (`ceph-volume lvm list` shows them)",
            osd.join(" ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    /// The forms ceph's documentation ("ceph-volume lvm zap") and its test suite give.
    #[test]
    fn zap_wipes_each_device_it_names() {
        let cases: &[(&str, &[&str], bool)] = &[
            ("ceph-volume lvm zap /dev/sdc", &["/dev/sdc"], false),
            ("ceph-volume lvm zap /dev/sdc1", &["/dev/sdc1"], false),
            (
                "ceph-volume lvm zap /dev/sdc --destroy",
                &["/dev/sdc"],
                true,
            ),
            (
                "ceph-volume lvm zap --destroy /dev/sdc1",
                &["/dev/sdc1"],
                true,
            ),
            (
                "ceph-volume lvm zap osd-vg/data-lv --destroy",
                &["/dev/osd-vg/data-lv"],
                true,
            ),
            (
                "ceph-volume lvm zap osd-vg/data-lv",
                &["/dev/osd-vg/data-lv"],
                false,
            ),
            (
                "ceph-volume lvm zap /dev/sdb /dev/sdc --destroy",
                &["/dev/sdb", "/dev/sdc"],
                true,
            ),
            (
                "ceph-volume --cluster ceph lvm zap --dest /dev/sdc",
                &["/dev/sdc"],
                true,
            ),
            (
                "ceph-volume --log-level=debug lvm zap --no-systemd /dev/sdc",
                &["/dev/sdc"],
                false,
            ),
            (
                "sudo ceph-volume lvm zap /dev/sdd --destroy",
                &["/dev/sdd"],
                true,
            ),
        ];
        for (line, targets, destroy) in cases {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, *targets, "{line}");
            assert_eq!(op.has("destroy"), *destroy, "{line}");
            assert!(!op.has("unseen_arguments"), "{line}");
        }
    }

    #[test]
    fn an_osd_named_by_id_is_for_ceph_to_resolve() {
        for line in [
            "ceph-volume lvm zap --destroy --osd-id 16",
            "ceph-volume lvm zap --destroy --osd-fsid 65d7b6b1-e41a-4a3c-b363-83ade63cb32b",
            "ceph-volume lvm zap --osd-id 1 --osd-fsid 65d7b6b1-e41a-4a3c-b363-83ade63cb32b",
            "ceph-volume lvm zap --osd-id=16",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}");
            assert!(op.has("unseen_arguments"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
        let op = parse_str("ceph-volume lvm zap --osd-id 16");
        assert_eq!(op.option("osd_id"), Some("16"));
    }

    #[test]
    fn help_listings_and_other_commands() {
        for line in [
            "ceph-volume lvm zap",
            "ceph-volume lvm zap -h",
            "ceph-volume lvm zap --help",
            "ceph-volume --help",
            "ceph-volume",
            "ceph-volume lvm",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        for line in [
            "ceph-volume lvm list",
            "ceph-volume raw list",
            "ceph-volume lvm activate --all",
            "ceph-volume inventory",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        assert_eq!(
            parse_str("ceph-volume lvm zap --bogus /dev/sdc").kind,
            Kind::Opaque
        );
        // argparse refuses a value that looks like an option.
        assert_eq!(
            parse_str("ceph-volume lvm zap --osd-id --destroy").kind,
            Kind::Opaque
        );
    }
}
