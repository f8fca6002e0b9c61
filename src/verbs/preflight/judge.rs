//! One file's shell → the steps `preflight` reports: every command the shell front end finds,
//! judged as its own argv by the same engine as `check`, with the facts of the host it runs
//! on. What the shell adds to the argv is judged too: a redirection that writes is an overwrite
//! of its target; a command safeop cannot read (`eval "$x"`, `curl … | sh`, text the parser
//! cannot read) is an opaque operation (`command-not-understood`); `ssh HOST 'CMD'` is CMD read
//! again as shell and judged with HOST's facts.
//!
//! Words are judged as the script wrote them (nothing is expanded against this machine: the
//! runbook is for another one), but for a word the script spells out itself (`DIR=/srv` then
//! `"$DIR/"*` is `/srv/*`); what the shell would make of the rest is in the `target.shell.*`
//! facts ([`crate::shell::unset`]).

use super::files::Kind;
use crate::command::{self, Kind as OpKind, Operation};
use crate::engine::{self, Decision};
use crate::facts::{Facts, Snapshot, NEEDS_HOST};
use crate::policy::{Policy, Verdict};
use crate::report::preflight::{Step, StepFinding};
use crate::shell::unset::{self, WordInfo};
use crate::shell::{self, Context, Found, Script, ShellError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

/// How many `ssh HOST 'ssh HOST2 …'` levels are read.
const MAX_SSH_DEPTH: usize = 4;

/// Where a step runs: here (the runbook's host), on a named host, or on a host known only at
/// run time.
#[derive(Debug, Clone, PartialEq)]
enum Host {
    Here,
    Named(String),
    Unknown,
}

pub(crate) struct Judge<'a> {
    pub policy: &'a Policy,
    /// `--facts SNAPSHOT`: the host the runbook runs on.
    pub here: Option<&'a Snapshot>,
    /// `--facts HOST=SNAPSHOT`.
    pub hosts: &'a BTreeMap<String, Snapshot>,
    pub cwd: PathBuf,
    /// The policy's protected paths in the form the facts read, made once for every step.
    pub protected: Rc<Vec<crate::facts::protected::Entry>>,
}

/// Maps a position of the text being read to one of the file.
type Map<'m> = &'m dyn Fn(u32, u32) -> (u32, u32);

