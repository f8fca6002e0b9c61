//! The core contract through the built binary: verdicts, JSON, exit statuses, policy errors,
//! the audit log, and that a refused command leaves its target byte-for-byte unchanged.

mod common;
use common::*;
use std::ffi::OsStr;
use std::path::Path;

fn challenge_policy() -> std::path::PathBuf {
    fixture("challenge-policy.yaml")
}

#[test]
fn rm_rf_root_is_denied_by_check() {
    Test::new()
        .args(["check", "--", "rm", "-rf", "/"])
        .go()
        .status(4)
        .stdout_has("deny")
        .stdout_has("rm-recursive-root");
}

#[test]
fn every_wrapper_spelling_of_rm_rf_root_is_denied() {
    for argv in [
        vec![
            "sudo", "-u", "root", "env", "X=1", "nice", "-n", "5", "/bin/rm", "-rf", "/",
        ],
        vec!["timeout", "5", "rm", "-r", "-f", "/"],
        vec!["sh", "-c", "rm -rf /"],
        vec!["bash", "-lc", "nice rm -fr /usr"],
        vec!["rm", "-rf", "--no-preserve-root", "/"],
        vec!["chroot", "/", "rm", "-rf", "/etc"],
        vec!["env", "-C", "/usr", "rm", "-rf", ".."],
    ] {
        let mut a = vec!["check", "--"];
        a.extend(argv.iter());
        Test::new().args(&a).go().status(4).stdout_has("deny: ");
    }
}

#[test]
fn star_expansion_of_root_is_denied() {
    // What the shell hands rm for `rm -rf /*`.
    let mut a: Vec<String> = vec!["check".into(), "--".into(), "rm".into(), "-rf".into()];
    for e in std::fs::read_dir("/").expect("read /").flatten() {
        a.push(e.path().display().to_string());
    }
    Test::new()
        .args(&a)
        .go()
        .status(4)
        .stdout_has("rm-recursive-system-dir");
}

#[test]
fn check_json_has_the_documented_shape() {
    let r = Test::new()
        .args(["check", "--format", "json", "--", "rm", "-rf", "/usr"])
        .go();
    r.status(4);
    let j = r.json();
    assert_eq!(j["verdict"], "deny");
    assert_eq!(j["argv"], serde_json::json!(["rm", "-rf", "/usr"]));
    assert_eq!(j["operation"]["kind"], "delete");
    assert_eq!(j["operation"]["targets"], serde_json::json!(["/usr"]));
    let f = &j["findings"][0];
    assert_eq!(f["rule"], "rm-recursive-system-dir");
    assert_eq!(f["verdict"], "deny");
    assert!(f["message"].as_str().unwrap_or("").contains("/usr"));
    assert_eq!(j["facts"]["paths"]["/usr"]["path"], "/usr");
}

#[test]
fn harmless_commands_are_allowed_and_unknown_tools_pass() {
    let s = Scratch::new();
    let victim = s.file("keep.txt", 10);
    Test::new()
        .args(["check", "--", "rm", "-f", &victim.display().to_string()])
        .go()
        .status(0)
        .stdout_has("allow: ");
    Test::new()
        .args(["check", "--", "ls", "-la", "/"])
        .go()
        .status(0)
        .stdout_has("no rule applies");
}

#[test]
fn run_passes_the_exit_status_through() {
    Test::new()
        .args(["run", "--", "sh", "-c", "exit 7"])
        .go()
        .status(7);
    Test::new().args(["run", "--", "true"]).go().status(0);
    // A guarded tool that is allowed runs for real and keeps its status.
    let s = Scratch::new();
    let f = s.file("gone.txt", 10);
    Test::new()
        .args(["run", "--", "rm", &f.display().to_string()])
        .go()
        .status(0);
    assert!(!f.exists(), "the allowed rm ran");
    Test::new()
        .args(["run", "--", "rm", &f.display().to_string()])
        .go()
        .status(1);
}

#[test]
fn bare_form_is_run() {
    let s = Scratch::new();
    let f = s.file("bare.txt", 10);
    Test::new()
        .args(["rm", &f.display().to_string()])
        .go()
        .status(0);
    assert!(!f.exists());
}

