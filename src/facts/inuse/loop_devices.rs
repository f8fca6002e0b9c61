//! Loop devices and the files behind them: which `/dev/loopN` is backed by the target, and where
//! those loop devices (or their partitions) are mounted.
//!
//! The backing file is matched by identity. The kernel's `LOOP_GET_STATUS64` gives the backing
//! file's device and inode, which stay right when the image was renamed or deleted after
//! `losetup` (sysfs `loop/backing_file` then shows the new name or ` (deleted)`); when the loop
//! device node cannot be opened, the path in sysfs is stat'ed instead. The path is read as
//! bytes and kept encoded (`text::bytes`): an image whose name is not UTF-8 is still found.

use super::super::{answer, mounts, Facts, PathSubject, ProbeResult};
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
    /// From `LOOP_GET_STATUS64`: (st_dev, st_ino, st_rdev) of the backing file.
    pub backing: Option<(u64, u64, u64)>,
}

impl Loop {
    /// Is this loop device backed by the object `id`?
    pub fn backed_by(&self, id: &Identity) -> bool {
        if let Some((dev, ino, rdev)) = self.backing {
            return match id.block {
                Some(b) => rdev != 0 && rdev == b,
                None => id.is_inode(dev, ino),
            };
        }
        if self.deleted {
            return false;
        }
        std::fs::metadata(bytes::path(&self.backing_file))
            .is_ok_and(|m| Identity::from_meta(&m).same(id))
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
fn status(node: &std::path::Path) -> Option<(u64, u64, u64)> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_CLOEXEC)
        .open(node)
        .ok()?;
    // A block device must be there, not whatever a test tree put at that name.
    use std::os::unix::fs::FileTypeExt;
    if !file.metadata().ok()?.file_type().is_block_device() {
        return None;
    }
    // SAFETY: LoopInfo64 is plain old data; all-zero bytes are a valid value of it.
    let mut info: LoopInfo64 = unsafe { std::mem::zeroed() };
    // SAFETY: the fd is open for the duration of the call and `info` is a correctly sized
    // `struct loop_info64` the kernel writes into.
    unsafe { loop_get_status64(file.as_raw_fd(), &mut info) }.ok()?;
    Some((info.lo_device, info.lo_inode, info.lo_rdevice))
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
        let backing = status(&f.sys(&format!("/dev/{name}")));
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

/// The loop devices backed by the subject.
pub fn backing(f: &Facts, s: &PathSubject) -> Result<(Option<Identity>, Vec<Loop>), String> {
    let Some(id) = identity::of(f, s)? else {
        return Ok((None, Vec::new()));
    };
    // The loop driver holds its backing file open: a file open nowhere (or a directory) backs
    // no loop device.
    if super::open_files::idle(f, s) {
        return Ok((Some(id), Vec::new()));
    }
    let all = f.memo("loop_devices", list);
    let all = all.as_ref().as_ref().map_err(Clone::clone)?;
    Ok((
        Some(id),
        all.iter().filter(|l| l.backed_by(&id)).cloned().collect(),
    ))
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let (_, loops) = backing(f, s)?;
    let mut points = Vec::new();
    if !loops.is_empty() {
        let all = mounts::mounts(f)?;
        for l in &loops {
            let Some((maj, min)) = l.number else { continue };
            let (_, devs, _) = mounts::device_and_partitions(f, maj, min);
            for m in all.iter().filter(|m| devs.contains(&(m.major, m.minor))) {
                points.push(Value::from(format!("{} (/dev/{})", m.mount_point, l.name)));
            }
        }
    }
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
    fn a_deleted_backing_file_without_driver_answer_matches_nothing() {
        let l = Loop {
            name: "loop0".into(),
            number: None,
            backing_file: "/".into(),
            deleted: true,
            backing: None,
        };
        let root = Identity::from_meta(&std::fs::metadata("/").unwrap());
        assert!(!l.backed_by(&root));
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
            backing: Some((m.dev(), m.ino(), 0)),
        };
        assert!(l.backed_by(&root));
    }
}
