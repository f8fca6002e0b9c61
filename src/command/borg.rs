//! `borg` argv → Operation (borg 1.2 argparse rules, borg 2 `-r/--repo` spelling accepted).
//!
//! Common options go before the command or after it, the command's own only after it (borg
//! refuses `borg --dry-run delete …`); `--name value`, `--name=value`, `-e PAT`, `-ePAT`,
//! `-e=PAT`, bundled short flags (`-nv`), unique prefixes of long names (`--dry-ru`, as
//! argparse allows), `--` ends options; a value may not look like an option (`-e -x` is
//! refused, as argparse does).
//! - `extract REPO::ARCHIVE [PATH…]` (or `borg -r REPO extract ARCHIVE`) → [`Kind::Restore`]:
//!   borg extracts into the current directory, so the target is `.` (a wrapper's `cwd` applies);
//!   source = `REPO::ARCHIVE`; options `repo` (absent when it comes from BORG_REPO: `::ARCHIVE`),
//!   `archive`, `paths` / `exclude` / `pattern` (one a line), `strip_components`. `--stdout`
//!   (flag `stdout`) and `-n`/`--dry-run` (flag `dry_run`) write nothing → [`Kind::Read`].
//! - `delete`, `prune`, `compact`, and `recreate` without `--target` → [`Kind::DestroyBackup`],
//!   flag `repository`, target = the repository when it is a path here (not `ssh://…`,
//!   `host:path`, nor BORG_REPO's: options["repo"] names it all the same); options `archive`
//!   (one a line) and `destroys` (what goes, in words, for the rule's message). `delete REPO`
//!   without an archive (and without `-a`/`-P`/`--first`/`--last`) deletes the whole repository
//!   → flag `whole_repository`. `recreate [REPO::ARCHIVE | REPO] [PATH…]` rewrites the archive
//!   (or every archive, or those `-a` matches) in place: the original goes when the new one is
//!   done (borg recreate --help); with `--target NAME` a new archive is made and the original
//!   kept → [`Kind::Read`], options["target"]. `-n`/`--dry-run` (delete, prune, recreate) only
//!   reads → [`Kind::Read`], flag `dry_run`, the repository a source.
//! - Every other command → [`Kind::Read`] (`create` writes only into the repository).
//!   options["subcommand"] names it; their own options are not checked.
//! - Programs borg runs that safeop cannot see set flag `runs_code` ([`programs`]):
//!   `--rsh CMD` (or `BORG_RSH`) and `--remote-path PROG` (or `BORG_REMOTE_PATH`) for a
//!   repository that is not a path here (or whose place is not known), `BORG_PASSCOMMAND`
//!   always.
//!
//! Unknown options on extract/delete/prune/compact/recreate make the line opaque, as borg
//! refuses them ("unrecognized arguments").

use super::options::{keep, read, split_command, Getopt, Unknown, ARGPARSE};
use super::{Arg, Kind, Operation, Scope};

/// What only the top-level parser has.
const TOP: Getopt = Getopt {
    pairs: &[('V', "version")],
    ..ARGPARSE
};

/// borg's common options, before the command or after it.
#[rustfmt::skip]
pub(super) const COMMON: Getopt = Getopt {
    long_arg: &[
        "debug-topic", "lock-wait", "umask", "remote-path", "remote-ratelimit", "upload-ratelimit",
        "remote-buffer", "upload-buffer", "debug-profile", "rsh", "repo",
    ],
    long_flag: &[
        "help", "critical", "error", "warning", "info", "verbose", "debug", "progress", "iec",
        "log-json", "bypass-lock", "show-version", "show-rc", "consider-part-files", "version",
    ],
    pairs: &[
        ('h', "help"), ('v', "verbose"), ('p', "progress"), ('r', "repo"),
    ],
    repeated: &["debug-topic"],
    ..ARGPARSE
};

/// The own options of the commands this parser reads (borg 1.2 `COMMAND --help`).
pub(super) fn command_spec(cmd: &str) -> Option<Getopt<'static>> {
    Some(match cmd {
        "extract" => EXTRACT,
        "delete" => DELETE,
        "prune" => PRUNE,
        "compact" => COMPACT,
        "recreate" => RECREATE,
        _ => return None,
    })
}

/// The values that select archives or files, kept one a line.
const SELECT: &[&str] = &["exclude", "pattern", "glob-archives", "match-archives"];

#[rustfmt::skip]
const EXTRACT: Getopt = Getopt {
    long_arg: &[
        "exclude", "exclude-from", "pattern", "patterns-from", "strip-components",
    ],
    long_flag: &[
        "list", "dry-run", "numeric-owner", "numeric-ids", "nobsdflags", "noflags", "noacls",
        "noxattrs", "stdout", "sparse", "continue",
    ],
    pairs: &[('e', "exclude"), ('n', "dry-run")],
    repeated: SELECT,
    ..ARGPARSE
};

