//! `safeop run -- CMD…`: decide, ask where the policy says so, run, and put every decision and
//! outcome on the record (DESIGN decision 8: allowed and warned commands are exec'd in place;
//! confirmed and overridden ones are forked, waited for and their outcome logged).

use crate::app::{cwd, eprint, parse_here, path_for_exec, sudo_mode, FAILED, NOT_FOUND, REFUSED};
use crate::audit::{self, Record};
use crate::cli::RunArgs;
use crate::command::Operation;
use crate::confirm::{self, Refusal};
use crate::engine::{self, Decision};
use crate::exec;
use crate::facts::judged::{Changed, Judged};
use crate::facts::Facts;
use crate::policy::{self, Challenge, NoTty, Policy, Sources, Verdict};
use crate::report::{self, out};
use crate::text::bytes;
use std::path::Path;

/// What every record of this run carries beyond the decision itself: the operation, the
/// policy files in effect, and the challenge once one is asked. Set by `run` as it learns them.
#[derive(Default)]
struct RecordContext {
    operation: Option<serde_json::Value>,
    policy: Vec<serde_json::Value>,
    challenge: Option<String>,
}

thread_local! {
    static RECORD_CONTEXT: std::cell::RefCell<RecordContext> = std::cell::RefCell::default();
}

fn set_record_context(op: &Operation, policy: &Policy) {
    let operation = serde_json::json!({
        "tool": op.tool,
        "kind": op.kind.name(),
        "targets": op.targets,
        "sources": op.sources,
        "flags": op.flags,
        "wrappers": op.wrappers,
        "effects": op.effects,
    });
    let files = policy
        .layers
        .iter()
        .zip(&policy.layer_hashes)
        .map(|((name, _), h)| serde_json::json!({"file": name, "blake3": h}))
        .collect();
    RECORD_CONTEXT.with(|c| {
        let mut c = c.borrow_mut();
        c.operation = Some(operation);
        c.policy = files;
    });
}

fn set_record_challenge(ch: Challenge) {
    let name = match ch {
        Challenge::YesNo => "yes-no",
        Challenge::TypeTarget => "type-target",
        Challenge::TypeHostname => "type-hostname",
    };
    RECORD_CONTEXT.with(|c| c.borrow_mut().challenge = Some(name.to_string()));
}

fn base_record(argv: &[String], d: &Decision, action: &str) -> Record {
    let (user, sudo_user) = who();
    let (operation, policy, challenge) = RECORD_CONTEXT.with(|c| {
        let c = c.borrow();
        (c.operation.clone(), c.policy.clone(), c.challenge.clone())
    });
    Record {
        operation,
        policy,
        challenge,
        event: "decision".into(),
        action: action.into(),
        verdict: d.verdict.name().into(),
        user,
        sudo_user,
        sudo_command: sudo_mode()
            .then(|| std::env::var("SUDO_COMMAND").ok())
            .flatten(),
        tty: tty_name(),
        host: nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default(),
        findings: d
            .findings
            .iter()
            .map(|f| {
                let mut j =
                    serde_json::json!({"rule": f.rule, "verdict": f.verdict, "message": f.message});
                if !f.evidence.is_empty() {
                    j["evidence"] = serde_json::Value::Object(f.evidence.clone());
                }
                // A finding a failed probe decided carries the fact and why (issue 14).
                if let Some(e) = &f.fact_error {
                    j["fact_error"] = serde_json::json!({"fact": e.fact, "why": e.why});
                }
                j
            })
            .collect(),
        ..Default::default()
    }
    .command(argv, &cwd())
}

/// The terminal of the first standard descriptor that is one.
fn tty_name() -> Option<String> {
    use std::os::fd::BorrowedFd;
    (0..3).find_map(|fd| {
        // SAFETY: fds 0-2 are always open (main.rs opens /dev/null on any that is closed).
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        nix::unistd::ttyname(fd)
            .ok()
            .map(|p| crate::text::bytes::encode_path(&p))
    })
}

fn who() -> (String, Option<String>) {
    (
        crate::facts::session::user_name(nix::unistd::getuid()),
        std::env::var("SUDO_USER").ok(),
    )
}

/// Appends a record. When it cannot be written: in sudo mode, or for a record the command may
/// not run without (`required`: a confirmed or overridden run under `audit_failure: refuse`),
/// the command is refused; otherwise safeop warns and goes on.
fn log(path: &Path, rec: Record, strict: bool, required: bool) -> Result<(), u8> {
    let argv = shell_words::join(&rec.argv);
    match audit::append(path, rec) {
        Ok(done) => {
            for note in done.notes {
                eprint(&note);
            }
            // The copy for journald or syslog: best effort, the file is the record of truth.
            let _ = crate::audit_copy::send(&done.raw, &done.hash);
            Ok(())
        }
        Err(e) if strict => {
            eprint(&format!(
                "{e}; in sudo mode nothing runs without its audit record: `{argv}` was not run"
            ));
            Err(REFUSED)
        }
        Err(e) if required => {
            eprint(&unlogged_refusal(&e, &argv));
            Err(REFUSED)
        }
        Err(e) => {
            eprint(&format!("warning: {e}; the decision was not logged"));
            Ok(())
        }
    }
}

