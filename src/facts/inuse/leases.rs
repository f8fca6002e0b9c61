//! What the kernel itself says about who has a regular file open, whatever /proc shows: a lease
//! (`F_SETLEASE`) is refused exactly while another open file description has the inode open for
//! writing (a read lease) or open at all (a write lease), and an OFD write lock on any byte
//! (`F_OFD_GETLK`) needs an open for writing. Both are asked on a descriptor opened read-only
//! here, never for writing, and a lease granted is dropped at once.
//!
//! A lease is given only to the file's owner or a caller with `CAP_LEASE`, and NFS, CIFS and
//! FUSE give none: then the answer is "cannot tell", with the reason.

use super::identity::Identity;
use std::path::Path;

/// `F_SETSIG` from `<asm-generic/fcntl.h>` (x86, Arm, RISC-V; the libc crate does not export it).
const F_SETSIG: nix::libc::c_int = 10;

/// What a lease on a regular file tells: whether any open file description other than ours has
/// the inode open for writing (`F_RDLCK`), or open at all (`F_WRLCK`). The kernel refuses the
/// lease with `EAGAIN` exactly then; a lease granted is dropped at once. `Err` (why) when the
/// kernel cannot say: no `CAP_LEASE` and not the owner, a filesystem without leases (NFS, CIFS,
/// FUSE), the file replaced meanwhile.
pub fn lease_refused(path: &Path, id: &Identity, kind: nix::libc::c_int) -> Result<bool, String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    if !id.is_file {
        return Err("leases exist for regular files only".into());
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY | nix::libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| format!("it cannot be opened to ask the kernel for a lease ({e})"))?;
    let meta = file.metadata().map_err(|e| format!("fstat: {e}"))?;
    if !Identity::from_meta(&meta).same(id) {
        return Err("the file was replaced while safeop looked".into());
    }
    let fd = file.as_raw_fd();
    // Someone opening the file while the lease is held breaks it, and the kernel signals the
    // holder: SIGIO by default, which would kill safeop. SIGURG is ignored by default.
    // SAFETY: fcntl on an fd this function owns; F_SETSIG and F_SETLEASE take an int argument.
    if unsafe { nix::libc::fcntl(fd, F_SETSIG, nix::libc::SIGURG) } != 0 {
        return Err(format!("F_SETSIG: {}", nix::errno::Errno::last()));
    }
    // SAFETY: as above.
    let r = unsafe { nix::libc::fcntl(fd, nix::libc::F_SETLEASE, kind) };
    if r == 0 {
        // SAFETY: as above; removes the lease just taken.
        unsafe { nix::libc::fcntl(fd, nix::libc::F_SETLEASE, nix::libc::F_UNLCK) };
        return Ok(false);
    }
    match nix::errno::Errno::last() {
        nix::errno::Errno::EAGAIN => Ok(true),
        nix::errno::Errno::EACCES | nix::errno::Errno::EPERM => Err(
            "the kernel gives a lease only to the file's owner or to a caller with CAP_LEASE"
                .into(),
        ),
        nix::errno::Errno::EINVAL => {
            Err("its filesystem gives no leases (NFS, CIFS and FUSE do not)".into())
        }
        e => Err(format!("F_SETLEASE: {e}")),
    }
}

/// Does anyone have a regular file open for writing? (A read lease, see [`lease_refused`].)
pub fn written_somewhere(path: &Path, id: &Identity) -> Result<bool, String> {
    lease_refused(path, id, nix::libc::F_RDLCK)
}

/// Does some open file description hold a write lock on any byte of the file? A write lock
/// needs the file open for writing, so this says "a writer" where no lease can be had (a file
/// of another user, NFS: its locks are the server's, so other clients' count too).
/// `F_OFD_GETLK` on a read-only descriptor answers without locking anything.
pub fn write_locked(path: &Path) -> Result<bool, String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY | nix::libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| format!("open: {e}"))?;
    // SAFETY: an all-zero `flock` is a valid value of this plain C struct.
    let mut fl: nix::libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = nix::libc::F_WRLCK as i16;
    fl.l_whence = nix::libc::SEEK_SET as i16;
    fl.l_start = 0;
    fl.l_len = 0; // to the end of the file, however far it grows
    fl.l_pid = 0;
    // SAFETY: the fd is open for the lifetime of `file`, and `fl` is a valid flock the kernel
    // writes the conflicting lock (or F_UNLCK) into.
    let rc = unsafe { nix::libc::fcntl(file.as_raw_fd(), nix::libc::F_OFD_GETLK, &mut fl) };
    if rc != 0 {
        return Err(format!("F_OFD_GETLK: {}", nix::errno::Errno::last()));
    }
    Ok(fl.l_type == nix::libc::F_WRLCK as i16)
}

/// What the kernel says about the writers of a regular file, whoever they are.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelSays {
    /// Open for writing somewhere (how the kernel told, for the evidence).
    Writer(&'static str),
    NoWriter,
    /// It cannot say, and why.
    CannotTell(String),
}

/// A read lease first; where none can be had, an OFD write lock still proves a writer.
pub fn kernel_writers(path: &Path, id: &Identity) -> KernelSays {
    match written_somewhere(path, id) {
        Ok(true) => {
            KernelSays::Writer("the kernel says it is open for writing: a read lease is refused")
        }
        Ok(false) => KernelSays::NoWriter,
        Err(why) => match write_locked(path) {
            Ok(true) => KernelSays::Writer("an open file holds a write lock on it"),
            _ => KernelSays::CannotTell(why),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_tells_whether_a_file_is_open_for_writing() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let id = Identity::from_meta(&std::fs::metadata(tmp.path()).unwrap());
        // NamedTempFile holds it open read-write itself.
        assert_ne!(written_somewhere(tmp.path(), &id), Ok(false));
        let (file, path) = tmp.keep().unwrap();
        drop(file);
        let idle = written_somewhere(&path, &id);
        let ro = std::fs::File::open(&path).unwrap();
        let with_reader = written_somewhere(&path, &id);
        drop(ro);
        std::fs::remove_file(&path).unwrap();
        if nix::unistd::geteuid().is_root() {
            assert_eq!(idle, Ok(false));
            assert_eq!(with_reader, Ok(false), "readers do not count");
        }
    }

    #[test]
    fn the_kernel_tells_whether_a_file_is_open_at_all() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED (needs root for CAP_LEASE on any file)");
            return;
        }
        let (file, path) = tempfile::NamedTempFile::new().unwrap().keep().unwrap();
        let id = Identity::from_meta(&std::fs::metadata(&path).unwrap());
        let open = |p: &Path| lease_refused(p, &id, nix::libc::F_WRLCK);
        assert_eq!(open(&path), Ok(true), "our own read-write descriptor");
        drop(file);
        assert_eq!(open(&path), Ok(false), "open nowhere");
        let ro = std::fs::File::open(&path).unwrap();
        assert_eq!(open(&path), Ok(true), "a reader counts");
        drop(ro);
        let writer = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        assert_eq!(open(&path), Ok(true), "a writer counts");
        drop(writer);
        assert_eq!(open(&path), Ok(false));
        std::fs::remove_file(&path).unwrap();
    }
}
