//! Commands a drive's own firmware carries out on the whole medium: `hdparm`'s ATA security
//! erase, sanitize and TRIM, `nvme format`/`nvme sanitize`, `sg_format`. The data is gone when
//! they finish (or as soon as the drive has started), so they are judged like a write over the
//! device: [`Kind::Overwrite`] (erase, sanitize, trim, sector writes) or [`Kind::Format`] (a
//! low-level format). Everything else these tools do only reads or sets drive parameters, and
//! writes nothing on the medium ([`Kind::Read`], the devices as sources).
//!
//! - `hdparm` (9.65) reads its own options, not getopt: each letter may take a number attached
//!   or in the next word, and the long options take fixed words after them. Erasing:
//!   `--security-erase PWD` / `--security-erase-enhanced PWD` (flag `security_erase`),
//!   `--sanitize-block-erase`, `--sanitize-crypto-scramble`, `--sanitize-overwrite PATTERN`
//!   (flag `sanitize`), `--trim-sector-ranges LBA:COUNT…` / `--trim-sector-ranges-stdin` (flag
//!   `trim`), `--write-sector N` / `--repair-sector N` / `--make-bad-sector N` (flag
//!   `write_sector`). A password, a pattern, a sector number or a range is never a device; the
//!   devices are the words left over.
//! - `nvme COMMAND DEVICE [OPTIONS]` (nvme-cli 2.3, getopt_long per command): `format` →
//!   [`Kind::Format`]; `sanitize` with an action that erases (`-a`/`--sanact` 2 block erase, 3
//!   overwrite, 4 crypto erase, or their names) → [`Kind::Overwrite`] (flag `sanitize`); action
//!   1 (exit failure mode) erases nothing. The device may be a namespace (`/dev/nvme0n1`) or the
//!   controller (`/dev/nvme0`: every namespace on it; the facts look the namespaces up). Other
//!   commands are not judged ([`Kind::Unknown`]).
//! - `sg_format` (sg3_utils 1.46, getopt_long): `--format`/`-F`, `--tape=FM`/`-T`,
//!   `--preset=ID`/`-E` → [`Kind::Format`]; `--resize`/`-r` → [`Kind::Resize`]; `--dry-run`/`-d`
//!   only reads ([`Operation::dry_run`]); without them it reports the current size.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "hdparm" => hdparm(op, args),
        "nvme" => nvme(op, args),
        _ => sg_format(op, args),
    }
}

/// hdparm's long options that take the next word(s), and how many (`0`: the following words
/// of the form `LBA:COUNT`).
const HDPARM_VALUES: &[(&str, usize)] = &[
    ("security-erase", 1),
    ("security-erase-enhanced", 1),
    ("security-set-pass", 1),
    ("security-unlock", 1),
    ("security-disable", 1),
    ("user-master", 1),
    ("security-mode", 1),
    ("sanitize-overwrite", 1),
    ("sanitize-overwrite-passes", 1),
    ("write-sector", 1),
    ("repair-sector", 1),
    ("make-bad-sector", 1),
    ("read-sector", 1),
    ("set-sector-size", 1),
    ("offset", 1),
    ("Iraw", 1),
    ("fibmap", 1),
    ("fallocate", 1),
    ("fwdownload", 1),
    ("fwdownload-mode3", 1),
    ("fwdownload-mode3-max", 1),
    ("fwdownload-mode7", 1),
    ("fwdownload-modee", 1),
    ("fwdownload-modee-max", 1),
    ("trim-sector-ranges", 0),
];

/// What an erasing hdparm option is recorded as.
fn hdparm_erases(name: &str) -> Option<&'static str> {
    Some(match name {
        "security-erase" | "security-erase-enhanced" => "security_erase",
        "sanitize-block-erase" | "sanitize-crypto-scramble" | "sanitize-overwrite" => "sanitize",
        "trim-sector-ranges" | "trim-sector-ranges-stdin" => "trim",
        "write-sector" | "repair-sector" | "make-bad-sector" => "write_sector",
        _ => return None,
    })
}

