//! The audit log through the built binary, where the user meets it: `audit verify` names the line
//! where the chain breaks — a line edited, deleted, two swapped, records cut off the end (found
//! by the chain head beside the log); a held lock makes safeop wait a bounded time and then act
//! as for an unwritable log; a write torn for real on a full tmpfs is recorded as damage by the
//! next run and the log goes on, while a torn tail the head does not vouch for is refused.
//! Every command run for real acts on scratch files these tests made.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// safeop with the test layer that confirms `*.yesno` and denies `*.deny`, logging to `log`.
fn safeop(log: &Path) -> Test {
    Test::new()
        .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", log)
}

fn verify(log: &Path) -> Ran {
    safeop(log).arg("audit").arg("verify").arg(log).go()
}

/// `run -- rm -f FILE` of a scratch file: allowed, and logged.
fn rm(log: &Path, file: &Path) -> Ran {
    safeop(log).args(["run", "--", "rm", "-f"]).arg(file).go()
}

/// `run -- dd of=FILE`: a `*.deny` target is denied, a `*.yesno` one needs a yes (refused here:
/// no terminal). Nothing is written either way.
fn dd(log: &Path, file: &Path) -> Ran {
    safeop(log)
        .args(["run", "--", "dd", "if=/dev/zero"])
        .arg(format!("of={}", file.display()))
        .args(["count=1", "conv=notrunc", "status=none"])
        .no_tty()
        .go()
}

/// A log of `n` records made by the binary: allowed removals of scratch files and refused dd runs.
fn log_of(s: &Scratch, n: usize) -> PathBuf {
    let log = s.path("audit.jsonl");
    for i in 0..n {
        if i % 2 == 0 {
            rm(&log, &s.file(&format!("gone{i}"), 10)).status(0);
        } else {
            dd(&log, &s.path(&format!("x{i}.deny"))).status(126);
        }
    }
    let noun = if n == 1 { "record" } else { "records" };
    verify(&log).status(0).stdout_has(&format!(
        "{n} {noun}, chain intact, its end matches its head"
    ));
    log
}

fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .expect("log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(log: &Path, lines: &[&String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(log, text).expect("rewrite the log");
}

#[test]
fn records_cut_off_the_end_fail_verify_naming_the_line_and_stop_what_needs_a_record() {
    let s = Scratch::new();
    let log = log_of(&s, 5);
    let all = lines(&log);
    for cut in [1, 3] {
        let kept: Vec<&String> = all[..5 - cut].iter().collect();
        write_lines(&log, &kept);
        let noun = if cut == 1 {
            "record was"
        } else {
            "records were"
        };
        verify(&log)
            .status(1)
            .stdout_has(&format!("chain broken at line {}", 5 - cut + 1))
            .stdout_has(&format!("the last {cut} {noun} removed"));
    }
    // Nothing more goes into a log that lost its end: a deny is refused as ever, a confirm is
    // refused before it is asked, an allowed command runs with the warning.
    let before = std::fs::read(&log).expect("log");
    dd(&log, &s.path("y.deny"))
        .status(126)
        .stderr_has("says 5 records but the log ends after 2: the last 3 were removed")
        .stderr_has("safeop audit verify")
        .stderr_has("the decision was not logged");
    dd(&log, &s.path("y.yesno"))
        .status(126)
        .stderr_has("the last 3 were removed")
        .stderr_has("does not run without its audit record");
    let f = s.file("still-removed", 10);
    rm(&log, &f)
        .status(0)
        .stderr_has("the decision was not logged");
    assert!(!f.exists(), "the allowed rm ran");
    assert_eq!(
        std::fs::read(&log).expect("log"),
        before,
        "the log was left as it was"
    );
    // The way out the message names: the head moved aside, the log is taken as it is.
    let head = s.path("audit.jsonl.head");
    std::fs::rename(&head, s.path("audit.jsonl.head.cut")).expect("mv");
    verify(&log)
        .status(0)
        .stdout_has("2 records, chain intact")
        .stdout_has("warning: no chain head");
    rm(&log, &s.file("after", 10))
        .status(0)
        .stderr_lacks("not logged");
    verify(&log)
        .status(0)
        .stdout_has("3 records, chain intact, its end matches its head")
        .stdout_has("the chain head was made at record 2");
}

