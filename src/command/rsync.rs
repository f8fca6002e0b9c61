//! `rsync` argv → Operation (rsync 3.x, popt rules: options and operands may be mixed, short
//! flags bundle, `-essh` / `-e ssh` / `-e=ssh`, `--name=value` / `--name value`, long names are
//! NOT abbreviated — rsync refuses `--dele`, so does this parser — and `--no-OPTION` only for
//! the options rsync lists ([`SPEC`]'s `negatable`: `--no-perms`, `--no-p`, `--no-D`; not
//! `--no-delete`, `--no-e`, `--no-rsh`, which rsync refuses).
//!
//! Operands: every operand but the last is a source, the last is the destination. One operand
//! only lists it (rsync's implicit `--list-only`) → [`Kind::Read`]; `--list-only` → Read.
//! Otherwise [`Kind::Restore`]: target = the destination, sources = the rest.
//! - Remote specs (`host:path`, `user@host:path`, `host::module`, `rsync://…`) keep their
//!   string; a remote source sets flag `remote_source`, a remote destination `remote_destination`
//!   (Kind stays Restore: nothing local is written then, but `--remove-source-files` and the like
//!   still act on local sources — policies must look at the flag).
//! - Trailing slashes: one source → options["source_trailing_slash"] = `yes`/`no` (`src/` copies
//!   the contents of src, `src` copies src itself into the destination). Several sources → flag
//!   `multiple_sources` and options["source_trailing_slashes"] = `yes`/`no` per source, one a line.
//! - `-n`/`--dry-run` → flag `dry_run` (Kind unchanged); `--only-write-batch` also writes nothing
//!   to the destination → flag `dry_run`.
//! - `--read-batch=FILE` takes a single operand, the destination → Restore of it.
//! - Every flag option is recorded under its long name with underscores (`-H` → `hard_links`,
//!   `-x` → `one_file_system`, `-a` → `archive` plus what it implies: `recursive`, `links`,
//!   `perms`, `times`, `group`, `owner`, `devices`, `specials`). Options act in order, as in
//!   rsync: `-a --no-r` is not recursive, `--no-r -a` is (rsync(1): "the order of the options
//!   is important"). Every `--delete-*` variant and `--del` also set `delete`. Valued options
//!   are recorded in `options` under the long name with underscores (`-e` → `rsh`); `exclude`,
//!   `include`, `filter` accumulate one value a line.
//! - `-e CMD` / `--rsh=CMD` and `--rsync-path=PROG` with a remote operand set flag `runs_code`
//!   (kind and targets stay) with a note naming the option: rsync runs CMD to reach the other
//!   host (over `host:path`, and over `host::module` / `rsync://` too when `-e` is given) and
//!   PROG there, and safeop cannot see either. Without a remote operand rsync runs neither. The
//!   default remote shell (no `-e`) is not flagged; `RSYNC_RSH` in the environment is, over
//!   `host:path` ([`environment`]), and so is `RSYNC_CONNECT_PROG` over `host::module`.

use super::options::{keep, Getopt, POPT};
use super::{Arg, Kind, Operation, Scope};

