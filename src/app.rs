//! The verbs: glue from the command line to the pipeline. Exit statuses follow DESIGN.md.

use crate::audit::{self, Record};
use crate::cli::{AuditVerb, CheckArgs, Cli, Format, PolicyVerb, RunArgs, Verb, VERBS};
use crate::command::{self, Operation};
use crate::confirm::{self, Refusal};
use crate::engine::{self, Decision};
use crate::error::Error;
use crate::exec;
use crate::facts::{self, Facts, Snapshot};
use crate::policy::{self, Challenge, NoTty, Policy, Sources, Verdict};
use crate::report::{self, out};
use crate::text::bytes;
use clap::Parser;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const REFUSED: u8 = 126;
pub const FAILED: u8 = 125;
pub const NOT_FOUND: u8 = 127;

pub use crate::context::sudo_mode;

/// A `safeop: ` message on stderr, best effort: for errors before a failure status and for
/// `run`'s messages, whose exit status does not depend on them (`report::out`).
fn eprint(msg: &str) {
    out::note(&format!("safeop: {msg}\n"));
}

/// A verb's exit status, or 125 when its output could not be written.
fn written(r: Result<u8, Error>) -> u8 {
    r.unwrap_or_else(|e| out::unwritten(&e))
}

/// safeop's whole life for one command line: the exit status (the guarded command's own when it
/// ran and safeop waited for it; on the allow path the command replaces safeop instead).
pub fn main(args: Vec<String>) -> u8 {
    let args = bare_form(args);
    let verb = args.get(1).map(String::as_str).unwrap_or("");
    let usage_code = if matches!(verb, "check" | "preflight") {
        2
    } else {
        FAILED
    };
    // The fast path: a command no rule can match is run before clap or the policy are touched.
    if verb == "run" {
        if let Some(code) = fast_path(&args) {
            return code;
        }
    }
    // The guarded path skips clap (about 0.2 ms cold) when the line is in its plain form.
    if let Some((policy, run_args)) = quick_run(&args) {
        return run(&sources_for(policy), run_args);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { usage_code } else { 0 };
            // Help or a version that did not reach stdout is a failure; a usage error stays one.
            return match e.print() {
                Err(why) if code == 0 => out::unwritten(&Error::Write {
                    stream: "stdout",
                    why: why.to_string(),
                }),
                _ => code,
            };
        }
    };
    let strict = sudo_mode();
    let sources = sources_for(cli.policy.clone());
    let code = match cli.verb {
        Verb::Run(a) => run(&sources, a),
        Verb::Check(a) => written(check(&sources, a)),
        Verb::Policy(PolicyVerb::Lint { files }) => written(lint(&sources, &files)),
        Verb::Policy(PolicyVerb::Show) => written(policy_show(&sources)),
        Verb::Policy(PolicyVerb::Test { files }) => written(policy_test(&sources, &files)),
        Verb::Explain(a) => written(explain(&sources, a.name.as_deref(), a.list)),
        Verb::Audit(AuditVerb::Verify { log }) => written(audit_verify(log, strict)),
        Verb::Audit(AuditVerb::Show { count, log }) => written(audit_show(log, count, strict)),
        Verb::Facts { json, paths } => written(show_facts(json, paths)),
        Verb::Init { shell } => written(init(&shell)),
    };
    code
}