#[test]
fn command_not_found_is_127() {
    Test::new()
        .args(["run", "--", "no-such-tool-xyz"])
        .go()
        .status(127)
        .stderr_has("command not found");
    Test::new()
        .args(["run", "--", "dd", "--version"])
        .env("PATH", "/nonexistent")
        .go()
        .status(127);
}

#[test]
fn a_command_killed_by_a_signal_kills_safeop_the_same_way() {
    use std::os::unix::process::ExitStatusExt;
    let s = Scratch::new();
    let script = s.write("die.sh", "kill -TERM $$\n");
    let r = Test::new()
        .args(["run", "--", "sh", &script.display().to_string()])
        .go();
    assert_eq!(r.out.status.signal(), Some(15), "{:?}", r.out.status);
}

#[test]
fn refused_run_leaves_target_unchanged_and_exits_126() {
    let s = Scratch::new();
    let img = s.file("web1.deny", 1 << 20);
    let before = blake3_of(&img);
    let log = s.path("audit.jsonl");
    let t = Test::new()
        .env("SAFEOP_POLICY", challenge_policy())
        .env("SAFEOP_AUDIT_LOG", &log);
    let (r, _s) = t
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", img.display()),
            "bs=4096",
            "count=16",
            "conv=notrunc",
        ])
        .run();
    r.status(126);
    r.stderr_has("scratch-deny")
        .stderr_has("refused")
        .stderr_has("way out: use another file");
    assert_eq!(blake3_of(&img), before);
    let text = std::fs::read_to_string(&log).expect("audit log written");
    assert!(text.contains("\"action\":\"refused\""), "{text}");
}

#[test]
fn confirmation_without_a_terminal_is_refused() {
    let s = Scratch::new();
    let t = Test::new()
        .env("SAFEOP_POLICY", challenge_policy())
        .no_tty();
    let img = s.file("disk.yesno", 1 << 16);
    let before = blake3_of(&img);
    let r = t
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", img.display()),
            "count=1",
            "conv=notrunc",
        ])
        .go();
    r.status(126).stderr_has("no terminal");
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn warn_runs_and_says_so() {
    let s = Scratch::new();
    let t = Test::new().env("SAFEOP_POLICY", challenge_policy());
    let img = s.file("x.warn", 4096);
    let r = t
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", img.display()),
            "count=1",
            "conv=notrunc",
            "status=none",
        ])
        .go();
    r.status(0).stderr_has("scratch-warn");
    assert_eq!(std::fs::read(&img).expect("read")[..512], [0u8; 512]);
}

#[test]
fn check_exit_statuses() {
    let s = Scratch::new();
    let t = Test::new().env("SAFEOP_POLICY", challenge_policy());
    let p = s.p("a.yesno");
    t.args(["check", "--", "dd", &format!("of={p}")])
        .go()
        .status(3)
        .stdout_has("confirm");
    Test::new().args(["check", "--nonsense"]).go().status(2);
    Test::new().args(["check"]).go().status(2);
}

#[test]
fn unknown_flag_to_run_is_125() {
    Test::new()
        .args(["run", "--frobnicate", "--", "true"])
        .go()
        .status(125);
}

#[test]
fn override_cannot_lift_a_final_deny() {
    let s = Scratch::new();
    let t = Test::new().env("SAFEOP_POLICY", challenge_policy());
    let img = s.file("a.final", 4096);
    let before = blake3_of(&img);
    t.args([
        "run",
        "--override",
        "testing a final rule",
        "--",
        "dd",
        "if=/dev/zero",
        &format!("of={}", img.display()),
    ])
    .go()
    .status(126)
    .stderr_has("final");
    assert_eq!(blake3_of(&img), before);
}

// ---- malformed policies: 125, file:line:column, the command did not run ----------------------

