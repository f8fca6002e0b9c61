//! Effects, not spellings (issue 10): a copy, sync, move or extraction is judged by the paths it
//! really writes — a device named as a copy's destination, an in-use image that a copy into a
//! directory or an archive's member lands on — with real loop devices and real `qemu-nbd` locks.
//! System paths and the root disk only ever go to `check`; `run` touches scratch files, and a
//! refused run leaves every target's hash unchanged.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn check(args: &[&str]) -> Test {
    Test::new().args(["check", "--"]).args(args)
}

fn run(args: &[&str]) -> Test {
    Test::new().args(["run", "--"]).args(args).no_tty()
}

/// The disk `/` is on, as a device node (`/dev/vda` here), if the machine has one.
fn root_disk() -> Option<String> {
    let out = Command::new("findmnt")
        .args(["-n", "-o", "SOURCE", "/"])
        .output()
        .ok()?;
    let src = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = Command::new("lsblk")
        .args(["-n", "-d", "-o", "PKNAME", &src])
        .output()
        .ok()?;
    let parent = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let disk = if parent.is_empty() {
        src
    } else {
        format!("/dev/{parent}")
    };
    Path::new(&disk).exists().then_some(disk)
}

#[test]
fn a_copy_or_sync_onto_the_root_disk_is_an_overwrite_of_it() {
    need_root!();
    let Some(disk) = root_disk() else {
        eprintln!("SKIPPED: no block device holds / here");
        return;
    };
    let s = Scratch::new();
    let img = s.file("img", 4096).display().to_string();
    for argv in [
        vec!["cp", "-a", &img, &disk],
        vec!["cp", "-R", &img, &disk],
        vec!["cp", &img, &disk],
        vec!["rsync", "--write-devices", "--inplace", &img, &disk],
        vec!["rsync", "-a", "--write-devices", &img, &disk],
    ] {
        let r = check(&argv).go();
        r.status(4).stdout_has("device-holds-root");
        let j = Test::new()
            .args(["check", "--format", "json", "--"])
            .args(&argv)
            .go()
            .json();
        let effects = j["operation"]["effects"].as_array().expect("effects");
        assert!(
            effects
                .iter()
                .any(|e| e["kind"] == "overwrite" && e["path"] == disk.as_str()),
            "{argv:?}: {effects:?}"
        );
        assert_eq!(
            j["operation"]["targets"][0],
            disk.as_str(),
            "main effect kept"
        );
    }
}

/// Waits until /proc/locks shows a lock on the file's inode (qemu-nbd takes them after start-up).
fn wait_for_lock(p: &Path) {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(p).expect("image").ino();
    let needle = format!(":{ino} ");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::fs::read_to_string("/proc/locks")
            .expect("/proc/locks")
            .contains(&needle)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no lock on {} appeared in /proc/locks", p.display());
}

/// `images/vm.qcow2` served by a real qemu-nbd (its locks held), `images/disk.img` attached to a
/// real loop device, and copies of both names under `src/`.
struct Images {
    _nbd: Bg,
    lo: LoopDev,
    s: Scratch,
}

impl Images {
    fn new() -> Images {
        let s = Scratch::new();
        std::fs::create_dir_all(s.path("images")).expect("mkdir");
        let vm = s.path("images/vm.qcow2");
        sh(&format!(
            "qemu-img create -q -f qcow2 '{}' 16M",
            vm.display()
        ));
        let nbd = Bg::spawn(
            Command::new("qemu-nbd")
                .arg("--persistent")
                .arg(format!("--socket={}", s.path("nbd.sock").display()))
                .args(["-f", "qcow2"])
                .arg(&vm),
        );
        wait_for_lock(&vm);
        let disk = s.file("images/disk.img", 1 << 20);
        let lo = LoopDev::attach(&disk);
        s.file("images/notes.txt", 100);
        s.file("src/vm.qcow2", 1 << 16);
        s.file("src/disk.img", 1 << 16);
        s.file("other/notes.txt", 200);
        Images { _nbd: nbd, lo, s }
    }
    fn p(&self, rel: &str) -> String {
        self.s.p(rel)
    }
    fn hashes(&self) -> (String, String) {
        (
            blake3_of(&self.s.path("images/vm.qcow2")),
            blake3_of(&self.s.path("images/disk.img")),
        )
    }
}

