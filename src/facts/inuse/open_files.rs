//! Which processes hold a file or block device open, and how (read or write).
//!
//! One scan of `/proc/*/fd` per run, shared by every target and source: each fd is stat'ed
//! (following the magic link, so deleted and renamed files still give their device and inode)
//! and indexed by identity. Only the fds that match a subject get their `fdinfo` read (access
//! mode and `O_APPEND` from `flags`, locks from `lock:` lines) and their process's `comm`. A
//! writer whose every write lands at the end (`O_APPEND`: a logger) is told apart from one that
//! writes anywhere, so a policy can let log rotation through and still stop a second writer. Process directories
//! that cannot be read (another user's, without root) are counted, never silently skipped.
//! The scan runs on a few threads when there are many processes.
//!
//! The kernel is asked before the scan ([`super::leases`]: a lease, else an OFD write lock), and
//! its word wins over what the scan can see: a writer in another PID namespace, another user's
//! process (for a normal user) or a shared memory mapping is in no fd list this process can
//! read, yet the kernel knows the file is open for writing. That is `open.unseen_writer`; when the kernel
//! cannot be asked and the scan is blind somewhere ([`proc_view`], unreadable processes), the
//! answer is a failed value, never "not open".

use super::super::{
    answer, failed, path::resolve, proc_view, Facts, PathSubject, ProbeResult, Role,
};
use super::identity::{self, Identity};
use super::leases::{kernel_writers, lease_refused, KernelSays};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What an fd points at, as the index keys it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Inode(u64, u64),
    Block(u64),
}

impl Key {
    pub fn of(id: &Identity) -> Key {
        match id.block {
            Some(b) => Key::Block(b),
            None => Key::Inode(id.dev, id.ino),
        }
    }
}

/// The result of one scan of `/proc`.
#[derive(Debug, Default)]
pub struct Table {
    pub proc_dir: PathBuf,
    pub by_key: HashMap<Key, Vec<(u32, u32)>>,
    /// Process directories whose fds could not be listed (not counting processes that exited).
    pub unreadable: u64,
    pub processes: u64,
}

/// One process holding the subject open.
#[derive(Debug, Clone, PartialEq)]
pub struct Opener {
    pub pid: u32,
    pub fd: u32,
    pub comm: String,
    pub write: bool,
    /// The `flags:` of its open file description (fdinfo, octal there), when they could be read.
    pub flags: Option<u32>,
    /// The `lock:` lines of that open file (fdinfo).
    pub locks: Vec<String>,
}

impl Opener {
    pub fn label(&self) -> String {
        format!("{} (pid {})", self.comm, self.pid)
    }

    /// Whether every write through this descriptor lands at the end of the file (`O_APPEND`):
    /// a log's writer. `false` when the flags could not be read.
    pub fn appends(&self) -> bool {
        self.flags.is_some_and(appends)
    }

    /// The writer and how it holds the file, as open(2) spells it:
    /// `rsyslogd (pid 812) fd 7: O_WRONLY|O_APPEND`.
    pub fn detail(&self) -> String {
        let mode = match self.flags {
            Some(f) => {
                let access = match f & 0o3 {
                    0 => "O_RDONLY",
                    1 => "O_WRONLY",
                    2 => "O_RDWR",
                    _ => "O_ACCMODE",
                };
                if appends(f) {
                    format!("{access}|O_APPEND")
                } else {
                    access.to_string()
                }
            }
            None => "flags unreadable (counted as a writer)".to_string(),
        };
        format!("{} fd {}: {mode}", self.label(), self.fd)
    }
}

/// `O_APPEND` in open flags as the kernel shows them in fdinfo (the architecture's own value:
/// 02000 on x86, Arm and RISC-V).
fn appends(flags: u32) -> bool {
    flags & nix::libc::O_APPEND as u32 != 0
}

