//! Signals and a confirmed command, through a real pseudo-terminal (DESIGN decision 8: only a
//! confirmed or overridden command is forked and waited for, so only it has signals passed on).
//! The command is `dd` on a scratch `*.yesno` file, or `trapper`: a stand-in shell script put
//! first on PATH that notes every signal it gets in a file, one line each, and runs until told
//! to stop. rexpect starts safeop as the leader of a new session on the terminal (setsid, then
//! the terminal opened), which is how `ssh -t host safeop …` runs it; the job-control tests put
//! a `bash` with job control (`set -m`) in between, so safeop is a job that can be stopped.

mod common;
use common::*;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use rexpect::session::PtySession;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const TRAPPER: &str = r#"#!/bin/sh
# A stand-in command: notes each signal it gets in "$1", exits 7 on SIGHUP, ends when "$1.stop"
# exists (or the test's scratch dir is gone). SIGTSTP is left at its default: it stops the script.
log=$1
for s in INT QUIT USR1 USR2 ALRM PIPE TERM WINCH CONT; do trap "echo $s >> '$log'" $s; done
trap "echo HUP >> '$log'; exit 7" HUP
echo "$$" > "$log.pid"
echo ready
while [ ! -e "$log.stop" ] && [ -d "${log%/*}" ]; do sleep 0.05; done
echo done
"#;

/// A scratch dir with `bin/trapper` and the paths a run uses.
struct Stage {
    s: Scratch,
}

impl Stage {
    fn new() -> Stage {
        let s = Scratch::new();
        let bin = s.path("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        let t = bin.join("trapper");
        std::fs::write(&t, TRAPPER).expect("write trapper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Stage { s }
    }
    fn audit(&self) -> PathBuf {
        self.s.path("audit.jsonl")
    }
    /// Where trapper notes its signals.
    fn got(&self) -> PathBuf {
        self.s.path("got")
    }
    fn got_text(&self) -> String {
        std::fs::read_to_string(self.got()).unwrap_or_default()
    }
    fn count(&self, sig: &str) -> usize {
        self.got_text().lines().filter(|l| *l == sig).count()
    }
    fn trapper_pid(&self) -> i32 {
        let p = self.s.path("got.pid");
        wait_until("trapper wrote its pid", || p.exists());
        std::fs::read_to_string(&p)
            .expect("pid file")
            .trim()
            .parse()
            .expect("a pid")
    }
    fn stop_trapper(&self) {
        std::fs::write(self.s.path("got.stop"), "").expect("stop file");
    }
    /// safeop with the test layer, this stage's audit log and `bin/` first on PATH. A shell
    /// notes its pid first and becomes safeop (same pid, same session).
    fn safeop(&self, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        self.env_for_safeop(&mut c);
        c.args([
            "-c",
            r#"echo $$ > "$0"; exec "$@""#,
            &self.s.p("safeop.pid"),
            BIN,
        ]);
        c.args(args);
        c
    }
    /// safeop's pid (of a run started with [`Stage::safeop`]).
    fn safeop_pid(&self) -> i32 {
        let p = self.s.path("safeop.pid");
        wait_until("safeop's pid is known", || {
            std::fs::read_to_string(&p).is_ok_and(|t| t.ends_with('\n'))
        });
        std::fs::read_to_string(&p)
            .expect("pid file")
            .trim()
            .parse()
            .expect("a pid")
    }
    fn env_for_safeop(&self, c: &mut Command) {
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
        c.env("SAFEOP_POLICY", fixture("signals-policy.yaml"));
        c.env("SAFEOP_AUDIT_LOG", self.audit());
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("PATH", format!("{}:{path}", self.s.path("bin").display()));
    }
    fn trapper(&self) -> Command {
        let got = self.s.p("got");
        self.safeop(&["run", "--", "trapper", &got])
    }
    /// safeop run -- trapper as a job of a bash with job control: bash runs it in the
    /// foreground, says `stopped: STATUS` when it stops, and after a line is typed brings it
    /// back with `fg` and says `fg: STATUS`.
    fn trapper_as_a_job(&self) -> Command {
        let mut c = Command::new("bash");
        self.env_for_safeop(&mut c);
        c.args([
            "--norc",
            "--noprofile",
            "-c",
            r#"set -m; "$@"; echo "stopped: $?"; read -r _; fg; echo "fg: $?""#,
            "bash",
            BIN,
            "run",
            "--",
            "trapper",
            &self.s.p("got"),
        ]);
        c
    }
    fn audit_text(&self) -> String {
        std::fs::read_to_string(self.audit()).unwrap_or_default()
    }
}

fn spawn(cmd: Command) -> PtySession {
    let mut p = rexpect::session::spawn_command(cmd, Some(15_000)).expect("spawn in a pty");
    // A failed test must not hang in the session's drop (trapper ignores SIGTERM).
    p.process_mut().set_kill_timeout(Some(2_000));
    p
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process's state letter and parent, from /proc/PID/stat.
fn stat(pid: i32) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let mut f = rest.split(' ');
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((state, ppid))
}

fn stopped(pid: i32) -> bool {
    stat(pid).is_some_and(|(s, _)| s == 'T')
}

/// The children of `parent` named `comm`.
fn children(parent: i32, comm: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if name.trim() == comm && stat(pid).is_some_and(|(_, pp)| pp == parent) {
            found.push(pid);
        }
    }
    found
}

fn signal(pid: i32, sig: Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).expect("kill");
}

