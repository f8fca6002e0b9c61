//! Running a helper program (`smartctl`, `virsh`, `xl`, `restic`, `borg`) for a probe: resolved
//! like the command itself (the caller's PATH, or the fixed secure PATH in sudo mode; never
//! safeop), with a time limit that kills the helper's whole process group, stdin closed, and
//! stdout and stderr both kept so a failure can be shown to the user. The one place probes start
//! programs.
//!
//! This module owns no facts. It must not interpret what the helper prints.
//!
//! Bytes pass through exactly (`text::bytes`): arguments and environment values are decoded
//! before the helper starts, and what it prints on stdout is kept encoded, never replaced, so a
//! disk path that is not UTF-8 in `virsh` or `xl` output compares with the target's bytes.

use crate::text::bytes;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a helper printed and how it ended.
#[derive(Debug, Clone)]
pub struct HelperOutput {
    /// Exit status; `None` when killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Finds a helper program the way `run` finds the command: PATH (secure PATH in sudo mode).
pub fn find(program: &str) -> Option<PathBuf> {
    let path_var = if crate::context::sudo_mode() {
        Some(crate::exec::SECURE_PATH.into())
    } else {
        std::env::var_os("PATH")
    };
    crate::exec::resolve(program, path_var).ok()
}

/// Runs `path args…` for at most `limit`; a helper that overruns is killed and is an error.
pub fn run(path: &std::path::Path, args: &[&str], limit: Duration) -> Result<HelperOutput, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut child = Command::new(path)
        .process_group(0)
        .args(args.iter().map(|a| bytes::decode(a)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .spawn()
        .map_err(|e| format!("`{}`: {e}", path.display()))?;
    // Readers on their own threads so a chatty helper never blocks on a full pipe.
    let out = child.stdout.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = s.read_to_end(&mut b);
            b
        })
    });
    let err = child.stderr.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = s.read_to_end(&mut b);
            b
        })
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if start.elapsed() >= limit => {
                kill_group(&mut child);
                return Err(format!(
                    "`{name}` did not answer within {} s and was stopped",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for `{name}`: {e}")),
        }
    };
    let take = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(HelperOutput {
        status: status.code(),
        stdout: bytes::encode_vec(take(out)),
        // For people (error messages): read as text.
        stderr: String::from_utf8_lossy(&take(err)).into_owned(),
    })
}

/// Kills a helper and everything it started (a shell's children would keep the pipes open).
fn kill_group(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `program args…` (found with [`find`]) in `cwd` with extra `env`, handing each stdout
/// line to `on_line` as it comes, so a listing of millions of entries is never held in memory.
/// A non-zero exit, a time-out or an `on_line` error is an error naming the program and the
/// first line of its stderr.
pub fn run_lines(
    program: &str,
    args: &[String],
    env: &std::collections::BTreeMap<String, String>,
    cwd: &Path,
    limit: Duration,
    on_line: &mut dyn FnMut(&str) -> Result<(), String>,
) -> Result<(), String> {
    let Some(path) = find(program) else {
        return Err(format!("`{program}` is not installed (not found on PATH)"));
    };
    let mut child = Command::new(&path)
        .process_group(0)
        .args(args.iter().map(|a| bytes::decode(a)))
        .envs(
            env.iter()
                .map(|(k, v)| (bytes::decode(k), bytes::decode(v))),
        )
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let pid = i32::try_from(child.id()).unwrap_or(0);
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        use std::sync::atomic::Ordering;
        let (finished, timed_out) = (finished.clone(), timed_out.clone());
        std::thread::spawn(move || {
            let start = Instant::now();
            while !finished.load(Ordering::Relaxed) {
                if start.elapsed() > limit {
                    timed_out.store(true, Ordering::Relaxed);
                    let _ = nix::sys::signal::killpg(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = e.read_to_string(&mut s);
            s
        })
    });
    let mut parse_error = None;
    if let Some(out) = child.stdout.take() {
        // Lines as bytes: a name that is not UTF-8 is kept (encoded), and never ends the listing.
        let mut out = BufReader::new(out);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match out.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            if parse_error.is_none() {
                if let Err(e) = on_line(&bytes::encode_bytes(&buf)) {
                    parse_error = Some(e);
                }
            }
        }
    }
    let status = child.wait();
    finished.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watchdog.join();
    let err_text = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let first = err_text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(format!(
            "`{program}` did not answer within {} s and was stopped",
            limit.as_secs()
        ));
    }
    let status = status.map_err(|e| format!("waiting for `{program}`: {e}"))?;
    if !status.success() {
        let code = status
            .code()
            .map_or_else(|| "killed by a signal".to_string(), |c| format!("exit {c}"));
        return Err(format!(
            "`{program} {}` failed ({code}): {first}",
            args.first().map(|a| bytes::display(a)).unwrap_or_default()
        ));
    }
    parse_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_stdout_stderr_and_status() {
        let o = run(
            std::path::Path::new("/bin/sh"),
            &["-c", "echo out; echo err >&2; exit 3"],
            Duration::from_secs(5),
        )
        .expect("sh runs");
        assert_eq!(o.status, Some(3));
        assert_eq!(o.stdout, "out\n");
        assert_eq!(o.stderr, "err\n");
    }

    #[test]
    fn overrunning_helper_is_stopped() {
        let t = Instant::now();
        let e = run(
            std::path::Path::new("/bin/sh"),
            &["-c", "sleep 5"],
            Duration::from_millis(200),
        )
        .expect_err("must time out");
        assert!(e.contains("did not answer"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(3));
    }
}
