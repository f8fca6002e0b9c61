//! `safeop preflight [--facts [HOST=]SNAPSHOT]… [--format …] FILE|DIR…`: every command of
//! shell scripts and Markdown runbooks judged without running any, as a CI pre-flight, and the
//! worst verdict as the exit status (0 / 3 / 4, as `check`).
//!
//! Nothing of this machine is probed: a runbook is for another host. With `--facts SNAPSHOT`
//! the steps are judged with that host's facts, as `check --facts` judges one command (a fact
//! the snapshot lacks is unknown: the rule's `unknown:` decides); `--facts HOST=SNAPSHOT` is for
//! the steps run as `ssh HOST …`. A step with no snapshot for its host is judged with
//! [`Facts::without_host`](crate::facts::Facts::without_host): the rules that read only the
//! command line decide as they do in `check`, and a rule that needs the host's facts gives at
//! most `settings.preflight_without_facts` (the `needs-host-facts` finding).
//!
//! Files: [`files`]; one file's steps: [`judge`]; `ssh` steps: [`ssh`]; reports:
//! [`crate::report::preflight`], [`crate::report::sarif`], [`crate::report::junit`].

mod files;
pub(crate) mod judge;
mod ssh;

use crate::app::{cwd, eprint, FAILED};
use crate::cli::{PreflightArgs, PreflightFormat};
use crate::error::Error;
use crate::facts::Snapshot;
use crate::policy::{Policy, Sources};
use crate::report::out;
use crate::report::preflight::{self as rep, FileReport, RuleMeta};
use std::collections::BTreeMap;
use std::path::Path;

const USAGE: u8 = 2;

pub(crate) fn preflight(sources: &Sources, a: PreflightArgs) -> Result<u8, Error> {
    let (here, hosts) = match snapshots(&a.facts) {
        Ok(s) => s,
        Err((code, msg)) => {
            eprint(&msg);
            return Ok(code);
        }
    };
    let list = match files::collect(&a.paths) {
        Ok(l) => l,
        Err(files::Problem::Usage(m)) => {
            eprint(&m);
            return Ok(USAGE);
        }
        Err(files::Problem::Failed(m)) => {
            eprint(&m);
            return Ok(FAILED);
        }
    };
    // Every file is read before anything is judged: one that cannot be is an error, not a
    // silent pass.
    let mut texts = Vec::with_capacity(list.len());
    for s in &list {
        match files::read(&s.path) {
            Ok(t) => texts.push(t),
            Err(m) => {
                eprint(&m);
                return Ok(FAILED);
            }
        }
    }
    let layers = crate::policy::layer_files(sources);
    let policy = match Policy::embedded().and_then(|p| p.with_files(&layers, sources.strict)) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return Ok(FAILED);
        }
    };
    let here_dir = cwd();
    let judge = judge::Judge {
        protected: policy.protected_for_facts(),
        policy: &policy,
        here: here.as_ref(),
        hosts: &hosts,
        cwd: here_dir.clone(),
    };
    let reports: Vec<FileReport> = list
        .iter()
        .zip(texts)
        .map(|(s, text)| FileReport {
            path: crate::text::bytes::show_path(&s.path),
            uri: uri(&s.path, &here_dir),
            steps: judge.file(&text, s.kind),
            text,
        })
        .collect();
    match a.format {
        PreflightFormat::Text => out::text(&rep::text(&reports))?,
        PreflightFormat::Json => out::line(&rep::json(&reports))?,
        PreflightFormat::Sarif => {
            out::line(&crate::report::sarif::sarif(&reports, &rule_metas(&policy)))?
        }
        PreflightFormat::Junit => out::text(&crate::report::junit::junit(&reports))?,
    }
    Ok(super::check::verdict_code(rep::worst(&reports)))
}

/// One text judged as `preflight` judges a file given no facts, with the embedded policy: every
/// step. For the fuzz target `preflight_text` (the whole way from text to verdicts).
pub fn judge_text(text: &str, markdown: bool) -> Result<Vec<rep::Step>, Error> {
    let policy = Policy::embedded()?;
    let hosts = BTreeMap::new();
    let judge = judge::Judge {
        protected: policy.protected_for_facts(),
        policy: &policy,
        here: None,
        hosts: &hosts,
        cwd: std::path::PathBuf::from("/"),
    };
    let kind = if markdown {
        files::Kind::Markdown
    } else {
        files::Kind::Shell
    };
    Ok(judge.file(text, kind))
}