fn is_number(w: &str) -> bool {
    let w = w.strip_prefix(['-', '+']).unwrap_or(w);
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

fn hdparm(op: &mut Operation, args: &[String]) {
    let mut devices = Vec::new();
    let mut erases = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            if matches!(long, "help" | "version") {
                return op.prints_only();
            }
            if let Some(flag) = hdparm_erases(long) {
                erases = true;
                op.flag(flag);
            }
            match HDPARM_VALUES.iter().find(|(n, _)| *n == long) {
                Some((_, 0)) => {
                    while args.get(i).is_some_and(|w| {
                        w.split_once(':')
                            .is_some_and(|(l, c)| is_number(l) && is_number(c))
                    }) {
                        i += 1;
                    }
                }
                Some((_, n)) => {
                    if i + n > args.len() {
                        return op.opaque(format!("hdparm: `--{long}` lacks its value"));
                    }
                    i += n;
                }
                None => {}
            }
            continue;
        }
        if let Some(letters) = a.strip_prefix('-').filter(|l| !l.is_empty()) {
            if letters == "h" || letters == "V" {
                return op.prints_only();
            }
            // A letter's number, when not attached, is the next word.
            if !letters.bytes().any(|b| b.is_ascii_digit())
                && args.get(i).is_some_and(|w| is_number(w))
            {
                i += 1;
            }
            continue;
        }
        if is_number(a) {
            continue;
        }
        devices.push(a.to_string());
    }
    if devices.is_empty() {
        return op.opaque("hdparm: no device named");
    }
    if erases {
        op.targets = devices;
        op.kind = Kind::Overwrite;
    } else {
        op.sources = devices;
        op.kind = Kind::Read;
    }
}

pub(super) const NVME_FORMAT: Getopt = Getopt {
    short_arg: "ntlsipmbo",
    short_flag: "rvh",
    long_arg: &[
        "namespace-id",
        "timeout",
        "lbaf",
        "ses",
        "pi",
        "pil",
        "ms",
        "block-size",
        "output-format",
    ],
    long_flag: &["reset", "force", "verbose", "help"],
    ..GNU
};

pub(super) const NVME_SANITIZE: Getopt = Getopt {
    short_arg: "napo",
    short_flag: "diuvh",
    long_arg: &["owpass", "sanact", "ovrpat", "output-format"],
    long_flag: &["no-dealloc", "oipbp", "ause", "force", "verbose", "help"],
    ..GNU
};

fn nvme(op: &mut Operation, args: &[String]) {
    let Some((command, rest)) = args.split_first() else {
        return op.prints_only();
    };
    let (spec, format) = match command.as_str() {
        "--help" | "-h" | "help" | "--version" | "version" => return op.prints_only(),
        "format" => (NVME_FORMAT, true),
        "sanitize" => (NVME_SANITIZE, false),
        _ => {
            op.kind = Kind::Unknown;
            return;
        }
    };
    op.opt("subcommand", command);
    let parsed = match spec.parse(rest) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("nvme {command}: {e}")),
    };
    let mut devices = Vec::new();
    let mut action = None;
    for a in parsed {
        match a {
            Arg::Operand(d) => devices.push(d),
            Arg::Opt(n, v) => match n.as_str() {
                "h" | "help" => return op.prints_only(),
                "force" => op.flag("force"),
                "a" | "sanact" => action = v,
                _ => {}
            },
        }
    }
    let device = match devices.as_slice() {
        [d] => d.clone(),
        [] => return op.opaque(format!("nvme {command}: no device given")),
        _ => return op.opaque(format!("nvme {command}: more than one device given")),
    };
    if format {
        op.targets.push(device);
        op.kind = Kind::Format;
        return;
    }
    let erases = match action.as_deref() {
        Some("2" | "3" | "4" | "0x2" | "0x3" | "0x4") => true,
        Some("start-block-erase" | "start-overwrite" | "start-crypto-erase") => true,
        Some("1" | "0x1" | "exit-failure") => false,
        Some(other) => {
            return op.opaque(format!(
                "nvme sanitize: sanitize action `{other}` not known"
            ))
        }
        None => return op.opaque("nvme sanitize: no sanitize action (`-a`) given"),
    };
    if erases {
        op.flag("sanitize");
        op.targets.push(device);
        op.kind = Kind::Overwrite;
    } else {
        op.sources.push(device);
        op.kind = Kind::Read;
    }
}

pub(super) const SG_FORMAT: Getopt = Getopt {
    short_arg: "cCtfMPqxEsTm",
    short_flag: "bdDeFhIlpQrRS6vVwy",
    long_arg: &[
        "cmplst", "count", "ffmt", "fmtpinfo", "mode", "pfu", "pie", "poll", "preset", "size",
        "tape", "timeout",
    ],
    long_flag: &[
        "dcrt",
        "dry-run",
        "early",
        "fmtmaxlba",
        "format",
        "help",
        "ip-def",
        "long",
        "pinfo",
        "quick",
        "resize",
        "rto_req",
        "security",
        "six",
        "verbose",
        "verify",
        "version",
        "wait",
    ],
    ..GNU
};

