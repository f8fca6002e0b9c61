//! `mkfs`, `mkfs.TYPE`, `mke2fs`, `mkdosfs`, `mkswap`, `mkntfs`, `mkexfatfs`, `mkudffs` argv →
//! Operation.
//!
//! [`Kind::Format`]; targets = the device(s), options["fstype"] = the filesystem made:
//! - `mkfs.TYPE` → TYPE; `mkdosfs` → `vfat`; `mkswap` → `swap`; `mkntfs` → `ntfs` (the same
//!   options as `mkfs.ntfs`); `mkexfatfs` → `exfat` (exfat-utils' own letters, not exfatprogs'
//!   `mkfs.exfat`); `mkudffs` and `mkfs.udf` → `udf`; `mke2fs` → `-t TYPE`, else `ext2`
//!   (mke2fs's built-in default; `/etc/mke2fs.conf` can change it — facts may refine). In the ext
//!   family `-t` is the filesystem type and `-T` the usage type (options["usage_type"]).
//! - `mkfs [-V] [-t TYPE] FS-OPTIONS DEVICE [SIZE]` (util-linux front end) → TYPE (default
//!   `ext2`); the options after its own are read by the TYPE family's rules. `-V` twice is a dry
//!   run of the front end (the builder is not run) → flag `dry_run`; `-V` alone prints the
//!   version.
//!
//! Each family's option letters are known (ext/mke2fs, xfs, fat, btrfs, swap, exfat, f2fs, ntfs,
//! udf, minix), so an option value (`-L data`) is never taken for the device. The device is the first
//! operand; a second operand is the size (options["size"]) — btrfs takes several devices, all
//! targets. For any other TYPE the option letters are unknown: every operand that is not a plain
//! number is taken as a target (over-inclusive on purpose) and flag `device_guessed` is set.
//! Flags: `force` (`-F` ext/ntfs, `-f` xfs/btrfs/swap, `--force`), `check_badblocks` (`-c`),
//! `superblock_only` (mke2fs `-S`: rewrites superblock and group descriptors only),
//! `create_file` (mkfs.fat `-C`). Sources: mke2fs `-d DIR` (populate from), `-l FILE` (bad-block
//! list).
//!
//! A dry run writes nothing to the device: mke2fs `-n` ("do not actually create a
//! filesystem"), mkfs.xfs `-N` (print the geometry and stop), mkntfs `-n`/`--no-action`, mkudffs
//! `-n`/`--no-write`, the
//! front end's `-V -V` → [`Kind::Read`] with flag `dry_run`, the device a source
//! ([`Operation::dry_run`]), wherever the letter stands (`-qn`, after the device). (mke2fs `-n
//! -z FILE` still creates the undo file; xfs's `-n` is naming options, not a dry run.)
//!
//! Only printing → [`Kind::Read`], nothing else kept ([`Operation::prints_only`]): `--help`
//! everywhere; the version options of the builders that have one (`-V` of mke2fs, mkfs.xfs,
//! mkfs.btrfs, mkswap, mkfs.exfat, mkfs.f2fs, mkntfs, mkfs.minix; `--version` of the getopt_long
//! ones); `-h` where it is help (mkswap, exfat, f2fs, ntfs, minix; not mkfs.fat, whose `-h` is
//! hidden sectors). mke2fs and mkfs.xfs read plain getopt: their `--help`/`--version` are refused
//! with the usage text, which writes nothing either. The front end's `-V` is "verbose" unless
//! it is the only argument; for an mkfs.TYPE with unknown letters only a first argument
//! `--help`/`--version` counts (a later one may be an option's value).

use super::options::{Unknown, GNU};
use super::{Arg, Getopt, Kind, Operation};

/// A family of mkfs programs that read the same options.
pub(super) struct Family {
    pub(super) spec: Getopt<'static>,
    /// Letters (or long names) meaning "force".
    force: &'static [&'static str],
    /// Letters (or long names) meaning "do everything but write".
    dry_run: &'static [&'static str],
    /// Letters (or long names) that only print the version or help.
    info: &'static [&'static str],
    /// Several devices allowed (btrfs).
    multi_device: bool,
}

