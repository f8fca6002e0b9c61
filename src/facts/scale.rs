//! How big an operation is: how many entries a recursive delete or a move or copy touches, and
//! how many bytes a dd, copy or restore moves — so a policy can tell "bulk I/O" from a small job.
//!
//! Counting is bounded: the walk stops at [`ENTRY_CAP`] entries or after [`WALK_LIMIT`], and says
//! so (`scale.entries_capped`), because the answer only has to be "a lot" for a huge tree. A walk
//! stopped by the entry cap has its answer ("at least 100,000"); one stopped by the clock below
//! the cap has not — on a starved CPU or a dying disk, where walks *are* slow, 5,000 entries
//! counted as 758 — so then `scale.entries` and `scale.bytes` are failed values (the rule's
//! `unknown:` decides), never a small number. Walks never follow symbolic links. This module
//! measures; it does not judge what is too much.

use super::{
    answer, failed, path::resolve, FactDef, Facts, Probe, ProbeFn, ProbeResult, Role, Scope,
};
use crate::command::Kind;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The walk stops after this many entries.
pub const ENTRY_CAP: u64 = 100_000;
/// …or after this long.
pub const WALK_LIMIT: Duration = Duration::from_secs(2);

/// The walk's time limit: [`WALK_LIMIT`], or the test hook `SAFEOP_WALK_LIMIT_MS` (`context`),
/// with which the test suite makes a walk slow for real.
pub fn walk_limit() -> Duration {
    crate::context::test_hook("SAFEOP_WALK_LIMIT_MS")
        .and_then(|v| v.to_str().and_then(|v| v.parse::<u64>().ok()))
        .map_or(WALK_LIMIT, Duration::from_millis)
}

/// What a bounded walk saw.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Count {
    pub entries: u64,
    /// Sum of the sizes of regular files seen.
    pub bytes: u64,
    pub capped: bool,
    /// Stopped by the clock (not by the entry cap): the count says nothing about the tree's size.
    pub timed_out: bool,
}

/// Counts `root` and everything below it (not following symlinks), up to `cap` entries or until
/// `deadline`.
pub fn count_tree(root: &Path, cap: u64, deadline: Instant) -> Count {
    walk_tree(root, cap, deadline, None)
}

/// Files smaller than this (one sector) are not listed by [`tree_walk`]: no disk image a guest
/// could keep data on is smaller.
pub const MIN_IMAGE_BYTES: u64 = 512;

/// What one bounded walk of a tree saw: the count, and its regular files of at least
/// [`MIN_IMAGE_BYTES`] with their (device, inode), for the facts that look for in-use images
/// below a tree (`inuse::below`).
#[derive(Debug, Default)]
pub struct Walk {
    pub count: Count,
    pub files: Vec<(PathBuf, u64, u64)>,
}

/// The walk of a subject's tree, done once per run and path: the in-use facts below a tree and
/// `scale.entries` share it.
pub fn tree_walk(f: &Facts, s: &super::PathSubject) -> std::rc::Rc<Walk> {
    f.memo_for("tree_walk", s, |f| {
        let mut files = Vec::new();
        let deadline = Instant::now() + walk_limit();
        let count = walk_tree(&resolve(f, s), ENTRY_CAP, deadline, Some(&mut files));
        Walk { count, files }
    })
}

fn walk_tree(
    root: &Path,
    cap: u64,
    deadline: Instant,
    mut files: Option<&mut Vec<(PathBuf, u64, u64)>>,
) -> Count {
    let mut c = Count::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        c.entries += 1;
        if m.is_file() {
            c.bytes = c.bytes.saturating_add(m.len());
        }
        if c.entries >= cap {
            c.capped = true;
            return c;
        }
        if Instant::now() >= deadline {
            c.capped = true;
            c.timed_out = true;
            return c;
        }
        if m.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if m.is_file() && m.len() >= MIN_IMAGE_BYTES {
            if let Some(list) = files.as_deref_mut() {
                list.push((p, m.dev(), m.ino()));
            }
        }
    }
    c
}

