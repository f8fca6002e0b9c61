//! `safeop policy lint|show|test`: validate layers as they would be read where they lie, show
//! the effective policy with where each piece came from, and run policy test cases.

use crate::app::{eprint, load, FAILED};
use crate::command;
use crate::engine;
use crate::error::Error;
use crate::facts::{self, Snapshot};
use crate::policy::{self, Policy, Sources, Verdict};
use crate::report::{self, out};
use serde::Deserialize;
use std::path::PathBuf;

/// `policy lint [FILE…]`: each file on top of the embedded default, trusted as it would be where
/// it lies; with no files, the layers in effect, stacked as `run` stacks them.
pub(crate) fn lint(sources: &Sources, files: &[PathBuf]) -> Result<u8, Error> {
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
pub(crate) fn policy_show(sources: &Sources) -> Result<u8, Error> {
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
pub(crate) struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
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
pub(crate) struct Expect {
    verdict: Verdict,
    #[serde(default)]
    rules: Option<Vec<String>>,
}

pub(crate) fn policy_test(sources: &Sources, files: &[PathBuf]) -> Result<u8, Error> {
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
