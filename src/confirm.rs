//! Challenges on the terminal: a yes/no question, or typing the name that matters (the target's
//! path, the host name). Always on `/dev/tty`, so `cat img | safeop dd of=…` asks the person and
//! never takes an answer from the pipe. No terminal means no confirmation.
//!
//! ## The questions
//! - `yes-no`: `… Run it? [y/N] `: `y` or `yes` (any case) runs; Enter takes the shown default,
//!   no; anything else declines.
//! - `type-target`: `` … Type the path `/srv/xen/web2.img` to run it: ``: the path as the
//!   finding names it (`target.path`, what the rules' way out asks for), and exactly that
//!   (surrounding blanks aside): not the file name alone, not another spelling.
//! - `type-hostname`: `… Type this host's name to run it: `, below.
//!
//! ## The host name is typed, never shown
//! molly-guard's point: you type the name of the host you *believe* you are on. The
//! `type-hostname` question (`Type this host's name to run it:`, also asked by `--override`)
//! does not show it, and neither do the findings shown with it: a message or way out that
//! renders `{hostname}` shows `<this host>` (DESIGN decision 5; `safeop check` still names it).
//! The answer is compared ignoring case and surrounding blanks; a wrong one is not told the
//! right one. An unknown host name (gethostname failed) accepts no answer.
//!
//! ## Why it asks is shown with the question
//! The findings that made safeop ask (the text report: verdict, each finding with its rule,
//! message and way out) are written to the terminal right above the question, so `2>/dev/null`
//! or `2>>run.log` cannot hide why it asks. They go to stderr as well only when stderr is not
//! that terminal (a log keeps them, and the screen never shows them twice): stderr is the same
//! terminal exactly when it is safeop's controlling terminal, which `tcgetsid(2)` answers for it.
//! Without a terminal they go to stderr alone, ahead of the refusal.
//!
//! ## What is never an answer
//! Keys typed before the question appears (the host name and Enter typed along with the command
//! line) are discarded with `tcflush(TCIFLUSH)` right before the question. The answer is one line
//! read in the terminal's canonical mode with echo on (the kernel does the line editing; the
//! previous settings come back afterwards). Ctrl-D (end of input) declines; Ctrl-C refuses, below.
//!
//! ## A signal while the question waits is a refusal
//! SIGINT (Ctrl-C), SIGTERM, SIGHUP (the terminal hung up, or `kill -HUP`) and SIGQUIT that come
//! while the question waits do not kill safeop: they end the wait, and the command is refused
//! ("interrupted by SIGTERM at the prompt"), logged, exit 126, nothing run. The handler only
//! notes the signal and writes a byte to a pipe that the wait polls along with the terminal, so
//! the signal is seen whichever of safeop's threads the kernel hands it to. The dispositions in
//! force before the question come back when it is answered.

use crate::command::Operation;
use crate::engine::Decision;
use crate::policy::Challenge;
use crate::report;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::termios::{self, FlushArg, InputFlags, LocalFlags, OutputFlags, SetArg, Termios};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// The fewest non-blank characters an override's reason must have.
pub const REASON_MIN: usize = 8;

/// Checks the reason given to `--override` (clap's value parser, and `quick_run` in `app.rs`
/// defers to clap when it fails): a few words someone reading the audit log can follow, at least
/// [`REASON_MIN`] characters that are not blank. Returns it trimmed.
pub fn override_reason(reason: &str) -> Result<String, String> {
    if reason.chars().filter(|c| !c.is_whitespace()).count() >= REASON_MIN {
        return Ok(reason.trim().to_string());
    }
    Err(format!(
        "an override needs its reason in a few words, at least {REASON_MIN} characters that are \
         not blank (such as `restoring web1 from backup, ticket 4711`): it is logged with the \
         decision for whoever reads the audit log later; nothing was run"
    ))
}

/// Why a challenge did not end in a yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// No terminal to ask on.
    NoTty(String),
    /// The person said no, typed something else, pressed Ctrl-D.
    Declined(String),
    /// A signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT) came while the question waited.
    Interrupted(String),
}

impl Refusal {
    pub fn reason(&self) -> &str {
        match self {
            Refusal::NoTty(r) | Refusal::Declined(r) | Refusal::Interrupted(r) => r,
        }
    }
}

