//! Tools that write a device or an image the way `dd` does: `blkdiscard`, `pv`, `ddrescue`,
//! `dcfldd`, `dc3dd`, `badblocks`. Each writes over what its output names in place
//! ([`Kind::Overwrite`]), so the device, mount, holder, in-use and whole-disk rules judge them
//! as they judge `dd of=`; what they read is a source.
//!
//! - `blkdiscard [-fszv] [-o OFF] [-l LEN] [-p STEP] DEVICE` (util-linux 2.38): the device's
//!   sectors are discarded (their content is gone): [`Kind::Overwrite`]. Flags `secure` (`-s`),
//!   `zeroout` (`-z`), `force` (`-f`); options `offset`, `length`.
//! - `pv [OPTIONS] [FILE…]` (pv 1.6 reads its options with getopt_long): it copies its inputs to
//!   standard output, so it writes nothing itself ([`Kind::Read`] of the inputs) — a shell
//!   redirection `pv img > /dev/sdb` is the shell's write, not pv's. pv 1.8's `-o FILE` /
//!   `--output FILE` writes FILE ([`Kind::Overwrite`]). `-d PID:FD` (watch another process) and
//!   `-R PID` (remote control) copy nothing.
//! - `ddrescue [OPTIONS] INFILE OUTFILE [MAPFILE]` (GNU ddrescue 1.27, its own arg_parser:
//!   permuted, long prefixes): OUTFILE and the mapfile are written, INFILE read. With
//!   `-G`/`--generate-mode` OUTFILE is only read (the mapfile is made from it). Flags `force`
//!   (`-f`: ddrescue refuses a device as OUTFILE without it), `truncate` (`-t`).
//! - `dcfldd KEY=VALUE…` (dcfldd 1.9): dd's operands plus its own; every `of=` (it may be given
//!   several times) is written, `if=` and `vf=` are read; `of:=CMD` and the `…log:=CMD` keys run
//!   a command (flag `runs_code`); dd's `conv=` symbols become `conv_SYMBOL` flags. With no
//!   `of=` it writes standard output ([`Kind::Read`]).
//! - `dc3dd KEY=VALUE…` (dc3dd 7.2): `of=`, `hof=`, `ofs=`, `hofs=`, `fhod=`, `wipe=`, `hwipe=`
//!   are written (each may repeat; `wipe=` writes zeros or a pattern over the device), `if=` and
//!   `ifs=` are read; `app=on` → flag `append`.
//! - `badblocks [-b N] [-c N] [-e N] [-d N] [-i FILE] [-o FILE] [-p N] [-t PAT] [-fnsvwBX]
//!   DEVICE [LAST [FIRST]]` (e2fsprogs 1.47, getopt): `-w` writes test patterns over the whole
//!   device (flag `write`); `-n` is the "non-destructive" read-write test, which still writes
//!   every block and puts it back (flag `non_destructive`): both [`Kind::Overwrite`]; without
//!   them the test only reads ([`Kind::Read`]). Flag `force` (`-f`).
//!
//! `--help`/`--version` (and `-h`/`-V` where they are that) only print.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const BLKDISCARD: Getopt = Getopt {
    short_arg: "olp",
    short_flag: "fszvqhV",
    long_arg: &["offset", "length", "step"],
    long_flag: &[
        "force", "secure", "zeroout", "verbose", "quiet", "help", "version",
    ],
    ..GNU
};

pub(super) const PV: Getopt = Getopt {
    short_arg: "AFDsiwHNLBRPdo",
    short_flag: "pteIrabTnqWl0fcCEShV",
    long_arg: &[
        "last-written",
        "format",
        "delay-start",
        "size",
        "interval",
        "width",
        "height",
        "name",
        "rate-limit",
        "buffer-size",
        "remote",
        "pidfile",
        "watchfd",
        "output",
    ],
    long_flag: &[
        "progress",
        "timer",
        "eta",
        "fineta",
        "rate",
        "average-rate",
        "bytes",
        "buffer-percent",
        "numeric",
        "quiet",
        "wait",
        "line-mode",
        "null",
        "force",
        "cursor",
        "no-splice",
        "skip-errors",
        "stop-at-size",
        "help",
        "version",
    ],
    ..GNU
};