fn unlogged_refusal(e: &str, argv: &str) -> String {
    format!(
        "{e}. A command that needs a confirmation or an override does not run without its audit record: `{argv}` was not run. Make the log writable (space, permissions, SAFEOP_AUDIT_LOG), or let such commands run unrecorded with `settings: {{ audit_failure: run }}` in a root-owned layer in /etc/safeop/."
    )
}

/// Before a challenge: can the record of its answer be written? (`Err` = refuse now.)
fn log_ready(path: &Path, argv: &[String], policy: &Policy, strict: bool) -> Result<(), u8> {
    if !strict && policy.audit_failure == policy::AuditFailure::Run {
        return Ok(());
    }
    audit::writable(path).map_err(|e| {
        eprint(&unlogged_refusal(&e, &shell_words::join(argv)));
        REFUSED
    })
}

pub(crate) fn run(sources: &Sources, a: RunArgs) -> u8 {
    let argv = a.command;
    let strict = sources.strict;
    let (path_var, path_override) = path_for_exec(strict);
    let op = parse_here(&argv, path_var.as_deref());
    let layers = crate::policy::layer_files(sources);
    // Without layers only the embedded rules can match; a layer is always read (and a layer that
    // cannot be read fails the run), since its rules may match any tool.
    if layers.is_empty() && !Policy::embedded_could_match(&op) {
        return exec_now(&argv, path_var, path_override);
    }
    // Only the embedded rules that match this command are read, then the layers.
    let loaded = Policy::embedded_for(&op).and_then(|p| p.with_files(&layers, strict));
    let policy = match loaded {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            eprint("the command was not run");
            return FAILED;
        }
    };
    let facts = Facts::live(&op, cwd(), crate::context::sys_root());
    set_record_context(&op, &policy);
    // An override must know every finding (a final deny anywhere keeps it a deny).
    let d = engine::decide(&policy, &facts, a.r#override.is_some());
    if d.rules_matched == 0 {
        return exec_now(&argv, path_var, path_override);
    }
    let log_path = audit::default_path(strict);
    // When safeop asks, `confirm` shows the findings with the question (on the terminal).
    let asks = d.verdict == Verdict::Confirm
        || (d.verdict == Verdict::Deny && a.r#override.is_some() && d.overridable());
    if d.verdict >= Verdict::Warn && !asks {
        out::note(&indent(&report::text(&argv, &op, &d)));
    }
    match d.verdict {
        Verdict::Allow | Verdict::Warn => {
            let action = if d.verdict == Verdict::Warn {
                "warned"
            } else {
                "allowed"
            };
            let judged = Judged::of(&facts);
            if let Err(c) = log(&log_path, base_record(&argv, &d, action), strict, false) {
                return c;
            }
            let last_look = || still_judged(&judged, &argv, &d, &log_path, strict);
            exec_checked(&argv, path_var, path_override, last_look)
        }
        Verdict::Confirm => {
            let must_log = policy.audit_failure == policy::AuditFailure::Refuse;
            if let Err(c) = log_ready(&log_path, &argv, &policy, strict) {
                return c;
            }
            let judged = Judged::of(&facts);
            let (challenge, expected) = strongest_challenge(&d, &facts);
            set_record_challenge(challenge);
            let shown = confirm::findings(&argv, &op, &d, challenge);
            match ask_or_refuse(&policy, challenge, &expected, &shown) {
                Ok(()) => {
                    let rec = base_record(&argv, &d, "confirmed");
                    let recheck = || still_so(&policy, &facts, &argv, &d, &log_path, strict, false);
                    let run = Forked {
                        argv: &argv,
                        d: &d,
                        judged: &judged,
                        log_path: &log_path,
                        strict,
                        recheck: &recheck,
                    };
                    run.record_then_run(rec, must_log, path_var, path_override)
                }
                Err(r) => refuse(&argv, &d, &log_path, strict, r.reason()),
            }
        }
        Verdict::Deny => {
            let Some(reason) = a.r#override else {
                return refuse(&argv, &d, &log_path, strict, "denied by policy");
            };
            if !d.overridable() {
                let why = "denied by a final rule; --override cannot lift it";
                eprint(why);
                return refuse(&argv, &d, &log_path, strict, why);
            }
            if let Err(c) = log_ready(&log_path, &argv, &policy, strict) {
                return c;
            }
            let judged = Judged::of(&facts);
            set_record_challenge(Challenge::TypeHostname);
            let host = facts
                .get("hostname", None)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            match confirm::ask(
                Challenge::TypeHostname,
                &host,
                &format!("Override the deny ({reason})?"),
                &confirm::findings(&argv, &op, &d, Challenge::TypeHostname),
            ) {
                Ok(()) => {
                    let mut rec = base_record(&argv, &d, "overridden");
                    rec.reason = Some(reason);
                    let must_log = policy.audit_failure == policy::AuditFailure::Refuse;
                    let recheck = || still_so(&policy, &facts, &argv, &d, &log_path, strict, true);
                    let run = Forked {
                        argv: &argv,
                        d: &d,
                        judged: &judged,
                        log_path: &log_path,
                        strict,
                        recheck: &recheck,
                    };
                    run.record_then_run(rec, must_log, path_var, path_override)
                }
                Err(r) => refuse(&argv, &d, &log_path, strict, r.reason()),
            }
        }
    }
}