/// A dd size operand in bytes: `4M` = 4 MiB, `1kB` = 1000, `2x512`, `b` = 512, `w` = 2, `c` = 1.
pub fn dd_bytes(s: &str) -> Option<u64> {
    s.split('x').try_fold(1u64, |acc, part| {
        let digits = part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(part.len());
        let n: u64 = part[..digits].parse().ok()?;
        let mult: u64 = match &part[digits..] {
            "" | "c" => 1,
            "w" => 2,
            "b" => 512,
            "kB" => 1000,
            "K" | "KiB" => 1 << 10,
            "MB" => 1_000_000,
            "M" | "MiB" => 1 << 20,
            "GB" => 1_000_000_000,
            "G" | "GiB" => 1 << 30,
            "TB" => 1_000_000_000_000,
            "T" | "TiB" => 1 << 40,
            _ => return None,
        };
        acc.checked_mul(n)?.checked_mul(mult)
    })
}

/// Size of what is at `p`: a file's length, a block device's capacity (sysfs `size` × 512).
fn size_of(f: &Facts, p: &Path) -> Option<u64> {
    let m = std::fs::metadata(p).ok()?;
    if m.is_file() {
        return Some(m.len());
    }
    if m.file_type().is_block_device() {
        let (ma, mi) = (
            nix::sys::stat::major(m.rdev()),
            nix::sys::stat::minor(m.rdev()),
        );
        let s = std::fs::read_to_string(f.sys(&format!("/sys/dev/block/{ma}:{mi}/size"))).ok()?;
        return s.trim().parse::<u64>().ok().map(|n| n * 512);
    }
    None
}

/// Bytes a dd moves: count × block size when count= is given, else what the input holds after
/// skip=, else (an endless input like /dev/zero) the output device's size.
fn dd_scale(f: &Facts) -> Option<u64> {
    let o = &f.op.options;
    let block = o
        .get("ibs")
        .or_else(|| o.get("bs"))
        .and_then(|s| dd_bytes(s))
        .unwrap_or(512);
    if let Some(n) = o.get("count").and_then(|s| dd_bytes(s)) {
        return Some(if f.op.has("iflag_count_bytes") {
            n
        } else {
            n.saturating_mul(block)
        });
    }
    let skip = o
        .get("skip")
        .or_else(|| o.get("iseek"))
        .and_then(|s| dd_bytes(s))
        .unwrap_or(0);
    let skip = if f.op.has("iflag_skip_bytes") {
        skip
    } else {
        skip.saturating_mul(block)
    };
    let src = f
        .subjects(Role::Source)
        .into_iter()
        .next()
        .map(|s| resolve(f, &s));
    match src.as_deref().and_then(|p| size_of(f, p)) {
        Some(n) => Some(n.saturating_sub(skip)),
        None => {
            let dst = f
                .subjects(Role::Target)
                .into_iter()
                .next()
                .map(|s| resolve(f, &s))?;
            let m = std::fs::metadata(&dst).ok()?;
            if m.file_type().is_block_device() {
                size_of(f, &dst)
            } else {
                None
            }
        }
    }
}