#[rustfmt::skip]
const DELETE: Getopt = Getopt {
    long_arg: &[
        "glob-archives", "prefix", "match-archives", "sort-by", "first", "last",
        "checkpoint-interval",
    ],
    long_flag: &[
        "dry-run", "list", "stats", "cache-only", "force", "keep-security-info", "save-space",
        "consider-checkpoints",
    ],
    pairs: &[
        ('a', "glob-archives"), ('P', "prefix"), ('n', "dry-run"), ('s', "stats"),
        ('c', "checkpoint-interval"),
    ],
    repeated: SELECT,
    ..ARGPARSE
};

#[rustfmt::skip]
const PRUNE: Getopt = Getopt {
    long_arg: &[
        "keep-within", "keep-last", "keep-secondly", "keep-minutely", "keep-hourly", "keep-daily",
        "keep-weekly", "keep-monthly", "keep-yearly", "prefix", "glob-archives", "match-archives",
        "checkpoint-interval",
    ],
    long_flag: &[
        "dry-run", "force", "stats", "list", "list-pruned", "list-kept", "save-space",
    ],
    pairs: &[
        ('H', "keep-hourly"), ('d', "keep-daily"), ('w', "keep-weekly"), ('m', "keep-monthly"),
        ('y', "keep-yearly"), ('P', "prefix"), ('a', "glob-archives"), ('n', "dry-run"),
        ('s', "stats"), ('c', "checkpoint-interval"),
    ],
    repeated: SELECT,
    ..ARGPARSE
};

const COMPACT: Getopt = Getopt {
    long_arg: &["threshold"],
    long_flag: &["cleanup-commits"],
    ..ARGPARSE
};

#[rustfmt::skip]
const RECREATE: Getopt = Getopt {
    long_arg: &[
        "exclude", "exclude-from", "pattern", "patterns-from", "exclude-if-present", "target",
        "checkpoint-interval", "comment", "timestamp", "compression", "chunker-params",
        "glob-archives", "match-archives", "filter",
    ],
    // `--recompress [MODE]`: argparse takes the next word as MODE when it is no option.
    long_opt: &["recompress"],
    long_flag: &[
        "list", "dry-run", "stats", "exclude-caches", "keep-exclude-tags",
    ],
    pairs: &[
        ('e', "exclude"), ('c', "checkpoint-interval"), ('C', "compression"),
        ('a', "glob-archives"), ('n', "dry-run"), ('s', "stats"),
    ],
    repeated: SELECT,
    ..ARGPARSE
};

pub(crate) fn parse(op: &mut Operation, args: &[String], env: &Scope) {
    match read_line(op, args) {
        Ok(Some(repo)) => programs(op, env, repo),
        Ok(None) => {}
        Err(e) => {
            op.targets.clear();
            op.sources.clear();
            op.opaque(format!("borg: {e}"));
        }
    }
}

/// Reads the line into `op`; for a command that reaches a repository, says which one as far as
/// the line tells (`Some(None)`: from BORG_REPO, or not known).
fn read_line(op: &mut Operation, args: &[String]) -> Result<Option<Option<String>>, String> {
    let (before, command) = split_command(&[TOP, COMMON], args)?;
    let mut positionals = Vec::new();
    let mut record = |op: &mut Operation, tables: &[Getopt], a: Arg| match a {
        Arg::Operand(p) => positionals.push(p),
        Arg::Opt(n, v) => keep(tables, op, &n, v.as_deref()),
    };
    for a in before {
        record(op, &[COMMON], a);
    }
    let Some((command, rest)) = command else {
        // `borg`, `borg --help`, `borg -V`: only prints.
        op.prints_only();
        return Ok(None);
    };
    if command == "help" {
        op.prints_only();
        return Ok(None);
    }
    let tables = match command_spec(&command) {
        Some(own) => vec![COMMON, own],
        // Options not modelled: passed over (the command only reads).
        None => vec![Getopt {
            unknown: Unknown::Skip,
            ..COMMON
        }],
    };
    for a in read(&tables, rest)? {
        record(op, &tables, a);
    }
    if op.has("help") || op.has("version") {
        op.prints_only();
        return Ok(None);
    }
    op.opt("subcommand", &command);
    match command.as_str() {
        "extract" => extract(op, &positionals)?,
        "delete" | "prune" | "compact" => destroy(op, &command, &positionals),
        "recreate" => recreate(op, &positionals)?,
        _ => {
            op.kind = Kind::Read;
            // Their options are not modelled, so a positional may be an option's value; a
            // `REPO::ARCHIVE` or a remote-looking one is the repository all the same.
            let spec = positionals
                .iter()
                .find(|p| p.contains("::") || is_remote(p));
            let repo = match spec {
                Some(p) => p.split_once("::").map_or(p.as_str(), |(r, _)| r),
                None => "",
            };
            let repo = op.option("repo").or((!repo.is_empty()).then_some(repo));
            return Ok(Some(repo.map(str::to_string)));
        }
    }
    Ok(Some(op.option("repo").map(str::to_string)))
}

