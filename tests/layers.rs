//! Policy layers, as `run` and `check` see them: for every command line and every place a layer
//! can come from, `run` reaches exactly the decision `check` prints (verdict and rule ids); a
//! layer that cannot be read fails both; layers that are not root's in /etc/safeop only tighten;
//! and an audit log that cannot be written refuses what needs a person's yes.
//!
//! Every command given to `run` here acts on a scratch tree the test made. `/etc/safeop` is
//! shown to safeop through an overlay in a private mount namespace (`Test::with_etc`), so the
//! machine's `/etc` is never touched.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A layer whose rules match tools safeop parses (rm, dd, find: its `-delete`, chmod) and tools
/// it does not (ls).
const SITE: &str = r#"version: 1
rules:
  - id: site-no-find-delete
    summary: find -delete is not for this site
    match: { tool: find }
    verdict: deny
  - id: site-ls-warn
    summary: listing is watched here
    match: { tool: ls }
    verdict: warn
  - id: site-chmod-asks
    summary: permission changes need a yes
    match: { tool: chmod }
    verdict: confirm
  - id: site-keep-files
    summary: files named .keep stay
    match: { operation: delete }
    when:
      target.name: { glob: "*.keep" }
    verdict: confirm
  - id: site-images-read-only
    summary: images are never written here
    match: { operation: overwrite }
    when:
      target.name: { glob: "*.img" }
    verdict: deny
"#;

/// Where a layer is put.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    Nowhere,
    PolicyFlag,
    EnvVar,
    UserConfig,
    UserDropIn,
    /// `/etc/safeop/policy.d/` through the overlay (root only).
    System,
}

const PLACES: [Place; 6] = [
    Place::Nowhere,
    Place::PolicyFlag,
    Place::EnvVar,
    Place::UserConfig,
    Place::UserDropIn,
    Place::System,
];

/// A scratch tree for one command, and where its layer lives.
struct Case {
    s: Scratch,
}

impl Case {
    fn new() -> Case {
        let s = Scratch::new();
        s.write("tree/a", "a\n");
        s.write("tree/b", "b\n");
        s.write("x.keep", "keep\n");
        s.file("disk.img", 4096);
        s.file("plain.bin", 4096);
        std::fs::create_dir_all(s.path("etc-upper/safeop/policy.d")).expect("mkdir");
        std::fs::create_dir_all(s.path("etc-work")).expect("mkdir");
        Case { s }
    }

    /// The layer `text` put at `place`, and a safeop invocation that will read it.
    fn safeop(&self, place: Place, text: &str, verb: &[&str]) -> Test {
        let s = &self.s;
        let layer_file = match place {
            Place::Nowhere => None,
            Place::PolicyFlag | Place::EnvVar => Some(s.path("layer.yaml")),
            Place::UserConfig => Some(s.path("config/safeop/policy.yaml")),
            Place::UserDropIn => Some(s.path("config/safeop/policy.d/10-site.yaml")),
            Place::System => Some(s.path("etc-upper/safeop/policy.d/10-site.yaml")),
        };
        if let Some(f) = &layer_file {
            std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
            std::fs::write(f, text).expect("write layer");
        }
        let t = if place == Place::System {
            Test::with_etc(&s.path("etc-upper"), &s.path("etc-work"))
        } else {
            Test::new()
        };
        let mut t = t
            .env_remove("SAFEOP_POLICY")
            .env("XDG_CONFIG_HOME", s.path("config"))
            .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
            .no_tty();
        match place {
            Place::PolicyFlag => {
                t = t.args(["--policy"]).arg(s.path("layer.yaml"));
            }
            Place::EnvVar => t = t.env("SAFEOP_POLICY", s.path("layer.yaml")),
            _ => {}
        }
        t.args(verb)
    }

    fn argv(&self, line: &str) -> Vec<String> {
        let d = self.s.p("");
        shell_words::split(&line.replace("{d}", d.trim_end_matches('/'))).expect("split")
    }

    fn log(&self) -> PathBuf {
        self.s.path("audit.jsonl")
    }
}

