//! `safeop check -- CMD…`: what `run` would decide, printed (text or JSON) and given as the exit
//! status, without running anything. It decides as `run` does: the same rules read, the same stop
//! at the first deny (`--all-findings` evaluates every rule).

use crate::app::{cwd, eprint, parse_here, path_for_exec, FAILED};
use crate::cli::{CheckArgs, Format};
use crate::command;
use crate::engine;
use crate::error::Error;
use crate::facts::{Facts, Snapshot};
use crate::policy::{Policy, Sources, Verdict};
use crate::report::{self, out};
use std::path::Path;

pub(crate) fn check(sources: &Sources, a: CheckArgs) -> Result<u8, Error> {
    let argv = a.command;
    // Facts of another host say nothing of this one's programs.
    let op = match &a.facts {
        None => parse_here(&argv, path_for_exec(sources.strict).0.as_deref()),
        Some(_) => command::parse(&argv),
    };
    // As `run` does: only the embedded rules that can match this command are read, then every
    // layer (a layer's rules may match any tool, and one that cannot be read fails the check).
    let layers = crate::policy::layer_files(sources);
    let loaded = Policy::embedded_for(&op).and_then(|p| p.with_files(&layers, sources.strict));
    let policy = match loaded {
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
    let (d, snap, effects) = match snapshot {
        Some(s) => {
            let facts = Facts::from_snapshot(&op, cwd(), s);
            let d = engine::decide(&policy, &facts, thorough);
            (d, facts.snapshot(), facts.effects())
        }
        None => {
            let facts = Facts::live(&op, cwd(), crate::context::sys_root());
            let d = engine::decide(&policy, &facts, thorough);
            (d, facts.snapshot(), facts.effects())
        }
    };
    // What the command does, as the machine resolved it (`cp x DIR/` writes `DIR/x`).
    let mut op = op;
    op.effects = effects.as_ref().clone();
    match a.format {
        Format::Json => out::line(&report::json(&argv, &op, &d, &snap))?,
        Format::Text => out::text(&report::text(&argv, &op, &d))?,
    }
    Ok(verdict_code(d.verdict))
}

pub(crate) fn verdict_code(v: Verdict) -> u8 {
    match v {
        Verdict::Allow | Verdict::Warn => 0,
        Verdict::Confirm => 3,
        Verdict::Deny => 4,
    }
}

pub(crate) fn read_snapshot(p: &Path) -> Result<Snapshot, String> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| format!("cannot read facts snapshot `{}`: {e}", p.display()))?;
    Snapshot::from_json(&text).map_err(|(line, column, e)| {
        format!(
            "facts snapshot `{}` line {line} column {column}: {e}",
            p.display()
        )
    })
}
