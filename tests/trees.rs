//! What lies below a tree (issue 10): filesystems mounted inside it, what the kernel uses in it,
//! and system directories under other paths — on real mounts, loop devices, swap and QEMU.
//!
//! Safety: the host's `/etc` and `/home` are only ever bound in **read-only** (`mount --bind`,
//! then `mount -o remount,bind,ro`, checked in mountinfo before anything else), so even a
//! safeop that failed would delete nothing through them; and commands on trees holding such
//! binds are only ever `check`ed, never `run`. Every mount, loop device, swap area and daemon is
//! undone by a guard declared after the scratch directory, so it goes first, even when a test
//! fails.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Binds `src` read-only at `point`; unmounted on drop.
fn ro_bind(src: &str, point: &Path) -> MountGuard {
    let g = MountGuard::mount(&format!("--bind {src}"), point);
    sh(&format!("mount -o remount,bind,ro '{}'", point.display()));
    let info = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let line = info
        .lines()
        .rfind(|l| l.split(' ').nth(4) == Some(&*point.display().to_string()))
        .expect("the bind mount");
    let opts = line.split(' ').nth(5).expect("options");
    assert!(opts.split(',').any(|o| o == "ro"), "not read-only: {line}");
    g
}

/// A scratch chroot with the host's `/etc` and `/home` bound read-only inside.
struct Chroot {
    // Guards first: fields drop in order, the mounts before the scratch dir.
    _home: MountGuard,
    _etc: MountGuard,
    root: PathBuf,
    s: Scratch,
}

impl Chroot {
    fn new() -> Chroot {
        let s = Scratch::new();
        let root = s.path("chroot");
        s.write("chroot/bin/sh", "#!/bin/sh\n");
        let etc = ro_bind("/etc", &root.join("etc"));
        let home = ro_bind("/home", &root.join("home"));
        Chroot {
            _home: home,
            _etc: etc,
            root,
            s,
        }
    }
    fn p(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.root.display().to_string()
        } else {
            self.root.join(rel).display().to_string()
        }
    }
}

fn same_fs(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(a).unwrap().dev() == std::fs::metadata(b).unwrap().dev()
}

#[test]
fn rm_rf_of_a_chroot_with_etc_and_home_bound_inside_is_denied_naming_both() {
    need_root!();
    let c = Chroot::new();
    Test::new()
        .args(["check", "--", "rm", "-rf", &c.p("")])
        .go()
        .status(4)
        .stdout_has("rm-recursive-through-mounts")
        .stdout_has(&format!("{} (", c.p("etc")))
        .stdout_has(&format!("{} (", c.p("home")))
        .stdout_has("[/etc]")
        .stdout_has("[/home]")
        .stdout_has("no `--one-file-system`");
    // Written with a trailing slash, through `sudo` and from inside the scratch dir, the same.
    Test::new()
        .args(["check", "--", "sudo", "rm", "-r", "-f", "chroot/"])
        .cwd(c.s.dir.path())
        .go()
        .status(4)
        .stdout_has("rm-recursive-through-mounts");
}

#[test]
fn one_file_system_passes_other_filesystems_but_not_binds_of_its_own() {
    need_root!();
    let c = Chroot::new();
    let argv = ["check", "--", "rm", "-rf", "--one-file-system"];
    let r = Test::new().args(argv).arg(c.p("")).go();
    if same_fs(c.s.dir.path(), Path::new("/etc")) {
        // The scratch dir and /etc are one filesystem: GNU rm --one-file-system goes into the bind
        // (the next test shows it doing so); it is still refused.
        r.status(4)
            .stdout_has("rm-recursive-through-bind-mounts")
            .stdout_has(&format!("{} (", c.p("etc")));
    } else {
        r.status(0);
    }
    // A tree with only another filesystem mounted inside (a tmpfs): `--one-file-system` keeps
    // GNU rm out of it, so it is allowed; without the option it is not.
    let s = Scratch::new();
    s.write("tree/a", "a");
    let _t = MountGuard::tmpfs(&s.path("tree/cache"), "size=1m");
    s.write("tree/cache/kept", "kept");
    Test::new().args(argv).arg(s.p("tree")).go().status(0);
    Test::new()
        .args(["check", "--", "rm", "-rf", &s.p("tree")])
        .go()
        .status(4)
        .stdout_has("rm-recursive-through-mounts")
        .stdout_has("cache (tmpfs, tmpfs)");
    // busybox's rm is not trusted with the option.
    Test::new()
        .args(["check", "--", "busybox", "rm", "-rf", "--one-file-system"])
        .arg(s.p("tree"))
        .go()
        .status(4)
        .stdout_has("rm-recursive-through-mounts")
        .stdout_has("busybox");
    // Nor is an `rm` that is some other program found first on PATH.
    let bin = s.path("bin");
    stand_in(&bin, "rm", "exit 0");
    Test::new()
        .path_first(&bin)
        .args(argv)
        .arg(s.p("tree"))
        .go()
        .status(4)
        .stdout_has("is not GNU coreutils' rm");
}

