//! One helper process from start to end, on the calling thread, with every wait bounded.
//!
//! Started in its own process group with stdin closed and its group registered as live
//! ([`super::live`]); its stdout and stderr are read with poll(2) until both are closed and it has
//! exited, or until the deadline; then its whole group is killed (SIGKILL) and the helper reaped.
//! A child the helper leaves behind holding a pipe (a backgrounded `sleep`) keeps safeop at most
//! [`LINGER`] after the helper itself exited; a helper stuck in the kernel (a disk that hangs)
//! does not die of SIGKILL until its I/O returns, and safeop does not wait for that longer than
//! [`REAP`]. No thread is started.

use super::live;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{killpg, SigmaskHow, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// After the helper has exited, how long what it left behind may keep its pipes open before
/// safeop stops reading (what the helper printed before it exited is all there is to read).
pub(super) const LINGER: Duration = Duration::from_millis(300);
/// How often a helper whose pipes are silent is checked for having exited.
const SLICE: Duration = Duration::from_millis(10);
/// How long a killed helper is given to be reaped before safeop goes on without it.
pub(super) const REAP: Duration = Duration::from_millis(500);

/// Why a helper's run was cut short.
#[derive(Debug)]
pub(super) enum Cut {
    /// It could not be started.
    Start(std::io::Error),
    /// The deadline came first.
    Deadline,
    /// It printed more than the sink or the stderr cap takes (the stream's name).
    Cap(&'static str),
    /// waitid(2) failed.
    Wait(Errno),
}

/// How a helper ended that ran to its end.
#[derive(Debug)]
pub(super) struct Ended {
    /// Exit status; `None` when it was killed by a signal.
    pub status: Option<i32>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` until `deadline`, handing stdout to `out` as it comes (`false` from `out` = too
/// much: stop). stderr is kept, up to `err_cap` bytes (more is [`Cut::Cap`]).
pub(super) fn drive(
    cmd: &mut Command,
    deadline: Instant,
    err_cap: usize,
    out: &mut dyn FnMut(&[u8]) -> bool,
) -> Result<Ended, Cut> {
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let parent = nix::unistd::getpid();
    let _handlers = live::SignalGuard::install();
    let blocked = live::block();
    // The child inherits the mask of the thread that forks it (std does not reset it): it gets
    // the one from before `block`, so that the helper can be stopped by these signals.
    let mask = blocked.before();
    // SAFETY: between fork and exec the closure only makes system calls that are
    // async-signal-safe (prctl, getppid, sigprocmask) and reads copied values.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            if nix::unistd::getppid() != parent {
                // safeop died before the request was made: nothing would stop this helper.
                return Err(std::io::Error::other("safeop exited"));
            }
            if let Some(m) = &mask {
                nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(m), None)?;
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(Cut::Start)?;
    let Ok(raw) = i32::try_from(child.id()) else {
        let _ = child.kill();
        return Err(Cut::Start(std::io::Error::other("pid out of range")));
    };
    let pid = Pid::from_raw(raw);
    let _registered = live::register(raw);
    drop(blocked);

    let mut stdout = child.stdout.take();
    let mut stderr_pipe = child.stderr.take();
    for fd in [
        stdout.as_ref().map(|p| p.as_fd()),
        stderr_pipe.as_ref().map(|p| p.as_fd()),
    ]
    .into_iter()
    .flatten()
    {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        );
    }
    let mut stderr = Vec::new();
    let mut exited: Option<(Instant, WaitStatus)> = None;
    let mut buf = vec![0u8; 64 * 1024];
    let outcome: Result<(), Cut> = 'run: loop {
        if exited.is_none() {
            // WNOWAIT: the helper stays a zombie, so its pid (the group's id) is not reused
            // before the group is killed below.
            match waitid(
                Id::Pid(pid),
                WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
            ) {
                Ok(WaitStatus::StillAlive) => {}
                Ok(st) => exited = Some((Instant::now(), st)),
                Err(Errno::EINTR) => continue,
                Err(e) => break Err(Cut::Wait(e)),
            }
        }
        if stdout.is_none() && stderr_pipe.is_none() && exited.is_some() {
            break Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            break Err(Cut::Deadline);
        }
        let mut wait = deadline - now;
        match exited {
            Some((at, _)) if now >= at + LINGER => break Ok(()),
            Some((at, _)) => wait = wait.min(at + LINGER - now),
            None => wait = wait.min(SLICE),
        }
        if stdout.is_none() && stderr_pipe.is_none() {
            std::thread::sleep(wait);
            continue;
        }
        let (out_ready, err_ready) = {
            let mut fds: Vec<PollFd> = Vec::with_capacity(2);
            if let Some(p) = &stdout {
                fds.push(PollFd::new(p.as_fd(), PollFlags::POLLIN));
            }
            if let Some(p) = &stderr_pipe {
                fds.push(PollFd::new(p.as_fd(), PollFlags::POLLIN));
            }
            let ms = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
            match poll(&mut fds, ms) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => break Err(Cut::Wait(e)),
            }
            let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
            let mut it = fds.iter();
            let o = stdout.is_some() && it.next().is_some_and(ready);
            let e = stderr_pipe.is_some() && it.next().is_some_and(ready);
            (o, e)
        };
        if out_ready {
            if let Some(p) = stdout.as_mut() {
                loop {
                    match p.read(&mut buf) {
                        Ok(0) => {
                            stdout = None;
                            break;
                        }
                        Ok(n) => {
                            if !out(&buf[..n]) {
                                break 'run Err(Cut::Cap("stdout"));
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(_) => {
                            stdout = None;
                            break;
                        }
                    }
                }
            }
        }
        if err_ready {
            if let Some(p) = stderr_pipe.as_mut() {
                loop {
                    match p.read(&mut buf) {
                        Ok(0) => {
                            stderr_pipe = None;
                            break;
                        }
                        Ok(n) => {
                            if stderr.len() + n > err_cap {
                                break 'run Err(Cut::Cap("stderr"));
                            }
                            stderr.extend_from_slice(&buf[..n]);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(_) => {
                            stderr_pipe = None;
                            break;
                        }
                    }
                }
            }
        }
    };
    // Whatever the helper started goes with it (its leader is not reaped yet, see above).
    let _ = killpg(pid, Signal::SIGKILL);
    drop(stdout);
    drop(stderr_pipe);
    let status = match exited {
        Some((_, st)) => {
            let _ = child.wait(); // a zombie: returns at once
            st
        }
        None => reap(&mut child),
    };
    outcome?;
    Ok(Ended {
        status: match status {
            WaitStatus::Exited(_, code) => Some(code),
            _ => None,
        },
        stderr,
    })
}

/// Reaps a killed helper, waiting at most [`REAP`]; one still stuck in the kernel is left (its
/// exit status is then lost, and the run already failed).
fn reap(child: &mut std::process::Child) -> WaitStatus {
    let until = Instant::now() + REAP;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return WaitStatus::StillAlive,
            Ok(None) if Instant::now() >= until => return WaitStatus::StillAlive,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}
