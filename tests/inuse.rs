//! Is the target in use? Real loop devices, mounts, QEMU locks and open files on this machine;
//! Xen and libvirt through stand-in tools that print real captured outputs; holders, partitions
//! and swap on sysfs trees laid out as the kernel documents them.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn check(args: &[&str]) -> Test {
    Test::new().args(["check", "--"]).args(args)
}

fn check_json(args: &[&str]) -> Test {
    Test::new()
        .args(["check", "--format", "json", "--"])
        .args(args)
}

fn of(p: &Path) -> String {
    format!("of={}", p.display())
}

/// An image of recognisable bytes (not a disk-image format, so only the in-use rules speak).
fn plain_image(s: &Scratch, name: &str) -> PathBuf {
    s.file(name, 1 << 20)
}

// ---- loop devices ----------------------------------------------------------------------------

#[test]
fn dd_onto_a_loop_attached_image_is_denied_however_it_is_spelled() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let img = plain_image(&s, "img/web1.img");
    let sibling = plain_image(&s, "img/web2.img");
    let lo = LoopDev::attach(&img);
    std::os::unix::fs::symlink(&img, s.path("current.img")).unwrap();

    for spelling in [
        of(&img),
        of(&s.path("current.img")),
        of(&s.path("img/../img/./web1.img")),
    ] {
        check(&["dd", "if=/dev/zero", &spelling, "bs=4k"])
            .go()
            .status(4)
            .stdout_has("loop-backing-file-in-use")
            .stdout_has(&lo.dev)
            .stdout_has(&format!("losetup -d {}", lo.dev));
    }
    // relative to the command's working directory
    check(&["dd", "if=/dev/zero", "of=img/web1.img"])
        .cwd(s.dir.path())
        .go()
        .status(4)
        .stdout_has(&lo.dev);
    // behind sudo (only parsed: `check`, sudo itself need not exist)
    check(&["sudo", "-u", "root", "dd", "if=/dev/zero", &of(&img)])
        .go()
        .status(4)
        .stdout_has(&lo.dev);
    // rm of the attached image
    check(&["rm", "-f", &img.display().to_string()])
        .go()
        .status(4)
        .stdout_has(&lo.dev);
    // the untouched sibling one character away is not denied
    check(&["dd", "if=/dev/zero", &of(&sibling)])
        .go()
        .status(0)
        .stdout_lacks(&lo.dev)
        .stdout_lacks("deny");
    // reading the attached image stays allowed
    check(&[
        "dd",
        &format!("if={}", img.display()),
        &of(&s.path("copy.img")),
    ])
    .go()
    .status(0);
}

#[test]
fn an_image_renamed_after_losetup_is_still_found_by_identity() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let img = plain_image(&s, "web1.img");
    let lo = LoopDev::attach(&img);
    let moved = s.path("renamed/web1-old.img");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&img, &moved).unwrap();
    // a new file now sits at the old name: not the attached one
    plain_image(&s, "web1.img");
    check(&["dd", "if=/dev/zero", &of(&moved)])
        .go()
        .status(4)
        .stdout_has(&lo.dev);
    check(&["dd", "if=/dev/zero", &of(&img)])
        .go()
        .status(0)
        .stdout_lacks(&lo.dev);
}

#[test]
fn a_refused_run_leaves_the_attached_image_byte_identical() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let img = plain_image(&s, "web1.img");
    let _lo = LoopDev::attach(&img);
    let before = blake3_of(&img);
    let r = Test::new()
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &of(&img),
            "bs=4k",
            "count=16",
            "conv=notrunc",
        ])
        .go();
    r.status(126).stderr_has("loop-backing-file-in-use");
    assert_eq!(blake3_of(&img), before, "the refused dd changed the image");
}

#[test]
fn a_mounted_loop_device_and_its_image_are_denied() {
    need_root!();
    need_tool!("losetup");
    need_tool!("mkfs.ext4");
    let s = Scratch::new();
    let fs = Ext4::mounted(&s, "mnt", "");
    let (img, lo, mnt) = (&fs.img, &fs.lo, &fs.point);
    let before = blake3_of(img);

    check(&["dd", "if=/dev/zero", &format!("of={}", lo.dev)])
        .go()
        .status(4)
        .stdout_has("device-mounted");
    check(&["mkfs.ext4", &lo.dev])
        .go()
        .status(4)
        .stdout_has("device-mounted");
    check(&["wipefs", "-a", &lo.dev])
        .go()
        .status(4)
        .stdout_has("device-mounted");
    check(&["dd", "if=/dev/zero", &of(img)])
        .go()
        .status(4)
        .stdout_has("loop-image-mounted")
        .stdout_has(&mnt.display().to_string());
    let r = Test::new()
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &format!("of={}", lo.dev),
            "count=1",
        ])
        .go();
    r.status(126);
    assert_eq!(blake3_of(img), before);
}

