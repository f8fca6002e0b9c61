//! Every byte safeop itself writes to stdout or stderr goes through here, and every write can
//! fail without a panic (`println!` panics when a write fails: `>/dev/full`, a full disk behind
//! `>`, a terminal that hung up). Text is written straight to the file descriptor, unbuffered, so
//! a failure is seen at the write that failed and nothing is left in a buffer to be written twice.
//!
//! ## What a failed write does
//! - A verb whose product is its output (`check`, `policy`, `explain`, `audit`, `facts`, `init`,
//!   `--help`) exits **125**: the answer did not reach its reader, whatever it was. safeop says so
//!   on stderr if stderr can still be written, and exits 125 silently when it cannot.
//! - `run`: the exit status keeps saying what happened to the command. A refusal is logged first
//!   and stays **126** even when it cannot be told (a hung-up terminal is a refusal at the
//!   prompt, issue 14); an allowed or warned command still runs when its warning cannot be
//!   written (DESIGN decision 6: truncating a held log on a full `/var` must stay possible); a
//!   command that ran exits with its own status. Those messages use [`note`].
//! - A status that already says safeop failed (2, 125, 127) stays what it is.
//!
//! A closed pipe is not a failed write here: SIGPIPE is left at its default (`main.rs`), so
//! `safeop check … | head` ends quietly, as any filter does.

use crate::error::Error;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};

/// Writes all of `bytes` to `fd`, retrying short writes and interrupted ones.
fn write_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn to(stream: &'static str, fd: BorrowedFd<'_>, text: &str) -> Result<(), Error> {
    write_all(fd, text.as_bytes()).map_err(|e| Error::Write {
        stream,
        why: e.to_string(),
    })
}

/// Writes `text` to stdout as it is.
pub fn text(text: &str) -> Result<(), Error> {
    to("stdout", io::stdout().as_fd(), text)
}

/// Writes `text` and a newline to stdout.
pub fn line(text: &str) -> Result<(), Error> {
    let mut l = String::with_capacity(text.len() + 1);
    l.push_str(text);
    l.push('\n');
    to("stdout", io::stdout().as_fd(), &l)
}

/// Writes `text` to stderr as it is.
pub fn err(text: &str) -> Result<(), Error> {
    to("stderr", io::stderr().as_fd(), text)
}

/// Writes `text` to stderr when it can: for the messages whose failure changes nothing (see the
/// module's doc: an error before a failure status, and `run`'s messages).
pub fn note(text: &str) {
    // Deliberately dropped: the caller's status does not depend on this message (module doc).
    let _ = err(text);
}

/// A verb's output could not be written: says so on stderr if it can (stderr may be the same
/// full device: then nothing is said) and gives the exit status, 125.
pub fn unwritten(e: &Error) -> u8 {
    note(&format!("safeop: {e}\n"));
    crate::app::FAILED
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    #[test]
    fn a_full_device_is_an_error_not_a_panic() {
        let Ok(full) = OpenOptions::new().write(true).open("/dev/full") else {
            eprintln!("SKIPPED: no /dev/full");
            return;
        };
        let e = to("stdout", full.as_fd(), "x\n").expect_err("ENOSPC");
        assert_eq!(
            e.to_string(),
            "cannot write to stdout: No space left on device (os error 28)"
        );
    }

    #[test]
    fn everything_is_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("out");
        let f = std::fs::File::create(&p).expect("create");
        let long = "ab".repeat(100_000);
        to("stdout", f.as_fd(), &long).expect("write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), long);
    }
}
