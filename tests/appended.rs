//! Held open is not always in use (issue 10): a log whose only writers hold it with `O_APPEND`
//! is truncated and removed by log rotation every night, so safeop warns and lets it through;
//! any other file written elsewhere asks; a disk image is refused however its writer opened it.
//! Real writers on this machine: shells holding scratch files open with `>>`, `>` and `<>`.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn check(args: &[&str]) -> Test {
    Test::new().args(["check", "--"]).args(args)
}

fn run(args: &[&str]) -> Test {
    Test::new().no_tty().args(["run", "--"]).args(args)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Waits until `ready` exists (the writer has opened its file).
fn wait_for(ready: &Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "writer did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A logger: `sh` holding `log` on fd 3 (dash may move it higher) opened with `>>` (`O_WRONLY|O_APPEND`), writing a line
/// every 0.2 s (its `sleep` does not inherit the fd, so `sh` is the only writer).
fn logger(mut cmd: Command, log: &Path) -> Bg {
    let ready = PathBuf::from(format!("{}.ready", log.display()));
    let b = Bg::spawn(
        cmd.args(["sh", "-c"])
            .arg("exec 3>>\"$0\"; : > \"$1\"; while :; do echo x >&3; sleep 0.2 3>&-; done")
            .arg(log)
            .arg(&ready),
    );
    wait_for(&ready);
    b
}

/// `sh` holding `file` on fd 3 with the redirection `mode` (`>`: `O_WRONLY`, `<>`: `O_RDWR`),
/// having written a line through it, then waiting (its `sleep`s do not inherit the fd).
fn writer(file: &Path, mode: &str) -> Bg {
    let ready = PathBuf::from(format!("{}.ready", file.display()));
    let b = Bg::spawn(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "exec 3{mode}\"$0\"; echo data >&3; : > \"$1\"; while :; do sleep 0.2 3>&-; done"
            ))
            .arg(file)
            .arg(&ready),
    );
    wait_for(&ready);
    b
}

#[test]
fn truncating_a_log_its_logger_appends_to_warns_naming_the_logger_and_runs() {
    need_root!(); // a lease on any file, and every process's fds
    let sc = Scratch::new();
    let log = sc.file("app.log", 64 << 10);
    let lg = logger(Command::new("env"), &log);
    let named = format!("sh (pid {})", lg.pid());

    check(&["truncate", "-s", "0", &s(&log)])
        .go()
        .status(0)
        .stdout_has("warn")
        .stdout_has("[log-appended-elsewhere]")
        .stdout_has(&format!("is appended to by {named}"))
        .stdout_has("what log rotation does")
        .stdout_lacks("deny")
        .stdout_lacks("confirm");
    // the report shows how the writer holds it
    let j = Test::new()
        .args(["check", "--format", "json", "--", "truncate", "-s", "0"])
        .arg(&log)
        .go()
        .json();
    assert_eq!(j["verdict"], "warn", "{j}");
    let facts = &j["facts"]["paths"][s(&log)];
    assert_eq!(facts["open.writers_append_only"], true, "{j}");
    assert_eq!(facts["open.writers"], serde_json::json!([named]), "{j}");

    // allowed with the warning: the log is truncated, and the logger goes on at the new end
    run(&["truncate", "-s", "0", &s(&log)])
        .go()
        .status(0)
        .stderr_has("log-appended-elsewhere");
    std::thread::sleep(Duration::from_millis(500));
    let after = std::fs::read(&log).unwrap();
    assert!(after.len() < 1024, "not truncated: {} bytes", after.len());
    assert!(
        after.iter().all(|b| *b == b'x' || *b == b'\n'),
        "the logger wrote at its old offset (a hole): {after:?}"
    );
    drop(lg);
}

#[test]
fn removing_a_log_its_logger_appends_to_warns_and_runs() {
    need_root!();
    let sc = Scratch::new();
    let log = sc.file("access.log", 4096);
    let lg = logger(Command::new("env"), &log);
    check(&["rm", &s(&log)])
        .go()
        .status(0)
        .stdout_has("[log-appended-elsewhere]")
        .stdout_has(&format!("sh (pid {})", lg.pid()))
        .stdout_has("reopen its log");
    run(&["rm", &s(&log)])
        .go()
        .status(0)
        .stderr_has("log-appended-elsewhere");
    assert!(!log.exists(), "rm did not run");
}

