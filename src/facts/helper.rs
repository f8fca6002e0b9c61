//! Running a helper program (`smartctl`, `virsh`, `xl`, `getent`, `restic`, `borg`) for a probe:
//! resolved like the command itself (the caller's PATH, or the fixed secure PATH in sudo mode;
//! never safeop), stdin closed, stdout and stderr both kept so a failure can be shown to the
//! user. The one place probes start programs.
//!
//! This module owns no facts. It must not interpret what the helper prints.
//!
//! ## Bounds
//! - **Time.** Each helper has its own limit (smartctl 20 s, the in-use tools 5 s, …), and all
//!   the helpers of one run share a **probe budget** of [`BUDGET`] (30 s): the time spent running
//!   them adds up to no more. A helper gets the smaller of its own limit and what is left; when
//!   the budget is spent it is not started at all and its fact fails with "probe budget spent".
//!   The limit covers the helper's whole process group and every wait: reading stops at the
//!   deadline even when a child it left behind still holds its stdout, the group is killed, and
//!   a helper stuck in the kernel is not waited for (`child`). Backup listings ([`run_lines`]:
//!   `restic ls`, `borg list`) are the one thing outside the budget: a restore is sized by its
//!   listing or not at all, so a listing has its own, longer limit (`restore::backup`).
//! - **Output.** stdout is capped at [`STDOUT_CAP`] (64 MiB) and stderr at [`STDERR_CAP`]
//!   (1 MiB): a helper printing more is stopped and the probe fails. A listing is read line by
//!   line and never held whole; one of its lines may not pass [`LINE_CAP`].
//! - **Interruption.** A SIGINT, SIGTERM or SIGHUP while helpers run kills their process groups
//!   before safeop dies of the signal ([`kill_all`], `live`).
//!
//! Test-only hooks (`context`): `SAFEOP_HELPER_TIMEOUT` (seconds) replaces every helper's own
//! limit, `SAFEOP_PROBE_BUDGET` (seconds) the budget, so tests can hang a helper briefly.
//!
//! Bytes pass through exactly (`text::bytes`): arguments and environment values are decoded
//! before the helper starts, and what it prints on stdout is kept encoded, never replaced, so a
//! disk path that is not UTF-8 in `virsh` or `xl` output compares with the target's bytes.

mod child;
mod live;

pub use live::kill_all;

use crate::text::bytes;
use child::Cut;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What all the helpers of one run ([`run`]) may take together.
pub const BUDGET: Duration = Duration::from_secs(30);
/// The most a helper may print on stdout.
pub const STDOUT_CAP: usize = 64 << 20;
/// The most a helper may print on stderr.
pub const STDERR_CAP: usize = 1 << 20;
/// The longest line a listing ([`run_lines`]) may print.
pub const LINE_CAP: usize = 1 << 20;

/// What a helper printed and how it ended.
#[derive(Debug, Clone)]
pub struct HelperOutput {
    /// Exit status; `None` when killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// A helper that gave no answer, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct HelperError {
    /// The program's name (`smartctl`).
    pub program: String,
    pub failure: Failure,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// It could not be started.
    Start(String),
    /// The run's probe budget was spent before it could start.
    BudgetSpent { budget: Duration },
    /// It ran past its own time limit and was killed.
    TimedOut { limit: Duration },
    /// It was killed when what was left of the run's probe budget ran out.
    BudgetCut { after: Duration, budget: Duration },
    /// It printed more than it may and was killed.
    TooMuch { stream: &'static str, cap: usize },
    /// Waiting for it failed.
    Wait(String),
}

impl std::fmt::Display for HelperError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.program;
        match &self.failure {
            Failure::Start(e) => write!(f, "cannot run `{p}`: {e}"),
            Failure::BudgetSpent { budget } => write!(
                f,
                "`{p}` was not started: probe budget spent (the helpers of one run take {} at most)",
                secs(*budget)
            ),
            Failure::TimedOut { limit } => write!(
                f,
                "`{p}` did not answer within {} and was stopped",
                secs(*limit)
            ),
            Failure::BudgetCut { after, budget } => write!(
                f,
                "`{p}` was stopped after {}: probe budget spent (the helpers of one run take {} at most)",
                secs(*after),
                secs(*budget)
            ),
            Failure::TooMuch { stream, cap } => write!(
                f,
                "`{p}` printed more than {} on {stream} and was stopped",
                size(*cap)
            ),
            Failure::Wait(e) => write!(f, "waiting for `{p}`: {e}"),
        }
    }
}

