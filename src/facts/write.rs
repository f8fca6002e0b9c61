//! Will a plain write fit? The new space a `cp FILE DEST` or a `dd of=DEST` takes where it
//! writes, and the room there: the destination filesystem's available bytes, or for a block
//! device its capacity past the write's start.
//!
//! Only growth counts. A file written over in place (cp opens it with `O_TRUNC`, dd without
//! `conv=notrunc` truncates it at `seek=`) frees its old blocks as the new ones are written, so
//! an existing file of the same size needs nothing new, and a device never takes filesystem
//! space at all (its limit is its own size). Nothing is read but metadata: stat(2), statvfs(3),
//! sysfs for a device's size.
//!
//! Recursive copies are restores (`restore.*`); `qemu-img convert` is not sized here (its output
//! size depends on the image formats and on how much of the source is allocated).

use super::{
    answer, mounts, path::resolve, restore, scale, FactDef, Facts, Probe, ProbeFn, ProbeResult,
    Role, Scope,
};
use crate::command::Kind;
use crate::text::bytes;
use serde_json::{Map, Value};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Where a write lands and how much room it has there.
#[derive(Debug, Clone, PartialEq)]
struct Room {
    /// The file (or device) written, or for several cp sources the directory they land in.
    path: PathBuf,
    /// Bytes available: statvfs `f_bavail × f_frsize` of the filesystem, or a device's
    /// capacity past the start of the write.
    room: u64,
    /// The unit files are allocated in (`f_frsize`); 1 for a device.
    block: u64,
    device: bool,
}

/// The filesystem under `p` (its nearest existing ancestor): available bytes and block size.
fn fs_room(p: &Path) -> Result<(u64, u64), String> {
    let existing = restore::dest::nearest_existing(p)?;
    let st = nix::sys::statvfs::statvfs(&existing)
        .map_err(|e| format!("statvfs `{}`: {e}", bytes::show_path(&existing)))?;
    let frsize = restore::dest::n(st.fragment_size());
    let block = if frsize > 0 {
        frsize
    } else {
        restore::dest::n(st.block_size())
    };
    Ok((
        restore::dest::n(st.blocks_available()).saturating_mul(block),
        block,
    ))
}

/// The size of a block device: sysfs `size` (512-byte sectors) of its major:minor.
fn device_size(f: &Facts, m: &std::fs::Metadata) -> Option<u64> {
    let (ma, mi) = (
        nix::sys::stat::major(m.rdev()),
        nix::sys::stat::minor(m.rdev()),
    );
    let s = std::fs::read_to_string(f.sys(&format!("/sys/dev/block/{ma}:{mi}/size"))).ok()?;
    s.trim().parse::<u64>().ok().map(|n| n.saturating_mul(512))
}

/// What reading `p` yields: a regular file's length and allocation, a block device's size
/// (as allocated as it is long); `None` when it has no size known before reading (a pipe,
/// /dev/zero, a terminal) or cannot be stat'ed.
fn source_size(f: &Facts, p: &Path) -> Option<(u64, u64)> {
    let m = std::fs::metadata(p).ok()?;
    if m.is_file() {
        Some((m.len(), restore::tree::allocated(&m)))
    } else if m.file_type().is_block_device() {
        device_size(f, &m).map(|n| (n, n))
    } else {
        None
    }
}

fn round_down(n: u64, block: u64) -> u64 {
    if block == 0 {
        n
    } else {
        n - n % block
    }
}

/// What the write of `written` bytes at offset `seek` into the existing file `old` adds.
/// `truncate`: the file is cut at `seek` first (dd without `conv=notrunc`, cp, which has
/// seek 0); otherwise the part of the old data the write covers is reused in place. A file
/// that is sparse (fewer blocks than its length) is not assumed to hold the covered part.
fn file_growth(
    old: &std::fs::Metadata,
    seek: u64,
    written: u64,
    truncate: bool,
    block: u64,
) -> u64 {
    let alloc = restore::tree::allocated(old);
    let new = restore::round_up(written, block);
    let dense = alloc >= round_down(old.len(), block);
    if truncate {
        // What stays below `seek` (all of it, for a file no longer than `seek`).
        let kept = if old.len() <= seek {
            alloc
        } else {
            alloc.min(restore::round_up(seek, block))
        };
        return (kept + new).saturating_sub(alloc);
    }
    let covered = if dense {
        old.len()
            .min(seek.saturating_add(written))
            .saturating_sub(seek)
    } else {
        0
    };
    new.saturating_sub(round_down(covered, block))
}