#[test]
fn a_copy_onto_an_in_use_image_is_denied_and_run_leaves_it_unchanged() {
    need_root!();
    need_tool!("qemu-nbd");
    need_tool!("losetup");
    let w = Images::new();
    let before = w.hashes();
    let (vm, disk, src) = (
        w.p("images/vm.qcow2"),
        w.p("images/disk.img"),
        w.p("src/vm.qcow2"),
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["cp", "-R", &src, &disk], "loop-backing-file-in-use"),
        (vec!["cp", "-a", &src, &vm], "image-locked-by-qemu"),
        (vec!["cp", "-a", &src, &disk], "loop-backing-file-in-use"),
        (
            vec!["rsync", "-a", "--inplace", &src, &vm],
            "image-locked-by-qemu",
        ),
        (vec!["mv", &src, &vm], "image-locked-by-qemu"),
    ];
    for (argv, rule) in &cases {
        check(argv).go().status(4).stdout_has(rule);
        run(argv).go().status(126);
        assert_eq!(w.hashes(), before, "{argv:?} changed an image");
    }
    check(&["cp", "-a", &src, &vm])
        .go()
        .stdout_has(&format!("`{vm}` is a file: cp writes over it"));
    check(&["cp", "-R", &src, &disk]).go().stdout_has(&w.lo.dev);
}

#[test]
fn a_copy_into_a_directory_is_judged_where_each_source_lands() {
    need_root!();
    need_tool!("qemu-nbd");
    need_tool!("losetup");
    let w = Images::new();
    let before = w.hashes();
    let images = w.p("images");
    let images_slash = format!("{images}/");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["cp".into(), w.p("src/vm.qcow2"), images_slash.clone()],
            "image-locked-by-qemu",
        ),
        (
            vec!["cp".into(), w.p("src/disk.img"), images.clone()],
            "loop-backing-file-in-use",
        ),
        (
            vec![
                "cp".into(),
                "-t".into(),
                images.clone(),
                w.p("src/vm.qcow2"),
            ],
            "image-locked-by-qemu",
        ),
        (
            vec!["mv".into(), w.p("src/vm.qcow2"), images_slash.clone()],
            "image-locked-by-qemu",
        ),
        // A tree copied over the directory: its `vm.qcow2` lands on the locked one.
        (
            vec![
                "cp".into(),
                "-a".into(),
                format!("{}/.", w.p("src")),
                images.clone(),
            ],
            "image-locked-by-qemu",
        ),
        (
            vec![
                "rsync".into(),
                "-a".into(),
                format!("{}/", w.p("src")),
                images_slash.clone(),
            ],
            "image-locked-by-qemu",
        ),
        (
            vec![
                "rsync".into(),
                "-a".into(),
                format!("{}/", w.p("src")),
                images_slash.clone(),
            ],
            "loop-backing-file-in-use",
        ),
    ];
    for (argv, rule) in &cases {
        let r = check(&argv.iter().map(String::as_str).collect::<Vec<_>>()).go();
        // `check` stops at the first deny; ask for every finding to see each rule.
        let all = Test::new()
            .args(["check", "--all-findings", "--"])
            .args(argv)
            .go();
        r.status(4);
        all.status(4).stdout_has(rule);
        run(&argv.iter().map(String::as_str).collect::<Vec<_>>())
            .go()
            .status(126);
        assert_eq!(w.hashes(), before, "{argv:?} changed an image");
    }
    // Names that land on nothing in use go ahead: the in-use images are not what is written.
    let notes = w.p("other/notes.txt");
    check(&["cp", &notes, &images_slash]).go().status(0);
    check(&["cp", "-a", &format!("{}/.", w.p("other")), &images])
        .go()
        .status(0);
    run(&["cp", &notes, &images_slash]).go().status(0);
    assert_eq!(
        std::fs::read(w.s.path("images/notes.txt"))
            .expect("copied")
            .len(),
        200
    );
    assert_eq!(w.hashes(), before);
}

