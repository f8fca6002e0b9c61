//! Restores and plain writes sized by what they really write, on filesystems mounted here for
//! the test (tmpfs with few inodes or little space), with real archives, trees, pipes and a
//! loop device, decided by the built binary. Where safeop predicts a count, the real tool is
//! run on a copy of the situation and must agree. A refused `run` leaves its target as it was.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A tmpfs mounted for the test, unmounted on drop.
struct Fs {
    _guard: MountGuard,
    _s: Scratch,
    point: PathBuf,
}

impl Fs {
    fn tmpfs(opts: &str) -> Fs {
        let s = Scratch::new();
        let point = s.path("mnt");
        let g = MountGuard::tmpfs(&point, opts);
        Fs {
            _guard: g,
            _s: s,
            point,
        }
    }
    fn p(&self, rel: &str) -> String {
        self.point.join(rel).display().to_string()
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.point.join(rel)
    }
    fn free_inodes(&self) -> u64 {
        nix::sys::statvfs::statvfs(&self.point)
            .expect("statvfs")
            .files_free()
    }
    /// A listing of every name with its size and content hash: equal before and after a
    /// refused run.
    fn state(&self) -> String {
        sh(&format!(
            "cd '{}' && find . -printf '%p %y %s\\n' | sort && find . -type f -print0 | sort -z | xargs -0r md5sum",
            self.point.display()
        ))
    }
}

/// `n` small files `f000`… in `dir`.
fn files(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for i in 0..n {
        std::fs::write(dir.join(format!("f{i:03}")), format!("{i}\n")).expect("write");
    }
}

fn check<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Test {
    Test::new().args(["check", "--"]).args(args)
}

/// `check --format json` with every restore fact in the snapshot (see tests/restore.rs).
fn check_json(args: &[&str]) -> Test {
    Test::new()
        .env("SAFEOP_POLICY", fixture("restore/show-facts.yaml"))
        .args(["check", "--all-findings", "--format", "json", "--"])
        .args(args)
}