// ---- QEMU locks and open files -----------------------------------------------------------------

/// Waits until /proc/locks shows a lock on the file's inode (qemu-nbd takes them after start-up).
fn wait_for_lock(p: &Path) {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(p).unwrap().ino();
    let needle = format!(":{ino} ");
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

#[test]
fn an_image_served_by_qemu_nbd_is_denied_naming_the_pid() {
    need_tool!("qemu-nbd");
    need_tool!("qemu-img");
    let s = Scratch::new();
    let img = s.path("vm.qcow2");
    sh(&format!(
        "qemu-img create -q -f qcow2 '{}' 16M",
        img.display()
    ));
    let sock = s.path("nbd.sock");
    let nbd = Bg::spawn(
        Command::new("qemu-nbd")
            .arg("--persistent")
            .arg(format!("--socket={}", sock.display()))
            .args(["-f", "qcow2"])
            .arg(&img),
    );
    wait_for_lock(&img);
    let who = format!("qemu-nbd (pid {})", nbd.pid());
    let before = blake3_of(&img);
    let i = img.display().to_string();
    let copy = s.file("other.qcow2", 4096).display().to_string();
    for argv in [
        vec!["dd", "if=/dev/zero", "conv=notrunc"]
            .into_iter()
            .map(String::from)
            .chain([of(&img)])
            .collect::<Vec<_>>(),
        vec!["cp".into(), copy.clone(), i.clone()],
        vec![
            "qemu-img".into(),
            "convert".into(),
            "-O".into(),
            "qcow2".into(),
            copy.clone(),
            i.clone(),
        ],
        vec!["qemu-img".into(), "resize".into(), i.clone(), "32M".into()],
        vec!["rm".into(), i.clone()],
    ] {
        Test::new()
            .args(["check", "--"])
            .args(&argv)
            .go()
            .status(4)
            .stdout_has("image-locked-by-qemu")
            .stdout_has(&who);
    }
    // inspecting without taking locks is a read
    check(&["qemu-img", "info", "-U", &i])
        .go()
        .status(0)
        .stdout_lacks("deny");
    // and a refused run changes nothing
    Test::new()
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &of(&img),
            "conv=notrunc",
            "count=1",
        ])
        .go()
        .status(126);
    assert_eq!(blake3_of(&img), before);
    drop(nbd);
}

/// A background process holding `path` open read-only (as a guest's disk is held by whatever
/// serves it), started and waited for; killed on drop.
fn hold_open(path: &Path) -> Bg {
    hold(path, "<")
}