/// `--facts SNAPSHOT` (at most once) and `--facts HOST=SNAPSHOT` (once per host). A value is
/// `HOST=…` when the part before the first `=` is a host name (no `/`, not empty).
type Snapshots = (Option<Snapshot>, BTreeMap<String, Snapshot>);

fn snapshots(args: &[String]) -> Result<Snapshots, (u8, String)> {
    let mut here = None;
    let mut hosts = BTreeMap::new();
    for a in args {
        let (host, file) = match a.split_once('=') {
            Some((h, f)) if !h.is_empty() && !h.contains('/') && !f.is_empty() => (Some(h), f),
            _ => (None, a.as_str()),
        };
        let snap = super::check::read_snapshot(&crate::text::bytes::path(file))
            .map_err(|m| (FAILED, m))?;
        match host {
            None if here.is_some() => {
                return Err((
                    USAGE,
                    "`--facts SNAPSHOT` given twice: one snapshot is for the host the runbook runs on; give the others as `--facts HOST=SNAPSHOT`".into(),
                ))
            }
            None => here = Some(snap),
            Some(h) => {
                if hosts.insert(h.to_string(), snap).is_some() {
                    return Err((USAGE, format!("`--facts {h}=…` given twice")));
                }
            }
        }
    }
    Ok((here, hosts))
}

/// The SARIF `artifactLocation.uri` of `p`: relative to `cwd` when below it (percent-encoded
/// as a URI reference), else a `file://` URI.
fn uri(p: &Path, cwd: &Path) -> String {
    let abs = if p.is_absolute() {
        crate::facts::normalize(p)
    } else {
        crate::facts::normalize(&cwd.join(p))
    };
    let (rel, prefix) = match abs.strip_prefix(cwd) {
        Ok(r) if !r.as_os_str().is_empty() => (r.to_path_buf(), ""),
        _ => (abs, "file://"),
    };
    let mut s = String::from(prefix);
    for &b in rel.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

fn rule_metas(p: &Policy) -> Vec<RuleMeta> {
    let mut out: Vec<RuleMeta> = p
        .rules
        .iter()
        .map(|r| RuleMeta {
            id: r.id.clone(),
            summary: r.summary.clone(),
            why: r.why.clone(),
            fix: r.fix.clone(),
        })
        .collect();
    let (summary, why, fix) = NEEDS_HOST_FACTS_DOC;
    out.push(RuleMeta {
        id: judge::NEEDS_HOST_FACTS.into(),
        summary: summary.into(),
        why: Some(why.into()),
        fix: Some(fix.into()),
    });
    out.push(RuleMeta {
        id: "command-not-understood".into(),
        summary: "A command safeop could not follow needs a person to look.".into(),
        why: None,
        fix: None,
    });
    out
}

/// What `needs-host-facts` is (summary, why, way out): for the SARIF rule list and `explain`.
pub(crate) const NEEDS_HOST_FACTS_DOC: (&str, &str, &str) = (
    "A rule needs facts that only the host the step runs on can tell.",
    "Without a facts snapshot of the target host (`--facts SNAPSHOT`, or `--facts HOST=SNAPSHOT` for `ssh HOST` steps) nothing of that host is known: whether the device is mounted, the image loop-attached, the disk failing. The rules that read those facts cannot decide; this finding stands for them, at the policy's `preflight_without_facts` (warn unless a policy raises it).",
    "Take a snapshot on the target host with `safeop facts --json PATH…` and give it with `--facts`.",
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn uris_relative_to_the_working_directory() {
        let cwd = PathBuf::from("/work/repo");
        assert_eq!(
            uri(Path::new("docs/run book.md"), &cwd),
            "docs/run%20book.md"
        );
        assert_eq!(uri(Path::new("/work/repo/a.sh"), &cwd), "a.sh");
        assert_eq!(uri(Path::new("/etc/x.sh"), &cwd), "file:///etc/x.sh");
        assert_eq!(uri(Path::new("./a/../b.sh"), &cwd), "b.sh");
    }
}
