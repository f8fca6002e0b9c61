//! Runs the real command: resolves the binary (never safeop itself, never a shim pointing at it),
//! runs it with the same argv, environment and stdio, forwards signals, and hands back its exit
//! status, or dies of the same signal.
//!
//! The argv comes in encoded (`text::bytes`) and goes out decoded: the program is resolved from,
//! and run with, exactly the bytes the user gave.

use crate::error::Error;
use crate::text::bytes;
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};

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

static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(
    sig: nix::libc::c_int,
    info: *mut nix::libc::siginfo_t,
    _: *mut nix::libc::c_void,
) {
    let child = CHILD.load(Ordering::SeqCst);
    if child <= 0 || info.is_null() {
        return;
    }
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler; reading si_code and
    // si_pid is async-signal-safe, and so is kill(2).
    unsafe {
        let code = (*info).si_code;
        let from = (*info).si_pid();
        // A signal a process sent with kill(2) (si_code <= 0) is passed on. One the terminal
        // generated (Ctrl-C) already reached the child through its process group.
        if code <= 0 && from != child {
            nix::libc::kill(child, sig);
        }
    }
}

/// Runs the command as a child (the confirmed path: safeop logs the outcome), forwarding
/// SIGINT, SIGTERM, SIGHUP and SIGQUIT. Returns the exit code to use; when the child died of a
/// signal, safeop raises the same signal on itself after `before_exit` ran.
pub fn run_child(
    path: &Path,
    argv: &[String],
    path_override: Option<&str>,
) -> Result<std::process::ExitStatus, Error> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let mut child = command(path, argv, path_override)
        .spawn()
        .map_err(|e| Error::Exec {
            program: shown_program(argv),
            why: e.to_string(),
        })?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    let act = SigAction::new(
        SigHandler::SigAction(forward),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
    ] {
        // SAFETY: `forward` only reads siginfo and calls kill(2), both async-signal-safe.
        unsafe {
            let _ = sigaction(s, &act);
        }
    }
    let status = child.wait().map_err(|e| Error::Exec {
        program: shown_program(argv),
        why: e.to_string(),
    })?;
    CHILD.store(0, Ordering::SeqCst);
    Ok(status)
}

/// Ends safeop the way the child ended: same exit code, or the same signal.
pub fn mirror(status: std::process::ExitStatus) -> u8 {
    if let Some(sig) = status.signal() {
        use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
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