/// `20 s`, `1.5 s`.
pub fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn size(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
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

/// Seconds from a test-only hook (`1`, `0.5`).
fn hook_secs(name: &str) -> Option<Duration> {
    crate::context::test_hook(name)?
        .to_str()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// The probe budget: the time every helper of one run may take together.
pub struct Budget {
    spent_ms: AtomicU64,
}

/// How long one helper may run: its own limit, or what is left of the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allowance {
    pub limit: Duration,
    /// The budget, not the helper's own limit, is what bounds it.
    pub by_budget: bool,
}

impl Budget {
    pub const fn new() -> Budget {
        Budget {
            spent_ms: AtomicU64::new(0),
        }
    }

    /// What a helper whose own limit is `own` may take now, of a budget of `total`; `None` when
    /// the budget is spent.
    pub fn allow(&self, own: Duration, total: Duration) -> Option<Allowance> {
        let spent = Duration::from_millis(self.spent_ms.load(Ordering::Relaxed));
        let left = total.saturating_sub(spent);
        if left.is_zero() {
            return None;
        }
        Some(if left < own {
            Allowance {
                limit: left,
                by_budget: true,
            }
        } else {
            Allowance {
                limit: own,
                by_budget: false,
            }
        })
    }

    /// Counts time a helper took.
    pub fn spend(&self, d: Duration) {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self.spent_ms.fetch_add(ms.max(1), Ordering::Relaxed);
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new()
    }
}

/// The budget of this run (this process).
static RUN_BUDGET: Budget = Budget::new();

/// Runs `path args…` for at most `limit` (or what is left of the run's probe budget); a helper
/// that overruns or prints too much is killed with its process group, and is an error.
pub fn run(path: &Path, args: &[&str], limit: Duration) -> Result<HelperOutput, HelperError> {
    let program = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fail = |failure| HelperError {
        program: program.clone(),
        failure,
    };
    let total = hook_secs("SAFEOP_PROBE_BUDGET").unwrap_or(BUDGET);
    let own = hook_secs("SAFEOP_HELPER_TIMEOUT").unwrap_or(limit);
    let Some(allow) = RUN_BUDGET.allow(own, total) else {
        return Err(fail(Failure::BudgetSpent { budget: total }));
    };
    let mut cmd = Command::new(path);
    cmd.args(args.iter().map(|a| bytes::decode(a)))
        .env("LC_ALL", "C");
    let mut stdout = Vec::new();
    let start = Instant::now();
    let ended = child::drive(&mut cmd, start + allow.limit, STDERR_CAP, &mut |chunk| {
        if stdout.len() + chunk.len() > STDOUT_CAP {
            return false;
        }
        stdout.extend_from_slice(chunk);
        true
    });
    RUN_BUDGET.spend(start.elapsed());
    let ended = ended.map_err(|cut| {
        fail(match cut {
            Cut::Start(e) => Failure::Start(e.to_string()),
            Cut::Deadline if allow.by_budget => Failure::BudgetCut {
                after: allow.limit,
                budget: total,
            },
            Cut::Deadline => Failure::TimedOut { limit: allow.limit },
            Cut::Cap(stream) => Failure::TooMuch {
                stream,
                cap: if stream == "stdout" {
                    STDOUT_CAP
                } else {
                    STDERR_CAP
                },
            },
            Cut::Wait(e) => Failure::Wait(e.to_string()),
        })
    })?;
    Ok(HelperOutput {
        status: ended.status,
        stdout: bytes::encode_vec(stdout),
        // For people (error messages): read as text.
        stderr: String::from_utf8_lossy(&ended.stderr).into_owned(),
    })
}

/// Runs `program args…` (found with [`find`]) in `cwd` with extra `env`, for at most `limit`,
/// handing each stdout line to `on_line` as it comes, so a listing of millions of entries is
/// never held in memory. Outside the probe budget (module docs). A non-zero exit, a time-out, a
/// line over [`LINE_CAP`] or an `on_line` error is an error naming the program and the first
/// line of its stderr.
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
    let mut cmd = Command::new(&path);
    cmd.args(args.iter().map(|a| bytes::decode(a)))
        .envs(
            env.iter()
                .map(|(k, v)| (bytes::decode(k), bytes::decode(v))),
        )
        .current_dir(cwd);
    let mut parse_error = None;
    let mut line: Vec<u8> = Vec::new();
    // Lines as bytes: a name that is not UTF-8 is kept (encoded), and never ends the listing.
    let mut give = |l: &[u8], parse_error: &mut Option<String>| {
        let l = l.strip_suffix(b"\n").unwrap_or(l);
        if parse_error.is_none() {
            if let Err(e) = on_line(&bytes::encode_bytes(l)) {
                *parse_error = Some(e);
            }
        }
    };
    let ended = child::drive(
        &mut cmd,
        Instant::now() + limit,
        STDERR_CAP,
        &mut |mut chunk| {
            while let Some(i) = chunk.iter().position(|b| *b == b'\n') {
                if line.is_empty() {
                    give(&chunk[..=i], &mut parse_error);
                } else {
                    line.extend_from_slice(&chunk[..=i]);
                    give(&line, &mut parse_error);
                    line.clear();
                }
                chunk = &chunk[i + 1..];
            }
            line.extend_from_slice(chunk);
            line.len() <= LINE_CAP
        },
    );
    let fail = |failure| {
        HelperError {
            program: program.to_string(),
            failure,
        }
        .to_string()
    };
    let ended = ended.map_err(|cut| match cut {
        Cut::Start(e) => fail(Failure::Start(e.to_string())),
        Cut::Deadline => fail(Failure::TimedOut { limit }),
        Cut::Cap("stdout") => format!(
            "`{program}` printed a line longer than {} and was stopped",
            size(LINE_CAP)
        ),
        Cut::Cap(stream) => fail(Failure::TooMuch {
            stream,
            cap: STDERR_CAP,
        }),
        Cut::Wait(e) => fail(Failure::Wait(e.to_string())),
    })?;
    if !line.is_empty() {
        give(&line, &mut parse_error);
    }
    let err_text = String::from_utf8_lossy(&ended.stderr);
    let first = err_text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if ended.status != Some(0) {
        let code = ended
            .status
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

    fn sh(script: &str, limit: Duration) -> Result<HelperOutput, HelperError> {
        run(Path::new("/bin/sh"), &["-c", script], limit)
    }

    #[test]
    fn keeps_stdout_stderr_and_status() {
        let o = sh("echo out; echo err >&2; exit 3", Duration::from_secs(5)).expect("sh runs");
        assert_eq!(o.status, Some(3));
        assert_eq!(o.stdout, "out\n");
        assert_eq!(o.stderr, "err\n");
    }

    #[test]
    fn overrunning_helper_is_stopped() {
        let t = Instant::now();
        let e = sh("sleep 5", Duration::from_millis(200)).expect_err("must time out");
        assert!(e.to_string().contains("did not answer within 0.2 s"), "{e}");
        assert!(matches!(e.failure, Failure::TimedOut { .. }));
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_child_left_holding_stdout_does_not_hold_safeop_and_is_killed() {
        let t = Instant::now();
        let o = sh("sleep 30 & echo $!", Duration::from_secs(10)).expect("answers");
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        let pid: i32 = o.stdout.trim().parse().expect("the sleep's pid");
        // Killed with the group; init reaps it.
        let gone = (0..100).any(|_| {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let dead = state.is_empty() || state.contains(") Z");
            if !dead {
                std::thread::sleep(Duration::from_millis(20));
            }
            dead
        });
        assert!(gone, "the backgrounded sleep {pid} survived");
    }

    #[test]
    fn a_hung_helper_whose_child_holds_stdout_is_stopped_at_the_deadline() {
        let t = Instant::now();
        let e = sh("sleep 30 & sleep 30", Duration::from_millis(300)).expect_err("time-out");
        assert!(matches!(e.failure, Failure::TimedOut { .. }), "{e}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn too_much_output_stops_the_helper() {
        let e = sh("head -c 100000000 /dev/zero", Duration::from_secs(20)).expect_err("cap");
        assert_eq!(
            e.to_string(),
            "`sh` printed more than 64 MiB on stdout and was stopped"
        );
        let e = sh("head -c 2000000 /dev/zero >&2", Duration::from_secs(20)).expect_err("cap");
        assert!(e.to_string().contains("more than 1 MiB on stderr"), "{e}");
    }

    #[test]
    fn a_helper_starts_with_no_signal_blocked() {
        // Not through a shell: it might clear its mask itself.
        let grep = find("grep").expect("grep");
        let o = run(
            &grep,
            &["SigBlk", "/proc/self/status"],
            Duration::from_secs(5),
        )
        .expect("runs");
        assert_eq!(o.stdout.split_whitespace().nth(1), Some("0000000000000000"));
    }

    #[test]
    fn the_budget_is_shared_and_a_spent_one_starts_nothing() {
        let b = Budget::new();
        let (s20, s30) = (Duration::from_secs(20), Duration::from_secs(30));
        assert_eq!(
            b.allow(s20, s30),
            Some(Allowance {
                limit: s20,
                by_budget: false
            })
        );
        b.spend(Duration::from_secs(25));
        assert_eq!(
            b.allow(s20, s30),
            Some(Allowance {
                limit: Duration::from_secs(5),
                by_budget: true
            })
        );
        b.spend(Duration::from_secs(5));
        assert_eq!(b.allow(s20, s30), None);
        let e = HelperError {
            program: "virsh".into(),
            failure: Failure::BudgetSpent { budget: s30 },
        };
        assert!(e.to_string().contains("probe budget spent"), "{e}");
    }

    fn lines(script: &str) -> (Vec<String>, Result<(), String>) {
        let mut got = Vec::new();
        let r = run_lines(
            "sh",
            &["-c".into(), script.into()],
            &Default::default(),
            Path::new("/"),
            Duration::from_secs(10),
            &mut |l| {
                got.push(l.to_string());
                Ok(())
            },
        );
        (got, r)
    }

    #[test]
    fn listings_come_line_by_line() {
        let (got, r) = lines("printf 'a\\nb'; sleep 0.1; printf 'c\\n\\nd'");
        assert_eq!(r, Ok(()));
        assert_eq!(got, ["a", "bc", "", "d"]);
        let (_, r) = lines("echo boom >&2; exit 4");
        assert_eq!(r, Err("`sh -c` failed (exit 4): boom".into()));
        let (_, r) = lines("head -c 2000000 /dev/zero");
        assert!(r.is_err_and(|e| e.contains("a line longer than 1 MiB")));
    }
}