fn bad_policy(text: &str, want: &[&str]) {
    let s = Scratch::new();
    let t = Test::new();
    let pol = s.write("bad.yaml", text);
    let victim = s.file("victim.txt", 100);
    let r = t
        .env("SAFEOP_POLICY", &pol)
        .args(["run", "--", "rm", &victim.display().to_string()])
        .go();
    r.status(125);
    for w in want {
        r.stderr_has(w);
    }
    r.stderr_has(&format!("policy `{}` line", pol.display()));
    assert!(
        victim.exists(),
        "the guarded command must not run when the policy is broken"
    );
}

#[test]
fn malformed_yaml_is_125_with_position() {
    bad_policy(
        "version: 1\nrules:\n  - id: x\n    when: [a, b\n    verdict: deny\n",
        &["line 5 column", "did not find expected ',' or ']'"],
    );
}

#[test]
fn unknown_key_is_125_with_position() {
    bad_policy(
        "version: 1\nrules:\n  - id: x\n    summary: s\n    verdict: deny\n    acton: refuse\n",
        &["line 6 column 5", "unknown field `acton`"],
    );
}

#[test]
fn unknown_fact_is_125_with_suggestion() {
    bad_policy("version: 1\nrules:\n  - id: x\n    summary: s\n    when:\n      target.pth: /\n    verdict: deny\n", &["line 6", "unknown fact `target.pth`", "did you mean `target.path`"]);
}

#[test]
fn failing_example_is_125_with_position() {
    bad_policy("version: 1\nrules:\n  - id: x\n    summary: s\n    match: { operation: delete }\n    verdict: warn\n    examples:\n      - argv: [rm, a]\n        verdict: deny\n", &["line 8 column 9", "example 1 of rule `x` expects `deny` but the rule gives `warn`"]);
}

#[test]
fn policy_lint_reports_each_file() {
    let s = Scratch::new();
    let t = Test::new();
    let good = s.write("good.yaml", "version: 1\nrules:\n  - id: y\n    summary: s\n    match: { tool: rm }\n    verdict: warn\n    examples:\n      - argv: [rm, x]\n        verdict: warn\n");
    let bad = s.write(
        "bad.yaml",
        "version: 1\nrules:\n  - id: y\n    summary: s\n    verdict: maybe\n",
    );
    let r = t
        .args([
            "policy",
            "lint",
            &good.display().to_string(),
            &bad.display().to_string(),
        ])
        .go();
    r.status(125)
        .stdout_has("good.yaml: ok (1 rules, 1 examples hold)")
        .stdout_has("line 5 column 14")
        .stdout_has("unknown verdict `maybe`");
}

#[test]
fn policy_test_runs_cases() {
    let s = Scratch::new();
    let t = Test::new();
    let cases = s.write(
        "cases.yaml",
        "cases:\n  - name: root\n    argv: [rm, -rf, /]\n    expect: { verdict: deny, rules: [rm-recursive-root] }\n  - name: mounted disk\n    argv: [mkfs.ext4, /dev/sdb1]\n    facts: { target.device.mounted: true, target.device.holds_root: false, target.device.mountpoints: [/srv], target.device.whole_disk: false }\n    expect: { verdict: deny, rules: [device-mounted] }\n  - name: wrong on purpose\n    argv: [rm, -rf, /srv/data/old]\n    expect: { verdict: deny }\n",
    );
    let r = t
        .args(["policy", "test", &cases.display().to_string()])
        .go();
    r.status(1)
        .stdout_has("ok      ")
        .stdout_has("FAILED  ")
        .stdout_has("2 passed, 1 failed");
}

#[test]
fn explain_rules_and_facts() {
    Test::new()
        .args(["explain", "rm-recursive-system-dir"])
        .go()
        .status(0)
        .stdout_has("why:")
        .stdout_has("example: rm -rf /usr → deny");
    Test::new()
        .args(["explain", "target.device.mounted"])
        .go()
        .status(0)
        .stdout_has("mountinfo");
    Test::new()
        .args(["explain", "target.devce.mounted"])
        .go()
        .status(2)
        .stderr_has("did you mean `target.device.mounted`");
    Test::new()
        .args(["explain", "--list"])
        .go()
        .status(0)
        .stdout_has("Facts:")
        .stdout_has("hostname");
}