/// After the answer (DESIGN decision 15): the cheap facts are probed again
/// ([`Facts::after_prompt`]) and the command decided again. When it would now be denied (for an
/// override: denied by a final rule, which no override lifts) it is refused, with a record and a
/// message saying what changed while the prompt waited; a confirm or less runs on the yes given.
fn still_so(
    policy: &Policy,
    facts: &Facts,
    argv: &[String],
    d: &Decision,
    log_path: &Path,
    strict: bool,
    overridden: bool,
) -> Result<(), u8> {
    let now = facts.after_prompt();
    let again = engine::decide(policy, &now, overridden);
    let new_denies: Vec<&engine::Finding> = again
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Deny && (!overridden || f.is_final))
        .filter(|f| {
            !d.findings
                .iter()
                .any(|g| g.rule == f.rule && g.message == f.message && g.verdict == f.verdict)
        })
        .collect();
    if new_denies.is_empty() {
        return Ok(());
    }
    let what = new_denies
        .iter()
        .map(|f| format!("{} ({})", f.message, f.rule))
        .collect::<Vec<_>>()
        .join("; ");
    let reason = format!("changed while the prompt waited: {what}");
    let mut rec = base_record(argv, &again, "refused");
    rec.event = "outcome".into();
    rec.findings.clear();
    rec.reason = Some(reason.clone());
    let _ = log(log_path, rec, strict, false);
    eprint(&format!(
        "refused ({reason}); `{}` was not run. Run it again to have what is there now judged.",
        bytes::shell_join(argv)
    ));
    Err(REFUSED)
}

/// A confirmed or overridden command: its decision record first (refusing when that must be
/// written and cannot), then the fork, the wait and the outcome record.
struct Forked<'a> {
    argv: &'a [String],
    d: &'a Decision,
    judged: &'a Judged,
    log_path: &'a Path,
    strict: bool,
    /// The facts decided again after the answer ([`still_so`]), after the identity re-check.
    recheck: &'a dyn Fn() -> Result<(), u8>,
}

impl Forked<'_> {
    fn record_then_run(
        &self,
        rec: Record,
        must_log: bool,
        path_var: Option<std::ffi::OsString>,
        path_override: Option<&str>,
    ) -> u8 {
        if let Err(c) = log(self.log_path, rec, self.strict, must_log) {
            return c;
        }
        run_and_log(
            self.argv,
            self.d,
            self.judged,
            self.recheck,
            self.log_path,
            self.strict,
            path_var,
            path_override,
        )
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("safeop: {l}\n")).collect()
}

fn strongest_challenge(d: &Decision, facts: &Facts) -> (Challenge, String) {
    let f = d
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Confirm)
        .max_by_key(|f| f.challenge.unwrap_or(Challenge::YesNo));
    match f.and_then(|f| f.challenge.map(|c| (c, f))) {
        Some((Challenge::TypeHostname, _)) => (
            Challenge::TypeHostname,
            facts
                .get("hostname", None)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
        // The path as the finding names it (`target.path`), which the way out asks for.
        Some((Challenge::TypeTarget, f)) => (
            Challenge::TypeTarget,
            f.target_name
                .as_deref()
                .map(|p| bytes::display(p).into_owned())
                .unwrap_or_default(),
        ),
        _ => (Challenge::YesNo, String::new()),
    }
}

fn ask_or_refuse(
    policy: &Policy,
    challenge: Challenge,
    expected: &str,
    shown: &str,
) -> Result<(), Refusal> {
    match confirm::ask(challenge, expected, "This needs your confirmation.", shown) {
        Err(Refusal::NoTty(why)) if policy.no_tty == NoTty::Allow => {
            eprint(&format!("{why}; the policy's `no_tty: allow` lets it run"));
            Ok(())
        }
        other => other,
    }
}

