//! Which files `preflight` reads, and reading them: a FILE named on the command line is read
//! whatever its name; a DIR is walked (sorted, not into hidden directories, not through
//! symlinked directories) for `*.sh`, `*.bash`, `*.md`, `*.markdown` and files whose `#!` line
//! names a shell. A file that is not text (a NUL byte), larger than [`MAX_BYTES`] or unreadable
//! is an error naming it: safeop says so rather than pass over what it could not judge.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file read: a runbook is text for people; 16 MiB is far past any of them.
pub(crate) const MAX_BYTES: u64 = 16 << 20;

/// How a file's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Shell,
    Markdown,
}

/// One file to judge, as named (the walk's path below a DIR).
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub path: PathBuf,
    pub kind: Kind,
}

/// Why a FILE or DIR named on the command line cannot be looked at: the argument is wrong
/// (usage, exit 2) or the file is (exit 125).
#[derive(Debug)]
pub(crate) enum Problem {
    Usage(String),
    Failed(String),
}

fn kind_by_name(p: &Path) -> Option<Kind> {
    match p.extension().and_then(|e| e.to_str()) {
        Some("md" | "markdown") => Some(Kind::Markdown),
        Some("sh" | "bash") => Some(Kind::Shell),
        _ => None,
    }
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox"];

/// Whether the first line of `head` is a `#!` naming a shell (`#!/bin/sh`, `#!/usr/bin/env
/// bash`, `#!/bin/bash -eu`).
pub(crate) fn shell_shebang(head: &[u8]) -> bool {
    let Some(rest) = head.strip_prefix(b"#!") else {
        return false;
    };
    let line = rest.split(|&b| b == b'\n').next().unwrap_or(b"");
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let Some(prog) = words.next() else {
        return false;
    };
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut name = base(prog);
    if name == "env" {
        name = words
            .find(|w| !w.starts_with('-'))
            .map(base)
            .unwrap_or_default();
    }
    SHELLS.contains(&name.as_str())
}

fn head_of(p: &Path) -> Option<Vec<u8>> {
    let mut f = std::fs::File::open(p).ok()?;
    let mut buf = vec![0; 256];
    let n = f.read(&mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

/// Every file the arguments name, in order, each once.
pub(crate) fn collect(args: &[PathBuf]) -> Result<Vec<Source>, Problem> {
    let mut out: Vec<Source> = Vec::new();
    for a in args {
        let meta = std::fs::metadata(a).map_err(|e| {
            let shown = crate::text::bytes::show_path(a);
            match e.kind() {
                std::io::ErrorKind::NotFound => {
                    Problem::Usage(format!("`{shown}`: no such file or directory"))
                }
                _ => Problem::Failed(format!("cannot look at `{shown}`: {e}")),
            }
        })?;
        if meta.is_dir() {
            walk(a, &mut out)?;
        } else {
            let kind = kind_by_name(a).unwrap_or(Kind::Shell);
            out.push(Source {
                path: a.clone(),
                kind,
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.path.clone()));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<Source>) -> Result<(), Problem> {
    let shown = crate::text::bytes::show_path(dir);
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Problem::Failed(format!("cannot read directory `{shown}`: {e}")))?;
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
        let Ok(lmeta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if lmeta.is_dir() {
            if !hidden {
                walk(&p, out)?;
            }
            continue;
        }
        // A symlink is followed to a file, never to a directory (no loops).
        if std::fs::metadata(&p).map(|m| !m.is_file()).unwrap_or(true) {
            continue;
        }
        let kind = match kind_by_name(&p) {
            Some(k) => k,
            None if head_of(&p).is_some_and(|h| shell_shebang(&h)) => Kind::Shell,
            None => continue,
        };
        out.push(Source { path: p, kind });
    }
    Ok(())
}

/// The text of a file to judge, or why it cannot be judged (one paragraph naming the file).
pub(crate) fn read(p: &Path) -> Result<String, String> {
    let shown = crate::text::bytes::show_path(p);
    let f = std::fs::File::open(p).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "`{shown}` is larger than {} MiB: that is no runbook safeop can judge; name the scripts and runbooks themselves",
            MAX_BYTES >> 20
        ));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!(
            "`{shown}` is not text (a NUL byte at offset {at}): safeop judges shell scripts and Markdown runbooks; leave binaries out of the paths given"
        ));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs_of_shells() {
        for yes in [
            &b"#!/bin/sh\n"[..],
            b"#!/usr/bin/env bash\n",
            b"#!/bin/bash -eu\nrm x",
            b"#! /bin/dash",
            b"#!/usr/bin/env -S bash -e\n",
        ] {
            assert!(shell_shebang(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [&b"#!/usr/bin/python3\n"[..], b"# title\n", b"", b"#!"] {
            assert!(!shell_shebang(no), "{}", String::from_utf8_lossy(no));
        }
    }
}