#[test]
fn every_guarded_decision_is_logged_and_the_chain_verifies() {
    let s = Scratch::new();
    let log = s.path("audit.jsonl");
    let dir = s.dir.path().to_path_buf();
    let env_log = log.display().to_string();
    // A guarded tool's invocation that no rule can match runs without a record.
    Test::new()
        .env("SAFEOP_POLICY", challenge_policy())
        .env("SAFEOP_AUDIT_LOG", &env_log)
        .args(["run", "--", "systemctl", "--version"])
        .go();
    assert!(!log.exists(), "no record for a command no rule matched");
    // rm of one scratch file: the in-use rules look at it, allow it, and the decision is logged.
    let f = s.file("a.txt", 10);
    Test::new()
        .env("SAFEOP_POLICY", challenge_policy())
        .env("SAFEOP_AUDIT_LOG", &env_log)
        .args(["run", "--", "rm", &f.display().to_string()])
        .go()
        .status(0);
    assert!(!f.exists());
    let w = s.file("b.warn", 4096);
    Test::new()
        .env("SAFEOP_POLICY", challenge_policy())
        .env("SAFEOP_AUDIT_LOG", &env_log)
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", w.display()),
            "count=1",
            "conv=notrunc",
            "status=none",
        ])
        .go()
        .status(0);
    let mk = |args: &[&str]| {
        Test::new()
            .env("SAFEOP_POLICY", challenge_policy())
            .env("SAFEOP_AUDIT_LOG", &env_log)
            .args(args)
            .go()
    };
    mk(&[
        "run",
        "--",
        "dd",
        &format!("of={}", dir.join("b.deny").display()),
    ])
    .status(126);
    mk(&["run", "--", "ls"]).status(0); // no rule can match: no record
    let r = mk(&["audit", "verify", &env_log]);
    r.status(0).stdout_has("3 records, chain intact");
    let text = std::fs::read_to_string(&log).expect("log");
    let edited = text.replacen("\"refused\"", "\"allowed\"", 1);
    std::fs::write(&log, edited).expect("tamper");
    mk(&["audit", "verify", &env_log])
        .status(1)
        .stdout_has("chain broken at line 3");
}

#[test]
fn shipped_examples_lint_and_their_cases_pass() {
    let layer = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policy.d/10-site.yaml");
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cases.yaml");
    Test::new()
        .args([OsStr::new("policy"), OsStr::new("lint"), layer.as_os_str()])
        .go()
        .status(0)
        .stdout_has("ok (2 rules, 4 examples hold)");
    Test::new()
        .args([OsStr::new("policy"), OsStr::new("test"), cases.as_os_str()])
        .go()
        .status(0)
        .stdout_has("5 passed, 0 failed");
}

#[test]
fn exceptions_lift_a_rule_for_a_path_until_they_expire() {
    let s = Scratch::new();
    let rule = "version: 1\nrules:\n  - id: disk-write\n    summary: s\n    match: { operation: overwrite }\n    when:\n      target.path: { glob: \"*/station/*\" }\n    verdict: confirm\n";
    let out = s.path("station/out.bin");
    let out = out.display();
    let check = |exception: &str| {
        let layer = s.write(
            "layer.yaml",
            &format!("{rule}exceptions:\n  - {exception}\n"),
        );
        Test::new()
            .env("SAFEOP_POLICY", &layer)
            .args(["check", "--", "dd", "if=x.iso", &format!("of={out}")])
            .go()
    };
    let dir = s.path("station");
    let dir = dir.display();
    check(&format!(
        "{{ rule: disk-write, path: \"{dir}/*\", reason: imaging station, expires: 2999-12-31 }}"
    ))
    .status(0)
    .stdout_has(&format!("excepted [disk-write] {out}: imaging station"));
    check(&format!(
        "{{ rule: disk-write, path: \"{dir}/*\", reason: imaging station, expires: 2020-01-01 }}"
    ))
    .status(3)
    .stdout_has("[disk-write]")
    .stdout_has("ran out on 2020-01-01: it no longer applies");
    check("{ rule: disk-write, path: /elsewhere/*, reason: another disk, expires: 2999-12-31 }")
        .status(3);
    let final_rule = s.write("final.yaml", "version: 1\nexceptions:\n  - { rule: rm-recursive-system-dir, path: /srv, reason: x, expires: 2999-12-31 }\n");
    Test::new()
        .env("SAFEOP_POLICY", &final_rule)
        .args(["check", "--", "rm", "-rf", "/srv"])
        .go()
        .status(125)
        .stderr_has("line 3 column")
        .stderr_has("final");
}

