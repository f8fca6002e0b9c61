//! Will the restore fit? Real filesystems with few inodes (tmpfs `nr_inodes=400`, a loop-mounted
//! ext4 made with `mkfs.ext4 -N 512`), real archives, trees and repositories built here, decided
//! through the built binary. Nothing is ever restored into them by safeop.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// Makes a tree of exactly `n` entries (the top directory included): directories of 60 files.
fn tree(root: &Path, n: usize) {
    std::fs::create_dir_all(root).expect("mkdir tree");
    let mut made = 1;
    let mut d = 0;
    while made < n {
        let dir = root.join(format!("d{d:03}"));
        std::fs::create_dir(&dir).expect("mkdir");
        made += 1;
        let mut i = 0;
        while made < n && i < 60 {
            std::fs::write(dir.join(format!("f{i:03}")), format!("{d}/{i}\n")).expect("write");
            made += 1;
            i += 1;
        }
        d += 1;
    }
    assert_eq!(
        sh(&format!("find '{}' | wc -l", root.display())).trim(),
        n.to_string()
    );
}

/// Archives of `n` entries, built by GNU tar from a tree named `tree`: plain, gzip, zstd, and
/// a zstd one misleadingly named `.tar.gz`.
struct Archives {
    _s: Scratch,
    plain: String,
    gz: String,
    zst: String,
    fake_gz: String,
}

fn archives(n: usize) -> Archives {
    let s = Scratch::new();
    tree(&s.path("tree"), n);
    let d = s.dir.path().display().to_string();
    sh(&format!("cd '{d}' && tar -cf a.tar tree && tar -czf a.tgz tree && tar --zstd -cf a.tar.zst tree && cp a.tar.zst misnamed.tar.gz"));
    assert_eq!(
        sh(&format!("tar -tf '{d}/a.tar' | wc -l")).trim(),
        n.to_string()
    );
    Archives {
        plain: s.p("a.tar"),
        gz: s.p("a.tgz"),
        zst: s.p("a.tar.zst"),
        fake_gz: s.p("misnamed.tar.gz"),
        _s: s,
    }
}

/// A filesystem to restore into, unmounted (and its image removed) on drop.
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
    /// A 32 MiB ext4 with 512 inodes (mkfs rounds to whole groups; the test reads what it got).
    fn small_ext4() -> Fs {
        let s = Scratch::new();
        let img = s.path("ext4.img");
        sh(&format!(
            "truncate -s 32M '{0}' && mkfs.ext4 -q -F -N 512 '{0}'",
            img.display()
        ));
        let point = s.path("mnt");
        let g = MountGuard::mount(&format!("-o loop '{}'", img.display()), &point);
        Fs {
            _guard: g,
            _s: s,
            point,
        }
    }
    fn p(&self, rel: &str) -> String {
        self.point.join(rel).display().to_string()
    }
    fn free_inodes(&self) -> u64 {
        nix::sys::statvfs::statvfs(&self.point)
            .expect("statvfs")
            .files_free()
    }
}

fn small_tmpfs() -> Fs {
    Fs::tmpfs("size=64m,nr_inodes=400")
}

fn roomy_tmpfs() -> Fs {
    Fs::tmpfs("size=256m,nr_inodes=100000")
}

fn check(args: &[&str]) -> Test {
    Test::new().args(["check", "--"]).args(args)
}

/// `check --format json` under a policy layer whose `warn` rule reads the facts the default
/// rules do not (so they appear in the facts snapshot of the report).
fn check_json(args: &[&str]) -> Test {
    Test::new()
        .env("SAFEOP_POLICY", fixture("restore/show-facts.yaml"))
        .args(["check", "--format", "json", "--"])
        .args(args)
}

fn denied_for_inodes(r: &Ran, need: &str) {
    r.status(4)
        .stdout_has("restore-exhausts-inodes")
        .stdout_has(&format!("restore creates {need} inodes in "));
}