/// `dd … of=DEST`: the bytes it writes (`count=` × `ibs=`, or what the input holds past
/// `skip=`) at `seek=` × `obs=`.
fn dd_need(f: &Facts) -> Result<Option<(u64, u64, Room)>, String> {
    let o = &f.op.options;
    let size = |k: &str| o.get(k).and_then(|s| scale::dd_bytes(s));
    let ibs = size("bs").or_else(|| size("ibs")).unwrap_or(512);
    let obs = size("bs").or_else(|| size("obs")).unwrap_or(512);
    let skip = size("skip").or_else(|| size("iseek")).unwrap_or(0);
    let skip = if f.op.has("iflag_skip_bytes") {
        skip
    } else {
        skip.saturating_mul(ibs)
    };
    let seek = size("seek").or_else(|| size("oseek")).unwrap_or(0);
    let seek = if f.op.has("oflag_seek_bytes") {
        seek
    } else {
        seek.saturating_mul(obs)
    };
    let count = size("count").map(|n| {
        if f.op.has("iflag_count_bytes") {
            n
        } else {
            n.saturating_mul(ibs)
        }
    });
    let input = f
        .subjects(Role::Source)
        .first()
        .and_then(|s| source_size(f, &resolve(f, s)))
        .map(|(len, _)| len.saturating_sub(skip));
    let written = match (count, input) {
        (Some(c), Some(i)) => c.min(i),
        (Some(c), None) => c,
        (None, Some(i)) => i,
        // An input without an end (/dev/zero, a pipe) and no count=: dd writes until the
        // output is full, which is what such a command is for.
        (None, None) => return Ok(None),
    };
    let Some(target) = f.subjects(Role::Target).into_iter().next() else {
        return Ok(None);
    };
    let path = resolve(f, &target);
    match std::fs::metadata(&path) {
        Ok(m) if m.file_type().is_block_device() => {
            let Some(cap) = device_size(f, &m) else {
                return Ok(None);
            };
            let room = Room {
                path,
                room: cap.saturating_sub(seek),
                block: 1,
                device: true,
            };
            Ok(Some((written, written, room)))
        }
        Ok(m) if m.is_file() => {
            let (room, block) = fs_room(&path)?;
            let need = file_growth(&m, seek, written, !f.op.has("notrunc"), block);
            Ok(Some((
                written,
                need,
                Room {
                    path,
                    room,
                    block,
                    device: false,
                },
            )))
        }
        Ok(_) => Ok(None), // /dev/null, a FIFO, a terminal: nothing is stored
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (room, block) = fs_room(&path)?;
            let room = Room {
                path,
                room,
                block,
                device: false,
            };
            // Below `seek` a new file is a hole.
            Ok(Some((written, restore::round_up(written, block), room)))
        }
        Err(e) => Err(format!("cannot stat `{}`: {e}", bytes::show_path(&path))),
    }
}

/// `cp FILE… DEST` (not recursive): each source becomes DEST, or DEST/NAME when DEST is a
/// directory. A copy over an existing file costs its growth; `cp --backup` keeps the old one
/// (the full size); `cp -n` writes nothing over it.
fn cp_need(f: &Facts) -> Result<Option<(u64, u64, Room)>, String> {
    let op = f.op;
    if op.has("link") || op.has("symbolic_link") || op.has("attributes_only") {
        return Ok(None); // links and attributes: no data
    }
    let Some(target) = f.subjects(Role::Target).into_iter().next() else {
        return Ok(None);
    };
    let dest = resolve(f, &target);
    let dest_meta = std::fs::metadata(&dest).ok();
    let into = !op.has("no_target_directory")
        && (op.has("target_is_directory") || dest_meta.as_ref().is_some_and(|m| m.is_dir()));
    let sparse = op.option("sparse") != Some("never");
    let (room, block, device) = match &dest_meta {
        Some(m) if !into && m.file_type().is_block_device() => match device_size(f, m) {
            Some(cap) => (cap, 1, true),
            None => return Ok(None),
        },
        _ => {
            let (r, b) = fs_room(&dest)?;
            (r, b, false)
        }
    };
    let (mut written, mut need) = (0u64, 0u64);
    for s in f.subjects(Role::Source) {
        let src = resolve(f, &s);
        let meta = if op.has("no_dereference") {
            std::fs::symlink_metadata(&src)
        } else {
            std::fs::metadata(&src)
        };
        let Ok(meta) = meta else {
            continue; // cp says it cannot stat it, and copies the others
        };
        if meta.is_dir() || meta.file_type().is_symlink() {
            continue; // "omitting directory"; a symlink copied as a symlink
        }
        let Some((len, alloc)) = source_size(f, &src) else {
            return Ok(None); // a FIFO or character device: its size is not known before
        };
        let dst: PathBuf = if into {
            dest.join(src.file_name().unwrap_or_default())
        } else {
            dest.clone()
        };
        let new = if sparse && !device {
            restore::round_up(len, block).min(restore::round_up(alloc, block))
        } else {
            restore::round_up(len, block)
        };
        written = written.saturating_add(len);
        if device {
            need = need.saturating_add(len);
            continue;
        }
        match std::fs::metadata(&dst) {
            Ok(old) if old.dev() == meta.dev() && old.ino() == meta.ino() => {} // cp refuses
            Ok(old) if old.is_file() => {
                if op.has("no_clobber") || matches!(op.option("update"), Some("none" | "none-fail"))
                {
                    continue;
                }
                if op.has("update")
                    && !matches!(op.option("update"), Some("all"))
                    && old.mtime() >= meta.mtime()
                {
                    continue;
                }
                need = need.saturating_add(if op.has("backup") {
                    new
                } else {
                    new.saturating_sub(restore::tree::allocated(&old))
                });
            }
            Ok(_) => {} // a device or FIFO below DEST: not space on this filesystem
            Err(_) => need = need.saturating_add(new),
        }
    }
    if dest_meta.is_none() && into {
        // `cp a b DIR/` with DIR missing: cp fails before writing.
        return Ok(None);
    }
    Ok(Some((
        written,
        need,
        Room {
            path: dest,
            room,
            block,
            device,
        },
    )))
}

