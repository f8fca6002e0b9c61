//! Where an operation's effects really land, asked of the machine (`command::effect` states the
//! rule, this resolves it).
//!
//! - A copy or move onto a path that is a file or a device writes that path: `cp -a img
//!   /dev/vda` is an overwrite of `/dev/vda`, `mv new.img vm.qcow2` unlinks `vm.qcow2` (a delete).
//! - Into a directory, each source lands at `DIR/NAME`: `cp src/vm.qcow2 images/` writes over
//!   `images/vm.qcow2` when it is there.
//! - A tree copied or extracted into a directory that exists writes over whatever of it is
//!   already there. Which of those names are in use is asked of the kernel's own lists (loop
//!   backing files, active swap, QEMU's locks: `inuse::below`), never by stat'ing every name; each
//!   in-use object the copy's source (or the archive's member list) also names becomes an
//!   effect on that object, so the in-use rules judge it by its own facts.
//!
//! The effects are resolved once per run. In a facts snapshot or an inline example only what
//! the snapshot says of a path (`target.kind`) resolves a copy; nothing is walked.

use super::{normalize, Facts, Role};
use crate::command::{Effect, Kind, Lands};
use crate::text::bytes;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The operation's effects with every [`Lands`] rule resolved against the machine (once per
/// run).
pub fn resolved(f: &Facts) -> std::rc::Rc<Vec<Effect>> {
    f.memo("effects", resolve)
}

fn resolve(f: &Facts) -> Vec<Effect> {
    let parsed;
    let list = if f.op.effects.is_empty() {
        parsed = crate::command::effect::derive(f.op);
        &parsed
    } else {
        &f.op.effects
    };
    let mut out: Vec<Effect> = Vec::new();
    for e in list {
        let mut more = Vec::new();
        match (&e.lands, e.path.as_deref()) {
            (
                Lands::Copy {
                    names,
                    into,
                    in_place,
                },
                Some(p),
            ) => copy(f, e, p, names, *into, *in_place, &mut more),
            (Lands::Members { in_place }, Some(p)) => {
                tree_over(f, e, p, &Source::Members, *in_place, &mut more)
            }
            _ => {}
        }
        out.push(e.clone());
        for m in more {
            if !out.iter().any(|o| o.kind == m.kind && o.path == m.path) {
                out.push(m);
            }
        }
    }
    out
}

