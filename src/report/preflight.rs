//! `safeop preflight`'s reports: what each step of each file was judged, as text (read like a
//! compiler's diagnostics: `FILE:LINE:COL: deny[rule]: message`, the source line, a caret, the
//! way out) or JSON (`schema_version` 1: one object per command). SARIF and JUnit are in
//! [`super::sarif`] and [`super::junit`]. Renders what it is given; never probes.

use crate::policy::Verdict;
use crate::text::bytes;
use serde::Serialize;

/// One command of a runbook, judged.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub line: u32,
    pub col: u32,
    /// The command's words as the script wrote them (a word the script spells out itself, as
    /// it spells it); empty for text the shell parser could not read.
    pub argv: Vec<String>,
    /// The host it runs on, for an `ssh HOST …` step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub verdict: Verdict,
    pub findings: Vec<StepFinding>,
}

/// One finding of a step.
#[derive(Debug, Clone, Serialize)]
pub struct StepFinding {
    pub rule: String,
    pub verdict: Verdict,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// For `needs-host-facts`: the rules that needed the host's facts, and the facts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
}

/// One file, judged.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// As the user named it (or the walk found it).
    pub path: String,
    /// The path relative to the working directory when it is below it, as a URI reference.
    pub uri: String,
    pub text: String,
    pub steps: Vec<Step>,
}

/// What a rule is, for the formats that describe the rules they cite (SARIF).
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub summary: String,
    pub why: Option<String>,
    pub fix: Option<String>,
}

/// The worst verdict of every step.
pub fn worst(files: &[FileReport]) -> Verdict {
    files
        .iter()
        .flat_map(|f| &f.steps)
        .map(|s| s.verdict)
        .max()
        .unwrap_or(Verdict::Allow)
}

fn line_of<'t>(text: &'t str, lines: &[(usize, usize)], line: u32) -> &'t str {
    lines
        .get(line.saturating_sub(1) as usize)
        .map(|(a, b)| &text[*a..*b])
        .unwrap_or("")
}

/// Where each line of a text starts and ends (as `str::lines` splits them), so each finding's
/// source line is found at once, not by reading the file from the top again.
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        let body = l.strip_suffix('\n').unwrap_or(l);
        let body = body.strip_suffix('\r').unwrap_or(body);
        out.push((at, at + body.len()));
        at += l.len();
    }
    out
}

/// The compiler-style report: every finding of every step, then a summary line.
pub fn text(files: &[FileReport]) -> String {
    let mut s = String::new();
    let (mut commands, mut counts) = (0, [0usize; 4]);
    for f in files {
        let lines = line_spans(&f.text);
        for st in &f.steps {
            commands += 1;
            counts[st.verdict as usize] += 1;
            for fd in &st.findings {
                let on = match st.host.as_deref() {
                    Some(h) if fd.rule != "needs-host-facts" => format!(" (on `{h}`)"),
                    _ => String::new(),
                };
                s.push_str(&format!(
                    "{}:{}:{}: {}[{}]: {}{on}\n",
                    f.path,
                    st.line,
                    st.col,
                    fd.verdict.name(),
                    fd.rule,
                    bytes::display(&fd.message)
                ));
                let src = line_of(&f.text, &lines, st.line).replace('\t', " ");
                let n = st.line.to_string();
                let pad = " ".repeat(n.len());
                let caret = " ".repeat(st.col.saturating_sub(1) as usize);
                s.push_str(&format!("{pad} |\n{n} | {src}\n{pad} | {caret}^\n"));
                if let Some(fix) = &fd.fix {
                    s.push_str(&format!("{pad} = fix: {}\n", bytes::display(fix)));
                }
                s.push('\n');
            }
        }
    }
    let [_, warned, confirm, denied] = counts;
    let needs_host = files
        .iter()
        .flat_map(|f| &f.steps)
        .filter(|st| st.findings.iter().any(|f| f.rule == "needs-host-facts"))
        .count();
    let files_word = if files.len() == 1 { "file" } else { "files" };
    let commands_word = if commands == 1 { "command" } else { "commands" };
    let lacking = if needs_host > 0 {
        format!("; {needs_host} lack facts of the host they run on")
    } else {
        String::new()
    };
    let outcome = match worst(files) {
        Verdict::Deny => "denied",
        Verdict::Confirm => "needs confirmation",
        Verdict::Warn | Verdict::Allow => "passes",
    };
    s.push_str(&format!(
        "preflight: {} {files_word}, {commands} {commands_word}: {denied} denied, {confirm} to confirm, {warned} warned{lacking}: {outcome}\n",
        files.len()
    ));
    s
}

#[derive(Serialize)]
struct JsonStep<'a> {
    file: &'a str,
    #[serde(flatten)]
    step: &'a Step,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    verdict: Verdict,
    files: Vec<&'a str>,
    commands: Vec<JsonStep<'a>>,
}

/// `--format json`: `{schema_version: 1, verdict, files, commands: [{file, line, col, argv,
/// host?, verdict, findings}]}`.
pub fn json(files: &[FileReport]) -> String {
    let r = JsonReport {
        schema_version: 1,
        verdict: worst(files),
        files: files.iter().map(|f| f.path.as_str()).collect(),
        commands: files
            .iter()
            .flat_map(|f| {
                f.steps.iter().map(|s| JsonStep {
                    file: &f.path,
                    step: s,
                })
            })
            .collect(),
    };
    match serde_json::to_string_pretty(&r) {
        Ok(text) => bytes::display_json(&text).into_owned(),
        Err(e) => format!("{{\"error\":\"{e}\"}}"),
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    /// The source line shown under a finding is the line `str::lines` gives, for every line
    /// ending (none at the end, `\n`, `\r\n`) and beyond the last line.
    #[test]
    fn line_spans_are_the_lines() {
        for text in ["a\nb\r\nc", "a\n\nb\n", "", "one", "x\r\n\r\ny\n"] {
            let spans = line_spans(text);
            let want: Vec<&str> = text.lines().collect();
            let got: Vec<&str> = (1..=want.len() as u32)
                .map(|n| line_of(text, &spans, n))
                .collect();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(line_of(text, &spans, want.len() as u32 + 1), "");
        }
    }
}