fn scan_pid(
    proc_dir: &Path,
    pid: u32,
    out: &mut Vec<(Key, u32, u32)>,
) -> Result<(), std::io::Error> {
    use nix::sys::stat::{fstatat, SFlag};
    let fd_dir = proc_dir.join(pid.to_string()).join("fd");
    // stat each fd relative to the open directory: one lookup per fd instead of a walk through
    // /proc/PID/fd each time (the walk dominates the cost with tens of thousands of fds).
    let dir = std::fs::File::open(&fd_dir)?;
    let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
    // An fd that closed between the listing and its stat may have moved to another number (a
    // shell saves an fd away around a fork, `cmd 3>&-`): the directory is listed once more
    // then, so the open file is not missed.
    for round in 0..2 {
        let mut moved = false;
        let rd = std::fs::read_dir(&fd_dir)?;
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(fd) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if round == 1 && seen.contains(&fd) {
                continue;
            }
            // stat follows the magic link to the open file itself.
            let st = match fstatat(&dir, name.as_os_str(), nix::fcntl::AtFlags::empty()) {
                Ok(st) => st,
                Err(nix::errno::Errno::ENOENT) => {
                    moved = true;
                    continue;
                }
                Err(_) => continue,
            };
            seen.insert(fd);
            let fmt = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
            let key = if fmt == SFlag::S_IFBLK {
                Key::Block(st.st_rdev)
            } else if fmt == SFlag::S_IFREG {
                Key::Inode(st.st_dev, st.st_ino)
            } else {
                continue;
            };
            out.push((key, pid, fd));
        }
        if !moved || round == 1 {
            break;
        }
    }
    Ok(())
}

/// The pid this `/proc` knows safeop by: not getpid() when /proc belongs to an outer PID
/// namespace (`unshare --pid` without `--mount-proc`).
fn self_pid(proc_dir: &Path) -> Option<u32> {
    std::fs::read_link(proc_dir.join("self"))
        .ok()
        .and_then(|p| p.to_str().and_then(|p| p.parse::<u32>().ok()))
}

/// One thread's share of a scan: (what, pid, fd) entries and the unreadable count.
type ScanPart = (Vec<(Key, u32, u32)>, u64);