#[test]
fn a_file_written_in_place_elsewhere_asks_naming_the_writer_and_is_not_touched_without_a_terminal()
{
    need_root!();
    for (mode, flags) in [(">", "O_WRONLY"), ("<>", "O_RDWR")] {
        let sc = Scratch::new();
        let f = sc.path("state.db");
        std::fs::write(&f, b"").unwrap();
        let w = writer(&f, mode);
        let before = blake3_of(&f);
        check(&["truncate", "-s", "0", &s(&f)])
            .go()
            .status(3)
            .stdout_has("[open-for-write-elsewhere]")
            .stdout_has(&format!("is open for writing by sh (pid {})", w.pid()))
            .stdout_has(&format!(": {flags})"))
            .stdout_lacks("[log-appended-elsewhere]")
            .stdout_lacks("deny");
        check(&["rm", &s(&f)])
            .go()
            .status(3)
            .stdout_has("[open-for-write-elsewhere]");
        // no terminal to ask: refused, the file as it was
        run(&["truncate", "-s", "0", &s(&f)]).go().status(126);
        assert_eq!(blake3_of(&f), before, "the refused truncate ran ({mode})");
        assert!(std::fs::metadata(&f).unwrap().len() > 0);
    }
}

#[test]
fn a_logger_beside_a_writer_in_place_asks() {
    need_root!();
    let sc = Scratch::new();
    let log = sc.file("mixed.log", 4096);
    let _lg = logger(Command::new("env"), &log);
    let w = writer(&log, "<>");
    check(&["truncate", "-s", "0", &s(&log)])
        .go()
        .status(3)
        .stdout_has("[open-for-write-elsewhere]")
        .stdout_has(&format!("sh (pid {}) fd ", w.pid()))
        .stdout_has(": O_RDWR)")
        .stdout_has("O_WRONLY|O_APPEND")
        .stdout_lacks("[log-appended-elsewhere]");
}

#[test]
fn a_disk_image_held_with_o_append_is_still_denied() {
    need_root!();
    need_tool!("qemu-img");
    let sc = Scratch::new();
    let raw = sc.path("web1.img");
    sh(&format!("qemu-img create -q -f raw '{}' 1M", raw.display()));
    // an MBR signature makes it a raw disk with a partition table
    sh(&format!(
        "printf '\\125\\252' | dd of='{}' bs=1 seek=510 conv=notrunc status=none",
        raw.display()
    ));
    let lg = logger(Command::new("env"), &raw);
    for argv in [vec!["truncate", "-s", "0"], vec!["rm"]] {
        let mut a = argv.clone();
        let p = s(&raw);
        a.push(&p);
        check(&a)
            .go()
            .status(4)
            .stdout_has("[disk-open-for-write-elsewhere]")
            .stdout_has(&format!("sh (pid {})", lg.pid()))
            .stdout_lacks("[log-appended-elsewhere]");
        run(&a).go().status(126);
    }
    drop(lg);
    // the logger's lines went to the end; nothing safeop refused changed the disk's start
    let bytes = std::fs::read(&raw).unwrap();
    assert_eq!(&bytes[510..512], &[0x55, 0xaa]);
    assert!(bytes.len() >= 1 << 20);
}

/// A normal user's own log, appended to by its own process: safeop run by that user sees the
/// writer, but not other users' processes (root's), one of which might write in place. "Only
/// appended to" cannot be vouched for: it asks, saying why, instead of warning.
#[test]
fn a_normal_user_cannot_vouch_that_its_log_is_only_appended_to_and_asks() {
    need_root!();
    need_tool!("setpriv");
    let w = World::new();
    // in the directory nobody may write (the logger's ready file goes beside the log)
    let log = w.file("log/own.log", false);
    sh(&format!("chown 65534:65534 '{}'", log.display()));
    let mut as_nobody = Command::new("setpriv");
    as_nobody.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    let _lg = logger(as_nobody, &log);
    w.as_nobody()
        .args(["check", "--", "truncate", "-s", "0"])
        .arg(&log)
        .go()
        .status(3)
        .stdout_has("[open-for-write-elsewhere]")
        .stdout_has(
            "every writer safeop sees only appends, but one it cannot see may write anywhere",
        )
        .stdout_has("other users' processes")
        .stdout_lacks("[log-appended-elsewhere]");
    // root sees every process: the same log warns
    check(&["truncate", "-s", "0", &s(&log)])
        .go()
        .status(0)
        .stdout_has("[log-appended-elsewhere]");
}
