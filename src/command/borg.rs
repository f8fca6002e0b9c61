//! `borg` argv → Operation (borg 1.2 argparse rules, borg 2 `-r/--repo` spelling accepted).
//!
//! Common options go before the command or after it; `--name value`, `--name=value`, `-e PAT`,
//! `-ePAT`, bundled short flags (`-nv`), unique prefixes of long names (`--dry-ru`, as argparse
//! allows), `--` ends options.
//! - `extract REPO::ARCHIVE [PATH…]` (or `borg -r REPO extract ARCHIVE`) → [`Kind::Restore`]:
//!   borg extracts into the current directory, so the target is `.` (a wrapper's `cwd` applies);
//!   source = `REPO::ARCHIVE`; options `repo` (absent when it comes from BORG_REPO: `::ARCHIVE`),
//!   `archive`, `paths` / `exclude` / `pattern` (one a line), `strip_components`. `--stdout`
//!   (flag `stdout`) and `-n`/`--dry-run` (flag `dry_run`) write nothing → [`Kind::Read`].
//! - `delete`, `prune`, `compact` → [`Kind::DestroyBackup`], flag `repository`, target = the
//!   repository when it is a path here (not `ssh://…`, `host:path`, nor BORG_REPO's: options
//!   ["repo"] names it all the same); options `archive` (one a line) and `destroys` (what goes,
//!   in words, for the rule's message). `delete REPO` without an archive (and without
//!   `-a`/`-P`/`--first`/`--last`) deletes the whole repository → flag `whole_repository`.
//!   `-n`/`--dry-run` (delete, prune) only reads → [`Kind::Read`], flag `dry_run`, the
//!   repository a source.
//! - `recreate` → [`Kind::Delete`], target = the repository, flag `repository`.
//! - Every other command → [`Kind::Read`] (`create` writes only into the repository).
//!   options["subcommand"] names it; their own options are not checked.
//!
//! Unknown options on extract/delete/prune/compact/recreate make the line opaque, as borg
//! refuses them ("unrecognized arguments").

use super::{Kind, Operation};

/// Options taking a value: (short letter, long name).
type Table = &'static [(Option<char>, &'static str)];

pub(super) const COMMON_ARG: Table = &[
    (None, "debug-topic"),
    (None, "lock-wait"),
    (None, "umask"),
    (None, "remote-path"),
    (None, "remote-ratelimit"),
    (None, "upload-ratelimit"),
    (None, "upload-buffer"),
    (None, "debug-profile"),
    (None, "rsh"),
    (Some('r'), "repo"),
];

pub(super) const COMMON_FLAG: Table = &[
    (Some('h'), "help"),
    (None, "critical"),
    (None, "error"),
    (None, "warning"),
    (None, "info"),
    (Some('v'), "verbose"),
    (None, "debug"),
    (Some('p'), "progress"),
    (None, "iec"),
    (None, "log-json"),
    (None, "bypass-lock"),
    (None, "show-version"),
    (None, "show-rc"),
    (None, "consider-part-files"),
    (None, "version"),
];