fn facts(r: &Ran) -> serde_json::Value {
    r.json()["facts"]["facts"].clone()
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Test {
    Test::new().no_tty().args(["run", "--"]).args(args)
}

// --- 1. names already there ----------------------------------------------------------------

#[test]
fn cp_a_of_dir_dot_over_a_copy_already_there_needs_no_inode() {
    need_root!();
    let s = Scratch::new();
    files(&s.path("big"), 300);
    let big = s.p("big");
    let fs = Fs::tmpfs("size=64m,nr_inodes=400");
    sh(&format!("cp -a '{big}/.' '{}/'", fs.p("")));
    let free = fs.free_inodes();
    assert!(free < 300, "a second full copy would not fit: {free} free");
    for src in [format!("{big}/."), format!("{big}/./")] {
        for cp in ["-a", "-r"] {
            let r = check_json(&["cp", cp, &src, &fs.p("")]).go();
            r.status(0);
            let f = facts(&r);
            assert_eq!(f["restore.inodes"], 0, "{cp} {src}: {}", r.stdout);
            assert_eq!(
                f["restore.present"], 301,
                "the destination and its 300 files"
            );
            assert_eq!(f["restore.bytes"], 0, "the same files: nothing grows");
        }
    }
    // and cp really creates none
    run(&["cp", "-a", &format!("{big}/."), &fs.p("")])
        .go()
        .status(0);
    assert_eq!(fs.free_inodes(), free);
    // `cp -a big dst/` with dst/big half there counts the missing half
    let fs = Fs::tmpfs("size=64m,nr_inodes=400");
    sh(&format!(
        "mkdir '{0}/big' && cp -a '{big}'/f0* '{big}'/f1* '{0}/big/'",
        fs.p("")
    ));
    let r = check_json(&["cp", "-a", &big, &fs.p("")]).go();
    r.status(0);
    assert_eq!(facts(&r)["restore.inodes"], 100, "f200…f299");
    let before = fs.free_inodes();
    run(&["cp", "-a", &big, &fs.p("")]).go().status(0);
    assert_eq!(before - fs.free_inodes(), 100, "what cp really made");
}

// --- 2. bytes of files written over ----------------------------------------------------------

/// An 8 MiB tmpfs holding `dst/f1` (4 MiB, old mtime), and a source `src/f1` of 5 MiB.
fn grown_file() -> (Scratch, Fs) {
    let s = Scratch::new();
    s.file("src/f1", 5 << 20);
    let fs = Fs::tmpfs("size=8m");
    sh(&format!(
        "mkdir '{0}/dst' && head -c 4194304 /dev/urandom > '{0}/dst/f1' && touch -d 2020-01-01 '{0}/dst/f1'",
        fs.p("")
    ));
    (s, fs)
}

#[test]
fn a_file_written_over_needs_its_growth_and_rsync_its_temporary_copy() {
    need_root!();
    need_tool!("rsync");
    let (s, fs) = grown_file();
    let src = s.p("src");
    let dst = fs.p("dst/");
    // cp writes over f1 in place: 1 MiB more, with 4 MiB available
    let r = check_json(&["cp", "-a", &format!("{src}/."), &dst]).go();
    r.status(0);
    assert_eq!(facts(&r)["restore.bytes"], 1 << 20, "{}", r.stdout);
    // rsync writes a 5 MiB temporary copy while the old 4 MiB are still there
    let r = check(&["rsync", "-a", &format!("{src}/"), &dst]).go();
    r.status(4).stdout_has("restore-exhausts-space");
    // …and that is what the real rsync runs into, on a copy of the situation
    let (s2, fs2) = grown_file();
    let out = std::process::Command::new("rsync")
        .args(["-a", &format!("{}/", s2.p("src")), &fs2.p("dst/")])
        .output()
        .expect("rsync");
    assert!(!out.status.success(), "rsync ran out of space for real");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No space left on device"));
    // a refused run leaves f1 as it was
    let before = fs.state();
    run(&["rsync", "-a", &format!("{src}/"), &dst])
        .go()
        .status(126);
    assert_eq!(fs.state(), before);
    // --inplace grows the file in place: it fits, and rsync does it
    let r = check_json(&["rsync", "-a", "--inplace", &format!("{src}/"), &dst]).go();
    r.status(0);
    assert_eq!(facts(&r)["restore.bytes"], 1 << 20);
    run(&["rsync", "-a", "--inplace", &format!("{src}/"), &dst])
        .go()
        .status(0);
    assert_eq!(blake3_of(&fs.path("dst/f1")), blake3_of(&s.path("src/f1")));
    // now up to date: the quick check skips f1, only the copy-in-flight inode is left
    let r = check_json(&["rsync", "-a", &format!("{src}/"), &dst]).go();
    r.status(0);
    assert_eq!(facts(&r)["restore.bytes"], 0);
}

// --- 3. tar: every -C sized where its members land ------------------------------------------

/// An archive of `m1/` and `m2/`, 150 files each (151 entries each).
fn two_member_archive(s: &Scratch) -> String {
    files(&s.path("src/m1"), 150);
    files(&s.path("src/m2"), 150);
    sh(&format!(
        "tar -cf '{}' -C '{}' m1 m2",
        s.p("t.tar"),
        s.p("src")
    ));
    s.p("t.tar")
}

#[test]
fn tar_with_several_directories_is_judged_on_each_filesystem() {
    need_root!();
    let s = Scratch::new();
    let tar = two_member_archive(&s);
    let small = Fs::tmpfs("size=64m,nr_inodes=100");
    let big = Fs::tmpfs("size=64m,nr_inodes=1000");
    let (sm, bg) = (small.p(""), big.p(""));
    for argv in [
        vec!["tar", "-xf", &tar, "-C", &bg, "m1", "-C", &sm, "m2"],
        vec!["tar", "-xf", &tar, "-C", &sm, "m1", "-C", &bg, "m2"],
        vec!["tar", "xf", &tar, "-C", &bg, "m1", "--directory", &sm, "m2"],
    ] {
        check(&argv)
            .go()
            .status(4)
            .stdout_has("restore-exhausts-inodes")
            .stdout_has(&format!(
                "restore creates 151 inodes in {}; 99 free on {}",
                small.point.display(),
                small.point.display()
            ));
    }
    // both members into the big one fit
    check(&["tar", "-xf", &tar, "-C", &bg, "m1", "m2"])
        .go()
        .status(0);
    // a refused run touches neither
    let (before_s, before_b) = (small.state(), big.state());
    run(&["tar", "-xf", &tar, "-C", &bg, "m1", "-C", &sm, "m2"])
        .go()
        .status(126);
    assert_eq!((small.state(), big.state()), (before_s, before_b));
    // two directories on one filesystem add up: each fits alone, both do not
    let one = Fs::tmpfs("size=64m,nr_inodes=250");
    sh(&format!("mkdir '{}' '{}'", one.p("a"), one.p("b")));
    let (a, b) = (one.p("a"), one.p("b"));
    check(&["tar", "-xf", &tar, "-C", &a, "m1"]).go().status(0);
    check(&["tar", "-xf", &tar, "-C", &a, "m1", "-C", &b, "m2"])
        .go()
        .status(4)
        .stdout_has("restore creates 302 inodes in");
}

#[test]
fn the_prediction_for_several_filesystems_is_what_tar_makes() {
    need_root!();
    let s = Scratch::new();
    let tar = two_member_archive(&s);
    let one = Fs::tmpfs("size=64m,nr_inodes=2000");
    let two = Fs::tmpfs("size=64m,nr_inodes=500");
    sh(&format!("mkdir '{}'", two.p("sub")));
    let (d1, d2) = (one.p(""), two.p("sub"));
    let argv = ["tar", "-xf", &tar, "-C", &d1, "m1", "-C", &d2, "m2"];
    let layer = s.write(
        "show-dest.yaml",
        "version: 1\nrules:\n  - id: show-dest\n    summary: Shows where.\n    match: { operation: restore }\n    verdict: warn\n    message: \"{restore.dest.path} {restore.entries} {restore.inodes_short}\"\n",
    );
    let r = Test::new()
        .env("SAFEOP_POLICY", &layer)
        .args(["check", "--all-findings", "--format", "json", "--"])
        .args(argv)
        .go();
    r.status(0);
    let f = facts(&r);
    // the second filesystem is left with the smaller share of its inodes: it is described
    assert_eq!(f["restore.inodes"], 151, "{}", r.stdout);
    assert_eq!(f["restore.entries"], 302);
    assert_eq!(f["restore.dest.path"].as_str(), Some(two.p("sub").as_str()));
    assert_eq!(f["restore.dest.inodes_total"], 500);
    let (free1, free2) = (one.free_inodes(), two.free_inodes());
    run(&argv).go().status(0);
    assert_eq!(
        free1 - one.free_inodes(),
        151,
        "m1 and its files on the first"
    );
    assert_eq!(free2 - two.free_inodes(), 151, "as predicted on the second");
}

#[test]
fn one_top_level_is_sized_where_its_members_land() {
    need_root!();
    let s = Scratch::new();
    files(&s.path("src/tree"), 30);
    sh(&format!(
        "tar -czf '{0}/lists.tar.gz' -C '{0}/src' tree && cp '{0}/lists.tar.gz' '{0}/noext'",
        s.dir.path().display()
    ));
    let arch = s.p("lists.tar.gz");
    let fs = Fs::tmpfs("size=64m,nr_inodes=1000");
    for (opt, want, made) in [
        ("--one-top-level", 32, "lists"),
        ("--one-top-level=tree", 31, "tree"),
        ("--one-top-level=X", 32, "X"),
    ] {
        let dir = fs.path("d");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let d = dir.display().to_string();
        let r = check_json(&["tar", "-xzf", &arch, opt, "-C", &d]).go();
        r.status(0);
        assert_eq!(facts(&r)["restore.inodes"], want, "{opt}: {}", r.stdout);
        let before = fs.free_inodes();
        run(&["tar", "-xzf", &arch, opt, "-C", &d]).go().status(0);
        assert_eq!(before - fs.free_inodes(), want, "{opt}: what tar made");
        assert!(dir.join(made).join("tree").exists() || made == "tree");
        // again: all there, nothing new
        let r = check_json(&["tar", "-xzf", &arch, opt, "-C", &d]).go();
        assert_eq!(facts(&r)["restore.inodes"], 0, "{opt}");
        std::fs::remove_dir_all(&dir).expect("rm");
    }
    // an archive name tar cannot make a directory name of: tar refuses, safeop asks
    check(&[
        "tar",
        "-xf",
        &s.p("noext"),
        "--one-top-level",
        "-C",
        &fs.p(""),
    ])
    .go()
    .status(3)
    .stdout_has("cannot deduce");
}

// --- 4. archives of unknown size --------------------------------------------------------------

#[test]
fn an_archive_from_a_pipe_or_a_fifo_cannot_be_counted_and_asks() {
    need_root!();
    let s = Scratch::new();
    files(&s.path("src/tree"), 30);
    sh(&format!(
        "tar -cf '{0}/a.tar' -C '{0}/src' tree",
        s.dir.path().display()
    ));
    let arch = s.p("a.tar");
    let fs = Fs::tmpfs("size=64m,nr_inodes=400");
    let d = fs.p("");
    // the same archive as a file fits
    check(&["tar", "-xf", &arch, "-C", &d]).go().status(0);
    let fed = || {
        let (r, mut w) = std::io::pipe().expect("pipe");
        let data = std::fs::read(&arch).expect("read");
        let t = std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut w, &data);
        });
        (r, t)
    };
    for argv in [
        vec!["tar", "-xf", "-", "-C", &d],
        vec!["tar", "-x", "-C", &d],
        vec!["tar", "xf", "/dev/stdin", "-C", &d],
    ] {
        let (pipe, t) = fed();
        check(&argv)
            .stdin(pipe)
            .go()
            .status(3)
            .stdout_has("restore-exhausts-inodes")
            .stdout_has("give the archive with -f FILE so safeop can count it");
        let _ = t.join();
    }
    // run: nothing to confirm it with, refused; tar never read the pipe
    let before = fs.state();
    let (pipe, t) = fed();
    run(&["tar", "-xf", "-", "-C", &d])
        .stdin(pipe)
        .go()
        .status(126)
        .stderr_has("standard input");
    let _ = t.join();
    assert_eq!(fs.state(), before);
    // a FIFO is not opened (that would take the data from tar)
    let fifo = s.path("a.fifo");
    sh(&format!("mkfifo '{}'", fifo.display()));
    check(&["tar", "-xf", &fifo.display().to_string(), "-C", &d])
        .go()
        .status(3)
        .stdout_has("is a FIFO");
    // no -f and $TAPE naming the file: counted as tar would read it
    check(&["tar", "-x", "-C", &d])
        .env("TAPE", &arch)
        .go()
        .status(0);
    check(&["env", &format!("TAPE={arch}"), "tar", "-x", "-C", &d])
        .go()
        .status(0);
    // another host
    check(&["tar", "-xf", "backup@host:a.tar", "-C", &d])
        .go()
        .status(3)
        .stdout_has("is on another host");
    // without an inode limit the inodes cannot run out, but the bytes still need counting
    let unlimited = Fs::tmpfs("size=64m,nr_inodes=0");
    let (pipe, t) = fed();
    check(&["tar", "-xf", "-", "-C", &unlimited.p("")])
        .stdin(pipe)
        .go()
        .status(3)
        .stdout_has("restore-exhausts-space")
        .stdout_lacks("restore-exhausts-inodes");
    let _ = t.join();
}