/// Why `rm-recursive-through-bind-mounts` exists: GNU rm `--one-file-system` compares device
/// numbers, and a bind mount of the same filesystem has the same one. Shown on scratch files
/// only; then safeop refuses the same command and the bound file survives.
#[test]
fn gnu_rm_one_file_system_deletes_through_a_bind_of_the_same_filesystem() {
    need_root!();
    let s = Scratch::new();
    let src = s.path("src");
    s.write("src/victim", "precious");
    s.write("copy/src/victim", "precious");
    s.write("tree/a", "a");
    let _b = MountGuard::mount(
        &format!("--bind '{}'", src.display()),
        &s.path("tree/bound"),
    );
    let _c = MountGuard::mount(
        &format!("--bind '{}'", s.p("copy/src")),
        &s.path("copy/tree/bound"),
    );
    Test::new()
        .args(["run", "--", "rm", "-rf", "--one-file-system", &s.p("tree")])
        .go()
        .status(126)
        .stderr_has("rm-recursive-through-bind-mounts");
    assert!(src.join("victim").exists(), "safeop ran rm");
    // The real rm, without safeop, on the copy.
    // It fails on the mount point itself (busy), having emptied it.
    let _ = Command::new("rm")
        .args(["-rf", "--one-file-system"])
        .arg(s.path("copy/tree"))
        .output()
        .expect("rm");
    assert!(
        !s.path("copy/src/victim").exists(),
        "GNU rm --one-file-system left the bound file: the rule's premise no longer holds"
    );
}

#[test]
fn a_mount_point_as_the_operand_is_denied_even_with_one_file_system() {
    need_root!();
    let c = Chroot::new();
    Test::new()
        .args([
            "check",
            "--all-findings",
            "--",
            "rm",
            "-rf",
            "--one-file-system",
        ])
        .arg(c.p("etc"))
        .go()
        .status(4)
        .stdout_has("rm-recursive-mount-point")
        .stdout_has("rm-recursive-system-dir-by-another-path");
    // A scratch tmpfs: `run` is refused and what is on it survives.
    let s = Scratch::new();
    let _t = MountGuard::tmpfs(&s.path("mnt"), "size=1m");
    let kept = s.write("mnt/kept", "kept");
    Test::new()
        .args(["run", "--", "rm", "-rf", "--one-file-system", &s.p("mnt")])
        .go()
        .status(126)
        .stderr_has("rm-recursive-mount-point")
        .stderr_has("is a mount point (tmpfs, tmpfs)");
    assert!(kept.exists());
    // Its content, named entry by entry, is an ordinary delete.
    Test::new()
        .args(["check", "--", "rm", "-rf", &s.p("mnt/kept")])
        .go()
        .status(0);
}

#[test]
fn a_bind_of_etc_is_a_system_directory_by_identity() {
    need_root!();
    let c = Chroot::new();
    Test::new()
        .args(["check", "--", "rm", "-rf", &c.p("etc")])
        .go()
        .status(4)
        .stdout_has("rm-recursive-system-dir-by-another-path")
        .stdout_has("is system directory `/etc`");
    // Its subdirectory is /etc/ssh under another name (when the host has one).
    if Path::new("/etc/ssh").is_dir() {
        Test::new()
            .args(["check", "--", "rm", "-rf", &c.p("etc/ssh")])
            .go()
            .status(4)
            .stdout_has("is system directory `/etc/ssh`");
    }
    // An ordinary directory of the chroot is none.
    Test::new()
        .args(["check", "--", "rm", "-rf", &c.p("bin")])
        .go()
        .status(0);
}

