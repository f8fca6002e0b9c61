//! A path swapped between the decision and the exec (issue 14, item 2; DESIGN decision 9): the
//! test-only hook `SAFEOP_AFTER_DECISION` runs a stand-in for another process right after the
//! decision (or the confirmation's answer), before safeop's last look at the judged paths, so the
//! race is lost every time instead of now and then. safeop must refuse every time, leave the
//! danger untouched, and say in the audit log what changed; an unchanged path must run every time.

mod common;
use common::*;
use nix::sys::wait::WaitStatus;
use std::path::Path;
use std::process::Command;

const RUNS: usize = 50;

fn dd_onto(link: &Path) -> Vec<String> {
    [
        "run".to_string(),
        "--".into(),
        "dd".into(),
        "if=/dev/zero".into(),
        format!("of={}", link.display()),
        "count=1".into(),
        "conv=notrunc".into(),
        "status=none".into(),
    ]
    .into()
}

fn point(link: &Path, at: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(at, link).expect("symlink");
}

/// Records of one action in the audit log whose reason says the path changed.
fn refusals_naming_a_change(log: &Path, link: &Path) -> usize {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| {
            let r = &v["r"];
            r["action"] == "refused"
                && r["reason"].as_str().is_some_and(|why| {
                    why.contains(&format!("`{}` changed after the decision", link.display()))
                        && why.contains("points to")
                })
        })
        .count()
}

#[test]
fn a_link_flipped_onto_a_loop_attached_image_after_the_decision_is_refused_every_time() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("web1.img", 1 << 20);
    let _lo = LoopDev::attach(&img);
    let harmless = s.file("scratch.bin", 4096);
    let link = s.path("out");
    let flip = stand_in(
        &s.path("bin"),
        "flip",
        &format!("ln -sfn '{}' '{}'", img.display(), link.display()),
    );
    let (img_before, harmless_before) = (blake3_of(&img), blake3_of(&harmless));
    let log = s.path("audit.jsonl");
    for i in 0..RUNS {
        point(&link, &harmless);
        // Without the flip this is allowed: the link reaches a plain scratch file.
        Test::new()
            .args(["check", "--", "dd", "if=/dev/zero"])
            .arg(format!("of={}", link.display()))
            .go()
            .status(0);
        let r = Test::new()
            .env("SAFEOP_AUDIT_LOG", &log)
            .env("SAFEOP_AFTER_DECISION", &flip)
            .args(dd_onto(&link))
            .go();
        assert_eq!(r.code(), 126, "run {i}: {}", r.stderr);
        r.stderr_has("changed after the decision")
            .stderr_has(&img.display().to_string());
        assert_eq!(
            std::fs::read_link(&link).expect("readlink"),
            img,
            "the hook ran"
        );
    }
    assert_eq!(blake3_of(&img), img_before, "the attached image is intact");
    assert_eq!(blake3_of(&harmless), harmless_before, "nothing ran at all");
    assert_eq!(refusals_naming_a_change(&log, &link), RUNS);
    Test::new()
        .args(["audit", "verify"])
        .arg(&log)
        .go()
        .status(0);
}

#[test]
fn an_unchanged_path_runs_every_time() {
    let s = Scratch::new();
    let file = s.file("scratch.bin", 4096);
    let link = s.path("out");
    point(&link, &file);
    // The stand-in writes to the file (same inode): contents changing is not a swap.
    let touch = stand_in(
        &s.path("bin"),
        "touch-it",
        &format!("printf x >> '{}'", file.display()),
    );
    for i in 0..RUNS {
        let r = Test::new()
            .env("SAFEOP_AFTER_DECISION", &touch)
            .args(dd_onto(&link))
            .go();
        assert_eq!(r.code(), 0, "run {i}: {}", r.stderr);
    }
    let data = std::fs::read(&file).expect("read");
    assert_eq!(data[..512], [0u8; 512], "dd ran");
    assert_eq!(data.len(), 4096 + RUNS, "the stand-in ran before each exec");
}