/// The signals that end the wait for an answer in a refusal.
const INTERRUPTS: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// The last of [`INTERRUPTS`] that came while a question waited (0: none).
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);
/// The write end of the pipe that wakes the wait (-1 before it exists).
static WAKE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_interrupt(sig: nix::libc::c_int) {
    INTERRUPTED.store(sig, Ordering::SeqCst);
    let fd = WAKE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; `fd` is the non-blocking write end of the wake
        // pipe, which is never closed (`wake_pipe`), so the write cannot block or land elsewhere.
        // A full pipe already wakes the wait: that write may fail.
        unsafe {
            nix::libc::write(fd, b"!".as_ptr().cast(), 1);
        }
    }
}

/// The read end of the pipe the interrupt handler writes to. Made once and kept open for the
/// life of the process: the handler may run in any thread, and a pipe closed under it could
/// have its number reused by some other file. Close-on-exec, so no command inherits it.
fn wake_pipe() -> Option<&'static OwnedFd> {
    static PIPE: std::sync::OnceLock<Option<(OwnedFd, OwnedFd)>> = std::sync::OnceLock::new();
    PIPE.get_or_init(|| {
        let flags = nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK;
        let (r, w) = nix::unistd::pipe2(flags).ok()?;
        WAKE.store(w.as_raw_fd(), Ordering::SeqCst);
        Some((r, w))
    })
    .as_ref()
    .map(|(r, _)| r)
}

/// While a question waits, [`INTERRUPTS`] are caught instead of killing safeop unlogged; the
/// dispositions they had come back on drop.
struct Interrupts {
    old: Vec<(Signal, SigAction)>,
}

impl Interrupts {
    fn catch() -> Interrupts {
        INTERRUPTED.store(0, Ordering::SeqCst);
        // Made before any handler can want it.
        let _ = wake_pipe();
        let act = SigAction::new(
            SigHandler::Handler(on_interrupt),
            SaFlags::empty(),
            SigSet::empty(),
        );
        let mut old = Vec::new();
        for s in INTERRUPTS {
            // SAFETY: the handler stores to an atomic and calls write(2), both async-signal-safe.
            if let Ok(o) = unsafe { sigaction(s, &act) } {
                old.push((s, o));
            }
        }
        Interrupts { old }
    }

    /// The refusal for a signal that came while the question waited, if one did.
    fn refusal() -> Option<Refusal> {
        let sig = INTERRUPTED.load(Ordering::SeqCst);
        if sig == 0 {
            return None;
        }
        let name = Signal::try_from(sig).map_or("a signal", |s| s.as_str());
        // No probe helper outlives a refusal (none should run while the question waits).
        crate::facts::helper::kill_all();
        Some(Refusal::Interrupted(format!(
            "interrupted by {name} at the prompt"
        )))
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        for (s, o) in &self.old {
            // SAFETY: puts back the disposition that was in force before the question.
            unsafe {
                let _ = sigaction(*s, o);
            }
        }
    }
}

/// The terminal in canonical mode with echo, signal keys and newline translation on while the
/// question is asked and answered; the settings it had come back on drop.
struct LineMode<'a> {
    tty: &'a File,
    saved: Option<Termios>,
}

impl<'a> LineMode<'a> {
    fn on(tty: &'a File) -> LineMode<'a> {
        let saved = termios::tcgetattr(tty).ok();
        if let Some(s) = &saved {
            let mut t = s.clone();
            t.local_flags |= LocalFlags::ICANON
                | LocalFlags::ECHO
                | LocalFlags::ECHOE
                | LocalFlags::ECHOK
                | LocalFlags::ISIG;
            t.input_flags |= InputFlags::ICRNL;
            t.output_flags |= OutputFlags::OPOST | OutputFlags::ONLCR;
            let _ = termios::tcsetattr(tty, SetArg::TCSANOW, &t);
        }
        LineMode { tty, saved }
    }
}

impl Drop for LineMode<'_> {
    fn drop(&mut self) {
        if let Some(s) = &self.saved {
            let _ = termios::tcsetattr(self.tty, SetArg::TCSADRAIN, s);
        }
    }
}

/// What came back from the terminal.
enum Line {
    Text(String),
    /// Ctrl-D: end of input before a whole line.
    End,
    /// One of [`INTERRUPTS`] came.
    Interrupted,
}