#[test]
fn check_with_a_facts_snapshot_judges_another_host() {
    let s = Scratch::new();
    let snap = s.write("facts.json", r#"{"version":1,"paths":{"/dev/sdb":{"device.whole_disk":true,"device.mounted":true,"device.mountpoints":["/data"],"device.holds_root":false}}}"#);
    Test::new()
        .args([
            OsStr::new("check"),
            OsStr::new("--facts"),
            snap.as_os_str(),
            OsStr::new("--"),
            OsStr::new("wipefs"),
            OsStr::new("-a"),
            OsStr::new("/dev/sdb"),
        ])
        .go()
        .status(4)
        .stdout_has("mounted on /data");
}

#[test]
fn facts_snapshot_round_trips_into_check() {
    let s = Scratch::new();
    let img = s.file("disk.img", 4096);
    let r = Test::new()
        .args(["facts", "--json", &img.display().to_string()])
        .go();
    r.status(0);
    let snap = r.json();
    let key = img.display().to_string();
    assert_eq!(snap["paths"][&key]["kind"], "file");
    assert_eq!(snap["paths"][&key]["exists"], true);
    assert!(snap["facts"]["hostname"].is_string());
    Test::new()
        .args(["facts", &key])
        .go()
        .status(0)
        .stdout_has("host:")
        .stdout_has("kind")
        .stdout_has("file");
}

#[test]
fn init_prints_aliases_for_the_guarded_tools() {
    Test::new()
        .args(["init", "bash"])
        .go()
        .status(0)
        .stdout_has("alias dd='safeop dd'")
        .stdout_has("alias mkfs.ext4='safeop mkfs.ext4'");
    Test::new()
        .args(["init", "fish"])
        .go()
        .status(0)
        .stdout_has("function rm --wraps rm; command safeop rm $argv; end");
    // `safeop init 6` is the init command (runlevel 6), not the verb.
    Test::new()
        .args(["check", "--", "init", "6"])
        .go()
        .stdout_has("init 6");
}

#[test]
fn sudo_mode_ignores_user_overrides() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIPPED sudo_mode_ignores_user_overrides: sudo mode needs euid 0");
        return;
    }
    let s = Scratch::new();
    let bad = s.write("bad.yaml", "version: 1\nrules: [oops\n");
    // Under sudo a user's SAFEOP_POLICY must not change (or break) the policy.
    let r = Test::new()
        .env("SUDO_UID", "1000")
        .env("SUDO_USER", "alice")
        .env("SAFEOP_POLICY", &bad)
        .args(["check", "--", "rm", "-rf", "/usr"])
        .go();
    r.status(4)
        .stderr_has("sudo mode")
        .stdout_has("rm-recursive-system-dir");
}