#[test]
fn naming_every_entry_of_usr_lib_is_a_delete_of_usr_lib() {
    let mut every: Vec<String> = std::fs::read_dir("/usr/lib")
        .expect("/usr/lib")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .map(|n| format!("/usr/lib/{n}"))
        .collect();
    every.sort();
    assert!(every.len() >= 2, "too few entries in /usr/lib to test");
    Test::new()
        .args(["check", "--", "rm", "-rf"])
        .args(&every)
        .go()
        .status(4)
        .stdout_has("rm-every-entry-of-system-dir")
        .stdout_has("system directory /usr/lib");
    // One entry left out: not every entry (other rules may still speak).
    let _ = every.pop();
    Test::new()
        .args(["check", "--", "rm", "-rf"])
        .args(&every)
        .go()
        .stdout_lacks("rm-every-entry-of-system-dir");
    // Every entry of an ordinary directory is an ordinary delete.
    let s = Scratch::new();
    s.write("d/a", "a");
    s.write("d/b", "b");
    Test::new()
        .args(["check", "--", "rm", "-rf", &s.p("d/a"), &s.p("d/b")])
        .go()
        .status(0);
}

/// Waits until the kernel shows a lock on the file (the daemon takes them after start-up).
fn wait_for_lock(p: &Path) {
    use std::os::unix::fs::MetadataExt;
    let needle = format!(":{} ", std::fs::metadata(p).unwrap().ino());
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::fs::read_to_string("/proc/locks")
            .unwrap()
            .contains(&needle)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no lock on {} appeared in /proc/locks", p.display());
}

/// An active swap file, switched off on drop.
struct Swap(PathBuf);

impl Swap {
    fn on(p: &Path) -> Swap {
        sh(&format!(
            "dd if=/dev/zero of='{0}' bs=1M count=8 status=none && chmod 600 '{0}' && mkswap -q '{0}'",
            p.display()
        ));
        let g = Swap(p.to_path_buf());
        sh(&format!("swapon '{}'", p.display()));
        g
    }
}

impl Drop for Swap {
    fn drop(&mut self) {
        let _ = Command::new("swapoff").arg(&self.0).status();
    }
}

#[test]
fn a_tree_holding_in_use_images_is_denied_naming_each_and_not_run() {
    need_root!();
    need_tool!("qemu-storage-daemon");
    need_tool!("qemu-img");
    let s = Scratch::new();
    let attached = s.file("images/attached.img", 1 << 20);
    let mounted = s.path("images/mounted.img");
    sh(&format!(
        "truncate -s 32M '{0}' && mkfs.ext4 -q -F '{0}'",
        mounted.display()
    ));
    let locked = s.path("images/locked.qcow2");
    sh(&format!(
        "qemu-img create -q -f qcow2 '{}' 16M",
        locked.display()
    ));
    let plain = s.file("images/sub/notes.txt", 100);
    let _lo1 = LoopDev::attach(&attached);
    let lo2 = LoopDev::attach(&mounted);
    let _m = MountGuard::mount(&lo2.dev, &s.path("mnt"));
    let _qsd = Bg::spawn(Command::new("qemu-storage-daemon").args([
        "--blockdev",
        &format!("driver=file,node-name=file0,filename={}", locked.display()),
        "--blockdev",
        "driver=qcow2,node-name=disk0,file=file0",
    ]));
    wait_for_lock(&locked);
    let swap = s.path("images/swapfile");
    let _sw = Swap::on(&swap);
    let files = [&attached, &mounted, &locked, &plain, &swap];
    let before: Vec<String> = files.iter().map(|p| blake3_of(p)).collect();
    let r = Test::new()
        .args(["check", "--", "rm", "-rf", &s.p("images")])
        .go();
    r.status(4)
        .stdout_has("rm-recursive-in-use-below")
        .stdout_has(&format!("{} backs /dev/", attached.display()))
        .stdout_has(&format!(
            "{} backs {}, mounted on {}",
            mounted.display(),
            lo2.dev,
            s.p("mnt")
        ))
        .stdout_has(&format!("{} is locked by QEMU", locked.display()))
        .stdout_has(&format!("{} is active swap", swap.display()));
    Test::new()
        .args(["run", "--", "rm", "-rf", &s.p("images")])
        .go()
        .status(126)
        .stderr_has("rm-recursive-in-use-below");
    let after: Vec<String> = files.iter().map(|p| blake3_of(p)).collect();
    assert_eq!(before, after, "the images changed");
    // Reached through a bind mount of the directory, the same objects are below it: found by
    // (device, inode) ancestry, though no kernel path starts with the alias.
    let _alias = MountGuard::mount(&format!("--bind '{}'", s.p("images")), &s.path("alias"));
    Test::new()
        .args(["check", "--all-findings", "--", "rm", "-rf", &s.p("alias")])
        .go()
        .status(4)
        .stdout_has("rm-recursive-in-use-below")
        .stdout_has(&format!("{} is locked by QEMU", s.p("alias/locked.qcow2")))
        .stdout_has(&format!("{} backs /dev/", attached.display()));
    // A subtree without them is an ordinary delete.
    Test::new()
        .args(["check", "--", "rm", "-rf", &s.p("images/sub")])
        .go()
        .status(0);
}