/// A background `sleep` holding `path` open on fd 9 with the shell redirection `mode` (`<` to
/// read, `<>` to read and write), started and waited for; killed on drop.
fn hold(path: &Path, mode: &str) -> Bg {
    let b = Bg::spawn(
        Command::new("sh")
            .args(["-c", &format!("exec 9{mode}\"$0\"; exec sleep 60")])
            .arg(path),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !Path::new(&format!("/proc/{}/fd/9", b.pid())).exists() {
        assert!(Instant::now() < deadline, "holder did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    b
}

#[test]
fn a_file_open_for_writing_elsewhere_asks_and_a_reader_does_not() {
    let s = Scratch::new();
    let busy = plain_image(&s, "busy.raw");
    let read = plain_image(&s, "read.raw");
    let w = hold(&busy, "<>");
    let _r = hold(&read, "<");
    // a plain file (no disk image): a person decides (tests/appended.rs: logs warn, disks deny)
    check(&["dd", "if=/dev/zero", &of(&busy)])
        .go()
        .status(3)
        .stdout_has("[open-for-write-elsewhere]")
        .stdout_has(&format!("sleep (pid {})", w.pid()));
    check(&["dd", "if=/dev/zero", &of(&read)])
        .go()
        .status(0)
        .stdout_lacks("open-for-write-elsewhere");
    // the JSON report says who reads it (for a person deciding), without denying
    let j = check_json(&["rm", &read.display().to_string()]).go().json();
    assert_eq!(j["verdict"], "allow", "{j}");
}

// ---- Xen and libvirt through stand-in tools ----------------------------------------------------

/// The `xl list -l` fixture with its image paths moved into the scratch dir.
fn xl_json(s: &Scratch) -> PathBuf {
    let dir = format!("{}/", s.dir.path().display());
    let text = std::fs::read_to_string(fixture("inuse/xl-list-l.json"))
        .unwrap()
        .replace("/var/lib/xen/images/", &dir)
        .replace("/root/", &dir)
        .replace("/srv/xen/", &dir);
    s.write("xl-list-l.json", &text)
}

#[test]
fn xen_domain_disks_from_xl_list_are_denied_and_a_stopped_domains_image_is_not() {
    let s = Scratch::new();
    for name in [
        "test-pv.img",
        "test-hvm.img",
        "boot.iso",
        "legacy-root.img",
        "legacy-ro.img",
        "legacy data.img",
        "stopped.img",
    ] {
        plain_image(&s, name);
    }
    let json = xl_json(&s);
    let bin = s.path("bin");
    stand_in(
        &bin,
        "xl",
        &format!(
            "[ \"$1 $2\" = \"list -l\" ] || exit 9\ncat '{}'",
            json.display()
        ),
    );
    let xl = |args: &[&str]| check(args).path_first(&bin).go();

    xl(&["dd", "if=/dev/zero", &of(&s.path("test-pv.img"))])
        .status(4)
        .stdout_has("vm-disk-in-use")
        .stdout_has("disk xvda of running xen domain 'test-pv' (id 3)")
        .stdout_has("stop domain test-pv first");
    xl(&["rm", &s.p("test-hvm.img")])
        .status(4)
        .stdout_has("disk hda of running xen domain 'test-hvm' (id 7)");
    // a read-only CD-ROM of a running guest is still its disk
    xl(&["dd", "if=/dev/zero", &of(&s.path("boot.iso"))])
        .status(4)
        .stdout_has("disk hdb");
    // disks written as xl disk-spec strings
    xl(&["dd", "if=/dev/zero", &of(&s.path("legacy-root.img"))])
        .status(4)
        .stdout_has("disk xvda of running xen domain 'legacy-specs' (id 9)");
    xl(&["dd", "if=/dev/zero", &of(&s.path("legacy data.img"))])
        .status(4)
        .stdout_has("disk xvdc");
    // through a symlink
    std::os::unix::fs::symlink(s.path("test-pv.img"), s.path("link.img")).unwrap();
    xl(&["dd", "if=/dev/zero", &of(&s.path("link.img"))])
        .status(4)
        .stdout_has("'test-pv'");
    // the stopped domain's image, and reading a running one's
    xl(&["dd", "if=/dev/zero", &of(&s.path("stopped.img"))])
        .status(0)
        .stdout_lacks("vm-disk-in-use");
    xl(&[
        "dd",
        &format!("if={}", s.p("test-pv.img")),
        &of(&s.path("copy.img")),
    ])
    .status(0);
}

#[test]
fn xl_that_prints_sxp_or_fails_makes_the_answer_unknown_not_no() {
    let s = Scratch::new();
    let img = plain_image(&s, "web1.img");
    // held open, as a running guest's disk is (by QEMU, tapdisk or a loop device)
    let _guest = hold_open(&img);
    let bin = s.path("bin");
    stand_in(
        &bin,
        "xl",
        "echo '(domain (domid 3) (config (c_info (name web1))))'",
    );
    check(&["dd", "if=/dev/zero", &of(&img)])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("vm-disks-unknown")
        .stdout_has("unparseable");
    stand_in(
        &bin,
        "xl",
        "echo 'libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle' >&2; exit 1",
    );
    check(&["dd", "if=/dev/zero", &of(&img)])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("cannot open libxc handle");
}

/// `xl` installed on a host not booted under Xen fails on every call; a file no one has open is
/// no running guest's disk whatever xl says, so deletes and writes are not all made to ask.
#[test]
fn a_failing_hypervisor_tool_does_not_make_a_file_open_nowhere_unknown() {
    let s = Scratch::new();
    let img = plain_image(&s, "scratch.img");
    let bin = s.path("bin");
    stand_in(
        &bin,
        "xl",
        "echo 'libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle' >&2; exit 1",
    );
    stand_in(
        &bin,
        "virsh",
        "echo 'error: failed to connect to the hypervisor' >&2; exit 1",
    );
    let j = check_json(&["rm", &img.display().to_string()])
        .path_first(&bin)
        .go()
        .json();
    assert_eq!(j["verdict"], "allow", "{j}");
    // the facts still say what failed
    Test::new()
        .args(["facts", "--json", &img.display().to_string()])
        .path_first(&bin)
        .go()
        .status(0)
        .stdout_has("cannot open libxc handle");
    // nor a directory
    let dir = s.path("images");
    std::fs::create_dir_all(&dir).unwrap();
    check(&["rm", "-rf", &dir.display().to_string()])
        .path_first(&bin)
        .go()
        .status(0)
        .stdout_lacks("vm-disks-unknown");
    // the same file held open by someone: a person decides
    let _guest = hold_open(&img);
    check(&["rm", &img.display().to_string()])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("vm-disks-unknown");
}

#[test]
fn without_xl_the_xenstore_backends_are_read() {
    let s = Scratch::new();
    let web1 = plain_image(&s, "web1.img");
    let db1 = plain_image(&s, "db1.qcow2");
    let other = plain_image(&s, "other.img");
    let dir = format!("{}/", s.dir.path().display());
    let text = std::fs::read_to_string(fixture("inuse/xenstore-ls-backend.txt"))
        .unwrap()
        .replace("/srv/xen/", &dir);
    let listing = s.write("xenstore.txt", &text);
    let bin = s.path("bin");
    // PATH order puts the stand-ins first; an `xl` elsewhere on PATH would win, so shadow it
    // with nothing: this machine has no xl (the test checks).
    assert!(!have("xl"), "this test needs a machine without a real `xl`");
    stand_in(
        &bin,
        "xenstore-ls",
        &format!(
            "[ \"$1 $2\" = \"-f /local/domain/0/backend\" ] || exit 9\ncat '{}'",
            listing.display()
        ),
    );
    stand_in(&bin, "xenstore-read", "case \"$1\" in /local/domain/3/name) echo web1;; /local/domain/4/name) echo db1;; *) exit 1;; esac");
    check(&["dd", "if=/dev/zero", &of(&web1)])
        .path_first(&bin)
        .go()
        .status(4)
        .stdout_has("disk xvda of running xen domain 'web1' (id 3)");
    check(&["rm", &db1.display().to_string()])
        .path_first(&bin)
        .go()
        .status(4)
        .stdout_has("domain 'db1' (id 4)");
    check(&["dd", "if=/dev/zero", &of(&other)])
        .path_first(&bin)
        .go()
        .status(0);
}

fn virsh_stand_in(s: &Scratch, web01_vdd: &Path) -> PathBuf {
    let table =
        std::fs::read_to_string(fixture("libvirt/virsh-9.0.0-domblklist-details-web01.txt"))
            .unwrap()
            .replace(
                "/srv/images/with space/web01 extra.img",
                &web01_vdd.display().to_string(),
            );
    let web01 = s.write("web01.txt", &table);
    let bin = s.path("bin");
    stand_in(
        &bin,
        "virsh",
        &format!(
            "case \"$*\" in\n 'list --name') cat '{}';;\n 'domblklist --details web01') cat '{}';;\n 'domblklist --details db02') cat '{}';;\n 'domid web01') echo 1;;\n *) echo \"error: unexpected $*\" >&2; exit 1;;\nesac",
            fixture("libvirt/virsh-9.0.0-list-name.txt").display(),
            web01.display(),
            fixture("inuse/virsh-domblklist-details-db02.txt").display()
        ),
    );
    bin
}

#[test]
fn libvirt_domain_disks_are_denied_even_with_spaces_in_the_path() {
    let s = Scratch::new();
    let extra = plain_image(&s, "with space/web01 extra.img");
    let idle = plain_image(&s, "with space/web01 extra2.img");
    let bin = virsh_stand_in(&s, &extra);
    check(&["dd", "if=/dev/zero", &of(&extra)])
        .path_first(&bin)
        .go()
        .status(4)
        .stdout_has("disk vdd of running libvirt domain 'web01' (id 1)")
        .stdout_has("virsh shutdown web01");
    check(&["dd", "if=/dev/zero", &of(&idle)])
        .path_first(&bin)
        .go()
        .status(0);
}

#[test]
fn a_libvirt_daemon_that_is_down_is_unknown_not_no() {
    let s = Scratch::new();
    let img = plain_image(&s, "web01.img");
    let _guest = hold_open(&img);
    let bin = s.path("bin");
    stand_in(&bin, "virsh", "echo 'error: failed to connect to the hypervisor' >&2; echo 'error: Failed to connect socket to '\"'\"'/var/run/libvirt/libvirt-sock'\"'\"': No such file or directory' >&2; exit 1");
    check(&["dd", "if=/dev/zero", &of(&img)])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("vm-disks-unknown")
        .stdout_has("failed to connect to the hypervisor");
}

// ---- holders, partitions and swap on a kernel-documented sysfs tree ----------------------------

/// A temp copy of a fixture sysroot with the symlinks its LAYOUT lists.
fn sysroot(name: &str) -> tempfile::TempDir {
    let dst = tempfile::Builder::new()
        .prefix("safeop-sysroot-")
        .tempdir()
        .unwrap();
    let src = fixture(&format!("inuse/{name}"));
    sh(&format!(
        "cp -a '{}/.' '{}/'",
        src.display(),
        dst.path().display()
    ));
    let layout = std::fs::read_to_string(src.join("LAYOUT")).unwrap();
    for line in layout
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" -> "))
    {
        let (link, target) = line.split_once(" -> ").unwrap();
        let link = dst.path().join(link);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &link).unwrap();
    }
    dst
}