pub(super) fn family(fstype: &str) -> Option<Family> {
    let f = |short_arg, short_flag, long_arg, long_flag, force, dry_run, info| Family {
        spec: Getopt {
            short_arg,
            short_flag,
            long_arg,
            long_opt: &[],
            long_flag,
            ..GNU
        },
        force,
        dry_run,
        info,
        multi_device: false,
    };
    Some(match fstype {
        "ext2" | "ext3" | "ext4" | "ext4dev" => f(
            "bdeEgiGIJlLmMNoOrsCtTUz",
            "cjnqSvDFKV",
            &[],
            &["help", "version"],
            &["F"],
            &["n"],
            &["V", "help", "version"],
        ),
        "xfs" => f(
            "bdilLmnprs",
            "KNqCfV",
            &["protofile"],
            &["help", "version"],
            &["f"],
            &["N"],
            &["V", "help", "version"],
        ),
        "vfat" | "fat" | "msdos" => f(
            "bfDFgilmMnrRsSh",
            "aAcCIv",
            &["offset", "variant", "codepage", "mbr", "fat-type"],
            &["invariant", "help", "version"],
            &[],
            &[],
            &["help", "version"],
        ),
        "btrfs" => {
            let mut fam = f(
                "AblnsmdLROrUQ",
                "fVvMKq",
                &[
                    "alloc-start",
                    "byte-count",
                    "leafsize",
                    "nodesize",
                    "sectorsize",
                    "metadata",
                    "data",
                    "label",
                    "features",
                    "runtime-features",
                    "rootdir",
                    "uuid",
                    "device-uuid",
                    "checksum",
                    "csum",
                    "subvol",
                    "inode-flags",
                    "compress",
                ],
                &[
                    "force",
                    "mixed",
                    "nodiscard",
                    "quiet",
                    "verbose",
                    "version",
                    "help",
                    "shrink",
                    "quota",
                    "reflink",
                ],
                &["f", "force"],
                &[],
                &["V", "version", "help"],
            );
            fam.multi_device = true;
            fam
        }
        "swap" => f(
            "pLvUeoso",
            "cfFVh",
            &[
                "pagesize",
                "label",
                "swapversion",
                "uuid",
                "endianness",
                "offset",
                "size",
                "lock",
            ],
            &["check", "force", "file", "verbose", "version", "help"],
            &["f", "force"],
            &[],
            &["V", "version", "h", "help"],
        ),
        "exfat" => f(
            "bcLUs",
            "fqvVh",
            &[
                "boundary-align",
                "cluster-size",
                "volume-label",
                "volume-guid",
                "sector-size",
            ],
            &[
                "full-format",
                "quiet",
                "verbose",
                "version",
                "help",
                "pack-bitmap",
            ],
            &[],
            &[],
            &["V", "version", "h", "help"],
        ),
        "f2fs" => f(
            "acCdeEglmoORsStTUzw",
            "hifrVq",
            &[],
            &["help", "version"],
            &["f"],
            &[],
            &["V", "h", "help", "version"],
        ),
        "ntfs" => f(
            "cspHSzLN",
            "CFfInqQTUvVh",
            &[
                "cluster-size",
                "sector-size",
                "partition-start",
                "heads",
                "sectors-per-track",
                "mft-zone-multiplier",
                "label",
                "with-uuid",
            ],
            &[
                "enable-compression",
                "force",
                "fast",
                "no-indexing",
                "no-action",
                "quiet",
                "quick",
                "zero-time",
                "verbose",
                "version",
                "help",
            ],
            &["F", "force"],
            &["n", "no-action"],
            &["V", "version", "h", "help"],
        ),
        "udf" => {
            // mkudffs 2.3 (udftools): getopt_long; `-n`/`--no-write` simulates.
            let mut fam = f(
                "lubmr",
                "hn",
                &[
                    "label",
                    "uuid",
                    "blocksize",
                    "media-type",
                    "udfrev",
                    "lvid",
                    "vid",
                    "vsid",
                    "fsid",
                    "fullvsid",
                    "owner",
                    "organization",
                    "contact",
                    "uid",
                    "gid",
                    "mode",
                    "bootarea",
                    "strategy",
                    "sparspace",
                    "packetlen",
                    "startblock",
                    "minblocks",
                    "space",
                    "ad",
                ],
                &[
                    "help",
                    "version",
                    "no-write",
                    "new-file",
                    "read-only",
                    "vat",
                    "closed",
                    "noefe",
                    "locale",
                    "u8",
                    "u16",
                    "utf8",
                ],
                &[],
                &["n", "no-write"],
                &["h", "help", "version"],
            );
            fam.spec.long_opt = &["spartable"];
            fam
        }
        // exfat-utils' mkexfatfs 1.3 (getopt): `-i ID -n LABEL -p SECTOR -s SECTORS -V`.
        "exfat-utils" => f(
            "inps",
            "V",
            &[],
            &["help", "version"],
            &[],
            &[],
            &["V", "help", "version"],
        ),
        "minix" => {
            let mut fam = f(
                "nil",
                "c123vVh",
                &["namelength", "inodes", "badblocks"],
                &["check", "version", "help"],
                &[],
                &[],
                &["V", "version", "h", "help"],
            );
            fam.spec.long_opt = &["lock"];
            fam
        }
        _ => return None,
    })
}