/// `REPO::ARCHIVE` (or `ARCHIVE` after `-r REPO`, or `REPO` alone) → (repository, archive).
fn split_spec(op: &Operation, spec: &str) -> (Option<String>, Option<String>) {
    let repo_opt = op.option("repo").map(str::to_string);
    match spec.split_once("::") {
        Some((r, a)) => (
            (!r.is_empty()).then(|| r.to_string()),
            (!a.is_empty()).then(|| a.to_string()),
        ),
        None if repo_opt.is_some() => (repo_opt, Some(spec.to_string())),
        None => (Some(spec.to_string()), None),
    }
}

fn extract(op: &mut Operation, positionals: &[String]) -> Result<(), String> {
    let Some((spec, paths)) = positionals.split_first() else {
        return Err("the following arguments are required: ARCHIVE".into());
    };
    let (repo, archive) = split_spec(op, spec);
    let repo = repo.or(op.option("repo").map(str::to_string));
    let Some(archive) = archive else {
        return Err(format!(
            "{spec}: an archive name is required (REPO::ARCHIVE)"
        ));
    };
    if let Some(r) = &repo {
        op.opt("repo", r);
    }
    op.opt("archive", &archive);
    if !paths.is_empty() {
        op.opt("paths", &paths.join("\n"));
    }
    op.sources.push(if spec.contains("::") {
        spec.clone()
    } else {
        format!("{}::{archive}", repo.unwrap_or_default())
    });
    if op.has("stdout") || op.has("dry_run") {
        op.kind = Kind::Read;
    } else {
        op.targets.push(".".to_string());
        op.kind = Kind::Restore;
    }
    Ok(())
}

fn destroy(op: &mut Operation, command: &str, positionals: &[String]) {
    let mut archives = Vec::new();
    let mut repo = op.option("repo").map(str::to_string);
    let mut named_repo_alone = false;
    if let Some((first, rest)) = positionals.split_first() {
        if first.contains("::") || repo.is_none() {
            let (r, a) = split_spec(op, first);
            repo = r.or(repo);
            match a {
                Some(a) => archives.push(a),
                None => named_repo_alone = true,
            }
            archives.extend(rest.iter().cloned());
        } else {
            archives.extend(positionals.iter().cloned());
        }
    }
    let selects = ["glob_archives", "prefix", "match_archives", "first", "last"]
        .iter()
        .any(|k| op.options.contains_key(*k));
    if command == "delete" && named_repo_alone && archives.is_empty() && !selects {
        op.flag("whole_repository");
    }
    destroys_in(op, command, &archives, repo);
}

/// `recreate [REPO::ARCHIVE | REPO] [PATH…]` (borg 2: `-r REPO recreate [PATH…]`).
fn recreate(op: &mut Operation, positionals: &[String]) -> Result<(), String> {
    const MODES: &[&str] = &["never", "if-different", "always"];
    if let Some(mode) = op.option("recompress").filter(|m| !MODES.contains(m)) {
        return Err(format!(
            "argument --recompress: invalid choice: '{mode}' (choose from 'never', 'if-different', 'always')"
        ));
    }
    let mut repo = op.option("repo").map(str::to_string);
    let mut archives = Vec::new();
    let mut paths = positionals;
    if let Some((first, rest)) = positionals.split_first() {
        if first.contains("::") || repo.is_none() {
            let (r, a) = split_spec(op, first);
            repo = r.or(repo);
            archives.extend(a);
            paths = rest;
        }
    }
    if !paths.is_empty() {
        op.opt("paths", &paths.join("\n"));
    }
    if op.option("target").is_some() {
        // A new archive under the target name; the original stays.
        if let Some(r) = &repo {
            op.opt("repo", r);
        }
        op.sources.extend(repo);
        op.kind = Kind::Read;
        return Ok(());
    }
    destroys_in(op, "recreate", &archives, repo);
    Ok(())
}

