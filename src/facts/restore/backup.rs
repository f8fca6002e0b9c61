//! restic and borg repositories: what a restore from them creates, from the tools' own JSON
//! listings (`restic ls --json`, `borg list --json-lines`). The tools run with the caller's
//! environment (RESTIC_PASSWORD, BORG_PASSPHRASE … pass through) plus the assignments made on
//! the command line (`env RESTIC_REPOSITORY=… restic …`), under a time limit of their own
//! ([`LISTING_LIMIT`], outside the probe budget of the other helpers: `facts::helper`), and once
//! per run. A tool that is missing, fails (wrong password, no such repository) or runs too long
//! is an error naming the tool and the first line it printed on stderr. So is a listing that
//! says nothing: restic always prints its snapshot line first, and a borg archive always holds
//! the directories it was made from, so a tool that exits 0 having listed nothing did not list
//! (a stand-in, a wrapper, a broken install), and "nothing to restore" would be a guess.
//! Nothing is restored, locked or written.

use super::{progress, EntryKind, Placer, Tally};
use crate::facts::Facts;
use serde::Deserialize;
use std::time::Duration;

/// How long a listing may take before it is stopped: two minutes list some millions of entries
/// from a local or LAN repository; a repository that takes longer (a slow remote, a cold cache)
/// is a fact error, and the policy's `on_fact_error` decides.
pub const LISTING_LIMIT: Duration = Duration::from_secs(120);

/// [`LISTING_LIMIT`], or the test hook `SAFEOP_TOOL_TIMEOUT` in seconds (`context`).
fn time_limit() -> Duration {
    crate::context::test_hook("SAFEOP_TOOL_TIMEOUT")
        .and_then(|s| s.to_str().and_then(|s| s.parse().ok()))
        .map_or(LISTING_LIMIT, Duration::from_secs)
}

/// Runs `tool args…` with the caller's environment (passwords) plus the command line's own
/// assignments, in the command's directory, handing each stdout line to `on_line`.
pub fn run_lines(
    f: &Facts,
    tool: &str,
    args: &[String],
    on_line: &mut dyn FnMut(&str) -> Result<(), String>,
) -> Result<(), String> {
    crate::facts::helper::run_lines(tool, args, &f.op.env, &f.cwd, time_limit(), on_line)
}

fn opt<'a>(f: &'a Facts, name: &str) -> Option<&'a str> {
    f.op.options
        .get(name)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

fn lines_of(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// One node of `restic ls --json` (restic 0.14 and later; unknown keys are ignored).
#[derive(Debug, Deserialize)]
pub struct ResticNode {
    #[serde(default)]
    pub struct_type: Option<String>,
    #[serde(default)]
    pub message_type: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub inode: Option<u64>,
    #[serde(default)]
    pub links: Option<u64>,
    #[serde(default)]
    pub linktarget: Option<String>,
}

/// One line of `restic ls --json`.
#[derive(Debug)]
pub enum ResticLine {
    /// The snapshot listed (the first line): `struct_type` (or `message_type`) `snapshot`.
    Snapshot,
    Node(ResticNode),
    /// A blank line or another message.
    Other,
}

/// Reads one `restic ls --json` line.
pub fn restic_line(line: &str) -> Result<ResticLine, String> {
    if line.trim().is_empty() {
        return Ok(ResticLine::Other);
    }
    let n: ResticNode = serde_json::from_str(line).map_err(|e| {
        format!(
            "unexpected `restic ls --json` output ({e}): {}",
            short(line)
        )
    })?;
    Ok(
        match n.struct_type.as_deref().or(n.message_type.as_deref()) {
            Some("node") => ResticLine::Node(n),
            Some("snapshot") => ResticLine::Snapshot,
            _ => ResticLine::Other,
        },
    )
}

/// Reads one `restic ls --json` line; `Ok(None)` for the snapshot line and other messages.
pub fn restic_node(line: &str) -> Result<Option<ResticNode>, String> {
    Ok(match restic_line(line)? {
        ResticLine::Node(n) => Some(n),
        _ => None,
    })
}

fn short(s: &str) -> String {
    s.chars().take(120).collect()
}

fn restic_kind(t: &str) -> EntryKind {
    match t {
        "dir" => EntryKind::Dir,
        "symlink" => EntryKind::Symlink,
        "dev" | "chardev" => EntryKind::Device,
        "fifo" | "socket" => EntryKind::Fifo,
        _ => EntryKind::File,
    }
}

/// Does a restic include/exclude pattern match `path` (or one of its parents)? restic's rules:
/// a pattern not starting with `/` may match at any depth; `*` stays within one component, `**`
/// spans several; matching a directory matches everything below it.
pub fn restic_pattern_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if pat.is_empty() {
        return false;
    }
    let starts: Vec<usize> = if pattern.starts_with('/') {
        vec![0]
    } else {
        (0..comps.len()).collect()
    };
    starts
        .into_iter()
        .any(|s| (s..=comps.len()).any(|end| match_comps(&pat, &comps[s..end])))
}

