//! `safeop explain RULE-OR-FACT` and `explain --list`: the manual of a rule (its `match:` and
//! `when:`) or of a fact (its doc comment).

use crate::app::{eprint, FAILED};
use crate::error::Error;
use crate::facts;
use crate::policy::{Policy, Sources};
use crate::report::out;

pub(crate) fn explain(sources: &Sources, name: Option<&str>, list: bool) -> Result<u8, Error> {
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
        if let Some(t) = m.tree {
            out::line(&format!("  tree: {t}"))?;
        }
        match &r.when {
            Some(c) => out::text(&format!("when:\n{}", c.describe(2)))?,
            None if r.verdict_from.is_some() => {
                out::line("when: always (the match, and the verdict the fact names, decide)")?
            }
            None => out::line("when: always (the match alone decides)")?,
        }
        let verdict = match &r.verdict_from {
            Some(f) => format!(
                "the value of `{f}` for each path, at most {}",
                r.verdict.name()
            ),
            None => r.verdict.name().to_string(),
        };
        out::line(&format!(
            "verdict: {verdict}{}",
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
    if name == super::preflight::judge::NEEDS_HOST_FACTS {
        let (summary, why, fix) = super::preflight::NEEDS_HOST_FACTS_DOC;
        out::line(&format!("finding {name} (of `safeop preflight`; its verdict is the policy's preflight_without_facts)"))?;
        out::line(&format!("  {summary}"))?;
        out::line(&format!("why: {why}"))?;
        out::line(&format!("way out: {fix}"))?;
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
