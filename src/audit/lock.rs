//! The audit log's lock, taken with a bound: `flock(2)` on the log (exclusive to append, shared
//! to read), tried without blocking and retried with a growing pause. After [`NOTE_AFTER`]
//! safeop says on stderr who it waits for; after [`WAIT`] it gives up, and the record counts as
//! one that cannot be written (the caller refuses or warns, as for a full disk). Nothing here
//! ever waits without a bound.
//!
//! The holder is named from `/proc/locks` (the pid that took the `FLOCK` on the log's device and
//! inode, and its `comm`); `F_OFD_GETLK` cannot see `flock` locks. When the kernel does not say,
//! the message names only the file.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long safeop waits for the lock before it gives up.
pub(crate) const WAIT: Duration = Duration::from_secs(5);
/// When safeop starts saying that it waits.
pub(crate) const NOTE_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// To append.
    Exclusive,
    /// To read a consistent log and head.
    Shared,
}

/// Takes the lock on the open log `f` within [`WAIT`], or says who holds it.
pub(crate) fn take(f: &File, path: &Path, kind: Kind) -> Result<(), String> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut noted = false;
    loop {
        let tried = match kind {
            Kind::Exclusive => f.try_lock(),
            Kind::Shared => f.try_lock_shared(),
        };
        match tried {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("audit log `{}`: lock: {e}", path.display()))
            }
        }
        let waited = start.elapsed();
        if waited >= WAIT {
            return Err(format!(
                "audit log `{}`: its lock is held{} and was not released within {} s",
                path.display(),
                holder(f).map(|h| format!(" by {h}")).unwrap_or_default(),
                WAIT.as_secs()
            ));
        }
        if !noted && waited >= NOTE_AFTER {
            noted = true;
            // The one message audit.rs prints itself: it is about a wait still going on.
            crate::report::out::note(&format!(
                "safeop: waiting for the audit log lock held by {} on `{}` ({} s at most)\n",
                holder(f).unwrap_or_else(|| "another process".into()),
                path.display(),
                WAIT.as_secs()
            ));
        }
        std::thread::sleep(pause.min(WAIT.saturating_sub(waited)));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// `pid 1234 (flock)`, or several, for the `flock` locks on the file `f` that `/proc/locks`
/// lists; `None` when it lists none (or cannot be read).
fn holder(f: &File) -> Option<String> {
    let meta = f.metadata().ok()?;
    let table = std::fs::read_to_string("/proc/locks").ok()?;
    let pids = holders_in(&table, meta.dev(), meta.ino());
    if pids.is_empty() {
        return None;
    }
    let named: Vec<String> = pids
        .iter()
        .map(
            |pid| match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
                Ok(c) => format!("pid {pid} ({})", c.trim_end()),
                Err(_) => format!("pid {pid}"),
            },
        )
        .collect();
    Some(named.join(", "))
}

/// The pids holding (not waiting for) a `FLOCK` on device `dev`, inode `ino` in a `/proc/locks`
/// text. Its lines read `1: FLOCK  ADVISORY  WRITE 20737 fe:00:10010720 0 EOF`, the device as hex
/// major:minor; a waiter's line has `->` after the number.
fn holders_in(table: &str, dev: u64, ino: u64) -> Vec<u32> {
    let major = nix::sys::stat::major(dev);
    let minor = nix::sys::stat::minor(dev);
    let mut pids = Vec::new();
    for line in table.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 6 || w[1] != "FLOCK" {
            continue;
        }
        let (Ok(pid), Some(id)) = (w[4].parse::<u32>(), parse_id(w[5])) else {
            continue;
        };
        if id == (major, minor, ino) && pid > 0 && !pids.contains(&pid) {
            pids.push(pid);
        }
    }
    pids
}

fn parse_id(s: &str) -> Option<(u64, u64, u64)> {
    let mut it = s.split(':');
    let major = u64::from_str_radix(it.next()?, 16).ok()?;
    let minor = u64::from_str_radix(it.next()?, 16).ok()?;
    let ino = it.next()?.parse().ok()?;
    it.next().is_none().then_some((major, minor, ino))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_are_read_from_proc_locks_lines() {
        let table = "1: FLOCK  ADVISORY  WRITE 20737 fe:00:10010720 0 EOF\n\
                     1: -> FLOCK  ADVISORY  WRITE 20800 fe:00:10010720 0 EOF\n\
                     2: POSIX  ADVISORY  WRITE 555 fe:00:10010720 0 EOF\n\
                     3: FLOCK  ADVISORY  READ 31 00:2a:77 0 EOF\n";
        let dev = nix::sys::stat::makedev(0xfe, 0);
        assert_eq!(holders_in(table, dev, 10010720), [20737]);
        assert_eq!(
            holders_in(table, nix::sys::stat::makedev(0, 0x2a), 77),
            [31]
        );
        assert!(holders_in(table, dev, 1).is_empty());
    }

    #[test]
    fn a_held_lock_is_waited_for_within_the_bound_and_its_holder_named() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("log");
        let holder = File::create(&p).expect("create");
        holder.lock().expect("lock");
        let other = File::open(&p).expect("open");
        let t = Instant::now();
        let e = take(&other, &p, Kind::Shared).unwrap_err();
        assert!(t.elapsed() >= WAIT && t.elapsed() < WAIT + Duration::from_secs(2));
        assert!(
            e.contains(&format!("held by pid {}", std::process::id())),
            "{e}"
        );
        drop(holder);
        take(&other, &p, Kind::Exclusive).expect("free now");
    }
}
