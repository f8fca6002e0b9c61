//! Docs that work as written: every `safeop …` command shown in README.md and in `--help` is run
//! here, in a scratch directory holding the files the examples name (`site.yaml` is README's
//! policy example, `cases.yaml` the shipped cases, `host.json` a snapshot taken here), and must
//! not fail as safeop usage (exit 2, 125, 127 or a usage message). The policy example of README
//! lints, and the case file of `policy test --help` passes.
//!
//! Safety: `run` examples (and the bare form) are only run for real when they act on `./build`
//! in the scratch directory; every other `run` example is given to `check` instead (dropping
//! `--override REASON`, which only `run` takes), so no example can touch a disk of this machine.

mod common;
use common::*;
use std::path::Path;

const README: &str = include_str!("../README.md");

/// The `safeop …` lines of README's ```sh blocks, without their comments.
fn readme_commands() -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in README.lines() {
        if let Some(lang) = line.strip_prefix("```") {
            in_sh = !in_sh && lang == "sh";
            continue;
        }
        if in_sh {
            let cmd = cut_comment(line);
            if cmd.contains("safeop") && !cmd.starts_with("cargo ") {
                out.push(cmd);
            }
        }
    }
    out
}

/// The example lines of one `--help` text: indented lines that start with `safeop` or `eval`.
fn help_commands(help: &str) -> Vec<String> {
    help.lines()
        .filter(|l| l.starts_with("  safeop ") || l.starts_with("  eval "))
        .map(cut_comment)
        .collect()
}

/// A command without its trailing comment (`  # …`, or a description after three spaces).
fn cut_comment(line: &str) -> String {
    let l = line.trim();
    let mut end = l.len();
    for pat in ["   ", "  #"] {
        if let Some(i) = l.find(pat) {
            end = end.min(i);
        }
    }
    l[..end].trim().to_string()
}

struct Place {
    s: Scratch,
}

impl Place {
    fn new() -> Place {
        let s = Scratch::new();
        s.write("build/a.o", "obj\n");
        s.write("build/b.o", "obj\n");
        s.write("site.yaml", &readme_policy());
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cases.yaml"),
            s.path("cases.yaml"),
        )
        .expect("copy cases");
        let snap = Test::new().args(["facts", "--json", "/dev/sdb"]).go();
        snap.status(0);
        s.write("host.json", &snap.stdout);
        s.write("host-facts.json", &snap.stdout);
        Place { s }
    }

    /// Runs one documented command line through sh, with `safeop` meaning the built binary.
    fn run(&self, line: &str) -> Ran {
        let words = shell_words::split(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let line = safe_form(line, &words);
        let bin_dir = self.s.path("bin");
        std::fs::create_dir_all(&bin_dir).expect("mkdir");
        let link = bin_dir.join("safeop");
        if !link.exists() {
            std::os::unix::fs::symlink(BIN, &link).expect("link");
        }
        if !self.s.path("build").exists() {
            self.s.write("build/a.o", "obj\n");
        }
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", &line]);
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let t = Test::around(cmd)
            .env("PATH", path)
            .env_remove("SAFEOP_POLICY")
            .env("HOME", self.s.dir.path())
            .env("SAFEOP_AUDIT_LOG", self.s.path("audit.jsonl"))
            .cwd(self.s.dir.path())
            .no_tty();
        t.go()
    }
}

/// The command as it is safe to run here: see the module docs.
fn safe_form(line: &str, words: &[String]) -> String {
    let verb_at = words
        .iter()
        .position(|w| w == "safeop")
        .map(|i| i + 1)
        .unwrap_or(1);
    let verb = words.get(verb_at).map(String::as_str).unwrap_or("");
    let known = [
        "check",
        "policy",
        "explain",
        "audit",
        "facts",
        "init",
        "--policy",
        "--help",
        "--version",
    ];
    if known.contains(&verb) || line.starts_with("eval ") {
        // `init fish | source` needs fish; the init text itself is what is documented
        return line.replace(" | source", "");
    }
    let rest: Vec<&String> = words[verb_at..].iter().collect();
    let is_run = verb == "run";
    let cmd: Vec<String> = if is_run {
        let dd = rest.iter().position(|w| *w == "--").expect("run … -- CMD");
        rest[dd + 1..].iter().map(|w| w.to_string()).collect()
    } else {
        rest.iter().map(|w| w.to_string()).collect()
    };
    if cmd == ["rm", "-rf", "./build"] {
        return line.to_string();
    }
    format!("safeop check -- {}", shell_words::join(&cmd))
}

/// README's policy example (its ```yaml block).
fn readme_policy() -> String {
    let start = README.find("```yaml\n").expect("a yaml block") + 8;
    let end = start + README[start..].find("```").expect("closed");
    README[start..end].to_string()
}

fn assert_works(line: &str, r: &Ran) {
    let what = format!(
        "`{line}` fails as documented (exit {})\nstdout:\n{}\nstderr:\n{}",
        r.code(),
        r.stdout,
        r.stderr
    );
    assert!(
        ![2, 125, 126, 127].contains(&r.code()) || line.contains("check"),
        "{what}"
    );
    assert!(![2, 125, 127].contains(&r.code()), "{what}");
    for bad in [
        "error:",
        "Usage:",
        "unrecognized",
        "cannot read",
        "not found",
    ] {
        assert!(!r.stderr.contains(bad), "{what}");
    }
}

#[test]
fn every_command_in_readme_works_as_written() {
    let p = Place::new();
    let lines = readme_commands();
    assert!(lines.len() >= 15, "README's commands were found: {lines:?}");
    for line in &lines {
        let r = p.run(line);
        assert_works(line, &r);
    }
    // the two that run for real did what they say
    assert!(
        !p.s.path("build").join("b.o").exists(),
        "rm -rf ./build ran"
    );
    let log = std::fs::read_to_string(p.s.path("audit.jsonl")).expect("audit log");
    assert!(log.contains("\"action\":\"allowed\""), "{log}");
}

#[test]
fn every_example_in_help_works_as_written() {
    let p = Place::new();
    let mut seen = 0;
    for verb in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
        vec!["explain", "--help"],
        vec!["facts", "--help"],
        vec!["init", "--help"],
        vec!["policy", "lint", "--help"],
        vec!["policy", "test", "--help"],
        vec!["policy", "show", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "show", "--help"],
    ] {
        let help = Test::new().args(&verb).go();
        help.status(0);
        for line in help_commands(&help.stdout) {
            seen += 1;
            let r = p.run(&line);
            assert_works(&line, &r);
        }
    }
    assert!(seen >= 20, "the help examples were found ({seen})");
}

#[test]
fn the_policy_in_readme_lints_and_the_case_file_in_help_passes() {
    let p = Place::new();
    Test::new()
        .args(["policy", "lint"])
        .arg(p.s.path("site.yaml"))
        .go()
        .status(0)
        .stdout_has("ok (2 rules, 2 examples hold)");
    let help = Test::new().args(["policy", "test", "--help"]).go();
    let text = &help.stdout;
    let start = text.find("  cases:").expect("a case file in the help");
    let end = start + text[start..].find("\n\n").expect("ends with a blank line");
    let cases = p.s.write("help-cases.yaml", &text[start..end]);
    Test::new()
        .args(["policy", "test"])
        .arg(&cases)
        .go()
        .status(0)
        .stdout_has("2 passed, 0 failed");
}