#[test]
fn holders_partitions_and_swap_on_a_sysfs_tree() {
    need_root!(); // mknod
    let root = sysroot("sysroot-stacked");
    let s = Scratch::new();
    // Device nodes in the scratch dir (never opened: check only stats them).
    for (name, maj, min) in [
        ("sdx", 8, 16),
        ("sdx2", 8, 18),
        ("sdy", 8, 32),
        ("sdz", 8, 48),
        ("sdw", 8, 64),
    ] {
        sh(&format!("mknod '{}' b {maj} {min}", s.p(name)));
    }
    // Every finding, not only the first deny (what `run` would stop at).
    let go = |name: &str| {
        Test::new()
            .args(["check", "--all-findings", "--", "dd", "if=/dev/zero"])
            .arg(format!("of={}", s.p(name)))
            .env("SAFEOP_SYSROOT", root.path())
            .go()
    };
    go("sdx")
        .status(4)
        .stdout_has("device-has-holders")
        .stdout_has("dm-0 (vg0-data) on sdx2")
        .stdout_has("device-mounted");
    go("sdx2")
        .status(4)
        .stdout_has("is a member of dm-0 (vg0-data)");
    go("sdy").status(4).stdout_has("swap-in-use");
    go("sdw").status(4).stdout_has("md0 on sdw1");
    go("sdz").status(0).stdout_lacks("deny");
    // formatting a member is denied just the same
    check(&["mkfs.ext4", &s.p("sdx2")])
        .env("SAFEOP_SYSROOT", root.path())
        .go()
        .status(4)
        .stdout_has("device-has-holders");
}