pub(super) fn command_tables(cmd: &str) -> Option<(Table, Table)> {
    Some(match cmd {
        "extract" => (
            &[
                (Some('e'), "exclude"),
                (None, "exclude-from"),
                (None, "pattern"),
                (None, "patterns-from"),
                (None, "strip-components"),
            ],
            &[
                (None, "list"),
                (Some('n'), "dry-run"),
                (None, "numeric-owner"),
                (None, "numeric-ids"),
                (None, "nobsdflags"),
                (None, "noflags"),
                (None, "noacls"),
                (None, "noxattrs"),
                (None, "stdout"),
                (None, "sparse"),
                (None, "continue"),
            ],
        ),
        "delete" => (
            &[
                (Some('a'), "glob-archives"),
                (Some('P'), "prefix"),
                (None, "match-archives"),
                (None, "sort-by"),
                (None, "first"),
                (None, "last"),
            ],
            &[
                (Some('n'), "dry-run"),
                (None, "list"),
                (Some('s'), "stats"),
                (None, "cache-only"),
                (None, "force"),
                (None, "keep-security-info"),
                (None, "save-space"),
                (None, "consider-checkpoints"),
            ],
        ),
        "prune" => (
            &[
                (None, "keep-within"),
                (None, "keep-last"),
                (None, "keep-secondly"),
                (None, "keep-minutely"),
                (Some('H'), "keep-hourly"),
                (Some('d'), "keep-daily"),
                (Some('w'), "keep-weekly"),
                (Some('m'), "keep-monthly"),
                (Some('y'), "keep-yearly"),
                (Some('P'), "prefix"),
                (Some('a'), "glob-archives"),
                (None, "match-archives"),
            ],
            &[
                (Some('n'), "dry-run"),
                (None, "force"),
                (Some('s'), "stats"),
                (None, "list"),
                (None, "list-pruned"),
                (None, "list-kept"),
                (None, "save-space"),
            ],
        ),
        "compact" => (&[(None, "threshold")], &[(None, "cleanup-commits")]),
        "recreate" => (
            &[
                (Some('e'), "exclude"),
                (None, "exclude-from"),
                (None, "pattern"),
                (None, "patterns-from"),
                (None, "exclude-if-present"),
                (None, "target"),
                (Some('c'), "checkpoint-interval"),
                (None, "comment"),
                (None, "timestamp"),
                (Some('C'), "compression"),
                (None, "recompress"),
                (None, "chunker-params"),
                (Some('a'), "glob-archives"),
                (None, "match-archives"),
            ],
            &[
                (None, "list"),
                (None, "filter"),
                (Some('n'), "dry-run"),
                (Some('s'), "stats"),
                (None, "exclude-caches"),
                (None, "keep-exclude-tags"),
            ],
        ),
        _ => return None,
    })
}

/// Long-name lookup with argparse's unique-prefix rule (an exact name always wins).
fn long_lookup(tables: &[Table], name: &str) -> Result<Option<(&'static str, bool)>, String> {
    let mut hits: Vec<(&'static str, bool)> = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let takes_value = i % 2 == 0;
        for (_, l) in t.iter() {
            if *l == name {
                return Ok(Some((l, takes_value)));
            }
            if l.starts_with(name) && !hits.iter().any(|(h, _)| h == l) {
                hits.push((l, takes_value));
            }
        }
    }
    match hits.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Ok(None),
        _ => Err(format!("ambiguous option: --{name}")),
    }
}

fn short_lookup(tables: &[Table], c: char) -> Option<(&'static str, bool)> {
    for (i, t) in tables.iter().enumerate() {
        if let Some((_, l)) = t.iter().find(|(s, _)| *s == Some(c)) {
            return Some((l, i % 2 == 0));
        }
    }
    None
}

/// Values kept one a line rather than replaced.
const ACCUMULATE: &[&str] = &["exclude", "pattern", "glob_archives"];

