//! `restic` argv → Operation (restic 0.14–0.17: cobra/pflag rules — global flags before or after
//! the command, `--name value` / `--name=value`, `-t DIR` / `-tDIR`, bundled bool short flags,
//! no abbreviations, `--` ends flags).
//!
//! - `restore SNAPSHOT[:SUBFOLDER] --target DIR` → [`Kind::Restore`], target = DIR, source = the
//!   repository (when named), options `repo`, `snapshot` (as written), `subfolder`, `include` /
//!   `exclude` (and the case-insensitive `iinclude` / `iexclude`, each one a line), `host`,
//!   `path`, `tag`, `overwrite`; flags `delete`, `dry_run`, `verify`, `sparse`. Without
//!   `--target` restic refuses → opaque.
//! - `forget` and `prune` → [`Kind::DestroyBackup`] with the repository as target and flag
//!   `repository` (no target when the repository comes from the environment or
//!   `--repository-file`, or is reached through a backend other than `local:`); options
//!   `snapshots` (one a line) and `destroys` (what goes, in words, for the rule's message);
//!   `forget --prune` → flag `prune`. `-n`/`--dry-run` only reads → [`Kind::Read`], flag
//!   `dry_run`, the repository a source. `rewrite --forget` deletes the original snapshots →
//!   [`Kind::Delete`].
//! - Everything else (`init`, `backup`, `snapshots`, `ls`, `stats`, `check`, `cat`, `find`,
//!   `diff`, `dump`, `mount`, `copy`, `tag`, `key` (`key remove` drops a key, never data; restic
//!   refuses to drop the one in use), `unlock`, …) → [`Kind::Read`]: it writes only into the
//!   repository, never over live data (`backup` included; options["subcommand"] says which).
//!   Their own flags are not checked.
//!
//! The repository comes from `-r`/`--repo` or `--repository-file FILE` (then options
//! ["repository_file"]); `RESTIC_REPOSITORY` is not read here (pure): `repo` is left unset and
//! the facts layer consults `op.env` and the process environment.

use super::{Kind, Operation};

/// Global flags taking a value (short letter or none, long name).
pub(super) const GLOBAL_ARG: &[(Option<char>, &str)] = &[
    (Some('r'), "repo"),
    (None, "repository-file"),
    (Some('p'), "password-file"),
    (None, "password-command"),
    (None, "cache-dir"),
    (Some('o'), "option"),
    (None, "limit-upload"),
    (None, "limit-download"),
    (None, "cacert"),
    (None, "tls-client-cert"),
    (None, "key-hint"),
    (None, "pack-size"),
    (None, "compression"),
    (None, "retry-lock"),
    (None, "stuck-request-timeout"),
    (None, "http-user-agent"),
];

pub(super) const GLOBAL_FLAG: &[(Option<char>, &str)] = &[
    (None, "no-cache"),
    (Some('q'), "quiet"),
    (Some('v'), "verbose"),
    (None, "json"),
    (None, "insecure-tls"),
    (None, "no-lock"),
    (None, "cleanup-cache"),
    (None, "no-extra-verify"),
    (None, "insecure-no-password"),
    (Some('h'), "help"),
];

pub(super) const RESTORE_ARG: &[(Option<char>, &str)] = &[
    (Some('t'), "target"),
    (Some('i'), "include"),
    (Some('e'), "exclude"),
    (None, "iinclude"),
    (None, "iexclude"),
    (None, "include-file"),
    (None, "exclude-file"),
    (None, "iinclude-file"),
    (None, "iexclude-file"),
    (Some('H'), "host"),
    (None, "path"),
    (None, "tag"),
    (None, "overwrite"),
    (None, "exclude-xattr"),
    (None, "include-xattr"),
];

pub(super) const RESTORE_FLAG: &[(Option<char>, &str)] = &[
    (None, "verify"),
    (None, "delete"),
    (None, "dry-run"),
    (None, "sparse"),
];

pub(super) const FORGET_ARG: &[(Option<char>, &str)] = &[
    (Some('l'), "keep-last"),
    (Some('H'), "keep-hourly"),
    (Some('d'), "keep-daily"),
    (Some('w'), "keep-weekly"),
    (Some('m'), "keep-monthly"),
    (Some('y'), "keep-yearly"),
    (None, "keep-within"),
    (None, "keep-within-hourly"),
    (None, "keep-within-daily"),
    (None, "keep-within-weekly"),
    (None, "keep-within-monthly"),
    (None, "keep-within-yearly"),
    (None, "keep-tag"),
    (None, "host"),
    (None, "tag"),
    (None, "path"),
    (Some('g'), "group-by"),
    (None, "max-unused"),
    (None, "max-repack-size"),
];

pub(super) const FORGET_FLAG: &[(Option<char>, &str)] = &[
    (None, "unsafe-allow-remove-all"),
    (Some('c'), "compact"),
    (Some('n'), "dry-run"),
    (None, "prune"),
    (None, "repack-cacheable-only"),
    (None, "repack-small"),
    (None, "repack-uncompressed"),
];

/// A flag table: short letter (if any) and long name.
type Table = Vec<(Option<char>, &'static str)>;

/// Options whose values accumulate, one a line.
const ACCUMULATE: &[&str] = &[
    "include", "exclude", "iinclude", "iexclude", "host", "path", "tag", "option",
];

fn find<'a>(
    table: &'a [(Option<char>, &'a str)],
    short: Option<char>,
    long: Option<&str>,
) -> Option<&'a str> {
    table
        .iter()
        .find(|(s, l)| match (short, long) {
            (Some(c), _) => *s == Some(c),
            (_, Some(n)) => *l == n,
            _ => false,
        })
        .map(|(_, l)| *l)
}