#[test]
fn tar_of_1221_entries_into_small_filesystems_is_denied_in_every_option_style() {
    need_root!();
    let a = archives(1221);
    for fs in [small_tmpfs(), Fs::small_ext4()] {
        let free = fs.free_inodes();
        assert!(free < 1221, "the small filesystem has {free} free inodes");
        let d = fs.p("");
        for arch in [&a.plain, &a.gz, &a.zst, &a.fake_gz] {
            for argv in [
                vec!["tar", "-xf", arch, "-C", &d],
                vec!["tar", "xf", arch, "-C", &d],
                vec![
                    "tar",
                    "--extract",
                    &format!("--file={arch}"),
                    &format!("--directory={d}"),
                ],
                vec!["tar", "-x", "-C", &d, "-f", arch],
            ] {
                let r = check(&argv).go();
                denied_for_inodes(&r, "1,221");
                r.stdout_has(&format!("{} free on {}", free, fs.point.display()));
                r.stdout_has(&format!("free {} inodes on", 1221 - free));
            }
            // `cd D && tar -xf A`: the destination is the working directory
            let r = check(&["tar", "-xf", arch]).cwd(&fs.point).go();
            denied_for_inodes(&r, "1,221");
        }
        assert_eq!(fs.free_inodes(), free, "checking created nothing");
    }
}

#[test]
fn gzip_option_and_fstype_are_reported() {
    need_root!();
    let a = archives(1221);
    let fs = small_tmpfs();
    let r = check(&["tar", "xzf", &a.gz, "-C", &fs.p("")]).go();
    denied_for_inodes(&r, "1,221");
    r.stdout_has("399 free on").stdout_has("(tmpfs)");
    // every rule evaluated, so that every restore fact is in the snapshot
    let r = Test::new()
        .env("SAFEOP_POLICY", fixture("restore/show-facts.yaml"))
        .args(["check", "--all-findings", "--format", "json", "--"])
        .args(["tar", "-xzf", &a.fake_gz, "-C", &fs.p("")])
        .go();
    let j = r.json();
    assert_eq!(
        j["facts"]["facts"]["restore.compression"], "zstd",
        "told by magic bytes, not by the name"
    );
    assert_eq!(j["facts"]["facts"]["restore.inodes"], 1221);
    assert_eq!(j["facts"]["facts"]["restore.dest.inodes_avail"], 399);
}

#[test]
fn a_small_archive_fits_and_a_roomy_filesystem_takes_the_big_one() {
    need_root!();
    let small = archives(31);
    let fs = small_tmpfs();
    for arch in [&small.plain, &small.gz, &small.zst] {
        check(&["tar", "-xf", arch, "-C", &fs.p("")]).go().status(0);
    }
    let big = archives(1221);
    let roomy = roomy_tmpfs();
    for arch in [&big.plain, &big.gz, &big.zst, &big.fake_gz] {
        check(&["tar", "-xf", arch, "-C", &roomy.p("")])
            .go()
            .status(0)
            .stdout_lacks("restore-");
    }
}

#[test]
fn a_filesystem_without_inode_limit_never_denies_for_inodes() {
    need_root!();
    let a = archives(1221);
    let fs = Fs::tmpfs("size=64m,nr_inodes=0");
    let r = check_json(&["tar", "-xf", &a.plain, "-C", &fs.p("")]).go();
    r.status(0);
    assert!(r.json()["facts"]["facts"]["restore.dest.inodes_avail"].is_null());
}

#[test]
fn nearly_full_after_the_restore_asks() {
    need_root!();
    let a = archives(390);
    let fs = small_tmpfs();
    check(&["tar", "-xf", &a.plain, "-C", &fs.p("")])
        .go()
        .status(3)
        .stdout_has("restore-nearly-exhausts-inodes");
}