impl Judge<'_> {
    /// Every step of one file, in file order.
    pub fn file(&self, text: &str, kind: Kind) -> Vec<Step> {
        let script = match kind {
            Kind::Markdown => shell::markdown::script(text),
            Kind::Shell => shell::commands(text),
        };
        let shebang = match kind {
            Kind::Shell => text,
            Kind::Markdown => "",
        };
        let mut steps = Vec::new();
        self.script(
            &script,
            shebang,
            text,
            &Host::Here,
            &|l, c| (l, c),
            0,
            &mut steps,
        );
        steps.sort_by_key(|s| (s.line, s.col));
        steps
    }

    #[allow(clippy::too_many_arguments)]
    fn script(
        &self,
        script: &Script,
        shebang: &str,
        file: &str,
        host: &Host,
        map: Map,
        depth: usize,
        out: &mut Vec<Step>,
    ) {
        for e in &script.errors {
            out.push(self.not_understood(e, host, map));
        }
        let infos = unset::annotate(script, shebang);
        let moves = shell::moves(&script.commands);
        for (i, (f, info)) in script.commands.iter().zip(infos).enumerate() {
            let host = fed_to(f).unwrap_or_else(|| host.clone());
            // After a `cd`, relative paths lead wherever the shell is then.
            let moved = shell::moved_by(&script.commands, &moves, i);
            self.command(f, info, file, &host, map, depth, moved, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn command(
        &self,
        f: &Found,
        info: Vec<WordInfo>,
        file: &str,
        host: &Host,
        map: Map,
        depth: usize,
        moved: Option<&Found>,
        out: &mut Vec<Step>,
    ) {
        let after_move = |mut op: Operation| {
            if let Some(cd) = moved {
                op.after_move(cd, "");
            }
            op
        };
        let (line, col) = map(f.line, f.col);
        let argv: Vec<String> = f
            .words
            .iter()
            .zip(&info)
            .map(|(w, i)| i.known.clone().unwrap_or_else(|| w.text.clone()))
            .collect();
        let words: Rc<Vec<(String, WordInfo)>> =
            Rc::new(argv.iter().cloned().zip(info.iter().cloned()).collect());
        let step = |argv: Vec<String>, op: Operation| {
            let (d, has_snapshot) = self.decide(&op, words.clone(), host);
            step_of(line, col, argv, host, &d, has_snapshot)
        };
        if let Some(why) = &f.unseen {
            let mut op = Operation::new("sh", argv.clone());
            op.opaque(format!("the shell runs code safeop cannot read: {why}"));
            out.push(step(argv.clone(), op));
            return;
        }
        for r in f.writes() {
            let t = r.target.text.as_str();
            if harmless_sink(t) {
                continue;
            }
            let mut op = Operation::new("sh", argv.clone());
            op.kind = OpKind::Overwrite;
            op.targets.push(t.to_string());
            op.note = Some(format!("a redirection writes `{t}`"));
            let op = after_move(op);
            let (rl, rc) = map(r.line, r.col);
            let (d, has_snapshot) = self.decide(&op, words.clone(), host);
            let mut shown = argv.clone();
            shown.push(format!(">{t}"));
            out.push(step_of(rl, rc, shown, host, &d, has_snapshot));
        }
        if f.words.is_empty() {
            return;
        }
        if f.program()
            .is_some_and(|p| p.rsplit('/').next() == Some("ssh"))
        {
            self.ssh(f, &argv, file, map, depth, out, (line, col));
            return;
        }
        out.push(step(argv.clone(), after_move(command::parse(&argv))));
    }

    /// `ssh HOST CMD…`: CMD read as shell and judged on HOST.
    #[allow(clippy::too_many_arguments)]
    fn ssh(
        &self,
        f: &Found,
        argv: &[String],
        file: &str,
        map: Map,
        depth: usize,
        out: &mut Vec<Step>,
        (line, col): (u32, u32),
    ) {
        let opaque = |why: String, host: &Host| {
            let mut op = Operation::new("ssh", argv.to_vec());
            op.opaque(why);
            let (d, has_snapshot) = self.decide(&op, Rc::default(), host);
            step_of(line, col, argv.to_vec(), host, &d, has_snapshot)
        };
        let Some(s) = super::ssh::parse(&f.words) else {
            out.push(opaque(
                "an `ssh` command line safeop cannot read (an option it does not know, or a host known only at run time): what runs where is not seen".into(),
                &Host::Unknown,
            ));
            return;
        };
        let host = Host::Named(s.host.clone());
        let Some(first) = s.command.first() else {
            // A login, or a script on standard input (a here-document: read as such).
            return;
        };
        if let Some(w) = s.command.iter().find(|w| w.dynamic.is_some()) {
            out.push(opaque(
                format!(
                    "the command `ssh {}` runs is known only when the shell runs (`{}`)",
                    s.host, w.text
                ),
                &host,
            ));
            return;
        }
        if depth >= MAX_SSH_DEPTH {
            out.push(opaque(
                format!("`ssh` inside `ssh` more than {MAX_SSH_DEPTH} levels deep: not read"),
                &host,
            ));
            return;
        }
        let remote: Vec<&str> = s.command.iter().map(|w| w.text.as_str()).collect();
        let remote = remote.join(" ");
        // Line 1 of the remote text starts inside the first word's quote when it is quoted.
        let (wl, wc) = (first.line, first.col);
        let quoted = char_at(file, map(wl, wc)).is_some_and(|c| c == '\'' || c == '"');
        let skip = u32::from(quoted && s.command.len() == 1);
        let inner = move |l: u32, c: u32| -> (u32, u32) {
            if l <= 1 {
                map(wl, wc + skip + c.saturating_sub(1))
            } else {
                let (ol, _) = map(wl, wc);
                (ol + l - 1, c)
            }
        };
        let script = shell::commands(&remote);
        self.script(&script, "", file, &host, &inner, depth + 1, out);
    }

    fn not_understood(&self, e: &ShellError, host: &Host, map: Map) -> Step {
        let (line, col) = map(e.line, e.col);
        let mut op = Operation::new("sh", Vec::new());
        op.opaque(format!("the shell text here cannot be read: {}", e.message));
        let (d, has_snapshot) = self.decide(&op, Rc::default(), host);
        step_of(line, col, Vec::new(), host, &d, has_snapshot)
    }

    /// The engine's decision with the facts of the step's host (none: [`Facts::without_host`]).
    fn decide(
        &self,
        op: &Operation,
        words: Rc<Vec<(String, WordInfo)>>,
        host: &Host,
    ) -> (Decision, bool) {
        let snap = match host {
            Host::Here => self.here,
            Host::Named(h) => self.hosts.get(h),
            Host::Unknown => None,
        };
        let facts = Facts::without_host(op, self.cwd.clone(), snap.cloned());
        facts.set_shell_words(words);
        facts.set_protected(self.protected.clone());
        // Every rule is heard (nothing is probed, so it costs nothing): a report shows all that
        // is wrong with a step; the verdict is the one `check` gives.
        (engine::decide(self.policy, &facts, true), snap.is_some())
    }
}

/// The host of the shell that reads this command, when a here-document or an `echo … |` feeds
/// it to `ssh HOST`.
fn fed_to(f: &Found) -> Option<Host> {
    f.context.iter().rev().find_map(|c| match c {
        Context::Heredoc(r) | Context::Piped(r) => r.host.clone().map(Host::Named),
        _ => None,
    })
}

fn char_at(text: &str, (line, col): (u32, u32)) -> Option<char> {
    let l = text.lines().nth(line.checked_sub(1)? as usize)?;
    l.chars().nth(col.checked_sub(1)? as usize)
}

/// Redirection targets that keep nothing (`> /dev/null`).
fn harmless_sink(t: &str) -> bool {
    matches!(
        t,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty" | "/dev/zero"
    ) || t.starts_with("/dev/fd/")
}

/// A decision as a step: its findings, those that only want the host's facts made one.
fn step_of(
    line: u32,
    col: u32,
    argv: Vec<String>,
    host: &Host,
    d: &Decision,
    has_snapshot: bool,
) -> Step {
    let mut findings = Vec::new();
    let mut wanting: Vec<(String, String, Verdict)> = Vec::new();
    for f in &d.findings {
        match &f.fact_error {
            Some(e) if e.why == NEEDS_HOST => {
                wanting.push((f.rule.clone(), e.fact.clone(), f.verdict))
            }
            _ => findings.push(StepFinding {
                rule: f.rule.clone(),
                verdict: f.verdict,
                message: f.message.clone(),
                fix: f.fix.clone(),
                rules: Vec::new(),
                facts: Vec::new(),
            }),
        }
    }
    if let Some(worst) = wanting.iter().map(|w| w.2).max() {
        let mut rules: Vec<String> = wanting.iter().map(|w| w.0.clone()).collect();
        rules.dedup();
        let mut facts: Vec<String> = wanting.iter().map(|w| w.1.clone()).collect();
        facts.sort();
        facts.dedup();
        let whose = match host {
            Host::Named(h) => format!(" `{h}`"),
            Host::Here | Host::Unknown => String::new(),
        };
        let how = match host {
            Host::Named(h) => format!("--facts {h}=SNAPSHOT"),
            _ => "--facts SNAPSHOT".to_string(),
        };
        let mut named: Vec<String> = facts.iter().take(3).map(|f| format!("`{f}`")).collect();
        if facts.len() > 3 {
            named.push(format!("{} more", facts.len() - 3));
        }
        let rules_read = format!(
            "{} {}",
            rules.len(),
            if rules.len() == 1 {
                "rule reads"
            } else {
                "rules read"
            }
        );
        let (message, fix) = if has_snapshot {
            (
                format!(
                    "{NEEDS_HOST}{whose}: its snapshot lacks what {rules_read} ({})",
                    named.join(", ")
                ),
                "take the snapshot with these paths too (`safeop facts --json PATH…` there, or `safeop check --format json --all-findings -- CMD` and its `facts`)".to_string(),
            )
        } else {
            (
                format!(
                    "{NEEDS_HOST}{whose}: {rules_read} what only that host can tell ({})",
                    named.join(", ")
                ),
                format!(
                    "take a snapshot there with `safeop facts --json PATH…` and give it with `{how}`"
                ),
            )
        };
        findings.push(StepFinding {
            rule: NEEDS_HOST_FACTS.into(),
            verdict: worst,
            message,
            fix: Some(fix),
            rules,
            facts,
        });
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.verdict));
    let verdict = findings
        .iter()
        .map(|f| f.verdict)
        .max()
        .unwrap_or(Verdict::Allow);
    Step {
        line,
        col,
        argv,
        host: match host {
            Host::Named(h) => Some(h.clone()),
            _ => None,
        },
        verdict,
        findings,
    }
}

/// The id of the finding that stands for every rule that needed the host's facts.
pub(crate) const NEEDS_HOST_FACTS: &str = "needs-host-facts";