/// Waits until the terminal has input (in canonical mode: a whole line, or its end) or an
/// interrupt came. Returns whether the terminal is ready (false: interrupted).
fn wait_for_input(tty: &File) -> std::io::Result<bool> {
    let Some(wake) = wake_pipe() else {
        // No pipe to wake on: a blocking read, which a signal interrupts (EINTR: the handlers
        // have no SA_RESTART), and the next call sees the signal.
        return Ok(INTERRUPTED.load(Ordering::SeqCst) == 0);
    };
    loop {
        if INTERRUPTED.load(Ordering::SeqCst) != 0 {
            return Ok(false);
        }
        let mut fds = [
            PollFd::new(tty.as_fd(), PollFlags::POLLIN),
            PollFd::new(wake.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
        // A signal that came with the terminal's input (a hangup signals, then ends the input)
        // was handled on the way back from poll: it is what ended the wait.
        if INTERRUPTED.load(Ordering::SeqCst) != 0 {
            return Ok(false);
        }
        let woke = fds[1].revents().is_some_and(|r| !r.is_empty());
        let ready = fds[0].revents().is_some_and(|r| !r.is_empty());
        if woke {
            let mut sink = [0u8; 64];
            while nix::unistd::read(wake, &mut sink).is_ok_and(|n| n > 0) {}
            continue;
        }
        if ready {
            return Ok(true);
        }
    }
}

/// Reads one line (up to Enter) from the terminal. A line cut short by Ctrl-D is no answer.
fn read_line(mut tty: &File) -> std::io::Result<Line> {
    const MAX: usize = 4096;
    let mut line = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        if !wait_for_input(tty)? {
            return Ok(Line::Interrupted);
        }
        match tty.read(&mut buf) {
            Ok(0) => return Ok(Line::End),
            Ok(n) => {
                line.extend_from_slice(&buf[..n]);
                if let Some(end) = line.iter().position(|&b| b == b'\n') {
                    line.truncate(end);
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    return Ok(Line::Text(String::from_utf8_lossy(&line).into_owned()));
                }
                if line.len() > MAX {
                    return Err(std::io::Error::other("the answer is too long"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The findings a challenge is asked for, as the report renders them, one `safeop: ` line each.
/// With a `type-hostname` challenge the host name in them is masked.
pub fn findings(argv: &[String], op: &Operation, d: &Decision, challenge: Challenge) -> String {
    let text = if challenge == Challenge::TypeHostname {
        let mut d = d.clone();
        for f in &mut d.findings {
            if let Some(h) = f.host_hidden.take() {
                f.message = h.message;
                f.fix = h.fix;
            }
        }
        report::text(argv, op, &d)
    } else {
        report::text(argv, op, d)
    };
    text.lines().map(|l| format!("safeop: {l}\n")).collect()
}

/// Whether stderr is the terminal `/dev/tty` opens: this process's controlling terminal.
fn stderr_is_the_tty() -> bool {
    termios::tcgetsid(std::io::stderr()).is_ok()
}

/// Writes the findings and the question, with the type-ahead discarded just before the
/// question, and reads the answer.
fn question_and_answer(tty: &File, shown: &str, prompt: &str) -> Result<String, Refusal> {
    let declined = Refusal::Declined;
    let _mode = LineMode::on(tty);
    let mut out = tty;
    out.write_all(shown.as_bytes())
        .map_err(|e| declined(format!("cannot ask on /dev/tty: {e}")))?;
    termios::tcflush(tty, FlushArg::TCIFLUSH)
        .map_err(|e| declined(format!("cannot discard keys typed ahead on /dev/tty: {e}")))?;
    out.write_all(prompt.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| declined(format!("cannot ask on /dev/tty: {e}")))?;
    let answer = read_line(tty);
    let after_cut = |out: &mut &File| {
        let _ = out.write_all(b"\n");
    };
    match answer {
        Ok(Line::Text(t)) => Ok(t),
        Ok(Line::End) => {
            after_cut(&mut out);
            Err(declined("no answer (end of input)".into()))
        }
        Ok(Line::Interrupted) => {
            after_cut(&mut out);
            Err(Interrupts::refusal()
                .unwrap_or_else(|| Refusal::Interrupted("interrupted at the prompt".into())))
        }
        Err(e) => {
            after_cut(&mut out);
            Err(declined(format!("no answer (/dev/tty: {e})")))
        }
    }
}

/// Asks on the controlling terminal, showing `shown` (from [`findings`]) above the question.
/// `expected` is what a typing challenge wants.
pub fn ask(
    challenge: Challenge,
    expected: &str,
    question: &str,
    shown: &str,
) -> Result<(), Refusal> {
    let tty = match OpenOptions::new().read(true).write(true).open("/dev/tty") {
        Ok(t) => t,
        Err(e) => {
            report::out::note(shown);
            return Err(Refusal::NoTty(format!(
                "confirmation needed, but there is no terminal to ask on (/dev/tty: {e})"
            )));
        }
    };
    // From here until the answer is held, a signal refuses (and is logged) instead of killing.
    let _interrupts = Interrupts::catch();
    if !stderr_is_the_tty() {
        // The log's copy; the person sees them on the terminal whether or not it is written.
        report::out::note(shown);
    }
    let prompt = match challenge {
        Challenge::YesNo => format!("{question} Run it? [y/N] "),
        Challenge::TypeTarget => format!("{question} Type the path `{expected}` to run it: "),
        Challenge::TypeHostname => format!("{question} Type this host's name to run it: "),
    };
    let typed = question_and_answer(&tty, shown, &prompt)?;
    // A signal that came along with the answer still refuses.
    if let Some(r) = Interrupts::refusal() {
        return Err(r);
    }
    check_answer(challenge, expected, &typed)
}

/// Holds the answer against the challenge. Yes/no: `y` or `yes` in any case. A typing challenge:
/// the host name ignoring ASCII case and surrounding blanks, a target exactly (surrounding blanks
/// aside); with nothing to compare against (the name could not be found out) no answer is right.
fn check_answer(challenge: Challenge, expected: &str, typed: &str) -> Result<(), Refusal> {
    let shown = typed.trim().escape_debug();
    if challenge == Challenge::YesNo {
        return match typed.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => Ok(()),
            "" => Err(Refusal::Declined("answered no (the default)".into())),
            "n" | "no" => Err(Refusal::Declined("answered no".into())),
            _ => Err(Refusal::Declined(format!("answered `{shown}`, not yes"))),
        };
    }
    if challenge == Challenge::TypeHostname {
        if expected.trim().is_empty() {
            return Err(Refusal::Declined(
                "this host's name is unknown, so no answer can be checked".into(),
            ));
        }
        return if typed.trim().eq_ignore_ascii_case(expected.trim()) {
            Ok(())
        } else {
            // Not the real name: the person types the name of the host they believe they are on.
            Err(Refusal::Declined(format!(
                "typed `{shown}`, which is not this host's name"
            )))
        };
    }
    if expected.is_empty() {
        return Err(Refusal::Declined(
            "the target's path is unknown, so no answer can be checked".into(),
        ));
    }
    if typed == expected || typed.trim() == expected {
        Ok(())
    } else {
        Err(Refusal::Declined(format!(
            "typed `{shown}`, not `{expected}`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_reason_has_a_few_words() {
        for bad in ["", "   ", "\t\n", "testing", "a b c d e f g"] {
            assert!(override_reason(bad).is_err(), "{bad:?}");
        }
        assert_eq!(override_reason(" INC-4711 "), Ok("INC-4711".to_string()));
        assert!(override_reason("restoring from ticket 4711").is_ok());
    }

    #[test]
    fn only_yes_is_yes() {
        let yn = Challenge::YesNo;
        for yes in ["y", "Y", " yes ", "YES"] {
            assert_eq!(check_answer(yn, "", yes), Ok(()), "{yes:?}");
        }
        for no in ["", "n", "no", "yse", "ja", "y y"] {
            assert!(check_answer(yn, "", no).is_err(), "{no:?}");
        }
    }

    #[test]
    fn the_host_name_is_matched_ignoring_case_and_blanks() {
        let host = Challenge::TypeHostname;
        assert_eq!(check_answer(host, "mail1", "MAIL1"), Ok(()));
        assert_eq!(check_answer(host, "mail1", "  Mail1 \t"), Ok(()));
        let no = check_answer(host, "mail1", "mail2").expect_err("another host");
        assert!(!no.reason().contains("mail1"), "{no:?}");
    }

    #[test]
    fn a_target_is_matched_exactly() {
        let t = Challenge::TypeTarget;
        assert_eq!(check_answer(t, "/srv/web1.img", "/srv/web1.img "), Ok(()));
        assert_eq!(check_answer(t, "/srv/ x", "/srv/ x"), Ok(()));
        assert!(check_answer(t, "/srv/web1.img", "/SRV/WEB1.IMG").is_err());
        assert!(check_answer(t, "/srv/web1.img", "web1.img").is_err());
    }

    #[test]
    fn nothing_to_compare_against_refuses_every_answer() {
        for c in [Challenge::TypeHostname, Challenge::TypeTarget] {
            assert!(check_answer(c, "", "").is_err(), "{c:?}");
            assert!(check_answer(c, "", "x").is_err(), "{c:?}");
        }
    }
}