#[test]
fn strip_components_and_member_selection_are_honoured() {
    need_root!();
    let a = archives(1221);
    let fs = small_tmpfs();
    // one directory of 60 files is 61 entries, `tree/` itself stripped away
    let r = check_json(&["tar", "-xf", &a.plain, "-C", &fs.p(""), "tree/d003"]).go();
    r.status(0);
    assert_eq!(
        r.json()["facts"]["facts"]["restore.inodes"],
        62,
        "tree/d003 and its 60 files, and tree/ made on the way: {}",
        r.stdout
    );
    let r = check_json(&[
        "tar",
        "-xf",
        &a.plain,
        "--strip-components=2",
        "-C",
        &fs.p(""),
    ])
    .go();
    assert_eq!(
        r.json()["facts"]["facts"]["restore.inodes"],
        1200,
        "only the files survive stripping two components"
    );
}

#[test]
fn a_refused_run_creates_no_inode() {
    need_root!();
    let a = archives(1221);
    let fs = small_tmpfs();
    let before = fs.free_inodes();
    let listing = sh(&format!("find '{}' | wc -l", fs.point.display()));
    Test::new()
        .args(["run", "--", "tar", "-xf", &a.plain, "-C", &fs.p("")])
        .go()
        .status(126)
        .stderr_has("restore creates 1,221 inodes");
    assert_eq!(fs.free_inodes(), before);
    assert_eq!(
        sh(&format!("find '{}' | wc -l", fs.point.display())),
        listing
    );
}

#[test]
fn a_truncated_or_corrupt_archive_needs_a_human_and_names_the_file() {
    need_root!();
    let a = archives(1221);
    let fs = small_tmpfs();
    let s = Scratch::new();
    let cut = s.path("cut.tar");
    let bytes = std::fs::read(&a.plain).expect("read");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 100]).expect("write");
    check(&["tar", "-xf", &cut.display().to_string(), "-C", &fs.p("")])
        .go()
        .status(3)
        .stdout_has("cut.tar")
        .stdout_has("truncated");
    let junk = s.write("junk.tar", &"not a tar archive\n".repeat(100));
    check(&["tar", "-xf", &junk.display().to_string(), "-C", &fs.p("")])
        .go()
        .status(3)
        .stdout_has("junk.tar")
        .stdout_has("not a tar archive");
    // without a terminal the confirmation cannot be asked: refused
    Test::new()
        .args([
            "run",
            "--",
            "tar",
            "-xf",
            &cut.display().to_string(),
            "-C",
            &fs.p(""),
        ])
        .go()
        .status(126);
}

#[test]
fn rsync_and_cp_of_a_1221_entry_tree_into_the_small_filesystem_are_denied() {
    need_root!();
    need_tool!("rsync");
    let s = Scratch::new();
    tree(&s.path("tree"), 1221);
    let src = s.p("tree");
    for fs in [small_tmpfs(), Fs::small_ext4()] {
        denied_for_inodes(&check(&["rsync", "-a", &src, &fs.p("")]).go(), "1,221");
        denied_for_inodes(
            &check(&["rsync", "-a", &format!("{src}/"), &fs.p("copy")]).go(),
            "1,221",
        );
        denied_for_inodes(&check(&["cp", "-a", &src, &fs.p("")]).go(), "1,221");
        denied_for_inodes(&check(&["cp", "-r", &src, &fs.p("copy")]).go(), "1,221");
        // the dry run writes nothing
        check(&["rsync", "-an", &src, &fs.p("")]).go().status(0);
    }
}

#[test]
fn rsync_into_a_destination_that_holds_most_files_only_counts_the_new_ones() {
    need_root!();
    need_tool!("rsync");
    let s = Scratch::new();
    tree(&s.path("tree"), 1221);
    let fs = Fs::tmpfs("size=64m,nr_inodes=1600");
    sh(&format!(
        "cp -a '{}' '{}' && rm -f '{}'/d00[0-2]/f00*",
        s.p("tree"),
        fs.p(""),
        fs.p("tree")
    ));
    assert!(
        fs.free_inodes() < 1221,
        "a full copy would not fit any more"
    );
    let r = check_json(&["rsync", "-a", &s.p("tree"), &fs.p("")]).go();
    r.status(0);
    let facts = &r.json()["facts"]["facts"];
    // the 30 missing files, and one for the temporary copy rsync makes of a file it replaces
    // (an upper bound: here the quick check will skip every file already there)
    assert_eq!(facts["restore.inodes"], 31, "{}", r.stdout);
    assert_eq!(facts["restore.present"], 1191);
}