pub(super) const DDRESCUE: Getopt = Getopt {
    short_arg: "abcEeFHiKmorsTxXZ",
    short_opt: "P",
    short_flag: "hVABCdDfGIJLMnNOpqRStuvwWy",
    long_arg: &[
        "min-read-rate",
        "sector-size",
        "cluster-size",
        "max-bad-areas",
        "max-error-rate",
        "fill-mode",
        "test-mode",
        "input-position",
        "skip-size",
        "domain-mapfile",
        "output-position",
        "retry-passes",
        "size",
        "timeout",
        "extend-outfile",
        "max-read-errors",
        "max-read-rate",
        "cpass",
        "delay-slow",
        "log-events",
        "log-rates",
        "log-reads",
        "mapfile-interval",
        "max-slow-reads",
        "pause-on-error",
        "pause-on-pass",
    ],
    long_opt: &["data-preview"],
    long_flag: &[
        "help",
        "version",
        "try-again",
        "binary-prefixes",
        "complete-only",
        "idirect",
        "odirect",
        "force",
        "generate-mode",
        "verify-input-size",
        "verify-on-error",
        "loose-domain",
        "retrim",
        "no-scrape",
        "no-trim",
        "reopen-on-error",
        "preallocate",
        "quiet",
        "reverse",
        "sparse",
        "truncate",
        "unidirectional",
        "verbose",
        "ignore-write-errors",
        "compare-before-write",
        "synchronous",
        "ask",
        "command-mode",
        "reset-slow",
        "same-file",
    ],
    pairs: &[
        ('a', "min-read-rate"),
        ('A', "try-again"),
        ('b', "sector-size"),
        ('B', "binary-prefixes"),
        ('c', "cluster-size"),
        ('C', "complete-only"),
        ('d', "idirect"),
        ('D', "odirect"),
        ('e', "max-bad-areas"),
        ('E', "max-error-rate"),
        ('f', "force"),
        ('F', "fill-mode"),
        ('G', "generate-mode"),
        ('H', "test-mode"),
        ('i', "input-position"),
        ('I', "verify-input-size"),
        ('J', "verify-on-error"),
        ('K', "skip-size"),
        ('L', "loose-domain"),
        ('m', "domain-mapfile"),
        ('M', "retrim"),
        ('n', "no-scrape"),
        ('N', "no-trim"),
        ('o', "output-position"),
        ('O', "reopen-on-error"),
        ('p', "preallocate"),
        ('P', "data-preview"),
        ('q', "quiet"),
        ('r', "retry-passes"),
        ('R', "reverse"),
        ('s', "size"),
        ('S', "sparse"),
        ('t', "truncate"),
        ('T', "timeout"),
        ('u', "unidirectional"),
        ('v', "verbose"),
        ('w', "ignore-write-errors"),
        ('W', "compare-before-write"),
        ('x', "extend-outfile"),
        ('X', "max-read-errors"),
        ('y', "synchronous"),
        ('Z', "max-read-rate"),
        ('h', "help"),
        ('V', "version"),
    ],
    ..GNU
};

/// dcfldd and dc3dd take dd's `--help` and `--version` only; the rest are operands.
pub(super) const DD_LIKE: Getopt = Getopt {
    long_flag: &["help", "version", "flags"],
    ..GNU
};

pub(super) const BADBLOCKS: Getopt = Getopt {
    short_arg: "bcdehiopt",
    short_flag: "fnsvwBX",
    long_flag: &["help", "version"],
    ..GNU
};

/// dcfldd's keys (`dcfldd --help`, 1.9). The `…log:=` keys run a command.
pub(super) const DCFLDD_KEYS: &[&str] = &[
    "bs",
    "cbs",
    "conv",
    "count",
    "limit",
    "ibs",
    "if",
    "obs",
    "of",
    "seek",
    "skip",
    "pattern",
    "textpattern",
    "errlog",
    "hash",
    "hashlog",
    "hashwindow",
    "hashconv",
    "hashformat",
    "totalhashformat",
    "status",
    "statusinterval",
    "sizeprobe",
    "split",
    "splitformat",
    "vf",
    "verifylog",
    "diffwr",
    "md5log",
    "sha1log",
    "sha256log",
    "sha384log",
    "sha512log",
];