/// The common ending of the commands that destroy backups in `repo`.
fn destroys_in(op: &mut Operation, command: &str, archives: &[String], repo: Option<String>) {
    if let Some(r) = &repo {
        op.opt("repo", r);
        if !is_remote(r) {
            op.targets.push(r.clone());
        }
    }
    if !archives.is_empty() {
        op.opt("archive", &archives.join("\n"));
    }
    op.flag("repository");
    let what = destroys(op, command, archives, repo.as_deref());
    op.opt("destroys", &what);
    op.kind = Kind::DestroyBackup;
    if op.has("dry_run") {
        op.dry_run();
    }
}

/// A repository borg reaches over the network (`ssh://…`, `user@host:path`, `host:path`): not a
/// path on this machine, so not a target the facts could look at.
fn is_remote(repo: &str) -> bool {
    if repo.contains("://") {
        return !repo.starts_with("file://");
    }
    match repo.split_once(':') {
        Some((host, _)) => !host.is_empty() && !host.contains('/'),
        None => false,
    }
}

/// Programs borg runs that the command line does not show: the remote shell and the remote
/// borg for a repository that is not a path here (or whose place is unknown: BORG_REPO's, when
/// the environment does not say), and the passphrase command.
fn programs(op: &mut Operation, env: &Scope, repo: Option<String>) {
    let repo = repo.or_else(|| env.get("BORG_REPO").map(str::to_string));
    if repo.as_deref().is_none_or(is_remote) {
        let rsh = match op.option("rsh") {
            Some(cmd) => Some(("`--rsh`", cmd.to_string())),
            None => env.get("BORG_RSH").map(|c| ("`BORG_RSH`", c.to_string())),
        };
        if let Some((what, cmd)) = rsh {
            op.runs_code(format!("{what} runs `{cmd}` to reach the repository"));
        }
        let remote = match op.option("remote_path") {
            Some(p) => Some(("`--remote-path`", p.to_string())),
            None => env
                .get("BORG_REMOTE_PATH")
                .map(|p| ("`BORG_REMOTE_PATH`", p.to_string())),
        };
        if let Some((what, prog)) = remote {
            op.runs_code(format!("{what} runs `{prog}` on the repository's host"));
        }
    }
    if let Some(cmd) = env.get("BORG_PASSCOMMAND") {
        op.runs_code(format!(
            "`BORG_PASSCOMMAND` runs `{cmd}` to get the passphrase"
        ));
    }
}

