//! The run's surroundings, decided at the door: whether safeop is a boundary (sudo mode), and
//! which of the test-only hooks in the environment it may honour. Read by `facts/`, `exec` and the
//! verbs; it imports nothing of theirs, so no lower room reaches back up into the verbs.
//!
//! ## Test-only hooks
//! `SAFEOP_SYSROOT` (where `/proc`, `/sys` and `/dev` are read from), `SAFEOP_UTMP` (the login
//! records), `SAFEOP_FSTAB` (the fstab read for fsck facts), `SAFEOP_TOOL_TIMEOUT` (the time
//! limit of backup listings), `SAFEOP_HELPER_TIMEOUT` (every other helper's own time limit) and
//! `SAFEOP_PROBE_BUDGET` (what those helpers may take together in one run; all three in seconds,
//! `facts::helper`), `SAFEOP_WALK_LIMIT_MS` (the time limit of the tree walk behind
//! `scale.entries`, to make a walk slow for real) and `SAFEOP_JOURNAL_SOCKET` /
//! `SAFEOP_SYSLOG_SOCKET` (where the audit records' copy goes, `audit_copy`) exist so that the
//! test suite can show safeop a machine it builds;
//! `SAFEOP_AFTER_DECISION` names a program safeop runs, and waits for, after the decision (and
//! after a confirmation's answer) just before it looks at the judged paths again: the race
//! tests' stand-in for another process that swaps a path in that window.
//! They are never honoured in sudo mode, and never for root in a release build: root's view of
//! the machine is the machine. A debug build (what `cargo test` runs) honours them for root too,
//! so the root-only tests can use them. A normal user may always set them: they change only
//! what safeop sees for that user's own commands, which the user could run without safeop.

/// Sudo mode: root by way of sudo. safeop is then a boundary: no user overrides of policy, log
/// or system root, binaries from a fixed PATH.
pub fn sudo_mode() -> bool {
    nix::unistd::geteuid().is_root() && std::env::var_os("SUDO_UID").is_some()
}

/// The test-only hooks ([module docs](self)).
pub const TEST_HOOKS: &[&str] = &[
    "SAFEOP_SYSROOT",
    "SAFEOP_UTMP",
    "SAFEOP_FSTAB",
    "SAFEOP_TOOL_TIMEOUT",
    "SAFEOP_AFTER_DECISION",
    "SAFEOP_HELPER_TIMEOUT",
    "SAFEOP_PROBE_BUDGET",
    "SAFEOP_JOURNAL_SOCKET",
    "SAFEOP_SYSLOG_SOCKET",
    "SAFEOP_WALK_LIMIT_MS",
];

/// Whether the test-only hooks are honoured in this process.
pub fn test_hooks_allowed() -> bool {
    if sudo_mode() {
        return false;
    }
    cfg!(debug_assertions) || !nix::unistd::geteuid().is_root()
}

/// The value of a test-only hook (non-empty), when this process may honour it.
pub fn test_hook(name: &str) -> Option<std::ffi::OsString> {
    debug_assert!(
        TEST_HOOKS.contains(&name),
        "{name} is not a listed test hook"
    );
    if !test_hooks_allowed() {
        return None;
    }
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// Where `/proc`, `/sys` and `/dev` are read from: `/`, or the test hook `SAFEOP_SYSROOT`.
pub fn sys_root() -> std::path::PathBuf {
    test_hook("SAFEOP_SYSROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/"))
}