/// Where the policy comes from: `--policy` or `SAFEOP_POLICY`, never in sudo mode.
fn sources_for(flag: Option<PathBuf>) -> Sources {
    let strict = sudo_mode();
    let explicit = if strict {
        if flag.is_some() || std::env::var_os("SAFEOP_POLICY").is_some() {
            eprint("sudo mode: --policy and SAFEOP_POLICY are ignored; /etc/safeop is used");
        }
        None
    } else {
        flag.or_else(|| {
            std::env::var_os("SAFEOP_POLICY")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
    };
    Sources { explicit, strict }
}

/// `safeop run [--policy F] [--override R] [--] CMD …` read without clap. Anything else
/// (`--help`, an unknown option, a missing command) is left to clap and its messages.
fn quick_run(args: &[String]) -> Option<(Option<PathBuf>, RunArgs)> {
    if args.get(1).map(String::as_str) != Some("run") {
        return None;
    }
    let (mut policy, mut over) = (None, None);
    let mut i = 2;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--" => {
                i += 1;
                break;
            }
            "--policy" | "--override" => {
                let v = args.get(i + 1)?.clone();
                if a == "--policy" {
                    policy = Some(bytes::path(&v).into_owned());
                } else {
                    // A reason too thin is left to clap, which says why (the same check).
                    over = Some(confirm::override_reason(&v).ok()?);
                }
                i += 2;
            }
            _ if a.starts_with("--policy=") => {
                policy = Some(bytes::path(&a["--policy=".len()..]).into_owned());
                i += 1;
            }
            _ if a.starts_with("--override=") => {
                over = Some(confirm::override_reason(&a["--override=".len()..]).ok()?);
                i += 1;
            }
            _ if a.starts_with('-') => return None,
            _ => break,
        }
    }
    let command = args.get(i..).filter(|c| !c.is_empty())?.to_vec();
    Some((
        policy,
        RunArgs {
            r#override: over,
            command,
        },
    ))
}

/// `safeop dd …` is `safeop run -- dd …`. `safeop init 6` is the `init` command, not the verb.
fn bare_form(mut args: Vec<String>) -> Vec<String> {
    let Some(first) = args.get(1).cloned() else {
        return args;
    };
    let init_cmd = first == "init"
        && args
            .get(2)
            .is_some_and(|a| !["bash", "zsh", "fish"].contains(&a.as_str()) && !a.starts_with('-'));
    if (!first.starts_with('-') && !VERBS.contains(&first.as_str())) || init_cmd {
        args.splice(1..1, ["run".to_string(), "--".to_string()]);
    }
    args
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

fn path_for_exec(strict: bool) -> (Option<std::ffi::OsString>, Option<&'static str>) {
    if strict {
        (Some(exec::SECURE_PATH.into()), Some(exec::SECURE_PATH))
    } else {
        (std::env::var_os("PATH"), None)
    }
}

/// `safeop run -- CMD` where CMD is not a tool safeop knows (nor a wrapper of one) and no policy
/// layer exists: no rule can match it, so it is exec'd at once. With a layer present, any rule of
/// it might (`match: { tool: find }`), so the layer is read and the command decided like any other.
fn fast_path(args: &[String]) -> Option<u8> {
    let cmd_start = args.iter().position(|a| a == "--")? + 1;
    // Only the plain form `safeop run -- CMD …` (no safeop options before `--`).
    if cmd_start != 3 {
        return None;
    }
    let program = args.get(cmd_start)?;
    if command::is_guarded_program(program) || !policy::layer_files(&sources_for(None)).is_empty() {
        return None;
    }
    let (path_var, path_override) = path_for_exec(sudo_mode());
    Some(exec_now(&args[cmd_start..], path_var, path_override))
}

fn load(sources: &Sources) -> Result<Policy, u8> {
    Policy::load(sources).map_err(|e| {
        eprint(&e.to_string());
        eprint("the command was not run");
        FAILED
    })
}

fn base_record(argv: &[String], d: &Decision, action: &str) -> Record {
    let (user, sudo_user) = who();
    Record {
        event: "decision".into(),
        action: action.into(),
        verdict: d.verdict.name().into(),
        user,
        sudo_user,
        host: nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default(),
        findings: d
            .findings
            .iter()
            .map(
                |f| serde_json::json!({"rule": f.rule, "verdict": f.verdict, "message": f.message}),
            )
            .collect(),
        ..Default::default()
    }
    .command(argv, &cwd())
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
        Ok(_) => Ok(()),
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

fn run(sources: &Sources, a: RunArgs) -> u8 {
    let argv = a.command;
    let op = command::parse(&argv);
    let strict = sources.strict;
    let (path_var, path_override) = path_for_exec(strict);
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
            if let Err(c) = log(&log_path, base_record(&argv, &d, action), strict, false) {
                return c;
            }
            exec_now(&argv, path_var, path_override)
        }
        Verdict::Confirm => {
            let must_log = policy.audit_failure == policy::AuditFailure::Refuse;
            if let Err(c) = log_ready(&log_path, &argv, &policy, strict) {
                return c;
            }
            let (challenge, expected) = strongest_challenge(&d, &facts);
            let shown = confirm::findings(&argv, &op, &d, challenge);
            match ask_or_refuse(&policy, challenge, &expected, &shown) {
                Ok(()) => {
                    let rec = base_record(&argv, &d, "confirmed");
                    if let Err(c) = log(&log_path, rec, strict, must_log) {
                        return c;
                    }
                    run_and_log(&argv, &d, &log_path, strict, path_var, path_override)
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
                    if let Err(c) = log(&log_path, rec, strict, must_log) {
                        return c;
                    }
                    run_and_log(&argv, &d, &log_path, strict, path_var, path_override)
                }
                Err(r) => refuse(&argv, &d, &log_path, strict, r.reason()),
            }
        }
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
    match exec::resolve(&argv[0], path_var) {
        Ok(p) => {
            let e = exec::replace(&p, argv, path_override);
            eprint(&e.to_string());
            FAILED
        }
        Err(e) => {
            eprint(&e.to_string());
            NOT_FOUND
        }
    }
}

fn run_and_log(
    argv: &[String],
    d: &Decision,
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
            let _ = log(log_path, rec, strict, false);
            exec::mirror(status)
        }
        Err(e) => {
            eprint(&e.to_string());
            FAILED
        }
    }
}