fn set(op: &mut Operation, long: &str, value: Option<String>) {
    let key = long.replace('-', "_");
    match value {
        Some(v) => {
            if ACCUMULATE.contains(&key.as_str()) {
                if let Some(old) = op.options.get_mut(&key) {
                    old.push('\n');
                    old.push_str(&v);
                    return;
                }
            }
            op.opt(&key, &v)
        }
        None => op.flag(&key),
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    if let Err(e) = read(op, args) {
        op.targets.clear();
        op.sources.clear();
        op.opaque(format!("borg: {e}"));
    }
}

fn read(op: &mut Operation, args: &[String]) -> Result<(), String> {
    // Find the command: the first word that is not an option or a common option's value.
    let mut command: Option<(usize, String)> = None;
    let mut k = 0;
    while k < args.len() {
        let a = args[k].as_str();
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            if !long.contains('=') {
                if let Ok(Some((_, true))) = long_lookup(&[COMMON_ARG, COMMON_FLAG], long) {
                    k += 1;
                }
            }
        } else if a.starts_with('-') && a.len() > 1 {
            if a.len() == 2 && a.ends_with('r') {
                k += 1;
            }
        } else {
            command = Some((k, a.to_string()));
            break;
        }
        k += 1;
    }
    let Some((cmd_at, command)) = command else {
        op.kind = Kind::Read;
        return Ok(());
    };
    if command == "help" {
        op.kind = Kind::Read;
        return Ok(());
    }
    let specific = command_tables(&command);
    let strict = specific.is_some();
    let (cmd_arg, cmd_flag): (Table, Table) = specific.unwrap_or((&[], &[]));
    let tables: [Table; 4] = [COMMON_ARG, COMMON_FLAG, cmd_arg, cmd_flag];
    let mut positionals = Vec::new();
    let mut i = 0;
    let mut only_positionals = false;
    while i < args.len() {
        let a = &args[i];
        let at = i;
        i += 1;
        if at == cmd_at {
            continue;
        }
        if only_positionals || a == "-" || !a.starts_with('-') {
            positionals.push(a.clone());
            continue;
        }
        if a == "--" {
            only_positionals = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match long_lookup(&tables, name)? {
                Some((l, true)) => {
                    let v = match value {
                        Some(v) => v,
                        None => match args.get(i) {
                            Some(v) => {
                                i += 1;
                                v.clone()
                            }
                            None => return Err(format!("argument --{l}: expected one argument")),
                        },
                    };
                    set(op, l, Some(v));
                }
                Some((l, false)) => {
                    if value.is_some() {
                        return Err(format!("argument --{l}: ignored explicit argument"));
                    }
                    set(op, l, None);
                }
                None if strict => return Err(format!("unrecognized arguments: {a}")),
                None => {}
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            match short_lookup(&tables, c) {
                Some((l, true)) => {
                    let v = if j + 1 < chars.len() {
                        chars[j + 1..].iter().collect()
                    } else {
                        match args.get(i) {
                            Some(v) => {
                                i += 1;
                                v.clone()
                            }
                            None => return Err(format!("argument -{c}: expected one argument")),
                        }
                    };
                    set(op, l, Some(v));
                    break;
                }
                Some((l, false)) => set(op, l, None),
                None if strict => return Err(format!("unrecognized arguments: {a}")),
                None => break,
            }
            j += 1;
        }
    }
    if op.has("help") || op.has("version") {
        op.flags.clear();
        op.options.clear();
        op.kind = Kind::Read;
        return Ok(());
    }
    op.opt("subcommand", &command);
    // borg 2 names the repository with -r/--repo; borg 1 inside REPO::ARCHIVE.
    let repo_opt = op.options.get("repo").cloned();
    let split = |spec: &str| -> (Option<String>, Option<String>) {
        match spec.split_once("::") {
            Some((r, a)) => (
                (!r.is_empty()).then(|| r.to_string()),
                (!a.is_empty()).then(|| a.to_string()),
            ),
            None if repo_opt.is_some() => (repo_opt.clone(), Some(spec.to_string())),
            None => (Some(spec.to_string()), None),
        }
    };
    match command.as_str() {
        "extract" => {
            let Some((spec, paths)) = positionals.split_first() else {
                return Err("the following arguments are required: ARCHIVE".into());
            };
            let (repo, archive) = split(spec);
            let repo = repo.or(repo_opt.clone());
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
        }
        "delete" | "prune" | "compact" | "recreate" => {
            let mut archives = Vec::new();
            let mut repo = repo_opt.clone();
            let mut named_repo_alone = false;
            if let Some((first, rest)) = positionals.split_first() {
                if first.contains("::") || repo_opt.is_none() {
                    let (r, a) = split(first);
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
            if command == "recreate" && !archives.is_empty() && named_repo_alone {
                // `recreate REPO PATH…`: the rest are paths, not archives.
                op.opt("paths", &archives.join("\n"));
                archives.clear();
            }
            if let Some(r) = &repo {
                op.opt("repo", r);
                if command == "recreate" || !is_remote(r) {
                    op.targets.push(r.clone());
                }
            }
            if !archives.is_empty() {
                op.opt("archive", &archives.join("\n"));
            }
            op.flag("repository");
            if command == "recreate" {
                op.kind = Kind::Delete;
            } else {
                let what = destroys(op, &command, &archives, repo.as_deref());
                op.opt("destroys", &what);
                op.kind = Kind::DestroyBackup;
                if op.has("dry_run") {
                    op.dry_run();
                }
            }
        }
        _ => {
            op.kind = Kind::Read;
        }
    }
    Ok(())
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

/// What a delete/prune/compact destroys, in words (options["destroys"], the rule's message).
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
        // recreate rewrites archives: still a delete inside the repository.
        let op = parse_str("borg recreate --exclude '*.iso' /repo::arch");
        assert_eq!(op.kind, Kind::Delete);
        assert_eq!(op.targets, vec!["/repo"]);
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
