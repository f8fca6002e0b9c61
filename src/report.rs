//! What the user sees: a decision as text (read like a compiler diagnostic) or as JSON (the
//! contract in DESIGN.md). All of safeop's own output goes through here: [`out`] writes it.
//!
//! Arguments and paths are bytes (`text::bytes`); both formats show them for people. Text shows
//! the command line in shell words, a word with bytes that are not UTF-8 (or control characters)
//! in bash's `$'…'` quoting (`rm -f $'DIR/\xff'`). JSON shows every string — argv, operation
//! paths, messages, fact values and the paths the facts are keyed by — with such bytes written
//! as the four characters `\xNN`; when any argument is not plain UTF-8 it adds `argv_hex`, the
//! exact bytes of each argument in lowercase hex (absent otherwise).

pub mod junit;
pub mod out;
pub mod preflight;
pub mod sarif;

use crate::command::Operation;
use crate::engine::Decision;
use crate::facts::Snapshot;
use crate::policy::Verdict;
use crate::text::bytes;
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    verdict: Verdict,
    argv: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    argv_hex: Option<Vec<String>>,
    operation: &'a Operation,
    findings: &'a [crate::engine::Finding],
    rules_matched: usize,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    excepted: &'a [(String, String, String)],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    not_evaluated: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    switched_off: &'a [(String, String, String)],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    expired_exceptions: &'a [(String, String, String, String)],
    facts: &'a Snapshot,
}

pub fn json(argv: &[String], op: &Operation, d: &Decision, facts: &Snapshot) -> String {
    let r = JsonReport {
        verdict: d.verdict,
        argv,
        argv_hex: bytes::hex_if_needed(argv),
        operation: op,
        findings: &d.findings,
        rules_matched: d.rules_matched,
        excepted: &d.excepted,
        not_evaluated: &d.not_evaluated,
        switched_off: &d.switched_off,
        expired_exceptions: &d.expired,
        facts,
    };
    match serde_json::to_string_pretty(&r) {
        // Every string, keys included, in display form; the fields keep their documented order.
        Ok(text) => bytes::display_json(&text).into_owned(),
        Err(e) => format!("{{\"error\":\"{e}\"}}"),
    }
}

/// The verdict and each finding with its rule, message, the way out and where the rule lives.
pub fn text(argv: &[String], op: &Operation, d: &Decision) -> String {
    let mut s = String::new();
    let cmd = bytes::shell_join(argv);
    let head = match d.verdict {
        Verdict::Allow => "allow",
        Verdict::Warn => "warn",
        Verdict::Confirm => "confirm",
        Verdict::Deny => "deny",
    };
    s.push_str(&format!("{head}: {cmd}\n"));
    for e in op.effects.iter().filter(|e| e.because.is_some()) {
        if let Some(b) = &e.because {
            s.push_str(&format!("  note: {}\n", bytes::display(b)));
        }
    }
    for a in &op.aliases {
        s.push_str(&format!(
            "  note: `{}` is `{}`\n",
            bytes::display(&a.written),
            bytes::display(&a.binary)
        ));
    }
    if d.rules_matched == 0 {
        let what = if op.is_guarded() {
            format!("{} ({})", op.tool, op.kind.name())
        } else {
            "this command".to_string()
        };
        s.push_str(&format!("  no rule applies to {what}\n"));
    }
    // One rule over many targets reads as one finding: the first in full, the others by path.
    let mut i = 0;
    while i < d.findings.len() {
        let f = &d.findings[i];
        let same = d.findings[i..]
            .iter()
            .take_while(|g| g.rule == f.rule && g.verdict == f.verdict && g.fix == f.fix)
            .count();
        s.push_str(&format!(
            "  {:<7} [{}] {}\n",
            f.verdict.name(),
            f.rule,
            f.message
        ));
        if same >= 3 {
            let others: Vec<String> = d.findings[i + 1..i + same]
                .iter()
                .map(|g| {
                    g.path
                        .as_deref()
                        .map(|p| bytes::display(p).into_owned())
                        .unwrap_or_else(|| g.message.clone())
                })
                .collect();
            s.push_str(&format!(
                "          and {} more the same way: {}\n",
                others.len(),
                others.join(", ")
            ));
        } else {
            for g in &d.findings[i + 1..i + same] {
                s.push_str(&format!(
                    "  {:<7} [{}] {}\n",
                    g.verdict.name(),
                    g.rule,
                    g.message
                ));
            }
        }
        if let Some(fix) = &f.fix {
            s.push_str(&format!("          way out: {fix}\n"));
        }
        if f.is_final {
            s.push_str("          final: --override cannot lift this\n");
        }
        s.push_str(&format!("          rule defined at {}\n", f.origin));
        i += same;
    }
    for (rule, path, reason) in &d.excepted {
        let path = bytes::display(path);
        s.push_str(&format!("  excepted [{rule}] {path}: {reason}\n"));
    }
    for (rule, path, expires, file) in &d.expired {
        s.push_str(&format!(
            "  expired [{rule}] the exception for {path} in {file} ran out on {expires}: it no longer applies\n"
        ));
    }
    for (rule, file, reason) in &d.switched_off {
        s.push_str(&format!(
            "  off     [{rule}] switched off by {file}: {reason}\n"
        ));
    }
    if d.stopped_early {
        s.push_str(&format!(
            "  (stopped at the first deny, as `run` does; not evaluated: {}; `--all-findings` evaluates them)\n",
            d.not_evaluated.join(", ")
        ));
    }
    s
}

