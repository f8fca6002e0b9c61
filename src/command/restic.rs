//! `restic` argv → Operation (restic 0.14–0.18: cobra/pflag rules — global flags before or after
//! the command, the command's own only after it (restic refuses `restic -n forget`), `--name
//! value` / `--name=value`, `-t DIR` / `-tDIR` / `-t=DIR`, bundled bool short flags,
//! `--dry-run=false`, no abbreviations, `--` ends flags).
//!
//! - `restore SNAPSHOT[:SUBFOLDER] --target DIR` → [`Kind::Restore`], target = DIR, source = the
//!   repository (when named), options `repo`, `snapshot` (as written), `subfolder`, `include` /
//!   `exclude` (and the case-insensitive `iinclude` / `iexclude`, each one a line), `host`,
//!   `path`, `tag`, `overwrite`; flags `delete`, `dry_run`, `verify`, `sparse`. Without
//!   `--target` restic refuses → opaque.
//! - `forget`, `prune` and `rewrite --forget` → [`Kind::DestroyBackup`] with the repository as
//!   target and flag `repository` (no target when the repository comes from the environment or
//!   `--repository-file`, or is reached through a backend other than `local:`); options
//!   `snapshots` (one a line) and `destroys` (what goes, in words, for the rule's message);
//!   `forget --prune` → flag `prune`. `rewrite` makes new snapshots without the excluded files;
//!   with `--forget` it removes the originals (restic-rewrite(1)), without it they stay →
//!   [`Kind::Read`]. `-n`/`--dry-run` only reads → [`Kind::Read`], flag `dry_run`, the
//!   repository a source.
//! - Everything else (`init`, `backup`, `snapshots`, `ls`, `stats`, `check`, `cat`, `find`,
//!   `diff`, `dump`, `mount`, `copy`, `tag`, `key` (`key remove` drops a key, never data; restic
//!   refuses to drop the one in use), `unlock`, …) → [`Kind::Read`]: it writes only into the
//!   repository, never over live data (`backup` included; options["subcommand"] says which).
//!   Their own flags are not checked.
//! - Programs restic runs that the command line does not show set flag `runs_code`
//!   ([`programs`]): `-o sftp.command=CMD`, `-o sftp.args=ARGS` (added to the ssh restic
//!   starts) and `-o rclone.program=PROG` (unless the repository is known to use another
//!   backend), `--password-command CMD` (or `RESTIC_PASSWORD_COMMAND`).
//!
//! The repository comes from `-r`/`--repo` or `--repository-file FILE` (then options
//! ["repository_file"]); `RESTIC_REPOSITORY` is not read here (pure): `repo` is left unset and
//! the facts layer consults `op.env` and the process environment.

use super::options::{keep, read, split_command, Getopt, Unknown, PFLAG};
use super::{Arg, Kind, Operation, Scope};

/// Global flags: before the command or after it.
#[rustfmt::skip]
pub(super) const GLOBAL: Getopt = Getopt {
    long_arg: &[
        "repo", "repository-file", "password-file", "password-command", "cache-dir", "option",
        "limit-upload", "limit-download", "cacert", "tls-client-cert", "key-hint", "pack-size",
        "compression", "retry-lock", "stuck-request-timeout", "http-user-agent",
    ],
    // `-v` counts (`-vv`); `--verbose=2` sets the level.
    long_opt: &["verbose"],
    long_flag: &[
        "no-cache",
        "quiet",
        "json",
        "insecure-tls",
        "no-lock",
        "cleanup-cache",
        "no-extra-verify",
        "insecure-no-password",
        "help",
        // restic 0.14 refuses `--version` ("unknown flag"): it runs nothing either way, so it
        // is read like `--help`.
        "version",
    ],
    pairs: &[
        ('r', "repo"), ('p', "password-file"), ('o', "option"), ('q', "quiet"), ('v', "verbose"),
        ('h', "help"),
    ],
    repeated: &["option"],
    ..PFLAG
};

