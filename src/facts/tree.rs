//! What lies below a tree a recursive delete removes: the filesystems mounted inside it (bind
//! mounts of `/etc` in a chroot), and whether the tree, or a set of operands, is a system
//! directory by identity rather than by its spelling (DESIGN decision 11: containment is
//! decided by (device, inode), not by string prefixes). What the kernel says is in use below the
//! tree (loop backing files, swap files, QEMU's image locks) is `inuse::below`.
//!
//! Mounts below a tree are read from `/proc/self/mountinfo` (one read per run, shared with every
//! probe): a mount point is below the tree when the tree's resolved path is a proper prefix of it
//! (component-wise, on the canonical path). That string comparison is the right one here: a mount
//! hangs on one (mount, directory) pair, so the same directory reached through another mount of
//! its filesystem has nothing mounted on it, and rm will not cross anything there.
//!
//! Nothing here writes; every look is a stat(2), a readdir(3) or a read of a kernel file.

use super::{
    answer, mounts, path::resolve, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Role,
    Scope,
};
use crate::command::Kind;
use crate::text::bytes;
use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The system directories, by path: the same list as the default policy's
/// `rm-recursive-system-dir` (a test holds them together), with `/` itself. A target that *is* one
/// of these by (device, inode), whatever its path, is a system directory.
pub const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/usr/bin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/sbin",
    "/usr/share",
    "/usr/local",
    "/usr/include",
    "/var/lib",
    "/var/log",
    "/var/spool",
    "/var/mail",
    "/var/cache",
    "/etc/ssh",
    "/boot/efi",
];

/// (device, inode) of each system directory that exists here, stat'ed once per run.
fn system_ids(f: &Facts) -> std::rc::Rc<Vec<(&'static str, u64, u64)>> {
    f.memo("system_dir_ids", |_| {
        SYSTEM_DIRS
            .iter()
            .filter_map(|d| {
                std::fs::metadata(d)
                    .ok()
                    .filter(|m| m.is_dir())
                    .map(|m| (*d, m.dev(), m.ino()))
            })
            .collect()
    })
}

/// The system directory the directory at canonical path `p` (with metadata `m`) is by identity.
///
/// Within one mount a directory has one canonical path (directories have no hard links), so a
/// directory can be a system directory under another path only through another mount of the
/// same filesystem (a bind mount, a second mount): only system directories on a different
/// mount with the same device number are stat'ed, which on an ordinary path is none at all.
fn system_dir_of(
    f: &Facts,
    p: &Path,
    m: &std::fs::Metadata,
) -> Result<Option<&'static str>, String> {
    if let Some(d) = SYSTEM_DIRS.iter().find(|d| Path::new(d) == p) {
        return Ok(Some(*d));
    }
    let all = mounts::cached(f)?;
    let Some(here) = mounts::containing(&all, p) else {
        return Ok(None);
    };
    // A system directory reached through another mount of the same filesystem lies below a
    // second mount of it (a "twin"): only those directories need the mount lookup, and usually
    // there are none (a container's bind-mounted /etc/hosts is a twin, but no directory is
    // below it).
    let twins: Vec<std::borrow::Cow<'_, Path>> = all
        .iter()
        .filter(|o| !std::ptr::eq(*o, here) && (o.major, o.minor) == (here.major, here.minor))
        .map(|o| crate::text::bytes::path(&o.mount_point))
        .collect();
    let elsewhere = SYSTEM_DIRS.iter().any(|d| {
        let d = Path::new(d);
        twins.iter().any(|t| d.starts_with(t))
            && mounts::containing(&all, d).is_some_and(|there| {
                !std::ptr::eq(there, here) && (there.major, there.minor) == (here.major, here.minor)
            })
    });
    if !elsewhere {
        return Ok(None);
    }
    Ok(system_ids(f)
        .iter()
        .find(|(_, d, i)| (*d, *i) == (m.dev(), m.ino()))
        .map(|(p, _, _)| *p))
}

/// The directory a subject reaches, by lstat (rm acts on a link, not what it points to): `None`
/// when nothing is there or it is not a directory.
pub fn tree_root(f: &Facts, s: &PathSubject) -> Option<std::fs::Metadata> {
    let path = resolve(f, s);
    let on_link = super::path::acts_on_link(f.op.kind, s.role);
    let m = if on_link {
        std::fs::symlink_metadata(&path)
    } else {
        std::fs::metadata(&path)
    };
    m.ok().filter(|m| m.is_dir())
}