/// rsync 3.x's options (`-D`, `-F`, `-P` are short only: `--D` is refused).
#[rustfmt::skip]
pub(super) const SPEC: Getopt = Getopt {
    short_flag: "DFP",
    long_arg: &[
        "info", "debug", "stderr", "backup-dir", "suffix", "chmod", "block-size", "rsh",
        "rsync-path", "max-delete", "max-size", "min-size", "max-alloc", "partial-dir", "usermap",
        "groupmap", "chown", "timeout", "contimeout", "modify-window", "temp-dir", "compare-dest",
        "copy-dest", "link-dest", "checksum-choice", "cc", "compress-choice", "zc",
        "compress-level", "zl", "compress-threads", "zt", "skip-compress", "filter", "exclude",
        "exclude-from", "include", "include-from", "files-from", "copy-as", "address", "port",
        "sockopts", "outbuf", "remote-option", "out-format", "log-format", "log-file",
        "log-file-format", "password-file", "early-input", "bwlimit", "stop-after", "time-limit",
        "stop-at", "write-batch", "only-write-batch", "read-batch", "protocol", "iconv",
        "checksum-seed", "confine-root",
    ],
    long_flag: &[
        "verbose", "quiet", "motd", "msgs2stderr", "checksum", "archive", "recursive",
        "inc-recursive", "i-r", "relative", "implied-dirs", "i-d", "backup", "update", "inplace",
        "append", "append-verify", "dirs", "old-dirs", "old-d", "mkpath", "links", "copy-links",
        "copy-unsafe-links", "safe-links", "insecure-links", "munge-links", "copy-dirlinks",
        "keep-dirlinks", "hard-links", "perms", "executability", "acls", "xattrs", "owner", "group",
        "devices", "copy-devices", "write-devices", "specials", "drop-D", "times", "atimes",
        "open-noatime", "crtimes", "omit-dir-times", "omit-link-times", "super", "fake-super",
        "sparse", "preallocate", "dry-run", "whole-file", "one-file-system", "existing",
        "ignore-non-existing", "ignore-existing", "remove-source-files", "del", "delete",
        "delete-before", "delete-during", "delete-delay", "delete-after", "delete-excluded",
        "ignore-missing-args", "delete-missing-args", "ignore-errors", "force", "partial",
        "delay-updates", "prune-empty-dirs", "numeric-ids", "ignore-times", "size-only", "fuzzy",
        "compress", "cvs-exclude", "from0", "old-args", "secluded-args", "protect-args",
        "trust-sender", "blocking-io", "stats", "8-bit-output", "human-readable", "progress",
        "itemize-changes", "list-only", "fsync", "ipv4", "ipv6", "version", "help",
    ],
    pairs: &[
        ('e', "rsh"), ('B', "block-size"), ('f', "filter"), ('M', "remote-option"),
        ('T', "temp-dir"), ('@', "modify-window"), ('v', "verbose"), ('q', "quiet"),
        ('c', "checksum"), ('a', "archive"), ('r', "recursive"), ('R', "relative"), ('b', "backup"),
        ('u', "update"), ('d', "dirs"), ('l', "links"), ('L', "copy-links"), ('k', "copy-dirlinks"),
        ('K', "keep-dirlinks"), ('H', "hard-links"), ('p', "perms"), ('E', "executability"),
        ('A', "acls"), ('X', "xattrs"), ('o', "owner"), ('g', "group"), ('t', "times"),
        ('U', "atimes"), ('N', "crtimes"), ('O', "omit-dir-times"), ('J', "omit-link-times"),
        ('S', "sparse"), ('n', "dry-run"), ('W', "whole-file"), ('x', "one-file-system"),
        ('z', "compress"), ('C', "cvs-exclude"), ('0', "from0"), ('s', "secluded-args"),
        ('8', "8-bit-output"), ('h', "human-readable"), ('i', "itemize-changes"),
        ('I', "ignore-times"), ('y', "fuzzy"), ('m', "prune-empty-dirs"), ('V', "version"),
        ('4', "ipv4"), ('6', "ipv6"),
    ],
    // rsync 3.x's own `no-` entries (each checked against rsync 3.5: `--no-delete`, `--no-e`,
    // `--no-rsh`, `--no-rsync-path`, `--no-P`, `--no-F` are refused).
    negatable: &[
        "8-bit-output", "acls", "append", "atimes", "backup", "blocking-io", "bwlimit", "checksum",
        "compress", "contimeout", "crtimes", "delay-updates", "devices", "dirs", "drop-D", "force",
        "from0", "fuzzy", "group", "hard-links", "human-readable", "i-d", "i-r", "iconv",
        "ignore-errors", "implied-dirs", "inc-recursive", "inplace", "insecure-links",
        "itemize-changes", "links", "mkpath", "motd", "msgs2stderr", "munge-links", "numeric-ids",
        "old-args", "omit-dir-times", "omit-link-times", "one-file-system", "open-noatime", "owner",
        "partial", "perms", "progress", "protect-args", "prune-empty-dirs", "recursive", "relative",
        "secluded-args", "sparse", "specials", "super", "timeout", "times", "verbose", "whole-file",
        "write-devices", "xattrs", "8", "A", "D", "H", "J", "N", "O", "R", "S", "U", "W", "X", "c",
        "d", "g", "h", "i", "l", "m", "o", "p", "r", "s", "t", "v", "x", "y", "z",
    ],
    repeated: &[
        "exclude", "include", "filter", "remote-option", "info", "debug",
    ],
    ..POPT
};