/// The snapshot filter restic's commands share (`--host` is `-H` where `-H` is free).
const FILTER: &[&str] = &["host", "tag", "path"];

#[rustfmt::skip]
pub(super) const RESTORE: Getopt = Getopt {
    long_arg: &[
        "target", "include", "exclude", "iinclude", "iexclude", "include-file", "exclude-file",
        "iinclude-file", "iexclude-file", "host", "path", "tag", "overwrite", "exclude-xattr",
        "include-xattr",
    ],
    long_flag: &["verify", "delete", "dry-run", "sparse"],
    pairs: &[
        ('t', "target"), ('i', "include"), ('e', "exclude"), ('H', "host"),
    ],
    repeated: &[
        "include", "exclude", "iinclude", "iexclude", "host", "path", "tag",
    ],
    ..PFLAG
};

#[rustfmt::skip]
pub(super) const FORGET: Getopt = Getopt {
    long_arg: &[
        "keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly",
        "keep-within", "keep-within-hourly", "keep-within-daily", "keep-within-weekly",
        "keep-within-monthly", "keep-within-yearly", "keep-tag", "host", "tag", "path", "group-by",
        "max-unused", "max-repack-size",
    ],
    long_flag: &[
        "unsafe-allow-remove-all", "compact", "dry-run", "prune", "repack-cacheable-only",
        "repack-small", "repack-uncompressed",
    ],
    pairs: &[
        ('l', "keep-last"), ('H', "keep-hourly"), ('d', "keep-daily"), ('w', "keep-weekly"),
        ('m', "keep-monthly"), ('y', "keep-yearly"), ('g', "group-by"), ('c', "compact"),
        ('n', "dry-run"),
    ],
    repeated: FILTER,
    ..PFLAG
};

#[rustfmt::skip]
pub(super) const PRUNE: Getopt = Getopt {
    long_arg: &[
        "max-unused",
        "max-repack-size",
        "unsafe-recover-no-free-space",
    ],
    long_flag: &[
        "dry-run", "repack-cacheable-only", "repack-small", "repack-uncompressed",
    ],
    pairs: &[('n', "dry-run")],
    ..PFLAG
};

/// restic 0.15–0.18 `rewrite`.
#[rustfmt::skip]
pub(super) const REWRITE: Getopt = Getopt {
    long_arg: &[
        "exclude", "exclude-file", "iexclude", "iexclude-file", "include", "include-file",
        "iinclude", "iinclude-file", "host", "tag", "path", "new-host", "new-time",
    ],
    long_flag: &["forget", "dry-run", "snapshot-summary"],
    pairs: &[
        ('e', "exclude"), ('i', "include"), ('H', "host"), ('n', "dry-run"),
        ('s', "snapshot-summary"),
    ],
    repeated: &[
        "exclude", "iexclude", "include", "iinclude", "host", "tag", "path",
    ],
    ..PFLAG
};

pub(crate) fn parse(op: &mut Operation, args: &[String], env: &Scope) {
    match read_line(op, args) {
        Ok(()) => programs(op, env),
        Err(e) => {
            op.targets.clear();
            op.sources.clear();
            op.opaque(format!("restic: {e}"));
        }
    }
}

