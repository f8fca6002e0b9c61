//! What the kernel says is in use below a tree a recursive delete removes: loop backing files,
//! active swap files and images carrying QEMU's locks (`tree.in_use`).
//!
//! Below is decided by identity (DESIGN decision 11), never by a string prefix: a path from a
//! kernel list (a loop device's backing file, a `/proc/swaps` row) is below the tree when one of
//! its parent directories, stat'ed, is the tree's root by (device, inode) — so a tree reached
//! through a bind mount or a second mount of its filesystem is still seen to hold the image.
//!
//! QEMU's locks name no path (`/proc/locks` gives device and inode), and reading `/proc/locks`
//! costs 10-20 ms (the kernel waits for an RCU grace period), far more than deleting a small tree.
//! So the tree is walked once (the walk `scale.entries` counts with: bounded, symbolic links
//! never followed), and the regular files of at least one sector (512 bytes: no disk image a
//! guest keeps data on is smaller) are each asked directly with `F_OFD_GETLK` (a few
//! microseconds each, the probe of `qemu.locked`) — up to 4,096 of them; a tree with more reads
//! `/proc/locks` once and matches its (device, inode) pairs against the walk. Nothing is opened
//! for writing.

use super::super::{answer, failed, mounts, scale, tree, Facts, PathSubject, ProbeResult};
use super::{loop_devices, qemu_locks, swaps};
use crate::text::bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Up to this many files, each is asked for QEMU's locks itself: a few microseconds each, so
/// 4,096 of them cost less than one read of `/proc/locks` (10-20 ms).
pub const PER_FILE_MAX: usize = 4096;

/// Is `p` below the directory `(dev, ino)`: is one of its parents that directory?
pub fn below(p: &Path, dev: u64, ino: u64) -> bool {
    p.ancestors()
        .skip(1)
        .any(|a| std::fs::metadata(a).is_ok_and(|m| (m.dev(), m.ino()) == (dev, ino)))
}

/// The QEMU-locked files of the walk, or why that cannot be told.
fn locked(f: &Facts, w: &scale::Walk, root_dev: u64) -> Result<Vec<PathBuf>, String> {
    let live = f.is_live() && f.sys_root == Path::new("/");
    let stopped = w.count.capped;
    if live && !stopped && w.files.len() <= PER_FILE_MAX {
        let mut out = Vec::new();
        let mut unasked = Vec::new();
        for (p, dev, ino) in &w.files {
            match qemu_locks::ofd_probe_file(p) {
                Some(true) => out.push(p.clone()),
                Some(false) => {}
                None => unasked.push((p.clone(), *dev, *ino)),
            }
        }
        if unasked.is_empty() {
            return Ok(out);
        }
        out.extend(from_proc_locks(f, &unasked)?.0);
        return Ok(out);
    }
    let (found, rest) = from_proc_locks(f, &w.files)?;
    if stopped {
        let on_tree = rest.iter().filter(|(maj, min, _)| {
            (u64::from(*maj), u64::from(*min))
                == (
                    nix::sys::stat::major(root_dev),
                    nix::sys::stat::minor(root_dev),
                )
        });
        let n = on_tree.count();
        if n > 0 && found.is_empty() {
            return Err(format!(
                "{n} file(s) on this filesystem carry QEMU's locks, and the tree is too big to look through in time (stopped after {} entries or {:?})",
                scale::ENTRY_CAP,
                scale::walk_limit()
            ));
        }
    }
    Ok(found)
}

type LockKey = (u32, u32, u64);

/// The files that carry QEMU-range locks in /proc/locks, and the locked objects not among them.
fn from_proc_locks(
    f: &Facts,
    files: &[(PathBuf, u64, u64)],
) -> Result<(Vec<PathBuf>, Vec<LockKey>), String> {
    let p = f.sys("/proc/locks");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("read `{}`: {e}", p.display()))?;
    let mut keys: Vec<LockKey> = qemu_locks::parse(&text)
        .into_iter()
        .filter(|l| l.is_qemu_range())
        .map(|l| (l.major, l.minor, l.ino))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let by_key: HashMap<LockKey, &PathBuf> = files
        .iter()
        .map(|(p, dev, ino)| {
            let k = (
                nix::sys::stat::major(*dev) as u32,
                nix::sys::stat::minor(*dev) as u32,
                *ino,
            );
            (k, p)
        })
        .collect();
    let mut found = Vec::new();
    let mut rest = Vec::new();
    for k in keys {
        match by_key.get(&k) {
            Some(p) => found.push((*p).clone()),
            None => rest.push(k),
        }
    }
    Ok((found, rest))
}