// --- 5. plain writes that cannot fit -----------------------------------------------------------

#[test]
fn a_plain_copy_or_dd_that_cannot_fit_is_denied() {
    need_root!();
    let s = Scratch::new();
    let big = s.file("big", 6_000_000).display().to_string();
    let same = s.file("same", 3 << 20).display().to_string();
    let fs = Fs::tmpfs("size=4m");
    let victim = fs.path("victim");
    sh(&format!(
        "head -c 3145728 /dev/urandom > '{}'",
        victim.display()
    ));
    let v = victim.display().to_string();
    for argv in [
        vec!["cp".to_string(), big.clone(), fs.p("")],
        vec!["cp".into(), big.clone(), fs.p("x")],
        vec!["cp".into(), big.clone(), v.clone()],
        vec![
            "dd".into(),
            format!("if={big}"),
            format!("of={}", fs.p("x")),
            "bs=1M".into(),
        ],
        vec![
            "dd".into(),
            "if=/dev/zero".into(),
            format!("of={}", fs.p("x")),
            "bs=1M".into(),
            "count=2".into(),
        ],
    ] {
        check(&argv)
            .go()
            .status(4)
            .stdout_has("write-exceeds-space")
            .stdout_has("fit there");
    }
    // a refused run leaves the victim as it was
    let before = blake3_of(&victim);
    for argv in [
        vec!["cp".to_string(), big.clone(), v.clone()],
        vec!["dd".into(), format!("if={big}"), format!("of={v}")],
    ] {
        run(&argv)
            .go()
            .status(126)
            .stderr_has("write-exceeds-space");
        assert_eq!(blake3_of(&victim), before);
    }
    // the same size over it needs no new space (less than 1 MiB is free): allowed, and it works
    check(&["cp", &same, &v]).go().status(0);
    check(&[
        "dd",
        &format!("if={same}"),
        &format!("of={v}"),
        "conv=notrunc",
    ])
    .go()
    .status(0);
    run(&["cp", &same, &v]).go().status(0);
    assert_eq!(blake3_of(&victim), blake3_of(Path::new(&same)));
    // a small write fits; an endless one has no size to judge
    check(&[
        "dd",
        "if=/dev/zero",
        &format!("of={}", fs.p("y")),
        "bs=4k",
        "count=16",
    ])
    .go()
    .status(0);
    check(&["dd", "if=/dev/zero", &format!("of={}", fs.p("y"))])
        .go()
        .status(0);
}