/// How safeop ended: its exit status.
fn exit_code(p: &mut PtySession) -> i32 {
    let _ = p.exp_eof();
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, c)) => c,
        other => panic!("unexpected end: {other:?}"),
    }
}

/// The terminal safeop (`pid`) runs on, opened anew (as root, through /proc).
fn its_terminal(pid: i32) -> std::fs::File {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::libc::O_NOCTTY)
        .open(format!("/proc/{pid}/fd/0"))
        .expect("open the terminal")
}

/// Hangs the terminal up, as when the ssh connection or the terminal window goes away: the
/// kernel sends SIGHUP (and SIGCONT) to the session leader alone.
fn hang_up(pid: i32) {
    use std::os::fd::AsRawFd;
    let tty = its_terminal(pid);
    // SAFETY: TIOCVHANGUP takes no argument; the fd is open for the call's duration.
    let r = unsafe { nix::libc::ioctl(tty.as_raw_fd(), nix::libc::TIOCVHANGUP) };
    assert_eq!(r, 0, "vhangup: {}", std::io::Error::last_os_error());
}

/// Resizes the terminal: the kernel sends SIGWINCH to its foreground process group.
fn resize(pid: i32, rows: u16, cols: u16) {
    use std::os::fd::AsRawFd;
    let tty = its_terminal(pid);
    let ws = nix::libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one winsize, which lives for the call's duration.
    let r = unsafe { nix::libc::ioctl(tty.as_raw_fd(), nix::libc::TIOCSWINSZ, &ws) };
    assert_eq!(r, 0, "resize: {}", std::io::Error::last_os_error());
}

fn confirm(p: &mut PtySession) {
    p.exp_string("Run it? [y/N] ").expect("prompt");
    p.send_line("y").expect("answer");
    p.flush().expect("flush");
}

/// The audit log's outcome record says the command exited with `status`.
fn assert_outcome(audit: &str, status: i32) {
    let outcome = audit
        .lines()
        .find(|l| l.contains("\"event\":\"outcome\""))
        .unwrap_or_else(|| panic!("no outcome record:\n{audit}"));
    assert!(
        outcome.contains("\"action\":\"exited\"")
            && outcome.contains(&format!("\"status\":{status}")),
        "{outcome}"
    );
}

