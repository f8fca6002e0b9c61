//! safeop's own output on a device that takes no more (`/dev/full`): never a panic. A verb whose
//! product is its output exits 125; `run` still records its decision first, and its status keeps
//! saying what happened to the command (126 refused, or the command's own).

mod common;
use common::*;
use std::fs::{File, OpenOptions};

fn full() -> File {
    OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
}

#[test]
fn check_onto_a_full_device_fails_with_125_and_says_so() {
    for format in ["text", "json"] {
        Test::new()
            .args(["check", "--format", format, "--", "rm", "-rf", "/srv"])
            .stdout(full())
            .go()
            .status(125)
            .stderr_has("safeop: cannot write to stdout: No space left on device")
            .stderr_lacks("panicked");
    }
    // With stderr full as well there is nothing to say: just 125 (a panic would be 101 or 134).
    Test::new()
        .args(["check", "--", "rm", "-rf", "/srv"])
        .stdout(full())
        .stderr(full())
        .go()
        .status(125);
}

#[test]
fn every_verb_that_prints_fails_with_125_on_a_full_device() {
    let s = Scratch::new();
    let layer = fixture("challenge-policy.yaml");
    let layer = layer.to_str().expect("utf-8 path");
    for args in [
        vec!["--help"],
        vec!["--version"],
        vec!["run", "--help"],
        vec!["explain", "--list"],
        vec!["explain", "rm-recursive-system-dir"],
        vec!["policy", "show"],
        vec!["policy", "lint", layer],
        vec!["init", "bash"],
        vec!["init", "fish"],
        vec!["facts", "/"],
        vec!["facts", "--json", "/"],
    ] {
        let r = Test::new()
            .args(&args)
            .cwd(s.dir.path())
            .stdout(full())
            .go();
        r.status(125).stderr_lacks("panicked");
        assert!(
            r.stderr.contains("cannot write to stdout"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_denied_run_onto_full_devices_is_recorded_refused_and_nothing_runs() {
    let s = Scratch::new();
    let img = s.file("f.deny", 4096);
    let before = blake3_of(&img);
    let log = s.path("audit.jsonl");
    Test::new()
        .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", &log)
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", img.display()),
        ])
        .args(["count=1", "conv=notrunc"])
        .stdout(full())
        .stderr(full())
        .go()
        // Refused, and so not 125: the refusal is the decision and it is in the log; only
        // telling it failed (as at a terminal that hung up).
        .status(126);
    assert_eq!(blake3_of(&img), before, "dd did not run");
    let text = std::fs::read_to_string(&log).expect("the refusal was logged");
    assert!(
        text.contains("\"action\":\"refused\"")
            && text.contains("\"verdict\":\"deny\"")
            && text.contains("scratch-deny"),
        "{text}"
    );
}

#[test]
fn a_warned_run_still_runs_when_its_warning_cannot_be_written() {
    // DESIGN decision 6: a warned command runs with its warning; a full disk behind stderr is
    // no reason to refuse it (truncating a held log on a full /var must stay possible).
    let s = Scratch::new();
    let img = s.file("g.warn", 4096);
    let log = s.path("audit.jsonl");
    let out = s.path("stdout");
    Test::new()
        .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", &log)
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", img.display()),
        ])
        .args(["count=1", "conv=notrunc", "status=none"])
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(full())
        .go()
        .status(0);
    assert_eq!(
        std::fs::read(&img).expect("read")[..512],
        [0u8; 512],
        "dd ran"
    );
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("\"action\":\"warned\""), "{text}");
}

/// The source below `src/` (test modules aside) writes through `report::out` only: a print
/// macro panics when the write fails.
#[test]
fn no_print_macros_outside_tests() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, found);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                let l = line.trim_start();
                if l.starts_with("//") {
                    continue;
                }
                for m in ["println!", "print!", "eprintln!", "eprint!", "dbg!"] {
                    let hit = line.match_indices(m).any(|(i, _)| {
                        !line[..i]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    });
                    if hit {
                        found.push(format!("{}:{}: {}", p.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "write through report::out:\n{}",
        found.join("\n")
    );
}
