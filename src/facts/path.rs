//! Where a path really points: the canonical path (symlinks and `..` resolved against the right
//! working directory) and what kind of file is there. Paths are stat'ed by their exact bytes and
//! reported encoded (`text::bytes`).

use super::{answer, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope};
use crate::command::Kind;
use crate::text::bytes;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

static PATH: Probe = Probe {
    id: "path",
    run: ProbeFn::Path(path_probe),
    pure: true,
};
static STAT: Probe = Probe {
    id: "stat",
    run: ProbeFn::Path(stat_probe),
    pure: false,
};

/// The path a write or delete really reaches. Deleting or moving a symlink acts on the link, so
/// for those the last component is not followed (unless written with a trailing `/`).
pub fn resolve(f: &Facts, s: &PathSubject) -> PathBuf {
    if !f.is_live() {
        return s.abs.clone();
    }
    // Every in-use probe asks; the answer is one per run.
    f.memo_for("resolve", s, |f| resolve_live(f, s))
        .as_ref()
        .clone()
}

/// Whether the operation acts on a symlink operand itself rather than what it points to: rm's
/// operands, and both sides of mv (mv renames a link, it does not move what the link names).
pub fn acts_on_link(kind: Kind, role: super::Role) -> bool {
    match kind {
        Kind::Delete => role == super::Role::Target,
        Kind::Move => matches!(role, super::Role::Target | super::Role::Source),
        _ => false,
    }
}

fn resolve_live(f: &Facts, s: &PathSubject) -> PathBuf {
    let raw = f.cwd.join(bytes::path(&s.arg));
    let keep_last = acts_on_link(f.op.kind, s.role) && !s.arg.ends_with('/');
    if keep_last {
        if let (Some(parent), Some(name)) = (raw.parent(), raw.file_name()) {
            return super::normalize(&canonical_prefix(parent).join(name));
        }
    }
    canonical_prefix(&raw)
}

/// Canonicalizes the longest existing prefix of `p` and appends the rest lexically.
fn canonical_prefix(p: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(c) = std::fs::canonicalize(&cur) {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return super::normalize(&out);
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent.to_path_buf();
            }
            _ => return super::normalize(p),
        }
    }
}

fn path_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let path = resolve(f, s);
    Ok(answer([
        ("arg", s.arg.clone().into()),
        ("path", bytes::encode_path(&path).into()),
        (
            "name",
            path.file_name()
                .map(|n| bytes::encode(n).into_owned())
                .unwrap_or_default()
                .into(),
        ),
    ]))
}

/// The kind of file at a path, as the `kind` fact names it.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_file() {
        "file"
    } else if t.is_block_device() {
        "block_device"
    } else if t.is_char_device() {
        "char_device"
    } else if t.is_symlink() {
        "symlink"
    } else if t.is_fifo() {
        "fifo"
    } else {
        "socket"
    }
}

fn stat_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let path = resolve(f, s);
    let link = std::fs::symlink_metadata(f.cwd.join(bytes::path(&s.arg)))
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    match std::fs::metadata(&path).or_else(|_| std::fs::symlink_metadata(&path)) {
        Ok(m) => Ok(answer([
            ("exists", true.into()),
            ("kind", kind_of(&m).into()),
            ("size", m.size().into()),
            ("is_symlink", link.into()),
            ("owner_uid", m.uid().into()),
        ])),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(answer([
            ("exists", false.into()),
            ("kind", "missing".into()),
            ("size", Value::Null),
            ("is_symlink", link.into()),
        ])),
        Err(e) => Err(format!("stat `{}`: {e}", bytes::show_path(&path))),
    }
}

const PATH_DOC: &str = "## What it tells\nThe absolute path the command really reaches: relative paths resolved against the command's working directory (including `env -C`/`sudo -D`), symlinks and `..` resolved. For deletes and moves the last component is not followed (rm removes the link, not what it points to).\n## How it is found\nrealpath(3) of the longest existing prefix, the rest appended.\n## When it is unknown\nNever; with a facts snapshot it is the lexically normalized path.\n## Example\n`dd of=../img/web1.img` run in `/srv/xen/cfg` → `/srv/xen/img/web1.img`.";

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "arg", scope: Scope::Path, probe: &PATH, ty: "string", doc: "## What it tells\nThe path exactly as written on the command line.\n## How it is found\nFrom the argv.\n## When it is unknown\nNever.\n## Example\n`target.arg: { glob: \"/*\" }` catches an unexpanded `/*`." },
    FactDef { name: "path", scope: Scope::Path, probe: &PATH, ty: "path", doc: PATH_DOC },
    FactDef { name: "name", scope: Scope::Path, probe: &PATH, ty: "string", doc: "## What it tells\nThe last component of `path` (`web1.img`, `sda`).\n## How it is found\nFrom `path`.\n## When it is unknown\nNever (empty for `/`).\n## Example\n`/dev/sdb` → `sdb`." },
    FactDef { name: "exists", scope: Scope::Path, probe: &STAT, ty: "bool", doc: "## What it tells\nWhether something is at the path now.\n## How it is found\nstat(2) of the resolved path.\n## When it is unknown\nWhen stat fails for another reason than a missing file (permissions): a fact error.\n## Example\n`true`." },
    FactDef { name: "kind", scope: Scope::Path, probe: &STAT, ty: "string", doc: "## What it tells\nWhat is at the path: `file`, `directory`, `block_device`, `char_device`, `symlink` (dangling), `fifo`, `socket`, or `missing`.\n## How it is found\nstat(2) of the resolved path.\n## When it is unknown\nWhen stat fails for another reason than a missing file: a fact error.\n## Example\n`/dev/sda` → `block_device`." },
    FactDef { name: "size", scope: Scope::Path, probe: &STAT, ty: "number", doc: "## What it tells\nThe size in bytes of a file (0 for devices: see the device facts).\n## How it is found\nstat(2).\n## When it is unknown\n`null` when nothing is there.\n## Example\n`17179869184`." },
    FactDef { name: "is_symlink", scope: Scope::Path, probe: &STAT, ty: "bool", doc: "## What it tells\nWhether the path as written is a symbolic link.\n## How it is found\nlstat(2) of the written path.\n## When it is unknown\nNever (false when it cannot be read).\n## Example\n`/dev/disk/by-id/…` → `true`." },
    FactDef { name: "owner_uid", scope: Scope::Path, probe: &STAT, ty: "number", doc: "## What it tells\nThe numeric owner of what is at the path.\n## How it is found\nstat(2).\n## When it is unknown\n`null` when nothing is there.\n## Example\n`0`." },
];
