//! Challenges through a real pseudo-terminal: accepting runs the command, declining, a wrong
//! name or Ctrl-C refuse with 126 and leave the data intact, and piped stdin is never an answer.

mod common;
use common::*;
use nix::sys::wait::WaitStatus;
use rexpect::session::PtySession;
use std::process::Command;

fn safeop_cmd(extra_env: &[(&str, &str)], args: &[&str], log: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    for v in [
        "SAFEOP_SYSROOT",
        "SUDO_UID",
        "SUDO_USER",
        "SSH_CONNECTION",
        "SSH_CLIENT",
        "SSH_TTY",
    ] {
        c.env_remove(v);
    }
    c.env("SAFEOP_POLICY", fixture("challenge-policy.yaml"));
    c.env("SAFEOP_AUDIT_LOG", log);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.args(args);
    c
}

fn spawn(cmd: Command) -> PtySession {
    rexpect::session::spawn_command(cmd, Some(15_000)).expect("spawn in a pty")
}

fn exit_code(p: &mut PtySession) -> i32 {
    let _ = p.exp_eof();
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, c)) => c,
        other => panic!("unexpected end: {other:?}"),
    }
}

fn dd_zero(img: &std::path::Path) -> Vec<String> {
    ["run", "--", "dd", "if=/dev/zero"]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("of={}", img.display()),
            "count=1".into(),
            "conv=notrunc".into(),
            "status=none".into(),
        ])
        .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn yes_runs_the_command() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let a = dd_zero(&img);
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string("scratch-yes-no").expect("finding shown");
    p.exp_string("Run it?").expect("prompt");
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(
        std::fs::read(&img).expect("read")[..512],
        [0u8; 512],
        "dd ran"
    );
    let log = std::fs::read_to_string(s.path("audit.jsonl")).expect("log");
    assert!(
        log.contains("\"action\":\"confirmed\"") && log.contains("\"event\":\"outcome\""),
        "{log}"
    );
}

#[test]
fn no_refuses_and_keeps_the_data() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string("Run it?").expect("prompt");
    p.send_line("n").expect("answer");
    p.flush().expect("flush");
    p.exp_string("refused").expect("refusal said");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn piped_stdin_is_never_taken_as_the_answer() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let line = format!(
        "yes | {BIN} run -- dd if=/dev/zero of='{}' count=1 conv=notrunc status=none",
        img.display()
    );
    let mut c = safeop_cmd(&[], &[], &s.path("audit.jsonl"));
    let mut sh = Command::new("sh");
    sh.args(["-c", &line]);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    c = sh;
    let mut p = spawn(c);
    p.exp_string("Run it?")
        .expect("the person is asked although stdin is a pipe full of `y`");
    p.send_line("n").expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn typed_target_must_match() {
    let s = Scratch::new();
    let img = s.file("web1.typed", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    let path = img.display().to_string();
    let prompt = format!("Type the path `{path}` to run it: ");
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string(&prompt).expect("prompt names the target");
    p.send_line(&s.p("web2.typed")).expect("typo");
    p.flush().expect("flush");
    p.exp_string(&format!("not `{path}`"))
        .expect("mismatch said");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);

    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string(&prompt).expect("prompt");
    p.send_line(&path).expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 0);
    assert_ne!(
        blake3_of(&img),
        before,
        "dd ran after the right name was typed"
    );
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .expect("hostname")
        .to_string_lossy()
        .into_owned()
}

