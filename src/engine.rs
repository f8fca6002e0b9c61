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
    /// The evidence: each fact the rule's condition read for this finding, with its value (a
    /// failed probe as `{ $unknown: why }`), in the order read. Goes to the audit record.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub evidence: serde_json::Map<String, serde_json::Value>,
    /// Set when the finding comes from a probe that failed rather than from a fact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact_error: Option<FactError>,
    /// The message and the way out with the host name shown as [`HOST_MASK`], when the rule's
    /// templates name `{hostname}`: how they are shown while a `type-hostname` challenge waits.
    #[serde(skip)]
    pub host_hidden: Option<HostHidden>,
    /// File and line where the rule is defined.
    pub origin: String,
}

/// What a finding says with the host name masked (DESIGN decision 5: the host name is never
/// printed while a `type-hostname` challenge is pending).
#[derive(Debug, Clone, PartialEq)]
pub struct HostHidden {
    pub message: String,
    pub fix: Option<String>,
}

/// What `{hostname}` renders as while a `type-hostname` challenge is pending.
pub const HOST_MASK: &str = "<this host>";

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
    /// True when evaluation stopped at the first deny (`run` and `check` do, unless asked for
    /// every finding: `run --override`, `check --all-findings`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped_early: bool,
    /// The rules that selected the operation but were not evaluated because a deny was already
    /// certain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<String>,
    /// Rules switched off by a layer that would have looked at this command: rule, file, reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub switched_off: Vec<(String, String, String)>,
    /// Exceptions that would have lifted a finding but have expired: rule, path, expiry, file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<(String, String, String, String)>,
}

impl Decision {
    /// Whether `--override` may lift this decision: no final rule denies, and every rule was
    /// heard (an evaluation stopped at the first deny may have missed a final one).
    pub fn overridable(&self) -> bool {
        !self.stopped_early
            && !self
                .findings
                .iter()
                .any(|f| f.verdict == Verdict::Deny && f.is_final)
    }
}