#[test]
fn hard_links_preserved_by_cp_a_need_no_inode() {
    need_root!();
    let s = Scratch::new();
    tree(&s.path("tree"), 31);
    sh(&format!(
        "cd '{}' && for i in 1 2 3 4 5; do ln d000/f000 link$i; done",
        s.p("tree")
    ));
    let fs = small_tmpfs();
    let inodes = |cp: &str| {
        check_json(&["cp", cp, &s.p("tree"), &fs.p("")]).go().json()["facts"]["facts"]
            ["restore.inodes"]
            .clone()
    };
    assert_eq!(inodes("-a"), 31);
    assert_eq!(inodes("-r"), 36, "cp -r makes each name a file of its own");
}

fn restic_repo(s: &Scratch, n: usize) -> String {
    tree(&s.path("tree"), n);
    let repo = s.p("repo");
    sh(&format!("export RESTIC_PASSWORD=pw; restic init -q -r '{repo}' && cd '{}' && restic -q -r '{repo}' backup tree", s.dir.path().display()));
    repo
}

#[test]
fn restic_restores_are_sized_from_the_snapshot() {
    need_root!();
    need_tool!("restic");
    let s = Scratch::new();
    let repo = restic_repo(&s, 1221);
    let small = small_tmpfs();
    let roomy = roomy_tmpfs();
    let restic = |target: &str| {
        check(&[
            "restic", "-r", &repo, "restore", "latest", "--target", target,
        ])
        .env("RESTIC_PASSWORD", "pw")
        .env("XDG_CACHE_HOME", s.path("cache"))
    };
    let r = restic(&small.p("r")).go();
    r.status(4).stdout_has("restore-exhausts-inodes");
    restic(&roomy.p("r")).go().status(0);
    // the repository named by the environment, the password from the caller
    check(&["restic", "restore", "latest", "--target", &small.p("r")])
        .env("RESTIC_REPOSITORY", &repo)
        .env("RESTIC_PASSWORD", "pw")
        .go()
        .status(4);
    // a sub-folder and an include pattern restore less
    let sub = format!("latest:{}/tree/d001", s.dir.path().display());
    check(&[
        "restic",
        "-r",
        &repo,
        "restore",
        &sub,
        "--target",
        &small.p("r"),
    ])
    .env("RESTIC_PASSWORD", "pw")
    .go()
    .status(0);
    check(&[
        "restic",
        "-r",
        &repo,
        "restore",
        "latest",
        "--include",
        "d002",
        "--target",
        &small.p("r"),
    ])
    .env("RESTIC_PASSWORD", "pw")
    .go()
    .status(0);
}

#[test]
fn a_wrong_restic_password_needs_a_human_and_names_restic() {
    need_root!();
    need_tool!("restic");
    let s = Scratch::new();
    let repo = restic_repo(&s, 31);
    let small = small_tmpfs();
    check(&[
        "restic",
        "-r",
        &repo,
        "restore",
        "latest",
        "--target",
        &small.p("r"),
    ])
    .env("RESTIC_PASSWORD", "wrong")
    .go()
    .status(3)
    .stdout_has("`restic ")
    .stdout_has("wrong password");
    check(&[
        "restic",
        "-r",
        &s.p("no-repo"),
        "restore",
        "latest",
        "--target",
        &small.p("r"),
    ])
    .env("RESTIC_PASSWORD", "pw")
    .go()
    .status(3)
    .stdout_has("restic");
}

