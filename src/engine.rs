//! Policy × Operation × Facts → [`Decision`]. Every matching rule gives a finding; the strictest
//! finding is the verdict. This is the only place that combines verdicts.

use crate::command::{self, Operation};
use crate::facts::{FactError, Facts, PathSubject, Role, Snapshot};
use crate::policy::{template, Challenge, Example, Policy, Rule, Verdict};
use serde::Serialize;
use std::path::PathBuf;

/// One rule's say about one operation (and one of its paths).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub verdict: Verdict,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
    #[serde(rename = "final")]
    pub is_final: bool,
    /// The resolved target (or source) path the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What a `type-target` challenge asks to be typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// Set when the finding comes from a probe that failed rather than from a fact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact_error: Option<FactError>,
    /// File and line where the rule is defined.
    pub origin: String,
}

#[must_use]
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// How many rules selected the operation by their `match:` (0 = nothing to decide or log).
    pub rules_matched: usize,
    /// Findings lifted by an exception: rule, path, reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excepted: Vec<(String, String, String)>,
    /// True when evaluation stopped at the first deny (the `run` path does; `check` does not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped_early: bool,
}

/// Decides one operation. With `thorough`, every rule is evaluated (for reports); without, the
/// evaluation stops at the first deny, so a rule that denies from cheap facts spares the costly
/// probes of the rules after it.
pub fn decide(policy: &Policy, facts: &Facts, thorough: bool) -> Decision {
    let mut d = Decision {
        verdict: Verdict::Allow,
        findings: Vec::new(),
        rules_matched: 0,
        excepted: Vec::new(),
        stopped_early: false,
    };
    for rule in &policy.rules {
        if !rule.matches_op(facts.op) {
            continue;
        }
        d.rules_matched += 1;
        if !thorough && d.verdict == Verdict::Deny {
            d.stopped_early = true;
            continue;
        }
        for f in evaluate(policy, rule, facts) {
            if let Some(reason) = exception_for(policy, rule, &f) {
                d.excepted
                    .push((rule.id.clone(), f.path.clone().unwrap_or_default(), reason));
                continue;
            }
            if !d
                .findings
                .iter()
                .any(|g| g.rule == f.rule && g.message == f.message)
            {
                d.verdict = d.verdict.max(f.verdict);
                d.findings.push(f);
            }
        }
    }
    d.findings.sort_by_key(|f| std::cmp::Reverse(f.verdict));
    d
}

fn exception_for(policy: &Policy, rule: &Rule, f: &Finding) -> Option<String> {
    if rule.is_final {
        return None;
    }
    let path = f.path.as_deref()?;
    let today = chrono::Utc::now().date_naive();
    policy
        .exceptions
        .iter()
        .find(|(e, _)| {
            e.rule == rule.id
                && e.expires >= today
                && crate::policy::condition::glob_match(&e.path, path)
        })
        .map(|(e, file)| format!("{} (exception in {file}, expires {})", e.reason, e.expires))
}

