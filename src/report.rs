//! What the user sees: a decision as text (read like a compiler diagnostic) or as JSON (the
//! contract in DESIGN.md). All of safeop's own output goes through here.

use crate::command::Operation;
use crate::engine::Decision;
use crate::facts::Snapshot;
use crate::policy::Verdict;
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    verdict: Verdict,
    argv: &'a [String],
    operation: &'a Operation,
    findings: &'a [crate::engine::Finding],
    rules_matched: usize,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    excepted: &'a [(String, String, String)],
    facts: &'a Snapshot,
}

pub fn json(argv: &[String], op: &Operation, d: &Decision, facts: &Snapshot) -> String {
    let r = JsonReport {
        verdict: d.verdict,
        argv,
        operation: op,
        findings: &d.findings,
        rules_matched: d.rules_matched,
        excepted: &d.excepted,
        facts,
    };
    serde_json::to_string_pretty(&r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The verdict and each finding with its rule, message, the way out and where the rule lives.
pub fn text(argv: &[String], op: &Operation, d: &Decision) -> String {
    let mut s = String::new();
    let cmd = shell_words::join(argv);
    let head = match d.verdict {
        Verdict::Allow => "allow",
        Verdict::Warn => "warn",
        Verdict::Confirm => "confirm",
        Verdict::Deny => "deny",
    };
    s.push_str(&format!("{head}: {cmd}\n"));
    if d.rules_matched == 0 {
        let what = if op.is_guarded() {
            format!("{} ({})", op.tool, op.kind.name())
        } else {
            "this command".to_string()
        };
        s.push_str(&format!("  no rule applies to {what}\n"));
    }
    for f in &d.findings {
        s.push_str(&format!(
            "  {:<7} [{}] {}\n",
            f.verdict.name(),
            f.rule,
            f.message
        ));
        if let Some(fix) = &f.fix {
            s.push_str(&format!("          way out: {fix}\n"));
        }
        if f.is_final {
            s.push_str("          final: --override cannot lift this\n");
        }
        s.push_str(&format!("          rule defined at {}\n", f.origin));
    }
    for (rule, path, reason) in &d.excepted {
        s.push_str(&format!("  excepted [{rule}] {path}: {reason}\n"));
    }
    if d.stopped_early {
        s.push_str("  (stopped at the first deny; `safeop check` lists every finding)\n");
    }
    s
}