fn sizes(f: &Facts) -> Result<Option<(u64, u64, Room)>, String> {
    if f.op.kind != Kind::Overwrite {
        return Ok(None);
    }
    match f.op.tool.as_str() {
        "dd" => dd_need(f),
        "cp" => cp_need(f),
        _ => Ok(None),
    }
}

fn write_probe(f: &Facts) -> ProbeResult {
    let Some((written, need, room)) = sizes(f)? else {
        return Ok(Map::new());
    };
    Ok(answer([
        ("write.bytes", written.into()),
        ("write.need", need.into()),
        ("write.room", room.room.into()),
        ("write.short", need.saturating_sub(room.room).into()),
        ("write.dest.path", bytes::encode_path(&room.path).into()),
        ("write.dest.device", room.device.into()),
    ]))
}

/// The mount the write lands on (mountinfo: only read when a message shows it).
fn mount_probe(f: &Facts) -> ProbeResult {
    let mut m = Map::new();
    let path = match f.get("write.dest.path", None).map_err(|e| e.why)? {
        Value::String(p) => p,
        _ => return Ok(m),
    };
    if f.get("write.dest.device", None).map_err(|e| e.why)? == Value::Bool(true) {
        return Ok(m);
    }
    let existing = restore::dest::nearest_existing(&bytes::path(&path))?;
    if let Some(mp) = mounts::cached(f)
        .ok()
        .and_then(|all| mounts::containing(&all, &existing).map(|m| m.mount_point.clone()))
    {
        m.insert("write.dest.mountpoint".into(), Value::from(mp));
    }
    Ok(m)
}

static WRITE: Probe = Probe {
    id: "write",
    run: ProbeFn::Whole(write_probe),
    pure: false,
};

static MOUNT: Probe = Probe {
    id: "write.dest.mountpoint",
    run: ProbeFn::Whole(mount_probe),
    pure: false,
};

macro_rules! how {
    () => {
        "## How it is found\n- `dd of=DEST`: the bytes written are `count=` × `ibs=` (`bs=` sets both block sizes; bytes with `iflag=count_bytes`), at most what the input holds past `skip=` when `if=` is a regular file or a block device (its length, or its size from /sys/dev/block/MAJ:MIN/size); without `count=` they are what the input holds. They land at `seek=` × `obs=` (bytes with `oflag=seek_bytes`). Onto an existing file without `conv=notrunc` dd cuts the file at `seek=` first (its blocks beyond are freed); with `conv=notrunc` the part of the old data the write covers is reused in place (not assumed of a sparse file). Below `seek=` a new file is a hole.\n- `cp FILE… DEST` (not `-r`): each source (symlinks followed unless `-P`/`-d`) becomes DEST, or DEST/NAME when DEST is a directory; a new file takes its allocated size (cp keeps holes: the smaller of its length and its blocks, both rounded up to the destination's block size; its length with `--sparse=never`); over an existing file only what it grows by (its blocks less the old file's, st_blocks); nothing over an existing file with `-n`/`--update=none`, or with `-u` when the destination is not older; the full size with `--backup` (the old file stays). `cp -l`, `cp -s` and `--attributes-only` write no data.\n- The room: statvfs `f_bavail × f_frsize` of the filesystem under DEST (its nearest existing ancestor: root's reserve is not counted, as for restores); a block device's capacity from the start of the write.\nReflinked copies (`cp --reflink` on btrfs/XFS) may take less than counted."
    };
}