/// Whether `text` has `word` standing alone (not inside a longer run of letters and digits): a
/// short host name such as `vm` may well occur inside other words.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn typed_hostname_must_match() {
    let s = Scratch::new();
    let img = s.file("box.host", 4096);
    let before = blake3_of(&img);
    let host = hostname();
    let a = dd_zero(&img);
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string("Type this host's name to run it: ")
        .expect("prompt");
    p.send_line(&format!("{host}-not")).expect("another name");
    p.flush().expect("flush");
    let said = p.exp_eof().expect("end");
    assert!(said.contains("which is not this host's name"), "{said}");
    assert!(
        !has_word(&said.replace(&format!("{host}-not"), ""), &host),
        "a wrong answer does not give the name away:\n{said}"
    );
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn the_host_name_is_not_shown_while_it_is_asked_for_and_any_case_is_accepted() {
    let s = Scratch::new();
    let img = s.file("box.host", 4096);
    let host = hostname();
    let a = dd_zero(&img);
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    let shown = p
        .exp_string("Type this host's name to run it: ")
        .expect("prompt");
    assert!(
        shown.contains("[scratch-type-hostname]")
            && shown.contains(&format!("{} is on <this host>", img.display()))
            && shown.contains("way out: type the host name if <this host> is the machine you mean"),
        "the finding is shown, its host name masked:\n{shown}"
    );
    assert!(
        !has_word(&shown, &host),
        "the host name `{host}` is shown before the answer:\n{shown}"
    );
    p.send_line(&format!(" {} ", host.to_uppercase()))
        .expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(
        std::fs::read(&img).expect("read")[..512],
        [0u8; 512],
        "dd ran"
    );
    // `check` decides without asking, and names the host.
    let out = safeop_cmd(
        &[],
        &["check", "--", "dd", &format!("of={}", img.display())],
        &s.path("audit.jsonl"),
    )
    .output()
    .expect("check");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("is on {host}")), "{said}");
}

