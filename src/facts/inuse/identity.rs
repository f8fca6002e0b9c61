//! Which object a path names: its device and inode (and, for a block device, the device it is),
//! so every in-use probe matches by identity and never by path spelling (symlinks, bind mounts,
//! `..`, a file renamed after it was attached).

use super::super::{answer, path::resolve, Facts, PathSubject, ProbeResult};
use crate::command::Kind;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// What a path is, by identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// `st_dev`: the filesystem the inode lives on.
    pub dev: u64,
    pub ino: u64,
    /// `st_rdev` when the path is a block device: the device itself, whatever node names it.
    pub block: Option<u64>,
    pub is_file: bool,
    /// A directory: never a disk, a loop backing file or a swap area, and never open for writing.
    pub is_dir: bool,
}

impl Identity {
    pub fn from_meta(m: &std::fs::Metadata) -> Identity {
        let ft = m.file_type();
        Identity {
            dev: m.dev(),
            ino: m.ino(),
            block: ft.is_block_device().then(|| m.rdev()),
            is_file: ft.is_file(),
            is_dir: ft.is_dir(),
        }
    }

    /// Same object: same block device, or same inode on the same filesystem.
    pub fn same(&self, other: &Identity) -> bool {
        match (self.block, other.block) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.dev == other.dev && self.ino == other.ino,
            _ => false,
        }
    }

    /// Matches an object named by (device, inode) only, e.g. from `/proc/locks` or the loop driver.
    pub fn is_inode(&self, dev: u64, ino: u64) -> bool {
        self.block.is_none() && self.dev == dev && self.ino == ino
    }
}

/// `major:minor` of a device number, decimal.
pub fn dev_string(dev: u64) -> String {
    format!(
        "{}:{}",
        nix::sys::stat::major(dev),
        nix::sys::stat::minor(dev)
    )
}

/// The identity of what the subject reaches; `None` when nothing is there. Deleting or moving a
/// symlink acts on the link, so the link itself is what those name.
pub fn of(f: &Facts, s: &PathSubject) -> Result<Option<Identity>, String> {
    // Every in-use probe asks; one stat per path and run.
    f.memo_for("identity", s, |f| stat(f, s)).as_ref().clone()
}

fn stat(f: &Facts, s: &PathSubject) -> Result<Option<Identity>, String> {
    let path = resolve(f, s);
    let on_link =
        matches!(f.op.kind, Kind::Delete | Kind::Move) && s.role == super::super::Role::Target;
    let meta = if on_link {
        std::fs::symlink_metadata(&path)
    } else {
        std::fs::metadata(&path)
    };
    match meta {
        Ok(m) => Ok(Some(Identity::from_meta(&m))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "stat `{}`: {e}",
            crate::text::bytes::show_path(&path)
        )),
    }
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    Ok(match of(f, s)? {
        Some(id) => answer([
            ("identity.dev", dev_string(id.dev).into()),
            ("identity.ino", id.ino.into()),
        ]),
        None => answer([("identity.dev", Value::Null), ("identity.ino", Value::Null)]),
    })
}