/// The util-linux `mkfs` front end's own options (`-t TYPE`, `-V`): getopt_long, but the first
/// word that is none of them (an operand, or the builder's first option) ends them, and it and
/// the rest are the builder's.
const FRONT_END: Getopt = Getopt {
    short_arg: "t",
    short_flag: "Vh",
    long_arg: &["type"],
    long_flag: &["help", "version"],
    permute: false,
    unknown: Unknown::Stop,
    ..GNU
};

/// The filesystem type a program name stands for, before any `-t`.
fn program_type(program: &str) -> Option<String> {
    let base = program.rsplit('/').next().unwrap_or(program);
    if let Some(t) = base.strip_prefix("mkfs.") {
        return Some(t.to_string());
    }
    match base {
        "mke2fs" => Some("ext2".into()),
        "mkdosfs" => Some("vfat".into()),
        "mkswap" => Some("swap".into()),
        "mkntfs" => Some("ntfs".into()),
        "mkexfatfs" => Some("exfat".into()),
        "mkudffs" => Some("udf".into()),
        _ => None,
    }
}

pub(crate) fn parse(op: &mut Operation, program: &str, args: &[String]) {
    let base = program.rsplit('/').next().unwrap_or(program);
    let name = base.to_string();
    let (fstype, rest, ext_program) = match program_type(program) {
        Some(t) => {
            let ext =
                base == "mke2fs" || matches!(t.as_str(), "ext2" | "ext3" | "ext4" | "ext4dev");
            (t, args.to_vec(), ext)
        }
        None => {
            let Some((fstype, rest)) = front_end(op, args) else {
                return;
            };
            let ext = matches!(fstype.as_str(), "ext2" | "ext3" | "ext4" | "ext4dev");
            (fstype, rest, ext)
        }
    };
    op.opt("fstype", &fstype);
    let family_type = if ext_program {
        "ext4"
    } else if base == "mkexfatfs" {
        "exfat-utils"
    } else {
        fstype.as_str()
    };
    builder(op, &name, family_type, &fstype, &rest);
    if op.kind == Kind::Format && op.has("dry_run") {
        op.dry_run();
    }
}

/// The front end's own options: the type (default `ext2`) and the builder's arguments; `None`
/// when it only prints or refuses the line. `-V` alone prints the version; anywhere else it is
/// "verbose", and twice a dry run (the builder is not run).
fn front_end(op: &mut Operation, args: &[String]) -> Option<(String, Vec<String>)> {
    if args.len() == 1 && args[0] == "-V" {
        op.prints_only();
        return None;
    }
    let parsed = match FRONT_END.parse(args) {
        Ok(p) => p,
        Err(e) => {
            op.opaque(format!("mkfs: {e}"));
            return None;
        }
    };
    let mut fstype = "ext2".to_string();
    let mut verbose = 0;
    let mut rest = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(o) => rest.push(o),
            Arg::Opt(n, v) => match n.as_str() {
                "h" | "help" | "version" => {
                    op.prints_only();
                    return None;
                }
                "V" => verbose += 1,
                _ => fstype = v.unwrap_or_default(),
            },
        }
    }
    if verbose >= 2 {
        op.flag("dry_run");
    }
    Some((fstype, rest))
}