fn refuse(argv: &[String], d: &Decision, log_path: &Path, strict: bool, reason: &str) -> u8 {
    let mut rec = base_record(argv, d, "refused");
    rec.reason = Some(reason.to_string());
    let _ = log(log_path, rec, strict, false);
    let hint = if reason.contains("no terminal") {
        " Run it from a terminal to answer the challenge, or change the policy (an `exceptions:` entry with a reason and expiry)."
    } else {
        ""
    };
    eprint(&format!(
        "refused ({reason}); `{}` was not run.{hint}",
        bytes::shell_join(argv)
    ));
    REFUSED
}

fn exec_now(
    argv: &[String],
    path_var: Option<std::ffi::OsString>,
    path_override: Option<&str>,
) -> u8 {
    exec_checked(argv, path_var, path_override, || Ok(()))
}

/// Resolves the program, takes the last look (`Err` = refused with that status), and replaces
/// safeop with the command.
fn exec_checked(
    argv: &[String],
    path_var: Option<std::ffi::OsString>,
    path_override: Option<&str>,
    last_look: impl FnOnce() -> Result<(), u8>,
) -> u8 {
    match exec::resolve(&argv[0], path_var) {
        Ok(p) => {
            if let Err(c) = last_look() {
                return c;
            }
            exec_path(&p, argv, path_override)
        }
        Err(e) => {
            eprint(&e.to_string());
            NOT_FOUND
        }
    }
}

pub(crate) fn exec_path(p: &Path, argv: &[String], path_override: Option<&str>) -> u8 {
    let e = exec::replace(p, argv, path_override);
    eprint(&e.to_string());
    FAILED
}

/// The last look before the exec (DESIGN decision 9): every path the decision judged is still
/// what it was judged to be, or the command is refused, with a record saying what changed. argv
/// is never rewritten to what was judged: a change refuses. A run with no judged paths looks at
/// nothing. The test-only hook `SAFEOP_AFTER_DECISION` runs first (`context`).
fn still_judged(
    judged: &Judged,
    argv: &[String],
    d: &Decision,
    log_path: &Path,
    strict: bool,
) -> Result<(), u8> {
    if let Some(program) = crate::context::test_hook("SAFEOP_AFTER_DECISION") {
        if let Err(e) = std::process::Command::new(&program).status() {
            eprint(&format!(
                "test hook SAFEOP_AFTER_DECISION: cannot run `{}`: {e}",
                Path::new(&program).display()
            ));
        }
    }
    judged
        .recheck()
        .map_err(|changed| refuse_changed(argv, d, log_path, strict, &changed))
}

/// A command refused at the last look: the decision stands in the log, this outcome beside it.
fn refuse_changed(
    argv: &[String],
    d: &Decision,
    log_path: &Path,
    strict: bool,
    changed: &Changed,
) -> u8 {
    let mut rec = base_record(argv, d, "refused");
    rec.event = "outcome".into();
    rec.findings.clear();
    rec.reason = Some(changed.to_string());
    let _ = log(log_path, rec, strict, false);
    eprint(&format!(
        "refused ({changed}); `{}` was not run. Run it again to have what is there now judged.",
        bytes::shell_join(argv)
    ));
    REFUSED
}

#[allow(clippy::too_many_arguments)]
fn run_and_log(
    argv: &[String],
    d: &Decision,
    judged: &Judged,
    recheck: &dyn Fn() -> Result<(), u8>,
    log_path: &Path,
    strict: bool,
    path_var: Option<std::ffi::OsString>,
    path_override: Option<&str>,
) -> u8 {
    let path = match exec::resolve(&argv[0], path_var) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return NOT_FOUND;
        }
    };
    // The answer may have taken minutes: look again after it.
    if let Err(c) = still_judged(judged, argv, d, log_path, strict) {
        return c;
    }
    // What made it a confirm rather than a deny may have changed too.
    if let Err(c) = recheck() {
        return c;
    }
    match exec::run_child(&path, argv, path_override) {
        Ok(status) => {
            let mut rec = base_record(
                argv,
                d,
                if status.code().is_some() {
                    "exited"
                } else {
                    "killed"
                },
            );
            rec.event = "outcome".into();
            rec.findings.clear();
            rec.status = status.code();
            rec.signal = std::os::unix::process::ExitStatusExt::signal(&status).map(|n| {
                nix::sys::signal::Signal::try_from(n)
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|_| n.to_string())
            });
            let _ = log(log_path, rec, strict, false);
            exec::mirror(status)
        }
        Err(e) => {
            eprint(&e.to_string());
            FAILED
        }
    }
}