/// `SOURCE[ROOT]` as findmnt shows a bind mount's origin (`/dev/vda[/etc]`), or `SOURCE`.
fn origin(m: &mounts::Mount) -> String {
    if m.root == "/" {
        m.source.clone()
    } else {
        format!("{}[{}]", m.source, m.root)
    }
}

/// `PATH (SOURCE, FSTYPE)`: a mount as the tree facts list it.
pub fn show_mount(m: &mounts::Mount) -> String {
    format!("{} ({}, {})", m.mount_point, origin(m), m.fstype)
}

fn mounts_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let empty = || {
        Ok(answer([
            ("tree.mounts", Vec::<Value>::new().into()),
            ("tree.mounts_same_fs", Vec::<Value>::new().into()),
        ]))
    };
    let Some(root) = tree_root(f, s) else {
        return empty();
    };
    let path = resolve(f, s);
    let all = mounts::cached(f)?;
    let mut below = Vec::new();
    let mut same_fs = Vec::new();
    for m in all.iter() {
        let point = bytes::path(&m.mount_point);
        if point.as_ref() == path || !point.starts_with(&path) {
            continue;
        }
        below.push(Value::from(show_mount(m)));
        // rm --one-file-system compares each directory's st_dev with the operand's: a bind mount
        // of the tree's own filesystem has the same, and rm goes in (GNU rm 9.1, checked).
        if std::fs::metadata(&point).is_ok_and(|pm| pm.dev() == root.dev()) {
            same_fs.push(Value::from(show_mount(m)));
        }
    }
    Ok(answer([
        ("tree.mounts", below.into()),
        ("tree.mounts_same_fs", same_fs.into()),
    ]))
}

fn system_dir_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let sys = match tree_root(f, s) {
        Some(m) => system_dir_of(f, &resolve(f, s), &m)?,
        None => None,
    };
    Ok(answer([
        ("is_system_dir", sys.is_some().into()),
        ("system_dir", sys.map(Value::from).unwrap_or(Value::Null)),
    ]))
}

/// The system directories every visible entry of which the operands name (`rm -rf /usr/lib/*`
/// is a delete of `/usr/lib`). Looked at only when two or more operands share a parent that is a
/// system directory (by path or by identity); the parent is then read once.
pub fn covered_system_dirs(f: &Facts) -> Result<Vec<String>, String> {
    let mut groups: std::collections::BTreeMap<PathBuf, BTreeSet<std::ffi::OsString>> =
        Default::default();
    for s in f.subjects(Role::Target) {
        let p = resolve(f, &s);
        if let (Some(parent), Some(name)) = (p.parent(), p.file_name()) {
            groups
                .entry(parent.to_path_buf())
                .or_default()
                .insert(name.to_os_string());
        }
    }
    let mut out = Vec::new();
    for (parent, names) in groups {
        if names.len() < 2 {
            continue;
        }
        let Ok(m) = std::fs::metadata(&parent) else {
            continue;
        };
        let sys = match system_dir_of(f, &parent, &m)? {
            Some(d) if Path::new(d) == parent => d.to_string(),
            Some(d) => format!("{d} (as {})", bytes::encode_path(&parent)),
            None => continue,
        };
        let Ok(rd) = std::fs::read_dir(&parent) else {
            continue;
        };
        // What `*` expands to: every entry whose name does not start with a dot.
        let every = rd.flatten().all(|e| {
            let n = e.file_name();
            bytes::encode(&n).starts_with('.') || names.contains(&n)
        });
        if every {
            out.push(sys);
        }
    }
    Ok(out)
}

fn covers_probe(f: &Facts) -> ProbeResult {
    let list = if f.op.kind == Kind::Delete {
        covered_system_dirs(f)?
    } else {
        Vec::new()
    };
    Ok(answer([(
        "operation.covers_system_dir",
        list.into_iter().map(Value::from).collect::<Vec<_>>().into(),
    )]))
}

fn one_fs_probe(f: &Facts) -> ProbeResult {
    let op = f.op;
    let (trusted, why) = if !op.has("one_file_system") {
        (false, Value::from("no `--one-file-system`"))
    } else {
        match super::program::gnu_rm(op) {
            Ok(()) => (true, Value::Null),
            Err(why) => (
                false,
                Value::from(format!("`--one-file-system` is not trusted: {why}")),
            ),
        }
    };
    Ok(answer([
        ("operation.one_file_system", trusted.into()),
        ("operation.one_file_system_why", why),
    ]))
}

