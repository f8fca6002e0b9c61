//! The `safeop` binary. It starts in front of every guarded command, so it starts the way a C
//! program does: `main` is the C entry point, and Rust's runtime start-up is skipped — on the
//! 2-core VM that is ~0.07 ms of each run (reading `/proc/self/maps` to place a stack guard,
//! an alternate signal stack for the stack-overflow message). What of it safeop needs is done
//! here: file descriptors 0–2 are made to exist (as std does, so a file safeop opens can never
//! become someone's stdout), SIGPIPE is left at its default, and stdout is flushed at the end.
#![no_main]

use std::ffi::{c_char, c_int};
use std::io::Write;

#[no_mangle]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    open_standard_fds();
    // Like any Unix filter: a closed pipe (`safeop check … | head`) ends safeop quietly.
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe {
        nix::libc::signal(nix::libc::SIGPIPE, nix::libc::SIG_DFL);
    }
    // std reads the arguments itself (glibc hands them to its initializer). They are bytes:
    // encoded losslessly (`text::bytes`), never replaced, so the command runs with exactly them.
    let args: Vec<String> = std::env::args_os()
        .map(safeop::text::bytes::encode_owned)
        .collect();
    let code = safeop::main(args);
    // Without Rust's runtime nobody else flushes stdout's buffer at exit.
    let _ = std::io::stdout().flush();
    c_int::from(code)
}

/// Opens `/dev/null` on any of fds 0, 1, 2 that is closed, as Rust's runtime start-up does.
fn open_standard_fds() {
    use nix::libc;
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd for the duration of the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    if n < 0 {
        return;
    }
    for p in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        let mode = if p.fd == 0 {
            libc::O_RDONLY
        } else {
            libc::O_RDWR
        };
        // SAFETY: a NUL-terminated path; the fd is closed, so open(2) returns exactly it.
        if unsafe { libc::open(c"/dev/null".as_ptr(), mode) } == -1 {
            // No /dev/null: stop rather than let a later file become stdin/stdout/stderr.
            // SAFETY: abort(3) is always safe to call.
            unsafe { libc::abort() };
        }
    }
}