#[test]
fn an_extraction_is_judged_by_the_members_that_land_on_in_use_images() {
    need_root!();
    need_tool!("qemu-nbd");
    need_tool!("losetup");
    let w = Images::new();
    let before = w.hashes();
    let with_vm = w.p("with-vm.tar");
    sh(&format!(
        "tar -cf '{with_vm}' -C '{}' vm.qcow2 disk.img",
        w.p("src")
    ));
    let without = w.p("notes.tar");
    sh(&format!(
        "tar -cf '{without}' -C '{}' notes.txt",
        w.p("other")
    ));
    let images = w.p("images");
    for argv in [
        vec!["tar", "-xf", &with_vm, "-C", &images, "--overwrite"],
        vec!["tar", "-xf", &with_vm, "-C", &images],
        vec!["tar", "-C", &images, "-xf", &with_vm, "vm.qcow2"],
    ] {
        let r = check(&argv).go();
        r.status(4);
        assert!(
            r.stdout.contains("image-locked-by-qemu")
                || r.stdout.contains("loop-backing-file-in-use"),
            "{argv:?}: {}",
            r.stdout
        );
        run(&argv).go().status(126);
        assert_eq!(w.hashes(), before, "{argv:?} changed an image");
    }
    // Only disk.img selected: the locked vm.qcow2 is not written, the loop backing file is.
    Test::new()
        .args([
            "check",
            "--all-findings",
            "--",
            "tar",
            "-xf",
            &with_vm,
            "-C",
            &images,
            "disk.img",
        ])
        .go()
        .status(4)
        .stdout_has("loop-backing-file-in-use")
        .stdout_lacks("image-locked-by-qemu");
    // An archive whose members land on nothing in use goes ahead.
    check(&["tar", "-xf", &without, "-C", &images, "--overwrite"])
        .go()
        .status(0);
    run(&["tar", "-xf", &without, "-C", &images, "--overwrite"])
        .go()
        .status(0);
    assert_eq!(w.hashes(), before);
}

#[test]
fn copies_onto_files_nothing_uses_go_ahead() {
    let s = Scratch::new();
    let a = s.file("a", 1000).display().to_string();
    let b = s.file("b", 10).display().to_string();
    let d = s.path("d");
    std::fs::create_dir_all(&d).expect("mkdir");
    s.file("d/a", 10);
    let d = d.display().to_string();
    for argv in [
        vec!["cp", &a, &b],
        vec!["cp", "-a", &a, &b],
        vec!["cp", &a, &d],
        vec!["mv", &b, &d],
    ] {
        check(&argv).go().status(0).stdout_lacks("deny");
    }
    run(&["cp", &a, &d]).go().status(0);
    assert_eq!(std::fs::read(s.path("d/a")).expect("copied").len(), 1000);
}

#[test]
fn json_lists_every_effect_of_a_command() {
    let j = Test::new()
        .args(["check", "--format", "json", "--"])
        .args(["rsync", "-a", "--delete", "empty/", "/"])
        .go()
        .json();
    let effects: Vec<(String, String, bool)> = j["operation"]["effects"]
        .as_array()
        .expect("effects")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or("").to_string(),
                e["path"].as_str().unwrap_or("").to_string(),
                e["tree"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        effects,
        [
            ("create".into(), "/".into(), true),
            ("read".into(), "empty/".into(), false),
            ("delete".into(), "/".into(), true),
        ]
    );
    assert_eq!(j["operation"]["kind"], "restore");
    assert_eq!(j["operation"]["targets"][0], "/");
    assert_eq!(j["verdict"], "deny");
}

#[test]
fn moving_a_tree_takes_its_mounts_and_in_use_files_along_so_it_is_denied() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let img = s.file("tree/images/disk.img", 1 << 20);
    s.file("tree/notes.txt", 10);
    std::fs::create_dir_all(s.path("tree/mnt")).expect("mkdir");
    let mnt = MountGuard::tmpfs(&s.path("tree/mnt"), "size=1M");
    let lo = LoopDev::attach(&img);
    let tree = s.p("tree");
    let away = s.p("tree.old");
    Test::new()
        .args(["check", "--all-findings", "--", "mv", &tree, &away])
        .go()
        .status(4)
        .stdout_has("move-takes-mounts-along")
        .stdout_has(&format!("{tree}/mnt"))
        .stdout_has("move-takes-in-use-files-along")
        .stdout_has(&lo.dev);
    let before = blake3_of(&img);
    run(&["mv", &tree, &away]).go().status(126);
    assert!(s.path("tree/images/disk.img").exists(), "the tree stayed");
    assert_eq!(blake3_of(&img), before);
    drop(lo);
    drop(mnt);
    // Nothing below it any more: the move goes ahead.
    run(&["mv", &tree, &away]).go().status(0);
    assert!(s.path("tree.old/notes.txt").exists());
}

