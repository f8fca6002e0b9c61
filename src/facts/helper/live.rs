//! The helpers running right now, so that an interrupted safeop takes them with it.
//!
//! Every helper runs in its own process group (a terminal's Ctrl-C never reaches it), so without
//! this a SIGINT during probing would end safeop and leave a hanging `smartctl` behind. Each live
//! group's id sits in a fixed table of atomics that [`kill_all`] reads without locking or
//! allocating: it may be called from a signal handler. While at least one helper runs,
//! SIGINT, SIGTERM and SIGHUP whose disposition is the default get a handler that calls
//! [`kill_all`] and then dies of the same signal, as safeop would have without it. A signal
//! someone else handles (the restore's progress line, `exec`'s forwarding) or ignores (`nohup`)
//! is left alone: such a handler calls [`kill_all`] itself.
//!
//! Belt and braces: each helper also asks the kernel for SIGKILL when safeop dies
//! (`PR_SET_PDEATHSIG`, set between fork and exec), which covers SIGKILL of safeop itself and
//! the moment between fork and registration; only the group kill reaches the helper's children.
//! (The kernel sends it when the *thread* that started the helper ends; a helper is waited for
//! on the thread that started it, so that thread outlives it.)

use nix::sys::signal::{self, SigSet, SigmaskHow, Signal};
use nix::unistd::Pid;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

/// How many helper groups can be registered at once (probes run them one at a time; more than
/// this only loses the group kill, not the parent-death signal).
const SLOTS: usize = 16;

static LIVE: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// The signals that end safeop while it probes.
const ENDING: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// Kills (SIGKILL) the process group of every helper that is running now. Async-signal-safe: it
/// only loads atomics and calls killpg(2), so signal handlers elsewhere in safeop (exec's
/// forwarding, the restore's Ctrl-C) call it before they end the process. Harmless when no
/// helper runs.
pub fn kill_all() {
    for slot in &LIVE {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            let _ = signal::killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
    }
}

/// A registered group; unregistered on drop.
pub(super) struct Registered(Option<usize>);

/// Registers the process group `pgid` as live.
pub(super) fn register(pgid: i32) -> Registered {
    let slot = LIVE.iter().position(|s| {
        s.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    });
    Registered(slot)
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            LIVE[i].store(0, Ordering::SeqCst);
        }
    }
}

/// The ending signals blocked in this thread (between fork and registration); unblocked on drop,
/// when a signal that came meanwhile is delivered and finds the new group registered.
pub(super) struct Blocked(Option<SigSet>);

pub(super) fn block() -> Blocked {
    let set: SigSet = ENDING.iter().copied().collect();
    let mut old = SigSet::empty();
    match signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old)) {
        Ok(()) => Blocked(Some(old)),
        Err(_) => Blocked(None),
    }
}

impl Blocked {
    /// The thread's mask from before, when the signals could be blocked.
    pub(super) fn before(&self) -> Option<SigSet> {
        self.0
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        if let Some(old) = self.0.take() {
            let _ = signal::pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
        }
    }
}

extern "C" fn on_ending_signal(sig: nix::libc::c_int) {
    kill_all();
    // SAFETY: signal(2) and raise(3) are async-signal-safe. The signal is blocked while its
    // handler runs, so the raised one is delivered on return, with the default disposition:
    // safeop dies of it, as it would have without this handler.
    unsafe {
        nix::libc::signal(sig, nix::libc::SIG_DFL);
        nix::libc::raise(sig);
    }
}

/// How many helpers run now, and which signals got [`on_ending_signal`] for them.
static HANDLERS: Mutex<(usize, Vec<Signal>)> = Mutex::new((0, Vec::new()));

/// Whether `sig`'s disposition is the default one (the handler is installed only over that).
fn is_default(sig: Signal) -> bool {
    // SAFETY: a zeroed sigaction is a valid out-parameter; with a null `act`, sigaction(2)
    // only reads the current disposition into it.
    unsafe {
        let mut old: nix::libc::sigaction = std::mem::zeroed();
        nix::libc::sigaction(sig as nix::libc::c_int, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == nix::libc::SIG_DFL
    }
}

fn handled_by_us(sig: Signal) -> bool {
    // SAFETY: as in `is_default`: reads the disposition only.
    unsafe {
        let mut old: nix::libc::sigaction = std::mem::zeroed();
        nix::libc::sigaction(sig as nix::libc::c_int, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == on_ending_signal as *const () as nix::libc::sighandler_t
    }
}

/// The ending signals handled while a helper runs (see the module docs); the old dispositions
/// come back when the last running helper's guard is dropped.
pub(super) struct SignalGuard;

impl SignalGuard {
    pub(super) fn install() -> SignalGuard {
        let Ok(mut h) = HANDLERS.lock() else {
            return SignalGuard;
        };
        if h.0 == 0 {
            let act = signal::SigAction::new(
                signal::SigHandler::Handler(on_ending_signal),
                signal::SaFlags::SA_RESTART,
                SigSet::empty(),
            );
            for sig in ENDING {
                // SAFETY: the handler only calls async-signal-safe functions (killpg, signal,
                // raise) and reads atomics.
                if is_default(sig) && unsafe { signal::sigaction(sig, &act) }.is_ok() {
                    h.1.push(sig);
                }
            }
        }
        h.0 += 1;
        SignalGuard
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        let Ok(mut h) = HANDLERS.lock() else {
            return;
        };
        h.0 = h.0.saturating_sub(1);
        if h.0 > 0 {
            return;
        }
        let dfl = signal::SigAction::new(
            signal::SigHandler::SigDfl,
            signal::SaFlags::empty(),
            SigSet::empty(),
        );
        for sig in std::mem::take(&mut h.1) {
            // Only our own handler is taken back: one installed meanwhile stays.
            if handled_by_us(sig) {
                // SAFETY: restores the default disposition that was in force before.
                let _ = unsafe { signal::sigaction(sig, &dfl) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Above the largest pid Linux hands out (2^22): no process group has such an id.
    const PAST_PID_MAX: i32 = 5_000_000;

    #[test]
    fn a_full_table_still_runs_and_slots_come_back() {
        let all: Vec<Registered> = (0..SLOTS as i32 + 2)
            .map(|i| register(PAST_PID_MAX + i))
            .collect();
        assert!(all.iter().filter(|r| r.0.is_none()).count() >= 2);
        drop(all);
        let r = register(PAST_PID_MAX + 100);
        assert!(r.0.is_some(), "slots are freed on drop");
    }
}
