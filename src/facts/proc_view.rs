//! Whether this process's `/proc` lists every process on the machine, or only part of it: a
//! private `/proc` of a PID namespace (a container, `unshare --pid --mount-proc`) lists only that
//! namespace's processes, and `hidepid=` hides other users' processes from a normal user. The
//! probes that look for a process (who writes a file, whose login is still alive) ask here
//! before they take "not in /proc" for "not there".
//!
//! Reads `/proc/1` and the namespace links below [`Facts::sys`]; never writes. A test tree given
//! as the system root (`SAFEOP_SYSROOT`) is taken as the whole machine.

use super::Facts;
use std::path::Path;

/// How `readlink /proc/PID/ns/pid` names the initial PID namespace: its inode is the kernel's
/// fixed `PROC_PID_INIT_INO` (0xEFFFFFFC, `<linux/proc_ns.h>`) since Linux 3.8.
pub const INIT_PID_NS: &str = "pid:[4026531836]";

/// Why `/proc` may not list every process of the machine, or `None` when it does. Asked at most
/// once per run.
pub fn blind_spot(f: &Facts) -> Option<String> {
    f.memo("proc_view", look).as_ref().clone()
}

/// Whether safeop itself runs in the initial PID namespace, where the pids other records keep
/// (utmp) mean what kill(2) takes them for. `false` when that cannot be read.
pub fn in_initial_pid_namespace(f: &Facts) -> bool {
    std::fs::read_link(f.sys("/proc/self/ns/pid")).is_ok_and(|l| l == Path::new(INIT_PID_NS))
}

fn look(f: &Facts) -> Option<String> {
    if f.sys_root != Path::new("/") {
        return None;
    }
    let ns = |pid: &str| std::fs::read_link(f.sys(&format!("/proc/{pid}/ns/pid")));
    // Pid 1 is there in every PID namespace; a /proc without it hides processes (`hidepid`).
    if !f.sys("/proc/1").exists() {
        return Some(
            "/proc hides other users' processes from this user (it is mounted with `hidepid`)"
                .into(),
        );
    }
    let one_ns = "/proc shows only the processes of one PID namespace (safeop runs in a container or under `unshare --pid`)";
    // The namespace of pid 1 is the one this /proc shows; reading it needs ptrace access to
    // pid 1 (root). Otherwise our own: if we are in the initial namespace and /proc shows us,
    // it is the initial namespace's /proc.
    match ns("1").or_else(|_| ns("self")) {
        Ok(link) if link == Path::new(INIT_PID_NS) => None,
        Ok(_) => Some(one_ns.into()),
        Err(e) => Some(format!(
            "cannot tell which PID namespace /proc shows (`/proc/self/ns/pid`: {e})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_tree_is_the_whole_machine() {
        let op = crate::command::Operation::new("reboot", vec!["reboot".into()]);
        let f = Facts::live(&op, "/".into(), "/nonexistent-root".into());
        assert_eq!(blind_spot(&f), None);
    }

    #[test]
    fn the_initial_namespace_sees_everything() {
        let op = crate::command::Operation::new("reboot", vec!["reboot".into()]);
        let f = Facts::live(&op, "/".into(), "/".into());
        let mine = std::fs::read_link("/proc/self/ns/pid").expect("ns link");
        if mine == Path::new(INIT_PID_NS) && Path::new("/proc/1").exists() {
            assert_eq!(blind_spot(&f), None);
        } else {
            assert!(blind_spot(&f).is_some());
        }
    }
}