fn set(op: &mut Operation, long: &str, v: &str) {
    let key = long.replace('-', "_");
    if ACCUMULATE.contains(&key.as_str()) {
        if let Some(old) = op.options.get_mut(&key) {
            old.push('\n');
            old.push_str(v);
            return;
        }
    }
    op.opt(&key, v);
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    if let Err(e) = read(op, args) {
        op.targets.clear();
        op.sources.clear();
        op.opaque(format!("restic: {e}"));
    }
}

fn read(op: &mut Operation, args: &[String]) -> Result<(), String> {
    // The command is the first word that is not a flag or a global flag's value.
    let mut command: Option<String> = None;
    let mut operands = Vec::new();
    let mut help = false;
    let mut i = 0;
    let mut only_operands = false;
    let tables = |cmd: Option<&str>| -> (Table, Table, bool) {
        let mut a: Vec<_> = GLOBAL_ARG.to_vec();
        let mut f: Vec<_> = GLOBAL_FLAG.to_vec();
        let strict = match cmd {
            Some("restore") => {
                a.extend_from_slice(RESTORE_ARG);
                f.extend_from_slice(RESTORE_FLAG);
                true
            }
            Some("forget") | Some("prune") => {
                a.extend_from_slice(FORGET_ARG);
                f.extend_from_slice(FORGET_FLAG);
                true
            }
            _ => false,
        };
        (a, f, strict)
    };
    // First pass finds the command (global flags only before it).
    {
        let (ga, _, _) = tables(None);
        let mut j = 0;
        while j < args.len() {
            let a = args[j].as_str();
            j += 1;
            if a == "--" {
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                if !long.contains('=') && find(&ga, None, Some(long)).is_some() {
                    j += 1;
                }
                continue;
            }
            if a.starts_with('-') && a.len() > 1 {
                let last = a.chars().last();
                if a.len() == 2 && find(&ga, last, None).is_some() {
                    j += 1;
                }
                continue;
            }
            command = Some(a.to_string());
            break;
        }
    }
    let (arg_table, flag_table, strict) = tables(command.as_deref());
    let mut command_seen = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            if !command_seen && command.as_deref() == Some(a.as_str()) {
                command_seen = true;
            } else {
                operands.push(a.clone());
            }
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
            if let Some(l) = find(&arg_table, None, Some(name)) {
                let v = match value {
                    Some(v) => v,
                    None => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => return Err(format!("flag needs an argument: --{name}")),
                    },
                };
                set(op, l, &v);
            } else if let Some(l) = find(&flag_table, None, Some(name)) {
                if l == "help" {
                    help = true;
                } else if l == "verbose" {
                    // `--verbose[=N]`
                } else if value.is_some() && value.as_deref() != Some("true") {
                    if value.as_deref() != Some("false") {
                        return Err(format!("invalid argument for --{name}"));
                    }
                } else {
                    op.flag(&l.replace('-', "_"));
                }
            } else if strict {
                return Err(format!("unknown flag: --{name}"));
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            if let Some(l) = find(&arg_table, Some(c), None) {
                let v = if j + 1 < chars.len() {
                    let rest: String = chars[j + 1..].iter().collect();
                    rest.strip_prefix('=').map(str::to_string).unwrap_or(rest)
                } else {
                    match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => return Err(format!("flag needs an argument: '{c}' in -{c}")),
                    }
                };
                set(op, l, &v);
                break;
            }
            match find(&flag_table, Some(c), None) {
                Some("help") => help = true,
                Some("verbose") => {}
                Some(l) => op.flag(&l.replace('-', "_")),
                None if strict => return Err(format!("unknown shorthand flag: '{c}' in {a}")),
                None => {}
            }
            j += 1;
        }
    }
    let command = command.unwrap_or_default();
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
        "forget" | "prune" => {
            if !operands.is_empty() {
                op.opt("snapshots", &operands.join("\n"));
            }
            op.flag("repository");
            op.targets.extend(repo.as_deref().and_then(local_path));
            let what = destroys(op, &command, &operands, repo.as_deref());
            op.opt("destroys", &what);
            op.kind = Kind::DestroyBackup;
            if op.has("dry_run") {
                op.dry_run();
            }
        }
        "rewrite" if args.iter().any(|a| a == "--forget") => {
            op.flag("repository");
            op.flag("forget");
            op.targets.extend(repo);
            op.kind = Kind::Delete;
        }
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

/// What a forget/prune destroys, in words (options["destroys"], the rule's message).
fn destroys(op: &Operation, command: &str, snapshots: &[String], repo: Option<&str>) -> String {
    let repo = match (repo, op.option("repository_file")) {
        (Some(r), _) => format!("restic repository `{r}`"),
        (None, Some(f)) => format!("the restic repository named in `{f}`"),
        (None, None) => "the restic repository RESTIC_REPOSITORY names".to_string(),
    };
    if command == "prune" {
        return format!("prunes from {repo} the data no snapshot refers to any more, for good");
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
        let noun = if snapshots.len() == 1 {
            "snapshot"
        } else {
            "snapshots"
        };
        format!("{noun} {}", snapshots.join(", "))
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
        // rewrite --forget stays a delete of the originals.
        assert_eq!(
            parse_str("restic -r /r rewrite --forget --exclude x latest").kind,
            Kind::Delete
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