#[test]
fn a_line_edited_deleted_or_swapped_fails_verify_naming_the_line() {
    let s = Scratch::new();
    let log = log_of(&s, 4);
    let all = lines(&log);
    let edited = all[1].replacen("\"refused\"", "\"allowed\"", 1);
    assert_ne!(edited, all[1]);
    let cases: Vec<(&str, Vec<&String>, usize, &str)> = vec![
        (
            "edited",
            vec![&all[0], &edited, &all[2], &all[3]],
            2,
            "the line was edited",
        ),
        (
            "deleted",
            vec![&all[0], &all[2], &all[3]],
            2,
            "a line was removed or reordered",
        ),
        (
            "swapped",
            vec![&all[0], &all[2], &all[1], &all[3]],
            2,
            "a line was removed or reordered",
        ),
        (
            "first deleted",
            vec![&all[1], &all[2], &all[3]],
            1,
            "a line was removed or reordered",
        ),
    ];
    for (what, text, line, why) in cases {
        write_lines(&log, &text);
        let r = verify(&log);
        assert_eq!(r.code(), 1, "{what}: {}", r.stdout);
        r.stdout_has(&format!("chain broken at line {line}: "))
            .stdout_has(why);
    }
}

/// Holds the log's lock as another program would (`flock -F LOG sleep`), killed on drop.
fn hold_lock(log: &Path) -> Bg {
    let bg = Bg::spawn(
        Command::new("flock")
            .arg("-F")
            .arg(log)
            .args(["sleep", "60"]),
    );
    let f = std::fs::File::open(log).expect("open log");
    let t = Instant::now();
    while f.try_lock_shared().is_ok() {
        f.unlock().expect("unlock");
        assert!(t.elapsed() < Duration::from_secs(5), "flock took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    bg
}

#[test]
fn a_held_lock_is_waited_for_a_bounded_time_then_treated_as_an_unwritable_log() {
    need_tool!("flock");
    let s = Scratch::new();
    let log = log_of(&s, 1);
    let holder = hold_lock(&log);
    let waiting = format!(
        "waiting for the audit log lock held by pid {} (sleep)",
        holder.pid()
    );
    let timed = |what: &'static str, run: Box<dyn FnOnce() -> Ran + Send>| {
        std::thread::spawn(move || {
            let t = Instant::now();
            let r = run();
            let took = t.elapsed();
            assert!(
                took >= Duration::from_secs(4) && took < Duration::from_secs(9),
                "{what} took {took:?}\n{}",
                r.stderr
            );
            r
        })
    };
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let (deny, yesno) = (s.path("z.deny"), s.file("z.yesno", 512));
    let gone = s.file("gone-while-locked", 10);
    let g = gone.clone();
    let denied = timed("deny", Box::new(move || dd(&l1, &deny)));
    let confirmed = timed("confirm", Box::new(move || dd(&l2, &yesno)));
    let allowed = timed("allow", Box::new(move || rm(&l3, &g)));
    let locked = "and was not released within 5 s";
    denied
        .join()
        .expect("deny")
        .status(126)
        .stderr_has(&waiting)
        .stderr_has(locked)
        .stderr_has("the decision was not logged")
        .stderr_has("refused (denied by policy)");
    confirmed
        .join()
        .expect("confirm")
        .status(126)
        .stderr_has(&waiting)
        .stderr_has(locked)
        .stderr_has("does not run without its audit record")
        .stderr_lacks("no terminal");
    allowed
        .join()
        .expect("allow")
        .status(0)
        .stderr_has(&waiting)
        .stderr_has("the decision was not logged");
    assert!(!gone.exists(), "the allowed rm ran");
    assert_eq!(
        blake3_of(&s.path("z.yesno")),
        blake3_of(&s.file("ref", 512))
    );
    drop(holder);
    verify(&log)
        .status(0)
        .stdout_has("1 record, chain intact, its end matches its head");
    rm(&log, &s.file("after", 1))
        .status(0)
        .stderr_lacks("waiting");
}

#[test]
fn in_sudo_mode_a_held_lock_refuses_even_an_allowed_command() {
    need_root!(); // sudo mode is root with SUDO_UID; its log is /var/log/safeop, here a tmpfs
    need_tool!("flock");
    let s = Scratch::new();
    let f = s.file("kept", 10);
    // A private mount namespace with a tmpfs on /var/log: the machine's log is never touched.
    let script = "mount --make-rprivate / && mount -t tmpfs tmpfs /var/log \
        && mkdir -p /var/log/safeop && : > /var/log/safeop/audit.jsonl \
        && { flock -F /var/log/safeop/audit.jsonl sleep 30 & holder=$!; } \
        && sleep 0.5 && \"$0\" \"$@\"; rc=$?; kill $holder; exit $rc";
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "sh", "-c", script, BIN, "run", "--", "rm", "-f"])
        .arg(&f);
    let t = Instant::now();
    let r = Test::around(cmd)
        .env("SUDO_UID", "1000")
        .env("SUDO_USER", "alice")
        .go();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    r.status(126)
        .stderr_has("waiting for the audit log lock held by pid")
        .stderr_has("in sudo mode nothing runs without its audit record");
    assert!(f.exists(), "rm did not run");
}

