//! Running a helper program (`smartctl`, `virsh`, `xl`) for a probe: resolved like the command
//! itself (the caller's PATH, or the fixed secure PATH in sudo mode; never safeop), with a time
//! limit, stdin closed, stdout and stderr both kept so a failure can be shown to the user.
//!
//! This module owns no facts. It must not interpret what the helper prints.

use std::io::Read;
use std::path::PathBuf;
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
    let path_var = if crate::app::sudo_mode() {
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
        .args(args)
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
                let _ = child.kill();
                let _ = child.wait();
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
        h.and_then(|h| h.join().ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    Ok(HelperOutput {
        status: status.code(),
        stdout: take(out),
        stderr: take(err),
    })
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
