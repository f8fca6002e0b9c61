//! The probes' helper programs are bounded, through the built binary (issue 14): a smartctl that
//! hangs, one that leaves a child holding its stdout, one that prints without end, a virsh slow
//! on every domain, a restic that lists nothing, a getent that lingers in the audit step, and
//! SIGINT/SIGTERM/SIGHUP while a helper runs. Each fault is injected for real by a stand-in first
//! on PATH. Commands are only `check`ed, except `run`s on scratch files the test made.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Entries in a tree the default policy calls a mass delete (`degraded-disk-bulk-delete` wants
/// 1,000 or more), so that `rm -rf` on it asks SMART about the disk under it.
const BULK_FILES: usize = 1000;

/// A scratch tree of [`BULK_FILES`] empty files.
fn bulk_tree(s: &Scratch) -> String {
    let dir = s.path("tree");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for i in 0..BULK_FILES {
        std::fs::File::create(dir.join(format!("f{i}"))).expect("create file");
    }
    s.p("tree")
}

/// A stand-in that first records its pid, which is its process group's id (safeop starts
/// every helper as the leader of a group of its own), in `pids`, then runs `script`.
fn recording_stand_in(bin: &Path, name: &str, pids: &Path, script: &str) {
    stand_in(
        bin,
        name,
        &format!("echo $$ >> '{}'\n{script}", pids.display()),
    );
}

/// The process groups recorded in `pids`.
fn groups(pids: &Path) -> Vec<i32> {
    std::fs::read_to_string(pids)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Live (not zombie) processes whose process group is `pgid`.
fn members(pgid: i32) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let f: Vec<&str> = rest.split(' ').collect();
        if f.len() > 2 && f[0] != "Z" && f[2].parse() == Ok(pgid) {
            out.push(stat.trim().to_string());
        }
    }
    out
}

