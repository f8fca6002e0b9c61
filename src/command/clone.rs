//! Filesystem cloners that write a partition back from an image: `partclone.FS` (partclone
//! 0.3, getopt_long) and `ntfsclone` (ntfs-3g 2022, getopt_long).
//!
//! Whatever they write is written over in place: the output of `-o FILE`/`--output FILE` and
//! `-O FILE`/`--overwrite FILE` → [`Kind::Overwrite`] (`-` is standard output, no target).
//! partclone restores with `-r`/`--restore` (and as `partclone.restore`), clones with `-c`,
//! copies device to device with `-b`; its source is `-s FILE`. `partclone.info` and
//! `partclone.chkimg` only read the image. ntfsclone's source is its operand; `-r`/
//! `--restore-image` reads an image into the output (flag `restore`); `-n`/`--no-action` is a
//! dry run ([`Operation::dry_run`]).

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const PARTCLONE: Getopt = Getopt {
    short_arg: "oOsLxzEn",
    short_opt: "adk",
    short_flag: "crbDRKwCNIiFfBqTtvhW",
    long_arg: &[
        "output",
        "overwrite",
        "source",
        "logfile",
        "compresscmd",
        "buffer_size",
        "offset",
        "note",
    ],
    long_opt: &[
        "checksum-mode",
        "blocks-per-checksum",
        "debug",
        "offset_domain",
    ],
    long_flag: &[
        "clone",
        "restore",
        "dev-to-dev",
        "domain",
        "rescue",
        "no-reseed",
        "skip_write_error",
        "no_check",
        "ncurses",
        "ignore_fschk",
        "ignore_crc",
        "force",
        "UI-fresh",
        "no_block_detail",
        "quiet",
        "btfiles",
        "btfiles_torrent",
        "restore_raw_file",
        "version",
        "help",
    ],
    pairs: &[
        ('o', "output"),
        ('O', "overwrite"),
        ('s', "source"),
        ('c', "clone"),
        ('r', "restore"),
        ('b', "dev-to-dev"),
        ('x', "compresscmd"),
        ('v', "version"),
        ('h', "help"),
    ],
    ..GNU
};

pub(super) const NTFSCLONE: Getopt = Getopt {
    short_arg: "oO",
    short_flag: "srmntqfhV",
    long_arg: &["output", "overwrite"],
    long_flag: &[
        "save-image",
        "restore-image",
        "rescue",
        "metadata",
        "no-action",
        "ignore-fs-check",
        "new-serial",
        "new-half-serial",
        "preserve-timestamps",
        "quiet",
        "force",
        "full-logfile",
        "help",
        "version",
    ],
    pairs: &[
        ('o', "output"),
        ('O', "overwrite"),
        ('s', "save-image"),
        ('r', "restore-image"),
        ('m', "metadata"),
        ('n', "no-action"),
        ('t', "preserve-timestamps"),
        ('q', "quiet"),
        ('f', "force"),
        ('h', "help"),
        ('V', "version"),
    ],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, program: &str, args: &[String]) {
    let base = program.rsplit('/').next().unwrap_or(program);
    if op.tool == "ntfsclone" {
        return ntfsclone(op, args);
    }
    let parsed = match PARTCLONE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{base}: {e}")),
    };
    let mut outputs = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(o) => return op.opaque(format!("{base}: unexpected argument '{o}'")),
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "output" | "overwrite" => outputs.extend(v),
                "source" => op.sources.extend(v),
                "restore" => op.flag("restore"),
                "compresscmd" => op.runs_code(format!(
                    "{base} `--compresscmd` runs `{}`",
                    v.unwrap_or_default()
                )),
                _ => {}
            },
        }
    }
    if base == "partclone.restore" {
        op.flag("restore");
    }
    if matches!(base, "partclone.info" | "partclone.chkimg") {
        op.kind = Kind::Read;
        return;
    }
    op.targets = outputs.into_iter().filter(|o| o != "-").collect();
    op.kind = if op.targets.is_empty() {
        Kind::Read
    } else {
        Kind::Overwrite
    };
}

fn ntfsclone(op: &mut Operation, args: &[String]) {
    let parsed = match NTFSCLONE.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("ntfsclone: {e}")),
    };
    let mut sources = Vec::new();
    let mut outputs = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(s) => sources.push(s),
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "output" | "overwrite" => outputs.extend(v),
                "restore-image" => op.flag("restore"),
                "no-action" => op.flag("dry_run"),
                "force" => op.flag("force"),
                _ => {}
            },
        }
    }
    if sources.len() != 1 {
        return op.opaque("ntfsclone: you must specify exactly one source");
    }
    op.sources = sources.into_iter().filter(|s| s != "-").collect();
    op.targets = outputs.into_iter().filter(|o| o != "-").collect();
    op.kind = if op.targets.is_empty() {
        Kind::Read
    } else {
        Kind::Overwrite
    };
    if op.kind == Kind::Overwrite && op.has("dry_run") {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn partclone_writes_its_output() {
        for line in [
            "partclone.ext4 -r -s sda1.img -o /dev/sda1",
            "partclone.ext4 --restore --source sda1.img --output /dev/sda1",
            "partclone.restore -s sda1.img -o /dev/sda1",
            "partclone.ext4 -b -s /dev/sdb1 -O /dev/sda1",
            "partclone.ntfs -r -d2 -s sda1.img -o /dev/sda1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sda1"], "{line}");
            assert_eq!(op.tool, "partclone", "{line}");
        }
        assert!(parse_str("partclone.restore -s a.img -o /dev/sda1").has("restore"));
        let op = parse_str("partclone.ext4 -c -s /dev/sda1 -o sda1.img");
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Overwrite, vec!["sda1.img".into()])
        );
        assert_eq!(op.sources, ["/dev/sda1"]);
        assert_eq!(
            parse_str("partclone.ext4 -c -s /dev/sda1 -o -").kind,
            Kind::Read
        );
        assert_eq!(parse_str("partclone.info -s sda1.img").kind, Kind::Read);
        assert_eq!(
            parse_str("partclone.ext4 -r -s a /dev/sda1").kind,
            Kind::Opaque
        );
    }

    #[test]
    fn ntfsclone_restores_onto_its_output() {
        for line in [
            "ntfsclone --restore-image --overwrite /dev/sda1 sda1.img",
            "ntfsclone -r -O /dev/sda1 sda1.img",
            "ntfsclone -rO /dev/sda1 sda1.img",
            "ntfsclone --overwrite /dev/sda1 /dev/sdb1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sda1"], "{line}");
        }
        let op = parse_str("ntfsclone -s -o - /dev/sda1");
        assert_eq!(
            (op.kind, op.sources.clone()),
            (Kind::Read, vec!["/dev/sda1".into()])
        );
        let op = parse_str("ntfsclone -r -n -O /dev/sda1 sda1.img");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.has("dry_run") && op.targets.is_empty());
        assert_eq!(parse_str("ntfsclone -O /dev/sda1").kind, Kind::Opaque);
    }
}