const LINES: [&str; 10] = [
    "find {d}/tree -delete",
    "env find {d}/tree -delete",
    "ls {d}/tree",
    "chmod 600 {d}/tree/a",
    "touch {d}/new",
    "rm -f {d}/tree/a",
    "rm -f {d}/x.keep",
    "nice rm -rf {d}/tree",
    "dd if=/dev/zero of={d}/disk.img count=1 conv=notrunc status=none",
    "dd if=/dev/zero of={d}/plain.bin count=1 conv=notrunc status=none",
];

/// `check --format json`: verdict, rule ids of the findings, and how many rules matched.
fn checked(j: &Value) -> (String, BTreeSet<String>, u64) {
    let rules = j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect();
    (
        j["verdict"].as_str().expect("verdict").to_string(),
        rules,
        j["rules_matched"].as_u64().expect("rules_matched"),
    )
}

/// The decision records of an audit log: (action, verdict, rule ids).
fn decisions(log: &Path) -> Vec<(String, String, BTreeSet<String>)> {
    let Ok(text) = std::fs::read_to_string(log) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("log line")["r"].clone())
        .filter(|r| r["event"] == "decision")
        .map(|r| {
            let rules = r["findings"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| f["rule"].as_str().unwrap_or("?").to_string())
                        .collect()
                })
                .unwrap_or_default();
            (
                r["action"].as_str().unwrap_or("?").to_string(),
                r["verdict"].as_str().unwrap_or("?").to_string(),
                rules,
            )
        })
        .collect()
}

fn places() -> Vec<Place> {
    if nix::unistd::geteuid().is_root() {
        PLACES.to_vec()
    } else {
        eprintln!("SKIPPED the /etc/safeop place: needs root (a private mount namespace); CI runs it as root");
        PLACES.into_iter().filter(|p| *p != Place::System).collect()
    }
}

#[test]
fn run_reaches_the_decision_check_prints_for_every_command_and_layer_place() {
    let mut seen = BTreeSet::new();
    for place in places() {
        for line in LINES {
            // check, on a tree of its own
            let c = Case::new();
            let argv = c.argv(line);
            let mut verb = vec!["check", "--format", "json", "--"];
            verb.extend(argv.iter().map(String::as_str));
            let r = c.safeop(place, SITE, &verb).go();
            let (verdict, rules, matched) = checked(&r.json());
            seen.insert((place != Place::Nowhere, line, verdict.clone()));
            // run, on a fresh identical tree
            let c = Case::new();
            let argv = c.argv(line);
            let before = blake3_of(&c.s.path("disk.img"));
            let mut verb = vec!["run", "--"];
            verb.extend(argv.iter().map(String::as_str));
            let r = c.safeop(place, SITE, &verb).go();
            let records = decisions(&c.log());
            let what = format!(
                "{place:?}: {line}\nstdout:\n{}\nstderr:\n{}",
                r.stdout, r.stderr
            );
            if matched == 0 {
                assert_eq!(verdict, "allow", "{what}");
                assert!(
                    records.is_empty(),
                    "no rule matched, nothing logged: {what}"
                );
                assert_eq!(r.code(), 0, "{what}");
                continue;
            }
            assert_eq!(records.len(), 1, "one decision record: {what}");
            let (action, run_verdict, run_rules) = &records[0];
            assert_eq!(run_verdict, &verdict, "{what}");
            assert_eq!(run_rules, &rules, "{what}");
            match verdict.as_str() {
                "allow" | "warn" => {
                    assert_eq!(r.code(), 0, "{what}");
                    let want = if verdict == "warn" {
                        "warned"
                    } else {
                        "allowed"
                    };
                    assert_eq!(action, want, "{what}");
                }
                _ => {
                    assert_eq!(r.code(), 126, "{what}");
                    assert_eq!(action, "refused", "{what}");
                    assert!(r.stderr.contains("was not run"), "{what}");
                    assert!(
                        c.s.path("tree/a").exists(),
                        "refused: nothing deleted: {what}"
                    );
                    assert_eq!(blake3_of(&c.s.path("disk.img")), before, "{what}");
                }
            }
        }
    }
    // The table is not vacuous: the layer decides what the default alone does not.
    for (layered, line, want) in [
        (false, LINES[0], "allow"),
        (true, LINES[0], "deny"),
        (true, LINES[1], "deny"),
        (true, LINES[2], "warn"),
        (true, LINES[3], "confirm"),
        (true, LINES[4], "allow"),
        (true, LINES[6], "confirm"),
        (true, LINES[8], "deny"),
    ] {
        assert!(
            seen.contains(&(layered, line, want.to_string())),
            "{line} with layer={layered} should be {want}: {seen:?}"
        );
    }
}