// ---- disk images -------------------------------------------------------------------------------

#[test]
fn overwriting_any_disk_image_asks_for_its_name() {
    need_tool!("qemu-img");
    let s = Scratch::new();
    let q = s.path("idle.qcow2");
    sh(&format!("qemu-img create -q -f qcow2 '{}' 1M", q.display()));
    let before = blake3_of(&q);
    check(&["dd", "if=/dev/zero", &of(&q)])
        .go()
        .status(3)
        .stdout_has("disk-image-overwrite")
        .stdout_has("qcow2 disk image");
    check(&["qemu-img", "resize", &q.display().to_string(), "2M"])
        .go()
        .status(3)
        .stdout_has("disk-image-overwrite");
    // no terminal: the confirmation cannot be asked, so `run` refuses and the image is intact
    Test::new()
        .args(["run", "--", "rm", &q.display().to_string()])
        .go()
        .status(126);
    assert_eq!(blake3_of(&q), before);
    // a plain data file is not an image
    let blob = plain_image(&s, "blob.bin");
    check(&["dd", "if=/dev/zero", &of(&blob)]).go().status(0);
}

/// swapoff on drop, also when the test fails.
struct SwapGuard(PathBuf);

impl Drop for SwapGuard {
    fn drop(&mut self) {
        let _ = std::process::Command::new("swapoff").arg(&self.0).status();
    }
}

