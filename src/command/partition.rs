//! `fdisk`, `sfdisk`, `parted`, `sgdisk`, `gdisk`, `cfdisk` argv → Operation (branch on
//! `op.tool`).
//!
//! Rewriting a partition table is [`Kind::Partition`] of the disk device (the target). Listing
//! is [`Kind::Read`] with the devices as sources. Interactive programs (`fdisk DEV`, `gdisk DEV`,
//! `cfdisk DEV`, `parted DEV` with no command) are Partition: what the person will type is not
//! known, and writing is one keystroke away.
//! - fdisk: `-l`/`-x`/`-s` → Read (fdisk has no dry run); otherwise one device → Partition. Options kept: `-w`/`-W`
//!   (options["wipe"], ["wipe_partitions"]), `-t` (options["label"]), `-b`, `-u`, `-c`, `-B`
//!   (flag `protect_boot`), `-n` (flag `noauto_pt`).
//! - sfdisk: `-l`/`--list`, `-d`/`--dump`, `-J`/`--json`, `-s`/`--show-size`, `-V`/`--verify`,
//!   `-F`/`--list-free`, `-g`, `-G`, `-T` → Read (`-v` is sfdisk's version). `--delete DEV [N…]`
//!   → Partition (flag `delete`, options["partitions"]); `--part-type|--part-uuid|--part-label|
//!   --part-attrs DEV N VALUE` and `--disk-id DEV ID` → Partition, without the VALUE they only
//!   print → Read; `--activate DEV N…` (without N it lists the bootable partitions → Read),
//!   `--reorder`, `--relocate`, `--move-data` → Partition; the default (script on stdin) →
//!   Partition. `-n`/`--no-act` makes any of these a dry run → Read, flag `dry_run`, the device a
//!   source. `-a`/`--append` → `append`, `-N N` → options["partno"], `-f` → `force`.
//! - parted: `-l`/`--list` → Read. After the device come commands (unique prefixes accepted, as
//!   parted does): only `print`, `unit`, `align-check`, `help`, `version`, `quit` and `select` →
//!   Read — unless `-f`/`--fix`, which answers "Fix" to exceptions in script mode and so rewrites
//!   a GPT that `print` finds wanting (seen with parted 3.5) → Partition; `-l --fix` is opaque
//!   (it may rewrite any disk); any other (mklabel, mkpart, rm, resizepart, set, name, …, or an ambiguous prefix) →
//!   Partition; no command → interactive → Partition. options["commands"] = the words after the
//!   device. `-s`/`--script` → flag `script`, `-a`/`--align` → options["align"], `-f`/`--fix` →
//!   flag `fix`. `select DEV` moves later commands to DEV (added to the targets).
//! - sgdisk: printing options (`-p`, `-v`, `-i N`, `-O`, `-L`, `-D`, `-E`, `-f`, `-F`, `-b FILE`,
//!   `-A list`, `-A N:show|get`) → Read; every table-changing option (`-Z`, `-z`, `-o`, `-n`,
//!   `-N`, `-d`, `-t`, `-c`, `-G`, `-U`, `-u`, `-A …:set`, `-g`, `-m`, `-h`, `-r`, `-s`, `-l`,
//!   `-e`, `-j`, `-k`, `-C`, `-T`, `-R`) → Partition, each recorded as a flag under its long name
//!   (`zap_all`, `clear`, `new`, `delete` …). `-R DEV2` (replicate) writes DEV2's table: DEV2 is
//!   the target and the device named last is a source. `-P`/`--pretend` ("changes are not
//!   written to disk") → a dry run: Read, flag `dry_run`, the device a source — except with
//!   `-R`, which sgdisk (1.0.9) writes onto DEV2 even when pretending: still Partition, no flag.
//! - gdisk: `-l` → Read, else Partition. cfdisk: `-r`/`--read-only` → Read, else Partition (no
//!   device → cfdisk's default `/dev/sda`, flag `default_device`).
//! - Help and version (`-h`/`--help`; `-V`/`--version`, parted's and sfdisk's `-v`; sgdisk's
//!   `-?`, `--usage`, `-L`) only print → Read with nothing kept. gdisk has neither: it takes
//!   `--help` for a device file name and stops when there is none.