fn scale_probe(f: &Facts) -> ProbeResult {
    let op = f.op;
    let limit = walk_limit();
    // One limit for the whole operation, however many paths it names.
    let walk = |role: Role| {
        let deadline = Instant::now() + limit;
        let mut total = Count::default();
        for s in f.subjects(role) {
            let left = ENTRY_CAP.saturating_sub(total.entries);
            if left == 0 {
                total.capped = true;
                break;
            }
            // The first target of a recursive delete: the walk the in-use facts share.
            let c = if role == Role::Target && left == ENTRY_CAP && op.kind == Kind::Delete {
                tree_walk(f, &s).count
            } else {
                count_tree(&resolve(f, &s), left, deadline)
            };
            total.entries += c.entries;
            total.bytes = total.bytes.saturating_add(c.bytes);
            total.capped |= c.capped;
            total.timed_out |= c.timed_out;
            if c.timed_out {
                break;
            }
        }
        total
    };
    // A walk the clock stopped below the entry cap counted a floor of unknown distance from the
    // truth: unknown, not small.
    let counted = |c: Count| -> (Value, Value, bool) {
        if c.timed_out && c.entries < ENTRY_CAP {
            let why = format!(
                "the walk stopped after {} at {} entries: the tree may be much bigger",
                show_limit(limit),
                crate::text::show::show(&c.entries.into())
            );
            (failed(why.clone()), failed(why), true)
        } else {
            (c.entries.into(), c.bytes.into(), c.capped)
        }
    };
    let (entries, bytes, capped): (Value, Value, bool) = match (op.kind, op.tool.as_str()) {
        (_, "dd") => (
            Value::Null,
            dd_scale(f).map(Value::from).unwrap_or(Value::Null),
            false,
        ),
        (Kind::Delete, _) if op.has("recursive") => counted(walk(Role::Target)),
        (Kind::Delete, _) => {
            let b: u64 = f
                .subjects(Role::Target)
                .iter()
                .filter_map(|s| size_of(f, &resolve(f, s)))
                .sum();
            (op.targets.len().into(), b.into(), false)
        }
        (Kind::Move | Kind::Restore | Kind::Overwrite, "mv" | "cp" | "rsync")
        | (Kind::Overwrite | Kind::Read, "tar") => counted(walk(Role::Source)),
        (Kind::Restore, _) => {
            // An archive or a repository: its size is a floor for what comes out of it.
            let b: u64 = f
                .subjects(Role::Source)
                .iter()
                .filter_map(|s| size_of(f, &resolve(f, s)))
                .sum();
            (
                Value::Null,
                if op.sources.is_empty() {
                    Value::Null
                } else {
                    b.into()
                },
                false,
            )
        }
        _ => (Value::Null, Value::Null, false),
    };
    Ok(answer([
        ("scale.entries", entries),
        ("scale.entries_capped", capped.into()),
        ("scale.bytes", bytes),
    ]))
}