/// Reads a builder's own options. `family_type` picks the option rules, `fstype` is recorded.
fn builder(op: &mut Operation, name: &str, family_type: &str, fstype: &str, args: &[String]) {
    let Some(fam) = family(family_type) else {
        return guess(op, fstype, args);
    };
    let parsed = match fam.spec.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{name}: {e}")),
    };
    let ext = family_type == "ext4";
    let mut operands = Vec::new();
    for a in parsed {
        let (opt, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        let o = opt.as_str();
        if fam.info.contains(&o) {
            return op.prints_only();
        }
        if fam.force.contains(&o) {
            op.flag("force");
        }
        if fam.dry_run.contains(&o) {
            op.flag("dry_run");
        }
        match (ext, o) {
            (true, "t") => op.opt("fstype", &value),
            (true, "T") => op.opt("usage_type", &value),
            (true, "S") => op.flag("superblock_only"),
            (true, "d") => {
                op.opt("root_directory", &value);
                op.sources.push(value.clone());
            }
            (true, "l") => op.sources.push(value.clone()),
            (true, "b") => op.opt("block_size", &value),
            (true, "N") => op.opt("inodes", &value),
            (true, "i") => op.opt("bytes_per_inode", &value),
            (true, "O") => op.opt("features", &value),
            (true, "E") => op.opt("extended", &value),
            (true, "z") => op.opt("undo_file", &value),
            (_, "c") if family_type != "btrfs" && family_type != "f2fs" => {
                op.flag("check_badblocks")
            }
            (false, "C") if matches!(family_type, "vfat" | "fat" | "msdos") => {
                op.flag("create_file")
            }
            (false, "d") if family_type == "xfs" => {
                // `-d name=/dev/x,…` names the data device.
                for part in value.split(',') {
                    if let Some(dev) = part.strip_prefix("name=") {
                        op.opt("data_device", dev);
                    }
                }
            }
            _ => {}
        }
        let label: &[&str] = match family_type {
            "vfat" | "fat" | "msdos" | "exfat-utils" => &["n"],
            "udf" => &["l", "label"],
            "f2fs" => &["l"],
            "exfat" => &["L", "volume-label"],
            "minix" => &[],
            _ => &["L", "label"],
        };
        if label.contains(&o) {
            op.opt("label", &value);
        }
    }
    if operands.is_empty() {
        if let Some(dev) = op.options.get("data_device").cloned() {
            operands.push(dev);
        }
    }
    if operands.is_empty() {
        op.sources.clear();
        return op.opaque(format!("{name}: no device specified"));
    }
    if fam.multi_device {
        op.targets = operands;
    } else {
        let mut it = operands.into_iter();
        op.targets.extend(it.next());
        if let Some(size) = it.next() {
            op.opt("size", &size);
        }
        if let Some(extra) = it.next() {
            op.targets.clear();
            op.sources.clear();
            return op.opaque(format!("{name}: invalid argument '{extra}'"));
        }
    }
    op.kind = Kind::Format;
}

