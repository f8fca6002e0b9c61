//! Loop devices and the files behind them: which `/dev/loopN` is backed by the target, and where
//! those loop devices (or their partitions) are mounted.
//!
//! The backing file is matched by identity. The kernel's `LOOP_GET_STATUS64` gives the backing
//! file's device and inode, which stay right when the image was renamed or deleted after
//! `losetup` (sysfs `loop/backing_file` then shows the new name or ` (deleted)`); when the loop
//! device node cannot be opened (a normal user: `/dev/loopN` is root's, mode 0600 or 0660), the
//! path in sysfs is stat'ed instead. sysfs itself gives no identity (`loop/` holds
//! `backing_file`, `offset`, `sizelimit`, `autoclear`, `partscan`, `dio`), so a deleted backing
//! file — which may live on as a hard link under another name — or one that cannot be stat'ed
//! leaves the question open: that is a failed value, never "not attached". The path is read as
//! bytes and kept encoded (`text::bytes`): an image whose name is not UTF-8 is still found.

use super::super::{answer, failed, mounts, Facts, PathSubject, ProbeResult};
use super::identity::{self, Identity};
use crate::text::bytes;
use serde_json::Value;

/// One attached loop device.
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    /// Kernel name, `loop3`.
    pub name: String,
    /// `major:minor` of the loop device itself.
    pub number: Option<(u32, u32)>,
    /// `loop/backing_file` as sysfs shows it (encoded), ` (deleted)` removed.
    pub backing_file: String,
    pub deleted: bool,
    /// From `LOOP_GET_STATUS64`: (st_dev, st_ino, st_rdev) of the backing file, or why the loop
    /// driver could not be asked.
    pub backing: Result<(u64, u64, u64), String>,
}

/// Whether a loop device is backed by an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Backs {
    Yes,
    No,
    /// Its identity cannot be known here, and why.
    CannotTell(String),
}

impl Loop {
    /// Is this loop device backed by the object `id`?
    pub fn backed_by(&self, id: &Identity) -> Backs {
        let yes = |b: bool| if b { Backs::Yes } else { Backs::No };
        let why_not_asked = match &self.backing {
            Ok((dev, ino, rdev)) => {
                return yes(match id.block {
                    Some(b) => *rdev != 0 && *rdev == b,
                    None => id.is_inode(*dev, *ino),
                });
            }
            Err(e) => e,
        };
        let shown = bytes::display(&self.backing_file);
        if self.deleted {
            return Backs::CannotTell(format!(
                "{why_not_asked}, and its backing file `{shown}` was deleted: a hard link of it, under another name, may be this file"
            ));
        }
        match std::fs::metadata(bytes::path(&self.backing_file)) {
            Ok(m) => yes(Identity::from_meta(&m).same(id)),
            Err(e) => Backs::CannotTell(format!(
                "{why_not_asked}, and its backing file `{shown}` cannot be stat'ed ({e})"
            )),
        }
    }
}

/// `struct loop_info64` from `<linux/loop.h>`.
#[repr(C)]
struct LoopInfo64 {
    lo_device: u64,
    lo_inode: u64,
    lo_rdevice: u64,
    lo_offset: u64,
    lo_sizelimit: u64,
    lo_number: u32,
    lo_encrypt_type: u32,
    lo_encrypt_key_size: u32,
    lo_flags: u32,
    lo_file_name: [u8; 64],
    lo_crypt_name: [u8; 64],
    lo_encrypt_key: [u8; 32],
    lo_init: [u64; 2],
}

const LOOP_GET_STATUS64: u64 = 0x4C05;

nix::ioctl_read_bad!(loop_get_status64, LOOP_GET_STATUS64, LoopInfo64);

