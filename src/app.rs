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
use crate::report;
use clap::Parser;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const REFUSED: u8 = 126;
pub const FAILED: u8 = 125;
pub const NOT_FOUND: u8 = 127;

/// Sudo mode: root by way of sudo. safeop is then a boundary: no user overrides of policy, log
/// or system root, binaries from a fixed PATH.
pub fn sudo_mode() -> bool {
    nix::unistd::geteuid().is_root() && std::env::var_os("SUDO_UID").is_some()
}

fn eprint(msg: &str) {
    eprintln!("safeop: {msg}");
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
            let _ = e.print();
            return if e.use_stderr() { usage_code } else { 0 };
        }
    };
    let strict = sudo_mode();
    let sources = sources_for(cli.policy.clone());
    let code = match cli.verb {
        Verb::Run(a) => run(&sources, a),
        Verb::Check(a) => check(&sources, a),
        Verb::Policy(PolicyVerb::Lint { files }) => lint(&files),
        Verb::Policy(PolicyVerb::Test { files }) => policy_test(&sources, &files),
        Verb::Explain(a) => explain(&sources, a.name.as_deref(), a.list),
        Verb::Audit(AuditVerb::Verify { log }) => audit_verify(log, strict),
        Verb::Audit(AuditVerb::Show { count, log }) => audit_show(log, count, strict),
        Verb::Facts { json, paths } => show_facts(json, paths, strict),
        Verb::Init { shell } => init(&shell),
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
                    policy = Some(PathBuf::from(v));
                } else {
                    over = Some(v);
                }
                i += 2;
            }
            _ if a.starts_with("--policy=") => {
                policy = Some(PathBuf::from(&a["--policy=".len()..]));
                i += 1;
            }
            _ if a.starts_with("--override=") => {
                over = Some(a["--override=".len()..].to_string());
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

fn sys_root(strict: bool) -> PathBuf {
    if strict {
        return PathBuf::from("/");
    }
    std::env::var_os("SAFEOP_SYSROOT")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn path_for_exec(strict: bool) -> (Option<std::ffi::OsString>, Option<&'static str>) {
    if strict {
        (Some(exec::SECURE_PATH.into()), Some(exec::SECURE_PATH))
    } else {
        (std::env::var_os("PATH"), None)
    }
}

/// `safeop run -- CMD` where CMD is not a tool safeop knows (nor a wrapper of one): exec at once.
fn fast_path(args: &[String]) -> Option<u8> {
    let cmd_start = args.iter().position(|a| a == "--")? + 1;
    // Only the plain form `safeop run -- CMD …` (no safeop options before `--`).
    if cmd_start != 3 {
        return None;
    }
    let program = args.get(cmd_start)?;
    if command::is_guarded_program(program) {
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
        argv: argv.to_vec(),
        cwd: cwd().display().to_string(),
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
}

fn who() -> (String, Option<String>) {
    (
        crate::facts::session::user_name(nix::unistd::getuid()),
        std::env::var("SUDO_USER").ok(),
    )
}

fn log(path: &Path, rec: Record, strict: bool) -> Result<(), u8> {
    match audit::append(path, rec) {
        Ok(_) => Ok(()),
        Err(e) if strict => {
            eprint(&format!(
                "{e}; in sudo mode nothing runs without its audit record"
            ));
            Err(REFUSED)
        }
        Err(e) => {
            eprint(&format!("warning: {e}; the decision was not logged"));
            Ok(())
        }
    }
}

fn run(sources: &Sources, a: RunArgs) -> u8 {
    let argv = a.command;
    let op = command::parse(&argv);
    let strict = sources.strict;
    let (path_var, path_override) = path_for_exec(strict);
    let layers = crate::policy::layer_files(sources);
    if !op.is_guarded() || (layers.is_empty() && !Policy::embedded_could_match(&op)) {
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
    let facts = Facts::live(&op, cwd(), sys_root(strict));
    // An override must know every finding (a final deny anywhere keeps it a deny).
    let d = engine::decide(&policy, &facts, a.r#override.is_some());
    if d.rules_matched == 0 {
        return exec_now(&argv, path_var, path_override);
    }
    let log_path = audit::default_path(strict);
    if d.verdict >= Verdict::Warn {
        eprint!("{}", indent(&report::text(&argv, &op, &d)));
    }
    match d.verdict {
        Verdict::Allow | Verdict::Warn => {
            let action = if d.verdict == Verdict::Warn {
                "warned"
            } else {
                "allowed"
            };
            if let Err(c) = log(&log_path, base_record(&argv, &d, action), strict) {
                return c;
            }
            exec_now(&argv, path_var, path_override)
        }
        Verdict::Confirm => {
            let (challenge, expected) = strongest_challenge(&d, &facts);
            match ask_or_refuse(&policy, challenge, &expected) {
                Ok(()) => {
                    if let Err(c) = log(&log_path, base_record(&argv, &d, "confirmed"), strict) {
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
            if d.stopped_early
                || d.findings
                    .iter()
                    .any(|f| f.verdict == Verdict::Deny && f.is_final)
            {
                let why = "denied by a final rule; --override cannot lift it";
                eprint(why);
                return refuse(&argv, &d, &log_path, strict, why);
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
            ) {
                Ok(()) => {
                    let mut rec = base_record(&argv, &d, "overridden");
                    rec.reason = Some(reason);
                    if let Err(c) = log(&log_path, rec, strict) {
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
        Some((Challenge::TypeTarget, f)) => {
            let name = f
                .target_name
                .as_deref()
                .map(|p| {
                    Path::new(p)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| p.to_string())
                })
                .unwrap_or_default();
            (Challenge::TypeTarget, name)
        }
        _ => (Challenge::YesNo, String::new()),
    }
}

fn ask_or_refuse(policy: &Policy, challenge: Challenge, expected: &str) -> Result<(), Refusal> {
    match confirm::ask(challenge, expected, "This needs your confirmation.") {
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
    let _ = log(log_path, rec, strict);
    let hint = if reason.contains("no terminal") {
        " Run it from a terminal to answer the challenge, or change the policy (an `exceptions:` entry with a reason and expiry)."
    } else {
        ""
    };
    eprint(&format!(
        "refused ({reason}); `{}` was not run.{hint}",
        argv.join(" ")
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
            let _ = log(log_path, rec, strict);
            exec::mirror(status)
        }
        Err(e) => {
            eprint(&e.to_string());
            FAILED
        }
    }
}

fn check(sources: &Sources, a: CheckArgs) -> u8 {
    let argv = a.command;
    let op = command::parse(&argv);
    let policy = match Policy::load(sources) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return FAILED;
        }
    };
    let snapshot = match &a.facts {
        None => None,
        Some(p) => match read_snapshot(p) {
            Ok(s) => Some(s),
            Err(e) => {
                eprint(&e);
                return FAILED;
            }
        },
    };
    let (d, snap) = match snapshot {
        Some(s) => {
            let facts = Facts::from_snapshot(&op, cwd(), s);
            let d = engine::decide(&policy, &facts, true);
            (d, facts.snapshot())
        }
        None => {
            let facts = Facts::live(&op, cwd(), sys_root(sources.strict));
            let d = engine::decide(&policy, &facts, true);
            (d, facts.snapshot())
        }
    };
    match a.format {
        Format::Json => println!("{}", report::json(&argv, &op, &d, &snap)),
        Format::Text => print!("{}", report::text(&argv, &op, &d)),
    }
    verdict_code(d.verdict)
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

fn lint(files: &[PathBuf]) -> u8 {
    let mut bad = 0;
    for f in files {
        let name = f.display().to_string();
        let mut text = String::new();
        let result = std::fs::read_to_string(f)
            .map_err(|e| Error::Read {
                path: f.clone(),
                why: e.to_string(),
            })
            .and_then(|t| {
                text = t;
                let mut p = Policy::embedded()?;
                p.add_layer(&name, &text, true)?;
                Ok(p)
            });
        match result {
            Ok(p) => {
                let own = p
                    .rules
                    .iter()
                    .filter(|r| r.origin.starts_with(&format!("{name}:")))
                    .count();
                let examples: usize = p
                    .rules
                    .iter()
                    .filter(|r| r.origin.starts_with(&format!("{name}:")))
                    .map(|r| r.examples.len())
                    .sum();
                println!("{name}: ok ({own} rules, {examples} examples hold)");
                for note in p.notes(&name, &text) {
                    println!("{note}");
                }
            }
            Err(e) => {
                println!("{e}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        FAILED
    } else {
        0
    }
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

fn policy_test(sources: &Sources, files: &[PathBuf]) -> u8 {
    let policy = match load(sources) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let (mut passed, mut failed) = (0, 0);
    for f in files {
        let name = f.display().to_string();
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprint(&format!("cannot read `{name}`: {e}"));
                return FAILED;
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
                return FAILED;
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
                println!("ok      {name}: {}", c.name);
            } else {
                failed += 1;
                println!(
                    "FAILED  {name}: {}\n        expected {} {:?}, got {} {:?}",
                    c.name,
                    c.expect.verdict.name(),
                    c.expect.rules.unwrap_or_default(),
                    d.verdict.name(),
                    got
                );
                for f in &d.findings {
                    println!("        [{}] {}", f.rule, f.message);
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        1
    } else {
        0
    }
}

fn explain(sources: &Sources, name: Option<&str>, list: bool) -> u8 {
    let policy = match Policy::load_full(sources) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return FAILED;
        }
    };
    if list {
        println!("Rules:");
        for r in &policy.rules {
            println!("  {:<28} {:<8} {}", r.id, r.verdict.name(), r.summary);
        }
        println!("\nFacts:");
        for d in facts::registry() {
            let names = d.policy_names().join(" / ");
            let first = d.doc.lines().nth(1).unwrap_or("");
            println!("  {names:<44} {first}");
        }
        return 0;
    }
    let Some(name) = name else {
        return 2;
    };
    if let Some(r) = policy.rules.iter().find(|r| r.id == name) {
        println!(
            "rule {} ({}{})",
            r.id,
            r.verdict.name(),
            if r.is_final { ", final" } else { "" }
        );
        println!("  {}", r.summary);
        if let Some(w) = &r.why {
            println!("why: {w}");
        }
        if let Some(f) = &r.fix {
            println!("way out: {f}");
        }
        let m = &r.matches;
        let kinds: Vec<&str> = m.operation.0.iter().map(|k| k.name()).collect();
        println!(
            "matches: operations [{}] tools [{}] flags [{}]",
            kinds.join(", "),
            m.tool.0.join(", "),
            m.flags.0.join(", ")
        );
        let facts = r.facts();
        if !facts.is_empty() {
            println!("reads facts: {}", facts.join(", "));
        }
        println!("defined at {}", r.origin);
        for e in &r.examples {
            println!(
                "example: {} → {}",
                shell_words::join(&e.argv),
                e.verdict.name()
            );
        }
        return 0;
    }
    if let Some((d, _)) = facts::lookup(name) {
        println!("fact {} ({})\n", d.policy_names().join(" / "), d.ty);
        println!("{}", d.doc.replace("## ", ""));
        return 0;
    }
    if let Some((rule, file, reason)) = policy.disabled.iter().find(|(r, _, _)| r == name) {
        println!(
            "rule {rule} is switched off by {file}: {}",
            reason.as_deref().unwrap_or("no reason given")
        );
        return 0;
    }
    let hint = facts::suggest(name)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    eprint(&format!(
        "no rule or fact named `{name}`{hint}; `safeop explain --list` lists them"
    ));
    2
}

fn audit_verify(log: Option<PathBuf>, strict: bool) -> u8 {
    let path = log.unwrap_or_else(|| audit::default_path(strict));
    match audit::verify(&path) {
        Ok(n) => {
            let noun = if n == 1 { "record" } else { "records" };
            println!("{}: {n} {noun}, chain intact", path.display());
            0
        }
        Err((0, why)) => {
            eprint(&why);
            FAILED
        }
        Err((line, why)) => {
            println!("{}: chain broken at line {line}: {why}", path.display());
            1
        }
    }
}

fn audit_show(log: Option<PathBuf>, count: usize, strict: bool) -> u8 {
    let path = log.unwrap_or_else(|| audit::default_path(strict));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprint(&format!("cannot read `{}`: {e}", path.display()));
            return FAILED;
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines[lines.len().saturating_sub(count)..] {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
        let r = &v["r"];
        let argv: Vec<String> = r["argv"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "{} {:<8} {:<10} {:<8} {}{}",
            r["ts"].as_str().unwrap_or("?"),
            r["user"].as_str().unwrap_or("?"),
            r["action"].as_str().unwrap_or("?"),
            r["verdict"].as_str().unwrap_or("?"),
            shell_words::join(&argv),
            r["status"]
                .as_i64()
                .map(|s| format!(" (status {s})"))
                .unwrap_or_default()
        );
    }
    0
}

/// Decides an operation with live facts. Used by benchmarks and embedders.
pub fn decide_live(policy: &Policy, op: &Operation) -> Decision {
    let facts = Facts::live(op, cwd(), PathBuf::from("/"));
    engine::decide(policy, &facts, true)
}

/// Probes every host fact and every path fact of the given paths.
fn show_facts(json: bool, paths: Vec<String>, strict: bool) -> u8 {
    let mut op = Operation::new("facts", Vec::new());
    op.kind = command::Kind::Overwrite;
    op.targets = paths;
    let facts = Facts::live(&op, cwd(), sys_root(strict));
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
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprint(&e.to_string());
                return FAILED;
            }
        }
        return 0;
    }
    let mut last = None;
    for (path, name, v) in lines {
        if last.as_ref() != Some(&path) {
            println!(
                "{}",
                if path.is_empty() {
                    "host:".to_string()
                } else {
                    format!("{path}:")
                }
            );
            last = Some(path);
        }
        match v {
            Ok(v) => println!("  {name:<32} {}", policy::template::show(&v)),
            Err(e) => println!("  {name:<32} unknown: {}", e.why),
        }
    }
    0
}

/// Shell aliases for every guarded tool.
fn init(shell: &str) -> u8 {
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
    println!(
        "# safeop {}: route destructive commands through safeop",
        env!("CARGO_PKG_VERSION")
    );
    println!("# `command dd …` or `\\dd …` still reaches the raw tool.");
    for t in tools {
        match shell {
            "fish" => println!("function {t} --wraps {t}; command safeop {t} $argv; end"),
            _ => println!("alias {t}='safeop {t}'"),
        }
    }
    if shell != "fish" {
        println!("# let `sudo dd …` expand the alias too (safeop must be in sudo's secure_path):");
        println!("alias sudo='sudo '");
    }
    0
}