/// A loop device over an image with a GPT of two partitions, partitions scanned (`losetup -P`,
/// then `partx -a` where the loop driver does not scan itself).
fn partitioned(s: &Scratch) -> LoopDev {
    let img = s.path("disk.img");
    std::fs::File::create(&img)
        .and_then(|f| f.set_len(64 << 20))
        .expect("image");
    sh(&format!(
        "printf 'label: gpt\\n,20M\\n,20M\\n' | sfdisk -q '{}'",
        img.display()
    ));
    let out = Command::new("losetup")
        .args(["--find", "--show", "--partscan"])
        .arg(&img)
        .output()
        .expect("losetup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lo = LoopDev {
        dev: String::from_utf8_lossy(&out.stdout).trim().to_string(),
    };
    let p2 = format!("{}p2", lo.dev);
    if !Path::new(&p2).exists() {
        sh(&format!("partx -a '{}'", lo.dev));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !Path::new(&p2).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(Path::new(&p2).exists(), "no {p2}");
    lo
}

#[test]
fn a_partition_whose_disk_has_another_partition_mounted_needs_its_name_typed() {
    need_root!();
    need_tool!("sfdisk");
    need_tool!("partx");
    need_tool!("mkfs.ext4");
    let s = Scratch::new();
    let lo = partitioned(&s);
    let (p1, p2) = (format!("{}p1", lo.dev), format!("{}p2", lo.dev));
    sh(&format!("mkfs.ext4 -q '{p1}'"));
    std::fs::create_dir_all(s.path("mnt")).expect("mkdir");
    let mnt = MountGuard::mount(&p1, &s.path("mnt"));
    let of = format!("of={p2}");
    check(&["dd", "if=/dev/zero", &of, "count=1"])
        .go()
        .status(3)
        .stdout_has("same-disk-mounted")
        .stdout_has(&s.p("mnt"));
    let before = blake3_of(Path::new(&p2));
    run(&["dd", "if=/dev/zero", &of, "count=1", "conv=notrunc"])
        .go()
        .status(126);
    assert_eq!(
        blake3_of(Path::new(&p2)),
        before,
        "the partition is unchanged"
    );
    drop(mnt);
    check(&["dd", "if=/dev/zero", &of, "count=1"])
        .go()
        .status(0)
        .stdout_lacks("same-disk-mounted");
    if Path::new(&format!("{}p1", lo.dev)).exists() {
        let _ = Command::new("partx").args(["-d", &lo.dev]).status();
    }
}

#[test]
fn shrinking_a_bare_filesystem_image_is_denied_and_leaves_it_whole() {
    need_tool!("mkfs.ext4");
    let s = Scratch::new();
    let img = s.path("fs.img");
    std::fs::File::create(&img)
        .and_then(|f| f.set_len(8 << 20))
        .expect("image");
    sh(&format!("mkfs.ext4 -q -F '{}'", img.display()));
    let i = img.display().to_string();
    check(&["truncate", "-s", "1M", &i])
        .go()
        .status(4)
        .stdout_has("image-shrunk")
        .stdout_has("raw-ext");
    let before = blake3_of(&img);
    run(&["truncate", "-s", "1M", &i]).go().status(126);
    assert_eq!(blake3_of(&img), before);
    assert_eq!(std::fs::metadata(&img).expect("stat").len(), 8 << 20);
    // Growing it cuts nothing off: it still asks, as any change to a disk image does.
    check(&["truncate", "-s", "+1M", &i])
        .go()
        .status(3)
        .stdout_lacks("image-shrunk")
        .stdout_has("disk-image-overwrite");
}

#[test]
fn a_whole_loop_device_is_a_whole_disk_however_it_is_reached() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let img = s.file("disk.img", 1 << 20);
    let lo = LoopDev::attach(&img);
    // A by-id style link, as udev makes them (made in the scratch dir, not in /dev).
    let link = s.path("by-id-link");
    std::os::unix::fs::symlink(&lo.dev, &link).expect("symlink");
    for target in [lo.dev.clone(), link.display().to_string()] {
        check(&["dd", "if=/dev/zero", &format!("of={target}"), "count=1"])
            .go()
            .status(3)
            .stdout_has("whole-disk-write")
            .stdout_has(&format!("`{}` is a whole disk", lo.dev));
    }
    let before = blake3_of(&img);
    run(&[
        "dd",
        "if=/dev/zero",
        &format!("of={}", lo.dev),
        "count=1",
        "conv=notrunc",
    ])
    .go()
    .status(126);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn a_sync_with_a_delete_flag_into_a_tree_holding_in_use_images_is_denied() {
    need_root!();
    need_tool!("qemu-nbd");
    need_tool!("losetup");
    need_tool!("restic");
    need_tool!("rsync");
    let w = Images::new();
    let before = w.hashes();
    // A real restic repository whose snapshot holds `notes.txt` only.
    let repo = w.p("repo");
    let pw = w.s.write("pw", "a test password\n").display().to_string();
    sh(&format!(
        "restic init -q --repo '{repo}' --password-file '{pw}'"
    ));
    sh(&format!(
        "cd '{}' && restic -q --repo '{repo}' --password-file '{pw}' backup notes.txt",
        w.p("other")
    ));
    let images = w.p("images");
    let other = format!("{}/", w.p("other"));
    let restic = |target: &str| -> Vec<String> {
        [
            "restic",
            "--repo",
            &repo,
            "--password-file",
            &pw,
            "restore",
            "latest",
            "--target",
            target,
            "--delete",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for argv in [
        restic(&images),
        vec![
            "rsync".into(),
            "-a".into(),
            "--delete".into(),
            other.clone(),
            format!("{images}/"),
        ],
    ] {
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        check(&a)
            .go()
            .status(4)
            .stdout_has("sync-deletes-in-use-below");
        run(&a).go().status(126);
        assert_eq!(w.hashes(), before, "{argv:?} changed an image");
        assert!(w.s.path("images/vm.qcow2").exists() && w.s.path("images/disk.img").exists());
    }
    // Into `/`: only ever `check`.
    let a = restic("/");
    check(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .go()
        .status(4)
        .stdout_has("sync-deletes-below-system-dir");
}

#[test]
fn a_sync_with_a_delete_flag_stops_at_mounts_only_with_one_file_system() {
    need_root!();
    need_tool!("rsync");
    let s = Scratch::new();
    s.write("src/a", "a\n");
    s.write("dst/old", "old\n");
    std::fs::create_dir_all(s.path("dst/mnt")).expect("mkdir");
    let _mnt = MountGuard::tmpfs(&s.path("dst/mnt"), "size=1M");
    s.write("dst/mnt/keep.txt", "keep\n");
    let (src, dst) = (format!("{}/", s.p("src")), format!("{}/", s.p("dst")));
    check(&["rsync", "-a", "--delete", &src, &dst])
        .go()
        .status(4)
        .stdout_has("sync-deletes-through-mounts")
        .stdout_has(&s.p("dst/mnt"));
    run(&["rsync", "-a", "--delete", &src, &dst])
        .go()
        .status(126);
    assert!(s.path("dst/old").exists() && s.path("dst/mnt/keep.txt").exists());
    // `-x` keeps rsync on the destination's filesystem: allowed, and the mount's files stay.
    run(&["rsync", "-ax", "--delete", &src, &dst])
        .go()
        .status(0);
    assert!(!s.path("dst/old").exists(), "rsync deleted what src lacks");
    assert_eq!(
        std::fs::read_to_string(s.path("dst/mnt/keep.txt")).expect("kept"),
        "keep\n"
    );
}

#[test]
fn tar_remove_files_stops_at_mounts_only_with_one_file_system() {
    need_root!();
    let s = Scratch::new();
    s.write("tree/a", "a\n");
    std::fs::create_dir_all(s.path("tree/mnt")).expect("mkdir");
    let _mnt = MountGuard::tmpfs(&s.path("tree/mnt"), "size=1M");
    s.write("tree/mnt/keep.txt", "keep\n");
    let (tar, tree) = (s.p("x.tar"), s.p("tree"));
    check(&["tar", "-cf", &tar, "--remove-files", &tree])
        .go()
        .status(4)
        .stdout_has("sources-removed-through-mounts");
    run(&["tar", "-cf", &tar, "--remove-files", &tree])
        .go()
        .status(126);
    assert!(s.path("tree/a").exists() && s.path("tree/mnt/keep.txt").exists());
    // With --one-file-system tar neither archives nor deletes what is mounted below.
    let r = run(&[
        "tar",
        "-cf",
        &tar,
        "--one-file-system",
        "--remove-files",
        &tree,
    ])
    .go();
    assert!(matches!(r.code(), 0 | 2), "tar ran: {}", r.stderr);
    assert!(!s.path("tree/a").exists(), "tar removed what it archived");
    assert_eq!(
        std::fs::read_to_string(s.path("tree/mnt/keep.txt")).expect("kept"),
        "keep\n"
    );
}