/// `PATH backs /dev/loopN[, mounted on MNT]` for each loop device backed by a file below.
fn loops_below(f: &Facts, dev: u64, ino: u64, out: &mut Vec<InUse>) -> Result<(), String> {
    let all = f.memo("loop_devices", loop_devices::list);
    let all = all.as_ref().as_ref().map_err(Clone::clone)?;
    for l in all {
        if l.deleted {
            continue; // no name left to delete
        }
        let path = bytes::path(&l.backing_file).into_owned();
        // The name must still be the backing file (the loop driver says which inode it is).
        let here = std::fs::metadata(&path).ok();
        let same = match (&l.backing, &here) {
            (Ok((d, i, _)), Some(m)) => (m.dev(), m.ino()) == (*d, *i),
            (Err(_), Some(_)) => true,
            (_, None) => false,
        };
        if !same || !below(&path, dev, ino) {
            continue;
        }
        let mut line = format!("{} backs /dev/{}", l.backing_file, l.name);
        if let Some((maj, min)) = l.number {
            let (_, devs, _) = mounts::device_and_partitions(f, maj, min);
            let all = mounts::cached(f)?;
            let points: Vec<&str> = all
                .iter()
                .filter(|m| devs.contains(&(m.major, m.minor)))
                .map(|m| m.mount_point.as_str())
                .collect();
            if !points.is_empty() {
                line.push_str(&format!(", mounted on {}", points.join(", ")));
            }
        }
        out.push(InUse { path, what: line });
    }
    Ok(())
}

fn swaps_below(f: &Facts, dev: u64, ino: u64, out: &mut Vec<InUse>) -> Result<(), String> {
    let p = f.sys("/proc/swaps");
    let text = bytes::read(&p).map_err(|e| format!("read `{}`: {e}", p.display()))?;
    for s in swaps::parse(&text) {
        let path = bytes::path(&s.filename).into_owned();
        if s.kind == "file" && below(&path, dev, ino) {
            out.push(InUse {
                path,
                what: format!("{} is active swap", s.filename),
            });
        }
    }
    Ok(())
}

/// One object the kernel says is in use below a tree: its path and what holds it.
#[derive(Debug, Clone)]
pub struct InUse {
    pub path: PathBuf,
    /// `PATH backs /dev/loop0, mounted on /mnt`, `PATH is active swap`, `PATH is locked by QEMU`.
    pub what: String,
}

/// Every in-use object below the tree at `s` (loop backing files, active swap files, images
/// carrying QEMU's locks), or why that cannot be told. `None`: `s` is no directory.
pub fn in_use_below(f: &Facts, s: &PathSubject) -> Option<Result<Vec<InUse>, String>> {
    let root = tree::tree_root(f, s)?;
    let (dev, ino) = (root.dev(), root.ino());
    let mut out = Vec::new();
    if let Err(e) =
        loops_below(f, dev, ino, &mut out).and_then(|()| swaps_below(f, dev, ino, &mut out))
    {
        return Some(Err(e));
    }
    let w = scale::tree_walk(f, s);
    match locked(f, &w, dev) {
        Ok(list) => out.extend(list.into_iter().map(|p| InUse {
            what: format!("{} is locked by QEMU", bytes::encode_path(&p)),
            path: p,
        })),
        Err(why) if out.is_empty() => return Some(Err(why)),
        Err(_) => {}
    }
    Some(Ok(out))
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let list = match in_use_below(f, s) {
        None => Vec::new(),
        Some(Ok(list)) => list,
        Some(Err(why)) => return Ok(answer([("tree.in_use", failed(why))])),
    };
    Ok(answer([(
        "tree.in_use",
        list.into_iter()
            .map(|u| Value::from(u.what))
            .collect::<Vec<_>>()
            .into(),
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_by_identity_of_a_parent() {
        let d = tempfile::tempdir().expect("tmp");
        let tree = d.path().join("tree");
        std::fs::create_dir_all(tree.join("a/b")).expect("mkdir");
        std::fs::write(tree.join("a/b/img"), b"x").expect("write");
        std::fs::write(d.path().join("treex"), b"x").expect("write");
        let m = std::fs::metadata(&tree).expect("stat");
        let (dev, ino) = (m.dev(), m.ino());
        assert!(below(&tree.join("a/b/img"), dev, ino));
        assert!(below(&tree.join("a"), dev, ino));
        assert!(
            !below(&tree, dev, ino),
            "the tree itself is not below itself"
        );
        assert!(
            !below(&d.path().join("treex"), dev, ino),
            "a common string prefix is not containment"
        );
        // Through another name of the same directory (a symlink stands in for a bind mount).
        std::os::unix::fs::symlink(&tree, d.path().join("alias")).expect("symlink");
        let alias = std::fs::canonicalize(d.path().join("alias")).expect("realpath");
        assert!(below(&alias.join("a/b/img"), dev, ino));
    }
}