/// Asks the loop driver for the backing file's identity (needs the node to be openable).
/// `Ok(None)`: the device was detached since sysfs was read.
fn status(name: &str, node: &std::path::Path) -> Result<Option<(u64, u64, u64)>, String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_CLOEXEC)
        .open(node)
        .map_err(|e| format!("/dev/{name} cannot be opened to ask the loop driver ({e})"))?;
    // A block device must be there, not whatever a test tree put at that name.
    use std::os::unix::fs::FileTypeExt;
    let is_block = file
        .metadata()
        .is_ok_and(|m| m.file_type().is_block_device());
    if !is_block {
        return Err(format!("/dev/{name} is not a block device here"));
    }
    // SAFETY: LoopInfo64 is plain old data; all-zero bytes are a valid value of it.
    let mut info: LoopInfo64 = unsafe { std::mem::zeroed() };
    // SAFETY: the fd is open for the duration of the call and `info` is a correctly sized
    // `struct loop_info64` the kernel writes into.
    match unsafe { loop_get_status64(file.as_raw_fd(), &mut info) } {
        Ok(_) => Ok(Some((info.lo_device, info.lo_inode, info.lo_rdevice))),
        Err(nix::errno::Errno::ENXIO) => Ok(None),
        Err(e) => Err(format!(
            "the loop driver did not answer for /dev/{name} ({e})"
        )),
    }
}