/// The subjects a rule must be evaluated for: each target and/or each source it reads.
fn combos(rule: &Rule, facts: &Facts) -> Option<Vec<(Option<PathSubject>, Option<PathSubject>)>> {
    let names = rule.facts();
    let wants_t = names.iter().any(|n| n.starts_with("target."));
    let wants_s = names.iter().any(|n| n.starts_with("source."));
    let ts = facts.subjects(Role::Target);
    let ss = facts.subjects(Role::Source);
    // A rule that reads one side only needs that side; one that reads both needs at least one,
    // and the missing side's facts read as null (not applicable).
    let none_at_all = match (wants_t, wants_s) {
        (true, true) => ts.is_empty() && ss.is_empty(),
        (true, false) => ts.is_empty(),
        (false, true) => ss.is_empty(),
        (false, false) => false,
    };
    if none_at_all {
        return None;
    }
    let (wants_t, wants_s) = (wants_t && !ts.is_empty(), wants_s && !ss.is_empty());
    let t_opts: Vec<Option<PathSubject>> = if wants_t {
        ts.into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    let s_opts: Vec<Option<PathSubject>> = if wants_s {
        ss.into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    let mut out = Vec::new();
    for t in &t_opts {
        for s in &s_opts {
            out.push((t.clone(), s.clone()));
        }
    }
    Some(out)
}

fn evaluate(policy: &Policy, rule: &Rule, facts: &Facts) -> Vec<Finding> {
    let Some(combos) = combos(rule, facts) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (t, s) in combos {
        let mut get = |name: &str| -> Result<serde_json::Value, FactError> {
            let subject = match crate::facts::split_role(name).0 {
                Role::Target => t.as_ref(),
                Role::Source => s.as_ref(),
                Role::Whole => None,
            };
            match (crate::facts::split_role(name).0, subject) {
                (Role::Target | Role::Source, None) => Ok(serde_json::Value::Null),
                _ => facts.get(name, subject),
            }
        };
        let result = match &rule.when {
            Some(c) => c.eval(&mut get),
            None => Ok(true),
        };
        let (verdict, fact_error) = match result {
            Ok(true) => (rule.verdict, None),
            Ok(false) => continue,
            Err(e) => (policy.on_fact_error, Some(e)),
        };
        if verdict == Verdict::Allow {
            continue;
        }
        let message = match (&fact_error, &rule.message) {
            (Some(e), _) => format!("{}; {e}", rule.summary),
            (None, Some(m)) => template::render(m, &mut get),
            (None, None) => rule.summary.clone(),
        };
        let fix = match &fact_error {
            Some(_) => Some("safeop could not check this here: look by hand before going ahead, or get the probe working".to_string()),
            None => rule.fix.as_ref().map(|f| template::render(f, &mut get)),
        };
        let subject = t.as_ref().or(s.as_ref());
        let path = subject.map(|p| {
            facts
                .get(
                    if p.role == Role::Target {
                        "target.path"
                    } else {
                        "source.path"
                    },
                    Some(p),
                )
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| crate::text::bytes::encode_path(&p.abs))
        });
        let challenge = match verdict {
            Verdict::Confirm | Verdict::Deny => Some(rule.challenge.unwrap_or(Challenge::YesNo)),
            _ => None,
        };
        out.push(Finding {
            rule: rule.id.clone(),
            verdict,
            message,
            fix,
            challenge,
            is_final: rule.is_final && fact_error.is_none(),
            target_name: path.clone(),
            path,
            fact_error,
            origin: rule.origin.clone(),
        });
    }
    out
}

/// The verdict one rule alone gives for an inline example (`allow` when it stays silent).
pub fn example_verdict(policy: &Policy, rule: &Rule, ex: &Example) -> Verdict {
    let op = command::parse(&ex.argv);
    let snap = Snapshot {
        version: Some(1),
        facts: ex.facts.clone(),
        paths: ex.paths.clone(),
    };
    let cwd = PathBuf::from(ex.cwd.as_deref().unwrap_or("/"));
    let facts = Facts::hypothetical(&op, cwd, snap);
    if !rule.matches_op(&op) {
        return Verdict::Allow;
    }
    evaluate(policy, rule, &facts)
        .iter()
        .map(|f| f.verdict)
        .max()
        .unwrap_or(Verdict::Allow)
}

/// Decides a policy test case: facts the case does not give are not applicable.
pub fn decide_offline(policy: &Policy, op: &Operation, cwd: PathBuf, snap: Snapshot) -> Decision {
    let facts = Facts::hypothetical(op, cwd, snap);
    decide(policy, &facts, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn policy(text: &str) -> Policy {
        let mut p = Policy::default();
        p.add_layer("t.yaml", text, true)
            .expect("test policy loads");
        p
    }

    #[test]
    fn a_rule_reading_both_sides_works_when_one_side_is_missing() {
        let p = policy("version: 1\nrules:\n  - id: either\n    summary: s\n    when:\n      any:\n        - target.kind: block_device\n        - source.kind: block_device\n    verdict: deny\n");
        let rm = command::parse(&["rm".into(), "/dev/sdb".into()]);
        let snap = Snapshot {
            version: Some(1),
            facts: [("target.kind".to_string(), "block_device".into())]
                .into_iter()
                .collect(),
            paths: Default::default(),
        };
        let d = decide_offline(&p, &rm, PathBuf::from("/"), snap);
        assert_eq!(
            d.verdict,
            Verdict::Deny,
            "rm has no source; the target side still decides"
        );
        let reboot = command::parse(&["reboot".into()]);
        let d = decide_offline(&p, &reboot, PathBuf::from("/"), Snapshot::default());
        assert_eq!(
            d.verdict,
            Verdict::Allow,
            "no paths at all: the rule cannot apply"
        );
    }

    #[test]
    fn not_flags_exclude() {
        let p = policy("version: 1\nrules:\n  - id: r\n    summary: s\n    match: { operation: reboot, not_flags: dry_run }\n    verdict: deny\n");
        let d = decide_offline(
            &p,
            &command::parse(&["systemctl".into(), "--dry-run".into(), "reboot".into()]),
            PathBuf::from("/"),
            Snapshot::default(),
        );
        assert_eq!(d.rules_matched, 0);
        let d = decide_offline(
            &p,
            &command::parse(&["systemctl".into(), "reboot".into()]),
            PathBuf::from("/"),
            Snapshot::default(),
        );
        assert_eq!(d.verdict, Verdict::Deny);
    }

    #[test]
    fn strictest_finding_wins_and_comes_first() {
        let p = policy("version: 1\nrules:\n  - id: w\n    summary: w\n    match: { tool: rm }\n    verdict: warn\n  - id: d\n    summary: d\n    match: { tool: rm }\n    verdict: deny\n  - id: c\n    summary: c\n    match: { tool: rm }\n    verdict: confirm\n");
        let d = decide_offline(
            &p,
            &command::parse(&["rm".into(), "x".into()]),
            PathBuf::from("/"),
            Snapshot::default(),
        );
        assert_eq!(d.verdict, Verdict::Deny);
        let order: Vec<&str> = d.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(order, vec!["d", "c", "w"]);
    }

    #[test]
    fn a_fact_error_becomes_on_fact_error() {
        let p = policy("version: 1\nsettings: { on_fact_error: deny }\nrules:\n  - id: r\n    summary: needs a fact\n    match: { tool: rm }\n    when:\n      target.kind: file\n    verdict: warn\n");
        let op = command::parse(&["rm".into(), "x".into()]);
        // From another host's snapshot, a fact it lacks is unknown: on_fact_error decides.
        let facts = Facts::from_snapshot(&op, PathBuf::from("/"), Snapshot::default());
        let d = decide(&p, &facts, true);
        assert_eq!(d.verdict, Verdict::Deny);
        // In a made-up case, a fact not given is not applicable.
        let d = decide_offline(&p, &op, PathBuf::from("/"), Snapshot::default());
        assert_eq!(d.verdict, Verdict::Allow);
        let facts = Facts::from_snapshot(&op, PathBuf::from("/"), Snapshot::default());
        let d = decide(&p, &facts, true);
        let f = &d.findings[0];
        assert!(
            f.fact_error.is_some() && f.message.contains("could not determine `target.kind`"),
            "{f:?}"
        );
        assert!(!f.is_final, "a deny from a probe error is never final");
    }
}