/// What `-a` turns on.
const ARCHIVE_IMPLIES: &[&str] = &[
    "recursive",
    "links",
    "perms",
    "times",
    "group",
    "owner",
    "devices",
    "specials",
];

/// Is this a remote spec (`host:path`, `user@host:path`, `host::module`, `rsync://…`)? As in
/// rsync: a colon before the first slash, with something before it.
fn is_remote(spec: &str) -> bool {
    if spec.starts_with("rsync://") {
        return true;
    }
    match spec.find(':') {
        Some(0) | None => false,
        Some(colon) => !spec[..colon].contains('/'),
    }
}

/// A remote spec reached over a remote shell (`host:path`), not a daemon (`host::module`,
/// `rsync://`).
fn over_remote_shell(spec: &str) -> bool {
    is_remote(spec) && !spec.starts_with("rsync://") && !spec.contains("::")
}

/// The flags an option (by its long name, or `D`, `P`, `F`) stands for.
fn flags_of(long: &str) -> Vec<String> {
    let names: &[&str] = match long {
        "D" => &["devices", "specials"],
        "P" => &["partial", "progress"],
        "F" => &[],
        "archive" => &["archive"],
        "i-r" => &["inc_recursive"],
        "i-d" => &["implied_dirs"],
        "old-d" => &["old_dirs"],
        "ignore-non-existing" => &["existing"],
        "protect-args" => &["secluded_args"],
        "del" => &["delete", "delete_during"],
        _ if long.starts_with("delete") && long != "delete-missing-args" => {
            return vec!["delete".into(), long.replace('-', "_")];
        }
        _ => return vec![long.replace('-', "_")],
    };
    names.iter().map(|n| n.to_string()).collect()
}

/// The long name a value option is recorded under (`--zc` is `--compress-choice`).
fn value_name(long: &str) -> &str {
    match long {
        "cc" => "checksum-choice",
        "zc" => "compress-choice",
        "zl" => "compress-level",
        "zt" => "compress-threads",
        "log-format" => "out-format",
        "time-limit" => "stop-after",
        other => other,
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String], env: &Scope) {
    match read(op, args) {
        Ok(()) => environment(op, env),
        Err(e) => {
            op.flags.clear();
            op.options.clear();
            op.targets.clear();
            op.sources.clear();
            op.opaque(format!("rsync: {e}"));
        }
    }
}