fn check(sources: &Sources, a: CheckArgs) -> Result<u8, Error> {
    let argv = a.command;
    let op = command::parse(&argv);
    let policy = match Policy::load(sources) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return Ok(FAILED);
        }
    };
    let thorough = a.all_findings;
    let snapshot = match &a.facts {
        None => None,
        Some(p) => match read_snapshot(p) {
            Ok(s) => Some(s),
            Err(e) => {
                eprint(&e);
                return Ok(FAILED);
            }
        },
    };
    let (d, snap) = match snapshot {
        Some(s) => {
            let facts = Facts::from_snapshot(&op, cwd(), s);
            let d = engine::decide(&policy, &facts, thorough);
            (d, facts.snapshot())
        }
        None => {
            let facts = Facts::live(&op, cwd(), crate::context::sys_root());
            let d = engine::decide(&policy, &facts, thorough);
            (d, facts.snapshot())
        }
    };
    match a.format {
        Format::Json => out::line(&report::json(&argv, &op, &d, &snap))?,
        Format::Text => out::text(&report::text(&argv, &op, &d))?,
    }
    Ok(verdict_code(d.verdict))
}

fn verdict_code(v: Verdict) -> u8 {
    match v {
        Verdict::Allow | Verdict::Warn => 0,
        Verdict::Confirm => 3,
        Verdict::Deny => 4,
    }
}

fn read_snapshot(p: &Path) -> Result<Snapshot, String> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| format!("cannot read facts snapshot `{}`: {e}", p.display()))?;
    Snapshot::from_json(&text).map_err(|(line, column, e)| {
        format!(
            "facts snapshot `{}` line {line} column {column}: {e}",
            p.display()
        )
    })
}

