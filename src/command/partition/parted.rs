//! GNU `parted` (3.5: getopt_long, permuting — so `mkpart … -1s` needs `--`, as parted says
//! "invalid option -- '1'" otherwise).
//!
//! `-l`/`--list` → Read. After the device come commands (unique prefixes accepted, as parted
//! does): only `print`, `unit`, `align-check`, `help`, `version`, `quit` and `select` → Read —
//! unless `-f`/`--fix`, which answers "Fix" to exceptions in script mode and so rewrites a GPT
//! that `print` finds wanting (seen with parted 3.5) → Partition; `-l --fix` is opaque (it may
//! rewrite any disk); any other (mklabel, mkpart, rm, resizepart, set, name, …, or an ambiguous
//! prefix) → Partition; no device → interactive on the first disk → Partition, flag
//! `default_device`; a device without commands → interactive → Partition.
//! options["commands"] = the words after the device, options["command"] the first writing one.
//! `-s`/`--script` → flag `script`, `-m` → `machine`, `-j` → `json`, `-a`/`--align` →
//! options["align"], `-f`/`--fix` → flag `fix`. `select DEV` moves later commands to DEV (added
//! to the targets).

use super::finish;
use crate::command::{options::GNU, Arg, Getopt, Kind, Operation};

#[rustfmt::skip]
pub(in crate::command) const PARTED_SPEC: Getopt = Getopt {
    short_arg: "a",
    short_flag: "hlmjsfv",
    long_arg: &["align"],
    long_flag: &[
        "help", "list", "machine", "json", "script", "fix", "version", "-pretend-input-tty",
    ],
    ..GNU
};

const COMMANDS: &[&str] = &[
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
fn command(word: &str) -> Option<&'static str> {
    if let Some(c) = COMMANDS.iter().find(|c| **c == word) {
        return Some(c);
    }
    match COMMANDS
        .iter()
        .filter(|c| c.starts_with(word))
        .collect::<Vec<_>>()
        .as_slice()
    {
        [one] => Some(one),
        _ => None,
    }
}

pub(super) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match PARTED_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("parted: {e}")),
    };
    let mut words = Vec::new();
    let mut list = false;
    for a in parsed {
        match a {
            Arg::Operand(w) => words.push(w),
            Arg::Opt(n, v) => match n.as_str() {
                "h" | "help" | "v" | "version" => return op.prints_only(),
                "l" | "list" => list = true,
                "s" | "script" => op.flag("script"),
                "m" | "machine" => op.flag("machine"),
                "j" | "json" => op.flag("json"),
                "f" | "fix" => op.flag("fix"),
                "a" | "align" => op.opt("align", &v.unwrap_or_default()),
                _ => {}
            },
        }
    }
    if list {
        if op.has("fix") {
            // In script mode `--fix` answers "Fix" to every exception: any disk listed may
            // have its GPT rewritten.
            return op.opaque("parted: --list with --fix may rewrite the table of any disk");
        }
        return finish(op, true, words);
    }
    let Some((dev, words)) = words.split_first() else {
        // parted with no device opens the first disk it finds, interactively.
        op.flag("default_device");
        op.kind = Kind::Partition;
        return;
    };
    if !words.is_empty() {
        op.opt("commands", &words.join(" "));
    }
    let mut devices = vec![dev.clone()];
    let read = !words.is_empty() && only_reads(op, words, &mut devices);
    // `--fix` lets even `print` repair (rewrite) a table it finds wanting.
    finish(op, read && !op.has("fix"), devices);
}

/// Do the commands only read? `select DEV` adds DEV to `devices`; the first writing command is
/// options["command"].
fn only_reads(op: &mut Operation, words: &[String], devices: &mut Vec<String>) -> bool {
    let mut j = 0;
    while j < words.len() {
        let w = words[j].as_str();
        j += 1;
        match command(w) {
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
                if words.get(j).and_then(|n| command(n)).is_some() {
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
                return false;
            }
            // Unknown or ambiguous: parted refuses it in script mode, and asks otherwise.
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn writes() {
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
            "parted -s /dev/sdb print --fix",
            "parted --scr /dev/sdb mklabel gpt",
            "parted -saopt /dev/sdb mkpart p 1MiB 2MiB",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Partition, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
        }
        assert!(parse_str("parted -s /dev/sdb mklabel gpt").has("script"));
        let op = parse_str("parted -s /dev/sdb mkl gpt");
        assert_eq!(op.option("command"), Some("mklabel"));
        let op = parse_str("parted --align=minimal /dev/sdb rm 1");
        assert_eq!(op.option("align"), Some("minimal"));
        assert_eq!(
            parse_str("parted -saopt /dev/sdb mkpart p 1MiB 2MiB").option("align"),
            Some("opt")
        );
    }

    #[test]
    fn reads() {
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
            "parted /dev/sdb print -s",
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
        let op = parse_str("parted -s /dev/sdb select /dev/sdc mklabel gpt");
        assert_eq!(op.targets, vec!["/dev/sdb", "/dev/sdc"]);
    }

    #[test]
    fn refused() {
        // parted permutes: `-1s` without `--` is an option it refuses (parted 3.5:
        // "invalid option -- '1'").
        for line in [
            "parted -l --fix",
            "parted -q /dev/sdb",
            "parted -s /dev/sdb mkpart primary 1MiB -1s",
            "parted -s /dev/sdb -a",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }
}
