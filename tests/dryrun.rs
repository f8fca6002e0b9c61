//! Dry runs only read (issue 10). On a real loop device that another process holds open for
//! writing — so the default policy denies every write to it — `mkfs.ext4 -n`, `wipefs -n -a`,
//! `sgdisk --pretend -Z` and `sfdisk --no-act` are allowed, really run, and leave the device's
//! bytes (the BLAKE3 of its backing file) as they were; the same commands without the dry-run
//! flag are still denied (by `check` only: nothing here formats for real).

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A scratch image with something worth keeping on it, loop-attached and held open for
/// writing by a background `sleep`. Fields drop in order: the writer, then the loop device.
struct HeldDisk {
    _writer: Bg,
    lo: LoopDev,
    img: PathBuf,
    _s: Scratch,
}

impl HeldDisk {
    /// `make` lays the content: a shell command in which `{0}` is the image's path.
    fn new(make: &str) -> HeldDisk {
        let s = Scratch::new();
        let img = s.path("disk.img");
        sh(&format!(
            "truncate -s 32M '{0}' && {1}",
            img.display(),
            make.replace("{0}", &img.display().to_string())
        ));
        let lo = LoopDev::attach(&img);
        let writer = hold_for_writing(Path::new(&lo.dev));
        HeldDisk {
            _writer: writer,
            lo,
            img,
            _s: s,
        }
    }

    /// `argv` with `DEV` replaced by the loop device.
    fn argv(&self, argv: &[&str]) -> Vec<String> {
        argv.iter()
            .map(|a| {
                if *a == "DEV" {
                    self.lo.dev.clone()
                } else {
                    a.to_string()
                }
            })
            .collect()
    }

    /// The write is denied; the dry run is a read that is allowed, runs, and changes nothing.
    fn dry_run_only_reads(&self, write: &[&str], dry: &[&str]) {
        let before = blake3_of(&self.img);
        let write = self.argv(write);
        let dry = self.argv(dry);
        Test::new()
            .args(["check", "--"])
            .args(&write)
            .go()
            .status(4)
            .stdout_has("open-for-write-elsewhere");
        let r = Test::new()
            .args(["check", "--format", "json", "--"])
            .args(&dry)
            .go();
        r.status(0);
        let j = r.json();
        assert_eq!(j["verdict"], "allow", "{}", r.stdout);
        assert_eq!(j["operation"]["kind"], "read", "{}", r.stdout);
        assert_eq!(
            j["operation"]["targets"],
            serde_json::json!([]),
            "{}",
            r.stdout
        );
        assert_eq!(
            j["operation"]["sources"][0],
            self.lo.dev.as_str(),
            "{}",
            r.stdout
        );
        let flags = j["operation"]["flags"].as_array().expect("flags");
        assert!(flags.iter().any(|f| f == "dry_run"), "{}", r.stdout);
        Test::new().args(["run", "--"]).args(&dry).go().status(0);
        assert_eq!(
            blake3_of(&self.img),
            before,
            "`{}` changed the device",
            dry.join(" ")
        );
    }
}

/// A background `sleep` holding `dev` open for reading and writing on fd 9; killed on drop.
fn hold_for_writing(dev: &Path) -> Bg {
    let b = Bg::spawn(
        Command::new("sh")
            .args(["-c", "exec 9<>\"$0\"; exec sleep 60"])
            .arg(dev),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !Path::new(&format!("/proc/{}/fd/9", b.pid())).exists() {
        assert!(Instant::now() < deadline, "holder did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    b
}

#[test]
fn mkfs_ext4_n_on_a_held_loop_device_runs_and_writes_nothing() {
    need_root!();
    need_tool!("losetup");
    need_tool!("mkfs.ext4");
    let d = HeldDisk::new("mkfs.ext4 -q -F -L keep '{0}'");
    d.dry_run_only_reads(&["mkfs.ext4", "DEV"], &["mkfs.ext4", "-n", "DEV"]);
    d.dry_run_only_reads(&["mkfs.ext4", "-q", "DEV"], &["mkfs.ext4", "-qn", "DEV"]);
    d.dry_run_only_reads(
        &["mke2fs", "-F", "-t", "ext4", "DEV"],
        &["mke2fs", "-F", "-t", "ext4", "DEV", "-n"],
    );
}

#[test]
fn wipefs_n_on_a_held_loop_device_runs_and_writes_nothing() {
    need_root!();
    need_tool!("losetup");
    need_tool!("wipefs");
    need_tool!("mkfs.ext4");
    let d = HeldDisk::new("mkfs.ext4 -q -F -L keep '{0}'");
    d.dry_run_only_reads(&["wipefs", "-a", "DEV"], &["wipefs", "-n", "-a", "DEV"]);
    d.dry_run_only_reads(
        &["wipefs", "--all", "DEV"],
        &["wipefs", "--no-act", "--all", "DEV"],
    );
    d.dry_run_only_reads(&["wipefs", "-af", "DEV"], &["wipefs", "-afn", "DEV"]);
    // It still finds what it would have erased.
    let out = Command::new("wipefs")
        .args(["-n", "-a", &d.lo.dev])
        .output()
        .expect("wipefs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ext4"));
}

#[test]
fn sgdisk_pretend_on_a_held_loop_device_runs_and_writes_nothing() {
    need_root!();
    need_tool!("losetup");
    need_tool!("sgdisk");
    let d = HeldDisk::new("sgdisk -o -n 1:0:+8M -n 2:0:0 '{0}' >/dev/null");
    d.dry_run_only_reads(
        &["sgdisk", "-Z", "DEV"],
        &["sgdisk", "--pretend", "-Z", "DEV"],
    );
    d.dry_run_only_reads(&["sgdisk", "-Z", "DEV"], &["sgdisk", "-PZ", "DEV"]);
    d.dry_run_only_reads(
        &["sgdisk", "-o", "-n", "1:0:0", "DEV"],
        &["sgdisk", "-o", "-n", "1:0:0", "DEV", "-P"],
    );
}

/// `sfdisk --no-act` with an empty standard input reads the table, "changes" nothing and says
/// "The partition table is unchanged (--no-act)": harmless, as the hash shows.
#[test]
fn sfdisk_no_act_on_a_held_loop_device_runs_and_writes_nothing() {
    need_root!();
    need_tool!("losetup");
    need_tool!("sfdisk");
    let d = HeldDisk::new("printf 'label: gpt\\n,8M\\n,\\n' | sfdisk -q '{0}'");
    d.dry_run_only_reads(&["sfdisk", "DEV"], &["sfdisk", "--no-act", "DEV"]);
    d.dry_run_only_reads(
        &["sfdisk", "--delete", "DEV", "1"],
        &["sfdisk", "-n", "--delete", "DEV", "1"],
    );
}
