//! QEMU's image locks: the byte-range locks QEMU (qemu-system-*, qemu-nbd, qemu-storage-daemon,
//! qemu-img) takes on bytes 100..=299 of every image it opens (100+i: holds permission i,
//! 200+i: refuses to share it). A read-only QEMU user holds them too and does not stop a writer,
//! so any lock in that range means "in use by QEMU".
//!
//! `/proc/locks` is read and matched by device and inode; OFD locks show pid `-1` there, so the
//! holder is named from the `lock:` lines in `/proc/PID/fdinfo` of the processes that have the
//! image open (that costs the `/proc` fd scan, so only `qemu.lock_holders` does it).

use super::super::{answer, Facts, PathSubject, ProbeResult};
use super::identity;
use super::open_files;
use serde_json::Value;

/// The first and last byte QEMU locks (`RAW_LOCK_PERM_BASE` 100, `RAW_LOCK_SHARED_BASE` 200).
pub const QEMU_FIRST: u64 = 100;
pub const QEMU_LAST: u64 = 299;

/// One line of `/proc/locks` (or of an fdinfo `lock:` line).
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    /// `OFDLCK`, `POSIX`, `FLOCK`, `LEASE` …
    pub kind: String,
    pub write: bool,
    /// `None` for OFD locks (the kernel shows -1).
    pub pid: Option<u32>,
    pub major: u32,
    pub minor: u32,
    pub ino: u64,
    pub start: u64,
    /// `None` = to the end of file (`EOF`).
    pub end: Option<u64>,
}

impl Lock {
    /// Does the lock touch QEMU's bytes? Only byte-range kinds count (OFD and POSIX locks).
    pub fn is_qemu_range(&self) -> bool {
        matches!(self.kind.as_str(), "OFDLCK" | "POSIX")
            && self.start <= QEMU_LAST
            && self.end.is_none_or(|e| e >= QEMU_FIRST)
    }
}

/// Parses one line: `1: OFDLCK ADVISORY  READ -1 fe:00:10043399 100 101`. Blocked waiters
/// (`1: -> POSIX …`) are not locks held and give `None`, as do malformed lines.
pub fn parse_line(line: &str) -> Option<Lock> {
    let mut it = line.split_whitespace();
    let id = it.next()?;
    if !id.ends_with(':') {
        return None;
    }
    let kind = it.next()?;
    if kind == "->" {
        return None;
    }
    let _mode = it.next()?; // ADVISORY | MANDATORY
    let rw = it.next()?;
    let pid = it.next()?;
    let dev = it.next()?;
    let start = it.next()?.parse().ok()?;
    let end = match it.next()? {
        "EOF" => None,
        n => Some(n.parse().ok()?),
    };
    let mut d = dev.split(':');
    let major = u32::from_str_radix(d.next()?, 16).ok()?;
    let minor = u32::from_str_radix(d.next()?, 16).ok()?;
    let ino = d.next()?.parse().ok()?;
    Some(Lock {
        kind: kind.to_string(),
        write: rw == "WRITE",
        pid: pid.parse().ok(),
        major,
        minor,
        ino,
        start,
        end,
    })
}

pub fn parse(text: &str) -> Vec<Lock> {
    text.lines().filter_map(parse_line).collect()
}

fn on(lock: &Lock, dev: u64, ino: u64) -> bool {
    lock.ino == ino
        && u64::from(lock.major) == nix::sys::stat::major(dev)
        && u64::from(lock.minor) == nix::sys::stat::minor(dev)
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let id = match identity::of(f, s)? {
        Some(id) if id.block.is_none() => id,
        // Block devices are not locked by QEMU's file-posix driver the same way; nothing there.
        _ => return Ok(answer([("qemu.locked", false.into())])),
    };
    // Ask the kernel about the image itself first: reading /proc/locks takes the kernel's
    // file-lock rwsem for writing, which waits for an RCU grace period (1-30 ms here).
    // A lock lives on an open file description: a file open nowhere is locked by nobody.
    if super::open_files::idle(f, s) {
        return Ok(answer([("qemu.locked", false.into())]));
    }
    if f.is_live() && f.sys_root == std::path::Path::new("/") {
        if let Some(locked) = ofd_probe(&super::super::path::resolve(f, s)) {
            return Ok(answer([("qemu.locked", locked.into())]));
        }
    }
    let p = f.sys("/proc/locks");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("read `{}`: {e}", p.display()))?;
    let locked = parse(&text)
        .iter()
        .any(|l| l.is_qemu_range() && on(l, id.dev, id.ino));
    Ok(answer([("qemu.locked", locked.into())]))
}

/// Would a write lock on bytes 100..=299 conflict? `F_OFD_GETLK` on a read-only descriptor of
/// the file answers without touching it (SYSTEM-FACTS A.3). `None` when the file cannot be
/// opened (permissions): the caller falls back to /proc/locks.
pub(super) fn ofd_probe(path: &std::path::Path) -> Option<bool> {
    ofd_probe_opened(path, true)
}

/// [`ofd_probe`] for a file a walk just saw to be a regular file (no second stat; whatever was
/// swapped in since is only opened read-only, without blocking, and asked).
pub(super) fn ofd_probe_file(path: &std::path::Path) -> Option<bool> {
    ofd_probe_opened(path, false)
}