/// What a delete/prune/compact/recreate destroys, in words (options["destroys"], the rule's
/// message).
fn destroys(op: &Operation, command: &str, archives: &[String], repo: Option<&str>) -> String {
    let repo = match repo {
        Some(r) => format!("borg repository `{r}`"),
        None => "the borg repository BORG_REPO names".to_string(),
    };
    let selection = ["glob_archives", "match_archives", "prefix"]
        .iter()
        .find_map(|k| op.option(k).map(|v| (*k, v)));
    match command {
        "delete" if op.has("whole_repository") => format!("deletes the whole {repo}"),
        "delete" if !archives.is_empty() => {
            let noun = if archives.len() == 1 {
                "archive"
            } else {
                "archives"
            };
            format!("deletes {noun} {} from {repo}", archives.join(", "))
        }
        "delete" => match selection {
            Some((k, v)) => format!(
                "deletes the archives matching {} `{}` from {repo}",
                k.replace('_', "-"),
                v.replace('\n', "`, `")
            ),
            None => match (op.option("first"), op.option("last")) {
                (Some(n), _) => format!("deletes the first {n} archives from {repo}"),
                (_, Some(n)) => format!("deletes the last {n} archives from {repo}"),
                _ => format!("deletes archives from {repo}"),
            },
        },
        "prune" => {
            let keep: Vec<String> = op
                .options
                .iter()
                .filter(|(k, _)| k.starts_with("keep_"))
                .map(|(k, v)| format!("--{} {v}", k.replace('_', "-")))
                .collect();
            if keep.is_empty() {
                format!("deletes the archives no keep rule keeps from {repo}")
            } else {
                format!(
                    "deletes every archive the keep rules ({}) do not keep from {repo}",
                    keep.join(", ")
                )
            }
        }
        "recreate" => {
            let which = match (archives, selection) {
                ([a, ..], _) => format!("archive {a}"),
                ([], Some((k, v))) => format!(
                    "the archives matching {} `{}`",
                    k.replace('_', "-"),
                    v.replace('\n', "`, `")
                ),
                ([], None) => "every archive".to_string(),
            };
            format!("rewrites {which} of {repo} in place: the original goes (no `--target`)")
        }
        _ => format!("frees for good the space of the archives deleted or pruned from {repo}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn extract_spellings() {
        for line in [
            "borg extract /repo::arch etc/",
            "borg -v extract /repo::arch etc/",
            "borg extract -v --list /repo::arch etc/",
            "borg extract /repo::arch etc/ --list",
            "borg --lock-wait 5 extract /repo::arch etc/",
            "borg --lock-wa=5 extract --numeric-owner /repo::arch etc/",
            "borg -r /repo extract arch etc/",
            "borg --repo=/repo extract arch etc/",
            "borg extract --repo /repo arch etc/",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["."], "{line}");
            assert_eq!(op.sources, vec!["/repo::arch"], "{line}");
            assert_eq!(op.option("repo"), Some("/repo"), "{line}");
            assert_eq!(op.option("archive"), Some("arch"), "{line}");
            assert_eq!(op.option("paths"), Some("etc/"), "{line}");
        }
    }

    #[test]
    fn extract_options() {
        let op = parse_str(
            "borg extract --strip-components 2 -e '*.o' --exclude='*.tmp' --pattern '+ home' --sparse --noacls ssh://u@h/./repo::host-2024 home etc",
        );
        assert_eq!(op.kind, Kind::Restore, "{:?}", op.note);
        assert_eq!(op.option("strip_components"), Some("2"));
        assert_eq!(op.option("exclude"), Some("*.o\n*.tmp"));
        assert_eq!(op.option("pattern"), Some("+ home"));
        assert_eq!(op.option("repo"), Some("ssh://u@h/./repo"));
        assert_eq!(op.option("archive"), Some("host-2024"));
        assert_eq!(op.option("paths"), Some("home\netc"));
        assert!(op.has("sparse"));
        // Repository from BORG_REPO.
        let op = parse_str("borg extract ::arch");
        assert_eq!(op.kind, Kind::Restore);
        assert!(!op.options.contains_key("repo"));
        assert_eq!(op.sources, vec!["::arch"]);
        let op = parse_str("sudo env -C /srv borg extract /repo::a");
        assert_eq!(op.cwd.as_deref(), Some("/srv"));
        assert_eq!(op.targets, vec!["."]);
    }

    #[test]
    fn extract_that_writes_nothing() {
        for (line, f) in [
            ("borg extract --stdout /repo::a etc/passwd", "stdout"),
            ("borg extract -n /repo::a", "dry_run"),
            ("borg extract --dry-run --list /repo::a", "dry_run"),
            ("borg extract --dry-ru /repo::a", "dry_run"),
            ("borg extract -nv /repo::a", "dry_run"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has(f), "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn deleting_commands() {
        let op = parse_str("borg delete /repo::old");
        assert_eq!(op.kind, Kind::DestroyBackup);
        assert_eq!(op.targets, vec!["/repo"]);
        assert_eq!(op.option("archive"), Some("old"));
        assert!(op.has("repository") && !op.has("whole_repository"));
        assert_eq!(
            op.option("destroys"),
            Some("deletes archive old from borg repository `/repo`")
        );
        let op = parse_str("borg delete /repo");
        assert!(op.has("whole_repository"));
        assert_eq!(
            op.option("destroys"),
            Some("deletes the whole borg repository `/repo`")
        );
        let op = parse_str("borg delete -a 'web-*' /repo");
        assert!(!op.has("whole_repository"));
        assert_eq!(
            op.option("destroys"),
            Some(
                "deletes the archives matching glob-archives `web-*` from borg repository `/repo`"
            )
        );
        let op = parse_str("borg delete /repo::a1 a2 a3");
        assert_eq!(op.option("archive"), Some("a1\na2\na3"));
        assert_eq!(
            op.option("destroys"),
            Some("deletes archives a1, a2, a3 from borg repository `/repo`")
        );
        let op = parse_str("borg -r /repo delete a1");
        assert_eq!(op.targets, vec!["/repo"]);
        assert_eq!(op.option("archive"), Some("a1"));
        for line in [
            "borg delete /repo::old",
            "borg delete /repo",
            "borg delete --repo /repo old",
            "borg delete --repo=/repo old",
            "borg delete -r/repo old",
            "borg -v delete --stats /repo::old",
            "borg delete --force --force /repo",
            "borg delete --last 3 /repo",
            "borg delete -- /repo::old",
            "borg delete --list -- /repo::-odd",
            "borg prune --keep-daily 7 --keep-weekly 4 /repo",
            "borg prune -d 7 -w 4 -m 6 --list /repo",
            "borg prune -v --list --keep-within=10d /repo",
            "borg prune --keep-daily=7 -- /repo",
            "borg compact /repo",
            "borg compact --cleanup-commits /repo",
            "borg compact --threshold 5 /repo",
            "borg -r /repo prune -d 7",
            "borg -r /repo compact",
            "sudo borg delete /repo::old",
            "borg delete file:///repo::old",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}: {:?}", op.note);
            let want = if line.contains("file://") {
                "file:///repo"
            } else {
                "/repo"
            };
            assert_eq!(op.targets, vec![want], "{line}");
            assert_eq!(op.option("repo"), Some(want), "{line}");
            assert!(op.option("destroys").is_some(), "{line}");
        }
        assert_eq!(
            parse_str("borg delete --list -- /repo::-odd").option("archive"),
            Some("-odd")
        );
        assert_eq!(
            parse_str("borg prune -d 7 -w 4 /repo").option("destroys"),
            Some(
                "deletes every archive the keep rules (--keep-daily 7, --keep-weekly 4) do not keep from borg repository `/repo`"
            )
        );
        assert!(parse_str("borg compact /repo")
            .option("destroys")
            .is_some_and(|d| d.starts_with("frees for good")));
        // recreate rewrites archives in place: the originals go.
        let op = parse_str("borg recreate --exclude '*.iso' /repo::arch");
        assert_eq!(op.kind, Kind::DestroyBackup);
        assert_eq!(op.targets, vec!["/repo"]);
    }

    /// borg 1.2.4 `recreate --help`: "With --target the original archive is not replaced";
    /// without it the archive built at `<ARCHIVE>.recreate` replaces the original.
    #[test]
    fn recreate_destroys_the_originals_unless_targeted() {
        for (line, what) in [
            (
                "borg recreate --exclude '*.iso' /repo::arch",
                "rewrites archive arch of borg repository `/repo` in place",
            ),
            (
                "borg recreate /repo::arch home/ann",
                "rewrites archive arch of",
            ),
            ("borg recreate -e '*.o' /repo", "rewrites every archive of"),
            (
                "borg recreate -a 'web-*' --recompress always -C zstd /repo",
                "the archives matching glob-archives `web-*`",
            ),
            ("borg recreate /repo::a --recompress", "archive a"),
            ("borg recreate --recompress -- /repo::a", "archive a"),
            ("borg -r /repo recreate --exclude x home", "every archive"),
            ("borg recreate --filter AME --list /repo::a", "archive a"),
            (
                "borg --rsh ssh recreate --chunker-params default /repo",
                "every archive",
            ),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/repo"], "{line}");
            assert!(op.has("repository"), "{line}");
            let destroys = op.option("destroys").unwrap_or_default();
            assert!(destroys.contains(what), "{line}: {destroys}");
        }
        // The rest are paths, whether after REPO::ARCHIVE, REPO or `-r REPO`.
        let op = parse_str("borg recreate /repo::arch home/ann etc");
        assert_eq!(op.option("archive"), Some("arch"));
        assert_eq!(op.option("paths"), Some("home/ann\netc"));
        assert_eq!(
            parse_str("borg recreate /repo home").option("paths"),
            Some("home")
        );
        assert_eq!(
            parse_str("borg -r /repo recreate home").option("paths"),
            Some("home")
        );
        // A remote repository or BORG_REPO's: no target, still destroys.
        for line in ["borg recreate ssh://u@nas/./b::a", "borg recreate ::a"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
        // --target keeps the original; a dry run only reads.
        for line in [
            "borg recreate --target arch-slim -e '*.iso' /repo::arch",
            "borg recreate --target=arch-slim /repo::arch",
            "borg recreate --targ arch-slim /repo::arch",
            "borg recreate -n -e '*.iso' /repo::arch",
            "borg recreate --dry-run --list /repo",
            "borg recreate -nv --list /repo::arch",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/repo"], "{line}");
        }
        // `--recompress REPO::ARCHIVE`: argparse takes the next word for the mode and borg
        // 1.2.4 refuses it ("invalid choice: '/tmp/nx'").
        for line in [
            "borg recreate --bogus /repo::a",
            "borg recreate -e -x /repo::a",
            "borg recreate --recompress /repo::a",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    /// Options and environment that make borg run a program: flag `runs_code`.
    #[test]
    fn remote_shell_and_passphrase_command_run_code() {
        use crate::command::parse_in;
        for (line, says) in [
            (
                "borg --rsh 'ssh -i k' delete ssh://u@nas/./b::a",
                "`--rsh` runs `ssh -i k` to reach the repository",
            ),
            ("borg delete --rsh=ssh nas:b::a", "`--rsh` runs `ssh`"),
            ("borg --rsh ssh list ::", "`--rsh` runs `ssh`"),
            ("borg --rsh=ssh extract u@h:b::a", "`--rsh` runs `ssh`"),
            (
                "borg --remote-path /opt/borg delete nas:b::a",
                "`--remote-path` runs `/opt/borg` on the repository's host",
            ),
            (
                "env BORG_RSH='ssh -oProxyCommand=x' borg prune -d 7 nas:b",
                "`BORG_RSH` runs `ssh -oProxyCommand=x` to reach the repository",
            ),
            ("sudo BORG_RSH=x borg list nas:b", "`BORG_RSH` runs `x`"),
            ("env BORG_RSH=x borg list", "`BORG_RSH` runs `x`"),
            (
                "env BORG_PASSCOMMAND='pass show borg' borg list /repo",
                "`BORG_PASSCOMMAND` runs `pass show borg` to get the passphrase",
            ),
            ("sh -c 'BORG_RSH=x borg list nas:b'", "`BORG_RSH` runs `x`"),
            // `list`'s options are not modelled: `/repo` may be an option's value, and the
            // repository BORG_REPO's.
            ("env BORG_RSH=x borg list /repo", "`BORG_RSH` runs `x`"),
        ] {
            let op = parse_str(line);
            assert!(op.has("runs_code"), "{line}: {op:?}");
            assert!(
                op.note.as_deref().unwrap_or("").contains(says),
                "{line}: {:?}",
                op.note
            );
            assert_ne!(op.kind, Kind::Opaque, "{line}");
        }
        // The destroying reading stays.
        let op = parse_str("borg --rsh ssh delete nas:b::a");
        assert_eq!(op.kind, Kind::DestroyBackup);
        // A repository that is a path here is reached without a remote shell; `--rsh` beats
        // BORG_RSH; help only prints.
        for line in [
            "borg --rsh ssh delete /repo::a",
            "env BORG_RSH=x borg list /repo::a",
            "env BORG_REPO=/repo BORG_RSH=x borg list",
            "env BORG_RSH=x borg --help",
            "borg --rsh ssh --version",
        ] {
            assert!(!parse_str(line).has("runs_code"), "{line}");
        }
        let note = parse_str("env BORG_RSH=x borg --rsh y list nas:b")
            .note
            .unwrap_or_default();
        assert!(
            note.contains("runs `y`") && !note.contains("runs `x`"),
            "{note}"
        );
        // The caller's own environment, through parse_in.
        let inherited = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        let argv = |l: &str| shell_words::split(l).expect("splits");
        let op = parse_in(
            &argv("borg delete nas:b::a"),
            &inherited("BORG_RSH", "ssh -i k"),
        );
        assert!(op.has("runs_code"), "{op:?}");
        assert!(
            op.env.is_empty(),
            "inherited variables are not the line's assignments"
        );
        let op = parse_in(&argv("borg delete ::a"), &inherited("BORG_REPO", "/repo"));
        assert!(!op.has("runs_code") && op.targets.is_empty(), "{op:?}");
        for line in [
            "env -i borg delete nas:b::a",
            "env -u BORG_RSH borg delete nas:b::a",
            "env - borg delete nas:b::a",
            "borg delete /repo::a",
        ] {
            let op = parse_in(&argv(line), &inherited("BORG_RSH", "x"));
            assert!(!op.has("runs_code"), "{line}: {:?}", op.note);
        }
        let op = parse_in(&argv("sudo borg list nas:b"), &inherited("BORG_RSH", "x"));
        assert!(
            op.has("runs_code"),
            "sudo may keep it (env_keep): taken to pass"
        );
        // Variables parsers do not read are ignored.
        let op = parse_in(&argv("borg list nas:b"), &inherited("BORG_FOO", "x"));
        assert!(!op.has("runs_code"));
    }

    /// Spellings borg (argparse) accepts or refuses that the old loop read otherwise.
    #[test]
    fn argparse_spellings() {
        // Command options only after the command (`borg: error: unrecognized arguments`).
        for line in [
            "borg --dry-run delete /repo::a",
            "borg -n delete /repo",
            "borg --list delete /repo",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        // `-e=PAT` is the pattern `PAT`; a value may not look like an option.
        let op = parse_str("borg extract -e=*.o /repo::a");
        assert_eq!(op.option("exclude"), Some("*.o"));
        assert_eq!(parse_str("borg extract -e -x /repo::a").kind, Kind::Opaque);
        assert_eq!(
            parse_str("borg extract --exclude --list /repo::a").kind,
            Kind::Opaque
        );
        // borg 1.2.4 `delete --help` and `prune --help` list `-c SECONDS`.
        for line in [
            "borg delete -c 60 /repo::a",
            "borg prune --checkpoint-int=60 -d 7 /repo",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}: {:?}", op.note);
            assert_eq!(op.option("checkpoint_interval"), Some("60"), "{line}");
        }
        // `-V` is the top-level parser's.
        assert_eq!(parse_str("borg -V").kind, Kind::Read);
        assert_eq!(parse_str("borg delete -V /repo").kind, Kind::Opaque);
        // `--debug-topic` may be given several times.
        let op = parse_str("borg --debug-topic=a --debug-topic b list /repo");
        assert_eq!(op.option("debug_topic"), Some("a\nb"));
        // An ambiguous prefix names what it could be.
        let op = parse_str("borg delete --d /repo");
        assert_eq!(
            op.note.as_deref(),
            Some("borg: ambiguous option: --d could match --debug-topic, --debug-profile, --debug, --dry-run")
        );
    }

    #[test]
    fn deleting_without_a_local_repository() {
        // Repository from BORG_REPO: no target, still destroys backups.
        for line in [
            "borg prune --keep-daily 7",
            "borg delete ::mon",
            "env BORG_REPO=/repo borg delete ::mon",
            "borg compact",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert!(op
                .option("destroys")
                .is_some_and(|d| d.contains("the borg repository BORG_REPO names")));
        }
        // Remote repositories are no path here: named in options, not targets.
        for (line, repo) in [
            ("borg delete ssh://u@nas/./borg::mon", "ssh://u@nas/./borg"),
            ("borg delete u@nas:borg::mon", "u@nas:borg"),
            ("borg prune -d 7 nas:/srv/borg", "nas:/srv/borg"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::DestroyBackup, "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.option("repo"), Some(repo), "{line}");
        }
    }

    #[test]
    fn dry_runs_and_help_only_read() {
        for line in [
            "borg delete --dry-run /repo::mon",
            "borg delete -n /repo::mon",
            "borg delete -n /repo",
            "borg delete --dry-ru /repo",
            "borg delete -nv --list /repo::mon",
            "borg prune -n --keep-daily 7 /repo",
            "borg prune --dry-run -d 7 /repo",
            "borg -r /repo prune -n -d 7",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/repo"], "{line}");
        }
        for line in [
            "borg delete --help",
            "borg prune -h",
            "borg compact --help /repo",
            "borg help delete",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        // compact has no dry run: -n is refused.
        assert_eq!(parse_str("borg compact -n /repo").kind, Kind::Opaque);
    }

    #[test]
    fn everything_else_reads() {
        for line in [
            "borg list /repo",
            "borg list --json-lines /repo::a",
            "borg create --stats /repo::{now} /home",
            "borg info /repo",
            "borg check --verify-data /repo",
            "borg mount /repo /mnt",
            "borg init -e repokey /repo",
            "borg help",
            "borg --help",
            "borg --version",
            "borg",
            "borg extract --help",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "borg extract",
            "borg extract /repo",
            "borg extract --bogus /repo::a",
            "borg extract --strip-components",
            "borg delete --nonsense /repo",
            "borg extract --n /repo::a",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("borg: "),
                "{line}"
            );
        }
    }

    /// borg extracts into the current directory: check with borg itself in a scratch directory
    /// (BORG_BASE_DIR keeps its cache and keys there too).
    #[test]
    fn agrees_with_borg() {
        use std::process::Command;
        if Command::new("borg").arg("--version").output().is_err() {
            eprintln!("SKIP agrees_with_borg: borg not installed");
            return;
        }
        let base = std::env::temp_dir().join(format!("safeop-borg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("data")).expect("mkdir");
        std::fs::create_dir_all(base.join("out")).expect("mkdir");
        std::fs::write(base.join("data/f"), "x").expect("write");
        let run = |dir: &std::path::Path, line: &str| {
            let argv = shell_words::split(line).expect("split");
            Command::new(&argv[0])
                .args(&argv[1..])
                .current_dir(dir)
                .env("BORG_BASE_DIR", &base)
                .env("BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "yes")
                .env_remove("BORG_REPO")
                .output()
                .expect("borg")
        };
        let repo = base.join("repo").to_string_lossy().to_string();
        assert!(run(&base, &format!("borg init -e none {repo}"))
            .status
            .success());
        assert!(run(&base, &format!("borg create {repo}::a data"))
            .status
            .success());
        let line = format!("borg extract {repo}::a data/f");
        let out = run(&base.join("out"), &line);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let op = parse_str(&line);
        assert_eq!(op.targets, vec!["."]);
        assert!(base
            .join("out")
            .join(&op.targets[0])
            .join("data/f")
            .is_file());
        let _ = std::fs::remove_dir_all(&base);
    }
}