fn read(op: &mut Operation, args: &[String]) -> Result<(), String> {
    let mut operands: Vec<String> = Vec::new();
    // `rsync -h` alone is help; with anything else it is --human-readable.
    let mut help = args.len() == 1 && args[0] == "-h";
    for a in SPEC.parse(args)? {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v),
        };
        if let Some(v) = value {
            keep(&[SPEC], op, value_name(&name), Some(&v));
            continue;
        }
        if let Some(base) = name.strip_prefix("no-") {
            // `--no-bwlimit`, `--no-timeout`, `--no-iconv`: the value goes too.
            op.options.remove(&base.replace('-', "_"));
            for f in flags_of(base) {
                op.flags.remove(&f);
            }
            continue;
        }
        match name.as_str() {
            "help" | "version" => help = true,
            "archive" => {
                for f in ["archive"].iter().chain(ARCHIVE_IMPLIES) {
                    op.flag(f);
                }
            }
            _ => {
                for f in flags_of(&name) {
                    op.flag(&f);
                }
            }
        }
    }
    if help {
        op.flags.clear();
        op.options.clear();
        op.kind = Kind::Read;
        return Ok(());
    }
    if op.options.contains_key("only_write_batch") {
        op.flag("dry_run");
    }
    if op.options.contains_key("read_batch") {
        // `rsync --read-batch=FILE DEST`: the batch is the source.
        let [dest] = operands.as_slice() else {
            return Err("--read-batch takes exactly one destination operand".into());
        };
        if is_remote(dest) {
            op.flag("remote_destination");
        }
        op.targets = vec![dest.clone()];
        op.kind = Kind::Restore;
        remote_programs(op);
        return Ok(());
    }
    let Some(dest) = operands.pop() else {
        return Err("no source or destination given (usage)".into());
    };
    if operands.is_empty() || op.has("list_only") {
        // One operand: rsync lists it. `--list-only` lists every operand.
        op.flag("list_only");
        operands.push(dest);
        if operands.iter().any(|s| is_remote(s)) {
            op.flag("remote_source");
        }
        op.sources = operands;
        op.kind = Kind::Read;
        remote_programs(op);
        return Ok(());
    }
    let remote_src = operands.iter().any(|s| is_remote(s));
    let remote_dst = is_remote(&dest);
    if remote_src && remote_dst {
        return Err("The source and destination cannot both be remote.".into());
    }
    if remote_src {
        op.flag("remote_source");
    }
    if remote_dst {
        op.flag("remote_destination");
    }
    let slash = |s: &String| if s.ends_with('/') { "yes" } else { "no" };
    if operands.len() == 1 {
        op.opt("source_trailing_slash", slash(&operands[0]));
    } else {
        op.flag("multiple_sources");
        let each: Vec<&str> = operands.iter().map(slash).collect();
        op.opt("source_trailing_slashes", &each.join("\n"));
    }
    op.sources = operands;
    op.targets = vec![dest];
    op.kind = Kind::Restore;
    remote_programs(op);
    Ok(())
}

/// `-e CMD` and `--rsync-path=PROG` on a transfer with a remote side: programs safeop cannot see.
fn remote_programs(op: &mut Operation) {
    if !op.has("remote_source") && !op.has("remote_destination") {
        return;
    }
    if let Some(rsh) = op.option("rsh").map(str::to_string) {
        op.runs_code(format!(
            "`--rsh` (`-e`) runs `{rsh}` to reach the other host"
        ));
    }
    if let Some(path) = op.option("rsync_path").map(str::to_string) {
        op.runs_code(format!("`--rsync-path` runs `{path}` on the other host"));
    }
}