/// dc3dd's keys (`dc3dd --help`, 7.2).
pub(super) const DC3DD_KEYS: &[&str] = &[
    "if",
    "ifs",
    "of",
    "hof",
    "ofs",
    "hofs",
    "ofsz",
    "hash",
    "log",
    "hlog",
    "mlog",
    "fhod",
    "rec",
    "wipe",
    "hwipe",
    "pat",
    "tpat",
    "cnt",
    "iskip",
    "oskip",
    "app",
    "ssz",
    "bufsz",
    "verb",
    "nwspc",
    "b10",
    "corruptoutput",
];

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "blkdiscard" => blkdiscard(op, args),
        "pv" => pv(op, args),
        "ddrescue" => ddrescue(op, args),
        "dcfldd" => dcfldd(op, args),
        "dc3dd" => dc3dd(op, args),
        _ => badblocks(op, args),
    }
}

fn blkdiscard(op: &mut Operation, args: &[String]) {
    let parsed = match BLKDISCARD.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("blkdiscard: {e}")),
    };
    let mut devices = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(d) => devices.push(d),
            Arg::Opt(n, v) => match n.as_str() {
                "h" | "help" | "V" | "version" => return op.prints_only(),
                "s" | "secure" => op.flag("secure"),
                "z" | "zeroout" => op.flag("zeroout"),
                "f" | "force" => op.flag("force"),
                "o" | "offset" => op.opt("offset", &v.unwrap_or_default()),
                "l" | "length" => op.opt("length", &v.unwrap_or_default()),
                _ => {}
            },
        }
    }
    match devices.len() {
        0 => op.opaque("blkdiscard: no device specified"),
        1 => {
            op.targets = devices;
            op.kind = Kind::Overwrite;
        }
        _ => op.opaque("blkdiscard: unexpected number of arguments"),
    }
}

fn pv(op: &mut Operation, args: &[String]) {
    let parsed = match PV.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("pv: {e}")),
    };
    let mut output = None;
    let mut watching = false;
    for a in parsed {
        match a {
            Arg::Operand(f) => op.sources.push(f),
            Arg::Opt(n, v) => match n.as_str() {
                "h" | "help" | "V" | "version" => return op.prints_only(),
                "o" | "output" => output = v,
                "d" | "watchfd" | "R" | "remote" => watching = true,
                _ => {}
            },
        }
    }
    if watching {
        // Watching another process's descriptor or steering another pv copies nothing.
        op.sources.clear();
        op.kind = Kind::Read;
        return;
    }
    match output.filter(|o| o != "-") {
        Some(o) => {
            op.targets.push(o);
            op.kind = Kind::Overwrite;
        }
        None => op.kind = Kind::Read,
    }
}

fn ddrescue(op: &mut Operation, args: &[String]) {
    let parsed = match DDRESCUE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("ddrescue: {e}")),
    };
    let mut files = Vec::new();
    let mut generate = false;
    for a in parsed {
        match a {
            Arg::Operand(f) => files.push(f),
            Arg::Opt(n, _) => match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "force" => op.flag("force"),
                "truncate" => op.flag("truncate"),
                "generate-mode" => generate = true,
                _ => {}
            },
        }
    }
    let (input, output, map) = match files.as_slice() {
        [i, o] => (i, o, None),
        [i, o, m] => (i, o, Some(m)),
        [] | [_] => return op.opaque("ddrescue: both input and output files must be specified"),
        _ => return op.opaque("ddrescue: too many files"),
    };
    op.sources.push(input.clone());
    if generate {
        op.sources.push(output.clone());
    } else if output != "-" {
        op.targets.push(output.clone());
    }
    if let Some(m) = map {
        op.targets.push(m.clone());
    }
    op.kind = if op.targets.is_empty() {
        Kind::Read
    } else {
        Kind::Overwrite
    };
}

/// dd's `conv=` symbols as `conv_SYMBOL` flags (`notrunc` also as `notrunc`).
fn conv(op: &mut Operation, value: &str) {
    for v in value.split(',').filter(|v| !v.is_empty()) {
        op.flags.insert(format!("conv_{v}"));
        if v == "notrunc" {
            op.flag("notrunc");
        }
    }
}