#[test]
fn a_path_swapped_while_the_prompt_waits_is_refused_after_the_answer() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("web1.img", 1 << 20);
    let _lo = LoopDev::attach(&img);
    // `*.yesno` makes the test layer ask (tests/fixtures/challenge-policy.yaml).
    let harmless = s.file("disk.yesno", 4096);
    let link = s.path("out");
    point(&link, &harmless);
    let before = blake3_of(&img);
    let log = s.path("audit.jsonl");
    let mut c = Command::new(BIN);
    for v in ["SAFEOP_SYSROOT", "SUDO_UID", "SUDO_USER", "SSH_CONNECTION"] {
        c.env_remove(v);
    }
    c.env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", &log)
        .args(dd_onto(&link));
    let mut p = rexpect::session::spawn_command(c, Some(15_000)).expect("spawn in a pty");
    p.exp_string("scratch-yes-no").expect("finding shown");
    p.exp_string("Run it?").expect("prompt");
    point(&link, &img);
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
    p.exp_string("changed after the decision")
        .expect("refusal says why");
    let _ = p.exp_eof();
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, c)) => assert_eq!(c, 126),
        other => panic!("unexpected end: {other:?}"),
    }
    assert_eq!(blake3_of(&img), before, "the attached image is intact");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("\"action\":\"confirmed\""), "{text}");
    assert_eq!(refusals_naming_a_change(&log, &link), 1, "{text}");
}

#[test]
fn rm_of_a_link_the_hook_replaces_is_refused() {
    // For rm the link itself is the object: a new link in its place is not what was judged,
    // even one that points to the same file.
    let s = Scratch::new();
    let file = s.file("kept.bin", 64);
    let link = s.path("link");
    point(&link, &file);
    let relink = stand_in(
        &s.path("bin"),
        "relink",
        &format!(
            "ln -s '{0}' '{1}.new' && mv -T '{1}.new' '{1}'",
            file.display(),
            link.display()
        ),
    );
    let t = Test::new()
        .env("SAFEOP_AFTER_DECISION", &relink)
        .args(["run", "--", "rm", "-f"])
        .arg(&link);
    let log = t.audit_log();
    let (r, _scratch) = t.run();
    r.status(126).stderr_has("changed after the decision");
    assert!(
        std::fs::symlink_metadata(&link).is_ok(),
        "the new link is still there"
    );
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("\"action\":\"allowed\""), "{text}");
    assert!(text.contains("\"action\":\"refused\""), "{text}");
}

/// `cp new.img DIR/` is judged on `DIR/web1.img`, the file it lands on (issue 10's effects): a
/// landing path flipped onto a loop-attached image after the decision is refused every time.
#[test]
fn a_copy_s_landing_path_flipped_after_the_decision_is_refused_every_time() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("web1.img", 1 << 20);
    let _lo = LoopDev::attach(&img);
    let new = s.file("new/web1.img", 4096);
    let dir = s.path("images");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let landing = dir.join("web1.img");
    let harmless = s.file("old-web1.img", 4096);
    let flip = stand_in(
        &s.path("bin"),
        "flip",
        &format!("ln -sfn '{}' '{}'", img.display(), landing.display()),
    );
    let img_before = blake3_of(&img);
    for i in 0..RUNS / 5 {
        point(&landing, &harmless);
        let cp = [
            "cp".to_string(),
            new.display().to_string(),
            format!("{}/", dir.display()),
        ];
        Test::new().args(["check", "--"]).args(&cp).go().status(0);
        let r = Test::new()
            .env("SAFEOP_AFTER_DECISION", &flip)
            .args(["run", "--"])
            .args(&cp)
            .go();
        assert_eq!(r.code(), 126, "run {i}: {}", r.stderr);
        r.stderr_has("changed after the decision");
    }
    assert_eq!(blake3_of(&img), img_before, "the attached image is intact");
}
