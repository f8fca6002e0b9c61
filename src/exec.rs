//! Runs the real command: resolves the binary (never safeop itself, never a shim pointing at it),
//! runs it with the same argv, environment and stdio, forwards signals (to a command it forked:
//! [`FORWARDED`]), and hands back its exit status, or dies of the same signal.
//!
//! The argv comes in encoded (`text::bytes`) and goes out decoded: the program is resolved from,
//! and run with, exactly the bytes the user gave.

use crate::error::Error;
use crate::text::bytes;
use nix::libc::c_int;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

/// The PATH used in sudo mode, whatever the caller's PATH says.
pub const SECURE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn identity(p: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

/// This very binary, by identity (asked once per process).
fn me() -> Option<(u64, u64)> {
    static ME: std::sync::OnceLock<Option<(u64, u64)>> = std::sync::OnceLock::new();
    *ME.get_or_init(|| identity(Path::new("/proc/self/exe")))
}

/// Finds the program to run. A name with a `/` is used as given; otherwise PATH is searched,
/// skipping relative entries and any file that is safeop itself (a symlink shim or a copy of
/// this very binary).
pub fn resolve(program: &str, path_var: Option<OsString>) -> Result<PathBuf, Error> {
    let is_me = |id: (u64, u64)| me() == Some(id);
    let shown = || bytes::display(program).into_owned();
    if program.contains('/') {
        let p = bytes::path(program).into_owned();
        let Some(id) = identity(&p) else {
            return Err(Error::NotFound { program: shown() });
        };
        if is_me(id) {
            return Err(Error::Exec {
                program: shown(),
                why: "that is safeop itself; name the real tool".into(),
            });
        }
        return Ok(p);
    }
    let path_var = path_var.unwrap_or_else(|| OsString::from(SECURE_PATH));
    for dir in std::env::split_paths(&path_var) {
        if !dir.is_absolute() {
            continue;
        }
        let cand = dir.join(bytes::path(program));
        // One stat answers both questions: an executable file, and not safeop.
        let Ok(m) = std::fs::metadata(&cand) else {
            continue;
        };
        // Not safeop itself, and not another install's shim (a link to a binary named safeop).
        if m.is_file()
            && m.mode() & 0o111 != 0
            && !is_me((m.dev(), m.ino()))
            && !crate::shims::is_shim(&cand)
        {
            return Ok(cand);
        }
    }
    Err(Error::NotFound { program: shown() })
}

/// The command as it will run: argv[0] and the arguments, byte for byte as the user gave them.
fn command(path: &Path, argv: &[String], path_override: Option<&str>) -> Command {
    let mut cmd = Command::new(path);
    if let Some((first, rest)) = argv.split_first() {
        cmd.arg0(bytes::decode(first))
            .args(rest.iter().map(|a| bytes::decode(a)));
    }
    if let Some(p) = path_override {
        cmd.env("PATH", p);
    }
    cmd
}

fn shown_program(argv: &[String]) -> String {
    argv.first()
        .map(|a| bytes::display(a).into_owned())
        .unwrap_or_default()
}

/// Replaces this process with the command (the allow path: one exec, nothing in between).
/// Returns only when the exec failed.
pub fn replace(path: &Path, argv: &[String], path_override: Option<&str>) -> Error {
    let e = command(path, argv, path_override).exec();
    Error::Exec {
        program: shown_program(argv),
        why: e.to_string(),
    }
}

/// The signals passed on to a command safeop forked and waits for (a confirmed or overridden
/// run), as `sudo` and `timeout` pass them on. An allowed or warned command is exec'd in place
/// and gets them directly: no handler is set up on that path (DESIGN decision 8).
///
/// - INT, QUIT, WINCH: passed on when a process sent them (`kill`). One the terminal generated
///   (Ctrl-C, Ctrl-\\, a resize) went to its foreground process group, the child included, and
///   is not sent twice.
/// - HUP: the same, except that a hangup signals the session leader alone: when safeop leads
///   the session (`ssh -t host safeop …`, `setsid`), the kernel's SIGHUP is passed on.
/// - TERM, USR1, USR2, ALRM, PIPE, CONT: passed on whoever sent them (dd shows its progress on
///   USR1; an alarm set before safeop was exec'd is the command's).
/// - TSTP: passed on when a process sent it (Ctrl-Z stopped the child already); then safeop
///   stops itself with it, as a job does, and on CONT goes on and passes the CONT on.
///
/// A signal the child sent to safeop is never sent back to it.
pub const FORWARDED: [Signal; 11] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGCONT,
    Signal::SIGALRM,
    Signal::SIGPIPE,
    Signal::SIGTSTP,
];