#[test]
fn ctrl_c_at_the_prompt_refuses() {
    let s = Scratch::new();
    let img = s.file("web1.typed", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string("to run it: ").expect("prompt");
    p.send_control('c').expect("ctrl-c");
    p.flush().expect("flush");
    p.exp_string("refused").expect("refusal said");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn override_lifts_a_plain_deny_after_the_hostname_is_typed() {
    let s = Scratch::new();
    let img = s.file("old.deny", 4096);
    let host = hostname();
    let mut a = dd_zero(&img);
    a.splice(
        1..1,
        [
            "--override".to_string(),
            "restoring from ticket 4711".to_string(),
        ],
    );
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    let shown = p
        .exp_string(
            "Override the deny (restoring from ticket 4711)? Type this host's name to run it: ",
        )
        .expect("prompt");
    assert!(
        shown.contains("[scratch-deny]")
            && shown.contains(&format!(
                "{} is not to be overwritten on <this host>",
                img.display()
            )),
        "the deny is shown, its host name masked:\n{shown}"
    );
    assert!(
        !has_word(&shown, &host),
        "the host name `{host}` is shown before the answer:\n{shown}"
    );
    p.send_line(&host).expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 0);
    let log = std::fs::read_to_string(s.path("audit.jsonl")).expect("log");
    assert!(
        log.contains("\"action\":\"overridden\"") && log.contains("ticket 4711"),
        "{log}"
    );
}

#[test]
fn a_confirmed_command_killed_by_a_signal_kills_safeop_the_same_way() {
    let s = Scratch::new();
    // An `rm` of a path the shell expands makes the string opaque: the default policy asks
    // before running it (the shell is killed before it reaches the `rm`).
    let mut p = spawn(safeop_cmd(
        &[],
        &[
            "run",
            "--",
            "sh",
            "-c",
            "kill -TERM $$; rm -f \"$SAFEOP_TEST_UNSET\"",
        ],
        &s.path("audit.jsonl"),
    ));
    p.exp_string("command-not-understood")
        .expect("finding shown");
    p.exp_string("Run it?").expect("prompt");
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
    let _ = p.exp_eof();
    match p.process().wait() {
        Ok(WaitStatus::Signaled(_, sig, _)) => assert_eq!(sig, nix::sys::signal::Signal::SIGTERM),
        other => panic!("safeop should have died of SIGTERM: {other:?}"),
    }
    let log = std::fs::read_to_string(s.path("audit.jsonl")).expect("log");
    assert!(log.contains("\"action\":\"killed\""), "{log}");
}

#[test]
fn sigterm_to_safeop_reaches_the_confirmed_command() {
    let s = Scratch::new();
    // The `rm` of a path the shell expands (never reached) makes safeop ask first.
    let script = "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done; rm -f \"$SAFEOP_TEST_UNSET\"";
    let mut p = spawn(safeop_cmd(
        &[],
        &["run", "--", "sh", "-c", script],
        &s.path("audit.jsonl"),
    ));
    p.exp_string("Run it?").expect("prompt");
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
    p.exp_string("ready").expect("child running");
    p.process_mut()
        .signal(nix::sys::signal::Signal::SIGTERM)
        .expect("signal safeop");
    p.exp_string("got-term").expect("the child got the signal");
    assert_eq!(exit_code(&mut p), 3);
}

/// Runs `args` of safeop through `sh -c 'SCRIPT'`, keeping the test's environment for safeop.
fn via_sh(script: &str, args: &[&str], log: &std::path::Path) -> Command {
    let c = safeop_cmd(&[], &[], log);
    let mut sh = Command::new("sh");
    sh.args(["-c", script, "sh", BIN]).args(args);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh
}

#[test]
fn keys_typed_before_the_question_are_not_the_answer() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    // The shell waits a moment before it becomes safeop, so the `y` + Enter below is surely in
    // the terminal's input queue before safeop starts, as when typed with the command line.
    let mut p = spawn(via_sh(
        "sleep 0.5; exec \"$@\"",
        &args(&a),
        &s.path("audit.jsonl"),
    ));
    p.send_line("y").expect("type ahead");
    p.flush().expect("flush");
    p.exp_string("Run it?").expect("prompt");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        p.process().status(),
        Some(WaitStatus::StillAlive),
        "safeop still waits for an answer"
    );
    assert_eq!(
        blake3_of(&img),
        before,
        "dd did not run on the typed-ahead `y`"
    );
    p.send_line("n").expect("answer");
    p.flush().expect("flush");
    p.exp_string("refused").expect("refusal said");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn ctrl_d_at_the_prompt_declines() {
    let s = Scratch::new();
    for name in ["web1.typed", "disk.yesno", "box.host"] {
        let img = s.file(name, 4096);
        let before = blake3_of(&img);
        let a = dd_zero(&img);
        let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
        p.exp_regex(r"to run it: |Run it\? \[y/N\] ")
            .expect("prompt");
        p.send_control('d').expect("ctrl-d");
        p.exp_string("refused (no answer (end of input))")
            .expect("Ctrl-D is no answer");
        assert_eq!(exit_code(&mut p), 126, "{name}");
        assert_eq!(blake3_of(&img), before, "{name}");
    }
}

#[test]
fn yes_no_shows_its_default_and_enter_takes_it() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string("Run it? [y/N] ")
        .expect("the default is shown");
    p.send_line("").expect("just Enter");
    p.flush().expect("flush");
    p.exp_string("refused (answered no (the default))")
        .expect("Enter is no");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

/// The findings safeop prints, each line as the report has it.
const YES_NO_FINDING: [&str; 3] = [
    "safeop: confirm: dd ",
    "[scratch-yes-no] ",
    "way out: say yes only if this scratch file is the one you mean",
];

