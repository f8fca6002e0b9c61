//! The facts again after a prompt was answered (DESIGN decision 15: "stale facts while a prompt
//! waits — re-check the cheap ones after the answer").
//!
//! A confirmation can wait for minutes. Meanwhile the image a `dd` was about to write may have
//! been attached to a loop device, mounted, opened by a VM or locked by `qemu-nbd`: the yes was
//! given to a situation that no longer holds. [`Facts::after_prompt`] gives the run a second
//! `Facts` in which the *cheap* probes ([`CHEAP`]: a few reads of `/proc`, `/sys` and `/dev`,
//! `stat`, a lock test, a hypervisor query) run again on demand, while every other probe keeps
//! the answer it gave before the prompt (its cached value is carried over, so a tree walk, a
//! restic or borg listing, an archive count or SMART is never repeated). `run` decides again with
//! it and refuses when the verdict became a deny.
//!
//! What counts as cheap is written out here, not inferred: a probe that walks a tree, lists a
//! backup or asks a disk for SMART stays as it was judged. A condition that did not read a costly
//! fact the first time (an `all:` cut short by a cheap `false`) may read it now, and then it is
//! probed: the decision is made on facts, never on a guess.
//!
//! Pure bookkeeping: nothing here probes; the probes run when the second decision asks them.

use super::{Facts, Probe};
use std::cell::RefCell;
use std::collections::HashMap;

/// The probes run again after a prompt, by id: mounts and device facts (`mount`, `device`),
/// holders, loop devices, active swap, QEMU's image locks and their holders, writers with the
/// path open (one scan of `/proc/*/fd`), the in-use summary built from those, a running guest
/// (`vm`: `xl`/`virsh` with their 5 s limit), what a path is (`path`, `stat`, `identity`), volume
/// users (`lvs`, mountinfo, holders), the ZFS pools of a device, on-disk volume signatures (a few
/// sectors), what a directory holds (one `read_dir`: a control plane's etcd data), and the
/// containers that use a volume (`docker volume inspect`, `docker ps --filter volume=`).
pub const CHEAP: &[&str] = &[
    "path",
    "stat",
    "identity",
    "mount",
    "device",
    "holders",
    "loop",
    "swap",
    "qemu_lock",
    "qemu_lock_holders",
    "open_writers",
    "in_use",
    "vm",
    "volume",
    "zfs_device",
    "signature",
    "dir_entries",
    "container_volume",
];

/// Is `probe` one that runs again after a prompt?
pub fn is_cheap(probe: &Probe) -> bool {
    CHEAP.contains(&probe.id)
}

impl<'a> Facts<'a> {
    /// The facts of this run as they are now, for deciding again after a prompt: the answers of
    /// the probes that are not [`CHEAP`] are kept, the cheap ones (and every intermediate result
    /// probes share) are forgotten, so they run again when asked. A snapshot's facts stay what
    /// the snapshot says.
    pub fn after_prompt(&self) -> Facts<'a> {
        let kept: HashMap<_, _> = self
            .cache
            .borrow()
            .iter()
            .filter(|((id, _), _)| !CHEAP.contains(id))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Facts {
            op: self.op,
            cwd: self.cwd.clone(),
            sys_root: self.sys_root.clone(),
            snapshot: self.snapshot.clone(),
            missing_is_null: self.missing_is_null,
            elsewhere: self.elsewhere,
            cache: RefCell::new(kept),
            seen: RefCell::default(),
            seen_paths: RefCell::default(),
            memo: RefCell::default(),
            subject_memo: RefCell::default(),
            protected: RefCell::new(self.protected()),
        }
    }

    /// How many probe answers this run holds (for tests: what `after_prompt` kept).
    pub fn answers(&self) -> usize {
        self.cache.borrow().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::parse;
    use std::path::PathBuf;

    /// Every cheap id is a probe that exists, so a rename cannot silently stop a re-check.
    #[test]
    fn every_cheap_probe_exists() {
        for id in CHEAP {
            assert!(
                super::super::registry().any(|d| d.probe.id == *id),
                "`{id}` in CHEAP is no probe's id"
            );
        }
    }

    #[test]
    fn costly_answers_are_kept_and_cheap_ones_asked_again() {
        let d = tempfile::tempdir().expect("tempdir");
        let img = d.path().join("a.img");
        std::fs::write(&img, b"x").expect("write");
        let argv: Vec<String> = ["dd", "if=/dev/zero", &format!("of={}", img.display())]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let op = parse(&argv);
        let f = Facts::live(&op, d.path().to_path_buf(), PathBuf::from("/"));
        let t = f.subjects(super::super::Role::Target).remove(0);
        f.get("target.loop.attached", Some(&t)).expect("loop");
        f.get("scale.bytes", None).ok();
        let before = f.answers();
        assert!(before >= 2);
        let g = f.after_prompt();
        assert_eq!(g.answers(), before - 1, "the loop answer is forgotten");
        assert_eq!(
            g.get("target.loop.attached", Some(&t)).expect("loop"),
            false,
            "asked again"
        );
    }
}