/// The child's pid while it runs (0: none yet, or it has ended).
static CHILD: AtomicI32 = AtomicI32::new(0);
/// Whether safeop leads its session (the terminal's hangup signals it alone).
static SESSION_LEADER: AtomicBool = AtomicBool::new(false);
/// Signals to pass on that came before the child's pid was known, one bit per signal number.
static PENDING: AtomicU64 = AtomicU64::new(0);

/// Whether a signal that reached safeop is for safeop to pass on: `code` and `from` are the
/// siginfo's `si_code` and `si_pid`. A process's `kill` (si_code <= 0) is passed on unless the
/// child sent it; of the kernel's own (si_code > 0), those a terminal sends its foreground
/// process group (INT, QUIT, TSTP, WINCH, and HUP when the session leader has gone) reached the
/// child already, and a hangup signalling safeop as session leader did not.
fn passes_on(sig: c_int, code: c_int, from: c_int, child: c_int, session_leader: bool) -> bool {
    use nix::libc::{SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGWINCH};
    if code <= 0 {
        return child <= 0 || from != child;
    }
    match sig {
        SIGINT | SIGQUIT | SIGTSTP | SIGWINCH => false,
        SIGHUP => session_leader,
        _ => true,
    }
}

/// Sends the signals noted in [`PENDING`] to `child`. Async-signal-safe (atomics and kill(2)).
fn flush_pending(child: c_int) {
    let bits = PENDING.swap(0, Ordering::SeqCst);
    for sig in 1..64 {
        if bits & (1u64 << sig) != 0 {
            // SAFETY: kill(2) is async-signal-safe and takes plain integers.
            unsafe {
                nix::libc::kill(child, sig);
            }
        }
    }
}

extern "C" fn forward(sig: c_int, info: *mut nix::libc::siginfo_t, _: *mut nix::libc::c_void) {
    let (code, from) = if info.is_null() {
        (nix::libc::SI_USER, 0)
    } else {
        // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler; reading
        // si_code and si_pid is async-signal-safe.
        unsafe { ((*info).si_code, (*info).si_pid()) }
    };
    let child = CHILD.load(Ordering::SeqCst);
    if passes_on(
        sig,
        code,
        from,
        child,
        SESSION_LEADER.load(Ordering::SeqCst),
    ) {
        if child > 0 {
            // SAFETY: kill(2) is async-signal-safe. `child` is not reaped yet (`run_child`
            // clears CHILD before reaping), so the pid cannot belong to another process.
            unsafe {
                nix::libc::kill(child, sig);
            }
        } else if (1..64).contains(&sig) {
            // Before the pid is known: noted, and sent by whoever sees the pid first.
            PENDING.fetch_or(1u64 << sig, Ordering::SeqCst);
            let now = CHILD.load(Ordering::SeqCst);
            if now > 0 {
                flush_pending(now);
            }
        }
    }
    if sig == nix::libc::SIGTSTP {
        stop_like_a_job();
    }
}

/// Stops safeop with SIGTSTP at its default action, from inside the SIGTSTP handler (APUE's
/// `sig_tstp`), and puts the handler back once continued. In an orphaned process group the
/// kernel discards the stop (nobody could continue it), as POSIX says; then safeop goes on.
fn stop_like_a_job() {
    use nix::libc;
    // SAFETY: sigaction, sigemptyset, sigaddset, pthread_sigmask and raise are all
    // async-signal-safe; every struct is a local, zeroed and then filled in as the calls want.
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        let mut ours: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &dfl, &mut ours) != 0 {
            return;
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTSTP);
        // SIGTSTP is blocked while its handler runs: let the raise below take effect now.
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(libc::SIGTSTP);
        // Continued (SIGCONT, which `forward` passes on to the child).
        libc::sigaction(libc::SIGTSTP, &ours, std::ptr::null_mut());
    }
}

/// [`FORWARDED`] caught by `forward` while the child runs; the dispositions they had come back
/// on drop.
struct Relay {
    old: Vec<(Signal, SigAction)>,
}

