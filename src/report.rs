//! What the user sees: a decision as text (read like a compiler diagnostic) or as JSON (the
//! contract in DESIGN.md). All of safeop's own output goes through here.
//!
//! Arguments and paths are bytes (`text::bytes`); both formats show them for people. Text shows
//! the command line in shell words, a word with bytes that are not UTF-8 (or control characters)
//! in bash's `$'…'` quoting (`rm -f $'DIR/\xff'`). JSON shows every string — argv, operation
//! paths, messages, fact values and the paths the facts are keyed by — with such bytes written
//! as the four characters `\xNN`; when any argument is not plain UTF-8 it adds `argv_hex`, the
//! exact bytes of each argument in lowercase hex (absent otherwise).

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
        let path = bytes::display(path);
        s.push_str(&format!("  excepted [{rule}] {path}: {reason}\n"));
    }
    if d.stopped_early {
        s.push_str("  (stopped at the first deny; `safeop check` lists every finding)\n");
    }
    s
}