fn parse_dev(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Every attached loop device, from `/sys/block/loop*` (below the system root).
pub fn list(f: &Facts) -> Result<Vec<Loop>, String> {
    let dir = f.sys("/sys/block");
    let rd = std::fs::read_dir(&dir).map_err(|e| format!("read `{}`: {e}", dir.display()))?;
    let mut out = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("loop") {
            continue;
        }
        let base = dir.join(&name);
        // Unattached loop devices have no `loop/backing_file`.
        let Ok(back) = bytes::read(&base.join("loop/backing_file")) else {
            continue;
        };
        let back = back.trim_end_matches('\n');
        let (backing_file, deleted) = match back.strip_suffix(" (deleted)") {
            Some(p) => (p.to_string(), true),
            None => (back.to_string(), false),
        };
        let number = std::fs::read_to_string(base.join("dev"))
            .ok()
            .and_then(|d| parse_dev(&d));
        let backing = match status(&name, &f.sys(&format!("/dev/{name}"))) {
            Ok(Some(b)) => Ok(b),
            // Detached since sysfs was read.
            Ok(None) => continue,
            Err(e) => Err(e),
        };
        out.push(Loop {
            name,
            number,
            backing_file,
            deleted,
            backing,
        });
    }
    out.sort_by(|a, b| a.name.len().cmp(&b.name.len()).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// What the loop devices say about one subject.
#[derive(Debug, Default)]
pub struct Backing {
    pub id: Option<Identity>,
    /// The loop devices backed by it.
    pub loops: Vec<Loop>,
    /// The loop devices that may be, each with why safeop cannot tell.
    pub unsure: Vec<(Loop, String)>,
}

/// The loop devices backed by the subject.
pub fn backing(f: &Facts, s: &PathSubject) -> Result<Backing, String> {
    let Some(id) = identity::of(f, s)? else {
        return Ok(Backing::default());
    };
    // The loop driver holds its backing file open: a file open nowhere (or a directory) backs
    // no loop device.
    if super::open_files::idle(f, s) {
        return Ok(Backing {
            id: Some(id),
            ..Backing::default()
        });
    }
    let all = f.memo("loop_devices", list);
    let all = all.as_ref().as_ref().map_err(Clone::clone)?;
    let mut out = Backing {
        id: Some(id),
        ..Backing::default()
    };
    for l in all {
        match l.backed_by(&id) {
            Backs::Yes => out.loops.push(l.clone()),
            Backs::No => {}
            Backs::CannotTell(why) => out.unsure.push((l.clone(), why)),
        }
    }
    Ok(out)
}

/// `MOUNTPOINT (/dev/loopN)` for each mount of the loop devices or their partitions.
fn mount_points(f: &Facts, loops: &[&Loop]) -> Result<Vec<Value>, String> {
    let mut points = Vec::new();
    if loops.is_empty() {
        return Ok(points);
    }
    let all = mounts::cached(f)?;
    for l in loops {
        let Some((maj, min)) = l.number else { continue };
        let (_, devs, _) = mounts::device_and_partitions(f, maj, min);
        for m in all.iter().filter(|m| devs.contains(&(m.major, m.minor))) {
            points.push(Value::from(format!("{} (/dev/{})", m.mount_point, l.name)));
        }
    }
    Ok(points)
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let b = backing(f, s)?;
    if b.loops.is_empty() && !b.unsure.is_empty() {
        // Some loop device may be backed by it and safeop cannot tell which: not "no".
        let why = b
            .unsure
            .iter()
            .map(|(l, why)| format!("/dev/{}: {why}", l.name))
            .collect::<Vec<_>>()
            .join("; ");
        let why = format!("cannot tell whether it backs a loop device: {why}");
        // Mounted or not: only an unsure loop device that is mounted could make it so.
        let unsure: Vec<&Loop> = b.unsure.iter().map(|(l, _)| l).collect();
        let points = if mount_points(f, &unsure)?.is_empty() {
            Vec::<Value>::new().into()
        } else {
            failed(why.clone())
        };
        return Ok(answer([
            ("loop.attached", failed(why.clone())),
            ("loop.devices", failed(why)),
            ("loop.mountpoints", points),
        ]));
    }
    let loops: Vec<&Loop> = b.loops.iter().collect();
    let points = mount_points(f, &loops)?;
    let devices: Vec<Value> = loops
        .iter()
        .map(|l| Value::from(format!("/dev/{}", l.name)))
        .collect();
    Ok(answer([
        ("loop.attached", (!loops.is_empty()).into()),
        ("loop.devices", devices.into()),
        ("loop.mountpoints", points.into()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_info_has_the_kernel_size() {
        assert_eq!(std::mem::size_of::<LoopInfo64>(), 232);
    }

    #[test]
    fn dev_numbers() {
        assert_eq!(parse_dev("7:3\n"), Some((7, 3)));
        assert_eq!(parse_dev("x"), None);
    }

    #[test]
    fn a_deleted_backing_file_without_driver_answer_cannot_be_told() {
        let l = Loop {
            name: "loop0".into(),
            number: None,
            backing_file: "/".into(),
            deleted: true,
            backing: Err("/dev/loop0 cannot be opened to ask the loop driver (EACCES)".into()),
        };
        let root = Identity::from_meta(&std::fs::metadata("/").unwrap());
        match l.backed_by(&root) {
            Backs::CannotTell(why) => {
                assert!(why.contains("was deleted"), "{why}");
                assert!(why.starts_with("/dev/loop0 cannot be opened"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        // a backing file that is still there is compared by its identity
        let there = Loop {
            deleted: false,
            ..l.clone()
        };
        assert_eq!(there.backed_by(&root), Backs::Yes);
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let other = Identity::from_meta(&std::fs::metadata(tmp.path()).unwrap());
        assert_eq!(there.backed_by(&other), Backs::No);
        // one that cannot be stat'ed leaves the question open
        let gone = Loop {
            deleted: false,
            backing_file: "/nonexistent/x.img".into(),
            ..l
        };
        assert!(matches!(gone.backed_by(&other), Backs::CannotTell(_)));
    }

    #[test]
    fn driver_identity_wins_over_the_path() {
        let m = std::fs::metadata("/").unwrap();
        let root = Identity::from_meta(&m);
        use std::os::unix::fs::MetadataExt;
        let l = Loop {
            name: "loop0".into(),
            number: None,
            backing_file: "/nonexistent/renamed".into(),
            deleted: false,
            backing: Ok((m.dev(), m.ino(), 0)),
        };
        assert_eq!(l.backed_by(&root), Backs::Yes);
    }
}
