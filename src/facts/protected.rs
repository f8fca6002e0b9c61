//! Whether a path is one the site protects (`settings.protected` in the policy, and safe-rm's
//! lists): which entries name it, and the verdict each kind of change to it gets.
//!
//! The list is handed in by whoever holds the policy ([`Facts::set_protected`]): facts never
//! read policies. An entry is an absolute path or a glob (`*`, `?`, `[…]`, each within one path
//! component, as the shell and safe-rm match them); one ending in `/` names directories only.
//!
//! Containment by identity (DESIGN decision 11), never by spelling alone:
//! - a path *is* an entry when it is the same directory entry: its resolved path is the entry's,
//!   or its name is the entry's name in the same directory by (device, inode) (`/lib/modules`
//!   through the `/lib → usr/lib` link, `/srv/chroot/etc/passwd` with the host's `/etc` bound
//!   there), or, for a directory, it is the entry's directory by (device, inode) (a bind mount
//!   of it anywhere);
//! - a file that is the entry's file by (device, inode) under another name (a hard link, a bind
//!   mount of the file) is the same *object*: writing it or changing its mode reaches the entry,
//!   deleting that name does not, so only `overwrite` and `permissions` apply.
//!
//! A glob whose directory part is plain (`/usr/lib/*`, `/etc/*/`) is matched the same way: its
//! last component against the path's name, and its directory by identity. A glob with patterns
//! in its directory part (`/home/*/.ssh`) is matched on the resolved path's spelling only.
//!
//! A recursive delete, move or permission change of a directory also reaches the entries below
//! it: those whose pattern lies below its resolved path, and, by identity, those whose directory
//! it is (`chroot/etc` bound from `/etc` holds `/etc/passwd`). Deeper than one level only the
//! spelling is compared, and so above the target of an entry that is itself a symlink
//! (`rm -rf /data` with `/var/lib/mysql → /data/mysql`: not seen).
//!
//! What is stat'ed, so that the common case costs little: a path's directory is compared with
//! an entry's directory only when the names fit; a directory is compared with every plain entry
//! only when its filesystem is visible at more than one place (mountinfo: mounted twice, or a
//! bind of one of its directories), and otherwise with those of its own name (an entry that is
//! a symlink to it, `/var/lib/mysql → /data/mysql`); a file with every entry only when it has
//! more than one link.
//!
//! Each entry and each entry directory is stat'ed at most once per run, and only when a rule
//! reads these facts.

use super::inuse::identity;
use super::{
    answer, path::resolve, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope,
};
use crate::text::{bytes, glob::glob_match};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// One protected entry, as the policy gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Absolute, with no trailing `/` (`dir_only` says it had one) and no empty components.
    pub pattern: Cow<'static, str>,
    /// Written with a trailing `/`: only directories match.
    pub dir_only: bool,
    /// The verdict names (`allow` … `deny`) for a recursive delete or move-away, a plain delete,
    /// an overwrite (or a resize, or a replacing copy or move onto it) and a change of mode,
    /// owner, attributes or ACL.
    pub tree: &'static str,
    pub delete: &'static str,
    pub overwrite: &'static str,
    pub permissions: &'static str,
    /// Where it was set: `FILE:LINE`, each layer that set or tightened it, joined by `, `.
    pub from: Cow<'static, str>,
}

impl Entry {
    /// The pattern as written: with its trailing `/` when it names directories only.
    pub fn shown(&self) -> String {
        if self.dir_only && self.pattern != "/" {
            format!("{}/", self.pattern)
        } else {
            self.pattern.to_string()
        }
    }
}

/// How strict a verdict name is (`allow` 0 … `deny` 3).
fn rank(v: &str) -> u8 {
    match v {
        "warn" => 1,
        "confirm" => 2,
        "deny" => 3,
        _ => 0,
    }
}

fn stricter(a: Option<&'static str>, b: &'static str) -> Option<&'static str> {
    match a {
        Some(a) if rank(a) >= rank(b) => Some(a),
        _ => Some(b),
    }
}