/// `policy show`: the effective policy, like `git config --show-origin`: every layer with how far
/// it is trusted, the settings and who set them, every rule with the file and line of its `id:`,
/// the rules switched off and the exceptions, with reason and expiry.
pub fn policy_show(p: &crate::policy::Policy) -> String {
    use crate::policy::Trust;
    let mut s = String::from("layers, later on top:\n");
    for (name, trust) in &p.layers {
        let how = match (name.as_str(), trust) {
            (crate::policy::DEFAULT_NAME, _) => "built in",
            (n, _) if p.safe_rm_lists.iter().any(|l| l == n) => {
                "safe-rm's list: its paths are never deleted"
            }
            (_, Trust::System) => "system layer (root-owned, in /etc/safeop)",
            (_, Trust::User) => "user layer: may only tighten",
        };
        s.push_str(&format!("  {name}  ({how})\n"));
    }
    s.push_str("settings:\n");
    for (key, value) in [
        ("on_fact_error", p.on_fact_error.name()),
        ("preflight_without_facts", p.preflight_without_facts.name()),
        (
            "no_tty",
            match p.no_tty {
                crate::policy::NoTty::Deny => "deny",
                crate::policy::NoTty::Allow => "allow",
            },
        ),
        (
            "audit_failure",
            match p.audit_failure {
                crate::policy::AuditFailure::Refuse => "refuse",
                crate::policy::AuditFailure::Run => "run",
            },
        ),
    ] {
        let from = p
            .settings_from
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| f.as_str())
            .unwrap_or("built-in default");
        s.push_str(&format!("  {key}: {value:<8} {from}\n"));
    }
    s.push_str(&format!(
        "protected paths ({}): tree, delete, overwrite, permissions; where set\n",
        p.protected.len()
    ));
    for e in &p.protected {
        let v: Vec<&str> = e.verdicts.iter().map(|v| v.name()).collect();
        s.push_str(&format!(
            "  {:<32} {:<7} {:<7} {:<9} {:<9} {}\n",
            e.shown(),
            v[0],
            v[1],
            v[2],
            v[3],
            e.from
        ));
    }
    s.push_str(&format!("rules ({}):\n", p.rules.len()));
    for r in &p.rules {
        let verdict = match (r.is_final, &r.verdict_from) {
            (true, _) => format!("{} final", r.verdict.name()),
            (false, Some(_)) => format!("per path<={}", r.verdict.name()),
            (false, None) => r.verdict.name().to_string(),
        };
        s.push_str(&format!(
            "  {:<32} {:<13} {}\n      {}\n",
            r.id, verdict, r.origin, r.summary
        ));
    }
    if !p.disabled.is_empty() {
        s.push_str("switched off:\n");
        for (rule, file, reason) in &p.disabled {
            s.push_str(&format!(
                "  {rule:<32} by {file}: {}\n",
                reason.as_deref().unwrap_or("no reason given")
            ));
        }
    }
    if !p.exceptions.is_empty() {
        let today = chrono::Utc::now().date_naive();
        s.push_str("exceptions:\n");
        for (e, file) in &p.exceptions {
            let state = if e.expires < today {
                format!("EXPIRED on {}: no longer applies", e.expires)
            } else {
                format!("until {}", e.expires)
            };
            s.push_str(&format!(
                "  {:<32} {} ({state}) by {file}: {}\n",
                e.rule, e.path, e.reason
            ));
        }
    }
    s
}