static ONE_FS: Probe = Probe {
    id: "one_file_system",
    run: ProbeFn::Whole(one_fs_probe),
    pure: false,
};
static MOUNTS_BELOW: Probe = Probe {
    id: "tree_mounts",
    run: ProbeFn::Path(mounts_probe),
    pure: false,
};
static SYSTEM_DIR: Probe = Probe {
    id: "system_dir",
    run: ProbeFn::Path(system_dir_probe),
    pure: false,
};
static COVERS: Probe = Probe {
    id: "covers_system_dir",
    run: ProbeFn::Whole(covers_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "tree.mounts", scope: Scope::Path, probe: &MOUNTS_BELOW, ty: "list", doc: "## What it tells\nThe filesystems mounted below a directory, each as `MOUNTPOINT (SOURCE, FSTYPE)` (a bind mount's source as `DEVICE[DIR]`, as findmnt shows it): a recursive delete of the directory goes on into each of them, so `rm -rf chroot/` with the host's `/etc` bind-mounted at `chroot/etc` deletes the host's `/etc`.\n## How it is found\n/proc/self/mountinfo (read once per run): every mount point of which the directory's resolved path is a proper prefix, bind mounts included. The mount point *is* the path the kernel hangs the mount on, so this string comparison is exact; the directory itself being a mount point is `is_mountpoint`.\n## When it is unknown\nAn empty list when the path is not a directory (rm removes a symlink, not what it points to) or nothing is mounted below it; a fact error when mountinfo cannot be read.\n## Example\n`rm -rf /srv/chroot` → `[/srv/chroot/etc (/dev/vda[/etc], ext4), /srv/chroot/home (/dev/vda[/home], ext4)]`." },
    FactDef { name: "tree.mounts_same_fs", scope: Scope::Path, probe: &MOUNTS_BELOW, ty: "list", doc: "## What it tells\nThe mounts below a directory (as `tree.mounts`) whose mount point is on the directory's own filesystem: bind mounts of a directory of the same filesystem. `rm --one-file-system` does not stop at these: it compares each directory's device with the operand's, and a bind mount of the same filesystem has the same (GNU coreutils 9.1 deletes through one).\n## How it is found\nThe mounts of `tree.mounts`; stat(2) of each mount point against the directory's st_dev.\n## When it is unknown\nAs `tree.mounts`.\n## Example\n`/srv/chroot/etc (/dev/vda[/etc], ext4)` when `/srv` is on `/dev/vda` too." },
    FactDef { name: "is_system_dir", scope: Scope::Path, probe: &SYSTEM_DIR, ty: "bool", doc: "## What it tells\nWhether the directory *is* a system directory (`/`, `/etc`, `/usr/lib` … the list of `rm-recursive-system-dir`) by identity, whatever path names it: `chroot/etc` bind-mounted from `/etc`, or `/mnt/root/usr` on a second mount of the root filesystem.\n## How it is found\nlstat(2) of the resolved path when the command acts on a symlink itself (rm's operands, both sides of mv), stat(2) otherwise against the (device, inode) of each system directory, stat'ed once per run.\n## When it is unknown\n`false` when the path is not a directory or nothing is there.\n## Example\n`/srv/chroot/etc` after `mount --bind /etc /srv/chroot/etc` → `true`." },
    FactDef { name: "system_dir", scope: Scope::Path, probe: &SYSTEM_DIR, ty: "path", doc: "## What it tells\nWhich system directory the path is by identity (see `is_system_dir`), for the message.\n## How it is found\nAs `is_system_dir`.\n## When it is unknown\n`null` when it is none.\n## Example\n`/srv/chroot/etc` → `/etc`." },
    FactDef { name: "operation.covers_system_dir", scope: Scope::Operation, probe: &COVERS, ty: "list", doc: "## What it tells\nThe system directories every entry of which a delete names: `rm -rf /usr/lib/*` is what the shell makes of a delete of `/usr/lib`, one operand per entry.\n## How it is found\nThe operands' resolved paths are grouped by parent; when two or more share a parent that is a system directory (by path, or by identity as `is_system_dir`), the parent is read (readdir(3)) and compared: every entry whose name does not start with `.` (what `*` expands to) must be an operand. Nothing is read for operands with different parents.\n## When it is unknown\nAn empty list when no system directory is covered, and for operations other than deletes.\n## Example\n`rm -rf /usr/lib/*` → `[/usr/lib]`." },
    FactDef { name: "operation.one_file_system", scope: Scope::Operation, probe: &ONE_FS, ty: "bool", doc: "## What it tells\nWhether a recursive delete stays on the filesystem of each operand: `rm --one-file-system` given, and the rm that will run is GNU coreutils' rm, which honours it (DESIGN decision 12: busybox and uutils before its fix ignore or reject it). It still goes into bind mounts of the same filesystem: see `tree.mounts_same_fs`.\n## How it is found\nThe flag from the argv. The program is not run (no `rm --version`): the file exec will run is found on the PATH it will be looked up on (one set by `env PATH=` on the command line, else safeop's, and also the secure PATH when sudo is a wrapper); its realpath must be named `rm` (not busybox or a multi-call `coreutils` under a link), and the file must carry `bug-coreutils@gnu.org`, which GNU coreutils builds into every program. Read only when something is mounted below the tree.\n## When it is unknown\nNever unknown: what cannot be told is `false` (not trusted), and `operation.one_file_system_why` says why.\n## Example\n`rm -rf --one-file-system /srv/chroot` with `/usr/bin/rm` from GNU coreutils → `true`; `busybox rm -rf --one-file-system …` → `false`." },
    FactDef { name: "operation.one_file_system_why", scope: Scope::Operation, probe: &ONE_FS, ty: "string", doc: "## What it tells\nWhy `operation.one_file_system` is `false`, for the message: no `--one-file-system`, or why the rm that will run is not trusted to honour it.\n## How it is found\nAs `operation.one_file_system`.\n## When it is unknown\n`null` when `operation.one_file_system` is `true`.\n## Example\n``--one-file-system` is not trusted: `/usr/bin/rm` is `/usr/bin/busybox`, a multi-call binary or another program, not GNU rm`." },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_default_policys() {
        let text = include_str!("../../policies/default.yaml");
        let rule = text
            .split("- id: rm-recursive-system-dir\n")
            .nth(1)
            .expect("the rule");
        let paths = rule.find("target.path:").expect("its path test");
        let start = paths + rule[paths..].find("in: [").expect("its list") + 5;
        let end = start + rule[start..].find(']').expect("end of list");
        let listed: BTreeSet<&str> = rule[start..end]
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let ours: BTreeSet<&str> = SYSTEM_DIRS.iter().copied().filter(|d| *d != "/").collect();
        assert_eq!(listed, ours);
    }

    /// The rules of issue 10's table (what takes a system directory away besides `rm`) list
    /// the same directories, with `/`.
    #[test]
    fn the_lists_of_the_sync_move_and_removed_sources_rules_are_the_same() {
        let text = include_str!("../../policies/default.yaml");
        let ours: BTreeSet<&str> = SYSTEM_DIRS.iter().copied().collect();
        for id in [
            "sync-deletes-below-system-dir",
            "move-takes-system-dir-away",
            "sources-removed-from-system-dir",
            "permissions-changed-on-system-dir",
        ] {
            let rule = text
                .split(&format!("- id: {id}\n"))
                .nth(1)
                .unwrap_or_else(|| panic!("rule {id}"));
            let rule = &rule[..rule.find("- id: ").unwrap_or(rule.len())];
            let paths = rule.find(".path:").unwrap_or(0);
            let start = paths + rule[paths..].find("in: [").expect("its list") + 5;
            let end = start + rule[start..].find(']').expect("end of list");
            let listed: BTreeSet<&str> = rule[start..end]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(listed, ours, "{id}");
        }
    }

    /// The default protected paths start with the system directories, `/` included.
    #[test]
    fn the_default_protected_paths_hold_every_system_dir() {
        let text = include_str!("../../policies/default.yaml");
        let list = text
            .split("\n  protected:\n")
            .nth(1)
            .expect("settings.protected");
        let listed: BTreeSet<&str> = list
            .lines()
            .take_while(|l| l.starts_with("    "))
            .filter_map(|l| l.trim().strip_prefix("- "))
            .collect();
        for d in SYSTEM_DIRS {
            assert!(listed.contains(d), "{d} is not protected by default");
        }
    }

    #[test]
    fn bind_origins_as_findmnt_shows_them() {
        let (m, _) = mounts::parse_mountinfo(
            "29 1 254:0 / / rw - ext4 /dev/vda rw\n60 29 254:0 /etc /srv/c/etc ro - ext4 /dev/vda rw\n",
        );
        assert_eq!(show_mount(&m[0]), "/ (/dev/vda, ext4)");
        assert_eq!(show_mount(&m[1]), "/srv/c/etc (/dev/vda[/etc], ext4)");
    }
}