use super::{Arg, Getopt, Kind, Operation};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "fdisk" => fdisk(op, args),
        "sfdisk" => sfdisk(op, args),
        "parted" => parted(op, args),
        "sgdisk" => sgdisk(op, args),
        "gdisk" => gdisk(op, args),
        _ => cfdisk(op, args),
    }
}

fn finish(op: &mut Operation, read: bool, devices: Vec<String>) {
    if read {
        op.sources = devices;
        op.kind = Kind::Read;
    } else {
        op.targets = devices;
        op.kind = Kind::Partition;
    }
}

/// util-linux short options with an optional, attached value (`-cdos`, `-usectors`): getopt
/// takes the rest of the word as the value; drop it, it changes nothing that matters here.
fn drop_optional_values(args: &[String], letters: &str, with_arg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut only_operands = false;
    for a in args {
        if a == "--" {
            only_operands = true;
        }
        if !only_operands && !a.starts_with("--") && a.len() > 2 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            // Find the first optional-value letter before any value-taking one; what follows it
            // is its value.
            let pos = chars
                .iter()
                .take_while(|c| !with_arg.contains(**c))
                .position(|c| letters.contains(*c));
            if let Some(pos) = pos {
                let mut kept: String = "-".into();
                kept.extend(&chars[..=pos]);
                out.push(kept);
                continue;
            }
        }
        out.push(a.clone());
    }
    out
}

pub(super) const FDISK_SPEC: Getopt = Getopt {
    short_arg: "bCHoStwW",
    short_flag: "BclLnsuvVhx",
    long_arg: &[
        "sector-size",
        "cylinders",
        "heads",
        "output",
        "sectors",
        "type",
        "wipe",
        "wipe-partitions",
    ],
    long_opt: &["compatibility", "color", "units", "lock"],
    long_flag: &[
        "protect-boot",
        "list",
        "list-details",
        "noauto-pt",
        "getsz",
        "help",
        "version",
    ],
    permute: true,
};

fn fdisk(op: &mut Operation, args: &[String]) {
    let args = drop_optional_values(args, "cuL", FDISK_SPEC.short_arg);
    let parsed = match FDISK_SPEC.parse(&args) {
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
        // `fdisk -l` with no device lists every disk.
        return finish(op, true, devices);
    }
    match devices.len() {
        1 => finish(op, false, devices),
        0 => op.opaque("fdisk: bad usage (no device specified)"),
        _ => op.opaque("fdisk: bad usage (more than one device)"),
    }
}

pub(super) const SFDISK_SPEC: Getopt = Getopt {
    short_arg: "NouwWXY",
    short_flag: "abdfgGhJlFnqrsTvVA",
    long_arg: &[
        "partno",
        "backup-file",
        "unit",
        "wipe",
        "wipe-partitions",
        "label",
        "label-nested",
    ],
    long_opt: &["color", "move-data", "lock"],
    long_flag: &[
        "append",
        "backup",
        "dump",
        "force",
        "show-geometry",
        "show-pt-geometry",
        "help",
        "json",
        "list",
        "list-free",
        "list-types",
        "no-act",
        "quiet",
        "reorder",
        "show-size",
        "verify",
        "version",
        "activate",
        "delete",
        "part-type",
        "part-uuid",
        "part-label",
        "part-attrs",
        "disk-id",
        "relocate",
        "move-use-fsync",
        "no-reread",
        "no-tell-kernel",
        "backup-pt-sectors",
        "sector-size",
        "Linux",
        "in-order",
        "not-in-order",
        "one-only",
        "DOS",
        "DOS-extended",
        "IBM",
        "leave-last",
        "unhide",
        "show-extended",
        "print-id",
        "change-id",
        "id",
    ],
    permute: true,
};