/// `policy lint [FILE…]`: each file on top of the embedded default, trusted as it would be where
/// it lies; with no files, the layers in effect, stacked as `run` stacks them.
fn lint(sources: &Sources, files: &[PathBuf]) -> Result<u8, Error> {
    let stacked = files.is_empty();
    let layers: Vec<policy::Layer> = if stacked {
        policy::layer_files(sources)
    } else {
        files
            .iter()
            .map(|f| policy::Layer {
                path: f.clone(),
                system_location: policy::layers::trust_of(f) == policy::Trust::System,
            })
            .collect()
    };
    if stacked {
        out::line(&format!(
            "{}: ok (embedded; {} more layer(s) in effect)",
            policy::DEFAULT_NAME,
            layers.len()
        ))?;
    }
    let mut base = match Policy::embedded() {
        Ok(p) => p,
        Err(e) => {
            out::line(&e.to_string())?;
            return Ok(FAILED);
        }
    };
    let mut bad = 0;
    for layer in &layers {
        let name = layer.path.display().to_string();
        let mut p = if stacked {
            base.clone()
        } else {
            match Policy::embedded() {
                Ok(p) => p,
                Err(e) => {
                    out::line(&e.to_string())?;
                    return Ok(FAILED);
                }
            }
        };
        let result = policy::layers::read_layer(layer, sources.strict).and_then(|(text, trust)| {
            p.add_layer_as(&name, &text, true, trust)
                .map(|_| (trust, text))
        });
        match result {
            Ok((trust, text)) => {
                let own: Vec<&policy::Rule> = p
                    .rules
                    .iter()
                    .filter(|r| r.origin.starts_with(&format!("{name}:")))
                    .collect();
                let examples: usize = own.iter().map(|r| r.examples.len()).sum();
                let how = match trust {
                    policy::Trust::System => "system layer",
                    policy::Trust::User => "user layer: may only tighten",
                };
                out::line(&format!(
                    "{name}: ok ({} rules, {examples} examples hold), {how}",
                    own.len()
                ))?;
                for note in p.notes(&name, &text) {
                    out::line(&note.to_string())?;
                }
                if stacked {
                    base = p;
                }
            }
            Err(e) => {
                out::line(&e.to_string())?;
                bad += 1;
            }
        }
    }
    Ok(if bad > 0 { FAILED } else { 0 })
}

/// `policy show`: the effective policy, each piece with the file and line it came from.
fn policy_show(sources: &Sources) -> Result<u8, Error> {
    let layers = policy::layer_files(sources);
    let policy = match Policy::embedded().and_then(|p| p.with_files(&layers, sources.strict)) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return Ok(FAILED);
        }
    };
    out::text(&report::policy_show(&policy))?;
    Ok(0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    argv: Vec<String>,
    #[serde(default, deserialize_with = "facts::snapshot::facts_map")]
    facts: serde_json::Map<String, serde_json::Value>,
    #[serde(default, deserialize_with = "facts::snapshot::paths_map")]
    paths: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    cwd: Option<String>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verdict: Verdict,
    #[serde(default)]
    rules: Option<Vec<String>>,
}

fn policy_test(sources: &Sources, files: &[PathBuf]) -> Result<u8, Error> {
    let policy = match load(sources) {
        Ok(p) => p,
        Err(c) => return Ok(c),
    };
    let (mut passed, mut failed) = (0, 0);
    for f in files {
        let name = f.display().to_string();
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprint(&format!("cannot read `{name}`: {e}"));
                return Ok(FAILED);
            }
        };
        let cases: CaseFile = match policy::yaml::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                eprint(
                    &Error::policy(&name, e.line, e.column, e.message)
                        .to_string()
                        .replacen("policy", "test file", 1),
                );
                return Ok(FAILED);
            }
        };
        for c in cases.cases {
            let op = command::parse(&c.argv);
            let snap = Snapshot {
                version: Some(1),
                facts: c.facts,
                paths: c.paths,
            };
            let d = engine::decide_offline(
                &policy,
                &op,
                PathBuf::from(c.cwd.as_deref().unwrap_or("/")),
                snap,
            );
            let mut got: Vec<String> = d.findings.iter().map(|f| f.rule.clone()).collect();
            got.sort();
            got.dedup();
            let rules_ok = match &c.expect.rules {
                None => true,
                Some(want) => {
                    let mut want = want.clone();
                    want.sort();
                    want == got
                }
            };
            if d.verdict == c.expect.verdict && rules_ok {
                passed += 1;
                out::line(&format!("ok      {name}: {}", c.name))?;
            } else {
                failed += 1;
                out::line(&format!(
                    "FAILED  {name}: {}\n        expected {} {:?}, got {} {:?}",
                    c.name,
                    c.expect.verdict.name(),
                    c.expect.rules.unwrap_or_default(),
                    d.verdict.name(),
                    got
                ))?;
                for f in &d.findings {
                    out::line(&format!("        [{}] {}", f.rule, f.message))?;
                }
            }
        }
    }
    out::line(&format!("{passed} passed, {failed} failed"))?;
    Ok(if failed > 0 { 1 } else { 0 })
}

