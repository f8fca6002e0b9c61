//! Shell lines with the verdicts the default policy gives them, as data
//! (`tests/corpus/verdicts/*.toml`, after destructive_command_guard's corpus): each `[[case]]`
//! has the `line` (shell text, run as `safeop check --format json -- sh -c LINE` on this host,
//! or `bash -c` with `shell = "bash"`), the `verdict` expected, the rule ids that must be among
//! the findings (`rules`, when given) and a `why` for the reader. A case may name a facts
//! `snapshot` (a file in `tests/fixtures/`) to be judged with instead of this machine's facts.
//!
//! The lines are about what every Linux machine has (`/`, `/usr`, `/etc`, `/proc`, the running
//! user's home) or about paths that exist nowhere (`/nonexistent/…`), so the verdicts do not
//! depend on the machine the suite runs on. Nothing is run: `check` only.

mod common;
use common::*;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    line: String,
    verdict: String,
    #[serde(default)]
    rules: Vec<String>,
    why: String,
    #[serde(default)]
    shell: Option<String>,
    #[serde(default)]
    snapshot: Option<String>,
}

fn cases() -> Vec<(String, Case)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/verdicts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus/verdicts")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read corpus file");
        let parsed: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.file_name().expect("name").to_string_lossy().to_string();
        out.extend(parsed.case.into_iter().map(|c| (name.clone(), c)));
    }
    out
}

#[test]
fn every_line_gets_its_verdict() {
    let all = cases();
    assert!(all.len() >= 40, "the corpus shrank: {} cases", all.len());
    let mut wrong = Vec::new();
    for (file, c) in &all {
        let shell = c.shell.as_deref().unwrap_or("sh");
        let mut t = Test::new().arg("check").arg("--format").arg("json");
        if let Some(s) = &c.snapshot {
            t = t.arg("--facts").arg(fixture(s));
        }
        let r = t.arg("--").args([shell, "-c", &c.line]).go();
        let v = r.json();
        let got = v["verdict"].as_str().unwrap_or("?").to_string();
        let rules: Vec<String> = v["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|x| x["rule"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let missing: Vec<&String> = c.rules.iter().filter(|r| !rules.contains(r)).collect();
        if got != c.verdict || !missing.is_empty() {
            wrong.push(format!(
                "{file}: `{}`: {} expected{} ({}), got {got} with {rules:?}",
                c.line,
                c.verdict,
                if c.rules.is_empty() {
                    String::new()
                } else {
                    format!(" with {:?}", c.rules)
                },
                c.why
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} lines:\n{}",
        wrong.len(),
        all.len(),
        wrong.join("\n")
    );
}