/// `2 s`, `5 ms`: the walk's limit as the reason says it.
fn show_limit(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

static SCALE: Probe = Probe {
    id: "scale",
    run: ProbeFn::Whole(scale_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "scale.entries", scope: Scope::Operation, probe: &SCALE, ty: "number", doc: "## What it tells\nHow many files and directories the operation touches: everything under the targets of a recursive delete, under the sources of `mv`, `cp`, `rsync` and of `tar -c` (a backup reads every file); the number of operands of a plain `rm`.\n## How it is found\nA walk with lstat(2) that never follows symbolic links and stops at 100,000 entries (then `scale.entries_capped` is true and the count is a floor) or after 2 seconds for all paths together.\n## When it is unknown\n`null` for dd, archive restores (tar, restic, borg: the restore facts count those) and other operations. A fact error (the rule's `unknown:` decides) when the walk was stopped by the clock before 100,000 entries: on a starved CPU or a dying disk a big tree counts only a few hundred entries in 2 s, so the number says nothing (`the walk stopped after 2 s at 758 entries: the tree may be much bigger`); `scale.entries_capped` is then true.\n## Example\n`rm -rf /var/spool/qmail/mess` → `48213`." },
    FactDef { name: "scale.entries_capped", scope: Scope::Operation, probe: &SCALE, ty: "bool", doc: "## What it tells\nWhether the walk behind `scale.entries` stopped early: at 100,000 entries (the count is a floor) or after 2 seconds (the count is unknown, and `scale.entries` and `scale.bytes` are fact errors that say so). Either way the tree is at least as big as a bulk job.\n## How it is found\nAs `scale.entries`.\n## When it is unknown\nNever (`false` when nothing was counted).\n## Example\n`true` for `rm -rf` of a mail spool with millions of files." },
    FactDef { name: "scale.bytes", scope: Scope::Operation, probe: &SCALE, ty: "number", doc: "## What it tells\nHow many bytes the operation reads or writes: dd's `count=` × `ibs=`/`bs=` (bytes with `iflag=count_bytes`); without `count=`, the size of the input (a file's length, a block device's capacity) less `skip=`, and for an endless input such as /dev/zero the size of the output device. For `mv`, `cp`, `rsync` and recursive deletes the regular files under the paths walked (bounded like `scale.entries`); for archive restores the archive's size (a floor: it may be compressed).\n## How it is found\ndd size suffixes as dd reads them (`c`, `w`, `b`, `kB`, `K`, `MB`, `M`, `G` …, `AxB`), stat(2), /sys/dev/block/MAJ:MIN/size.\n## When it is unknown\n`null` when the size cannot be known before running (dd from a pipe or /dev/zero into a file, remote rsync sources). A fact error, as `scale.entries`, when the walk was stopped by the clock.\n## Example\n`dd if=/dev/zero of=x bs=1M count=100` → `104857600`." },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dd_size_suffixes() {
        assert_eq!(dd_bytes("512"), Some(512));
        assert_eq!(dd_bytes("4M"), Some(4 << 20));
        assert_eq!(dd_bytes("1kB"), Some(1000));
        assert_eq!(dd_bytes("2x512"), Some(1024));
        assert_eq!(dd_bytes("3b"), Some(1536));
        assert_eq!(dd_bytes("1GiB"), Some(1 << 30));
        assert_eq!(dd_bytes("1Q"), None);
        assert_eq!(dd_bytes("x"), None);
    }

    #[test]
    fn limits_as_the_reason_says_them() {
        assert_eq!(show_limit(WALK_LIMIT), "2 s");
        assert_eq!(show_limit(Duration::from_millis(5)), "5 ms");
    }

    #[test]
    fn bounded_walk() {
        let d = tempfile::tempdir().expect("tmp");
        for i in 0..50 {
            std::fs::write(d.path().join(format!("f{i}")), b"12345").expect("write");
        }
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::os::unix::fs::symlink("/", d.path().join("sub/root")).expect("symlink");
        let later = || Instant::now() + WALK_LIMIT;
        let c = count_tree(d.path(), 1000, later());
        assert_eq!(
            c,
            Count {
                entries: 53,
                bytes: 250,
                capped: false,
                timed_out: false,
            },
            "the symlink to / is one entry, not followed"
        );
        let c = count_tree(d.path(), 10, later());
        assert!(c.capped && !c.timed_out);
        assert_eq!(c.entries, 10);
        assert!(!count_tree(&d.path().join("missing"), 10, later()).capped);
        // a deadline already past stops the walk after its first entry, by the clock
        let c = count_tree(d.path(), 1000, Instant::now());
        assert!(c.capped && c.timed_out);
        assert_eq!(c.entries, 1);
    }

    #[test]
    fn the_shared_walk_lists_regular_files_only() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(d.path().join("s")).expect("mkdir");
        std::fs::write(d.path().join("s/f"), [0u8; 512]).expect("write");
        std::fs::write(d.path().join("s/small"), [0u8; 511]).expect("write");
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("link")).expect("symlink");
        let mut files = Vec::new();
        let later = Instant::now() + WALK_LIMIT;
        let c = walk_tree(d.path(), 1000, later, Some(&mut files));
        assert_eq!(c, count_tree(d.path(), 1000, later), "the same count");
        let names: Vec<_> = files.iter().map(|(p, _, _)| p.clone()).collect();
        assert_eq!(names, vec![d.path().join("s/f")]);
    }
}