fn read_line(op: &mut Operation, args: &[String]) -> Result<(), String> {
    let (before, command) = split_command(&[GLOBAL], args)?;
    let mut operands = Vec::new();
    let mut help = false;
    let mut record = |op: &mut Operation, tables: &[Getopt], a: Arg| match a {
        Arg::Operand(o) => operands.push(o),
        Arg::Opt(n, _) if n == "help" || n == "version" => help = true,
        // `-v` counts, `--verbose=N` sets a level: neither matters here.
        Arg::Opt(n, _) if n == "verbose" => {}
        Arg::Opt(n, v) => keep(tables, op, &n, v.as_deref()),
    };
    for a in before {
        record(op, &[GLOBAL], a);
    }
    let command = command.map(|(c, rest)| (c, rest.to_vec()));
    if let Some((command, rest)) = &command {
        let tables = match command.as_str() {
            "restore" => vec![GLOBAL, RESTORE],
            "forget" => vec![GLOBAL, FORGET],
            "prune" => vec![GLOBAL, PRUNE],
            "rewrite" => vec![GLOBAL, REWRITE],
            // Flags not modelled: passed over (the command only reads).
            _ => vec![Getopt {
                unknown: Unknown::Skip,
                ..GLOBAL
            }],
        };
        for a in read(&tables, rest)? {
            record(op, &tables, a);
        }
    }
    let command = command.map(|(c, _)| c).unwrap_or_default();
    if help || command.is_empty() || command == "help" || command == "version" {
        op.flags.clear();
        op.options.clear();
        op.kind = Kind::Read;
        return Ok(());
    }
    op.opt("subcommand", &command);
    let repo = op.options.get("repo").cloned();
    match command.as_str() {
        "restore" => {
            let snapshot = match operands.as_slice() {
                [s] => s.clone(),
                [] => return Err("no snapshot ID specified".into()),
                _ => return Err("more than one snapshot ID specified".into()),
            };
            let Some(target) = op.options.remove("target") else {
                return Err("please specify a directory to restore to (--target)".into());
            };
            if let Some((_, sub)) = snapshot.split_once(':') {
                op.opt("subfolder", sub);
            }
            op.opt("snapshot", &snapshot);
            op.sources.extend(repo);
            op.targets.push(target);
            op.kind = Kind::Restore;
        }
        "forget" | "prune" => destroys_in(op, &command, &operands, repo),
        "rewrite" if op.has("forget") => destroys_in(op, &command, &operands, repo),
        _ => {
            op.sources.extend(repo);
            if command == "backup" {
                op.sources.extend(operands);
            }
            op.kind = Kind::Read;
        }
    }
    Ok(())
}

/// The common ending of the commands that destroy snapshots in `repo`.
fn destroys_in(op: &mut Operation, command: &str, snapshots: &[String], repo: Option<String>) {
    if !snapshots.is_empty() {
        op.opt("snapshots", &snapshots.join("\n"));
    }
    op.flag("repository");
    op.targets.extend(repo.as_deref().and_then(local_path));
    let what = destroys(op, command, snapshots, repo.as_deref());
    op.opt("destroys", &what);
    op.kind = Kind::DestroyBackup;
    if op.has("dry_run") {
        op.dry_run();
    }
}

/// Programs restic runs that the command line does not show: the sftp and rclone backends'
/// commands from `-o` (for a repository that uses that backend, or whose place is unknown) and
/// the password command.
fn programs(op: &mut Operation, env: &Scope) {
    if op.option("subcommand").is_none() {
        return;
    }
    let repo = op
        .option("repo")
        .map(str::to_string)
        .or_else(|| env.get("RESTIC_REPOSITORY").map(str::to_string));
    let uses = |backend: &str| {
        repo.as_deref()
            .is_none_or(|r| r.split_once(':').is_some_and(|(b, _)| b == backend))
    };
    let options: Vec<(String, String)> = op
        .option("option")
        .unwrap_or_default()
        .lines()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.to_string()))
        .collect();
    for (key, value) in options {
        let why = match key.as_str() {
            "sftp.command" if uses("sftp") => "to reach the repository",
            "sftp.args" if uses("sftp") => "added to the ssh that reaches the repository",
            "rclone.program" if uses("rclone") => "to reach the repository",
            _ => continue,
        };
        let runs = if key == "sftp.args" { "passes" } else { "runs" };
        op.runs_code(format!("`-o {key}` {runs} `{value}` {why}"));
    }
    let password = match op.option("password_command") {
        Some(cmd) => Some(("`--password-command`", cmd.to_string())),
        None => env
            .get("RESTIC_PASSWORD_COMMAND")
            .map(|c| ("`RESTIC_PASSWORD_COMMAND`", c.to_string())),
    };
    if let Some((what, cmd)) = password {
        op.runs_code(format!("{what} runs `{cmd}` to get the password"));
    }
}