#[test]
fn user_policy_and_drop_ins_are_layered_in_name_order() {
    if Path::new("/etc/safeop").exists() {
        eprintln!("SKIPPED user_policy_and_drop_ins: /etc/safeop exists on this machine and takes precedence");
        return;
    }
    let s = Scratch::new();
    s.write("config/safeop/policy.yaml", "version: 1\nrules:\n  - id: site-tmp\n    summary: from policy.yaml\n    match: { tool: rm }\n    verdict: warn\n");
    s.write("config/safeop/policy.d/10-a.yaml", "version: 1\nrules:\n  - id: site-tmp\n    summary: replaced by 10-a\n    match: { tool: rm }\n    verdict: confirm\n");
    s.write(
        "config/safeop/policy.d/20-b.yaml",
        "version: 1\ndisable:\n  - { rule: whole-disk-write, reason: testing layers }\n",
    );
    let t = || {
        Test::new()
            .env_remove("SAFEOP_POLICY")
            .env("XDG_CONFIG_HOME", s.path("config"))
    };
    t().args(["check", "--", "rm", "x"])
        .go()
        .status(3)
        .stdout_has("[site-tmp]");
    t().args(["explain", "whole-disk-write"])
        .go()
        .status(0)
        .stdout_has("switched off by")
        .stdout_has("testing layers");
    t().args(["explain", "site-tmp"])
        .go()
        .stdout_has("replaced by 10-a")
        .stdout_has("10-a.yaml:");
    // A user layer may not switch a final rule off: every run fails until it is fixed.
    s.write(
        "config/safeop/policy.d/30-c.yaml",
        "version: 1\ndisable:\n  - { rule: rm-no-preserve-root, reason: testing layers }\n",
    );
    t().args(["check", "--", "rm", "x"])
        .go()
        .status(125)
        .stderr_has("30-c.yaml` line 3")
        .stderr_has("which is final: only a root-owned layer in /etc/safeop/ may do that");
}

#[test]
fn a_probe_that_fails_asks_and_never_allows_silently() {
    // Point the probes at an empty system root: /proc and /sys cannot be read.
    let s = Scratch::new();
    let empty = s.path("empty-root");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let img = s.file("data.bin", 4096);
    let before = blake3_of(&img);
    let of = format!("of={}", img.display());
    let r = Test::new()
        .env("SAFEOP_SYSROOT", &empty)
        .args(["check", "--", "dd", "if=/dev/zero", &of])
        .go();
    r.status(3)
        .stdout_has("could not determine `target.loop.attached`")
        .stdout_has("look by hand");
    Test::new()
        .env("SAFEOP_SYSROOT", &empty)
        .no_tty()
        .args(["run", "--", "dd", "if=/dev/zero", &of, "conv=notrunc"])
        .go()
        .status(126);
    assert_eq!(blake3_of(&img), before);
    // The same command with the real system root is allowed.
    Test::new()
        .args(["check", "--", "dd", "if=/dev/zero", &of])
        .go()
        .status(0);
}

#[test]
fn run_options_in_every_spelling() {
    let s = Scratch::new();
    let bad = s.write("bad.yaml", "version: 1\nrules: [oops\n");
    let victim = s.file("victim.txt", 10);
    let v = victim.display().to_string();
    for args in [
        vec![
            "run".to_string(),
            "--policy".into(),
            bad.display().to_string(),
            "--".into(),
            "rm".into(),
            v.clone(),
        ],
        vec![
            "run".to_string(),
            format!("--policy={}", bad.display()),
            "rm".into(),
            v.clone(),
        ],
    ] {
        Test::new()
            .args(&args)
            .go()
            .status(125)
            .stderr_has("bad.yaml");
        assert!(
            victim.exists(),
            "the command must not run with a broken policy"
        );
    }
    // Without `--` the command starts at the first word that is not an option.
    Test::new().args(["run", "rm", &v]).go().status(0);
    assert!(!victim.exists());
    Test::new().args(["run", "--help"]).go().status(0);
    Test::new().args(["run"]).go().status(125);
}