#[test]
fn borg_extracts_are_sized_from_the_archive() {
    need_root!();
    need_tool!("borg");
    let s = Scratch::new();
    tree(&s.path("tree"), 1221);
    sh(&format!(
        "cd '{}' && ln tree/d000/f000 tree/hl",
        s.dir.path().display()
    ));
    let base = s.p("borgbase");
    let repo = s.p("repo");
    sh(&format!("export BORG_BASE_DIR='{base}'; borg init -e none '{repo}' && cd '{}' && borg create '{repo}::a' tree", s.dir.path().display()));
    let small = small_tmpfs();
    let roomy = roomy_tmpfs();
    let borg = |dir: &Path| {
        check(&["borg", "extract", &format!("{repo}::a")])
            .cwd(dir)
            .env("BORG_BASE_DIR", &base)
            .env("BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "yes")
    };
    denied_for_inodes(&borg(&small.point).go(), "1,221");
    borg(&roomy.point).go().status(0);
    let r = check_json(&["borg", "extract", &format!("{repo}::a"), "tree/d001"])
        .cwd(&small.point)
        .env("BORG_BASE_DIR", &base)
        .go();
    r.status(0);
    assert_eq!(
        r.json()["facts"]["facts"]["restore.inodes"],
        62,
        "tree/ made on the way, tree/d001 and its 60 files: {}",
        r.stdout
    );
}

#[test]
fn a_missing_borg_is_a_fact_error_naming_it() {
    need_root!();
    let small = small_tmpfs();
    let s = Scratch::new();
    let empty_path = s.path("bin");
    std::fs::create_dir_all(&empty_path).expect("mkdir");
    check(&["borg", "extract", "/nowhere::a"])
        .cwd(&small.point)
        .env("PATH", &empty_path)
        .go()
        .status(3)
        .stdout_has("`borg` is not installed");
}

#[test]
fn ctrl_c_while_counting_stops_safeop_and_runs_nothing() {
    need_root!();
    let s = Scratch::new();
    let bin = s.path("bin");
    let marker = s.path("restored");
    stand_in(
        &bin,
        "restic",
        &format!(
            "case \"$*\" in *' ls '*) exec sleep 5;; *restore*) touch '{}';; esac",
            marker.display()
        ),
    );
    let small = small_tmpfs();
    let child = std::process::Command::new(BIN)
        .args([
            "run",
            "--",
            "restic",
            "-r",
            "/nowhere",
            "restore",
            "latest",
            "--target",
            &small.p("r"),
        ])
        .env("SAFEOP_POLICY", fixture("empty-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn safeop");
    std::thread::sleep(std::time::Duration::from_millis(800));
    let t0 = std::time::Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT");
    let out = child.wait_with_output().expect("wait");
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(3),
        "stopped at once"
    );
    assert_eq!(out.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was run"));
    assert!(!marker.exists(), "the restore never ran");
}

#[test]
fn slow_counting_shows_progress_on_a_terminal_only() {
    let s = Scratch::new();
    let bin = s.path("bin");
    let listing = fixture("restore/restic-0.14.0-ls-json.jsonl");
    // The listing's first line comes at once, the rest after 1.5 s: counting takes longer than
    // the half second after which progress is shown.
    stand_in(
        &bin,
        "restic",
        &format!(
            "case \"$*\" in *' ls '*) head -n 1 '{l}'; sleep 1.5; tail -n +2 '{l}';; *) exit 0;; esac",
            l = listing.display()
        ),
    );
    let target = s.path("dest");
    std::fs::create_dir_all(&target).expect("mkdir");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let args = [
        "check", "--", "restic", "-r", "/repo", "restore", "latest", "--target",
    ];
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args).arg(&target);
    cmd.env("SAFEOP_POLICY", fixture("empty-policy.yaml"))
        .env("PATH", &path);
    let mut p = rexpect::session::spawn_command(cmd, Some(15_000)).expect("spawn in a pty");
    p.exp_string("safeop: counting")
        .expect("a progress line on the terminal");
    p.exp_eof().expect("ends");
    // Without a terminal the same count prints no progress line.
    let r = Test::new().env("PATH", &path).args(args).arg(&target).go();
    assert!(!r.stderr.contains("counting"), "{}", r.stderr);
    assert!(r.stdout.contains("allow"), "{}", r.stdout);
}
