//! Challenges on the terminal: a yes/no question, or typing the name that matters (the target,
//! the host name). Always on `/dev/tty`, so `cat img | safeop dd of=…` asks the person and never
//! takes an answer from the pipe. No terminal means no confirmation.

use crate::policy::Challenge;
use dialoguer::{Confirm, Input};
use std::fs::OpenOptions;

/// Why a challenge did not end in a yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// No terminal to ask on.
    NoTty(String),
    /// The person said no, typed something else, or pressed Ctrl-C.
    Declined(String),
}

impl Refusal {
    pub fn reason(&self) -> &str {
        match self {
            Refusal::NoTty(r) | Refusal::Declined(r) => r,
        }
    }
}

/// SIGINT during the prompt interrupts the read instead of killing safeop, so the refusal is
/// reported and logged.
fn catch_interrupt() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    extern "C" fn on_int(_: nix::libc::c_int) {}
    let act = SigAction::new(
        SigHandler::Handler(on_int),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing, so it is async-signal-safe; no SA_RESTART makes the
    // blocked read on the terminal return EINTR.
    unsafe {
        let _ = sigaction(Signal::SIGINT, &act);
    }
}

/// Asks on the controlling terminal. `expected` is what a typing challenge wants.
pub fn ask(challenge: Challenge, expected: &str, question: &str) -> Result<(), Refusal> {
    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            Refusal::NoTty(format!(
                "confirmation needed, but there is no terminal to ask on (/dev/tty: {e})"
            ))
        })?;
    let out = tty
        .try_clone()
        .map_err(|e| Refusal::NoTty(format!("/dev/tty: {e}")))?;
    let term = console::Term::read_write_pair(tty, out);
    catch_interrupt();
    let result = match challenge {
        Challenge::YesNo => Confirm::new()
            .with_prompt(format!("{question} Run it?"))
            .default(false)
            .show_default(true)
            .wait_for_newline(true)
            .interact_on(&term)
            .map(|yes| {
                if yes {
                    Ok(())
                } else {
                    Err(Refusal::Declined("answered no".into()))
                }
            }),
        Challenge::TypeTarget | Challenge::TypeHostname => {
            let what = if challenge == Challenge::TypeHostname {
                "this host's name"
            } else {
                "the target's name"
            };
            Input::<String>::new()
                .with_prompt(format!("{question} Type {what} `{expected}` to run it"))
                .allow_empty(true)
                .interact_text_on(&term)
                .map(|typed| {
                    if typed.trim() == expected {
                        Ok(())
                    } else {
                        Err(Refusal::Declined(format!(
                            "typed `{}`, not `{expected}`",
                            typed.trim()
                        )))
                    }
                })
        }
    };
    let _ = term.show_cursor();
    match result {
        Ok(r) => r,
        Err(e) => {
            let _ = term.write_line("");
            Err(Refusal::Declined(format!("no answer ({e})")))
        }
    }
}
