//! The in-use probes' view of `facts::helper` (`xl`, `xenstore-ls`, `xenstore-read`, `virsh`):
//! a 5 s limit (within the run's probe budget), and a non-zero exit turned into an error carrying the helper's stderr.
//!
//! Three outcomes, and the probes keep them apart: the program is not installed (`Ok(None)`: the
//! fact is not applicable), it answered (`Ok(Some(stdout))`), or it failed, hung or could not be
//! started (`Err`: the fact is unknown).

use std::path::{Path, PathBuf};
use std::time::Duration;
#[cfg(test)]
use std::time::Instant;

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
    let shown = format!("{name} {}", args.join(" "));
    let o = crate::facts::helper::run(exe, args, limit).map_err(|e| {
        crate::facts::helper::HelperError {
            program: shown.clone(),
            ..e
        }
        .to_string()
    })?;
    if o.status != Some(0) {
        let what = match o.status {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        };
        let stderr = o.stderr.trim();
        let tail = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {stderr}")
        };
        return Err(format!("`{shown}` failed ({what}){tail}"));
    }
    Ok(o.stdout)
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