fn has_glob(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// A glob against one name, with the shapes the lists use most (`*`, `vmlinuz*`) done without
/// the general matcher.
fn name_glob(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some("") => !name.is_empty(),
        Some(prefix) if !has_glob(prefix) => name.starts_with(prefix),
        _ => glob_match(pattern, name),
    }
}

fn components(s: &str) -> impl Iterator<Item = &str> {
    s.split('/').filter(|c| !c.is_empty())
}

/// One component of a pattern against one of a path.
fn component_fits(pattern: &str, name: &str) -> bool {
    if has_glob(pattern) {
        name_glob(pattern, name)
    } else {
        pattern == name
    }
}

/// Component by component: `*` never crosses a `/`.
fn path_glob(pattern: &str, path: &str) -> bool {
    let (mut p, mut t) = (components(pattern), components(path));
    loop {
        match (p.next(), t.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if component_fits(a, b) => {}
            _ => return false,
        }
    }
}

type Id = (u64, u64);

/// What makes two entries one for the list of names: the object (when it exists), the
/// directory, the last component.
type Named<'a> = (Option<(Id, bool)>, Id, &'a str);

fn id_of(m: &std::fs::Metadata) -> Id {
    (m.dev(), m.ino())
}

/// (device, inode) of each plain entry (links followed; whether it is a directory) and of each
/// entry's plain directory: each stat'ed at most once per run, and only when a path needs it.
struct Ids {
    /// How each pattern is made, worked out once.
    shape: Vec<Shape>,
    entry: Vec<OnceCell<Option<(Id, bool)>>>,
    dir: Vec<OnceCell<Option<Id>>>,
    /// Each directory stat'ed so far (entries share a few).
    dirs: RefCell<Vec<(String, Option<Id>)>>,
}

/// A pattern's directory and last component, and where its patterns are.
#[derive(Clone, Copy)]
struct Shape {
    /// Byte ranges of the directory (`/` for one at the top) and of the last component;
    /// `None` for `/` itself.
    parts: Option<((usize, usize), usize)>,
    dir_glob: bool,
    last_glob: bool,
}

impl Shape {
    fn of(p: &str) -> Shape {
        let parts = p.bytes().rposition(|b| b == b'/').and_then(|i| {
            let dir = if i == 0 { (0, 1) } else { (0, i) };
            (i + 1 < p.len()).then_some((dir, i + 1))
        });
        let (dir_glob, last_glob) = match parts {
            Some(((a, b), l)) => (has_glob(&p[a..b]), has_glob(&p[l..])),
            None => (false, false),
        };
        Shape {
            parts,
            dir_glob,
            last_glob,
        }
    }

    fn split<'p>(&self, p: &'p str) -> Option<(&'p str, &'p str)> {
        self.parts.map(|((a, b), l)| (&p[a..b], &p[l..]))
    }
}

impl Ids {
    /// The entry's object, `None` for a glob or when nothing is there.
    fn entry(&self, i: usize, e: &Entry) -> Option<(Id, bool)> {
        let cell = self.entry.get(i)?;
        let shape = self.shape.get(i).copied()?;
        *cell.get_or_init(|| {
            if shape.dir_glob || shape.last_glob {
                return None;
            }
            std::fs::metadata(e.pattern.as_ref())
                .ok()
                .map(|m| (id_of(&m), m.is_dir()))
        })
    }

    /// The entry's directory, `None` when it has patterns in it or is not there.
    fn dir(&self, i: usize, e: &Entry) -> Option<Id> {
        let shape = self.shape.get(i).copied()?;
        *self.dir.get(i)?.get_or_init(|| {
            let (d, _) = shape.split(&e.pattern)?;
            if shape.dir_glob {
                return None;
            }
            // Entries come grouped by directory: the last one looked at is most often it.
            if let Some((_, known)) = self.dirs.borrow().iter().rev().find(|(k, _)| k == d) {
                return *known;
            }
            let id = std::fs::metadata(d).ok().map(|m| id_of(&m));
            self.dirs.borrow_mut().push((d.to_string(), id));
            id
        })
    }
}

