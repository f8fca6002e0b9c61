//! `safeop facts [--json] [PATH…]`: what the probes see on this machine, or a snapshot for
//! `check --facts`.

use crate::app::{cwd, eprint, FAILED};
use crate::command::{self, Operation};
use crate::error::Error;
use crate::facts::{self, Facts};
use crate::policy::{self, Policy, Sources};
use crate::report::out;
use crate::text::bytes;

/// Probes every host fact and every path fact of the given paths. The policy in effect is read
/// for the paths it protects (`protected.*`), so a snapshot says what this host protects; a
/// policy that cannot be read fails the verb, as it fails `check`.
pub(crate) fn show_facts(sources: &Sources, json: bool, paths: Vec<String>) -> Result<u8, Error> {
    let mut op = Operation::new("facts", Vec::new());
    op.kind = command::Kind::Overwrite;
    op.targets = paths;
    let policy = match Policy::load(sources) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return Ok(FAILED);
        }
    };
    let facts = Facts::live(&op, cwd(), crate::context::sys_root());
    facts.set_protected(policy.protected_for_facts());
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