fn ofd_probe_opened(path: &std::path::Path, check_file: bool) -> Option<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .ok()?;
    if check_file && !file.metadata().ok()?.is_file() {
        return None;
    }
    // SAFETY: an all-zero `flock` is a valid value of this plain C struct.
    let mut fl: nix::libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = nix::libc::F_WRLCK as i16;
    fl.l_whence = nix::libc::SEEK_SET as i16;
    fl.l_start = QEMU_FIRST as i64;
    fl.l_len = (QEMU_LAST - QEMU_FIRST + 1) as i64;
    fl.l_pid = 0;
    // SAFETY: `fd` is open for the lifetime of `file`, and `fl` is a valid flock the kernel
    // writes the conflicting lock (or F_UNLCK) into.
    let rc = unsafe { nix::libc::fcntl(file.as_raw_fd(), nix::libc::F_OFD_GETLK, &mut fl) };
    if rc != 0 {
        return None;
    }
    Some(fl.l_type != nix::libc::F_UNLCK as i16)
}

pub(super) fn holders_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let id = match identity::of(f, s)? {
        Some(id) if id.block.is_none() => id,
        _ => return Ok(answer([("qemu.lock_holders", Vec::<Value>::new().into())])),
    };
    let p = f.sys("/proc/locks");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("read `{}`: {e}", p.display()))?;
    let mine: Vec<Lock> = parse(&text)
        .into_iter()
        .filter(|l| l.is_qemu_range() && on(l, id.dev, id.ino))
        .collect();
    if mine.is_empty() {
        return Ok(answer([("qemu.lock_holders", Vec::<Value>::new().into())]));
    }
    let mut names: Vec<String> = Vec::new();
    // POSIX locks name their pid in /proc/locks itself.
    for l in &mine {
        if let Some(pid) = l.pid {
            let comm = std::fs::read_to_string(f.sys(&format!("/proc/{pid}/comm")))
                .map(|c| c.trim().to_string())
                .unwrap_or_else(|_| "?".into());
            names.push(format!("{comm} (pid {pid})"));
        }
    }
    // OFD locks: the open files of this image whose fdinfo carries a matching lock line.
    let (openers, _) = open_files::openers(f, &id)?;
    for o in openers {
        let holds = o
            .locks
            .iter()
            .filter_map(|l| parse_line(l))
            .any(|l| l.is_qemu_range() && on(&l, id.dev, id.ino));
        if holds {
            names.push(o.label());
        }
    }
    names.sort();
    names.dedup();
    if names.is_empty() {
        names.push(
            "an unidentified process (the lock owner's /proc entry could not be read)".into(),
        );
    }
    Ok(answer([(
        "qemu.lock_holders",
        names
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>()
            .into(),
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Verified on 6.18 with `qemu-nbd --persistent … vm.qcow2` (SYSTEM-FACTS A.3).
    const WRITER: &str = "1: OFDLCK ADVISORY  READ -1 fe:00:10043399 203 203\n2: OFDLCK ADVISORY  READ -1 fe:00:10043399 201 201\n3: OFDLCK ADVISORY  READ -1 fe:00:10043399 103 103\n4: OFDLCK ADVISORY  READ -1 fe:00:10043399 100 101\n";

    #[test]
    fn parses_qemu_writer_locks() {
        let l = parse(WRITER);
        assert_eq!(l.len(), 4);
        assert_eq!(
            (l[3].major, l[3].minor, l[3].ino, l[3].start, l[3].end),
            (0xfe, 0, 10043399, 100, Some(101))
        );
        assert_eq!(l[0].pid, None);
        assert!(l.iter().all(Lock::is_qemu_range));
        let dev = nix::sys::stat::makedev(254, 0);
        assert!(on(&l[0], dev, 10043399));
        assert!(!on(&l[0], dev, 10043398));
        assert!(!on(&l[0], nix::sys::stat::makedev(254, 1), 10043399));
    }

    #[test]
    fn other_locks_and_ranges() {
        let posix = parse_line("5: POSIX  ADVISORY  WRITE 1234 08:01:77 0 EOF").unwrap();
        assert_eq!(posix.pid, Some(1234));
        assert!(posix.write);
        assert!(posix.is_qemu_range());
        let low = parse_line("6: OFDLCK ADVISORY READ -1 08:01:77 0 0").unwrap();
        assert!(!low.is_qemu_range(), "libvirt's byte 0 is not QEMU's");
        let high = parse_line("6: OFDLCK ADVISORY READ -1 08:01:77 300 400").unwrap();
        assert!(!high.is_qemu_range());
        let flock = parse_line("7: FLOCK  ADVISORY  WRITE 99 08:01:77 0 EOF").unwrap();
        assert!(!flock.is_qemu_range());
        assert_eq!(
            parse_line("8: -> POSIX ADVISORY WRITE 12 08:01:77 0 EOF"),
            None
        );
        assert_eq!(parse_line("garbage"), None);
        assert_eq!(
            parse_line("9: OFDLCK ADVISORY READ -1 zz:01:77 100 100"),
            None
        );
    }
}
