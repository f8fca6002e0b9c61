//! `safeop audit verify|show`: the hash chain checked across rotated files, and the records read
//! back for a person, filtered.

use crate::app::{eprint, FAILED};
use crate::audit;
use crate::error::Error;
use crate::report::out;
use std::path::PathBuf;

pub(crate) fn audit_verify(logs: Vec<PathBuf>, strict: bool) -> Result<u8, Error> {
    let logs = if logs.is_empty() {
        vec![audit::default_path(strict)]
    } else {
        logs
    };
    let mut start: Option<(String, u64)> = None;
    for (i, path) in logs.iter().enumerate() {
        let older = i + 1 < logs.len();
        match audit::verify_from(path, start.take()) {
            Ok(v) => {
                let noun = if v.records == 1 { "record" } else { "records" };
                let end = if v.proven {
                    ", its end matches its head"
                } else {
                    ""
                };
                out::line(&format!(
                    "{}: {} {noun}, chain intact{end}",
                    path.display(),
                    v.records
                ))?;
                for note in v.notes {
                    // A rotated file has no head of its own: its end is proven by the next file.
                    if older && note.starts_with("no chain head") {
                        continue;
                    }
                    out::line(&format!("{}: warning: {note}", path.display()))?;
                }
                start = Some((v.last, v.records));
            }
            Err(audit::Broken::Unreadable(why)) => {
                eprint(&why);
                return Ok(FAILED);
            }
            Err(audit::Broken::Line(line, why)) => {
                out::line(&format!(
                    "{}: chain broken at line {line}: {why}",
                    path.display()
                ))?;
                return Ok(1);
            }
            Err(audit::Broken::Head(why)) => {
                out::line(&format!("{}: chain broken: {why}", path.display()))?;
                return Ok(1);
            }
        }
    }
    Ok(0)
}

pub(crate) fn audit_show(a: crate::cli::ShowArgs, strict: bool) -> Result<u8, Error> {
    let now = chrono::Utc::now();
    let time = |t: &Option<String>| {
        t.as_deref()
            .map(|t| crate::audit_show::parse_time(t, now))
            .transpose()
    };
    let (since, until) = match (time(&a.since), time(&a.until)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => {
            eprint(&e);
            return Ok(FAILED);
        }
    };
    let filter = crate::audit_show::Filter {
        since,
        until,
        verdict: a.verdict,
        user: a.user,
        rule: a.rule,
        refused: a.refused,
    };
    let path = a.log.unwrap_or_else(|| audit::default_path(strict));
    // Bytes, not text: a torn last line may end inside a character.
    let raw = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) => {
            eprint(&format!("cannot read `{}`: {e}", path.display()));
            return Ok(FAILED);
        }
    };
    let lines: Vec<&[u8]> = raw
        .strip_suffix(b"\n")
        .unwrap_or(&raw)
        .split(|b| *b == b'\n')
        .filter(|_| !raw.is_empty())
        .collect();
    let mut shown: Vec<String> = Vec::new();
    for (n, l) in lines.iter().enumerate() {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(l) else {
            shown.push(format!(
                "line {}: {} bytes that are no record (`safeop audit verify` says more)",
                n + 1,
                l.len()
            ));
            continue;
        };
        let r = &v["r"];
        if !filter.keeps(r) {
            continue;
        }
        shown.push(if a.json {
            r.to_string()
        } else {
            crate::audit_show::line(r)
        });
    }
    for l in &shown[shown.len().saturating_sub(a.count)..] {
        out::line(l)?;
    }
    Ok(0)
}
