//! `cryptsetup` argv → Operation (cryptsetup 2.6, popt: options anywhere, no abbreviations,
//! `-h` is `--hash`, not help). The action is the first operand.
//!
//! What destroys the data on a device:
//! - `luksFormat DEVICE [KEYFILE]` writes a new LUKS header (the old key, and so all data
//!   encrypted under it, is gone) → [`Kind::Format`] of DEVICE; with `--header FILE` the header
//!   is written there too (a target).
//! - `erase DEVICE` / `luksErase DEVICE` wipes every key slot → [`Kind::Format`] (flag `erase`).
//! - `luksHeaderRestore DEVICE --header-backup-file FILE` replaces the header and key slots →
//!   [`Kind::Format`] (FILE a source).
//! - `reencrypt DEVICE` rewrites every sector in place (flags `encrypt`, `decrypt` with
//!   `--encrypt`/`--decrypt`) → [`Kind::Overwrite`].
//!
//! Read only (the device a source): `status`, `luksDump`, `isLuks`, `luksUUID` (without
//! `--uuid`), `tcryptDump`, `bitlkDump`, `fvault2Dump`, `benchmark`, `luksHeaderBackup`.
//! `--test-args` ("do not run action, just validate all command line parameters") makes any
//! action a dry run ([`Operation::dry_run`]). The other actions (`open`, `close`, `resize`,
//! key management, `token`, `config`, `convert`, `repair` …) leave the data where it is and
//! are not judged ([`Kind::Unknown`]). `--help`, `-?`, `--usage`, `-V`/`--version` only print.