fn explain(sources: &Sources, name: Option<&str>, list: bool) -> Result<u8, Error> {
    let policy = match Policy::load_full(sources) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return Ok(FAILED);
        }
    };
    if list {
        out::line("Rules:")?;
        for r in &policy.rules {
            out::line(&format!(
                "  {:<28} {:<8} {}",
                r.id,
                r.verdict.name(),
                r.summary
            ))?;
        }
        out::line("\nFacts:")?;
        for d in facts::registry() {
            let names = d.policy_names().join(" / ");
            let first = d.doc.lines().nth(1).unwrap_or("");
            out::line(&format!("  {names:<44} {first}"))?;
        }
        return Ok(0);
    }
    let Some(name) = name else {
        return Ok(2);
    };
    if let Some(r) = policy.rules.iter().find(|r| r.id == name) {
        out::line(&format!(
            "rule {} ({}{})",
            r.id,
            r.verdict.name(),
            if r.is_final { ", final" } else { "" }
        ))?;
        out::line(&format!("  {}", r.summary))?;
        if let Some(w) = &r.why {
            out::line(&format!("why: {w}"))?;
        }
        if let Some(f) = &r.fix {
            out::line(&format!("way out: {f}"))?;
        }
        let m = &r.matches;
        let kinds: Vec<&str> = m.operation.0.iter().map(|k| k.name()).collect();
        out::line("match:")?;
        let any = |v: &[&str]| {
            if v.is_empty() {
                "any".to_string()
            } else {
                format!("[{}]", v.join(", "))
            }
        };
        out::line(&format!("  operation: {}", any(&kinds)))?;
        let tools: Vec<&str> = m.tool.0.iter().map(String::as_str).collect();
        out::line(&format!("  tool: {}", any(&tools)))?;
        if !m.flags.0.is_empty() {
            out::line(&format!("  flags: [{}]", m.flags.0.join(", ")))?;
        }
        if !m.not_flags.0.is_empty() {
            out::line(&format!("  not_flags: [{}]", m.not_flags.0.join(", ")))?;
        }
        match &r.when {
            Some(c) => out::text(&format!("when:\n{}", c.describe(2)))?,
            None => out::line("when: always (the match alone decides)")?,
        }
        out::line(&format!(
            "verdict: {}{}",
            r.verdict.name(),
            r.unknown
                .map(|u| format!(" (unknown facts: {})", u.name()))
                .unwrap_or_default()
        ))?;
        let mut facts = r.facts();
        let mut seen = std::collections::HashSet::new();
        facts.retain(|f| seen.insert(f.clone()));
        if !facts.is_empty() {
            out::line(&format!("reads facts: {}", facts.join(", ")))?;
        }
        out::line(&format!("defined at {}", r.origin))?;
        for e in &r.examples {
            out::line(&format!(
                "example: {} → {}",
                shell_words::join(&e.argv),
                e.verdict.name()
            ))?;
        }
        return Ok(0);
    }
    if let Some((d, _)) = facts::lookup(name) {
        out::line(&format!(
            "fact {} ({})\n",
            d.policy_names().join(" / "),
            d.ty
        ))?;
        out::line(&d.doc.replace("## ", ""))?;
        return Ok(0);
    }
    if let Some((rule, file, reason)) = policy.disabled.iter().find(|(r, _, _)| r == name) {
        out::line(&format!(
            "rule {rule} is switched off by {file}: {}",
            reason.as_deref().unwrap_or("no reason given")
        ))?;
        return Ok(0);
    }
    let hint = facts::suggest(name)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    eprint(&format!(
        "no rule or fact named `{name}`{hint}; `safeop explain --list` lists them"
    ));
    Ok(2)
}

fn audit_verify(log: Option<PathBuf>, strict: bool) -> Result<u8, Error> {
    let path = log.unwrap_or_else(|| audit::default_path(strict));
    match audit::verify(&path) {
        Ok(n) => {
            let noun = if n == 1 { "record" } else { "records" };
            out::line(&format!("{}: {n} {noun}, chain intact", path.display()))?;
            Ok(0)
        }
        Err((0, why)) => {
            eprint(&why);
            Ok(FAILED)
        }
        Err((line, why)) => {
            out::line(&format!(
                "{}: chain broken at line {line}: {why}",
                path.display()
            ))?;
            Ok(1)
        }
    }
}

