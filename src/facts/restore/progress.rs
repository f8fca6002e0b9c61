//! A progress line on stderr while a restore is being counted, and a clean stop on Ctrl-C.
//!
//! Counting a large archive or tree can take seconds. After about half a second, and only when
//! stderr is a terminal, a `\r`-updated line shows how many entries were seen. While counting,
//! SIGINT ends safeop at once with status 130 and a line saying nothing was run: the command
//! has not been started at that point, so stopping is always safe.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Entries counted so far by the running count (workers add to it in batches).
static SEEN: AtomicU64 = AtomicU64::new(0);
/// Whether a progress line is on the screen (the signal handler clears it).
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Adds `n` counted entries.
pub fn add(n: u64) {
    SEEN.fetch_add(n, Ordering::Relaxed);
}

/// Shown while counting; dropping it clears the line and restores Ctrl-C's old meaning.
pub struct Progress {
    done: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<JoinHandle<()>>,
    old_sigint: Option<nix::sys::signal::SigAction>,
    pub start: Instant,
}

extern "C" fn on_sigint(_: nix::libc::c_int) {
    const CLEAR: &[u8] = b"\r\x1b[K";
    const MSG: &[u8] = b"safeop: interrupted while counting the restore; nothing was run\n";
    // A listing's `restic`/`borg` runs in its own process group: take it along.
    crate::facts::helper::kill_all();
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffers are static.
    unsafe {
        if SHOWN.load(Ordering::Relaxed) {
            nix::libc::write(2, CLEAR.as_ptr().cast(), CLEAR.len());
        }
        nix::libc::write(2, MSG.as_ptr().cast(), MSG.len());
        nix::libc::_exit(130);
    }
}

impl Progress {
    /// Starts counting `what` (an archive, a tree, a repository).
    pub fn start(what: &str) -> Progress {
        use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
        SEEN.store(0, Ordering::Relaxed);
        let act = SigAction::new(
            SigHandler::Handler(on_sigint),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only calls async-signal-safe functions (write, _exit).
        let old_sigint = unsafe { sigaction(Signal::SIGINT, &act) }.ok();
        let done = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let thread = std::io::stderr().is_terminal().then(|| {
            let done = Arc::clone(&done);
            let what = what.to_string();
            std::thread::spawn(move || show(&what, &done))
        });
        Progress {
            done,
            thread,
            old_sigint,
            start: Instant::now(),
        }
    }
}

fn show(what: &str, done: &(Mutex<bool>, std::sync::Condvar)) {
    let (lock, cv) = done;
    let mut wait = Duration::from_millis(500);
    let Ok(mut finished) = lock.lock() else {
        return;
    };
    loop {
        let Ok((g, _)) = cv.wait_timeout(finished, wait) else {
            return;
        };
        finished = g;
        if *finished {
            return;
        }
        let n = crate::text::show::show(&SEEN.load(Ordering::Relaxed).into());
        SHOWN.store(true, Ordering::Relaxed);
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r\x1b[Ksafeop: counting {what}: {n} entries (Ctrl-C stops, nothing runs)"
        );
        let _ = e.flush();
        wait = Duration::from_millis(200);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Ok(mut g) = self.done.0.lock() {
            *g = true;
        }
        self.done.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if SHOWN.swap(false, Ordering::Relaxed) {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
        if let Some(old) = self.old_sigint.take() {
            // SAFETY: puts back the disposition that was in force before counting started.
            let _ = unsafe { nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGINT, &old) };
        }
    }
}