fn ids(f: &Facts, list: &[Entry]) -> std::rc::Rc<Ids> {
    f.memo("protected_ids", |_| Ids {
        shape: list.iter().map(|e| Shape::of(&e.pattern)).collect(),
        entry: list.iter().map(|_| OnceCell::new()).collect(),
        dir: list.iter().map(|_| OnceCell::new()).collect(),
        dirs: RefCell::default(),
    })
}

/// How an entry reaches a path.
#[derive(PartialEq)]
enum Reach {
    /// The same directory entry (or the same directory): every verdict applies.
    Entry,
    /// The same file under another name: only writing it and changing its mode reach the entry.
    Object,
    /// Below the path (a directory): a recursive delete, move or permission change of the path
    /// reaches it.
    Below,
}

/// Does the pattern name something strictly below `path` (component by component)?
fn below(pattern: &str, glob: bool, path: &str) -> bool {
    if !glob {
        return path == "/"
            || (pattern.len() > path.len()
                && pattern.starts_with(path)
                && pattern.as_bytes().get(path.len()) == Some(&b'/'));
    }
    let (mut p, mut t) = (components(pattern), components(path));
    loop {
        match (p.next(), t.next()) {
            (Some(_), None) => return true,
            (Some(a), Some(b)) if component_fits(a, b) => {}
            _ => return false,
        }
    }
}

/// One path, as the probe looks at it.
struct Here<'a> {
    shown: String,
    name: Option<std::borrow::Cow<'a, str>>,
    parent_shown: Option<String>,
    id: Option<Id>,
    is_dir: bool,
    /// Its link count (a directory's is not looked at).
    links: u64,
    /// A directory whose filesystem is mounted at more than one place, or bound from a
    /// directory of it: another path may name it (when it is not, only a symlink can).
    mounted_twice: bool,
}

fn reach(
    (i, e): (usize, &Entry),
    here: &Here,
    ids: &Ids,
    parent_id: &dyn Fn() -> Option<Id>,
) -> Option<Reach> {
    if e.dir_only && !here.is_dir {
        return None;
    }
    if e.pattern == here.shown {
        return Some(Reach::Entry);
    }
    let shape = ids.shape.get(i).copied()?;
    if let Some((dir, last)) = shape.split(&e.pattern) {
        if shape.dir_glob {
            if path_glob(&e.pattern, &here.shown) {
                return Some(Reach::Entry);
            }
        } else {
            let name_fits = here.name.as_deref().is_some_and(|n| {
                if shape.last_glob {
                    name_glob(last, n)
                } else {
                    n == last
                }
            });
            let same_dir = || {
                here.parent_shown.as_deref() == Some(dir)
                    || ids.dir(i, e).is_some_and(|d| parent_id() == Some(d))
            };
            if name_fits && same_dir() {
                return Some(Reach::Entry);
            }
        }
    }
    // Another path to the entry itself: a directory under a bind mount or a second mount of
    // its filesystem (every entry is compared then), or one the entry names through a symlink
    // of the same name (`/var/lib/mysql` → `/data/mysql`); a file by another name (only a file
    // with more than one link has one).
    let same_name = || {
        here.name.as_deref().is_some_and(|n| {
            shape
                .split(&e.pattern)
                .is_some_and(|(_, last)| last == n || (shape.last_glob && name_glob(last, n)))
        })
    };
    if (here.is_dir && (here.mounted_twice || same_name())) || here.links > 1 {
        match (ids.entry(i, e), here.id) {
            (Some((id, true)), Some(mine)) if here.is_dir && id == mine => {
                return Some(Reach::Entry)
            }
            (Some((id, false)), Some(mine)) if !here.is_dir && id == mine => {
                return Some(Reach::Object)
            }
            _ => {}
        }
    }
    let is_below = here.is_dir
        && (below(&e.pattern, shape.dir_glob || shape.last_glob, &here.shown)
            || ids.dir(i, e).is_some_and(|d| here.id == Some(d)));
    is_below.then_some(Reach::Below)
}