#[test]
fn an_image_bigger_than_the_device_is_denied() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("web1.img", 6 << 20).display().to_string();
    let backing = s.path("disk.raw");
    sh(&format!("truncate -s 2M '{}'", backing.display()));
    let lo = LoopDev::attach(&backing);
    let before = blake3_of(Path::new(&lo.dev));
    let of = format!("of={}", lo.dev);
    let r = Test::new()
        .args([
            "check",
            "--all-findings",
            "--",
            "dd",
            &format!("if={img}"),
            &of,
            "bs=1M",
        ])
        .go();
    r.status(4)
        .stdout_has("write-exceeds-space")
        .stdout_has(&format!("at {}; only 2,097,152 fit there", lo.dev));
    // skipping into the device leaves less room; a small image fits
    let small = s.file("small.img", 1 << 20).display().to_string();
    Test::new()
        .args([
            "check",
            "--all-findings",
            "--",
            "dd",
            &format!("if={small}"),
            &of,
        ])
        .go()
        .stdout_lacks("write-exceeds-space");
    Test::new()
        .args([
            "check",
            "--all-findings",
            "--",
            "dd",
            &format!("if={small}"),
            &of,
            "bs=1M",
            "seek=2",
        ])
        .go()
        .stdout_has("write-exceeds-space");
    run(&["dd", &format!("if={img}"), &of, "bs=1M"])
        .go()
        .status(126);
    assert_eq!(blake3_of(Path::new(&lo.dev)), before);
}