fn match_comps(pat: &[&str], comps: &[&str]) -> bool {
    match pat.split_first() {
        None => comps.is_empty(),
        Some((&"**", rest)) => (0..=comps.len()).any(|i| match_comps(rest, &comps[i..])),
        Some((p, rest)) => comps.split_first().is_some_and(|(c, more)| {
            crate::text::glob::glob_match(p, c) && match_comps(rest, more)
        }),
    }
}

/// Could something under directory `dir` match an include pattern? (Parents of included paths
/// are restored too.)
fn leads_to(pattern: &str, dir: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let comps: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    if !pattern.starts_with('/') || pat.contains(&"**") {
        return true;
    }
    comps.len() < pat.len()
        && comps
            .iter()
            .zip(&pat)
            .all(|(c, p)| crate::text::glob::glob_match(p, c))
}

/// `restic restore SNAPSHOT[:SUBFOLDER] --target DIR`.
pub fn restic(f: &Facts, placer: &mut Placer, t: &mut Tally) -> Result<(), String> {
    let mut args: Vec<String> = Vec::new();
    let env_repo =
        f.op.env
            .get("RESTIC_REPOSITORY")
            .cloned()
            .or_else(|| std::env::var("RESTIC_REPOSITORY").ok());
    match opt(f, "repo") {
        Some(r) => args.extend(["--repo".into(), r.into()]),
        None if env_repo.is_some() || opt(f, "repository_file").is_some() => {}
        None => return Err("restic: no repository given (-r/--repo or RESTIC_REPOSITORY)".into()),
    }
    for (o, flag) in [
        ("repository_file", "--repository-file"),
        ("password_file", "--password-file"),
        ("password_command", "--password-command"),
        ("key_hint", "--key-hint"),
        ("cacert", "--cacert"),
        ("cache_dir", "--cache-dir"),
    ] {
        if let Some(v) = opt(f, o) {
            args.extend([flag.into(), v.into()]);
        }
    }
    let snap = opt(f, "snapshot").unwrap_or("latest");
    let (id, sub) = match snap.split_once(':') {
        Some((id, sub)) => (id, Some(format!("/{}", sub.trim_matches('/')))),
        None => (snap, None),
    };
    args.extend(["--no-lock".into(), "ls".into(), "--json".into()]);
    // `latest` is chosen among the snapshots matching these, as restore chooses it.
    for (o, flag) in [("host", "--host"), ("path", "--path"), ("tag", "--tag")] {
        for v in lines_of(opt(f, o)) {
            args.extend([flag.into(), v]);
        }
    }
    args.push(id.into());
    let includes = lines_of(opt(f, "include"));
    let excludes = lines_of(opt(f, "exclude"));
    let _p = progress::Progress::start("restic snapshot");
    let mut snapshot_seen = false;
    run_lines(f, "restic", &args, &mut |line| {
        let n = match restic_line(line)? {
            ResticLine::Node(n) => n,
            ResticLine::Snapshot => {
                snapshot_seen = true;
                return Ok(());
            }
            ResticLine::Other => return Ok(()),
        };
        let rel = match &sub {
            Some(s) if n.path == *s => return Ok(()),
            Some(s) => match n
                .path
                .strip_prefix(s.as_str())
                .filter(|r| r.starts_with('/'))
            {
                Some(r) => r.to_string(),
                None => return Ok(()),
            },
            None => n.path.clone(),
        };
        if excludes.iter().any(|p| restic_pattern_matches(p, &rel)) {
            return Ok(());
        }
        let kind = restic_kind(n.kind.as_deref().unwrap_or("file"));
        if !includes.is_empty()
            && !includes.iter().any(|p| {
                restic_pattern_matches(p, &rel) || (kind == EntryKind::Dir && leads_to(p, &rel))
            })
        {
            return Ok(());
        }
        // restic ≥ 0.17 reports inode and link count: a second name of a file is a hard link.
        let kind = match (kind, n.inode, n.links) {
            (EntryKind::File, Some(ino), Some(l)) if l > 1 && !placer.first_inode(ino) => {
                EntryKind::HardLink
            }
            (k, _, _) => k,
        };
        let link_len = n.linktarget.as_ref().map_or(0, String::len);
        placer.add(t, &rel, kind, n.size.unwrap_or(0), link_len);
        Ok(())
    })?;
    if !snapshot_seen {
        return Err(format!(
            "`restic ls --json {id}` exited 0 without its snapshot line: it listed nothing, which is not an empty snapshot"
        ));
    }
    Ok(())
}

/// One item of `borg list --json-lines` (borg 1.2).
#[derive(Debug, Deserialize)]
pub struct BorgItem {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub mode: String,
    pub path: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub linktarget: String,
}