use super::options::POPT;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "chIidsSlotMbpTB",
    short_flag: "qrvyNV?",
    long_arg: &[
        "active-name",
        "align-payload",
        "cipher",
        "device-size",
        "hash",
        "header",
        "header-backup-file",
        "hotzone-size",
        "integrity",
        "iter-time",
        "json-file",
        "key-description",
        "key-file",
        "key-size",
        "key-slot",
        "keyfile-offset",
        "keyfile-size",
        "keyslot-cipher",
        "keyslot-key-size",
        "label",
        "luks2-keyslots-size",
        "luks2-metadata-size",
        "volume-key-file",
        "new-keyfile",
        "new-key-slot",
        "new-keyfile-offset",
        "new-keyfile-size",
        "new-token-id",
        "offset",
        "pbkdf",
        "pbkdf-force-iterations",
        "pbkdf-memory",
        "pbkdf-parallel",
        "priority",
        "progress-frequency",
        "reduce-device-size",
        "resilience",
        "resilience-hash",
        "sector-size",
        "size",
        "skip",
        "subsystem",
        "timeout",
        "token-id",
        "token-type",
        "tries",
        "type",
        "uuid",
        "veracrypt-pim",
        "block-size",
        "master-key-file",
    ],
    long_flag: &[
        "help",
        "usage",
        "version",
        "allow-discards",
        "batch-mode",
        "cancel-deferred",
        "debug",
        "debug-json",
        "deferred",
        "decrypt",
        "disable-external-tokens",
        "disable-keyring",
        "disable-locks",
        "disable-veracrypt",
        "dump-json-metadata",
        "dump-volume-key",
        "encrypt",
        "force-password",
        "force-offline-reencrypt",
        "init-only",
        "integrity-legacy-padding",
        "integrity-no-journal",
        "integrity-no-wipe",
        "iv-large-sectors",
        "keep-key",
        "perf-no_read_workqueue",
        "perf-no_write_workqueue",
        "perf-same_cpu_crypt",
        "perf-submit_from_crypt_cpus",
        "persistent",
        "progress-json",
        "readonly",
        "refresh",
        "resume-only",
        "serialize-memory-hard-pbkdf",
        "shared",
        "tcrypt-backup",
        "tcrypt-hidden",
        "tcrypt-system",
        "test-args",
        "test-passphrase",
        "token-only",
        "token-replace",
        "unbound",
        "use-random",
        "use-urandom",
        "veracrypt",
        "veracrypt-query-pim",
        "verbose",
        "verify-passphrase",
        "new",
        "use-directio",
        "use-fsync",
        "write-log",
        "dump-master-key",
    ],
    pairs: &[
        ('c', "cipher"),
        ('h', "hash"),
        ('I', "integrity"),
        ('i', "iter-time"),
        ('d', "key-file"),
        ('s', "key-size"),
        ('S', "key-slot"),
        ('l', "keyfile-size"),
        ('o', "offset"),
        ('t', "timeout"),
        ('M', "type"),
        ('b', "size"),
        ('p', "skip"),
        ('T', "tries"),
        ('B', "block-size"),
        ('q', "batch-mode"),
        ('r', "readonly"),
        ('v', "verbose"),
        ('y', "verify-passphrase"),
        ('N', "new"),
        ('V', "version"),
        ('?', "help"),
    ],
    ..POPT
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("cryptsetup: {e}")),
    };
    let mut operands = Vec::new();
    let mut header = None;
    let mut backup = None;
    let mut uuid = false;
    for a in parsed {
        match a {
            Arg::Operand(o) => operands.push(o),
            Arg::Opt(n, v) => match n.as_str() {
                "help" | "usage" | "version" => return op.prints_only(),
                "test-args" => op.flag("dry_run"),
                "encrypt" => op.flag("encrypt"),
                "decrypt" => op.flag("decrypt"),
                "batch-mode" => op.flag("batch_mode"),
                "header" => header = v,
                "header-backup-file" => backup = v,
                "uuid" => uuid = true,
                "key-file" | "volume-key-file" | "new-keyfile" => {
                    if let Some(f) = v.filter(|f| f != "-") {
                        op.sources.push(f);
                    }
                }
                _ => {}
            },
        }
    }
    let mut it = operands.into_iter();
    let Some(action) = it.next() else {
        op.sources.clear();
        return op.opaque("cryptsetup: argument <action> missing");
    };
    op.opt("subcommand", &action);
    let device = it.next();
    let kind = match action.as_str() {
        "luksFormat" => Kind::Format,
        "erase" | "luksErase" => {
            op.flag("erase");
            Kind::Format
        }
        "luksHeaderRestore" => Kind::Format,
        "reencrypt" => Kind::Overwrite,
        "luksUUID" if uuid => {
            op.kind = Kind::Unknown;
            return;
        }
        "status" | "luksDump" | "isLuks" | "luksUUID" | "tcryptDump" | "bitlkDump"
        | "fvault2Dump" | "luksHeaderBackup" => Kind::Read,
        "benchmark" => {
            op.sources.clear();
            op.kind = Kind::Read;
            return;
        }
        _ => {
            op.sources.clear();
            op.kind = Kind::Unknown;
            return;
        }
    };
    let Some(device) = device else {
        op.sources.clear();
        return op.opaque(format!("cryptsetup {action}: argument <device> missing"));
    };
    if kind == Kind::Read {
        op.sources.insert(0, device);
        op.kind = Kind::Read;
        return;
    }
    // `luksFormat DEVICE KEYFILE`: the key is read.
    if action == "luksFormat" {
        if let Some(k) = it.next().filter(|k| k != "-") {
            op.sources.push(k);
        }
    }
    if let Some(b) = backup {
        op.sources.push(b);
    }
    // The status in `status NAME` and the like aside, reencrypt and luksFormat act on the data
    // device; with a detached header that file is written as well.
    op.targets.push(device);
    if let Some(h) = header.filter(|_| kind == Kind::Format) {
        op.targets.push(h);
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
    fn formats_and_erases_are_formats() {
        for line in [
            "cryptsetup luksFormat /dev/sdb1",
            "cryptsetup -q luksFormat /dev/sdb1",
            "cryptsetup luksFormat --type luks2 /dev/sdb1",
            "cryptsetup luksFormat /dev/sdb1 --cipher aes-xts-plain64 -s 512 -h sha256",
            "cryptsetup --batch-mode luksFormat /dev/sdb1 key.bin",
            "cryptsetup luksErase /dev/sdb1",
            "cryptsetup erase /dev/sdb1",
            "cryptsetup luksHeaderRestore /dev/sdb1 --header-backup-file hdr.img",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, ["/dev/sdb1"], "{line}");
        }
        // `-h sha256` is the hash; `key.bin` is read.
        let op = parse_str("cryptsetup luksFormat -h sha256 /dev/sdb1 key.bin");
        assert_eq!(op.targets, ["/dev/sdb1"]);
        assert_eq!(op.sources, ["key.bin"]);
        let op = parse_str("cryptsetup luksFormat --header hdr.img /dev/sdb1");
        assert_eq!(op.targets, ["/dev/sdb1", "hdr.img"]);
        assert!(parse_str("cryptsetup luksErase /dev/sdb1").has("erase"));
    }

    #[test]
    fn reencrypt_writes_every_sector() {
        let op = parse_str("cryptsetup reencrypt --encrypt --reduce-device-size 32M /dev/sdb1");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, ["/dev/sdb1"]);
        assert!(op.has("encrypt"));
        let op = parse_str("cryptsetup reencrypt /dev/sdb1 --decrypt --header hdr.img");
        assert_eq!(
            op.targets,
            ["/dev/sdb1"],
            "the header is not a target of a reencrypt"
        );
    }

    #[test]
    fn dry_runs_and_reads() {
        let op = parse_str("cryptsetup --test-args luksFormat /dev/sdb1");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.has("dry_run") && op.targets.is_empty());
        assert_eq!(op.sources, ["/dev/sdb1"]);
        for line in [
            "cryptsetup luksDump /dev/sdb1",
            "cryptsetup isLuks /dev/sdb1",
            "cryptsetup luksUUID /dev/sdb1",
            "cryptsetup luksHeaderBackup /dev/sdb1 --header-backup-file b.img",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert_eq!(op.sources.first().map(String::as_str), Some("/dev/sdb1"));
        }
        for line in [
            "cryptsetup open /dev/sdb1 data",
            "cryptsetup luksOpen /dev/sdb1 data",
            "cryptsetup close data",
            "cryptsetup luksAddKey /dev/sdb1",
            "cryptsetup luksUUID --uuid 1234 /dev/sdb1",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        for line in [
            "cryptsetup",
            "cryptsetup luksFormat",
            "cryptsetup --bogus luksFormat /dev/x",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        for line in [
            "cryptsetup --help",
            "cryptsetup -?",
            "cryptsetup --usage",
            "cryptsetup -V",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }
}
