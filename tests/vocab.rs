//! Typos never switch rules off silently: through the built binary, a misspelt flag is an error
//! with "did you mean", a tool safeop does not parse is a note, and a misspelt fact in a policy
//! test case or a `--facts` snapshot is an error before anything is decided.

mod common;
use common::*;

/// A layer with one rule whose `match:` is `m` (on line 5, column 12 onwards).
fn layer(s: &Scratch, m: &str) -> String {
    s.write(
        "site.yaml",
        &format!("version: 1\nrules:\n  - id: site-rule\n    summary: s\n    match: {m}\n    verdict: confirm\n"),
    )
    .display()
    .to_string()
}

#[test]
fn a_misspelt_flag_is_an_error_with_did_you_mean() {
    let s = Scratch::new();
    let pol = layer(&s, "{ flags: recursiv, tool: rm }");
    Test::new()
        .args(["policy", "lint", &pol])
        .go()
        .status(125)
        .stdout_has(&format!("policy `{pol}` line 5 column 21:"))
        .stdout_has("unknown flag `recursiv` (did you mean `recursive`?)")
        .stdout_lacks(": ok (");
    // The same layer in use: safeop refuses to decide with it.
    Test::new()
        .env("SAFEOP_POLICY", &pol)
        .args(["check", "--", "rm", "-rf", "/srv/old"])
        .go()
        .status(125)
        .stderr_has("unknown flag `recursiv` (did you mean `recursive`?)");
}

#[test]
fn a_misspelt_tool_is_a_note_with_did_you_mean() {
    let s = Scratch::new();
    let pol = layer(&s, "{ tool: rmm }");
    Test::new()
        .args(["policy", "lint", &pol])
        .go()
        .status(0)
        .stdout_has(&format!("{pol}: ok (1 rules, 0 examples hold)"))
        .stdout_has(&format!(
            "{pol} line 5 column 20: note: tool `rmm` is not one safeop parses (did you mean `rm`?)"
        ));
}

#[test]
fn a_tool_safeop_does_not_parse_is_a_note_and_the_rule_still_matches() {
    let s = Scratch::new();
    let pol = layer(&s, "{ tool: crontab }");
    let r = Test::new().args(["policy", "lint", &pol]).go();
    r.status(0)
        .stdout_has(&format!("{pol}: ok (1 rules, 0 examples hold)"))
        .stdout_has(&format!(
            "{pol} line 5 column 20: note: tool `crontab` is not one safeop parses: the rule matches it by name only"
        ));
    assert!(!r.stdout.contains("did you mean"), "{}", r.stdout);
    Test::new()
        .env("SAFEOP_POLICY", &pol)
        .args(["check", "--", "crontab", "-r"])
        .go()
        .status(3)
        .stdout_has("site-rule");
}

#[test]
fn a_policy_test_case_naming_an_unknown_fact_is_an_error() {
    let s = Scratch::new();
    let cases = s.write(
        "cases.yaml",
        "cases:\n  - name: mounted disk\n    argv: [mkfs.ext4, /dev/sdb1]\n    facts: { target.device.mounted: true, target.devce.holds_root: false }\n    expect: { verdict: deny, rules: [device-mounted] }\n",
    );
    let r = Test::new()
        .args(["policy", "test", &cases.display().to_string()])
        .go();
    r.status(125)
        .stderr_has(&format!("test file `{}` line 4", cases.display()))
        .stderr_has(
            "unknown fact `target.devce.holds_root` (did you mean `target.device.holds_root`?)",
        );
    assert!(!r.stdout.contains("passed"), "no case ran:\n{}", r.stdout);
}

#[test]
fn a_snapshot_with_a_misspelt_fact_decides_nothing() {
    let s = Scratch::new();
    let snap = s.write(
        "facts.json",
        "{\"version\": 1,\n \"paths\": {\"/dev/sdb\": {\"device.whole_disk\": true, \"device.mountd\": true}}}",
    );
    let r = Test::new()
        .args([
            "check",
            "--facts",
            &snap.display().to_string(),
            "--",
            "wipefs",
            "-a",
            "/dev/sdb",
        ])
        .go();
    r.status(125)
        .stderr_has(&format!(
            "facts snapshot `{}` line 2 column",
            snap.display()
        ))
        .stderr_has("unknown path fact `device.mountd` (did you mean `device.mounted`?)");
    assert!(
        r.stdout.is_empty(),
        "nothing decided, nothing printed:\n{}",
        r.stdout
    );
    // A value of the wrong type is the same kind of mistake.
    let snap = s.write(
        "typed.json",
        r#"{"facts": {"target.device.mounted": "no"}}"#,
    );
    Test::new()
        .args([
            "check",
            "--facts",
            &snap.display().to_string(),
            "--",
            "wipefs",
            "-a",
            "/dev/sdb",
        ])
        .go()
        .status(125)
        .stderr_has("fact `target.device.mounted` is a bool, not a string");
}

#[test]
fn a_snapshot_safeop_wrote_reads_back() {
    let s = Scratch::new();
    let img = s.file("disk.img", 4096);
    let r = Test::new()
        .args(["facts", "--json", &img.display().to_string(), "/"])
        .go();
    r.status(0);
    let snap = s.write("host.json", &r.stdout);
    Test::new()
        .args([
            "check",
            "--facts",
            &snap.display().to_string(),
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", img.display()),
        ])
        .go()
        .status(0);
}