macro_rules! unknown {
    () => {
        "## When it is unknown\n`null` when the operation is not a plain `cp` or `dd` write (recursive copies are restores: `restore.*`), when dd reads an input without a size known in advance (/dev/zero, /dev/urandom, a pipe) and has no `count=` (dd then writes until the output is full, which is what such a command is for), when a cp source is a FIFO or character device, when the output stores nothing (/dev/null, a FIFO) or when nothing is written (`cp -l`, `cp -s`, a missing target directory). A fact error when the destination's filesystem cannot be looked at (statvfs fails) or a facts snapshot from another host lacks it: `write-exceeds-space` then warns that the fit was not checked."
    };
}

macro_rules! fact {
    ($name:expr, $probe:expr, $ty:expr, $doc:expr) => {
        FactDef {
            name: $name,
            scope: Scope::Operation,
            probe: $probe,
            ty: $ty,
            doc: $doc,
        }
    };
}

pub(crate) static FACTS: &[FactDef] = &[
    fact!("write.bytes", &WRITE, "number", concat!("## What it tells\nHow many bytes a plain `cp` or `dd` writes: the data, whether or not it needs new space.\n", how!(), "\n", unknown!(), "\n## Example\n`dd if=disk.img of=/srv/copy.img bs=4M` of a 2 GiB image → `2147483648`.")),
    fact!("write.need", &WRITE, "number", concat!("## What it tells\nThe room the write needs: on a filesystem, the new space it takes — growth only, so writing over an existing file of the same size needs `0` and a file made smaller needs `0`; onto a block device, every byte written (they must fit in the device past `seek=`).\n", how!(), "\n", unknown!(), "\n## Example\n`cp big.iso /mnt/usb/` of 4,700,000,000 bytes, none there yet, 4 KiB blocks → `4700000256`.")),
    fact!("write.room", &WRITE, "number", concat!("## What it tells\nWhat the destination can take: the bytes available on the filesystem the write lands on (statvfs `f_bavail`), or a block device's capacity from the start of the write. The rule compares `write.need` against it.\n", how!(), "\n", unknown!(), "\n## Example\n`2147483648`.")),
    fact!("write.short", &WRITE, "number", concat!("## What it tells\nHow many bytes of the write do not fit (`0` when it fits): what must be freed, or how much bigger the device must be. A write that runs short stops part way and leaves a truncated file or image.\n## How it is found\n`write.need − write.room`, at least 0.\n", unknown!(), "\n## Example\n`cp big.iso /mnt/usb/` with 4 GiB available → `405032704`.")),
    fact!("write.dest.path", &WRITE, "path", concat!("## What it tells\nWhere the write lands: the file or device written, or the directory several cp sources land in; absolute, symlinks resolved.\n## How it is found\nThe target joined to the command's working directory and resolved (as `target.path`).\n", unknown!(), "\n## Example\n`/mnt/usb`.")),
    fact!("write.dest.device", &WRITE, "bool", concat!("## What it tells\nWhether the write goes onto a block device (room = the device's size) rather than into a file on a filesystem (room = the filesystem's available bytes).\n## How it is found\nstat(2) of the target.\n", unknown!(), "\n## Example\n`dd if=img of=/dev/sdb` → `true`.")),
    fact!("write.dest.mountpoint", &MOUNT, "path", "## What it tells\nThe mount point of the filesystem a plain write lands on.\n## How it is found\nThe longest mount point in /proc/self/mountinfo containing the nearest existing ancestor of `write.dest.path`.\n## When it is unknown\n`null` when `write.dest.path` is, when the write goes onto a block device, or when mountinfo cannot be read.\n## Example\n`/mnt/usb`."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{parse_str, Operation};

    fn facts_of<'a>(op: &'a Operation, cwd: &Path) -> Facts<'a> {
        Facts::live(op, cwd.to_path_buf(), PathBuf::from("/"))
    }

    fn get(op: &Operation, cwd: &Path, name: &str) -> Value {
        facts_of(op, cwd).get(name, None).expect(name)
    }

    fn block_of(p: &Path) -> u64 {
        fs_room(p).expect("statvfs").1
    }

    #[test]
    fn a_file_over_one_of_the_same_size_needs_nothing() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("a"), vec![1u8; 64 * 1024]).expect("write");
        std::fs::write(d.path().join("b"), vec![2u8; 64 * 1024]).expect("write");
        let op = parse_str("cp a b");
        assert_eq!(get(&op, d.path(), "write.need"), 0);
        assert_eq!(get(&op, d.path(), "write.bytes"), 64 * 1024);
        assert_eq!(get(&op, d.path(), "write.short"), 0);
        let op = parse_str("dd if=a of=b bs=4k");
        assert_eq!(get(&op, d.path(), "write.need"), 0);
        let op = parse_str("dd if=a of=b bs=4k conv=notrunc");
        assert_eq!(get(&op, d.path(), "write.need"), 0);
    }

    #[test]
    fn a_copy_into_a_directory_counts_each_new_file() {
        let d = tempfile::tempdir().expect("tempdir");
        let block = block_of(d.path());
        std::fs::write(d.path().join("a"), vec![1u8; 10_000]).expect("write");
        std::fs::write(d.path().join("c"), vec![1u8; 3 * 4096]).expect("write");
        std::fs::create_dir(d.path().join("dir")).expect("mkdir");
        let op = parse_str("cp a c dir/");
        let need = get(&op, d.path(), "write.need").as_u64().expect("number");
        assert_eq!(
            need,
            restore::round_up(10_000, block) + restore::round_up(3 * 4096, block)
        );
        assert_eq!(
            get(&op, d.path(), "write.dest.path"),
            bytes::encode_path(&std::fs::canonicalize(d.path().join("dir")).expect("canon"))
        );
        // -n over an existing one: only the other
        std::fs::write(d.path().join("dir/a"), b"x").expect("write");
        let op = parse_str("cp -n a c dir/");
        assert_eq!(
            get(&op, d.path(), "write.need"),
            restore::round_up(3 * 4096, block)
        );
        // links write no data
        assert!(get(&parse_str("cp -l a dir/x"), d.path(), "write.need").is_null());
    }

    #[test]
    fn dd_counts_blocks_seek_and_truncation() {
        let d = tempfile::tempdir().expect("tempdir");
        let block = block_of(d.path());
        let op = parse_str("dd if=/dev/zero of=new bs=1M count=3 seek=10");
        assert_eq!(get(&op, d.path(), "write.bytes"), 3 << 20);
        assert_eq!(
            get(&op, d.path(), "write.need"),
            restore::round_up(3 << 20, block)
        );
        // endless input, no count: not sized
        assert!(get(&parse_str("dd if=/dev/zero of=new"), d.path(), "write.need").is_null());
        // an existing 8 MiB file, 2 MiB written at its start: truncated → it shrinks
        std::fs::write(d.path().join("old"), vec![1u8; 8 << 20]).expect("write");
        let op = parse_str("dd if=/dev/zero of=old bs=1M count=2");
        assert_eq!(get(&op, d.path(), "write.need"), 0);
        // …past its end with notrunc: only what lies beyond it
        let op = parse_str("dd if=/dev/zero of=old bs=1M count=4 seek=6 conv=notrunc");
        assert_eq!(get(&op, d.path(), "write.need"), 2 << 20);
        // the input's size bounds count=
        std::fs::write(d.path().join("in"), vec![1u8; 5000]).expect("write");
        let op = parse_str("dd if=in of=new2 bs=1M count=100");
        assert_eq!(get(&op, d.path(), "write.bytes"), 5000);
        let op = parse_str("dd if=in of=new2 bs=1000 skip=2");
        assert_eq!(get(&op, d.path(), "write.bytes"), 3000);
        // nothing stored
        assert!(get(&parse_str("dd if=in of=/dev/null"), d.path(), "write.need").is_null());
    }

    #[test]
    fn growth_of_a_file_written_over() {
        let d = tempfile::tempdir().expect("tempdir");
        let block = block_of(d.path());
        std::fs::write(d.path().join("f"), vec![1u8; 4 * block as usize]).expect("write");
        let m = std::fs::metadata(d.path().join("f")).expect("stat");
        let b = block;
        assert_eq!(file_growth(&m, 0, 6 * b, true, b), 2 * b);
        assert_eq!(file_growth(&m, 0, 2 * b, true, b), 0);
        assert_eq!(
            file_growth(&m, 2 * b, 4 * b, true, b),
            2 * b,
            "cut at 2, 4 written"
        );
        assert_eq!(
            file_growth(&m, 2 * b, 4 * b, false, b),
            2 * b,
            "2 covered, 2 beyond"
        );
        assert_eq!(file_growth(&m, 8 * b, b, false, b), b, "past the end");
        assert_eq!(file_growth(&m, 8 * b, b, true, b), b);
    }
}