#[test]
fn an_active_swap_file_is_denied_and_the_same_file_after_swapoff_is_not() {
    need_root!();
    need_tool!("losetup");
    need_tool!("mkfs.ext4");
    need_tool!("mkswap");
    need_tool!("swapon");
    // The swap file lives on an ext4 image of the test's own, loop-mounted: whatever the
    // machine's /tmp is, swap files work there.
    let s = Scratch::new();
    let fs = Ext4::mounted(&s, "mnt", "");
    let swap = fs.point.join("swapfile");
    sh(&format!(
        "dd if=/dev/zero of='{0}' bs=1M count=4 status=none && chmod 600 '{0}' && mkswap -q '{0}'",
        swap.display()
    ));
    sh(&format!("swapon '{}'", swap.display()));
    let on = SwapGuard(swap.clone());
    let before = blake3_of(&swap);

    check(&["rm", &swap.display().to_string()])
        .go()
        .status(4)
        .stdout_has("swap-in-use")
        .stdout_has("is active swap");
    check(&["dd", "if=/dev/zero", &of(&swap)])
        .go()
        .status(4)
        .stdout_has("swap-in-use");
    Test::new()
        .args(["run", "--", "rm", "-f", &swap.display().to_string()])
        .go()
        .status(126)
        .stderr_has("swap-in-use");
    assert!(swap.exists(), "the refused rm removed the swap file");
    assert_eq!(blake3_of(&swap), before);

    drop(on);
    check(&["rm", &swap.display().to_string()])
        .go()
        .status(0)
        .stdout_lacks("swap-in-use");
}

// ---- writers safeop cannot see -----------------------------------------------------------------

