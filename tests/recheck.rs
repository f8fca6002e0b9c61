//! Facts re-checked after the answer (DESIGN decision 15): a confirmation may wait for minutes,
//! and what made the command a confirm rather than a deny may change meanwhile. Through a real
//! pseudo-terminal: a `dd` onto a scratch image is confirmed (the test layer asks for `*.yesno`
//! files); while the prompt waits the test attaches the image to a loop device (real, `losetup`)
//! or holds it with `qemu-nbd` (real, its image lock); the answer is typed and safeop must refuse
//! with 126, saying what changed, and leave the image byte for byte as it was. Nothing changed:
//! the yes runs the command.

mod common;
use common::*;
use nix::sys::wait::WaitStatus;
use rexpect::session::PtySession;
use std::process::Command;

fn safeop_run(img: &std::path::Path, log: &std::path::Path) -> Command {
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
    c.args(["run", "--", "dd", "if=/dev/zero"]);
    c.arg(format!("of={}", img.display()));
    c.args(["count=1", "conv=notrunc", "status=none"]);
    c
}

fn spawn(cmd: Command) -> PtySession {
    rexpect::session::spawn_command(cmd, Some(15_000)).expect("spawn in a pty")
}

fn finish(p: &mut PtySession) -> (String, i32) {
    let said = p.exp_eof().unwrap_or_default();
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, c)) => (said, c),
        other => panic!("unexpected end: {other:?}"),
    }
}

fn answer_yes(p: &mut PtySession) {
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
}

#[test]
fn an_image_loop_attached_while_the_prompt_waits_is_refused_after_the_yes() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let img = s.file("web1.yesno", 1 << 20);
    let before = blake3_of(&img);
    let log = s.path("audit.jsonl");
    let mut p = spawn(safeop_run(&img, &log));
    p.exp_string("Run it?").expect("prompt");
    // Meanwhile, somebody attaches the image (a guest's `phy:` disk, a mount about to happen).
    let lo = LoopDev::attach(&img);
    answer_yes(&mut p);
    let (said, code) = finish(&mut p);
    assert_eq!(code, 126, "{said}");
    assert!(said.contains("changed while the prompt waited"), "{said}");
    assert!(said.contains("loop-backing-file-in-use"), "{said}");
    assert!(said.contains(&lo.dev), "names the loop device: {said}");
    drop(lo);
    assert_eq!(blake3_of(&img), before, "the image is untouched");
    let log = std::fs::read_to_string(&log).expect("log");
    // The yes is on the record, and beside it the refusal that followed it.
    assert!(log.contains("\"action\":\"confirmed\""), "{log}");
    assert!(
        log.lines().any(|l| l.contains("\"event\":\"outcome\"")
            && l.contains("\"action\":\"refused\"")
            && l.contains("changed while the prompt waited")),
        "{log}"
    );
    assert!(!log.contains("\"action\":\"exited\""), "nothing ran: {log}");
}

#[test]
fn an_image_qemu_locks_while_the_prompt_waits_is_refused_after_the_yes() {
    need_tool!("qemu-nbd");
    need_tool!("qemu-img");
    let s = Scratch::new();
    let img = s.path("vm.yesno");
    sh(&format!(
        "qemu-img create -q -f qcow2 '{}' 16M",
        img.display()
    ));
    let before = blake3_of(&img);
    let log = s.path("audit.jsonl");
    let mut p = spawn(safeop_run(&img, &log));
    // A qcow2 image asks for its path to be typed (`disk-image-overwrite`).
    p.exp_string("to run it: ").expect("prompt");
    // An NBD export of the image starts: QEMU locks it as a running guest would.
    let sock = s.path("nbd.sock");
    let nbd = Bg::spawn(
        Command::new("qemu-nbd")
            .args(["--persistent", "--socket"])
            .arg(&sock)
            .args(["-f", "qcow2"])
            .arg(&img),
    );
    let mut waited = 0;
    while !sock.exists() && waited < 100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    assert!(sock.exists(), "qemu-nbd serves the image");
    p.send_line(&img.display().to_string()).expect("answer");
    p.flush().expect("flush");
    let (said, code) = finish(&mut p);
    assert_eq!(code, 126, "{said}");
    assert!(said.contains("changed while the prompt waited"), "{said}");
    assert!(said.contains("image-locked-by-qemu"), "{said}");
    drop(nbd);
    assert_eq!(blake3_of(&img), before, "the image is untouched");
}

#[test]
fn nothing_changed_while_the_prompt_waited_so_the_yes_runs_it() {
    let s = Scratch::new();
    let img = s.file("web2.yesno", 1 << 20);
    let before = blake3_of(&img);
    let log = s.path("audit.jsonl");
    let mut p = spawn(safeop_run(&img, &log));
    p.exp_string("Run it?").expect("prompt");
    answer_yes(&mut p);
    let (said, code) = finish(&mut p);
    assert_eq!(code, 0, "{said}");
    assert!(!said.contains("changed while the prompt waited"), "{said}");
    assert_ne!(blake3_of(&img), before, "dd ran");
    assert_eq!(
        std::fs::read(&img).expect("read")[..512],
        [0u8; 512],
        "the first block is zeroed"
    );
}