/// An mkfs.TYPE whose options are unknown: every operand that is not a number may be the device.
fn guess(op: &mut Operation, fstype: &str, args: &[String]) {
    // Its letters are unknown, so a later `--help` may be an option's value (`-L --help`):
    // only a first argument `--help` or `--version` is taken to print and stop.
    if matches!(
        args.first().map(String::as_str),
        Some("--help" | "--version")
    ) {
        return op.prints_only();
    }
    let mut after_dashdash = false;
    for a in args {
        if a == "--" {
            after_dashdash = true;
            continue;
        }
        if !after_dashdash && a.starts_with('-') {
            if a == "-f" || a == "-F" || a == "--force" {
                op.flag("force");
            }
            continue;
        }
        if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        op.targets.push(a.clone());
    }
    if op.targets.is_empty() {
        return op.opaque(format!("mkfs.{fstype}: no device specified"));
    }
    op.flag("device_guessed");
    op.kind = Kind::Format;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn front_end() {
        for (line, t) in [
            ("mkfs -t ext4 /dev/sdb1", "ext4"),
            ("mkfs -text4 /dev/sdb1", "ext4"),
            ("mkfs --type=xfs /dev/sdb1", "xfs"),
            ("mkfs /dev/sdb1", "ext2"),
            ("mkfs -V -t ext4 -L data /dev/sdb1", "ext4"),
            ("mkfs -t vfat -n BOOT /dev/sdb1", "vfat"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb1"], "{line}");
            assert_eq!(op.option("fstype"), Some(t), "{line}");
        }
        let op = parse_str("mkfs -t ext4 /dev/sdb1 1024");
        assert_eq!(op.option("size"), Some("1024"));
        assert!(parse_str("mkfs -V -V -t ext4 /dev/sdb1").has("dry_run"));
        assert_eq!(parse_str("mkfs --help").kind, Kind::Read);
    }

    #[test]
    fn ext_family() {
        for line in [
            "mkfs.ext4 -F -L data /dev/loop3",
            "mkfs.ext4 -FL data /dev/loop3",
            "mkfs.ext4 /dev/loop3 -F -L data",
            "/usr/sbin/mkfs.ext4 -L data -F /dev/loop3",
            "mke2fs -t ext4 -F -L data /dev/loop3",
            "mkfs -t ext4 -F -L data /dev/loop3",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/loop3"], "{line}");
            assert_eq!(op.option("fstype"), Some("ext4"), "{line}");
            assert_eq!(op.option("label"), Some("data"), "{line}");
            assert!(op.has("force"), "{line}");
        }
        let op = parse_str("mke2fs -T largefile /dev/sdc1");
        assert_eq!(op.option("fstype"), Some("ext2"));
        assert_eq!(op.option("usage_type"), Some("largefile"));
        let op = parse_str("mkfs.ext3 -b 4096 -i 8192 -N 100000 -m 1 -O ^has_journal -E stride=16 -d /srv/root -j /dev/sdc1 262144");
        assert_eq!(op.targets, vec!["/dev/sdc1"]);
        assert_eq!(op.option("size"), Some("262144"));
        assert_eq!(op.sources, vec!["/srv/root"]);
        assert_eq!(op.option("fstype"), Some("ext3"));
        assert!(parse_str("mke2fs -S /dev/sdc1").has("superblock_only"));
        assert_eq!(parse_str("mke2fs -V").kind, Kind::Read);
        assert_eq!(parse_str("mkfs.ext4 -c -c /dev/sdc").kind, Kind::Format);
    }

    #[test]
    fn xfs() {
        let op = parse_str("mkfs.xfs -f -L data -d su=64k,sw=4 /dev/md0");
        assert_eq!(op.kind, Kind::Format);
        assert_eq!(op.targets, vec!["/dev/md0"]);
        assert!(op.has("force"));
        assert_eq!(op.option("fstype"), Some("xfs"));
        assert_eq!(op.option("label"), Some("data"));
        let op = parse_str("mkfs.xfs -f -d name=/dev/md1,su=64k");
        assert_eq!(op.targets, vec!["/dev/md1"]);
        // -n is naming options for xfs, not a dry run.
        let op = parse_str("mkfs.xfs -n size=8k /dev/md0");
        assert!(!op.has("dry_run"));
        assert_eq!(op.kind, Kind::Format);
    }

    #[test]
    fn fat() {
        for line in [
            "mkfs.vfat -F 32 -n BOOT /dev/sda1",
            "mkdosfs -F32 -n BOOT /dev/sda1",
            "mkfs.fat -n BOOT -F 32 /dev/sda1",
            "mkfs -t vfat -F 32 -n BOOT /dev/sda1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sda1"], "{line}");
            assert_eq!(op.option("label"), Some("BOOT"), "{line}");
        }
        let op = parse_str("mkfs.fat -C img.bin 1440");
        assert!(op.has("create_file"));
        assert_eq!(op.targets, vec!["img.bin"]);
        assert_eq!(op.option("size"), Some("1440"));
    }

    #[test]
    fn btrfs_and_swap() {
        let op = parse_str("mkfs.btrfs -f -L pool -d raid1 -m raid1 /dev/sdb /dev/sdc");
        assert_eq!(op.kind, Kind::Format);
        assert_eq!(op.targets, vec!["/dev/sdb", "/dev/sdc"]);
        assert!(op.has("force"));
        assert_eq!(op.option("label"), Some("pool"));
        let op = parse_str("mkfs.btrfs --force --label=pool --data raid1 /dev/sdb");
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        assert!(op.has("force"));
        let op = parse_str("mkswap -L swap0 -f /dev/sda2");
        assert_eq!(op.kind, Kind::Format);
        assert_eq!(op.option("fstype"), Some("swap"));
        assert_eq!(op.targets, vec!["/dev/sda2"]);
        assert!(op.has("force"));
        let op = parse_str("mkswap --label swap0 /swapfile 1048576");
        assert_eq!(op.targets, vec!["/swapfile"]);
        assert_eq!(op.option("size"), Some("1048576"));
        assert_eq!(parse_str("mkswap --version").kind, Kind::Read);
    }

    #[test]
    fn ntfs_exfat_and_udf_builders() {
        for (line, t) in [
            ("mkntfs -f -L win /dev/sdd1", "ntfs"),
            ("mkntfs --quick /dev/sdd1", "ntfs"),
            ("mkexfatfs -n usb /dev/sdd1", "exfat"),
            ("mkfs.exfat -L usb /dev/sdd1", "exfat"),
            ("mkudffs --label=disc /dev/sdd1", "udf"),
            ("mkudffs -l disc -b 2048 /dev/sdd1", "udf"),
            ("mkfs.udf --media-type=hd /dev/sdd1", "udf"),
            ("mkdosfs -F 32 /dev/sdd1", "vfat"),
            ("mkfs.f2fs -f /dev/sdd1", "f2fs"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdd1"], "{line}");
            assert_eq!(op.option("fstype"), Some(t), "{line}");
            assert_eq!(op.tool, "mkfs", "{line}");
        }
        assert_eq!(
            parse_str("mkexfatfs -n usb /dev/sdd1").option("label"),
            Some("usb")
        );
        for line in [
            "mkudffs -n /dev/sdd1",
            "mkudffs --no-write /dev/sdd1",
            "mkntfs -n /dev/sdd1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.has("dry_run") && op.targets.is_empty(), "{line}");
        }
        for line in ["mkudffs --help", "mkexfatfs -V", "mkntfs --version"] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }

    #[test]
    fn other_families() {
        let op = parse_str("mkfs.ntfs -f -L win /dev/sdd1");
        assert_eq!(op.kind, Kind::Format);
        assert_eq!(op.targets, vec!["/dev/sdd1"]);
        let op = parse_str("mkfs.exfat -L usb /dev/sde1");
        assert_eq!(op.targets, vec!["/dev/sde1"]);
        let op = parse_str("mkfs.f2fs -l sd -f /dev/mmcblk0p2");
        assert_eq!(op.targets, vec!["/dev/mmcblk0p2"]);
        assert!(op.has("force"));
        let op = parse_str("mkfs.minix -n 30 /dev/fd0");
        assert_eq!(op.targets, vec!["/dev/fd0"]);
        // Unknown option letters: over-inclusive targets, marked as a guess.
        let op = parse_str("mkfs.jfs -L home /dev/sdf1");
        assert_eq!(op.kind, Kind::Format);
        assert!(op.has("device_guessed"));
        assert!(op.targets.contains(&"/dev/sdf1".to_string()));
        assert_eq!(op.option("fstype"), Some("jfs"));
    }

    /// Every spelling of a dry run only reads the device: no target for a write rule to see.
    #[test]
    fn dry_runs_only_read() {
        for line in [
            "mkfs.ext4 -n /dev/sdc1",
            "mke2fs -n /dev/sdc1",
            "mkfs.ext4 -qn /dev/sdc1",
            "mkfs.ext4 -nq /dev/sdc1",
            "mkfs.ext4 -Fn -L data /dev/sdc1",
            "mkfs.ext4 /dev/sdc1 -n",
            "mkfs.ext4 -F /dev/sdc1 1024 -n",
            "mkfs.ext3 -n -t ext4 /dev/sdc1",
            "mke2fs -t ext4 -n -F -L data /dev/sdc1",
            "/usr/sbin/mkfs.ext2 -n /dev/sdc1",
            "mkfs -t ext4 -n /dev/sdc1",
            "mkfs -V -V -t ext4 /dev/sdc1",
            "mkfs -V -V -t jfs /dev/sdc1",
            "mkfs -t ext4 -V -V /dev/sdc1",
            "mkfs.xfs -N /dev/sdc1",
            "mkfs.xfs -f -N -L data /dev/sdc1",
            "mkfs.xfs /dev/sdc1 -N",
            "mkfs.xfs -qN /dev/sdc1",
            "mkfs -t xfs -N /dev/sdc1",
            "mkfs.ntfs -n /dev/sdc1",
            "mkfs.ntfs --no-action -f /dev/sdc1",
            "mkfs.ntfs --no-act /dev/sdc1",
            "mkfs.ntfs -fn /dev/sdc1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(
                op.sources.first().map(String::as_str),
                Some("/dev/sdc1"),
                "{line}"
            );
        }
        // The populate directory stays a source behind the device.
        let op = parse_str("mke2fs -n -d /srv/root /dev/sdc1");
        assert_eq!(op.sources, vec!["/dev/sdc1", "/srv/root"]);
        // Not dry runs: a single -V is verbose; mkfs.fat and mkfs.btrfs have no dry run.
        for line in [
            "mkfs -V -t ext4 /dev/sdc1",
            "mkfs.btrfs -f /dev/sdc1",
            "mkfs.vfat -n BOOT /dev/sdc1",
            "mkfs.minix -n 30 /dev/sdc1",
            "mkfs.ext4 -L -n /dev/sdc1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert!(!op.has("dry_run"), "{line}");
        }
    }

    /// Help and version forms print and stop; a look-alike that is an option's value does not.
    #[test]
    fn help_and_version_only_print() {
        for line in [
            "mkfs --help",
            "mkfs -h",
            "mkfs --version",
            "mkfs -V",
            "mkfs.ext4 -V",
            "mkfs.ext4 -V /dev/sdc1",
            "mkfs.ext4 -F /dev/sdc1 -V",
            "mke2fs -V",
            "mkfs.ext4 --help",
            "mkfs.ext4 --version",
            "mke2fs --help",
            "mkfs.xfs -V",
            "mkfs.xfs --help",
            "mkfs.btrfs --help",
            "mkfs.btrfs --version",
            "mkfs.btrfs -V",
            "mkfs.btrfs -f --help /dev/sdc1",
            "mkfs.vfat --help",
            "mkfs.fat --version",
            "mkdosfs --help",
            "mkswap -V",
            "mkswap -h",
            "mkswap --help",
            "mkswap --version",
            "mkfs.exfat -V",
            "mkfs.exfat --help",
            "mkfs.f2fs -V",
            "mkfs.f2fs --help",
            "mkfs.ntfs -V",
            "mkfs.ntfs --help",
            "mkfs.minix -V",
            "mkfs.minix -h",
            "mkfs.minix --version",
            "mkfs.minix --help",
            "mkfs.jfs --help",
            "mkfs.jfs --version",
            "mkfs -t jfs --help",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty() && op.sources.is_empty(), "{line}");
            assert!(op.flags.is_empty(), "{line}");
        }
        for line in [
            "mkfs.ext4 -L --help /dev/sdc1",
            "mkfs.ext4 -L -V /dev/sdc1",
            "mkfs.vfat -h 63 /dev/sdc1",
            "mkfs.jfs -L --help /dev/sdc1",
            "mkfs.jfs -V /dev/sdc1",
            "mkfs -V /dev/sdc1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert!(op.targets.contains(&"/dev/sdc1".to_string()), "{line}");
        }
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "mkfs.ext4",
            "mkfs.ext4 -L",
            "mkfs.ext4 -y /dev/sdb",
            "mkfs -t",
            "mkfs.ext4 /dev/a 10 extra",
            "mkfs.xfs -Z /dev/x",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
        }
    }

    /// `mke2fs -n` prints what it would do without writing: compare the device it names.
    #[test]
    fn agrees_with_mke2fs() {
        use std::process::Command;
        if Command::new("mke2fs").arg("-V").output().is_err() {
            eprintln!("SKIP agrees_with_mke2fs: mke2fs not installed");
            return;
        }
        let img = std::env::temp_dir().join(format!("safeop-mke2fs-{}.img", std::process::id()));
        let path = img.to_string_lossy().to_string();
        std::fs::write(&img, vec![0u8; 2 << 20]).expect("write");
        let line = format!("mke2fs -n -F -t ext4 -L data {path}");
        let op = parse_str(&line);
        let out = Command::new("mke2fs")
            .args(["-n", "-F", "-t", "ext4", "-L", "data", &path])
            .output()
            .expect("mke2fs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            (op.kind, op.sources.clone()),
            (Kind::Read, vec![path.clone()])
        );
        assert!(op.has("dry_run") && op.targets.is_empty());
        // Nothing was written: the image is still all zeros.
        let data = std::fs::read(&img).expect("read");
        assert!(data.iter().all(|b| *b == 0));
        let _ = std::fs::remove_file(&img);
    }
}