fn audit_show(log: Option<PathBuf>, count: usize, strict: bool) -> Result<u8, Error> {
    let path = log.unwrap_or_else(|| audit::default_path(strict));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprint(&format!("cannot read `{}`: {e}", path.display()));
            return Ok(FAILED);
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines[lines.len().saturating_sub(count)..] {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
        let r = &v["r"];
        let argv = audit::shown_argv(r);
        out::line(&format!(
            "{} {:<8} {:<10} {:<8} {}{}",
            r["ts"].as_str().unwrap_or("?"),
            r["user"].as_str().unwrap_or("?"),
            r["action"].as_str().unwrap_or("?"),
            r["verdict"].as_str().unwrap_or("?"),
            argv,
            r["status"]
                .as_i64()
                .map(|s| format!(" (status {s})"))
                .unwrap_or_default()
        ))?;
    }
    Ok(0)
}

/// Decides an operation with live facts. Used by benchmarks and embedders.
pub fn decide_live(policy: &Policy, op: &Operation) -> Decision {
    let facts = Facts::live(op, cwd(), PathBuf::from("/"));
    engine::decide(policy, &facts, true)
}

/// Probes every host fact and every path fact of the given paths.
fn show_facts(json: bool, paths: Vec<String>) -> Result<u8, Error> {
    let mut op = Operation::new("facts", Vec::new());
    op.kind = command::Kind::Overwrite;
    op.targets = paths;
    let facts = Facts::live(&op, cwd(), crate::context::sys_root());
    let mut lines = Vec::new();
    for d in facts::registry().filter(|d| d.scope == facts::Scope::Host) {
        lines.push((String::new(), d.name.to_string(), facts.get(d.name, None)));
    }
    for s in facts.subjects(facts::Role::Target) {
        for d in facts::registry().filter(|d| d.scope == facts::Scope::Path) {
            let v = facts.get(&format!("target.{}", d.name), Some(&s));
            lines.push((s.arg.clone(), d.name.to_string(), v));
        }
    }
    if json {
        match serde_json::to_string_pretty(&facts.snapshot()) {
            Ok(s) => out::line(&s)?,
            Err(e) => {
                eprint(&e.to_string());
                return Ok(FAILED);
            }
        }
        return Ok(0);
    }
    let mut last = None;
    for (path, name, v) in lines {
        if last.as_ref() != Some(&path) {
            out::line(&if path.is_empty() {
                "host:".to_string()
            } else {
                format!("{}:", bytes::display(&path))
            })?;
            last = Some(path);
        }
        match v {
            Ok(v) => out::line(&format!("  {name:<32} {}", policy::template::show(&v)))?,
            Err(e) => out::line(&format!("  {name:<32} unknown: {}", e.why))?,
        }
    }
    Ok(0)
}

/// Shell aliases for every guarded tool.
fn init(shell: &str) -> Result<u8, Error> {
    let mut tools: Vec<&str> = command::TOOLS
        .iter()
        .copied()
        .filter(|t| *t != "init")
        .collect();
    tools.extend([
        "mkfs.ext2",
        "mkfs.ext3",
        "mkfs.ext4",
        "mkfs.xfs",
        "mkfs.btrfs",
        "mkfs.vfat",
        "mkfs.fat",
    ]);
    out::line(&format!(
        "# safeop {}: route destructive commands through safeop",
        env!("CARGO_PKG_VERSION")
    ))?;
    out::line("# `command dd …` or `\\dd …` still reaches the raw tool.")?;
    for t in tools {
        match shell {
            "fish" => out::line(&format!(
                "function {t} --wraps {t}; command safeop {t} $argv; end"
            ))?,
            _ => out::line(&format!("alias {t}='safeop {t}'"))?,
        }
    }
    if shell != "fish" {
        out::line(
            "# let `sudo dd …` expand the alias too (safeop must be in sudo's secure_path):",
        )?;
        out::line("alias sudo='sudo '")?;
    }
    Ok(0)
}