/// The local path of a repository (`/srv/restic`, `local:/srv/restic`); `None` for one
/// reached through another backend (`sftp:`, `rest:`, `s3:`, `b2:`, `azure:`, `gs:`,
/// `swift:`, `rclone:`), which is no path on this machine the facts could look at.
fn local_path(repo: &str) -> Option<String> {
    if let Some(p) = repo.strip_prefix("local:") {
        return Some(p.to_string());
    }
    const BACKENDS: &[&str] = &["sftp", "rest", "s3", "b2", "azure", "gs", "swift", "rclone"];
    match repo.split_once(':') {
        Some((scheme, _)) if BACKENDS.contains(&scheme) => None,
        _ => Some(repo.to_string()),
    }
}

/// What a forget/prune/rewrite destroys, in words (options["destroys"], the rule's message).
fn destroys(op: &Operation, command: &str, snapshots: &[String], repo: Option<&str>) -> String {
    let repo = match (repo, op.option("repository_file")) {
        (Some(r), _) => format!("restic repository `{r}`"),
        (None, Some(f)) => format!("the restic repository named in `{f}`"),
        (None, None) => "the restic repository RESTIC_REPOSITORY names".to_string(),
    };
    if command == "prune" {
        return format!("prunes from {repo} the data no snapshot refers to any more, for good");
    }
    let named = |snapshots: &[String]| {
        let noun = if snapshots.len() == 1 {
            "snapshot"
        } else {
            "snapshots"
        };
        format!("{noun} {}", snapshots.join(", "))
    };
    if command == "rewrite" {
        let filter: Vec<String> = ["host", "tag", "path"]
            .iter()
            .filter_map(|k| {
                op.option(k)
                    .map(|v| format!("--{k} {}", v.replace('\n', ",")))
            })
            .collect();
        let which = match (snapshots, filter.as_slice()) {
            ([_, ..], _) => named(snapshots),
            ([], []) => "every snapshot".to_string(),
            ([], f) => format!("the snapshots {} selects", f.join(" ")),
        };
        return format!(
            "rewrites {which} in {repo} and forgets the originals (their data goes at the next prune)"
        );
    }
    let which = if snapshots.is_empty() {
        let keep: Vec<String> = op
            .options
            .iter()
            .filter(|(k, _)| k.starts_with("keep_"))
            .map(|(k, v)| format!("--{} {}", k.replace('_', "-"), v.replace('\n', ",")))
            .collect();
        if keep.is_empty() {
            "the snapshots no keep rule keeps".to_string()
        } else {
            format!(
                "every snapshot the keep rules ({}) do not keep",
                keep.join(", ")
            )
        }
    } else {
        named(snapshots)
    };
    if op.has("prune") {
        format!("forgets {which} in {repo} and prunes their data")
    } else {
        format!("forgets {which} in {repo} (their data goes at the next prune)")
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn restore_spellings() {
        for line in [
            "restic -r /srv/repo restore latest --target /srv",
            "restic --repo /srv/repo restore latest --target=/srv",
            "restic --repo=/srv/repo restore latest -t /srv",
            "restic restore latest -r /srv/repo -t/srv",
            "restic restore -t /srv latest -r /srv/repo",
            "restic -r /srv/repo -q --no-cache restore latest --target /srv --verify",
            "restic -r/srv/repo restore latest -t=/srv",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/srv"], "{line}");
            assert_eq!(op.option("repo"), Some("/srv/repo"), "{line}");
            assert_eq!(op.option("snapshot"), Some("latest"), "{line}");
            assert_eq!(op.sources, vec!["/srv/repo"], "{line}");
        }
    }

    #[test]
    fn restore_options() {
        let op = parse_str(
            "restic -r s3:host/bucket -o s3.region=x --password-file /root/pw restore 4bba301e:/home/ann --target /restore --include /home/ann/mail --include '/home/ann/*.txt' -e '*.tmp' --iexclude '*.BAK' --host db1 --path /home --tag nightly --delete --dry-run --overwrite=if-changed",
        );
        assert_eq!(op.kind, Kind::Restore, "{:?}", op.note);
        assert_eq!(op.option("snapshot"), Some("4bba301e:/home/ann"));
        assert_eq!(op.option("subfolder"), Some("/home/ann"));
        assert_eq!(
            op.option("include"),
            Some("/home/ann/mail\n/home/ann/*.txt")
        );
        assert_eq!(op.option("exclude"), Some("*.tmp"));
        assert_eq!(op.option("iexclude"), Some("*.BAK"));
        assert_eq!(op.option("host"), Some("db1"));
        assert_eq!(op.option("overwrite"), Some("if-changed"));
        assert!(op.has("delete") && op.has("dry_run"));
        assert_eq!(op.option("repo"), Some("s3:host/bucket"));
    }

    /// restic >= 0.17: `restore --delete` deletes what the snapshot does not have below the target.
    #[test]
    fn restore_delete_into_root() {
        for line in [
            "restic restore latest --target / --delete",
            "restic -r /srv/repo restore --delete latest -t /",
            "restic restore latest --delete --target=/",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/"], "{line}");
            assert!(op.has("delete") && !op.has("dry_run"), "{line}");
        }
        assert!(!parse_str("restic restore latest --target /").has("delete"));
    }

    #[test]
    fn restore_without_target_or_repo() {
        let op = parse_str("restic restore latest");
        assert_eq!(op.kind, Kind::Opaque);
        assert_eq!(
            op.note.as_deref(),
            Some("restic: please specify a directory to restore to (--target)")
        );
        // The repository may come from RESTIC_REPOSITORY: left unset here.
        let op = parse_str("restic restore latest --target /srv");
        assert_eq!(op.kind, Kind::Restore);
        assert!(op.sources.is_empty());
        assert!(!op.options.contains_key("repo"));
        let op = parse_str("env RESTIC_REPOSITORY=/r restic restore latest --target /srv");
        assert_eq!(
            op.env.get("RESTIC_REPOSITORY").map(String::as_str),
            Some("/r")
        );
        assert_eq!(parse_str("restic restore --target /srv").kind, Kind::Opaque);
        assert_eq!(
            parse_str("restic restore a b --target /srv").kind,
            Kind::Opaque
        );
        assert_eq!(
            parse_str("restic restore latest --target /srv --bogus").kind,
            Kind::Opaque
        );
        assert_eq!(
            parse_str("restic restore latest --target").kind,
            Kind::Opaque
        );
    }

    #[test]
    fn forget_and_prune_destroy_backups() {
        for line in [
            "restic -r /srv/repo forget --keep-daily 7 --prune",
            "restic forget -r /srv/repo -d 7 -w 4 --prune",
            "restic -r /srv/repo prune",
            "restic -r /srv/repo forget 4bba301e",
            "restic --repo /srv/repo forget 4bba301e",
            "restic --repo=/srv/repo forget --keep-last=1",
            "restic -r/srv/repo forget -l 1",
            "restic forget --prune --keep-last 1 --repo /srv/repo",
            "restic -r /srv/repo forget -- 4bba301e",
            "restic -r local:/srv/repo prune --max-unused 5%",
            "sudo -u backup restic -r /srv/repo prune",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/srv/repo"], "{line}");
            assert!(op.has("repository"), "{line}");
            assert!(op.option("destroys").is_some(), "{line}");
        }
        assert!(parse_str("restic -r /r forget --keep-last 3 --prune").has("prune"));
        assert_eq!(
            parse_str("restic -r /r forget --keep-last 3")
                .option("keep_last")
                .map(str::to_string)
                .as_deref(),
            Some("3")
        );
        assert_eq!(
            parse_str("restic -r /r forget --prune --keep-last 1").option("destroys"),
            Some("forgets every snapshot the keep rules (--keep-last 1) do not keep in restic repository `/r` and prunes their data")
        );
        assert_eq!(
            parse_str("restic -r /r forget a1 b2").option("destroys"),
            Some("forgets snapshots a1, b2 in restic repository `/r` (their data goes at the next prune)")
        );
        assert_eq!(
            parse_str("restic -r /r forget -- a1").option("snapshots"),
            Some("a1")
        );
        assert!(parse_str("restic -r /r prune")
            .option("destroys")
            .is_some_and(|d| d.starts_with("prunes from restic repository `/r`")));
    }

    /// restic-rewrite(1): "If the --forget option is used, the original snapshots will instead
    /// be directly removed from the repository"; without it they stay (tagged `rewrite`).
    #[test]
    fn rewrite_forget_destroys_the_originals() {
        for (line, what) in [
            (
                "restic -r /srv/repo rewrite --forget --exclude x latest",
                "rewrites snapshot latest in restic repository `/srv/repo` and forgets the originals",
            ),
            ("restic rewrite -r /srv/repo --forget -e '*.iso' a1 b2", "snapshots a1, b2"),
            ("restic -r /srv/repo rewrite --forget --iexclude '*.ISO'", "every snapshot"),
            (
                "restic -r /srv/repo rewrite --forget --host db1 --tag nightly -e x",
                "the snapshots --host db1 --tag nightly selects",
            ),
            ("restic -r /srv/repo rewrite -e x --forget=true", "every snapshot"),
            ("restic -r local:/srv/repo rewrite --forget --new-host h", "every snapshot"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/srv/repo"], "{line}");
            assert!(op.has("repository") && op.has("forget"), "{line}");
            let d = op.option("destroys").unwrap_or_default();
            assert!(d.contains(what), "{line}: {d}");
        }
        // Keeping the originals, or a dry run, only reads.
        for line in [
            "restic -r /srv/repo rewrite --exclude x latest",
            "restic -r /srv/repo rewrite --forget=false -e x",
            "restic -r /srv/repo rewrite --forget -n -e x",
            "restic -r /srv/repo rewrite --forget --dry-run -e x",
            "restic -r /srv/repo rewrite -n --forget -e x",
            "restic -r /srv/repo rewrite --help",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        // Remote or unnamed repositories: no target, still destroys.
        let op = parse_str("restic -r sftp:nas:/r rewrite --forget -e x");
        assert_eq!(op.kind, Kind::DestroyBackup);
        assert!(op.targets.is_empty());
        assert_eq!(
            parse_str("restic rewrite --forget -e x").kind,
            Kind::DestroyBackup
        );
        // restic refuses what rewrite does not have.
        assert_eq!(
            parse_str("restic -r /r rewrite --forget --bogus").kind,
            Kind::Opaque
        );
    }

    /// Options and environment that make restic run a program: flag `runs_code`.
    #[test]
    fn backend_and_password_commands_run_code() {
        use crate::command::parse_in;
        for (line, says) in [
            (
                "restic -r sftp:nas:/r -o sftp.command='ssh -i k nas -s sftp' snapshots",
                "`-o sftp.command` runs `ssh -i k nas -s sftp` to reach the repository",
            ),
            (
                "restic --option=sftp.command=x -r sftp:nas:/r forget a1",
                "`-o sftp.command` runs `x`",
            ),
            (
                "restic -o SFTP.Command=x snapshots",
                "`-o sftp.command` runs `x`",
            ),
            (
                "restic -r sftp:nas:/r -o sftp.args='-oProxyCommand=x' prune",
                "`-o sftp.args` passes `-oProxyCommand=x`",
            ),
            (
                "restic -r rclone:remote:r -o rclone.program=/opt/rc restore latest --target /srv",
                "`-o rclone.program` runs `/opt/rc`",
            ),
            (
                "restic -o s3.region=x -r rclone:r -o rclone.program=rc snapshots",
                "runs `rc`",
            ),
            (
                "restic -r /r --password-command 'pass show restic' snapshots",
                "`--password-command` runs `pass show restic` to get the password",
            ),
            (
                "env RESTIC_PASSWORD_COMMAND=pw restic -r /r snapshots",
                "`RESTIC_PASSWORD_COMMAND` runs `pw`",
            ),
            (
                "env RESTIC_REPOSITORY=sftp:h:/r restic -o sftp.command=x snapshots",
                "runs `x`",
            ),
        ] {
            let op = parse_str(line);
            assert!(op.has("runs_code"), "{line}: {op:?}");
            assert!(
                op.note.as_deref().unwrap_or("").contains(says),
                "{line}: {:?}",
                op.note
            );
        }
        let op = parse_str("restic -r sftp:nas:/r -o sftp.command=x forget --prune --keep-last 1");
        assert_eq!(op.kind, Kind::DestroyBackup, "the reading stays");
        // Another backend does not run the sftp or rclone command.
        for line in [
            "restic -r /r -o sftp.command=x snapshots",
            "restic -r s3:h/b -o rclone.program=x snapshots",
            "env RESTIC_REPOSITORY=/r restic -o sftp.command=x snapshots",
            "restic -r sftp:h:/r -o sftp.connections=2 snapshots",
            "restic --password-command x --help",
        ] {
            assert!(!parse_str(line).has("runs_code"), "{line}");
        }
        let argv = |l: &str| shell_words::split(l).expect("splits");
        let pw = vec![("RESTIC_PASSWORD_COMMAND".to_string(), "pw".to_string())];
        assert!(parse_in(&argv("restic -r /r snapshots"), &pw).has("runs_code"));
        assert!(!parse_in(&argv("env -i restic -r /r snapshots"), &pw).has("runs_code"));
        let repo = vec![("RESTIC_REPOSITORY".to_string(), "/r".to_string())];
        let op = parse_in(&argv("restic -o sftp.command=x snapshots"), &repo);
        assert!(
            !op.has("runs_code"),
            "RESTIC_REPOSITORY says the backend is local"
        );
    }

    /// Spellings restic (pflag, cobra) accepts or refuses that the old loop read otherwise.
    #[test]
    fn pflag_spellings() {
        // `--dry-run=false` is no dry run; `-n=false` neither.
        for line in [
            "restic -r /srv/repo forget --dry-run=false 4bba301e",
            "restic -r /srv/repo forget -n=false 4bba301e",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}: {:?}", op.note);
            assert!(!op.has("dry_run"), "{line}");
        }
        // A command's own flags before the command: restic 0.14 says "unknown shorthand flag:
        // 'n' in -n" (cobra takes the next word for the flag's value).
        for line in [
            "restic -r /srv/repo -n forget --keep-last 1",
            "restic --dry-run -r /srv/repo forget",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        // `-vv` counts, `--verbose=2` sets the level.
        for line in [
            "restic -vv -r /srv/repo forget a1",
            "restic --verbose=2 -r /srv/repo forget a1",
            "restic -v=2 -r /srv/repo forget a1",
        ] {
            assert_eq!(parse_str(line).kind, Kind::DestroyBackup, "{line}");
        }
        // Several `-o`, one a line; prune refuses forget's keep rules.
        let op = parse_str("restic -o a=1 --option b=2 -r /r snapshots");
        assert_eq!(op.option("option"), Some("a=1\nb=2"));
        assert_eq!(
            parse_str("restic -r /r prune --keep-last 1").kind,
            Kind::Opaque
        );
        assert_eq!(
            parse_str("restic -r /r prune --max-repack-size 1G").kind,
            Kind::DestroyBackup
        );
    }

    #[test]
    fn repository_not_a_local_path() {
        for (line, names) in [
            (
                "restic forget --prune --keep-last 1",
                "RESTIC_REPOSITORY names",
            ),
            (
                "env RESTIC_REPOSITORY=/r restic forget --keep-last 1",
                "RESTIC_REPOSITORY names",
            ),
            (
                "restic --repository-file /etc/restic/repo prune",
                "named in `/etc/restic/repo`",
            ),
            (
                "restic -r sftp:nas:/srv/restic prune",
                "`sftp:nas:/srv/restic`",
            ),
            (
                "restic -r s3:s3.amazonaws.com/b forget x",
                "`s3:s3.amazonaws.com/b`",
            ),
            (
                "restic -r rest:http://h:8000/ prune",
                "`rest:http://h:8000/`",
            ),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert!(
                op.option("destroys").is_some_and(|d| d.contains(names)),
                "{line}: {:?}",
                op.option("destroys")
            );
        }
    }

    #[test]
    fn dry_runs_help_and_keys_only_read() {
        for line in [
            "restic -r /srv/repo forget --dry-run --keep-last 1",
            "restic -r /srv/repo forget -n --keep-last 1 --prune",
            "restic -r /srv/repo forget --dry-run 4bba301e",
            "restic -r /srv/repo prune --dry-run",
            "restic -r /srv/repo prune -n",
            "restic forget -nr /srv/repo --keep-last 1",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/srv/repo"], "{line}");
        }
        for line in [
            "restic forget --help",
            "restic -r /srv/repo prune -h",
            "restic help forget",
            // Removes a key, never data (restic refuses to remove the key in use).
            "restic -r /srv/repo key remove 4bba301e",
            "restic -r /srv/repo key list",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn everything_else_reads() {
        for (line, cmd) in [
            ("restic -r /srv/repo snapshots", "snapshots"),
            (
                "restic -r /srv/repo backup /home --exclude-caches -e '*.tmp'",
                "backup",
            ),
            ("restic init --repo /srv/repo", "init"),
            ("restic -r /srv/repo ls latest", "ls"),
            (
                "restic -r /srv/repo stats --mode restore-size latest --json",
                "stats",
            ),
            ("restic -r /srv/repo check --read-data", "check"),
            ("restic -r /srv/repo mount /mnt/restic", "mount"),
            ("restic -r /srv/repo dump latest /etc/passwd", "dump"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert_eq!(op.option("subcommand"), Some(cmd), "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
        for line in [
            "restic",
            "restic --help",
            "restic version",
            "restic restore --help",
            "restic help restore",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
    }

    /// restic's own reading of a restore: a scratch repository, a snapshot, and a restore whose
    /// files must land under the target this parser names.
    #[test]
    fn agrees_with_restic() {
        use std::process::Command;
        if Command::new("restic").arg("version").output().is_err() {
            eprintln!("SKIP agrees_with_restic: restic not installed");
            return;
        }
        let base = std::env::temp_dir().join(format!("safeop-restic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("data")).expect("mkdir");
        std::fs::write(base.join("data/f"), "x").expect("write");
        std::fs::write(base.join("pw"), "pw").expect("write");
        let run = |line: &str| {
            let argv = shell_words::split(line).expect("split");
            Command::new(&argv[0])
                .args(&argv[1..])
                .current_dir(&base)
                .env("RESTIC_PASSWORD_FILE", base.join("pw"))
                .env("RESTIC_CACHE_DIR", base.join("cache"))
                .env_remove("RESTIC_REPOSITORY")
                .output()
                .expect("restic")
        };
        assert!(run("restic -q -r repo init").status.success());
        assert!(run("restic -q -r repo backup data").status.success());
        let line = "restic restore -q latest -r repo --target out";
        let out = run(line);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let op = parse_str(line);
        assert_eq!(op.targets, vec!["out"]);
        // restic keeps a relative backup path relative: `data/f` lands in `out/data/f`.
        let landed = base.join("out/data/f");
        assert!(landed.is_file(), "{}", landed.display());
        let _ = std::fs::remove_dir_all(&base);
    }
}