#[test]
fn a_layer_that_cannot_be_read_fails_every_run_and_check() {
    for place in places().into_iter().filter(|p| *p != Place::Nowhere) {
        for line in ["find {d}/tree -delete", "ls {d}/tree", "rm -f {d}/tree/a"] {
            let c = Case::new();
            let argv = c.argv(line);
            for verb in [vec!["check", "--"], vec!["run", "--"]] {
                let mut v = verb.clone();
                v.extend(argv.iter().map(String::as_str));
                let r = c
                    .safeop(
                        place,
                        "version: 1\nrules:\n  - id: x\n    summary: [unclosed\n",
                        &v,
                    )
                    .go();
                let what = format!("{place:?} {verb:?} {line}: {}", r.stderr);
                assert_eq!(r.code(), 125, "{what}");
                let file = match place {
                    Place::PolicyFlag | Place::EnvVar => "layer.yaml`",
                    Place::UserConfig => "policy.yaml`",
                    _ => "10-site.yaml`",
                };
                assert!(
                    r.stderr.contains(file) && r.stderr.contains(" line 5 column 1"),
                    "names the file and line: {what}"
                );
                assert!(c.s.path("tree/a").exists(), "nothing ran: {what}");
            }
        }
    }
}

const OFF: &str =
    "version: 1\ndisable:\n  - { rule: rm-no-preserve-root, reason: \"lab machine\" }\n";

#[test]
fn only_a_root_owned_system_layer_switches_a_final_rule_off() {
    need_root!(); // the /etc/safeop overlay, chown
    let line = "rm -r --no-preserve-root {d}/tree";
    // root's file in /etc/safeop: the final rule is off, and policy show says by whom
    let c = Case::new();
    let argv = c.argv(line);
    let mut v = vec!["check", "--"];
    v.extend(argv.iter().map(String::as_str));
    let r = c.safeop(Place::System, OFF, &v).go();
    r.status(0)
        .stdout_has("allow: rm -r --no-preserve-root")
        .stdout_has("off     [rm-no-preserve-root] switched off by /etc/safeop/policy.d/10-site.yaml: lab machine");
    let r = c.safeop(Place::System, OFF, &["policy", "show"]).go();
    r.status(0)
        .stdout_has("/etc/safeop/policy.d/10-site.yaml  (system layer")
        .stdout_has("switched off:")
        .stdout_has("by /etc/safeop/policy.d/10-site.yaml: lab machine");
    // the same file owned by another user in /etc/safeop, and every user place: refused
    let owned_by_nobody = |c: &Case| {
        let f = c.s.path("etc-upper/safeop/policy.d/10-site.yaml");
        std::fs::write(&f, OFF).expect("write");
        sh(&format!("chown 65534:65534 '{}'", f.display()));
    };
    for place in [
        Place::System,
        Place::PolicyFlag,
        Place::EnvVar,
        Place::UserConfig,
        Place::UserDropIn,
    ] {
        let c = Case::new();
        let argv = c.argv(line);
        let mut v = vec!["check", "--"];
        v.extend(argv.iter().map(String::as_str));
        let t = if place == Place::System {
            owned_by_nobody(&c);
            Test::with_etc(&c.s.path("etc-upper"), &c.s.path("etc-work"))
                .env_remove("SAFEOP_POLICY")
                .env("XDG_CONFIG_HOME", c.s.path("config"))
                .args(&v)
        } else {
            c.safeop(place, OFF, &v)
        };
        let r = t.go();
        let what = format!("{place:?}: {}", r.stderr);
        assert_eq!(r.code(), 125, "{what}");
        assert!(
            r.stderr
                .contains("`rm-no-preserve-root`, which is final: only a root-owned layer in /etc/safeop/ may do that"),
            "{what}"
        );
        // and `run` refuses to run anything under it
        let mut v = vec!["run", "--"];
        v.extend(argv.iter().map(String::as_str));
        let r = if place == Place::System {
            Test::with_etc(&c.s.path("etc-upper"), &c.s.path("etc-work"))
                .env_remove("SAFEOP_POLICY")
                .env("XDG_CONFIG_HOME", c.s.path("config"))
                .args(&v)
                .go()
        } else {
            c.safeop(place, OFF, &v).go()
        };
        assert_eq!(r.code(), 125, "{place:?}: {}", r.stderr);
        assert!(c.s.path("tree/a").exists(), "{place:?}: nothing deleted");
    }
    // policy lint says so for a file that is not a root-owned system layer
    let c = Case::new();
    let f = c.s.write("off.yaml", OFF);
    let r = Test::new().args(["policy", "lint"]).arg(&f).go();
    assert_eq!(r.code(), 125, "{}", r.stdout);
    assert!(r.stdout.contains("which is final"), "{}", r.stdout);
}