/// A record of an allowed `rm -f` long enough (about 6 KiB of arguments, files that do not
/// exist) to cross the end of the log's last page.
fn long_rm(log: &Path, s: &Scratch) -> Ran {
    let names: Vec<String> = (0..30)
        .map(|i| s.p(&format!("{}{i}", "n".repeat(200))))
        .collect();
    safeop(log)
        .args(["run", "--", "rm", "-f"])
        .args(&names)
        .go()
}

#[test]
fn a_write_torn_by_a_full_disk_is_recorded_as_damage_by_the_next_run_and_the_log_goes_on() {
    need_root!(); // a real full filesystem under the log
    let s = Scratch::new();
    let full = s.path("full");
    let _m = MountGuard::tmpfs(&full, "size=64k");
    let log = full.join("audit.jsonl");
    rm(&log, &s.file("a", 1)).status(0);
    rm(&log, &s.file("b", 1)).status(0);
    if std::fs::metadata(&log)
        .expect("log")
        .len()
        .is_multiple_of(4096)
    {
        rm(&log, &s.file("c", 1)).status(0); // no room left in its last page would tear nothing
    }
    let records = lines(&log).len();
    // fill it: dd stops at ENOSPC
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=4k", "status=none"])
        .arg(format!("of={}", full.join("filler").display()))
        .stderr(std::process::Stdio::null())
        .status();
    let whole = std::fs::metadata(&log).expect("log").len();
    long_rm(&log, &s)
        .status(0)
        .stderr_has("No space left on device")
        .stderr_has("the decision was not logged");
    let torn = std::fs::metadata(&log).expect("log").len() - whole;
    let text = std::fs::read(&log).expect("log");
    assert!(
        torn > 0 && !text.ends_with(b"\n"),
        "the write was cut off for real ({torn} bytes written)"
    );
    verify(&log)
        .status(0)
        .stdout_has(&format!("{records} records, chain intact"))
        .stdout_has(&format!(
            "line {}: the last line is incomplete",
            records + 1
        ))
        .stdout_has("the next append records it as damage");
    // space again: the next run records the damage and goes on
    std::fs::remove_file(full.join("filler")).expect("free space");
    let f = s.file("after", 1);
    rm(&log, &f)
        .status(0)
        .stderr_has(&format!("a write to it was cut off ({torn} bytes"))
        .stderr_has(&format!("recorded as damage (record {records})"))
        .stderr_lacks("not logged");
    assert!(!f.exists());
    verify(&log)
        .status(0)
        .stdout_has(&format!(
            "{} records, chain intact, its end matches its head",
            records + 2
        ))
        .stdout_has(&format!(
            "warning: line {}: {torn} bytes of a write that was cut off",
            records + 1
        ))
        .stdout_has(&format!("recorded as damage at line {}", records + 2));
    let damage: serde_json::Value =
        serde_json::from_str(&lines(&log)[records + 1]).expect("damage line");
    assert_eq!(damage["r"]["event"], "damage");
    assert_eq!(damage["r"]["torn_bytes"], torn);
    safeop(&log)
        .args(["audit", "show"])
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("torn-tail")
        .stdout_has(&format!(
            "({torn} bytes of a torn write before this record)"
        ));
    // and the runs after that are plain appends again
    rm(&log, &s.file("later", 1))
        .status(0)
        .stderr_lacks("damage");
    verify(&log)
        .status(0)
        .stdout_has(&format!("{} records", records + 3));
}

