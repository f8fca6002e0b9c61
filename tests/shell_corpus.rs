//! The shell front end against a corpus of shell text with the commands expected
//! (`tests/corpus/shell/*.toml`, after destructive_command_guard's corpus): each `[[case]]` has
//! the `shell` text and the commands `expect`ed in order, each with its position `at`, its
//! `words` (quotes removed; a word known only at run time as `<as written>`), and when given its
//! `context` (lower-case names: pipeline, andor, subshell, group, cmdsubst, procsubst, function,
//! loop, if, case, background, eval, heredoc, piped), the targets it `writes`, whether it runs
//! code safeop cannot see (`unseen`), and whether it is `negated`. `errors` is the number of
//! parse errors (0 unless given).

use safeop::shell::{self, Context, Found, Word};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    shell: String,
    expect: Vec<Expect>,
    #[serde(default)]
    errors: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    at: String,
    words: Vec<String>,
    context: Option<Vec<String>>,
    writes: Option<Vec<String>>,
    unseen: Option<bool>,
    negated: Option<bool>,
}

fn word(w: &Word) -> String {
    match w.dynamic {
        Some(_) => format!("<{}>", w.text),
        None => w.text.clone(),
    }
}

fn context(c: &Context) -> &'static str {
    match c {
        Context::Pipeline => "pipeline",
        Context::AndOr => "andor",
        Context::Subshell => "subshell",
        Context::Group => "group",
        Context::CmdSubst => "cmdsubst",
        Context::ProcSubst => "procsubst",
        Context::Function(_) => "function",
        Context::Loop => "loop",
        Context::If => "if",
        Context::Case => "case",
        Context::Background => "background",
        Context::Eval => "eval",
        Context::Heredoc(_) => "heredoc",
        Context::Piped(_) => "piped",
    }
}

fn check(e: &Expect, f: &Found) -> Result<(), String> {
    let at = format!("{}:{}", f.line, f.col);
    let words: Vec<String> = f.words.iter().map(word).collect();
    if at != e.at || words != e.words {
        return Err(format!(
            "expected {} {:?}, got {at} {words:?}",
            e.at, e.words
        ));
    }
    if let Some(c) = &e.context {
        let got: Vec<&str> = f.context.iter().map(context).collect();
        if got != *c {
            return Err(format!("{at}: context {got:?}, expected {c:?}"));
        }
    }
    if let Some(w) = &e.writes {
        let got: Vec<&str> = f.writes().map(|r| r.target.text.as_str()).collect();
        if got != *w {
            return Err(format!("{at}: writes {got:?}, expected {w:?}"));
        }
    }
    if let Some(u) = e.unseen {
        if f.unseen.is_some() != u {
            return Err(format!("{at}: unseen is {:?}", f.unseen));
        }
    }
    if let Some(n) = e.negated {
        if f.negated != n {
            return Err(format!("{at}: negated is {}", f.negated));
        }
    }
    Ok(())
}

#[test]
fn shell_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/shell");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus/shell")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read corpus file");
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for c in &file.case {
            cases += 1;
            let name = format!("{}: {}", path.display(), c.description);
            let s = shell::commands(&c.shell);
            if s.errors.len() != c.errors {
                failures.push(format!(
                    "{name}: {} errors, expected {}: {:?}",
                    s.errors.len(),
                    c.errors,
                    s.errors
                ));
            }
            if s.commands.len() != c.expect.len() {
                let got: Vec<String> = s
                    .commands
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{} {:?}",
                            f.line,
                            f.col,
                            f.words.iter().map(word).collect::<Vec<_>>()
                        )
                    })
                    .collect();
                failures.push(format!(
                    "{name}: {} commands, expected {}: {got:#?}",
                    s.commands.len(),
                    c.expect.len()
                ));
                continue;
            }
            for (e, f) in c.expect.iter().zip(&s.commands) {
                if let Err(m) = check(e, f) {
                    failures.push(format!("{name}: {m}"));
                }
            }
        }
    }
    assert!(cases >= 40, "only {cases} cases in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