#[test]
fn a_user_layer_may_tighten_but_never_loosen() {
    let c = Case::new();
    for (text, why) in [
        ("version: 1\ndefaults: false\n", "`defaults: false` would switch off every rule below"),
        ("version: 1\nsettings: { on_fact_error: allow }\n", "`on_fact_error: allow` is milder than the `confirm` in effect"),
        ("version: 1\nsettings: { no_tty: allow }\n", "`no_tty: allow` would run commands nobody confirmed"),
        ("version: 1\nsettings: { audit_failure: run }\n", "`audit_failure: run` would run confirmed commands with no record"),
        ("version: 1\nrules:\n  - id: rm-recursive-root\n    summary: mine\n    verdict: allow\n", "would replace a final rule of the same id"),
    ] {
        let r = c.safeop(Place::EnvVar, text, &["check", "--", "rm", "-rf", "/"]).go();
        assert_eq!(r.code(), 125, "{text}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{text}: {}", r.stderr);
    }
    // tightening is fine: a stricter setting, a rule switched off that is not final
    let r = c
        .safeop(
            Place::EnvVar,
            "version: 1\nsettings: { on_fact_error: deny }\ndisable:\n  - { rule: whole-disk-write, reason: imaging station }\n",
            &["policy", "show"],
        )
        .go();
    r.status(0)
        .stdout_has("on_fact_error: deny")
        .stdout_has("whole-disk-write")
        .stdout_has("imaging station");
}

#[test]
fn an_unwritable_audit_log_refuses_what_needs_a_yes_and_warns_for_the_rest() {
    need_root!(); // a real full filesystem under the log
    let c = Case::new();
    let full = c.s.path("full");
    std::fs::create_dir_all(&full).expect("mkdir");
    let _m = MountGuard::tmpfs(&full, "size=64k");
    // fill it: dd stops at ENOSPC
    let _ = std::process::Command::new("dd")
        .args(["if=/dev/zero", "bs=4k", "status=none"])
        .arg(format!("of={}", full.join("filler").display()))
        .stderr(std::process::Stdio::null())
        .status();
    let log = full.join("audit.jsonl");
    let layer = "version: 1\nrules:\n  - id: scratch-asks\n    summary: asks\n    match: { tool: dd }\n    when:\n      target.name: { glob: \"*.bin\" }\n    verdict: confirm\n  - id: scratch-warns\n    summary: warns\n    match: { tool: rm }\n    verdict: warn\n";
    let before = blake3_of(&c.s.path("plain.bin"));
    let argv = c.argv("dd if=/dev/zero of={d}/plain.bin count=1 conv=notrunc status=none");
    let mut v = vec!["run", "--"];
    v.extend(argv.iter().map(String::as_str));
    let r = c
        .safeop(Place::EnvVar, layer, &v)
        .env("SAFEOP_AUDIT_LOG", &log)
        .go();
    r.status(126)
        .stderr_has(&format!("audit log `{}`", log.display()))
        .stderr_has("does not run without its audit record")
        .stderr_lacks("no terminal");
    assert_eq!(blake3_of(&c.s.path("plain.bin")), before, "not written");
    // a warned command runs, with the warning
    let argv = c.argv("rm -f {d}/tree/a");
    let mut v = vec!["run", "--"];
    v.extend(argv.iter().map(String::as_str));
    let r = c
        .safeop(Place::EnvVar, layer, &v)
        .env("SAFEOP_AUDIT_LOG", &log)
        .go();
    r.status(0).stderr_has("the decision was not logged");
    assert!(!c.s.path("tree/a").exists(), "rm ran");
}