/// Scans `/proc` (below the system root) once.
pub fn scan(f: &Facts) -> Result<Table, String> {
    let proc_dir = f.sys("/proc");
    let rd =
        std::fs::read_dir(&proc_dir).map_err(|e| format!("read `{}`: {e}", proc_dir.display()))?;
    let live = f.sys_root == Path::new("/");
    let me = self_pid(&proc_dir).unwrap_or_else(std::process::id);
    let pids: Vec<u32> = rd
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|p| !(live && *p == me))
        .collect();
    let threads = if pids.len() < 256 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4)
    };
    let chunk = pids.len().div_ceil(threads).max(1);
    let parts: Vec<ScanPart> = std::thread::scope(|sc| {
        let handles: Vec<_> = pids
            .chunks(chunk)
            .map(|c| {
                let proc_dir = &proc_dir;
                sc.spawn(move || {
                    let mut out = Vec::new();
                    let mut unreadable = 0;
                    for pid in c {
                        match scan_pid(proc_dir, *pid, &mut out) {
                            Ok(()) => {}
                            // The process exited (or is a zombie without fds) meanwhile.
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                            Err(_) => unreadable += 1,
                        }
                    }
                    (out, unreadable)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut t = Table {
        proc_dir,
        processes: pids.len() as u64,
        ..Table::default()
    };
    for (entries, unreadable) in parts {
        t.unreadable += unreadable;
        for (key, pid, fd) in entries {
            t.by_key.entry(key).or_default().push((pid, fd));
        }
    }
    Ok(t)
}

/// The fdinfo of one fd: access mode and lock lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FdInfo {
    pub flags: Option<u32>,
    pub locks: Vec<String>,
}

impl FdInfo {
    /// Open for writing: `O_WRONLY` or `O_RDWR` in the access mode bits.
    pub fn write(&self) -> Option<bool> {
        self.flags.map(|f| f & 0o3 != 0)
    }
}

/// Parses `/proc/PID/fdinfo/FD` (`flags:` is octal).
pub fn parse_fdinfo(text: &str) -> FdInfo {
    let mut info = FdInfo::default();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("flags:") {
            info.flags = u32::from_str_radix(v.trim(), 8).ok();
        } else if let Some(v) = line.strip_prefix("lock:") {
            info.locks.push(v.trim().to_string());
        }
    }
    info
}

/// The table of this run (scanned at most once).
pub fn table(f: &Facts) -> Result<std::rc::Rc<Result<Table, String>>, String> {
    Ok(f.memo("proc_fd_scan", scan))
}

/// The processes that hold the object `id` open.
pub fn openers(f: &Facts, id: &Identity) -> Result<(Vec<Opener>, u64), String> {
    let t = table(f)?;
    let t = t.as_ref().as_ref().map_err(Clone::clone)?;
    let mut out = Vec::new();
    let key = Key::of(id);
    let mut found: Vec<(u32, u32)> = t.by_key.get(&key).into_iter().flatten().copied().collect();
    let mut looked_again = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let (pid, fd) = found[i];
        i += 1;
        let base = t.proc_dir.join(pid.to_string());
        let Ok(text) = std::fs::read_to_string(base.join("fdinfo").join(fd.to_string())) else {
            // Closed since the scan, or moved to another number (a shell saves an fd away
            // around a fork: `cmd 3>&-`): look at that process's fds once more, so a writer
            // is not lost to the move.
            if !looked_again.contains(&pid) {
                looked_again.push(pid);
                let mut again = Vec::new();
                if scan_pid(&t.proc_dir, pid, &mut again).is_ok() {
                    for (k, p, f) in again {
                        if k == key && !found.contains(&(p, f)) {
                            found.push((p, f));
                        }
                    }
                }
            }
            continue;
        };
        let (pid, fd) = (&pid, &fd);
        let info = parse_fdinfo(&text);
        let comm = std::fs::read_to_string(base.join("comm"))
            .map(|c| c.trim().to_string())
            .unwrap_or_else(|_| "?".into());
        out.push(Opener {
            pid: *pid,
            fd: *fd,
            comm,
            write: info.write().unwrap_or(true),
            flags: info.flags,
            locks: info.locks,
        });
    }
    Ok((out, t.unreadable))
}

/// True when nothing can be using the subject as a disk, a loop backing file, a swap area, a
/// locked image or a file open for writing: it is a directory (open(2) refuses to open one for
/// writing, and none of those can be a directory), or a regular file open nowhere
/// ([`open_nowhere`]).
pub fn idle(f: &Facts, s: &PathSubject) -> bool {
    matches!(identity::of(f, s), Ok(Some(id)) if id.is_dir) || open_nowhere(f, s)
}

/// True when the kernel says no open file description anywhere holds the subject (a write
/// lease was granted). Then nothing can use it: a loop device, a swap area, QEMU (its locks
/// need an open file), a writer all hold the file open. Asked once per path and run, on the live
/// root only; `false` whenever the kernel cannot say.
pub fn open_nowhere(f: &Facts, s: &PathSubject) -> bool {
    if !f.is_live() || f.sys_root != Path::new("/") {
        return false;
    }
    *f.memo_for("open_nowhere", s, |f| match identity::of(f, s) {
        Ok(Some(id)) => lease_refused(&resolve(f, s), &id, nix::libc::F_WRLCK) == Ok(false),
        _ => false,
    })
}

fn labels(list: &[&Opener]) -> Value {
    let mut seen: Vec<String> = list.iter().map(|o| o.label()).collect();
    seen.dedup();
    seen.into_iter().map(Value::from).collect::<Vec<_>>().into()
}

/// Where the `/proc` scan is blind: processes it could not list (another PID namespace, hidden
/// by `hidepid`) or whose fds it could not read (other users'). `None` when it saw them all.
fn blind_spots(f: &Facts, unreadable: u64) -> Option<String> {
    let mut gaps: Vec<String> = proc_view::blind_spot(f).into_iter().collect();
    if unreadable > 0 {
        gaps.push(format!(
            "the fds of {unreadable} processes could not be read (other users' processes)"
        ));
    }
    (!gaps.is_empty()).then(|| gaps.join("; "))
}

/// Does safeop itself have the object open for writing (its own output redirected into it)?
/// The scan leaves safeop out, the kernel does not.
fn safeop_writes(f: &Facts, id: &Identity) -> bool {
    let proc_dir = f.sys("/proc");
    let Some(me) = self_pid(&proc_dir) else {
        return false;
    };
    let mut fds = Vec::new();
    if scan_pid(&proc_dir, me, &mut fds).is_err() {
        return false;
    }
    let fdinfo = proc_dir.join(me.to_string()).join("fdinfo");
    fds.iter()
        .filter(|(k, _, _)| *k == Key::of(id))
        .any(|(_, _, fd)| {
            std::fs::read_to_string(fdinfo.join(fd.to_string()))
                .map(|t| parse_fdinfo(&t).write().unwrap_or(true))
                .unwrap_or(true)
        })
}

/// A writer that is the kernel's own and named by another fact: the loop driver holds its
/// backing file open for writing, the swap code its swap file.
fn kernel_user(f: &Facts, s: &PathSubject) -> bool {
    let prefix = if s.role == Role::Source {
        "source"
    } else {
        "target"
    };
    ["loop.attached", "device.swap"]
        .iter()
        .any(|rel| f.get(&format!("{prefix}.{rel}"), Some(s)) == Ok(Value::Bool(true)))
}

/// The answer of the writers probe when no process safeop can name writes the subject.
fn writers_answer(writers: Value, unseen: Value, evidence: Option<String>) -> ProbeResult {
    Ok(answer([
        ("open.writers", writers),
        ("open.writers_detail", Vec::<Value>::new().into()),
        ("open.writers_append_only", Value::Null),
        ("open.unseen_writer", unseen),
        (
            "open.unseen_evidence",
            evidence.map(Value::from).unwrap_or(Value::Null),
        ),
    ]))
}

/// The answer when the scan names writers: who, how each holds it, and whether all of them
/// only append. "Only appends" is vouched for only when the scan saw every process: a writer
/// safeop cannot see beside a visible logger may write anywhere.
fn named_writers_answer(f: &Facts, writers: &[&Opener], unreadable: u64) -> ProbeResult {
    let append_only = if writers.iter().all(|o| o.appends()) {
        match blind_spots(f, unreadable) {
            None => Value::Bool(true),
            Some(gap) => failed(format!(
                "every writer safeop sees only appends, but one it cannot see may write anywhere: {gap}"
            )),
        }
    } else {
        Value::Bool(false)
    };
    let mut detail: Vec<String> = writers.iter().map(|o| o.detail()).collect();
    detail.dedup();
    Ok(answer([
        ("open.writers", labels(writers)),
        (
            "open.writers_detail",
            detail
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>()
                .into(),
        ),
        ("open.writers_append_only", append_only),
        ("open.unseen_writer", false.into()),
        ("open.unseen_evidence", Value::Null),
    ]))
}

/// `open.writers` (with `open.writers_detail` and `open.writers_append_only`),
/// `open.unseen_writer` and `open.unseen_evidence`: the kernel is asked first,
/// so an idle file costs no /proc scan; the scan names the writers; when the kernel says "a
/// writer" and the scan names none, the writer is one safeop cannot see.
pub(super) fn writers_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let none = || writers_answer(Vec::<Value>::new().into(), false.into(), None);
    let Some(id) = identity::of(f, s)? else {
        return none();
    };
    if idle(f, s) {
        return none();
    }
    let path = resolve(f, s);
    let live = f.sys_root == Path::new("/");
    let ask = || {
        if !live {
            KernelSays::CannotTell("the kernel is not asked about a test tree".into())
        } else if id.is_file {
            kernel_writers(&path, &id)
        } else {
            KernelSays::CannotTell("the kernel gives leases on regular files only".into())
        }
    };
    let kernel = ask();
    if kernel == KernelSays::NoWriter {
        return none();
    }
    let (list, unreadable) = openers(f, &id)?;
    let writers: Vec<&Opener> = list.iter().filter(|o| o.write).collect();
    if !writers.is_empty() {
        return named_writers_answer(f, &writers, unreadable);
    }
    // What the scan does not index (character devices, FIFOs, sockets) is no one's disk.
    if !id.is_file && id.block.is_none() {
        return none();
    }
    // The writer may have closed it since the kernel was asked; the loop driver and swap are
    // writers that other facts name.
    if matches!(kernel, KernelSays::Writer(_))
        && (ask() == KernelSays::NoWriter || kernel_user(f, s))
    {
        return none();
    }
    // safeop's own output redirected into the file makes the kernel's "a writer" say nothing
    // about anyone else: then only the scan speaks.
    let kernel = match kernel {
        KernelSays::Writer(_) if safeop_writes(f, &id) => KernelSays::CannotTell(
            "safeop itself has it open for writing (its output goes there), so the kernel's answer says nothing of others".into(),
        ),
        k => k,
    };
    let gap = blind_spots(f, unreadable);
    match (kernel, gap) {
        (KernelSays::Writer(how), gap) => {
            let gap = gap.unwrap_or_else(|| {
                "every process was looked at, so it is held by a shared writable memory mapping, io_uring, a descriptor in flight or a kernel user such as nfsd".into()
            });
            writers_answer(
                Vec::<Value>::new().into(),
                true.into(),
                Some(format!(
                    "{how}, yet no process in safeop's view has it open for writing: {gap}"
                )),
            )
        }
        (KernelSays::CannotTell(why), Some(gap)) if !kernel_user(f, s) => writers_answer(
            Vec::<Value>::new().into(),
            failed(format!(
                "cannot tell whether a process safeop cannot see has it open for writing: {why}, and {gap}"
            )),
            None,
        ),
        // Every process was looked at (the scan's answer stands), or the kernel's own user
        // explains it.
        _ => none(),
    }
}

/// `open.readers` and `open.unreadable`: always from the scan.
pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let Some(id) = identity::of(f, s)? else {
        return Ok(answer([
            ("open.readers", Vec::<Value>::new().into()),
            ("open.unreadable", 0.into()),
        ]));
    };
    if open_nowhere(f, s) {
        return Ok(answer([
            ("open.readers", Vec::<Value>::new().into()),
            ("open.unreadable", 0.into()),
        ]));
    }
    let (list, unreadable) = openers(f, &id)?;
    let readers: Vec<&Opener> = list.iter().filter(|o| !o.write).collect();
    Ok(answer([
        ("open.readers", labels(&readers)),
        ("open.unreadable", unreadable.into()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fdinfo_flags_and_locks() {
        let text = "pos:\t0\nflags:\t02100002\nmnt_id:\t27\nino:\t10043399\nlock:\t1: OFDLCK ADVISORY  READ -1 fe:00:10043399 100 101\nlock:\t2: OFDLCK ADVISORY  READ -1 fe:00:10043399 103 103\n";
        let i = parse_fdinfo(text);
        assert_eq!(i.flags, Some(0o2100002));
        assert_eq!(i.write(), Some(true));
        assert_eq!(i.locks.len(), 2);
        assert!(i.locks[0].starts_with("1: OFDLCK"));
        let ro = parse_fdinfo("pos:\t0\nflags:\t0100000\n");
        assert_eq!(ro.write(), Some(false));
        assert_eq!(parse_fdinfo("flags:\t01\n").write(), Some(true));
        assert_eq!(parse_fdinfo("nonsense").write(), None);
    }

    #[test]
    fn a_writer_says_how_it_holds_the_file() {
        let w = |flags| Opener {
            pid: 812,
            fd: 7,
            comm: "rsyslogd".into(),
            write: true,
            flags,
            locks: vec![],
        };
        // O_WRONLY|O_APPEND|O_LARGEFILE|O_CLOEXEC, as rsyslogd's fdinfo shows it
        let log = w(Some(0o2102001));
        assert!(log.appends());
        assert_eq!(log.detail(), "rsyslogd (pid 812) fd 7: O_WRONLY|O_APPEND");
        assert!(w(Some(0o102002 | 0o2000)).appends());
        assert_eq!(
            w(Some(0o102002 | 0o2000)).detail(),
            "rsyslogd (pid 812) fd 7: O_RDWR|O_APPEND"
        );
        let plain = w(Some(0o100001));
        assert!(!plain.appends());
        assert_eq!(plain.detail(), "rsyslogd (pid 812) fd 7: O_WRONLY");
        // flags that could not be read never pass for appending
        assert!(!w(None).appends());
        assert!(w(None).detail().contains("counted as a writer"));
    }

    use std::os::unix::fs::MetadataExt;

    #[test]
    fn this_process_sees_its_own_open_file_in_a_scan() {
        // Scans the real /proc; our own pid is excluded only for the live root, so use a copy of
        // the root path spelled differently to keep it.
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let m = std::fs::metadata(tmp.path()).unwrap();
        let me = std::process::id();
        let mut out = Vec::new();
        scan_pid(Path::new("/proc"), me, &mut out).unwrap();
        assert!(out
            .iter()
            .any(|(k, p, _)| *p == me && *k == Key::Inode(m.dev(), m.ino())));
    }
}