/// Decides one operation. With `thorough`, every rule is evaluated; without, the evaluation stops
/// at the first deny, so a rule that denies from cheap facts spares the costly probes of the rules
/// after it (their ids are kept in [`Decision::not_evaluated`]). `run` and `check` decide the same
/// way, so `check` says exactly what `run` will do.
pub fn decide(policy: &Policy, facts: &Facts, thorough: bool) -> Decision {
    let mut d = Decision {
        verdict: Verdict::Allow,
        findings: Vec::new(),
        rules_matched: 0,
        excepted: Vec::new(),
        stopped_early: false,
        not_evaluated: Vec::new(),
        switched_off: Vec::new(),
        expired: Vec::new(),
    };
    // The list once per set of facts (`preflight` hands it in for each of its steps).
    if facts.protected().is_empty() {
        facts.set_protected(policy.protected_for_facts());
    }
    let effects = facts.effects();
    for rule in &policy.rules {
        if !applies(rule, facts.op, &effects) {
            continue;
        }
        d.rules_matched += 1;
        if !thorough && d.verdict == Verdict::Deny {
            d.stopped_early = true;
            d.not_evaluated.push(rule.id.clone());
            continue;
        }
        for f in evaluate(policy, rule, facts) {
            if let Some(e) = expired_exception_for(policy, rule, &f) {
                if !d.expired.contains(&e) {
                    d.expired.push(e);
                }
            }
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
    for r in policy
        .disabled_rules
        .iter()
        .filter(|r| r.matches_op(facts.op))
    {
        if let Some((id, file, reason)) = policy.disabled.iter().find(|(id, _, _)| *id == r.id) {
            d.switched_off.push((
                id.clone(),
                file.clone(),
                reason.clone().unwrap_or_else(|| "no reason given".into()),
            ));
        }
    }
    d
}

/// An exception for this finding's rule and path that has run out (it no longer lifts it).
fn expired_exception_for(
    policy: &Policy,
    rule: &Rule,
    f: &Finding,
) -> Option<(String, String, String, String)> {
    let path = f.path.as_deref()?;
    let today = chrono::Utc::now().date_naive();
    let live = |e: &crate::policy::Exception| {
        e.rule == rule.id && crate::policy::condition::glob_match(&e.path, path)
    };
    if policy
        .exceptions
        .iter()
        .any(|(e, _)| live(e) && e.expires >= today)
    {
        return None;
    }
    policy
        .exceptions
        .iter()
        .find(|(e, _)| live(e) && e.expires < today)
        .map(|(e, file)| {
            (
                rule.id.clone(),
                path.to_string(),
                e.expires.to_string(),
                file.clone(),
            )
        })
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

/// Whether a rule selects the operation: one of its resolved effects matches (an operation of
/// a tool safeop does not parse has none, and is matched by its kind).
fn applies(rule: &Rule, op: &Operation, effects: &[command::Effect]) -> bool {
    if op.effects.is_empty() && effects.is_empty() {
        return rule.matches_kind_only(op);
    }
    !rule.matching_effects(op, effects).is_empty()
}

/// The paths a rule's `target.*` facts are asked of: the paths of the effects it matches that
/// write, delete, format … (not those that only read: those are `source.*`), each once.
fn target_subjects(rule: &Rule, facts: &Facts) -> Vec<PathSubject> {
    let effects = facts.effects();
    if facts.op.effects.is_empty() && effects.is_empty() {
        return facts.subjects(Role::Target);
    }
    let mut out: Vec<PathSubject> = Vec::new();
    for e in rule.matching_effects(facts.op, &effects) {
        let Some(p) = e.path.as_deref() else {
            continue;
        };
        if e.kind == command::Kind::Read || out.iter().any(|s| s.arg == p) {
            continue;
        }
        out.push(facts.subject(Role::Target, p));
    }
    out
}

/// The subjects a rule must be evaluated for: each target and/or each source it reads.
fn combos(rule: &Rule, facts: &Facts) -> Option<Vec<(Option<PathSubject>, Option<PathSubject>)>> {
    let wants_t = rule.reads("target.");
    let wants_s = rule.reads("source.");
    let ts = if wants_t {
        target_subjects(rule, facts)
    } else {
        Vec::new()
    };
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
        let mut evidence = serde_json::Map::new();
        // Without a host and a snapshot of it (`preflight` alone), a condition that reads only
        // probed facts, each of a side this combination has, fails on its first fact whatever
        // the command: that one error is the answer, without reading the rest.
        let host_only = rule
            .probed_condition()
            .filter(|p| {
                facts.knows_no_host_fact()
                    && (!p.target || t.is_some())
                    && (!p.source || s.is_some())
            })
            .map(|p| p.first.as_str());
        let result = match (&rule.when, host_only) {
            (Some(_), Some(first)) => match get(first) {
                Err(e) if facts.needs_host(&e) => Err(e),
                _ => rule
                    .when
                    .as_ref()
                    .map_or(Ok(true), |c| c.eval(&mut |name: &str| get(name))),
            },
            (Some(c), None) => c.eval(&mut |name: &str| {
                let v = get(name);
                let shown = match &v {
                    Ok(v) => v.clone(),
                    Err(e) => crate::facts::failed(e.why.clone()),
                };
                evidence.insert(name.to_string(), shown);
                v
            }),
            (None, _) => Ok(true),
        };
        let result = match (result, &rule.verdict_from) {
            (Ok(true), Some(name)) => {
                let v = get(name);
                evidence.insert(
                    name.clone(),
                    match &v {
                        Ok(v) => v.clone(),
                        Err(e) => crate::facts::failed(e.why.clone()),
                    },
                );
                match v {
                    Ok(serde_json::Value::Null) => continue,
                    Ok(serde_json::Value::String(n)) => match Verdict::from_name(&n) {
                        Some(v) => Ok(v.min(rule.verdict)),
                        None => Err(FactError {
                            fact: name.clone(),
                            why: format!("`{n}` is not a verdict"),
                        }),
                    },
                    Ok(other) => Err(FactError {
                        fact: name.clone(),
                        why: format!("`{other}` is not a verdict"),
                    }),
                    Err(e) => Err(e),
                }
            }
            (Ok(true), None) => Ok(rule.verdict),
            (Ok(false), _) => continue,
            (Err(e), _) => Err(e),
        };
        let (verdict, fact_error) = match result {
            Ok(v) => (v, None),
            // Without the target host's facts (`preflight` with no snapshot) the setting caps
            // what the rule's `unknown:` says: a runbook is not refused for want of a snapshot.
            Err(e) if facts.needs_host(&e) => (
                rule.unknown
                    .unwrap_or(policy.on_fact_error)
                    .min(policy.preflight_without_facts),
                Some(e),
            ),
            Err(e) => (rule.unknown.unwrap_or(policy.on_fact_error), Some(e)),
        };
        if verdict == Verdict::Allow {
            continue;
        }
        let message = match (&fact_error, &rule.message) {
            (Some(e), _) => format!("{e}, which this rule needs: {}", rule.summary),
            (None, Some(m)) => template::render(m, &mut get),
            (None, None) => rule.summary.clone(),
        };
        let fix = match &fact_error {
            Some(e) if facts.needs_host(e) => Some(
                "give `--facts SNAPSHOT` taken on the host it runs on (`safeop facts --json PATH…` there)"
                    .to_string(),
            ),
            Some(_) => Some("safeop could not check this here: look by hand before going ahead, or get the probe working".to_string()),
            None => rule.fix.as_ref().map(|f| template::render(f, &mut get)),
        };
        let names_host = rule
            .message
            .iter()
            .chain(rule.fix.iter())
            .any(|t| template::any_placeholder(t, |p| p == "hostname"));
        let host_hidden = (names_host && fact_error.is_none()).then(|| {
            let mut hide = |name: &str| match name {
                "hostname" => Ok(serde_json::Value::from(HOST_MASK)),
                _ => get(name),
            };
            HostHidden {
                message: match &rule.message {
                    Some(m) => template::render(m, &mut hide),
                    None => rule.summary.clone(),
                },
                fix: rule.fix.as_ref().map(|f| template::render(f, &mut hide)),
            }
        });
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
            evidence,
            fact_error,
            host_hidden,
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
    if !applies(rule, &op, &facts.effects()) {
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
    fn a_message_naming_the_host_has_a_masked_twin() {
        let p = policy("version: 1\nrules:\n  - id: r\n    summary: s\n    match: { tool: rm }\n    verdict: confirm\n    challenge: type-hostname\n    message: \"on {hostname}\"\n    fix: \"type it if {hostname} is the one\"\n  - id: q\n    summary: plain\n    match: { tool: rm }\n    verdict: warn\n");
        let snap = Snapshot {
            version: Some(1),
            facts: [("hostname".to_string(), "mail1".into())]
                .into_iter()
                .collect(),
            paths: Default::default(),
        };
        let op = command::parse(&["rm".into(), "x".into()]);
        let d = decide_offline(&p, &op, PathBuf::from("/"), snap);
        let f = &d.findings[0];
        assert_eq!(f.message, "on mail1");
        assert_eq!(
            f.host_hidden,
            Some(HostHidden {
                message: "on <this host>".into(),
                fix: Some("type it if <this host> is the one".into()),
            })
        );
        assert_eq!(d.findings[1].host_hidden, None, "nothing to hide");
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