fn sg_format(op: &mut Operation, args: &[String]) {
    let parsed = match SG_FORMAT.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("sg_format: {e}")),
    };
    let mut devices = Vec::new();
    let mut kind = Kind::Read;
    for a in parsed {
        match a {
            Arg::Operand(d) => devices.push(d),
            Arg::Opt(n, _) => match n.as_str() {
                "h" | "help" | "V" | "version" => return op.prints_only(),
                "F" | "format" | "T" | "tape" | "E" | "preset" => kind = Kind::Format,
                "r" | "resize" if kind != Kind::Format => kind = Kind::Resize,
                "d" | "dry-run" => op.flag("dry_run"),
                "Q" | "quick" => op.flag("quick"),
                _ => {}
            },
        }
    }
    let device = match devices.as_slice() {
        [d] => d.clone(),
        [] => return op.opaque("sg_format: no DEVICE given"),
        _ => return op.opaque("sg_format: too many arguments"),
    };
    if kind == Kind::Read {
        op.sources.push(device);
        op.kind = Kind::Read;
        return;
    }
    op.targets.push(device);
    op.kind = kind;
    if op.has("dry_run") {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn hdparm_erases_only_with_its_erasing_options() {
        for (line, flag) in [
            (
                "hdparm --user-master u --security-erase p /dev/sdb",
                "security_erase",
            ),
            (
                "hdparm --security-erase-enhanced secret /dev/sdb",
                "security_erase",
            ),
            ("hdparm --sanitize-block-erase /dev/sdb", "sanitize"),
            (
                "hdparm --sanitize-overwrite 0xdeadbeef /dev/sdb",
                "sanitize",
            ),
            (
                "hdparm --please-destroy-my-drive --trim-sector-ranges 0:8 100:8 /dev/sdb",
                "trim",
            ),
            ("hdparm --trim-sector-ranges-stdin /dev/sdb", "trim"),
            (
                "hdparm --yes-i-know-what-i-am-doing --write-sector 1234 /dev/sdb",
                "write_sector",
            ),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb"], "{line}");
            assert!(op.has(flag), "{line}");
        }
        // The password is never the device.
        let op = parse_str("hdparm --security-erase /dev/sdc /dev/sdb");
        assert_eq!(op.targets, ["/dev/sdb"]);
        for line in [
            "hdparm -I /dev/sda",
            "hdparm -tT /dev/sda",
            "hdparm -S 120 /dev/sda",
            "hdparm -W0 /dev/sda /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
        assert_eq!(parse_str("hdparm -S 120 /dev/sda").sources, ["/dev/sda"]);
        assert_eq!(parse_str("hdparm --security-erase").kind, Kind::Opaque);
        assert_eq!(parse_str("hdparm -I").kind, Kind::Opaque);
    }

    #[test]
    fn nvme_format_and_erasing_sanitize() {
        for line in [
            "nvme format /dev/nvme0n1",
            "nvme format /dev/nvme0n1 --lbaf=0 --ses=1",
            "nvme format -l 0 -s 1 /dev/nvme0n1 --force",
            "nvme format /dev/nvme0n1 -n 1 -r",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/nvme0n1"], "{line}");
        }
        for line in [
            "nvme sanitize /dev/nvme0 -a 2",
            "nvme sanitize /dev/nvme0 --sanact=4",
            "nvme sanitize --sanact start-overwrite -n 2 /dev/nvme0",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/nvme0"], "{line}");
            assert!(op.has("sanitize"));
        }
        let op = parse_str("nvme sanitize /dev/nvme0 -a 1");
        assert_eq!(
            (op.kind, op.sources.clone()),
            (Kind::Read, vec!["/dev/nvme0".into()])
        );
        assert_eq!(parse_str("nvme sanitize /dev/nvme0").kind, Kind::Opaque);
        assert_eq!(parse_str("nvme list").kind, Kind::Unknown);
        assert_eq!(parse_str("nvme smart-log /dev/nvme0").kind, Kind::Unknown);
        assert_eq!(parse_str("nvme format --help").kind, Kind::Read);
        assert_eq!(parse_str("nvme format").kind, Kind::Opaque);
    }

    #[test]
    fn sg_format_formats_only_when_asked() {
        for line in [
            "sg_format --format /dev/sdc",
            "sg_format -F /dev/sdc",
            "sg_format --format --size=4096 /dev/sdc",
            "sg_format -F -s 4096 -Q /dev/sdc",
            "sg_format --preset=1 /dev/sdc",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdc"], "{line}");
        }
        let op = parse_str("sg_format --resize --count=0x1000 /dev/sdc");
        assert_eq!(op.kind, Kind::Resize);
        let op = parse_str("sg_format /dev/sdc");
        assert_eq!(
            (op.kind, op.sources.clone()),
            (Kind::Read, vec!["/dev/sdc".into()])
        );
        let op = parse_str("sg_format --format --dry-run /dev/sdc");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.has("dry_run") && op.targets.is_empty());
        assert_eq!(parse_str("sg_format --format").kind, Kind::Opaque);
    }
}