fn sfdisk(op: &mut Operation, args: &[String]) {
    let parsed = match SFDISK_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("sfdisk: {e}")),
    };
    let mut operands = Vec::new();
    let mut command: Option<String> = None;
    let mut read_cmd = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "h" | "help" | "v" | "version" => return op.prints_only(),
            "l" | "list" | "d" | "dump" | "J" | "json" | "s" | "show-size" | "F" | "list-free"
            | "g" | "show-geometry" | "G" | "show-pt-geometry" | "T" | "list-types" | "V"
            | "verify" | "backup-pt-sectors" | "print-id" | "id" => read_cmd = true,
            "delete" | "A" | "activate" | "r" | "reorder" | "relocate" | "part-type"
            | "part-uuid" | "part-label" | "part-attrs" | "disk-id" | "change-id" => {
                let c = match name.as_str() {
                    "A" => "activate",
                    "r" => "reorder",
                    "change-id" => "part-type",
                    n => n,
                };
                command = Some(c.to_string())
            }
            "move-data" => op.flag("move_data"),
            "n" | "no-act" => op.flag("dry_run"),
            "a" | "append" => op.flag("append"),
            "f" | "force" => op.flag("force"),
            "N" | "partno" => op.opt("partno", &value),
            "w" | "wipe" => op.opt("wipe", &value),
            "W" | "wipe-partitions" => op.opt("wipe_partitions", &value),
            "X" | "label" => op.opt("label", &value),
            "b" | "backup" => op.flag("backup"),
            _ => {}
        }
    }
    if let Some(c) = command {
        op.opt("command", &c);
        if c == "relocate" && !operands.is_empty() {
            // `--relocate OPER DEVICE`
            let oper = operands.remove(0);
            op.opt("arguments", &oper);
        }
        let Some((dev, rest)) = operands.split_first() else {
            return op.opaque(format!("sfdisk: --{c}: no disk device specified"));
        };
        let read = match c.as_str() {
            "part-type" | "part-uuid" | "part-label" | "part-attrs" => rest.len() < 2,
            // `--activate DEV` with no partition numbers lists the bootable ones.
            "disk-id" | "activate" => rest.is_empty(),
            _ => false,
        };
        if c == "delete" {
            op.flag("delete");
            // No partition numbers: every partition is deleted.
            op.opt(
                "partitions",
                &if rest.is_empty() {
                    "all".to_string()
                } else {
                    rest.join(" ")
                },
            );
        } else if !rest.is_empty() {
            op.opt("arguments", &rest.join(" "));
        }
        finish(op, read, vec![dev.clone()]);
        return no_act(op);
    }
    if read_cmd {
        return finish(op, true, operands);
    }
    match operands.as_slice() {
        [dev] => {
            finish(op, false, vec![dev.clone()]);
            no_act(op)
        }
        [] => op.opaque("sfdisk: no disk device specified"),
        [_, extra, ..] => op.opaque(format!("sfdisk: unexpected argument '{extra}'")),
    }
}

/// sfdisk `-n`/`--no-act` ("do everything except write to the device"): whatever would be
/// written is only read. Checked on images with util-linux 2.38 for a script on stdin, an
/// empty stdin, `--delete`, `--part-*`, `--disk-id`, `--activate`, `--reorder`, `--relocate`,
/// `--wipe`, `--append`, `-N`.
fn no_act(op: &mut Operation) {
    if op.kind == Kind::Partition && op.has("dry_run") {
        op.dry_run();
    }
}

const PARTED_COMMANDS: &[&str] = &[
    "align-check",
    "disk_set",
    "disk_toggle",
    "help",
    "mklabel",
    "mktable",
    "mkpart",
    "name",
    "print",
    "quit",
    "rescue",
    "resizepart",
    "rm",
    "select",
    "set",
    "toggle",
    "type",
    "unit",
    "version",
];