#[test]
fn a_big_tree_finds_qemus_locks_through_proc_locks() {
    need_root!();
    need_tool!("qemu-storage-daemon");
    need_tool!("qemu-img");
    let s = Scratch::new();
    // More files of image size than are asked one by one (4,096): /proc/locks is read.
    let block = "x".repeat(512);
    for i in 0..4200 {
        s.write(&format!("big/d{}/f{i}", i % 16), &block);
    }
    let locked = s.path("big/deep/er/vm.qcow2");
    std::fs::create_dir_all(locked.parent().unwrap()).unwrap();
    sh(&format!(
        "qemu-img create -q -f qcow2 '{}' 16M",
        locked.display()
    ));
    let _qsd = Bg::spawn(Command::new("qemu-storage-daemon").args([
        "--blockdev",
        &format!("driver=file,node-name=file0,filename={}", locked.display()),
        "--blockdev",
        "driver=qcow2,node-name=disk0,file=file0",
    ]));
    wait_for_lock(&locked);
    Test::new()
        .args(["check", "--", "rm", "-rf", &s.p("big")])
        .go()
        .status(4)
        .stdout_has(&format!("{} is locked by QEMU", locked.display()));
}

/// Issue 10's table by identity: `chroot/etc` bound from `/etc` is `/etc` to a move, to a sync
/// with a delete flag into it and to a tool that removes its sources. Only `check`ed.
#[test]
fn moves_syncs_and_removed_sources_of_a_bound_etc_are_denied_naming_etc() {
    need_root!();
    let c = Chroot::new();
    std::fs::create_dir_all(c.s.path("empty")).unwrap();
    let etc = c.p("etc");
    let etc_slash = format!("{etc}/");
    let empty = format!("{}/", c.s.p("empty"));
    let archive = c.s.p("x.tar");
    let old = c.s.p("old-etc");
    for (argv, rule) in [
        (
            vec!["mv", &*etc, &*old],
            "move-takes-system-dir-away-by-another-path",
        ),
        (
            vec!["rsync", "-a", "--delete", &*empty, &*etc_slash],
            "sync-deletes-below-system-dir-by-another-path",
        ),
        (
            vec!["tar", "-cf", &*archive, "--remove-files", &*etc],
            "sources-removed-from-system-dir-by-another-path",
        ),
        (
            vec!["rsync", "-a", "--remove-source-files", &*etc_slash, &*old],
            "sources-removed-from-system-dir-by-another-path",
        ),
    ] {
        Test::new()
            .args(["check", "--"])
            .args(&argv)
            .go()
            .status(4)
            .stdout_has(&format!("[{rule}]"))
            .stdout_has("is system directory `/etc`");
    }
    // The chroot's own directories are not.
    let bin = c.p("bin");
    Test::new()
        .args(["check", "--", "mv", &*bin, &*old])
        .go()
        .status(0);
    assert!(c.s.path("chroot/bin/sh").exists());
}