#[test]
fn why_it_asks_is_on_the_terminal_when_stderr_goes_elsewhere() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    let mut p = spawn(via_sh(
        "exec \"$@\" 2>/dev/null",
        &args(&a),
        &s.path("audit.jsonl"),
    ));
    let shown = p.exp_string("Run it? [y/N] ").expect("prompt");
    for part in YES_NO_FINDING {
        assert!(
            shown.contains(part),
            "{part:?} not shown before the prompt:\n{shown}"
        );
    }
    assert!(
        shown.contains(&format!("{} wants a yes", img.display())),
        "the message is shown:\n{shown}"
    );
    p.send_line("n").expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn the_findings_are_shown_once_on_the_terminal_and_kept_in_a_redirected_stderr() {
    let s = Scratch::new();
    let img = s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let a = dd_zero(&img);
    // stderr is the terminal: the findings appear once.
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    let shown = p.exp_string("Run it? [y/N] ").expect("prompt");
    assert_eq!(shown.matches("[scratch-yes-no]").count(), 1, "{shown}");
    p.send_line("n").expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 126);
    // stderr is a file: the terminal shows them once and the file keeps them.
    let err = s.path("stderr.txt");
    let mut p = spawn(via_sh(
        &format!("exec \"$@\" 2>'{}'", err.display()),
        &args(&a),
        &s.path("audit.jsonl"),
    ));
    let shown = p.exp_string("Run it? [y/N] ").expect("prompt");
    assert_eq!(shown.matches("[scratch-yes-no]").count(), 1, "{shown}");
    p.send_line("n").expect("answer");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 126);
    let logged = std::fs::read_to_string(&err).expect("stderr file");
    for part in YES_NO_FINDING {
        assert!(logged.contains(part), "{part:?} not in stderr:\n{logged}");
    }
    assert!(logged.contains("refused (answered no)"), "{logged}");
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn the_way_out_and_the_prompt_ask_for_the_same_path_and_only_it_is_accepted() {
    let s = Scratch::new();
    // A raw disk image (an MBR signature): the default policy's `disk-image-overwrite` asks for
    // "the image's path".
    let mut mbr = vec![0u8; 4096];
    mbr[510..512].copy_from_slice(&[0x55, 0xaa]);
    let img = s.path("other.img");
    std::fs::write(&img, &mbr).expect("write image");
    let before = blake3_of(&img);
    let path = img.display().to_string();
    let a = dd_zero(&img);
    let prompt = format!("Type the path `{path}` to run it: ");
    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    let shown = p.exp_string(&prompt).expect("the prompt shows the path");
    assert!(
        shown.contains(&format!(
            "[disk-image-overwrite] `{path}` is a raw-mbr disk image"
        )) && shown.contains("way out: type the image's path to go ahead"),
        "{shown}"
    );
    p.send_line("other.img").expect("the file name alone");
    p.flush().expect("flush");
    p.exp_string(&format!("typed `other.img`, not `{path}`"))
        .expect("the name alone is refused");
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before);

    let mut p = spawn(safeop_cmd(&[], &args(&a), &s.path("audit.jsonl")));
    p.exp_string(&prompt).expect("prompt");
    p.send_line(&path).expect("the path");
    p.flush().expect("flush");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(
        std::fs::read(&img).expect("read")[..512],
        [0u8; 512],
        "dd ran"
    );
}

#[test]
fn an_override_without_a_real_reason_is_a_usage_error_and_nothing_runs() {
    let s = Scratch::new();
    let img = s.file("old.deny", 4096);
    let before = blake3_of(&img);
    let of = format!("of={}", img.display());
    let log = s.path("audit.jsonl");
    for given in [
        vec!["--override", ""],
        vec!["--override", "   "],
        vec!["--override", "testing"],
        vec!["--override="],
        vec!["--override=ok go"],
        // Refused before any policy is read.
        vec![
            "--override",
            " ",
            "--policy",
            "/nonexistent/never-read.yaml",
        ],
    ] {
        let r = Test::new()
            .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
            .env("SAFEOP_AUDIT_LOG", &log)
            .arg("run")
            .args(&given)
            .args(["--", "dd", "if=/dev/zero", &of, "count=1", "conv=notrunc"])
            .go();
        r.status(125)
            .stderr_has("an override needs its reason in a few words, at least 8 characters");
        assert_eq!(blake3_of(&img), before, "{given:?}");
        assert!(!log.exists(), "no decision was taken for {given:?}");
    }
    Test::new()
        .args(["run", "--help"])
        .go()
        .status(0)
        .stdout_has("at least 8 characters that are not blank");
}