/// What rsync takes from its environment: `RSYNC_RSH` is the remote shell of a `host:path`
/// transfer when no `-e` is given, `RSYNC_CONNECT_PROG` the program that reaches a daemon
/// (`host::module`, `rsync://`) — each a program safeop cannot see.
fn environment(op: &mut Operation, env: &Scope) {
    if op.option("rsh").is_some() {
        return;
    }
    let specs = || op.sources.iter().chain(&op.targets);
    let shell = specs().any(|s| over_remote_shell(s));
    let daemon = specs().any(|s| is_remote(s) && !over_remote_shell(s));
    if let Some(rsh) = env.get("RSYNC_RSH") {
        if shell {
            let why = format!("`RSYNC_RSH` runs `{rsh}` to reach the other host");
            op.runs_code(why);
        }
    }
    if let Some(prog) = env.get("RSYNC_CONNECT_PROG") {
        if daemon {
            let why = format!("`RSYNC_CONNECT_PROG` runs `{prog}` to reach the rsync daemon");
            op.runs_code(why);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn archive_with_delete() {
        for line in [
            "rsync -avH --delete src/ dst/",
            "rsync -a -v -H --delete src/ dst/",
            "rsync --archive --verbose --hard-links --delete src/ dst/",
            "rsync src/ dst/ -avH --delete",
            "rsync -aHv src/ --delete dst/",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}: {:?}", op.note);
            assert_eq!(op.sources, vec!["src/"], "{line}");
            assert_eq!(op.targets, vec!["dst/"], "{line}");
            for f in [
                "archive",
                "recursive",
                "hard_links",
                "delete",
                "links",
                "perms",
            ] {
                assert!(op.has(f), "{line}: {f}");
            }
            assert_eq!(op.option("source_trailing_slash"), Some("yes"));
        }
    }

    #[test]
    fn trailing_slash_and_multiple_sources() {
        let op = parse_str("rsync -a src dst");
        assert_eq!(op.option("source_trailing_slash"), Some("no"));
        let op = parse_str("rsync -a a/ b c/ /dst");
        assert!(op.has("multiple_sources"));
        assert_eq!(op.sources, vec!["a/", "b", "c/"]);
        assert_eq!(op.targets, vec!["/dst"]);
        assert_eq!(op.option("source_trailing_slashes"), Some("yes\nno\nyes"));
    }

    #[test]
    fn delete_variants() {
        for (line, f) in [
            ("rsync -a --del s/ d", "delete_during"),
            ("rsync -a --delete-before s/ d", "delete_before"),
            ("rsync -a --delete-during s/ d", "delete_during"),
            ("rsync -a --delete-after s/ d", "delete_after"),
            ("rsync -a --delete-delay s/ d", "delete_delay"),
            ("rsync -a --delete-excluded s/ d", "delete_excluded"),
        ] {
            let op = parse_str(line);
            assert!(op.has("delete") && op.has(f), "{line}");
        }
        assert!(!parse_str("rsync -a --delete --no-delete s/ d").has("delete"));
        assert!(!parse_str("rsync -a s/ d").has("delete"));
        assert!(parse_str("rsync -a --remove-source-files s/ d").has("remove_source_files"));
    }

    /// Issue 10's table: every delete spelling into `/` or a system directory carries `delete`
    /// (what `sync-deletes-below-system-dir` matches), the destination as the target.
    #[test]
    fn every_delete_spelling_into_a_system_dir_sets_delete() {
        for spelling in [
            "--delete",
            "--del",
            "--delete-before",
            "--delete-during",
            "--delete-after",
            "--delete-delay",
            "--delete-excluded",
        ] {
            for dest in ["/", "/etc/", "/usr"] {
                let line = format!("rsync -a {spelling} empty/ {dest}");
                let op = parse_str(&line);
                assert_eq!(op.kind, Kind::Restore, "{line}");
                assert!(op.has("delete"), "{line}");
                assert_eq!(op.targets, vec![dest], "{line}");
                assert!(!op.has("dry_run"), "{line}");
            }
        }
        assert!(!parse_str("rsync -a --delete-missing-args s/ d").has("delete"));
        let op = parse_str("rsync -a --remove-source-files /etc/ d/");
        assert!(op.has("remove_source_files") && !op.has("delete"));
        assert_eq!(op.sources, vec!["/etc/"]);
    }

    #[test]
    fn dry_run_keeps_kind() {
        for line in [
            "rsync -n -a s/ d",
            "rsync -an s/ d",
            "rsync --dry-run -a s/ d",
            "rsync -a --only-write-batch=f s/ d",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}");
            assert!(op.has("dry_run"), "{line}");
        }
    }

    #[test]
    fn remote_shell_and_remote_program_run_code() {
        for (line, says) in [
            (
                "rsync -a -e 'ssh -i k' src/ host:dst/",
                "`--rsh` (`-e`) runs `ssh -i k`",
            ),
            (
                "rsync -ae ssh src/ host:dst/",
                "runs `ssh` to reach the other host",
            ),
            ("rsync -ave ssh src/ host:dst/", "runs `ssh`"),
            ("rsync -avessh src/ host:dst/", "runs `ssh`"),
            ("rsync -a -essh host:src/ dst/", "runs `ssh`"),
            ("rsync --rsh=ssh -a host:src/ dst/", "runs `ssh`"),
            (
                "rsync --rsh 'ssh -p 22' -a host:src/ dst/",
                "runs `ssh -p 22`",
            ),
            ("rsync -a src/ user@host:dst/ -e ssh", "runs `ssh`"),
            ("rsync -e ssh -a src/ host::module/", "runs `ssh`"),
            ("rsync -e ssh host:src/", "runs `ssh`"),
            ("rsync -e ssh --read-batch=b host:dst/", "runs `ssh`"),
            (
                "rsync -a --rsync-path='sudo rsync' src/ host:dst/",
                "`--rsync-path` runs `sudo rsync` on the other host",
            ),
            (
                "rsync -a --rsync-path sudo host:src/ dst/",
                "`--rsync-path` runs `sudo`",
            ),
        ] {
            let op = parse_str(line);
            assert!(op.has("runs_code"), "{line}: {op:?}");
            let note = op.note.as_deref().unwrap_or("");
            assert!(note.contains(says), "{line}: {note}");
            assert_ne!(op.kind, Kind::Opaque, "{line}");
        }
        // The targets stay for the rules about restores.
        let op = parse_str("rsync -a -e ssh --delete host:src/ /srv/www/");
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["/srv/www/"]);
        assert!(op.has("delete") && op.has("remote_source"));
        let op = parse_str("rsync -a -e ssh --rsync-path=x src/ h:d/");
        let note = op.note.unwrap_or_default();
        assert!(note.contains("runs `ssh`") && note.contains("runs `x` on the other host"));
    }

    #[test]
    fn local_transfers_run_no_remote_shell() {
        for line in [
            "rsync -a -e ssh src/ dst/",
            "rsync -a --rsync-path=x src/ /dst/",
            "rsync -a src/ host:dst/",
            "rsync -a -e ssh --no-e src/ host:dst/",
            "rsync -a --rsh=ssh --no-rsh src/ host:dst/",
            "rsync -a --rsync-path=x --no-rsync-path src/ host:dst/",
            "rsync -a ./a:b/ dst/",
            "rsync -a -- -e ssh",
        ] {
            let op = parse_str(line);
            assert!(!op.has("runs_code"), "{line}: {:?}", op.note);
        }
        // rsync does not abbreviate long names: `--rs` is an error, as rsync says.
        assert_eq!(parse_str("rsync --rs=ssh a/ h:b/").kind, Kind::Opaque);
    }

    #[test]
    fn negations_act_in_order() {
        // rsync(1): "if you specify --no-r -a, the -r option would end up being turned on, the
        // opposite of -a --no-r" (checked with rsync 3.5).
        let op = parse_str("rsync --no-r -a s/ d");
        assert!(op.has("recursive"));
        let op = parse_str("rsync -a --no-r s/ d");
        assert!(!op.has("recursive"));
        let op = parse_str("rsync -a --no-recursive s/ d");
        assert!(!op.has("recursive"));
        let op = parse_str("rsync -a --no-D --no-o s/ d");
        assert!(!op.has("devices") && !op.has("specials") && !op.has("owner"));
        assert!(op.has("perms"));
        let op = parse_str("rsync -a --no-perms --no-t --no-h --no-bwlimit --bwlimit=1m s/ d");
        assert!(!op.has("perms") && !op.has("times"));
        assert_eq!(op.option("bwlimit"), Some("1m"));
        let op = parse_str("rsync -a --bwlimit=1m --no-bwlimit s/ d");
        assert_eq!(op.option("bwlimit"), None);
        // rsync has no `--no-` for these (rsync 3.5: "unknown option").
        for line in [
            "rsync -a --delete --no-delete s/ d",
            "rsync -a --no-P s/ d",
            "rsync -a --no-F s/ d",
            "rsync -a --no-e s/ h:d",
            "rsync -a --no-a s/ d",
            "rsync -a --D s/ d",
            "rsync -a --W s/ d",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    /// Spellings rsync (popt) reads that the old loop read otherwise.
    #[test]
    fn popt_spellings() {
        // `-e=CMD` is CMD (rsync 3.5 runs `echoX` for `-e=echoX`).
        let op = parse_str("rsync -a -e=ssh s/ h:d/");
        assert_eq!(op.option("rsh"), Some("ssh"));
        assert!(op.note.unwrap_or_default().contains("runs `ssh`"));
        let op = parse_str("rsync -a -B=1024 s/ d");
        assert_eq!(op.option("block_size"), Some("1024"));
        for line in [
            "rsync -a --motd --no-motd s/ d",
            "rsync -a --i-d --no-i-d -R s/ d",
            "rsync -a --msgs2stderr s/ d",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Restore, "{line}");
        }
        assert!(!parse_str("rsync -a --motd --no-motd s/ d").has("motd"));
    }

    #[test]
    fn remote_shell_from_the_environment_runs_code() {
        use crate::command::parse_in;
        for (line, says) in [
            (
                "env RSYNC_RSH='ssh -i k' rsync -a s/ h:d/",
                "`RSYNC_RSH` runs `ssh -i k`",
            ),
            ("sudo RSYNC_RSH=x rsync -a h:s/ d/", "`RSYNC_RSH` runs `x`"),
            ("env RSYNC_RSH=x rsync h:s/", "`RSYNC_RSH` runs `x`"),
            (
                "env RSYNC_CONNECT_PROG='ssh h nc %H 873' rsync -a h::mod/ d/",
                "`RSYNC_CONNECT_PROG` runs `ssh h nc %H 873` to reach the rsync daemon",
            ),
        ] {
            let op = parse_str(line);
            assert!(op.has("runs_code"), "{line}: {op:?}");
            assert!(op.note.unwrap_or_default().contains(says), "{line}");
        }
        for line in [
            // Local, a daemon (RSYNC_RSH is not used there), or `-e` given (it wins).
            "env RSYNC_RSH=x rsync -a s/ d/",
            "env RSYNC_RSH=x rsync -a h::mod/ d/",
            "env RSYNC_RSH=x rsync -a rsync://h/mod/ d/",
            "env RSYNC_CONNECT_PROG=x rsync -a h:s/ d/",
            "env RSYNC_RSH=x rsync --help",
        ] {
            assert!(!parse_str(line).has("runs_code"), "{line}");
        }
        let note = parse_str("env RSYNC_RSH=x rsync -e y s/ h:d/")
            .note
            .unwrap_or_default();
        assert!(
            note.contains("runs `y`") && !note.contains("runs `x`"),
            "{note}"
        );
        let argv = shell_words::split("rsync -a s/ h:d/").expect("splits");
        let rsh = vec![("RSYNC_RSH".to_string(), "ssh -i k".to_string())];
        assert!(parse_in(&argv, &rsh).has("runs_code"));
    }

    #[test]
    fn remote_specs() {
        let op = parse_str("rsync -a host:/etc/ /backup/");
        assert!(op.has("remote_source"));
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["/backup/"]);
        let op = parse_str("rsync -a /srv/ user@host:/backup/");
        assert!(op.has("remote_destination"));
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["user@host:/backup/"]);
        assert!(parse_str("rsync -a host::mod/x /d").has("remote_source"));
        assert!(parse_str("rsync -a rsync://host/mod/ /d").has("remote_source"));
        assert!(parse_str("rsync -a s/ rsync://host/mod/").has("remote_destination"));
        // A colon after a slash is a local file name.
        let op = parse_str("rsync -a ./a:b /d");
        assert!(!op.has("remote_source"));
        assert_eq!(parse_str("rsync a:x b:y").kind, Kind::Opaque);
    }

    #[test]
    fn valued_options() {
        let op = parse_str(
            "rsync -a -e 'ssh -p 22' --exclude=*.o --exclude '*.tmp' --include=keep -f '- x' --partial-dir=.p -T /tmp --link-dest=../prev --bwlimit 1m --chown=a:b -B 1024 -M --x s/ d",
        );
        assert_eq!(op.kind, Kind::Restore, "{:?}", op.note);
        assert_eq!(op.option("rsh"), Some("ssh -p 22"));
        assert_eq!(op.option("exclude"), Some("*.o\n*.tmp"));
        assert_eq!(op.option("include"), Some("keep"));
        assert_eq!(op.option("filter"), Some("- x"));
        assert_eq!(op.option("partial_dir"), Some(".p"));
        assert_eq!(op.option("temp_dir"), Some("/tmp"));
        assert_eq!(op.option("link_dest"), Some("../prev"));
        assert_eq!(op.option("bwlimit"), Some("1m"));
        assert_eq!(op.option("chown"), Some("a:b"));
        assert_eq!(op.option("block_size"), Some("1024"));
        assert_eq!(op.option("remote_option"), Some("--x"));
        assert_eq!(op.sources, vec!["s/"]);
        let op = parse_str("rsync -avessh --rsh=rsh s/ d");
        assert_eq!(op.option("rsh"), Some("rsh"));
        let op = parse_str("rsync -aessh s/ d");
        assert_eq!(op.option("rsh"), Some("ssh"));
    }

    #[test]
    fn flag_spellings() {
        let op =
            parse_str("rsync -rxHSuP --inplace --backup --existing --ignore-existing --mkpath s d");
        for f in [
            "recursive",
            "one_file_system",
            "hard_links",
            "sparse",
            "update",
            "partial",
            "progress",
            "inplace",
            "backup",
            "existing",
            "ignore_existing",
            "mkpath",
        ] {
            assert!(op.has(f), "{f}");
        }
        assert!(!op.has("archive"));
    }

    #[test]
    fn listing_is_read() {
        for line in [
            "rsync /srv/",
            "rsync -a host:/srv/",
            "rsync --list-only s/ d",
            "rsync --list-only -r s/",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty());
            assert!(op.has("list_only"));
        }
    }

    #[test]
    fn read_batch() {
        let op = parse_str("rsync --read-batch=b.bin -a /dst/");
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["/dst/"]);
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "rsync",
            "rsync --dele s d",
            "rsync --dry-r s d",
            "rsync -Q s d",
            "rsync --no-bogus s d",
            "rsync s d -e",
            "rsync --delete=x s d",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("rsync: "),
                "{line}"
            );
        }
    }

    #[test]
    fn help_version_and_double_dash() {
        assert_eq!(parse_str("rsync --help").kind, Kind::Read);
        assert_eq!(parse_str("rsync -h").kind, Kind::Read);
        assert_eq!(parse_str("rsync -V").kind, Kind::Read);
        assert_eq!(parse_str("rsync --version").kind, Kind::Read);
        // -h with other arguments is --human-readable.
        assert_eq!(parse_str("rsync -ah s/ d").kind, Kind::Restore);
        let op = parse_str("rsync -av s d/ -- -x");
        assert_eq!(op.targets, vec!["-x"]);
        assert_eq!(op.sources, vec!["s", "d/"]);
    }

    /// Trailing-slash reading checked against rsync itself: with `src/` the files land directly in
    /// the destination, with `src` under `dst/src`.
    #[test]
    fn agrees_with_rsync() {
        use std::process::Command;
        if Command::new("rsync").arg("--version").output().is_err() {
            eprintln!("SKIP agrees_with_rsync: rsync not installed");
            return;
        }
        let base = std::env::temp_dir().join(format!("safeop-rsync-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("src")).expect("mkdir");
        std::fs::create_dir_all(base.join("dst")).expect("mkdir");
        std::fs::write(base.join("src/f"), "x").expect("write");
        for line in [
            "rsync -an --out-format=%n src/ dst",
            "rsync -an --out-format=%n src dst",
        ] {
            let op = parse_str(line);
            let argv = shell_words::split(line).expect("split");
            let out = Command::new(&argv[0])
                .args(&argv[1..])
                .current_dir(&base)
                .output()
                .expect("rsync");
            assert!(out.status.success(), "{line}");
            let names = String::from_utf8_lossy(&out.stdout).to_string();
            let contents_only = names.lines().any(|l| l == "f");
            assert_eq!(
                contents_only,
                op.options.get("source_trailing_slash").map(String::as_str) == Some("yes"),
                "{line}: {names}"
            );
            assert!(op.has("dry_run"));
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