/// What is at `arg` (the `kind` fact: `file`, `directory`, `block_device` …, `missing`);
/// `None` when a snapshot does not say, `Err` when it cannot be told.
fn kind_at(f: &Facts, arg: &str) -> Result<Option<String>, String> {
    let s = f.subject(Role::Target, arg);
    match f.get("target.kind", Some(&s)) {
        Ok(Value::String(k)) => Ok(Some(k)),
        Ok(_) => Ok(None),
        Err(e) => Err(e.why),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The last component of a source as written (`src/vm.qcow2/` → `vm.qcow2`).
fn last(name: &str) -> &str {
    let t = name.trim_end_matches('/');
    t.rsplit('/').next().unwrap_or(t)
}

fn onto(e: &Effect, path: &str, in_place: bool, because: String) -> Effect {
    let kind = if in_place {
        Kind::Overwrite
    } else {
        Kind::Delete
    };
    let mut n = Effect::new(kind, Some(path));
    n.flags = e.flags.clone();
    let [written_over, replaced] = crate::command::effect::LANDING_FLAGS;
    n.flags
        .insert(if in_place { written_over } else { replaced }.to_string());
    n.because = Some(because);
    n
}

fn is_written_over(kind: &str) -> bool {
    !matches!(kind, "directory" | "missing")
}

/// Where the copied tree's names come from, to tell which in-use objects it writes over.
enum Source {
    /// A source directory: `DEST/REL` is written when `SRC/REL` exists.
    Dir(PathBuf),
    /// The archive's (or snapshot's) members.
    Members,
}

#[allow(clippy::too_many_arguments)]
fn copy(
    f: &Facts,
    e: &Effect,
    dest: &str,
    names: &[String],
    into: Option<bool>,
    in_place: bool,
    out: &mut Vec<Effect>,
) {
    let tool = f.op.tool.as_str();
    let kind = match kind_at(f, dest) {
        Ok(Some(k)) => k,
        Ok(None) => return,
        Err(why) => {
            out.push(onto(
                e,
                dest,
                in_place,
                format!("what is at `{dest}` cannot be told ({why}): {tool} may write over it"),
            ));
            return;
        }
    };
    let recursive = e.kind == Kind::Restore;
    if kind != "directory" {
        if is_written_over(&kind) && into != Some(true) {
            let how = if in_place { "writes over" } else { "replaces" };
            out.push(onto(
                e,
                dest,
                in_place,
                format!("`{dest}` is a {}: {tool} {how} it", kind.replace('_', " ")),
            ));
        }
        return;
    }
    if into == Some(false) {
        // `-T`: the source's content goes into the directory itself.
        if recursive {
            if let Some(src) = names.first() {
                let src = normalize(&f.cwd.join(bytes::path(src)));
                tree_over(f, e, dest, &Source::Dir(src), in_place, out);
            }
        }
        return;
    }
    for name in names {
        let src = normalize(&f.cwd.join(bytes::path(name)));
        if name.is_empty() {
            continue;
        }
        let land = if last(name).is_empty() {
            dest.to_string()
        } else {
            join(dest, last(name))
        };
        let here = match kind_at(f, &land) {
            Ok(Some(k)) => k,
            Ok(None) => continue,
            Err(why) => {
                out.push(onto(
                    e,
                    &land,
                    in_place,
                    format!("what is at `{land}` cannot be told ({why}): {tool} may write over it"),
                ));
                continue;
            }
        };
        if is_written_over(&here) {
            let how = if in_place { "writes over" } else { "replaces" };
            out.push(onto(
                e,
                &land,
                in_place,
                format!("`{dest}` is a directory: {tool} {how} `{land}`"),
            ));
        } else if here == "directory" && recursive {
            tree_over(f, e, &land, &Source::Dir(src), in_place, out);
        }
    }
    // rsync's `src/`: the content of src lands in the destination itself.
    if recursive && tool == "rsync" {
        for (name, orig) in names.iter().zip(&f.op.sources) {
            if name.is_empty() {
                let src = normalize(&f.cwd.join(bytes::path(orig)));
                tree_over(f, e, dest, &Source::Dir(src), in_place, out);
            }
        }
    }
}

/// The in-use objects below the existing directory `dir` that a tree copied or extracted into
/// it writes over, each as an effect of its own.
fn tree_over(
    f: &Facts,
    e: &Effect,
    dir: &str,
    source: &Source,
    in_place: bool,
    out: &mut Vec<Effect>,
) {
    if !f.is_live() {
        return;
    }
    let s = f.subject(Role::Target, dir);
    let list = match super::inuse::below::in_use_below(f, &s) {
        None => return,
        Some(Ok(list)) => list,
        Some(Err(why)) => {
            let mut n = Effect::new(Kind::Overwrite, Some(dir));
            n.flags = e.flags.clone();
            n.because = Some(format!(
                "what is in use below `{dir}` cannot be told ({why}): the {} may write over it",
                f.op.tool
            ));
            out.push(n);
            return;
        }
    };
    if list.is_empty() {
        return;
    }
    let root = std::fs::canonicalize(super::path::resolve(f, &s)).unwrap_or(s.abs.clone());
    let members = match source {
        Source::Members => member_names(f),
        Source::Dir(_) => None,
    };
    let tool = f.op.tool.as_str();
    for u in list {
        let rel = u.path.strip_prefix(&root).ok().map(Path::to_path_buf);
        let written = match (&rel, source) {
            (None, _) => true, // reached another way (a bind mount): it may be written
            (Some(rel), Source::Dir(src)) => std::fs::symlink_metadata(src.join(rel)).is_ok(),
            (Some(rel), Source::Members) => match &members {
                Some(set) => set.contains(&bytes::encode_path(rel)),
                None => true,
            },
        };
        if !written {
            continue;
        }
        let path = bytes::encode_path(&u.path);
        let how = if in_place {
            "writes over it"
        } else {
            "replaces it"
        };
        out.push(onto(
            e,
            &path,
            in_place,
            format!("{}: the {tool} into `{dir}` {how}", u.what),
        ));
    }
}

/// The names a `tar -x` extracts (relative, cleaned, after `--strip-components`), or `None`
/// when they cannot be listed (standard input, another tool, an unreadable archive): then every
/// in-use name below the destination counts as written.
fn member_names(f: &Facts) -> Option<HashSet<String>> {
    if f.op.tool != "tar" {
        return None;
    }
    let archive =
        f.op.options
            .get("archive")
            .map(String::as_str)
            .or_else(|| f.op.sources.first().map(String::as_str))?;
    if archive == "-" || f.op.has("remote_archive") {
        return None;
    }
    let strip: usize =
        f.op.options
            .get("strip_components")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
    let path = normalize(&f.cwd.join(bytes::path(archive)));
    if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    // Member names on the command line select what is extracted (a name and what is below it).
    let chosen: Vec<String> =
        f.op.options
            .get("members")
            .map(|m| {
                m.lines()
                    .map(|l| l.trim_matches('/').trim_start_matches("./").to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default();
    let selected = |name: &str| {
        let name = name.trim_matches('/').trim_start_matches("./");
        chosen.is_empty()
            || chosen.iter().any(|c| {
                name == c || (name.starts_with(c.as_str()) && name.as_bytes()[c.len()] == b'/')
            })
    };
    let mut names = HashSet::new();
    super::restore::archive::walk_file(&path, &mut |m| {
        if !selected(&m.path) {
            return;
        }
        let comps: Vec<&str> = m
            .path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        if comps.len() > strip {
            names.insert(comps[strip..].join("/"));
        }
    })
    .ok()?;
    Some(names)
}