#[test]
fn usr1_makes_a_confirmed_dd_show_its_progress_and_dd_runs_on_as_safeop_s_child() {
    let st = Stage::new();
    let img = st.s.file("x.yesno", 4096);
    // dd reads the terminal (no `if=`), so it runs exactly as long as the test wants.
    let of = format!("of={}", img.display());
    let mut p = spawn(st.safeop(&["run", "--", "dd", &of]));
    let safeop = st.safeop_pid();
    confirm(&mut p);
    wait_until("dd runs", || children(safeop, "dd").len() == 1);
    let dd = children(safeop, "dd")[0];
    p.send_line("hello").expect("input for dd");
    p.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(200));
    signal(safeop, Signal::SIGUSR1);
    p.exp_string("records in")
        .expect("dd printed its progress on SIGUSR1");
    p.exp_string("bytes copied").expect("progress");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        stat(dd).map(|(_, pp)| pp),
        Some(safeop),
        "dd still runs, as safeop's child"
    );
    assert!(stat(safeop).is_some(), "safeop still waits for dd");
    p.send_control('d').expect("end of dd's input");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(std::fs::read_to_string(&img).expect("read"), "hello\n");
    let audit = st.audit_text();
    assert!(audit.contains("\"action\":\"confirmed\""), "{audit}");
    assert_outcome(&audit, 0);
}

#[test]
fn usr1_usr2_winch_alrm_pipe_and_cont_sent_to_safeop_reach_the_command_once() {
    let st = Stage::new();
    let mut p = spawn(st.trapper());
    let safeop = st.safeop_pid();
    confirm(&mut p);
    p.exp_string("ready").expect("trapper runs");
    let child = st.trapper_pid();
    assert_eq!(stat(child).map(|(_, pp)| pp), Some(safeop));
    let sigs = [
        (Signal::SIGUSR1, "USR1"),
        (Signal::SIGUSR2, "USR2"),
        (Signal::SIGWINCH, "WINCH"),
        (Signal::SIGALRM, "ALRM"),
        (Signal::SIGPIPE, "PIPE"),
        (Signal::SIGCONT, "CONT"),
    ];
    for (sig, name) in sigs {
        signal(safeop, sig);
        wait_until(&format!("trapper got {name}"), || st.count(name) == 1);
    }
    std::thread::sleep(Duration::from_millis(300));
    for (_, name) in sigs {
        assert_eq!(st.count(name), 1, "{name} once:\n{}", st.got_text());
    }
    st.stop_trapper();
    assert_eq!(exit_code(&mut p), 0);
    assert_outcome(&st.audit_text(), 0);
}