fn dcfldd(op: &mut Operation, args: &[String]) {
    let parsed = match DD_LIKE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("dcfldd: {e}")),
    };
    for a in parsed {
        let a = match a {
            Arg::Opt(..) => return op.prints_only(),
            Arg::Operand(a) => a,
        };
        let Some((key, value)) = a.split_once('=') else {
            return op.opaque(format!("dcfldd: unrecognized option '{a}'"));
        };
        if let Some(k) = key.strip_suffix(':') {
            // `of:=CMD`, `hashlog:=CMD`, `md5log:=CMD`, `verifylog:=CMD`: a command is run.
            if k == "of" || k.ends_with("log") {
                op.runs_code(format!("dcfldd `{key}=` runs `{value}`"));
                continue;
            }
            return op.opaque(format!("dcfldd: unrecognized option '{a}'"));
        }
        if !DCFLDD_KEYS.contains(&key) {
            return op.opaque(format!("dcfldd: unrecognized option '{a}'"));
        }
        match key {
            "of" => op.targets.push(value.to_string()),
            "if" | "vf" => op.sources.push(value.to_string()),
            "conv" => conv(op, value),
            "bs" | "count" | "seek" | "skip" => op.opt(key, value),
            _ => {}
        }
    }
    op.kind = if op.targets.is_empty() {
        Kind::Read
    } else {
        Kind::Overwrite
    };
}

fn dc3dd(op: &mut Operation, args: &[String]) {
    let parsed = match DD_LIKE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("dc3dd: {e}")),
    };
    for a in parsed {
        let a = match a {
            Arg::Opt(..) => return op.prints_only(),
            Arg::Operand(a) => a,
        };
        let Some((key, value)) = a.split_once('=') else {
            return op.opaque(format!("dc3dd: unrecognized option '{a}'"));
        };
        if !DC3DD_KEYS.contains(&key) {
            return op.opaque(format!("dc3dd: unrecognized option '{a}'"));
        }
        match key {
            "of" | "hof" | "ofs" | "hofs" | "fhod" | "wipe" | "hwipe" => {
                op.targets.push(value.to_string())
            }
            "if" | "ifs" => op.sources.push(value.to_string()),
            "app" if value == "on" => op.flag("append"),
            _ => {}
        }
    }
    op.kind = if op.targets.is_empty() {
        Kind::Read
    } else {
        Kind::Overwrite
    };
}

