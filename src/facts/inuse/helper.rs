//! Running the helper programs the in-use probes ask (`xl`, `xenstore-ls`, `xenstore-read`,
//! `virsh`): looked up like the command itself (secure `PATH` in sudo mode), run with a closed stdin, `LC_ALL=C`
//! and a time limit that kills the whole process group, stderr kept for the error message.
//!
//! Three outcomes, and the probes keep them apart: the program is not installed (`Ok(None)`: the
//! fact is not applicable), it answered (`Ok(Some(stdout))`), or it failed, hung or could not be
//! started (`Err`: the fact is unknown).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one helper program may take before it is killed and the fact is unknown.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The executable `name` would run as: the caller's `PATH`, or the fixed secure `PATH` in sudo
/// mode, resolved like the command itself (`facts::helper::find`).
pub fn find(name: &str) -> Option<PathBuf> {
    crate::facts::helper::find(name)
}

/// Runs `name args…`; `Ok(None)` when `name` is not installed.
pub fn run(name: &str, args: &[&str]) -> Result<Option<String>, String> {
    let Some(exe) = find(name) else {
        return Ok(None);
    };
    run_path(&exe, name, args, TIMEOUT).map(Some)
}

/// Runs an executable with a time limit; a non-zero exit is an error carrying its stderr.
pub fn run_path(exe: &Path, name: &str, args: &[&str], limit: Duration) -> Result<String, String> {
    use std::os::unix::process::CommandExt;
    let shown = format!("{name} {}", args.join(" "));
    let mut child = Command::new(exe)
        .process_group(0)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let (out, err, status) = std::thread::scope(|sc| {
        let out = sc.spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = out_pipe.as_mut() {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        });
        let err = sc.spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = err_pipe.as_mut() {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        });
        let deadline = Instant::now() + limit;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break Ok(s),
                Ok(None) if Instant::now() >= deadline => {
                    // The whole group: a shell's children would otherwise keep the pipes open.
                    if let Ok(pid) = i32::try_from(child.id()) {
                        let _ = nix::sys::signal::killpg(
                            nix::unistd::Pid::from_raw(pid),
                            nix::sys::signal::Signal::SIGKILL,
                        );
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!(
                        "`{shown}` did not answer within {} s and was killed",
                        limit.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => break Err(format!("waiting for `{shown}`: {e}")),
            }
        };
        (
            out.join().unwrap_or_default(),
            err.join().unwrap_or_default(),
            status,
        )
    });
    let status = status?;
    let stderr = String::from_utf8_lossy(&err).trim().to_string();
    if !status.success() {
        let what = match status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        };
        let tail = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {stderr}")
        };
        return Err(format!("`{shown}` failed ({what}){tail}"));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_program_is_not_applicable() {
        assert_eq!(run("safeop-no-such-helper-xyz", &[]), Ok(None));
    }

    #[test]
    fn failure_keeps_stderr() {
        let e = run_path(
            Path::new("/bin/sh"),
            "sh",
            &["-c", "echo boom >&2; exit 3"],
            TIMEOUT,
        )
        .unwrap_err();
        assert!(e.contains("exit status 3") && e.contains("boom"), "{e}");
    }

    #[test]
    fn a_hung_program_is_killed() {
        let t = Instant::now();
        let e = run_path(
            Path::new("/bin/sh"),
            "sh",
            &["-c", "sleep 5"],
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(e.contains("did not answer"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn output_is_returned() {
        assert_eq!(
            run_path(Path::new("/bin/sh"), "sh", &["-c", "echo hi"], TIMEOUT).as_deref(),
            Ok("hi\n")
        );
    }
}