#[test]
fn what_the_terminal_sends_reaches_the_command_once() {
    // Ctrl-C and a resize signal the terminal's foreground process group, safeop and the
    // command alike: safeop does not pass on a second copy.
    let st = Stage::new();
    let mut p = spawn(st.trapper());
    let safeop = st.safeop_pid();
    confirm(&mut p);
    p.exp_string("ready").expect("trapper runs");
    let _ = st.trapper_pid();
    resize(safeop, 40, 100);
    wait_until("trapper got WINCH", || st.count("WINCH") >= 1);
    p.send_control('c').expect("ctrl-c");
    p.flush().expect("flush");
    wait_until("trapper got INT", || st.count("INT") >= 1);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(st.count("WINCH"), 1, "{}", st.got_text());
    assert_eq!(st.count("INT"), 1, "{}", st.got_text());
    assert!(
        stat(safeop).is_some(),
        "Ctrl-C went to the command, which goes on"
    );
    st.stop_trapper();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn ctrl_z_stops_the_command_and_safeop_and_fg_resumes_both() {
    let st = Stage::new();
    let mut p = spawn(st.trapper_as_a_job());
    confirm(&mut p);
    p.exp_string("ready").expect("trapper runs");
    let child = st.trapper_pid();
    let safeop = stat(child).expect("trapper's stat").1;
    p.send_control('z').expect("ctrl-z");
    p.flush().expect("flush");
    p.exp_string("stopped: 148")
        .expect("bash saw safeop stop with SIGTSTP (128 + 20)");
    assert!(stopped(safeop), "safeop is stopped");
    assert!(stopped(child), "the command is stopped");
    p.send_line("").expect("go on: fg");
    p.flush().expect("flush");
    wait_until("both run again", || !stopped(safeop) && !stopped(child));
    wait_until("trapper saw SIGCONT", || st.count("CONT") >= 1);
    st.stop_trapper();
    p.exp_string("fg: 0")
        .expect("safeop ended as the command did");
    assert_outcome(&st.audit_text(), 0);
}

#[test]
fn sigtstp_sent_to_safeop_stops_the_command_and_safeop_and_sigcont_resumes_both() {
    let st = Stage::new();
    let mut p = spawn(st.trapper_as_a_job());
    confirm(&mut p);
    p.exp_string("ready").expect("trapper runs");
    let child = st.trapper_pid();
    let safeop = stat(child).expect("trapper's stat").1;
    signal(safeop, Signal::SIGTSTP);
    p.exp_string("stopped: 148").expect("safeop stopped");
    wait_until("the command is stopped", || stopped(child));
    assert!(stopped(safeop), "safeop is stopped");
    signal(safeop, Signal::SIGCONT);
    wait_until("both run again", || !stopped(safeop) && !stopped(child));
    wait_until("trapper saw SIGCONT", || st.count("CONT") >= 1);
    st.stop_trapper();
    wait_until("the outcome is logged", || {
        st.audit_text().contains("\"event\":\"outcome\"")
    });
    assert_outcome(&st.audit_text(), 0);
    p.send_line("").expect("let bash end");
    let _ = p.exp_eof();
}

#[test]
fn a_hangup_reaches_the_command_when_safeop_leads_the_session() {
    let st = Stage::new();
    let mut p = spawn(st.trapper());
    let safeop = st.safeop_pid();
    assert_eq!(
        nix::unistd::getsid(Some(nix::unistd::Pid::from_raw(safeop))).map(|s| s.as_raw()),
        Ok(safeop),
        "safeop leads its session, as under `ssh -t` or `setsid`"
    );
    confirm(&mut p);
    p.exp_string("ready").expect("trapper runs");
    let _ = st.trapper_pid();
    hang_up(safeop);
    wait_until("trapper got the hangup's SIGHUP", || st.count("HUP") == 1);
    // trapper exits 7 on SIGHUP; safeop logs that and exits the same way.
    assert_eq!(exit_code(&mut p), 7);
    assert_eq!(st.count("HUP"), 1, "{}", st.got_text());
    assert_outcome(&st.audit_text(), 7);
}

#[test]
fn sigterm_sighup_sigquit_or_sigint_at_the_prompt_is_a_logged_refusal() {
    for (sig, name) in [
        (Signal::SIGTERM, "SIGTERM"),
        (Signal::SIGHUP, "SIGHUP"),
        (Signal::SIGQUIT, "SIGQUIT"),
        (Signal::SIGINT, "SIGINT"),
    ] {
        let st = Stage::new();
        let img = st.s.file("disk.yesno", 4096);
        let before = blake3_of(&img);
        let of = format!("of={}", img.display());
        let mut p = spawn(st.safeop(&["run", "--", "dd", "if=/dev/zero", &of, "count=1"]));
        p.exp_string("Run it? [y/N] ").expect("prompt");
        signal(st.safeop_pid(), sig);
        let reason = format!("interrupted by {name} at the prompt");
        p.exp_string(&format!("refused ({reason})"))
            .expect("the refusal is said");
        assert_eq!(exit_code(&mut p), 126);
        assert_eq!(blake3_of(&img), before, "{name}: dd did not run");
        let audit = st.audit_text();
        assert!(
            audit.contains("\"action\":\"refused\"") && audit.contains(&reason),
            "{name}: {audit}"
        );
        assert!(!audit.contains("\"action\":\"confirmed\""), "{audit}");
    }
}

#[test]
fn a_hangup_at_the_prompt_is_a_logged_refusal() {
    let st = Stage::new();
    let img = st.s.file("disk.yesno", 4096);
    let before = blake3_of(&img);
    let of = format!("of={}", img.display());
    let mut p = spawn(st.safeop(&["run", "--", "dd", "if=/dev/zero", &of, "count=1"]));
    p.exp_string("Run it? [y/N] ").expect("prompt");
    hang_up(st.safeop_pid());
    // Nobody is left to tell: the refusal is in the log, and the status says it.
    assert_eq!(exit_code(&mut p), 126);
    assert_eq!(blake3_of(&img), before, "dd did not run");
    let audit = st.audit_text();
    assert!(
        audit.contains("\"action\":\"refused\"")
            && audit.contains("interrupted by SIGHUP at the prompt"),
        "{audit}"
    );
}
