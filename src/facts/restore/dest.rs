//! The destination filesystem of a restore: statvfs(3) of the nearest existing ancestor of the
//! target, and the mount it belongs to. Reads only; never creates the target.

use crate::facts::{mounts, Facts};
use std::path::{Path, PathBuf};

/// What statvfs and mountinfo say about the filesystem a restore writes into.
#[derive(Debug, Clone, PartialEq)]
pub struct DestFs {
    /// The target as the command names it, absolute.
    pub target: PathBuf,
    /// The nearest ancestor of the target (or the target) that exists, symlinks resolved.
    pub existing: PathBuf,
    /// The device of that ancestor (`st_dev`): destinations with the same one share a
    /// filesystem and its free inodes and bytes.
    pub dev: u64,
    pub mountpoint: Option<String>,
    pub fstype: Option<String>,
    /// `f_frsize` (the unit of the block counts), `f_bsize` when that is 0.
    pub block_size: u64,
    pub bytes_total: u64,
    pub bytes_free: u64,
    pub bytes_avail: u64,
    /// `None` when the filesystem reports no inode limit (`f_files == 0`: btrfs, tmpfs with
    /// `nr_inodes=0`, many FUSE and network filesystems).
    pub inodes: Option<Inodes>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inodes {
    pub total: u64,
    pub free: u64,
    pub avail: u64,
}

/// The nearest existing ancestor of `p`, canonicalized.
pub fn nearest_existing(p: &Path) -> Result<PathBuf, String> {
    let mut cur = p.to_path_buf();
    loop {
        match std::fs::canonicalize(&cur) {
            Ok(c) => return Ok(c),
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(nix::libc::ENOTDIR) => {}
            Err(e) => {
                return Err(format!(
                    "cannot resolve `{}`: {e}",
                    crate::text::bytes::show_path(&cur)
                ))
            }
        }
        if !cur.pop() {
            return Err(format!(
                "no existing ancestor of `{}`",
                crate::text::bytes::show_path(p)
            ));
        }
    }
}

/// statvfs fields are `u64` on Linux/x86_64 but narrower elsewhere.
pub(crate) fn n<T: Into<u64>>(v: T) -> u64 {
    v.into()
}

/// Looks at the filesystem under `target`.
pub fn probe(f: &Facts, target: &Path) -> Result<DestFs, String> {
    let existing = nearest_existing(target)?;
    let dev = std::os::unix::fs::MetadataExt::dev(
        &std::fs::metadata(&existing)
            .map_err(|e| format!("stat `{}`: {e}", crate::text::bytes::show_path(&existing)))?,
    );
    let st = nix::sys::statvfs::statvfs(&existing).map_err(|e| {
        format!(
            "statvfs `{}`: {e}",
            crate::text::bytes::show_path(&existing)
        )
    })?;
    let frsize = n(st.fragment_size());
    let block_size = if frsize > 0 {
        frsize
    } else {
        n(st.block_size())
    };
    let blocks = |n: u64| n.saturating_mul(block_size);
    let inodes = (st.files() > 0).then(|| Inodes {
        total: n(st.files()),
        free: n(st.files_free()),
        avail: n(st.files_available()),
    });
    let (mountpoint, fstype) = match mounts::mounts(f) {
        Ok(all) => match mounts::containing(&all, &existing) {
            Some(m) => (Some(m.mount_point.clone()), Some(m.fstype.clone())),
            None => (None, None),
        },
        Err(_) => (None, None),
    };
    Ok(DestFs {
        target: target.to_path_buf(),
        existing,
        dev,
        mountpoint,
        fstype,
        block_size,
        bytes_total: blocks(n(st.blocks())),
        bytes_free: blocks(n(st.blocks_free())),
        bytes_avail: blocks(n(st.blocks_available())),
        inodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_existing_climbs_to_an_existing_dir() {
        let d = tempfile::tempdir().expect("tempdir");
        let deep = d.path().join("a/b/c");
        let got = nearest_existing(&deep).expect("resolves");
        assert_eq!(got, std::fs::canonicalize(d.path()).expect("canonical"));
    }

    #[test]
    fn nearest_existing_stops_at_a_file_in_the_way() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("f"), b"x").expect("write");
        let got = nearest_existing(&d.path().join("f/sub")).expect("resolves");
        assert_eq!(
            got,
            std::fs::canonicalize(d.path().join("f")).expect("canonical")
        );
    }
}