/// A parted command word, full or a unique prefix.
fn parted_command(word: &str) -> Option<&'static str> {
    if let Some(c) = PARTED_COMMANDS.iter().find(|c| **c == word) {
        return Some(c);
    }
    let hits: Vec<&&str> = PARTED_COMMANDS
        .iter()
        .filter(|c| c.starts_with(word))
        .collect();
    match hits.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn parted(op: &mut Operation, args: &[String]) {
    let mut device: Option<String> = None;
    let mut words: Vec<String> = Vec::new();
    let mut list = false;
    let mut only_words = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if only_words {
            // After `--` the first word is still the device (`parted -s -- /dev/sdb print`).
            match device {
                None => device = Some(a.to_string()),
                Some(_) => words.push(a.to_string()),
            }
            continue;
        }
        match a {
            "--" => only_words = true,
            "-h" | "--help" | "-v" | "--version" => return op.prints_only(),
            "-l" | "--list" => list = true,
            "-s" | "--script" => op.flag("script"),
            "-m" | "--machine" => op.flag("machine"),
            "-j" | "--json" => op.flag("json"),
            "-f" | "--fix" => op.flag("fix"),
            "-a" | "--align" => match args.get(i) {
                Some(v) => {
                    op.opt("align", v);
                    i += 1;
                }
                None => return op.opaque("parted: option requires an argument -- 'a'"),
            },
            _ if a.starts_with("--align=") => op.opt("align", &a["--align=".len()..]),
            _ if a.starts_with("-a") && device.is_none() => op.opt("align", &a[2..]),
            // Before the device, bundled short flags (`-sm`).
            _ if device.is_none() && a.starts_with('-') && a.len() > 1 => {
                for c in a[1..].chars() {
                    match c {
                        's' => op.flag("script"),
                        'm' => op.flag("machine"),
                        'j' => op.flag("json"),
                        'f' => op.flag("fix"),
                        'l' => list = true,
                        _ => return op.opaque(format!("parted: invalid option -- '{c}'")),
                    }
                }
            }
            _ if device.is_none() => device = Some(a.to_string()),
            _ => words.push(a.to_string()),
        }
    }
    if list {
        if op.has("fix") {
            // In script mode `--fix` answers "Fix" to every exception: any disk listed may
            // have its GPT rewritten.
            return op.opaque("parted: --list with --fix may rewrite the table of any disk");
        }
        let devices: Vec<String> = device.into_iter().chain(words).collect();
        return finish(op, true, devices);
    }
    let Some(dev) = device else {
        // parted with no device opens the first disk it finds, interactively.
        op.flag("default_device");
        op.kind = Kind::Partition;
        return;
    };
    if !words.is_empty() {
        op.opt("commands", &words.join(" "));
    }
    let mut devices = vec![dev];
    let mut read = !words.is_empty();
    let mut j = 0;
    while j < words.len() {
        let w = words[j].as_str();
        j += 1;
        match parted_command(w) {
            Some("print") => {
                if let Some(next) = words.get(j) {
                    if ["free", "all", "list", "devices"].contains(&next.as_str())
                        || next.parse::<u32>().is_ok()
                    {
                        j += 1;
                    }
                }
            }
            Some("unit") => j += 1,
            Some("align-check") => j += 2,
            Some("help") => {
                if words.get(j).and_then(|n| parted_command(n)).is_some() {
                    j += 1;
                }
            }
            Some("version") | Some("quit") => {}
            Some("select") => {
                if let Some(d) = words.get(j) {
                    devices.push(d.clone());
                    j += 1;
                }
            }
            Some(c) => {
                op.opt("command", c);
                read = false;
                break;
            }
            None => {
                // Unknown or ambiguous: parted refuses it in script mode, and asks otherwise.
                read = false;
                break;
            }
        }
    }
    // `--fix` lets even `print` repair (rewrite) a table it finds wanting.
    finish(op, read && !op.has("fix"), devices);
}

/// sgdisk options taking a value (short letter, long name, writes?).
pub(super) const SGDISK_ARG: &[(char, &str, bool)] = &[
    ('a', "set-alignment", false),
    ('A', "attributes", true),
    ('b', "backup", false),
    ('c', "change-name", true),
    ('d', "delete", true),
    ('h', "hybrid", true),
    ('i', "info", false),
    ('j', "adjust-main-table", true),
    ('k', "move-backup-table", true),
    ('l', "load-backup", true),
    ('m', "gpttombr", true),
    ('n', "new", true),
    ('N', "largest-new", true),
    ('r', "transpose", true),
    ('R', "replicate", true),
    ('t', "typecode", true),
    ('T', "transform-bsd", true),
    ('u', "partition-guid", true),
    ('U', "disk-guid", true),
];

/// sgdisk options without a value (short letter, long name, writes?).
pub(super) const SGDISK_FLAG: &[(char, &str, bool)] = &[
    ('C', "recompute-chs", true),
    ('D', "display-alignment", false),
    ('e', "move-second-header", true),
    ('E', "end-of-largest", false),
    ('f', "first-in-largest", false),
    ('F', "first-aligned-in-largest", false),
    ('g', "mbrtogpt", true),
    ('G', "randomize-guids", true),
    ('I', "align-end", false),
    ('L', "list-types", false),
    ('o', "clear", true),
    ('O', "print-mbr", false),
    ('p', "print", false),
    ('P', "pretend", false),
    ('s', "sort", true),
    ('v', "verify", false),
    ('V', "version", false),
    ('z', "zap", true),
    ('Z', "zap-all", true),
    ('?', "help", false),
];