/// The strictest verdict of each kind over the entries that reach a path.
#[derive(Default)]
struct Strictest {
    tree: Option<&'static str>,
    delete: Option<&'static str>,
    overwrite: Option<&'static str>,
    permissions: Option<&'static str>,
    tree_permissions: Option<&'static str>,
}

impl Strictest {
    fn add(&mut self, e: &Entry, reach: &Reach, is_dir: bool) {
        let up = |slot: &mut Option<&'static str>, v: &'static str| *slot = stricter(*slot, v);
        match reach {
            Reach::Entry => {
                // A recursive delete of a file deletes the file.
                up(&mut self.tree, if is_dir { e.tree } else { e.delete });
                up(&mut self.delete, e.delete);
                if !is_dir {
                    up(&mut self.overwrite, e.overwrite);
                }
                up(&mut self.permissions, e.permissions);
                up(&mut self.tree_permissions, e.permissions);
            }
            Reach::Object => {
                up(&mut self.overwrite, e.overwrite);
                up(&mut self.permissions, e.permissions);
                up(&mut self.tree_permissions, e.permissions);
            }
            Reach::Below => {
                // Gone with the tree, as a directory or as a file.
                up(&mut self.tree, e.tree);
                up(&mut self.tree, e.delete);
                up(&mut self.tree_permissions, e.permissions);
            }
        }
    }
}

/// Whether the filesystem of device `dev` is visible at more than one place: mounted twice, or
/// bound from one of its directories (mountinfo, read once per run; when it cannot be read, as
/// if it were).
fn mounted_twice(f: &Facts, dev: u64) -> bool {
    let Ok(all) = super::mounts::cached(f) else {
        return true;
    };
    let (major, minor) = (
        nix::sys::stat::major(dev) as u32,
        nix::sys::stat::minor(dev) as u32,
    );
    let mut on = all.iter().filter(|m| (m.major, m.minor) == (major, minor));
    match (on.next(), on.next()) {
        (Some(m), None) => m.root != "/",
        (None, _) => true,
        (Some(_), Some(_)) => true,
    }
}

fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let list = f.protected();
    let path = resolve(f, s);
    let me = if list.is_empty() {
        None
    } else {
        identity::of(f, s)?
    };
    let is_dir = me.is_some_and(|i| i.is_dir);
    let links = match me {
        Some(_) if !is_dir => {
            let m = if super::path::acts_on_link(f.op.kind, s.role) {
                std::fs::symlink_metadata(&path)
            } else {
                std::fs::metadata(&path)
            };
            m.map(|m| m.nlink()).unwrap_or(1)
        }
        _ => 1,
    };
    let here = Here {
        shown: bytes::encode_path(&path),
        name: path.file_name().map(bytes::encode),
        parent_shown: path.parent().map(bytes::encode_path),
        id: me.map(|i| (i.dev, i.ino)),
        is_dir,
        links,
        mounted_twice: is_dir && me.is_some_and(|i| mounted_twice(f, i.dev)),
    };
    let parent = path.parent();
    let parent_id = std::cell::OnceCell::new();
    let parent_id = || -> Option<Id> {
        *parent_id.get_or_init(|| {
            parent.and_then(|p: &Path| std::fs::metadata(p).ok().map(|m| id_of(&m)))
        })
    };
    let mut hits: Vec<Value> = Vec::new();
    let mut v = Strictest::default();
    if !list.is_empty() {
        let ids = ids(f, &list);
        // Two spellings of one entry (`/bin/sh` and `/usr/bin/sh` where `/bin` links to
        // `usr/bin`) are named once: the same object, or the same name in the same directory.
        let mut named: Vec<Named> = Vec::new();
        for (i, e) in list.iter().enumerate() {
            let Some(r) = reach((i, e), &here, &ids, &parent_id) else {
                continue;
            };
            v.add(e, &r, here.is_dir);
            let last = ids.shape[i].split(&e.pattern).map(|(_, l)| l);
            if let (Some(dir), Some(last)) = (ids.dir(i, e), last) {
                let key = (ids.entry(i, e), dir, last);
                if named.contains(&key) {
                    continue;
                }
                named.push(key);
            }
            let how = match r {
                Reach::Entry => "",
                Reach::Object => "; the same file under another name",
                Reach::Below => "; below it",
            };
            hits.push(Value::from(format!("{} ({}{how})", e.shown(), e.from)));
        }
    }
    let val = |x: Option<&'static str>| x.map(Value::from).unwrap_or(Value::Null);
    Ok(answer([
        ("protected.entries", hits.into()),
        ("protected.tree", val(v.tree)),
        ("protected.delete", val(v.delete)),
        ("protected.overwrite", val(v.overwrite)),
        ("protected.permissions", val(v.permissions)),
        ("protected.tree_permissions", val(v.tree_permissions)),
    ]))
}