pub fn borg_item(line: &str) -> Result<Option<(BorgItem, EntryKind)>, String> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let it: BorgItem = serde_json::from_str(line).map_err(|e| {
        format!(
            "unexpected `borg list --json-lines` output ({e}): {}",
            short(line)
        )
    })?;
    let kind = if it.mode.starts_with('h') {
        EntryKind::HardLink
    } else {
        match it.kind.as_str() {
            "d" => EntryKind::Dir,
            "l" => EntryKind::Symlink,
            "b" | "c" => EntryKind::Device,
            "p" | "s" => EntryKind::Fifo,
            _ => EntryKind::File,
        }
    };
    Ok(Some((it, kind)))
}

/// `borg extract REPO::ARCHIVE [PATH…]` into the working directory.
pub fn borg(f: &Facts, placer: &mut Placer, t: &mut Tally) -> Result<(), String> {
    let spec = f.op.sources.first().cloned().unwrap_or_default();
    let (spec_repo, spec_arch) = spec
        .split_once("::")
        .map_or((spec.as_str(), ""), |(r, a)| (r, a));
    let repo = opt(f, "repo").unwrap_or(spec_repo);
    let archive = opt(f, "archive").unwrap_or(spec_arch);
    if archive.is_empty() {
        return Err("borg: no archive named (REPO::ARCHIVE)".into());
    }
    let mut args = vec![
        "list".to_string(),
        "--json-lines".to_string(),
        format!("{repo}::{archive}"),
    ];
    args.extend(lines_of(opt(f, "paths")));
    let _p = progress::Progress::start("borg archive");
    let mut items = 0u64;
    run_lines(f, "borg", &args, &mut |line| {
        if let Some((it, kind)) = borg_item(line)? {
            items += 1;
            placer.add(t, &it.path, kind, it.size, it.linktarget.len());
        }
        Ok(())
    })?;
    if items == 0 {
        return Err(format!(
            "`borg list --json-lines {repo}::{archive}` exited 0 and listed nothing: an archive holds at least the directories it was made from, so this is not an empty archive (a path that matches nothing in it lists nothing too)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/restore")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn restic_ls_json_fixture() {
        let nodes: Vec<ResticNode> = shared("restic-0.14.0-ls-json.jsonl")
            .lines()
            .filter_map(|l| restic_node(l).expect("parses"))
            .collect();
        assert_eq!(nodes.len(), 14, "the snapshot line is not a node");
        let dirs = nodes
            .iter()
            .filter(|n| n.kind.as_deref() == Some("dir"))
            .count();
        assert_eq!(dirs, 6);
        assert_eq!(nodes.iter().filter_map(|n| n.size).sum::<u64>(), 34);
    }

    #[test]
    fn the_snapshot_line_is_told_apart() {
        let first = shared("restic-0.14.0-ls-json.jsonl");
        let first = first.lines().next().expect("a first line");
        assert!(matches!(restic_line(first), Ok(ResticLine::Snapshot)));
        assert!(matches!(
            restic_line(r#"{"message_type":"snapshot","id":"x"}"#),
            Ok(ResticLine::Snapshot)
        ));
        assert!(matches!(restic_line(""), Ok(ResticLine::Other)));
    }

    #[test]
    fn restic_newer_message_type_and_garbage() {
        let n = restic_node(r#"{"message_type":"node","type":"file","path":"/a","size":3,"inode":7,"links":2,"struct_type":"node","extra":1}"#).expect("parses").expect("node");
        assert_eq!((n.inode, n.links), (Some(7), Some(2)));
        assert!(restic_node("Fatal: wrong password")
            .expect_err("garbage")
            .contains("restic ls"));
    }

    #[test]
    fn borg_json_lines_fixture() {
        let items: Vec<(BorgItem, EntryKind)> = shared("borg-1.2.4-list-json-lines.jsonl")
            .lines()
            .filter_map(|l| borg_item(l).expect("parses"))
            .collect();
        assert_eq!(items.len(), 12);
        let links = items
            .iter()
            .filter(|(_, k)| *k == EntryKind::HardLink)
            .count();
        assert_eq!(links, 2, "hard-link slaves (mode h…) create no inode");
        assert_eq!(
            items.iter().filter(|(_, k)| *k == EntryKind::Fifo).count(),
            1
        );
    }

    #[test]
    fn restic_patterns() {
        assert!(restic_pattern_matches("*.go", "/src/a/main.go"));
        assert!(
            restic_pattern_matches("/src/a", "/src/a/b/c"),
            "below a matched dir"
        );
        assert!(!restic_pattern_matches("/src/a", "/src/ab"));
        assert!(restic_pattern_matches("a/**/c", "/x/a/b/d/c"));
        assert!(!restic_pattern_matches("/a/*", "/b/a/x"));
        assert!(restic_pattern_matches("sf", "/tmp/sf/src/f"));
        assert!(leads_to("/tmp/sf/src", "/tmp") && !leads_to("/tmp/sf", "/var"));
    }
}