/// safeop skips Rust's runtime start-up (src/main.rs) but keeps what it did for fds 0–2: a
/// closed one is opened on /dev/null, so neither safeop nor the command it runs can open a file
/// that then becomes its stdin, stdout or stderr.
#[test]
fn closed_standard_fds_are_reopened_on_dev_null() {
    use std::os::unix::process::CommandExt;
    let close = |fds: &'static [i32]| {
        let mut c = std::process::Command::new(BIN);
        // SAFETY: close(2) is async-signal-safe; the child has not started running Rust code.
        unsafe {
            c.pre_exec(move || {
                for fd in fds {
                    nix::libc::close(*fd);
                }
                Ok(())
            });
        }
        c
    };
    let s0 = Scratch::new();
    let seen = s0.path("fds");
    // `sh FILE` is no guarded tool: the fast path execs it with safeop's own fds 0-2.
    let script = s0.write(
        "fds.sh",
        &format!(
            "exec 9>'{}'\nfor fd in 0 1 2; do l=$(readlink /proc/$$/fd/$fd); echo \"${{l:-closed}}\" >&9; done\n",
            seen.display()
        ),
    );
    let st = close(&[0, 1, 2])
        .args(["run", "--", "sh", &script.display().to_string()])
        // hermetic: no layer or log of the machine's is read or written
        .env("SAFEOP_AUDIT_LOG", s0.path("audit.jsonl"))
        .env("XDG_CONFIG_HOME", s0.path("config"))
        .env_remove("SAFEOP_POLICY")
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0), "{st:?}");
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        "/dev/null\n/dev/null\n/dev/null\n"
    );

    let s = Scratch::new();
    let victim = s.file("victim", 4096);
    let log = s.path("audit.jsonl");
    let st = close(&[0, 1, 2])
        .args(["run", "--", "rm", "-f", &victim.display().to_string()])
        .env("SAFEOP_AUDIT_LOG", &log)
        .env("XDG_CONFIG_HOME", s.path("config"))
        .env_remove("SAFEOP_POLICY")
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0), "{st:?}");
    assert!(!victim.exists(), "rm ran");
    Test::new()
        .args(["audit", "verify", &log.display().to_string()])
        .go()
        .status(0)
        .stdout_has(": 1 record, chain intact");
}

/// A user /etc/passwd does not list (LDAP, sssd) is named in the audit log through
/// `getent passwd UID`; with no getent, by number.
#[test]
fn a_user_only_nss_knows_is_named_through_getent() {
    need_root!();
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    const UID: u32 = 54321;
    assert!(
        !std::fs::read_to_string("/etc/passwd")
            .unwrap()
            .contains(&format!(":{UID}:")),
        "this test needs uid {UID} to be unknown to /etc/passwd"
    );
    let s = Scratch::new();
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // PATH holds only what the test puts there: rm, and (first) a getent stand-in.
    let bin = s.path("bin");
    stand_in(
        &bin,
        "getent",
        &format!("[ \"$1 $2\" = \"passwd {UID}\" ] || exit 2\necho 'ldapuser:*:{UID}:{UID}:LDAP User:/home/ldapuser:/bin/sh'"),
    );
    let rm = ["/usr/bin/rm", "/bin/rm"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("rm");
    std::os::unix::fs::symlink(rm, bin.join("rm")).unwrap();
    // run as that user: a copy it can reach, wherever the checkout lies
    let (_bin_dir, reachable) = bin_for_others();
    let logged_user = |name: &str| {
        let victim = s.file(name, 10);
        // The user's own file: the kernel tells its owner whether anyone has it open (another
        // user's file is "cannot tell" for a normal user, which asks).
        std::os::unix::fs::chown(&victim, Some(UID), Some(UID)).unwrap();
        let log = s.path(&format!("{name}.jsonl"));
        let mut c = std::process::Command::new(&reachable);
        c.args(["run", "--", "rm", "-f", &victim.display().to_string()])
            .env_clear()
            .env("PATH", &bin)
            .env("SAFEOP_AUDIT_LOG", &log)
            .env("XDG_CONFIG_HOME", s.path("config"));
        // SAFETY: setgid/setuid are async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                nix::unistd::setgid(nix::unistd::Gid::from_raw(UID))?;
                nix::unistd::setuid(nix::unistd::Uid::from_raw(UID))?;
                Ok(())
            });
        }
        let st = c.status().unwrap();
        assert_eq!(st.code(), Some(0), "{st:?}");
        assert!(!victim.exists(), "rm ran");
        let rec: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
        rec["r"]["user"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(logged_user("v1"), "ldapuser");
    std::fs::remove_file(bin.join("getent")).unwrap();
    assert_eq!(logged_user("v2"), UID.to_string());
}