fn sgdisk(op: &mut Operation, args: &[String]) {
    let mut devices = Vec::new();
    let mut writes = false;
    let mut replicate = None;
    let mut info_only = false;
    let mut pretend = false;
    let mut i = 0;
    let mut only_operands = false;
    // popt: `-n 1:0:0`, `-n1:0:0`, `--new=1:0:0`, `--new 1:0:0`, bundled flags, no abbreviations.
    let mut handle = |op: &mut Operation, long: &str, value: Option<String>, w: bool| {
        match long {
            "help" | "version" | "list-types" => info_only = true,
            "pretend" => pretend = true,
            "replicate" => replicate = value.clone(),
            "attributes" => {
                let v = value.clone().unwrap_or_default();
                let read = v == "list" || v.ends_with(":show") || v.contains(":get");
                if !read {
                    writes = true;
                    op.flag("attributes");
                }
                op.opt("attributes", &v);
                return;
            }
            _ => {}
        }
        if w {
            writes = true;
            op.flag(&long.replace('-', "_"));
        }
        if let Some(v) = value {
            let key = long.replace('-', "_");
            match op.options.get_mut(&key) {
                Some(old) => {
                    old.push('\n');
                    old.push_str(&v);
                }
                None => op.opt(&key, &v),
            }
        }
    };
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            devices.push(a.clone());
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if name == "usage" {
                handle(op, "help", None, false);
                continue;
            }
            if let Some((_, l, w)) = SGDISK_ARG.iter().find(|(_, l, _)| *l == name) {
                let v = match value {
                    Some(v) => v,
                    None => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => return op.opaque(format!("sgdisk: --{name}: missing argument")),
                    },
                };
                handle(op, l, Some(v), *w);
            } else if let Some((_, l, w)) = SGDISK_FLAG.iter().find(|(_, l, _)| *l == name) {
                handle(op, l, None, *w);
            } else {
                return op.opaque(format!("sgdisk: --{name}: unknown option"));
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            if let Some((_, l, w)) = SGDISK_ARG.iter().find(|(s, _, _)| *s == c) {
                let v = if j + 1 < chars.len() {
                    chars[j + 1..].iter().collect()
                } else {
                    match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => return op.opaque(format!("sgdisk: -{c}: missing argument")),
                    }
                };
                handle(op, l, Some(v), *w);
                break;
            }
            match SGDISK_FLAG.iter().find(|(s, _, _)| *s == c) {
                Some((_, l, w)) => handle(op, l, None, *w),
                None => return op.opaque(format!("sgdisk: -{c}: unknown option")),
            }
            j += 1;
        }
    }
    if info_only && devices.is_empty() {
        return op.prints_only();
    }
    let dev = match devices.as_slice() {
        [d] => d.clone(),
        [] => return op.opaque("sgdisk: no device file specified"),
        [_, extra, ..] => return op.opaque(format!("sgdisk: unexpected argument '{extra}'")),
    };
    if let Some(second) = replicate {
        // The table of DEV is copied onto the second device, `--pretend` or not.
        op.sources.push(dev);
        op.targets.push(second);
        op.kind = Kind::Partition;
        return;
    }
    finish(op, !writes, vec![dev]);
    if pretend {
        op.dry_run();
    }
}

fn gdisk(op: &mut Operation, args: &[String]) {
    let mut list = false;
    let mut devices = Vec::new();
    for a in args {
        match a.as_str() {
            "-l" => list = true,
            "-h" | "--help" | "-V" | "--version" => return op.prints_only(),
            _ if a.starts_with('-') => return op.opaque(format!("gdisk: invalid option '{a}'")),
            _ => devices.push(a.clone()),
        }
    }
    match devices.len() {
        1 => finish(op, list, devices),
        0 => op.opaque("gdisk: no device specified"),
        _ => op.opaque("gdisk: more than one device"),
    }
}

pub(super) const CFDISK_SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "LhrVz",
    long_arg: &[],
    long_opt: &["color", "lock"],
    long_flag: &["help", "read-only", "version", "zero"],
    permute: true,
};