#[test]
fn a_torn_tail_the_head_does_not_vouch_for_is_refused_and_fails_verify() {
    let s = Scratch::new();
    let log = log_of(&s, 4);
    let all = lines(&log);
    // records 2 and 3 gone, and a torn piece of record 2 left: a tear cannot be told from a cut
    std::fs::write(&log, format!("{}\n{}\n{}", all[0], all[1], &all[2][..40])).expect("cut");
    verify(&log)
        .status(1)
        .stdout_has(
            "chain broken at line 3: the last line is incomplete (40 bytes of a torn write)",
        )
        .stdout_has("does not name the record before it");
    let before = std::fs::read(&log).expect("log");
    dd(&log, &s.path("t.yesno"))
        .status(126)
        .stderr_has("the last line is cut off (40 bytes of a torn write)")
        .stderr_has("does not run without its audit record");
    dd(&log, &s.path("t.deny"))
        .status(126)
        .stderr_has("the last line is cut off")
        .stderr_has("refused (denied by policy)");
    let f = s.file("t", 1);
    rm(&log, &f)
        .status(0)
        .stderr_has("the decision was not logged");
    assert!(!f.exists());
    assert_eq!(
        std::fs::read(&log).expect("log"),
        before,
        "nothing appended"
    );
    verify(&log).status(1);
    // `audit show` still reads it, a tear inside a character included
    let mut torn = before.clone();
    torn.push(0xc3);
    std::fs::write(&log, &torn).expect("write");
    safeop(&log)
        .args(["audit", "show"])
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("allowed")
        .stdout_has("line 3: 41 bytes that are no record (`safeop audit verify` says more)");
}

#[test]
fn safeop_killed_during_a_confirmed_run_loses_no_earlier_record() {
    use nix::sys::signal::{kill, Signal};
    use rexpect::session::spawn_command;
    let s = Scratch::new();
    let log = log_of(&s, 2);
    // a stand-in dd that says its pid and takes its time, so safeop is killed while it waits
    let bin = s.path("bin");
    stand_in(
        &bin,
        "dd",
        &format!("echo $$ > '{}'; exec sleep 30", s.p("dd.pid")),
    );
    let target = s.file("k.yesno", 512);
    let mut cmd = Command::new(BIN);
    for v in [
        "SUDO_UID",
        "SUDO_USER",
        "SSH_CONNECTION",
        "SSH_CLIENT",
        "SSH_TTY",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", &log)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .args(["run", "--", "dd", "if=/dev/zero"])
        .arg(format!("of={}", target.display()))
        .args(["count=1", "conv=notrunc"]);
    let mut p = spawn_command(cmd, Some(15_000)).expect("spawn in a pty");
    p.exp_string("Run it?").expect("asked");
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
    let t = Instant::now();
    let dd_pid = loop {
        if let Some(pid) = std::fs::read_to_string(s.path("dd.pid"))
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
        {
            break pid;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the stand-in never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // the confirmed record is written before the command starts
    assert!(std::fs::read_to_string(&log)
        .expect("log")
        .contains("\"confirmed\""));
    p.process_mut()
        .signal(Signal::SIGKILL)
        .expect("kill -9 safeop");
    let _ = p.process().wait();
    let _ = kill(nix::unistd::Pid::from_raw(dd_pid), Signal::SIGKILL);
    verify(&log)
        .status(0)
        .stdout_has("3 records, chain intact, its end matches its head");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains("\"outcome\""),
        "safeop died before the outcome"
    );
    rm(&log, &s.file("after", 1))
        .status(0)
        .stderr_lacks("not logged");
    verify(&log).status(0).stdout_has("4 records, chain intact");
}