fn badblocks(op: &mut Operation, args: &[String]) {
    let parsed = match BADBLOCKS.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("badblocks: {e}")),
    };
    let mut operands = Vec::new();
    let mut writes = false;
    for a in parsed {
        match a {
            Arg::Operand(o) => operands.push(o),
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "w" => {
                    writes = true;
                    op.flag("write");
                }
                "n" => {
                    writes = true;
                    op.flag("non_destructive");
                }
                "f" => op.flag("force"),
                "i" => {
                    if let Some(f) = v {
                        op.sources.push(f);
                    }
                }
                _ => {}
            },
        }
    }
    let mut it = operands.into_iter();
    let Some(device) = it.next() else {
        op.sources.clear();
        return op.opaque("badblocks: no device specified");
    };
    if it.len() > 2 {
        op.sources.clear();
        return op.opaque("badblocks: too many arguments");
    }
    if writes {
        op.targets.push(device);
        op.kind = Kind::Overwrite;
    } else {
        op.sources.insert(0, device);
        op.kind = Kind::Read;
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn blkdiscard_discards_its_one_device() {
        for line in [
            "blkdiscard /dev/sdb",
            "blkdiscard -f /dev/sdb",
            "blkdiscard -o 0 -l 1G /dev/sdb",
            "blkdiscard --offset=0 --length 1GiB /dev/sdb",
            "blkdiscard /dev/sdb -s",
            "blkdiscard -zv /dev/sdb",
            "blkdiscard --zero /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb"], "{line}");
        }
        assert!(parse_str("blkdiscard -s /dev/sdb").has("secure"));
        assert!(parse_str("blkdiscard --zeroout /dev/sdb").has("zeroout"));
        for line in [
            "blkdiscard",
            "blkdiscard /dev/sdb /dev/sdc",
            "blkdiscard -x /dev/sdb",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        // `-o 1` takes the value: the device is still the one operand.
        assert_eq!(parse_str("blkdiscard -o1 /dev/sdb").targets, ["/dev/sdb"]);
    }

    #[test]
    fn pv_writes_only_its_output() {
        let op = parse_str("pv -petr disk.img");
        assert_eq!(op.kind, Kind::Read);
        assert_eq!(op.sources, ["disk.img"]);
        assert!(op.targets.is_empty());
        for line in [
            "pv -o /dev/sdb disk.img",
            "pv --output=/dev/sdb disk.img",
            "pv disk.img --output /dev/sdb",
            "pv -s 10G -N img -o/dev/sdb disk.img",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}");
            assert_eq!(op.targets, ["/dev/sdb"], "{line}");
            assert_eq!(op.sources, ["disk.img"], "{line}");
        }
        // `-N NAME` takes the next word: not an input.
        assert_eq!(parse_str("pv -N /dev/sdb disk.img").sources, ["disk.img"]);
        let op = parse_str("pv -d 1234:3");
        assert_eq!((op.kind, op.sources.len()), (Kind::Read, 0));
    }

    #[test]
    fn ddrescue_writes_outfile_and_mapfile() {
        for line in [
            "ddrescue -f -n /dev/sda /dev/sdb rescue.map",
            "ddrescue --force --no-scrape /dev/sda /dev/sdb rescue.map",
            "ddrescue /dev/sda /dev/sdb rescue.map -f",
            "ddrescue -d -r3 /dev/sda /dev/sdb rescue.map",
            "ddrescue -fn --size=1Gi /dev/sda /dev/sdb rescue.map",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb", "rescue.map"], "{line}");
            assert_eq!(op.sources, ["/dev/sda"], "{line}");
        }
        assert!(parse_str("ddrescue -f /dev/sda /dev/sdb").has("force"));
        let op = parse_str("ddrescue -G /dev/sda part.img rescue.map");
        assert_eq!(op.targets, ["rescue.map"]);
        assert_eq!(op.sources, ["/dev/sda", "part.img"]);
        // `-b 4096` is the sector size, not the infile.
        let op = parse_str("ddrescue -b 4096 /dev/sr0 cd.iso cd.map");
        assert_eq!(op.targets, ["cd.iso", "cd.map"]);
        for line in ["ddrescue /dev/sda", "ddrescue a b c d", "ddrescue -Q a b"] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    #[test]
    fn dcfldd_and_dc3dd_write_every_output() {
        let op = parse_str("dcfldd if=/dev/sda of=/dev/sdb of=copy.img hash=sha256 bs=4M");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, ["/dev/sdb", "copy.img"]);
        assert_eq!(op.sources, ["/dev/sda"]);
        let op = parse_str("dcfldd pattern=00 of=/dev/sdb conv=notrunc");
        assert!(op.has("notrunc") && op.has("conv_notrunc"));
        let op = parse_str("dcfldd if=/dev/sda hashlog:=cat");
        assert!(op.has("runs_code"));
        assert_eq!(op.kind, Kind::Read);
        let op = parse_str("dcfldd if=/dev/sda vf=/dev/sdb");
        assert_eq!((op.kind, op.sources.len()), (Kind::Read, 2));
        assert_eq!(parse_str("dcfldd if=a 0f=b").kind, Kind::Opaque);

        let op = parse_str("dc3dd if=/dev/sda hof=/dev/sdb hash=md5 log=x.log");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, ["/dev/sdb"]);
        let op = parse_str("dc3dd wipe=/dev/sdc");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Overwrite, vec!["/dev/sdc".into()])
        );
        let op = parse_str("dc3dd hwipe=/dev/sdc tpat=x");
        assert_eq!(op.targets, ["/dev/sdc"]);
        let op = parse_str("dc3dd if=/dev/sda ofs=img.000 ofsz=1G of=/dev/sdd app=on");
        assert_eq!(op.targets, ["img.000", "/dev/sdd"]);
        assert!(op.has("append"));
        assert_eq!(parse_str("dc3dd if=/dev/sda").kind, Kind::Read);
        assert_eq!(parse_str("dc3dd if=a bogus=b").kind, Kind::Opaque);
    }

    #[test]
    fn badblocks_writes_only_in_its_write_tests() {
        for (line, flag) in [
            ("badblocks -w /dev/sdb", "write"),
            ("badblocks -wsv -b 4096 /dev/sdb", "write"),
            ("badblocks -n /dev/sdb", "non_destructive"),
            ("badblocks -nsv /dev/sdb 1000 0", "non_destructive"),
            ("badblocks /dev/sdb -w -t random", "write"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb"], "{line}");
            assert!(op.has(flag), "{line}");
        }
        let op = parse_str("badblocks -sv -o bad.txt /dev/sdb");
        assert_eq!(op.kind, Kind::Read);
        assert_eq!(op.sources, ["/dev/sdb"]);
        // `-t 0xff`: a pattern, not a device; `-b` takes its value.
        assert_eq!(
            parse_str("badblocks -w -t 0xff /dev/sdb").targets,
            ["/dev/sdb"]
        );
        for line in [
            "badblocks",
            "badblocks -w",
            "badblocks -Q /dev/sdb",
            "badblocks a 1 2 3",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }
}