static PROTECTED: Probe = Probe {
    id: "protected",
    run: ProbeFn::Path(probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "protected.tree", scope: Scope::Path, probe: &PROTECTED, ty: "string", doc: "## What it tells\nThe verdict (`allow`, `warn`, `confirm`, `deny`) the site's protected paths want for a recursive delete or a move-away of the path: `rm -r`, `rsync --delete` into it, `tar --remove-files`, `mv` of it. It counts the entries naming the path (for a file, their `delete` verdict: deleting a file recursively deletes the file) and the entries below it (they go with the tree). Rule `protected-tree-deleted` gives it.\n## How it is found\nThe policy's `settings.protected` list (every layer's, stacked) and the lines of safe-rm's lists (`/etc/safe-rm.conf`, `/usr/local/etc/safe-rm.conf`, `~/.config/safe-rm`, `~/.safe-rm`) when they exist, against the resolved path. An entry names the path when it is spelt the same; when the path's name is the entry's name in the entry's directory by (device, inode) (`/lib/modules` through the `/lib` symlink, `chroot/etc/passwd` with the host's `/etc` bound there); or, for a directory, when it is the entry's directory by (device, inode) (a bind mount of it anywhere). A glob's last component is matched against the name (`*` never crosses a `/`; a pattern ending in `/` matches directories only; one with patterns in its directory part is matched on the spelling). A file that is an entry's file by (device, inode) under another name (a hard link) counts for writing and permissions only. Entries below a directory are found by spelling, and one level down by (device, inode). Where several entries count, the strictest verdict wins. One stat(2) of each plain entry and of each entry's directory per run, only when a rule reads these facts; none from a facts snapshot, which carries the values taken on its host.\n## When it is unknown\n`null` when no protected entry counts for the path (nothing to say); a fact error when the path cannot be stat'ed for another reason than being missing.\n## Example\n`rm -rf /var/lib/mysql` → `deny`; `rm -rf /srv` with `/srv/data` protected → `deny` (below it)." },
    FactDef { name: "protected.delete", scope: Scope::Path, probe: &PROTECTED, ty: "string", doc: "## What it tells\nThe verdict the protected paths want for a plain (not recursive) delete of the path: `rm FILE`, `rm -d DIR`. A hard link to a protected file is not the file: deleting that name leaves the file alone. Rule `protected-path-deleted` gives it.\n## How it is found\nAs `target.protected.tree`.\n## When it is unknown\n`null` when no protected entry counts for the path (nothing to say); a fact error when the path cannot be stat'ed for another reason than being missing.\n## Example\n`rm /etc/shadow` → `deny`." },
    FactDef { name: "protected.overwrite", scope: Scope::Path, probe: &PROTECTED, ty: "string", doc: "## What it tells\nThe verdict the protected paths want for writing over the file in place or replacing it: `dd of=`, `cp` onto it, `truncate`, `shred`, `tee`, `mv NEW PATH`. A hard link to a protected file is the file here. `null` for a directory (nothing writes over one). Rules `protected-file-overwritten` and `protected-file-replaced` give it.\n## How it is found\nAs `target.protected.tree`.\n## When it is unknown\n`null` when no protected entry counts for the path (nothing to say); a fact error when the path cannot be stat'ed for another reason than being missing.\n## Example\n`cp passwd.new /etc/passwd` → `confirm`." },
    FactDef { name: "protected.permissions", scope: Scope::Path, probe: &PROTECTED, ty: "string", doc: "## What it tells\nThe verdict the protected paths want for a change of the path's own mode, owner, group, attributes or ACL: `chmod`, `chown`, `chgrp`, `chattr`, `setfacl` without `-R`. Rule `permissions-changed-on-protected-path` gives it.\n## How it is found\nAs `target.protected.tree`.\n## When it is unknown\n`null` when no protected entry counts for the path (nothing to say); a fact error when the path cannot be stat'ed for another reason than being missing.\n## Example\n`chmod 644 /etc/shadow` → `confirm`." },
    FactDef { name: "protected.tree_permissions", scope: Scope::Path, probe: &PROTECTED, ty: "string", doc: "## What it tells\nThe verdict the protected paths want for a recursive change of mode, owner, attributes or ACL of the tree at the path (`chmod -R`, `chown -R`, `chattr -R`, `setfacl -R`): the entries naming it and those below it, by their `permissions` verdict. Rule `permissions-changed-on-protected-tree` gives it.\n## How it is found\nAs `target.protected.tree`.\n## When it is unknown\n`null` when no protected entry counts for the path (nothing to say); a fact error when the path cannot be stat'ed for another reason than being missing.\n## Example\n`chown -R nobody /var/lib` → `confirm` (`/var/lib/mysql` is below it)." },
    FactDef { name: "protected.entries", scope: Scope::Path, probe: &PROTECTED, ty: "list", doc: "## What it tells\nThe protected entries that count for the path, each as `PATTERN (FILE:LINE)` (where it was set: the layer, or safe-rm's list), with `; below it` for one below a directory and `; the same file under another name` for a hard link: what a message names so the reader knows whom to ask.\n## How it is found\nAs `target.protected.tree`.\n## When it is unknown\nAn empty list when none counts; a fact error as `target.protected.tree`.\n## Example\n`rm -rf /srv/chroot/etc/systemd` with the host's `/etc` bound there → `[/etc/systemd (<embedded default policy>:70)]`." },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{parse, Operation};
    use std::path::PathBuf;
    use std::rc::Rc;

    fn entry(pattern: &str, v: [&'static str; 4]) -> Entry {
        let dir_only = pattern.len() > 1 && pattern.ends_with('/');
        Entry {
            pattern: pattern.trim_end_matches('/').to_string().into(),
            dir_only,
            tree: v[0],
            delete: v[1],
            overwrite: v[2],
            permissions: v[3],
            from: "t.yaml:1".into(),
        }
    }

    const BARE: [&str; 4] = ["deny", "deny", "confirm", "confirm"];

    /// The `protected.*` facts of each target of `line`, as `(tree, delete, overwrite,
    /// permissions, tree_permissions)`.
    fn facts_of(line: &str, list: Vec<Entry>) -> Vec<[Value; 5]> {
        let op: Operation = parse(&shell_words::split(line).expect("splits"));
        let f = Facts::live(&op, PathBuf::from("/"), PathBuf::from("/"));
        f.set_protected(Rc::new(list));
        f.subjects(super::super::Role::Target)
            .iter()
            .map(|s| {
                let get = |n: &str| {
                    f.get(&format!("target.protected.{n}"), Some(s))
                        .expect("known")
                };
                [
                    get("tree"),
                    get("delete"),
                    get("overwrite"),
                    get("permissions"),
                    get("tree_permissions"),
                ]
            })
            .collect()
    }

    fn s(v: &Value) -> &str {
        v.as_str().unwrap_or("null")
    }

    #[test]
    fn the_same_path_by_spelling_and_by_a_symlinked_directory() {
        let d = tempfile::tempdir().expect("tempdir");
        let real = d.path().join("real");
        std::fs::create_dir_all(real.join("data")).expect("mkdir");
        std::os::unix::fs::symlink(&real, d.path().join("link")).expect("symlink");
        let list = || vec![entry(&format!("{}/link/data", d.path().display()), BARE)];
        // Written through the real directory: the entry names it through the link.
        let v = facts_of(&format!("rm -rf {}/data", real.display()), list());
        assert_eq!(s(&v[0][0]), "deny");
        // A directory is never overwritten; its permissions are.
        let v = facts_of(&format!("chmod 700 {}/data", real.display()), list());
        assert_eq!((s(&v[0][2]), s(&v[0][3])), ("null", "confirm"));
        // Something else in the same directory is not protected.
        let v = facts_of(&format!("rm -rf {}/other", real.display()), list());
        assert_eq!(s(&v[0][0]), "null");
        // Both spellings listed (`/bin/sh` and `/usr/bin/sh`): named once.
        let both = vec![
            entry(&format!("{}/link/data", d.path().display()), BARE),
            entry(&format!("{}/data", real.display()), BARE),
        ];
        let op = parse(&["rm".into(), "-r".into(), format!("{}/data", real.display())]);
        let f = Facts::live(&op, PathBuf::from("/"), PathBuf::from("/"));
        f.set_protected(Rc::new(both));
        let t = &f.subjects(super::super::Role::Target)[0];
        let entries = f.get("target.protected.entries", Some(t)).expect("entries");
        assert_eq!(entries.as_array().map(Vec::len), Some(1), "{entries}");
    }

    #[test]
    fn an_entry_that_is_a_symlink_reaches_the_directory_it_names() {
        // A moved data directory: `/var/lib/mysql` → `/data/mysql`.
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(d.path().join("data/mysql/db")).expect("mkdir");
        std::fs::create_dir_all(d.path().join("var")).expect("mkdir");
        std::os::unix::fs::symlink(d.path().join("data/mysql"), d.path().join("var/mysql"))
            .expect("symlink");
        let list = || vec![entry(&format!("{}/var/mysql", d.path().display()), BARE)];
        let v = facts_of(&format!("rm -rf {}/data/mysql", d.path().display()), list());
        assert_eq!(s(&v[0][0]), "deny");
        // Below it, too.
        let v = facts_of(&format!("rm -rf {}/data", d.path().display()), list());
        assert_eq!(
            s(&v[0][0]),
            "null",
            "above a symlinked entry's target only the spelling counts (module docs)"
        );
    }

    #[test]
    fn a_hard_link_is_the_file_for_writes_only() {
        let d = tempfile::tempdir().expect("tempdir");
        let file = d.path().join("passwd");
        std::fs::write(&file, "root:x:0:0\n").expect("write");
        let other = d.path().join("elsewhere");
        std::fs::create_dir(&other).expect("mkdir");
        std::fs::hard_link(&file, other.join("hl")).expect("link");
        let list = || vec![entry(&file.display().to_string(), BARE)];
        let v = facts_of(&format!("dd of={}/hl", other.display()), list());
        assert_eq!(s(&v[0][2]), "confirm", "writing the link writes the file");
        let v = facts_of(&format!("rm {}/hl", other.display()), list());
        assert_eq!(s(&v[0][1]), "null", "deleting the link leaves the file");
        // The file itself: a recursive delete of a file deletes the file.
        let v = facts_of(&format!("rm -rf {}", file.display()), list());
        assert_eq!((s(&v[0][0]), s(&v[0][1])), ("deny", "deny"));
    }

    #[test]
    fn globs_stay_in_one_component_and_a_slash_means_directories() {
        let d = tempfile::tempdir().expect("tempdir");
        let base = d.path().display().to_string();
        std::fs::create_dir_all(d.path().join("lib/sub/deeper")).expect("mkdir");
        std::fs::write(d.path().join("lib/file"), "x").expect("write");
        let list = || {
            vec![
                entry(
                    &format!("{base}/lib/*"),
                    ["deny", "confirm", "confirm", "warn"],
                ),
                entry(
                    &format!("{base}/lib/sub/"),
                    ["deny", "deny", "deny", "deny"],
                ),
            ]
        };
        let v = facts_of(
            &format!("rm -rf {base}/lib/sub {base}/lib/file {base}/lib/sub/deeper"),
            list(),
        );
        assert_eq!(s(&v[0][0]), "deny");
        assert_eq!(
            (s(&v[1][0]), s(&v[1][1])),
            ("confirm", "confirm"),
            "a file: its delete"
        );
        assert_eq!(s(&v[2][0]), "null", "`*` does not reach two levels down");
        // `sub/` names the directory only.
        let list2 = vec![entry(&format!("{base}/lib/file/"), BARE)];
        let v = facts_of(&format!("rm {base}/lib/file"), list2);
        assert_eq!(s(&v[0][1]), "null");
    }

    #[test]
    fn what_lies_below_a_tree_goes_with_it() {
        let d = tempfile::tempdir().expect("tempdir");
        let base = d.path().display().to_string();
        std::fs::create_dir_all(d.path().join("srv/data")).expect("mkdir");
        let list = || {
            vec![entry(
                &format!("{base}/srv/data"),
                ["deny", "confirm", "confirm", "warn"],
            )]
        };
        let v = facts_of(&format!("rm -rf {base}/srv"), list());
        assert_eq!(s(&v[0][0]), "deny", "the tree above it");
        assert_eq!(
            s(&v[0][1]),
            "null",
            "a plain delete of the directory above does not reach it"
        );
        assert_eq!((s(&v[0][3]), s(&v[0][4])), ("null", "warn"));
        let v = facts_of(&format!("rm -rf {base}/srv/data2"), list());
        assert_eq!(s(&v[0][0]), "null");
    }

    #[test]
    fn the_strictest_entry_wins_and_every_one_is_named() {
        let d = tempfile::tempdir().expect("tempdir");
        let base = d.path().display().to_string();
        std::fs::create_dir_all(d.path().join("etc/systemd")).expect("mkdir");
        let list = vec![
            entry(
                &format!("{base}/etc/*/"),
                ["confirm", "confirm", "confirm", "confirm"],
            ),
            entry(&format!("{base}/etc/systemd"), BARE),
        ];
        let op = parse(&["rm".into(), "-rf".into(), format!("{base}/etc/systemd")]);
        let f = Facts::live(&op, PathBuf::from("/"), PathBuf::from("/"));
        f.set_protected(Rc::new(list));
        let t = &f.subjects(super::super::Role::Target)[0];
        assert_eq!(
            f.get("target.protected.tree", Some(t)).expect("tree"),
            "deny"
        );
        let entries = f.get("target.protected.entries", Some(t)).expect("entries");
        assert_eq!(
            entries,
            serde_json::json!([
                format!("{base}/etc/*/ (t.yaml:1)"),
                format!("{base}/etc/systemd (t.yaml:1)")
            ])
        );
    }

    #[test]
    fn nothing_protected_says_nothing() {
        let v = facts_of("rm -rf /nonexistent/x", Vec::new());
        assert!(v[0].iter().all(Value::is_null));
        let v = facts_of("rm -rf /nonexistent/x", vec![entry("/srv/data", BARE)]);
        assert!(v[0].iter().all(Value::is_null));
    }
}