fn cfdisk(op: &mut Operation, args: &[String]) {
    let args = drop_optional_values(args, "L", "");
    let parsed = match CFDISK_SPEC.parse(&args) {
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
        for line in ["fdisk", "fdisk /dev/sda /dev/sdb", "fdisk -q /dev/sda"] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        assert_eq!(parse_str("fdisk --help").kind, Kind::Read);
    }

    #[test]
    fn sfdisk_reads() {
        for line in [
            "sfdisk -l",
            "sfdisk -l /dev/sda",
            "sfdisk --list /dev/sda",
            "sfdisk -d /dev/sda",
            "sfdisk --dump /dev/sda",
            "sfdisk -J /dev/sda",
            "sfdisk -s /dev/sda",
            "sfdisk --show-size /dev/sda",
            "sfdisk -V /dev/sda",
            "sfdisk -F /dev/sda",
            "sfdisk --part-type /dev/sda 1",
            "sfdisk --disk-id /dev/sda",
            "sfdisk -A /dev/sda",
            "sfdisk --activate /dev/sda",
            "sfdisk --verify /dev/sda",
            "sfdisk -V /dev/sda",
            "sfdisk -lJ /dev/sda",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn sfdisk_writes() {
        let op = parse_str("sfdisk --delete /dev/sda 1");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sda"]);
        assert!(op.has("delete"));
        assert_eq!(op.option("partitions"), Some("1"));
        let op = parse_str("sfdisk --delete /dev/sda");
        assert_eq!(op.option("partitions"), Some("all"));
        let op = parse_str("sfdisk /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        let op = parse_str("sfdisk -N 2 -f /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert!(op.has("force"));
        assert_eq!(op.option("partno"), Some("2"));
        let op = parse_str("sfdisk --append /dev/sdb");
        assert!(op.has("append"));
        let op = parse_str("sfdisk --part-type /dev/sda 1 83");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.option("command"), Some("part-type"));
        for line in [
            "sfdisk --part-label /dev/sda 1 data",
            "sfdisk --disk-id /dev/sda 0x1234",
            "sfdisk -A /dev/sda 1",
            "sfdisk --activate /dev/sda -",
            "sfdisk -r /dev/sda",
            "sfdisk --relocate gpt-bak-std /dev/sda",
            "sfdisk --wipe always /dev/sda",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}: {:?}", op.note);
            assert_eq!(
                op.targets.last().map(String::as_str),
                Some("/dev/sda"),
                "{line}"
            );
        }
        for line in [
            "sfdisk",
            "sfdisk --delete",
            "sfdisk -Q /dev/sda",
            "sfdisk /dev/sda /dev/sdb",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    /// `--no-act` turns every writing form into a read of the device, wherever it stands.
    #[test]
    fn sfdisk_no_act_only_reads() {
        for line in [
            "sfdisk --no-act /dev/sda",
            "sfdisk -n /dev/sda",
            "sfdisk /dev/sda -n",
            "sfdisk --no-a /dev/sda",
            "sfdisk -nf /dev/sda",
            "sfdisk -fn -N 2 /dev/sda",
            "sfdisk -n -N 2 /dev/sda",
            "sfdisk --append --no-act /dev/sda",
            "sfdisk -n --wipe always /dev/sda",
            "sfdisk --no-act --delete /dev/sda 1",
            "sfdisk --delete /dev/sda -n",
            "sfdisk --no-act --part-type /dev/sda 1 83",
            "sfdisk --no-act --part-label /dev/sda 1 data",
            "sfdisk --no-act --part-uuid /dev/sda 1 0f7e4a3c-2d5b-4c1e-9a8f-6b3d2e1c0a9b",
            "sfdisk --no-act --part-attrs /dev/sda 1 RequiredPartition",
            "sfdisk --no-act --disk-id /dev/sda 0x1234",
            "sfdisk -n -A /dev/sda 1",
            "sfdisk -n -r /dev/sda",
            "sfdisk --no-act --relocate gpt-bak-std /dev/sda",
            "sfdisk --no-act -N 1 --move-data /dev/sda",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/dev/sda"], "{line}");
        }
        // `-N n`: the n is the partition number's value, not --no-act.
        let op = parse_str("sfdisk -N n /dev/sda");
        assert_eq!(op.kind, Kind::Partition);
        assert!(!op.has("dry_run"));
    }

    #[test]
    fn parted() {
        for line in [
            "parted -s /dev/sdb mklabel gpt",
            "parted --script /dev/sdb mklabel gpt",
            "parted /dev/sdb -s mklabel gpt",
            "parted -s /dev/sdb mkl gpt",
            "parted -s -a optimal /dev/sdb mkpart primary ext4 1MiB 100%",
            "parted -s /dev/sdb -- mkpart primary 1MiB -1s",
            "parted -s /dev/sdb rm 1",
            "parted -s /dev/sdb resizepart 2 100%",
            "parted -s /dev/sdb unit s print mklabel msdos",
            "parted /dev/sdb",
            "parted -s /dev/sdb r 1",
            "parted -s --fix /dev/sdb print",
            "parted -sf /dev/sdb print",
            "parted -s /dev/sdb -f unit s print",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
        }
        assert!(parse_str("parted -s /dev/sdb mklabel gpt").has("script"));
        assert_eq!(
            parse_str("parted -s /dev/sdb mkl gpt")
                .option("command")
                .map(str::to_string)
                .as_deref(),
            Some("mklabel")
        );
        assert_eq!(
            parse_str("parted --align=minimal /dev/sdb rm 1")
                .option("align")
                .map(str::to_string)
                .as_deref(),
            Some("minimal")
        );
        for line in [
            "parted -l",
            "parted --list",
            "parted /dev/sdb print",
            "parted -s /dev/sdb print",
            "parted -sm /dev/sdb unit s print free",
            "parted /dev/sdb p",
            "parted -s /dev/sdb align-check optimal 1",
            "parted --script /dev/sdb print",
            "parted /dev/sdb unit MiB print",
            "parted -s /dev/sdb unit s print free",
            "parted -s /dev/sdb print all",
            "parted -s /dev/sdb print list",
            "parted /dev/sdb print devices",
            "parted -m -s /dev/sdb unit B print",
            "parted --machine --script /dev/sdb print",
            "parted -j /dev/sdb print",
            "parted /dev/sdb -s p",
            "parted -s /dev/sdb pr",
            "parted -s /dev/sdb unit MiB print unit s print",
            "parted -s /dev/sdb help mkpart",
            "parted -s /dev/sdb version",
            "parted -s -- /dev/sdb print",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        for line in [
            "parted --help",
            "parted -h",
            "parted -v",
            "parted --version",
            "parted /dev/sdb --help",
            "parted -s /dev/sdb -v",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty() && op.sources.is_empty(), "{line}");
        }
        assert_eq!(parse_str("parted -l --fix").kind, Kind::Opaque);
        let op = parse_str("parted -s /dev/sdb select /dev/sdc mklabel gpt");
        assert_eq!(op.targets, vec!["/dev/sdb", "/dev/sdc"]);
        assert_eq!(parse_str("parted -q /dev/sdb").kind, Kind::Opaque);
    }

    #[test]
    fn sgdisk() {
        for line in [
            "sgdisk -Z /dev/sdb",
            "sgdisk --zap-all /dev/sdb",
            "sgdisk /dev/sdb --zap-all",
            "sgdisk -o /dev/sdb",
            "sgdisk -n 1:0:+512M -t 1:ef00 -c 1:EFI /dev/sdb",
            "sgdisk -n1:0:0 /dev/sdb",
            "sgdisk --new=1:0:0 --typecode=1:8300 /dev/sdb",
            "sgdisk -d 2 /dev/sdb",
            "sgdisk -G /dev/sdb",
            "sgdisk -A 1:set:2 /dev/sdb",
            "sgdisk -z /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
        }
        assert!(parse_str("sgdisk -Z /dev/sdb").has("zap_all"));
        let op = parse_str("sgdisk -n 1:0:+512M -n 2:0:0 /dev/sdb");
        assert_eq!(op.option("new"), Some("1:0:+512M\n2:0:0"));
        for line in [
            "sgdisk -p /dev/sdb",
            "sgdisk --print /dev/sdb",
            "sgdisk -v /dev/sdb",
            "sgdisk -i 1 /dev/sdb",
            "sgdisk -O /dev/sdb",
            "sgdisk -b /root/sdb.gpt /dev/sdb",
            "sgdisk -A 1:show /dev/sdb",
            "sgdisk -L",
            "sgdisk --version",
            "sgdisk -pv /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        let op = parse_str("sgdisk -R /dev/sdc /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdc"]);
        assert_eq!(op.sources, vec!["/dev/sdb"]);
        let op = parse_str("sgdisk --replicate=/dev/sdc -G /dev/sdb");
        assert_eq!(op.targets, vec!["/dev/sdc"]);
        for line in [
            "sgdisk -Z",
            "sgdisk -q /dev/sdb",
            "sgdisk --zap-al /dev/sdb",
            "sgdisk -n",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    /// `--pretend` writes nothing, whatever else is asked — except a replica.
    #[test]
    fn sgdisk_pretend_only_reads() {
        for line in [
            "sgdisk -P -Z /dev/sdb",
            "sgdisk --pretend -Z /dev/sdb",
            "sgdisk --pretend --zap-all /dev/sdb",
            "sgdisk -Z -P /dev/sdb",
            "sgdisk -Z /dev/sdb -P",
            "sgdisk -PZ /dev/sdb",
            "sgdisk -ZP /dev/sdb",
            "sgdisk -Pz /dev/sdb",
            "sgdisk -P -o -n 1:0:+512M -t 1:ef00 -c 1:EFI /dev/sdb",
            "sgdisk --pretend --new=1:0:0 --typecode=1:8300 /dev/sdb",
            "sgdisk -P -d 2 /dev/sdb",
            "sgdisk -P -G -g /dev/sdb",
            "sgdisk -P -A 1:set:2 /dev/sdb",
            "sgdisk -P -m 1:2 /dev/sdb",
            "sgdisk -P -h 1 /dev/sdb",
            "sgdisk -P -l /root/sdb.gpt /dev/sdb",
            "sgdisk -P -e -s /dev/sdb",
            "sgdisk -Pp /dev/sdb",
            "sgdisk --pretend --print /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/dev/sdb"], "{line}");
        }
        // sgdisk writes the replica even when pretending.
        for line in [
            "sgdisk -P -R /dev/sdc /dev/sdb",
            "sgdisk --pretend --replicate=/dev/sdc /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}");
            assert_eq!(op.targets, vec!["/dev/sdc"], "{line}");
            assert!(!op.has("dry_run"), "{line}");
        }
        // `-c 1:P`: the P is a partition name, not --pretend.
        let op = parse_str("sgdisk -c 1:P /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert!(!op.has("dry_run"));
        let op = parse_str("sgdisk -cP /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
    }

    /// Every help and version spelling of the partitioners only prints.
    #[test]
    fn help_and_version_only_print() {
        for line in [
            "fdisk -h",
            "fdisk --help",
            "fdisk -V",
            "fdisk --version",
            "fdisk -V /dev/sdb",
            "sfdisk -h",
            "sfdisk --help",
            "sfdisk -v",
            "sfdisk --version",
            "sfdisk --delete /dev/sdb --help",
            "sgdisk --help",
            "sgdisk -?",
            "sgdisk --usage",
            "sgdisk -V",
            "sgdisk --version",
            "sgdisk -L",
            "sgdisk --list-types",
            "gdisk -h",
            "gdisk --help",
            "gdisk -V",
            "gdisk --version",
            "cfdisk -h",
            "cfdisk --help",
            "cfdisk -V",
            "cfdisk --version",
            "cfdisk --help /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty() && op.sources.is_empty(), "{line}");
            assert!(op.flags.is_empty(), "{line}");
        }
    }

    #[test]
    fn gdisk_and_cfdisk() {
        let op = parse_str("gdisk /dev/nvme0n1");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/nvme0n1"]);
        for line in ["gdisk -l /dev/nvme0n1", "gdisk /dev/nvme0n1 -l"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert_eq!(op.sources, vec!["/dev/nvme0n1"], "{line}");
        }
        assert_eq!(parse_str("gdisk").kind, Kind::Opaque);
        let op = parse_str("cfdisk /dev/sdb");
        assert_eq!(op.kind, Kind::Partition);
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        assert_eq!(parse_str("cfdisk -r /dev/sdb").kind, Kind::Read);
        let op = parse_str("cfdisk");
        assert_eq!(op.kind, Kind::Partition);
        assert!(op.has("default_device"));
        assert_eq!(op.targets, vec!["/dev/sda"]);
        assert!(parse_str("cfdisk -z -Lnever /dev/sdb").has("zero"));
    }
}