/// `dd of=/dev/sdX` with no such disk would fill a regular file in /dev: a person decides. (Only
/// `check`: a test never gives /dev paths to `run`.)
#[test]
fn a_write_to_a_device_node_that_is_not_there_asks() {
    let missing = "/dev/safeop-test-no-such-disk";
    assert!(!Path::new(missing).exists());
    Test::new()
        .args([
            "check",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={missing}"),
        ])
        .go()
        .status(3)
        .stdout_has("missing-device-node")
        .stdout_has("would create a regular file in /dev");
    assert!(!Path::new(missing).exists(), "check created it");
    // a real node, and files in /dev/shm, are not this rule's business
    Test::new()
        .args(["check", "--", "dd", "if=/dev/zero", "of=/dev/null"])
        .go()
        .status(0)
        .stdout_lacks("missing-device-node");
    Test::new()
        .args([
            "check",
            "--",
            "dd",
            "if=/dev/zero",
            "of=/dev/shm/safeop-test-x",
        ])
        .go()
        .stdout_lacks("missing-device-node");
}

/// One rule over many targets is one finding to read: the first in full, the rest by path.
#[test]
fn repeated_findings_of_one_rule_are_grouped() {
    let r = Test::new()
        .args([
            "check", "--", "rm", "-rf", "/bin", "/boot", "/etc", "/usr", "/var",
        ])
        .go();
    r.status(4)
        .stdout_has("[rm-recursive-system-dir] recursive delete of system directory `/bin`")
        .stdout_has("and 4 more the same way: /boot, /etc, /usr, /var");
    assert_eq!(r.stdout.matches("way out:").count(), 1, "{}", r.stdout);
    // JSON keeps every finding
    let j = Test::new()
        .args([
            "check", "--format", "json", "--", "rm", "-rf", "/bin", "/boot", "/etc",
        ])
        .go()
        .json();
    assert_eq!(j["findings"].as_array().map(Vec::len), Some(3), "{j}");
}

/// `audit show` filters a real log: by refusal, rule, verdict, user and time, as text (a
/// refusal says why) or JSON.
#[test]
fn audit_show_filters_and_says_why_a_command_was_refused() {
    let s = Scratch::new();
    let log = s.path("audit.jsonl");
    let t = || {
        Test::new()
            .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
            .env("SAFEOP_AUDIT_LOG", &log)
            .no_tty()
    };
    s.write("junk", "x");
    let denied = s.file("disk.deny", 4096);
    t().args(["run", "--", "rm", "-f"])
        .arg(s.path("junk"))
        .go()
        .status(0);
    t().args([
        "run",
        "--",
        "dd",
        "if=/dev/zero",
        "count=1",
        "conv=notrunc",
        "status=none",
    ])
    .arg(format!("of={}", denied.display()))
    .go()
    .status(126);
    let show = |args: &[&str]| {
        let r = t().args(["audit", "show"]).args(args).arg(&log).go();
        r.status(0);
        r.stdout.clone()
    };
    let all = show(&[]);
    assert_eq!(
        all.lines().filter(|l| !l.starts_with(' ')).count(),
        2,
        "{all}"
    );
    let refused = show(&["--refused"]);
    assert!(
        refused.contains("refused: denied by policy [scratch-deny]"),
        "{refused}"
    );
    assert!(!refused.contains("junk"), "{refused}");
    let json = show(&["--rule", "scratch-deny", "--json"]);
    let recs: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record per line"))
        .collect();
    assert_eq!(recs.len(), 1, "{json}");
    assert_eq!(recs[0]["action"], "refused");
    assert!(show(&["--verdict", "allow"]).contains("junk"));
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_default();
    assert_eq!(
        show(&["--user", &me])
            .lines()
            .filter(|l| !l.starts_with(' '))
            .count(),
        2
    );
    assert_eq!(show(&["--user", "nobody-of-that-name"]), "");
    assert_eq!(
        show(&["--since", "1h"])
            .lines()
            .filter(|l| !l.starts_with(' '))
            .count(),
        2
    );
    assert_eq!(show(&["--until", "2000-01-01"]), "");
    t().args(["audit", "show", "--since", "yesterday"])
        .arg(&log)
        .go()
        .status(125)
        .stderr_has("is not a time");
}
