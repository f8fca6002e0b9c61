//! How big an operation is: how many entries a recursive delete or a move or copy touches, and
//! how many bytes a dd, copy or restore moves — so a policy can tell "bulk I/O" from a small job.
//!
//! Counting is bounded: the walk stops at [`ENTRY_CAP`] entries or after [`WALK_LIMIT`], and says
//! so (`scale.entries_capped`), because the answer only has to be "a lot" for a huge tree. Walks
//! never follow symbolic links. This module measures; it does not judge what is too much.

use super::{answer, path::resolve, FactDef, Facts, Probe, ProbeFn, ProbeResult, Role, Scope};
use crate::command::Kind;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// The walk stops after this many entries.
pub const ENTRY_CAP: u64 = 100_000;
/// …or after this long.
pub const WALK_LIMIT: Duration = Duration::from_secs(2);

/// What a bounded walk saw.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Count {
    pub entries: u64,
    /// Sum of the sizes of regular files seen.
    pub bytes: u64,
    pub capped: bool,
}

/// Counts `root` and everything below it (not following symlinks), up to `cap` entries or `limit`.
pub fn count_tree(root: &Path, cap: u64, limit: Duration) -> Count {
    let start = Instant::now();
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
        if c.entries >= cap || start.elapsed() >= limit {
            c.capped = true;
            return c;
        }
        if m.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
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
    let walk = |role: Role| {
        let mut total = Count::default();
        for s in f.subjects(role) {
            let left = ENTRY_CAP.saturating_sub(total.entries);
            if left == 0 {
                total.capped = true;
                break;
            }
            let c = count_tree(&resolve(f, &s), left, WALK_LIMIT);
            total.entries += c.entries;
            total.bytes = total.bytes.saturating_add(c.bytes);
            total.capped |= c.capped;
        }
        total
    };
    let (entries, bytes, capped): (Value, Value, bool) = match (op.kind, op.tool.as_str()) {
        (_, "dd") => (
            Value::Null,
            dd_scale(f).map(Value::from).unwrap_or(Value::Null),
            false,
        ),
        (Kind::Delete, _) if op.has("recursive") => {
            let c = walk(Role::Target);
            (c.entries.into(), c.bytes.into(), c.capped)
        }
        (Kind::Delete, _) => {
            let b: u64 = f
                .subjects(Role::Target)
                .iter()
                .filter_map(|s| size_of(f, &resolve(f, s)))
                .sum();
            (op.targets.len().into(), b.into(), false)
        }
        (Kind::Move | Kind::Restore | Kind::Overwrite, "mv" | "cp" | "rsync")
        | (Kind::Overwrite | Kind::Read, "tar") => {
            let c = walk(Role::Source);
            (c.entries.into(), c.bytes.into(), c.capped)
        }
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

static SCALE: Probe = Probe {
    id: "scale",
    run: ProbeFn::Whole(scale_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "scale.entries", scope: Scope::Operation, probe: &SCALE, ty: "number", doc: "## What it tells\nHow many files and directories the operation touches: everything under the targets of a recursive delete, under the sources of `mv`, `cp`, `rsync` and of `tar -c` (a backup reads every file); the number of operands of a plain `rm`.\n## How it is found\nA walk with lstat(2) that never follows symbolic links and stops at 100,000 entries or after 2 seconds (then `scale.entries_capped` is true and the count is a floor).\n## When it is unknown\n`null` for dd, archive restores (tar, restic, borg: the restore facts count those) and other operations.\n## Example\n`rm -rf /var/spool/qmail/mess` → `48213`." },
    FactDef { name: "scale.entries_capped", scope: Scope::Operation, probe: &SCALE, ty: "bool", doc: "## What it tells\nWhether the count in `scale.entries` stopped early (100,000 entries or 2 seconds): the real number is larger.\n## How it is found\nAs `scale.entries`.\n## When it is unknown\nNever (`false` when nothing was counted).\n## Example\n`true` for `rm -rf` of a mail spool with millions of files." },
    FactDef { name: "scale.bytes", scope: Scope::Operation, probe: &SCALE, ty: "number", doc: "## What it tells\nHow many bytes the operation reads or writes: dd's `count=` × `ibs=`/`bs=` (bytes with `iflag=count_bytes`); without `count=`, the size of the input (a file's length, a block device's capacity) less `skip=`, and for an endless input such as /dev/zero the size of the output device. For `mv`, `cp`, `rsync` and recursive deletes the regular files under the paths walked (bounded like `scale.entries`); for archive restores the archive's size (a floor: it may be compressed).\n## How it is found\ndd size suffixes as dd reads them (`c`, `w`, `b`, `kB`, `K`, `MB`, `M`, `G` …, `AxB`), stat(2), /sys/dev/block/MAJ:MIN/size.\n## When it is unknown\n`null` when the size cannot be known before running (dd from a pipe or /dev/zero into a file, remote rsync sources).\n## Example\n`dd if=/dev/zero of=x bs=1M count=100` → `104857600`." },
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
    fn bounded_walk() {
        let d = tempfile::tempdir().expect("tmp");
        for i in 0..50 {
            std::fs::write(d.path().join(format!("f{i}")), b"12345").expect("write");
        }
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::os::unix::fs::symlink("/", d.path().join("sub/root")).expect("symlink");
        let c = count_tree(d.path(), 1000, WALK_LIMIT);
        assert_eq!(
            c,
            Count {
                entries: 53,
                bytes: 250,
                capped: false
            },
            "the symlink to / is one entry, not followed"
        );
        let c = count_tree(d.path(), 10, WALK_LIMIT);
        assert!(c.capped);
        assert_eq!(c.entries, 10);
        assert!(!count_tree(&d.path().join("missing"), 10, WALK_LIMIT).capped);
    }
}