/// `sh` holding `path` open for appending as pid 1 of a PID namespace and `/proc` of its own
/// (`unshare --pid --mount-proc`: a container's view), started and waited for. Dropping it kills
/// `unshare`, and `--kill-child` takes the namespace down with it.
fn hold_in_another_pid_namespace(path: &Path) -> Bg {
    let ready = PathBuf::from(format!("{}.held", path.display()));
    let b = Bg::spawn(
        Command::new("unshare")
            .args(["--pid", "--kill-child", "--mount-proc", "sh", "-c"])
            .arg("exec 3>>\"$0\"; : > \"$1\"; exec sleep 60")
            .arg(path)
            .arg(&ready),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "holder did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    b
}

/// safeop as pid 1 of a PID namespace with its own `/proc`, as it runs inside a container: the
/// processes outside are in no /proc it can read.
fn in_a_pid_namespace_of_its_own() -> Test {
    let mut c = Command::new("unshare");
    c.args(["--pid", "--kill-child", "--mount-proc"]).arg(BIN);
    Test::around(c)
}

/// The incident shape behind `open.unseen_writer`: `dd conv=notrunc` into an image that a
/// process in another container holds open for writing. From the host the writer is named; from
/// a container of its own safeop sees no writer in its /proc, but the kernel refuses a read
/// lease: the image is refused (a plain file asks), and nothing is written.
#[test]
fn a_writer_in_another_pid_namespace_is_one_safeop_cannot_see() {
    need_root!();
    need_tool!("unshare");
    need_tool!("qemu-img");
    let s = Scratch::new();
    let img = s.path("web1.qcow2");
    sh(&format!(
        "qemu-img create -q -f qcow2 '{}' 16M",
        img.display()
    ));
    let plain = plain_image(&s, "data.bin");
    let img_holder = hold_in_another_pid_namespace(&img);
    let plain_holder = hold_in_another_pid_namespace(&plain);
    let before = (blake3_of(&img), blake3_of(&plain));

    // The host's /proc lists the container's processes: a named writer.
    check(&["dd", "if=/dev/zero", &of(&img), "conv=notrunc"])
        .go()
        .status(4)
        .stdout_has("[disk-open-for-write-elsewhere]")
        .stdout_has("sleep (pid ");
    // From a container of its own: the writer is a process safeop cannot see.
    let dd = |p: &Path| {
        in_a_pid_namespace_of_its_own().args([
            "check",
            "--",
            "dd",
            "if=/dev/zero",
            &of(p),
            "conv=notrunc",
        ])
    };
    dd(&img)
        .go()
        .status(4)
        .stdout_has("[disk-open-by-unseen-writer]")
        .stdout_has("is open for writing by a process safeop cannot see")
        .stdout_has("a read lease is refused")
        .stdout_has("/proc shows only the processes of one PID namespace");
    dd(&plain)
        .go()
        .status(3)
        .stdout_has("[open-by-unseen-writer]")
        .stdout_has("is open for writing by a process safeop cannot see")
        .stdout_lacks("deny");
    // The report's facts say so too.
    let j = in_a_pid_namespace_of_its_own()
        .args([
            "check",
            "--format",
            "json",
            "--",
            "dd",
            "if=/dev/zero",
            &of(&plain),
        ])
        .go()
        .json();
    let facts = &j["facts"]["paths"][plain.display().to_string()];
    assert_eq!(facts["open.unseen_writer"], true, "{j}");
    assert_eq!(facts["open.writers"], serde_json::json!([]), "{j}");
    // `run` refuses both (the plain file's confirmation has no terminal to ask); nothing written.
    for p in [&img, &plain] {
        in_a_pid_namespace_of_its_own()
            .no_tty()
            .args([
                "run",
                "--",
                "dd",
                "if=/dev/zero",
                &of(p),
                "conv=notrunc",
                "count=1",
            ])
            .go()
            .status(126)
            .stderr_has("a process safeop cannot see");
    }
    assert_eq!(
        (blake3_of(&img), blake3_of(&plain)),
        before,
        "a refused dd wrote"
    );

    // Once the container is gone, the kernel says no one writes the file: allowed again.
    drop(plain_holder);
    drop(img_holder);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = dd(&plain).go();
        if r.code() == 0 {
            r.stdout_lacks("unseen");
            break;
        }
        assert!(Instant::now() < deadline, "still held:\n{}", r.stdout);
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A normal user cannot read other users' fds, and the kernel gives it no lease on a file it
/// does not own: a file another user holds open for writing looks like one open nowhere. Both
/// are "cannot tell", a failed value with the reason, never "not open": the image is refused,
/// a plain file asks. A file the user owns is still answered exactly (its lease).
#[test]
fn a_normal_user_cannot_see_another_users_writer_and_does_not_take_it_for_none() {
    need_root!();
    need_tool!("setpriv");
    let w = World::new();
    let img = w.file("web1.img", true);
    let plain = w.file("data.bin", false);
    let idle = w.file("idle.bin", false);
    let own = w.file("own.bin", false);
    sh(&format!("chown 65534:65534 '{}'", own.display()));
    let _img_writer = hold(&img, "<>");
    let plain_writer = hold(&plain, "<>");
    let before = blake3_of(&plain);
    let dd = |p: &Path| {
        w.as_nobody()
            .args(["check", "--", "dd", "if=/dev/zero", &of(p), "conv=notrunc"])
            .go()
    };

    // root names the writer (a plain file written in place: it asks)
    check(&["dd", "if=/dev/zero", &of(&plain), "conv=notrunc"])
        .go()
        .status(3)
        .stdout_has("[open-for-write-elsewhere]")
        .stdout_has(&format!("sleep (pid {})", plain_writer.pid()));
    // nobody cannot
    dd(&img)
        .status(4)
        .stdout_has("[disk-open-by-unseen-writer] could not determine `target.open.unseen_writer`: cannot tell whether a process safeop cannot see has it open for writing")
        .stdout_has("only to the file's owner or to a caller with CAP_LEASE")
        .stdout_has("processes could not be read (other users' processes)");
    dd(&plain)
        .status(3)
        .stdout_has("[open-by-unseen-writer] could not determine `target.open.unseen_writer`: cannot tell whether a process safeop cannot see")
        .stdout_lacks("deny");
    w.as_nobody()
        .no_tty()
        .args([
            "run",
            "--",
            "dd",
            "if=/dev/zero",
            &of(&plain),
            "conv=notrunc",
            "count=1",
        ])
        .go()
        .status(126)
        .stderr_has("a process safeop cannot see");
    assert_eq!(blake3_of(&plain), before, "the refused dd wrote");
    // Open nowhere, but nobody cannot know that either: it asks, saying why.
    dd(&idle)
        .status(3)
        .stdout_has("cannot tell whether a process safeop cannot see");
    // Its own file, open nowhere: the kernel gives the owner a lease, and the answer is exact.
    dd(&own).status(0).stdout_lacks("unseen");
    // What is no one's disk (a character device) is not asked about.
    w.as_nobody()
        .args(["check", "--", "dd"])
        .arg(format!("if={}", own.display()))
        .arg("of=/dev/null")
        .go()
        .status(0);
}

/// safeop's own output redirected into the file it judges: the kernel refuses the read lease
/// because of safeop itself, which the /proc scan leaves out. That is no hidden writer.
#[test]
fn safeop_writing_its_own_report_into_the_target_is_not_a_hidden_writer() {
    let s = Scratch::new();
    let report = plain_image(&s, "report.txt");
    // The shell opens the file for safeop's stdout and keeps nothing open itself after the exec.
    let st = Command::new("sh")
        .args([
            "-c",
            "exec \"$0\" check -- dd if=/dev/zero \"of=$1\" count=1 >> \"$1\"",
        ])
        .arg(BIN)
        .arg(&report)
        .env("SAFEOP_POLICY", fixture("empty-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
        .status()
        .unwrap();
    let data = std::fs::read(&report).unwrap();
    let text = String::from_utf8_lossy(&data[1 << 20..]).into_owned();
    assert_eq!(st.code(), Some(0), "{text}");
    assert!(text.starts_with("allow: dd"), "{text}");
}

/// A loop device over an image whose name was deleted after `losetup`, the image living on as
/// a hard link: root asks the loop driver for the backing inode and finds it under the link.
/// A normal user cannot open `/dev/loopN`, and sysfs shows only `PATH (deleted)`, no inode:
/// the link cannot be told apart from any other file, so `loop.attached` is failed (a person
/// decides), not false, and the raw disk image is refused (a writer safeop cannot see).
#[test]
fn a_deleted_loop_backing_file_living_on_as_a_hard_link_is_not_allowed_for_a_normal_user() {
    need_root!();
    need_tool!("losetup");
    need_tool!("setpriv");
    let w = World::new();
    let orig = w.file("web1.img", true);
    let link = w.path("web1-restored.img");
    std::fs::hard_link(&orig, &link).unwrap();
    let lo = LoopDev::attach(&orig);
    std::fs::remove_file(&orig).unwrap();
    let name = lo.dev.trim_start_matches("/dev/");
    let shown = std::fs::read_to_string(format!("/sys/block/{name}/loop/backing_file")).unwrap();
    assert!(shown.trim_end().ends_with(" (deleted)"), "{shown}");
    let before = blake3_of(&link);

    // root: the loop driver's inode matches the link
    check(&["dd", "if=/dev/zero", &of(&link), "conv=notrunc"])
        .go()
        .status(4)
        .stdout_has("loop-backing-file-in-use")
        .stdout_has(&lo.dev);
    // nobody: cannot tell, and says so
    let r = w
        .as_nobody()
        .args([
            "check",
            "--all-findings",
            "--format",
            "json",
            "--",
            "dd",
            "if=/dev/zero",
        ])
        .arg(of(&link))
        .arg("conv=notrunc")
        .go();
    r.status(4);
    let j = r.json();
    let finding = |rule: &str| {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {j:#}"))
            .clone()
    };
    let l = finding("loop-backing-file-in-use");
    assert_eq!(l["verdict"], "confirm", "{l}");
    let m = l["message"].as_str().unwrap();
    assert!(
        m.contains("could not determine `target.loop.attached`: cannot tell whether it backs a loop device")
            && m.contains(&format!("{} cannot be opened to ask the loop driver", lo.dev))
            && m.contains(&format!("its backing file `{}` was deleted", orig.display())),
        "{m}"
    );
    assert_eq!(finding("disk-open-by-unseen-writer")["verdict"], "deny");
    assert_ne!(j["verdict"], "allow");
    w.as_nobody()
        .no_tty()
        .args(["run", "--", "dd", "if=/dev/zero"])
        .arg(of(&link))
        .args(["conv=notrunc", "count=1"])
        .go()
        .status(126);
    assert_eq!(blake3_of(&link), before, "the refused dd wrote");
    drop(lo);
}