/// Asserts that no process of any recorded group is left, allowing a moment for init to reap.
fn nothing_left(pids: &Path) {
    let all = groups(pids);
    assert!(!all.is_empty(), "the stand-in never ran");
    let until = Instant::now() + Duration::from_secs(3);
    for g in all {
        loop {
            let left = members(g);
            if left.is_empty() {
                break;
            }
            assert!(
                Instant::now() < until,
                "left running in group {g}: {left:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn healthy_capture() -> PathBuf {
    fixture("smartctl/ata-healthy-wdc-wd20efrx.json")
}

#[test]
fn a_smartctl_that_hangs_is_stopped_at_its_limit_and_the_mass_delete_asks() {
    let s = Scratch::new();
    let tree = bulk_tree(&s);
    let (bin, pids) = (s.path("bin"), s.path("pids"));
    recording_stand_in(&bin, "smartctl", &pids, "sleep 100");
    let t = Instant::now();
    let r = Test::new()
        .path_first(&bin)
        .env("SAFEOP_HELPER_TIMEOUT", "2")
        .args(["check", "--", "rm", "-rf", &tree])
        .go();
    assert!(
        t.elapsed() < Duration::from_secs(2 + 5),
        "{:?}",
        t.elapsed()
    );
    r.status(3)
        .stdout_has("confirm [degraded-disk-bulk-delete]")
        .stdout_has(
            "smartctl did not answer within 2 s: a disk that hangs on SMART may be failing",
        );
    nothing_left(&pids);
    assert!(s.path("tree/f0").exists(), "check deletes nothing");
}

#[test]
fn a_child_left_holding_smartctls_stdout_does_not_hold_safeop_and_is_killed() {
    let s = Scratch::new();
    let tree = bulk_tree(&s);
    let (bin, pids) = (s.path("bin"), s.path("pids"));
    recording_stand_in(
        &bin,
        "smartctl",
        &pids,
        &format!("sleep 70 &\ncat '{}'\nexit 0", healthy_capture().display()),
    );
    let t = Instant::now();
    let r = Test::new()
        .path_first(&bin)
        .env("SAFEOP_HELPER_TIMEOUT", "3")
        .args(["check", "--", "rm", "-rf", &tree])
        .go();
    assert!(
        t.elapsed() < Duration::from_secs(3 + 5),
        "{:?}",
        t.elapsed()
    );
    // What smartctl printed before it exited is its answer: a healthy disk.
    r.status(0).stdout_has("allow: rm -rf");
    nothing_left(&pids);
}

/// The highest resident set size (KiB) of `safeop ARGS…` run with the Test builder's clean
/// environment: GNU time's `%M` when /usr/bin/time is there, else VmHWM sampled from /proc.
fn max_rss_kib(bin: &Path, args: &[&str]) -> (Ran, u64) {
    let s = Scratch::new();
    let out = s.path("rss");
    let test = if Path::new("/usr/bin/time").exists() {
        Test::around(Command::new("/usr/bin/time"))
            .args(["-f", "%M", "-o"])
            .arg(&out)
            .arg(BIN)
    } else {
        let sample = format!(
            "\"$@\" & pid=$!; hwm=0; while kill -0 $pid 2>/dev/null; do h=$(sed -n 's/^VmHWM: *\\([0-9]*\\) kB/\\1/p' /proc/$pid/status 2>/dev/null); [ -n \"$h\" ] && hwm=$h; sleep 0.005; done; wait $pid; rc=$?; echo $hwm > '{}'; exit $rc",
            out.display()
        );
        Test::around(Command::new("sh")).args(["-c", &sample, "sh", BIN])
    };
    let r = test.path_first(bin).args(args).go();
    let kib = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RSS measured\n{}", r.stderr));
    (r, kib)
}

#[test]
fn a_smartctl_that_prints_without_end_is_stopped_at_the_cap_and_safeop_stays_small() {
    let s = Scratch::new();
    let tree = bulk_tree(&s);
    let (bin, pids) = (s.path("bin"), s.path("pids"));
    // 300 MB: kept whole, it alone would take more than 286 MiB.
    recording_stand_in(&bin, "smartctl", &pids, "head -c 300000000 /dev/zero");
    let (r, kib) = max_rss_kib(&bin, &["check", "--", "rm", "-rf", &tree]);
    r.status(0)
        .stdout_has("warn: rm -rf")
        .stdout_has("SMART health unreadable: /dev/")
        .stdout_has("`smartctl` printed more than 64 MiB on stdout and was stopped");
    // The 64 MiB cap plus the binary and some slack; not the 300 MB.
    assert!(kib < 160 * 1024, "safeop's peak RSS was {kib} KiB");
    nothing_left(&pids);
}

/// A `virsh` whose domain listing names ten running domains and that takes 2 s over each one's
/// disk table (logging each ask to `log`).
fn slow_virsh(s: &Scratch, log: &Path) -> PathBuf {
    let bin = s.path("bin");
    let table = fixture("libvirt/virsh-9.0.0-domblklist-details-web01.txt");
    stand_in(
        &bin,
        "virsh",
        &format!(
            "case \"$*\" in\n 'list --name') for i in 1 2 3 4 5 6 7 8 9 10; do echo dom$i; done; echo;;\n 'domblklist --details '*) echo \"$*\" >> '{}'; sleep 2; cat '{}';;\n *) echo \"error: unexpected $*\" >&2; exit 1;;\nesac",
            log.display(),
            table.display()
        ),
    );
    bin
}

#[test]
fn one_probe_budget_bounds_a_virsh_that_is_slow_on_every_domain() {
    let s = Scratch::new();
    let img = s.file("guest.img", 1 << 20);
    // Held open, as a running guest's disk would be: without an answer from virsh, nobody can
    // say it is not one.
    let _holder = Bg::spawn(
        Command::new("sh")
            .args(["-c", "exec 9<\"$0\"; exec sleep 60"])
            .arg(&img),
    );
    let until = Instant::now() + Duration::from_secs(5);
    while !Path::new(&format!("/proc/{}/fd/9", _holder.pid())).exists() {
        assert!(Instant::now() < until, "holder did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = s.path("virsh.log");
    let bin = slow_virsh(&s, &log);
    let t = Instant::now();
    let r = Test::new()
        .path_first(&bin)
        .env("SAFEOP_PROBE_BUDGET", "3")
        .args(["check", "--", "dd", "if=/dev/zero"])
        .arg(format!("of={}", img.display()))
        .go();
    // Ten domains at 2 s each would be 20 s (each under virsh's own 5 s limit).
    assert!(
        t.elapsed() < Duration::from_secs(3 + 5),
        "{:?}",
        t.elapsed()
    );
    r.status(3)
        .stdout_has("vm-disks-unknown")
        .stdout_has("probe budget spent");
    let asked = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    assert!((1..=3).contains(&asked), "{asked} domains asked");
}

#[test]
fn a_restic_listing_that_says_nothing_or_fails_is_a_fact_error_and_is_run_once() {
    for (what, script) in [
        ("exits 0 with no output", "exit 0"),
        (
            "fails",
            "echo 'Fatal: wrong password or no key found' >&2; exit 1",
        ),
    ] {
        let s = Scratch::new();
        let log = s.path("restic.log");
        let bin = s.path("bin");
        stand_in(
            &bin,
            "restic",
            &format!("echo \"$*\" >> '{}'\n{script}", log.display()),
        );
        let dest = s.path("dest");
        std::fs::create_dir_all(&dest).expect("mkdir");
        let r = Test::new()
            .path_first(&bin)
            .args([
                "check", "--format", "json", "--", "restic", "-r", "/repo", "restore", "latest",
                "--target",
            ])
            .arg(&dest)
            .go();
        r.status(3);
        let out = r.json();
        let errors: Vec<&Value> = out["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f.get("fact_error"))
            .filter(|e| {
                e["fact"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("restore."))
            })
            .collect();
        assert!(
            !errors.is_empty(),
            "{what}: no restore fact failed: {out:#}"
        );
        let want = if script == "exit 0" {
            "without its snapshot line"
        } else {
            "wrong password"
        };
        for e in &errors {
            let why = e["why"].as_str().unwrap_or("");
            assert!(why.contains(want), "{what}: {why}");
        }
        let ls = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(
            ls.lines().filter(|l| l.contains(" ls ")).count(),
            1,
            "{what}: the listing is run once: {ls}"
        );
    }
}

#[test]
fn the_audit_record_names_the_probe_that_failed() {
    let s = Scratch::new();
    let tree = bulk_tree(&s);
    let bin = s.path("bin");
    stand_in(&bin, "smartctl", "echo garbage; exit 0");
    let t = Test::new().path_first(&bin);
    let log = t.audit_log();
    // A warning runs: the tree is the test's own.
    let (r, _keep) = t.args(["run", "--", "rm", "-rf", &tree]).run();
    r.status(0);
    assert!(!s.path("tree").exists(), "the warned delete ran");
    let text = std::fs::read_to_string(&log).expect("audit log");
    let rec: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| v["r"].clone())
        .find(|r| r["event"] == "decision")
        .expect("a decision record");
    let f = &rec["findings"][0];
    assert_eq!(f["rule"], "degraded-disk-bulk-delete", "{rec:#}");
    assert_eq!(
        f["fact_error"]["fact"], "target.disk.smart.degraded",
        "{rec:#}"
    );
    let why = f["fact_error"]["why"].as_str().unwrap_or("");
    assert!(why.contains("output not JSON"), "{why}");
}

#[test]
fn a_lingering_getent_does_not_hold_the_audit_step() {
    need_root!();
    const UID: u32 = 54321;
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    assert!(
        !passwd.lines().any(|l| l.split(':').nth(2) == Some("54321")),
        "this test needs uid {UID} to be unknown to /etc/passwd"
    );
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    // a copy the user can reach, wherever the checkout lies; no fixture layer it could not read
    let (_bin_dir, reachable) = bin_for_others();
    let mut cmd = Command::new(&reachable);
    cmd.uid(UID).gid(UID);
    let t = Test::around(cmd).env_remove("SAFEOP_POLICY");
    let dir = t.scratch.dir.path().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (bin, pids) = (dir.join("bin"), dir.join("pids"));
    recording_stand_in(
        &bin,
        "getent",
        &pids,
        "sleep 70 &\necho 'nsstester:x:54321:54321::/:/bin/sh'",
    );
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(&pids, "").expect("pids");
    std::fs::set_permissions(&pids, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let file = dir.join("one");
    std::fs::write(&file, "x").expect("write");
    // the user's own file: one another user holds is "cannot tell" for a normal user (asks)
    std::os::unix::fs::chown(&file, Some(UID), Some(UID)).expect("chown");
    let log = t.audit_log();
    let started = Instant::now();
    let (r, _keep) = t
        .path_first(&bin)
        .arg("run")
        .arg("--")
        .args(["rm", "-f"])
        .arg(&file)
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    r.status(0);
    assert!(!file.exists());
    let text = std::fs::read_to_string(&log).expect("audit log");
    assert!(text.contains("\"user\":\"nsstester\""), "{text}");
    nothing_left(&pids);
}

/// safeop `check`ing a mass delete while a stand-in smartctl hangs, with the Test builder's
/// environment; returns the child and the file the stand-in records its group in.
fn check_while_smartctl_hangs(s: &Scratch) -> (std::process::Child, PathBuf) {
    let tree = bulk_tree(s);
    let (bin, pids) = (s.path("bin"), s.path("pids"));
    recording_stand_in(&bin, "smartctl", &pids, "sleep 100");
    let mut child = Command::new(BIN);
    child
        .args(["check", "--", "rm", "-rf", &tree])
        .env("SAFEOP_POLICY", fixture("empty-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env_remove("SAFEOP_HELPER_TIMEOUT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // The signals this is about as a terminal delivers them. A test run started in the
    // background of a non-interactive shell (`cargo test &`) inherits SIGINT ignored, and safeop,
    // like any program, keeps a signal ignored that its caller ignores (`nohup`).
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        child.pre_exec(|| {
            for sig in [nix::libc::SIGINT, nix::libc::SIGTERM, nix::libc::SIGHUP] {
                nix::libc::signal(sig, nix::libc::SIG_DFL);
            }
            Ok(())
        });
    }
    let child = child.spawn().expect("spawn safeop");
    let until = Instant::now() + Duration::from_secs(10);
    while groups(&pids).is_empty() {
        assert!(Instant::now() < until, "smartctl never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, pids)
}

#[test]
fn an_interrupted_safeop_leaves_no_helper_running() {
    use nix::sys::signal::{kill, Signal};
    use std::os::unix::process::ExitStatusExt;
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        let s = Scratch::new();
        let (mut child, pids) = check_while_smartctl_hangs(&s);
        std::thread::sleep(Duration::from_millis(200));
        let t = Instant::now();
        kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).expect("signal safeop");
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break st;
            }
            assert!(
                t.elapsed() < Duration::from_secs(3),
                "{sig}: safeop did not stop"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(
            status.signal(),
            Some(sig as i32),
            "{sig}: dies of the signal"
        );
        nothing_left(&pids);
    }
}

#[test]
fn ctrl_c_while_a_restore_is_counted_kills_the_listing_too() {
    use nix::sys::signal::{kill, Signal};
    let s = Scratch::new();
    let (bin, pids) = (s.path("bin"), s.path("pids"));
    recording_stand_in(&bin, "restic", &pids, "sleep 100 & sleep 100");
    let dest = s.path("dest");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let mut child = Command::new(BIN)
        .args([
            "check", "--", "restic", "-r", "/repo", "restore", "latest", "--target",
        ])
        .arg(&dest)
        .env("SAFEOP_POLICY", fixture("empty-policy.yaml"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn safeop");
    let until = Instant::now() + Duration::from_secs(10);
    while groups(&pids).is_empty() {
        assert!(Instant::now() < until, "restic never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        Signal::SIGINT,
    )
    .expect("SIGINT");
    let t = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        assert!(t.elapsed() < Duration::from_secs(3), "safeop did not stop");
        std::thread::sleep(Duration::from_millis(10));
    };
    // The restore's own Ctrl-C: "interrupted while counting", status 130.
    assert_eq!(status.code(), Some(130));
    nothing_left(&pids);
}