impl Relay {
    fn install() -> Relay {
        let act = SigAction::new(
            SigHandler::SigAction(forward),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        let mut old = Vec::new();
        for s in FORWARDED {
            // SAFETY: `forward` reads siginfo and atomics and calls kill(2), sigaction(2),
            // pthread_sigmask(3) and raise(3): all async-signal-safe.
            if let Ok(o) = unsafe { sigaction(s, &act) } {
                old.push((s, o));
            }
        }
        Relay { old }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        for (s, o) in &self.old {
            // SAFETY: puts back the disposition that was in force before the child started.
            unsafe {
                let _ = sigaction(*s, o);
            }
        }
    }
}

/// Waits until the child has ended without reaping it, so its pid stays its own while
/// `forward` may still send to it.
fn wait_ended(pid: i32) {
    use nix::sys::wait::{waitid, Id, WaitPidFlag};
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
    while let Err(nix::errno::Errno::EINTR) = waitid(Id::Pid(Pid::from_raw(pid)), flags) {}
}

/// Runs the command as a child (the confirmed path: safeop logs the outcome), passing on
/// [`FORWARDED`] signals while it runs. The handlers are in place before the child starts (a
/// signal in between is passed on as soon as its pid is known) and the previous dispositions
/// are back before it is reaped. Returns its status; [`mirror`] ends safeop the same way.
pub fn run_child(
    path: &Path,
    argv: &[String],
    path_override: Option<&str>,
) -> Result<std::process::ExitStatus, Error> {
    let leader = nix::unistd::getsid(None).is_ok_and(|sid| sid == nix::unistd::getpid());
    SESSION_LEADER.store(leader, Ordering::SeqCst);
    PENDING.store(0, Ordering::SeqCst);
    CHILD.store(0, Ordering::SeqCst);
    let relay = Relay::install();
    let mut child = command(path, argv, path_override)
        .spawn()
        .map_err(|e| Error::Exec {
            program: shown_program(argv),
            why: e.to_string(),
        })?;
    let pid = child.id() as i32;
    CHILD.store(pid, Ordering::SeqCst);
    flush_pending(pid);
    wait_ended(pid);
    CHILD.store(0, Ordering::SeqCst);
    drop(relay);
    PENDING.store(0, Ordering::SeqCst);
    child.wait().map_err(|e| Error::Exec {
        program: shown_program(argv),
        why: e.to_string(),
    })
}

/// Ends safeop the way the child ended: same exit code, or the same signal.
pub fn mirror(status: std::process::ExitStatus) -> u8 {
    if let Some(sig) = status.signal() {
        if let Ok(s) = Signal::try_from(sig) {
            let dfl = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
            // SAFETY: restoring the default disposition before raising the child's signal.
            unsafe {
                let _ = sigaction(s, &dfl);
            }
            let _ = nix::sys::signal::raise(s);
        }
        return (128 + sig).min(255) as u8;
    }
    status.code().unwrap_or(1).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::libc::{SIGALRM, SIGCONT, SIGHUP, SIGINT, SIGTERM, SIGTSTP, SIGUSR1, SIGWINCH};
    const SI_KERNEL: c_int = 0x80;

    #[test]
    fn a_process_s_signal_is_passed_on_unless_the_child_sent_it() {
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGWINCH, SIGTSTP, SIGCONT] {
            assert!(passes_on(sig, 0, 77, 1234, false), "{sig}");
            assert!(passes_on(sig, -6, 77, 1234, false), "tkill {sig}");
            assert!(
                !passes_on(sig, 0, 1234, 1234, false),
                "from the child {sig}"
            );
        }
    }

    #[test]
    fn what_the_terminal_sent_the_child_got_too() {
        for sig in [SIGINT, SIGTSTP, SIGWINCH, nix::libc::SIGQUIT] {
            assert!(!passes_on(sig, SI_KERNEL, 0, 1234, false), "{sig}");
            assert!(!passes_on(sig, SI_KERNEL, 0, 1234, true), "{sig}");
        }
        // A hangup signals the session leader alone.
        assert!(!passes_on(SIGHUP, SI_KERNEL, 0, 1234, false));
        assert!(passes_on(SIGHUP, SI_KERNEL, 0, 1234, true));
        // The kernel's other signals (an inherited alarm, the hangup's SIGCONT) are passed on.
        assert!(passes_on(SIGALRM, SI_KERNEL, 0, 1234, false));
        assert!(passes_on(SIGCONT, SI_KERNEL, 0, 1234, true));
    }
}
