//! Restores and writes into a filesystem on an LVM thin volume (DESIGN decision 15). This
//! kernel has no device-mapper (decision 14), so:
//! - real: the filesystem (ext4 on a loop device, mounted), the archives, trees and files
//!   restored or copied, and `run` of a restore into that filesystem;
//! - stood in: that the loop device is thin volume `vg/thin1` — a scratch system root whose
//!   sysfs lays out `/sys/dev/block/M:m/dm` for the loop device's number with a slave `dm-4`
//!   that is pool `vg/pool0`'s `-tpool` layer (its mountinfo a copy of the real one), and a
//!   stand-in `lvs` printing lvmthin(7)'s report converted to JSON
//!   (tests/fixtures/volume/README.md), thin1's kernel numbers replaced with the loop
//!   device's, the pool's size and use with each case's.
//!
//! `run` is only pointed at the scratch filesystem. Every mount and loop device is undone by a
//! guard.

mod common;
use common::*;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const TPOOL_UUID: &str =
    "LVM-FE9tpDUZPh1eLobCQloIN2l21J5FfLaLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1-tpool";
const THIN_UUID: &str = "LVM-FE9tpDUZPh1eLobCQloIN2l21J5FfLaLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2";

/// The thin volume's filesystem and what stands in for the rest of the volume.
struct ThinWorld {
    s: Scratch,
    fs: Ext4,
    sysroot: PathBuf,
    bin: PathBuf,
}

fn put(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

impl ThinWorld {
    /// `lvm`: `thin` (the loop device is thin volume vg/thin1 on vg/pool0), `linear` (a
    /// linear LV on a disk). `pool`: the pool's `lv_size` and `data_percent` to report, or
    /// `None` for an `lvs` that fails as it does for a user who is not root.
    fn new(lvm: &str, pool: Option<(u64, &str)>) -> ThinWorld {
        let s = Scratch::new();
        let fs = Ext4::mounted(&s, "thin1", "");
        let rdev = std::fs::metadata(&fs.lo.dev).expect("stat loop").rdev();
        let (ma, mi) = (nix::sys::stat::major(rdev), nix::sys::stat::minor(rdev));
        let sysroot = s.path("sysroot");
        let dev = sysroot.join(format!("sys/dev/block/{ma}:{mi}"));
        put(&dev.join("dev"), &format!("{ma}:{mi}\n"));
        match lvm {
            "thin" => {
                put(&dev.join("dm/name"), "vg-thin1\n");
                put(&dev.join("dm/uuid"), &format!("{THIN_UUID}\n"));
                put(&dev.join("slaves/dm-4/dev"), "253:4\n");
                put(&dev.join("slaves/dm-4/dm/name"), "vg-pool0-tpool\n");
                put(&dev.join("slaves/dm-4/dm/uuid"), &format!("{TPOOL_UUID}\n"));
            }
            _ => {
                put(&dev.join("dm/name"), "vg-plain\n");
                put(
                    &dev.join("dm/uuid"),
                    "LVM-FE9tpDUZPh1eLobCQloIN2l21J5FfLaLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3\n",
                );
                put(&dev.join("slaves/sdb/dev"), "8:16\n");
            }
        }
        std::fs::create_dir_all(sysroot.join("sys/block")).expect("mkdir sys/block");
        sh(&format!(
            "mkdir -p '{0}/proc/self' && cp /proc/self/mountinfo '{0}/proc/self/' && cp /proc/swaps '{0}/proc/'",
            sysroot.display()
        ));
        let bin = s.path("bin");
        let ran = s.path("lvs-ran");
        let script = match pool {
            Some((size, pct)) => {
                let report = std::fs::read_to_string(fixture("volume/lvs-thin-lvmthin7.json"))
                    .expect("fixture")
                    .replace(
                        "\"lv_kernel_major\":\"253\", \"lv_kernel_minor\":\"4\"",
                        &format!("\"lv_kernel_major\":\"{ma}\", \"lv_kernel_minor\":\"{mi}\""),
                    )
                    .replace("\"10737418240\"", &format!("\"{size}\""))
                    .replace("\"47.01\"", &format!("\"{pct}\""));
                let out = s.write("lvs.json", &report);
                format!(
                    "echo \"$*\" >> '{}'\ncat '{}'",
                    ran.display(),
                    out.display()
                )
            }
            None => format!(
                "echo \"$*\" >> '{}'\nprintf '  {{\\n      \"report\": [\\n          {{\\n              \"lv\": [\\n              ]\\n          }}\\n      ]\\n  }}\\n'\ncat '{}' >&2\nexit 5",
                ran.display(),
                fixture("volume/lvs-nonroot-stderr.txt").display()
            ),
        };
        stand_in(&bin, "lvs", &script);
        ThinWorld {
            s,
            fs,
            sysroot,
            bin,
        }
    }

    fn check(&self, args: &[&str]) -> Test {
        Test::new()
            .env("SAFEOP_SYSROOT", &self.sysroot)
            .path_first(&self.bin)
            .args(["check", "--all-findings", "--"])
            .args(args)
    }

    fn lvs_calls(&self) -> usize {
        std::fs::read_to_string(self.s.path("lvs-ran"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    fn mnt(&self, rel: &str) -> String {
        self.fs.point.join(rel).display().to_string()
    }
}

/// A tree `src` with one file of `size` bytes (not zeros), and a GNU tar archive of it.
fn source(s: &Scratch, size: usize) -> (String, String) {
    let src = s.path("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    let data: Vec<u8> = (0..size).map(|i| (i * 7 + i / 4096) as u8).collect();
    std::fs::write(src.join("data.bin"), data).expect("write");
    sh(&format!(
        "cd '{}' && tar -cf src.tar src",
        s.dir.path().display()
    ));
    (s.p("src"), s.p("src.tar"))
}

/// 64 MiB pool at 40 %: 40,265,318 bytes left; a 4 MiB restore fits, and warns.
#[test]
fn a_restore_into_a_thin_volume_warns_with_the_pools_real_use() {
    need_root!();
    need_tool!("mkfs.ext4");
    let w = ThinWorld::new("thin", Some((64 << 20, "40.00")));
    let (src, tar) = source(&w.s, 4 << 20);
    let dest = w.mnt("restored");
    for line in [
        vec!["tar", "-xf", &tar, "-C", &w.fs.point.display().to_string()],
        vec!["rsync", "-a", &format!("{src}/"), &format!("{dest}/")],
        vec!["cp", "-a", &src, &dest],
    ] {
        w.check(&line)
            .go()
            .status(0)
            .stdout_has("thin-pool-space-overstated")
            .stdout_has("vg/thin1 is a thin volume of pool vg/pool0")
            .stdout_has("the pool has 40,265,318 of 67,108,864 bytes left (40.0% of its data and 21.0% of its metadata used)")
            .stdout_lacks("thin-pool-exhausted")
            .stdout_lacks("restore-exhausts-space");
    }
    // Plain writes land in the same pool.
    let big = w.s.file("img.bin", 1 << 20);
    w.check(&[
        "cp",
        &big.display().to_string(),
        &w.fs.point.display().to_string(),
    ])
    .go()
    .status(0)
    .stdout_has("thin-pool-space-overstated");
    // A dry run writes nothing.
    w.check(&["rsync", "-an", &format!("{src}/"), &format!("{dest}/")])
        .go()
        .status(0)
        .stdout_lacks("thin-pool");
    // A snapshot of the host (`facts --json PATH`, what CI pre-flights read) carries the pool.
    let snap = Test::new()
        .env("SAFEOP_SYSROOT", &w.sysroot)
        .path_first(&w.bin)
        .args(["facts", "--json"])
        .arg(&w.fs.point)
        .go();
    snap.status(0)
        .stdout_has("\"thin_pool.name\": \"vg/pool0\"")
        .stdout_has("\"thin_pool.free\": 40265318");
    // Warned, it runs: the restore lands in the (scratch) filesystem.
    Test::new()
        .env("SAFEOP_SYSROOT", &w.sysroot)
        .path_first(&w.bin)
        .args(["run", "--", "tar", "-xf", &tar, "-C"])
        .arg(&w.fs.point)
        .no_tty()
        .go()
        .status(0);
    assert_eq!(
        blake3_of(&w.fs.point.join("src/data.bin")),
        blake3_of(Path::new(&src).join("data.bin").as_path())
    );
}

/// 64 MiB pool at 97 %: 2,013,265 bytes left; a 4 MiB restore does not fit in the pool though
/// the filesystem has room for it.
#[test]
fn a_restore_bigger_than_what_the_pool_has_left_asks() {
    need_root!();
    need_tool!("mkfs.ext4");
    let w = ThinWorld::new("thin", Some((64 << 20, "97.00")));
    let (src, tar) = source(&w.s, 4 << 20);
    let point = w.fs.point.display().to_string();
    for line in [
        vec!["tar", "-xf", &tar, "-C", &point],
        vec!["rsync", "-a", &format!("{src}/"), &w.mnt("restored/")],
        vec!["cp", "-a", &src, &w.mnt("restored")],
        vec![
            "dd",
            "if=/dev/zero",
            &format!("of={}", w.mnt("fill")),
            "bs=1M",
            "count=4",
        ],
    ] {
        w.check(&line)
            .go()
            .status(3)
            .stdout_has("thin-pool-exhausted")
            .stdout_has(
                "of thin pool vg/pool0 (under vg/thin1); it has 2,013,265 left (97.0% used)",
            )
            .stdout_has("thin-pool-space-overstated")
            .stdout_lacks("restore-exhausts-space");
    }
    assert_eq!(w.lvs_calls(), 4, "one lvs call per run");
    // No terminal to ask: refused, nothing restored.
    Test::new()
        .env("SAFEOP_SYSROOT", &w.sysroot)
        .path_first(&w.bin)
        .args(["run", "--", "tar", "-xf", &tar, "-C", &point])
        .no_tty()
        .go()
        .status(126);
    assert!(!w.fs.point.join("src").exists());
    // A small one still fits what is left.
    let s2 = Scratch::new();
    let (_, small) = source(&s2, 64 << 10);
    w.check(&["tar", "-xf", &small, "-C", &point])
        .go()
        .status(0)
        .stdout_has("thin-pool-space-overstated")
        .stdout_lacks("thin-pool-exhausted");
}

#[test]
fn a_restore_onto_a_plain_volume_says_nothing_of_pools() {
    need_root!();
    need_tool!("mkfs.ext4");
    let w = ThinWorld::new("linear", Some((64 << 20, "97.00")));
    let (_, tar) = source(&w.s, 4 << 20);
    w.check(&["tar", "-xf", &tar, "-C", &w.fs.point.display().to_string()])
        .go()
        .status(0)
        .stdout_lacks("thin-pool")
        .stdout_lacks("lvs");
    assert_eq!(
        w.lvs_calls(),
        0,
        "no thin volume below it: lvs is not asked"
    );
    // No system root at all: the loop device is no device-mapper device.
    Test::new()
        .path_first(&w.bin)
        .args(["check", "--all-findings", "--", "tar", "-xf", &tar, "-C"])
        .arg(&w.fs.point)
        .go()
        .status(0)
        .stdout_lacks("thin-pool");
    assert_eq!(w.lvs_calls(), 0);
}

#[test]
fn a_failing_lvs_is_a_failed_fact_and_shown() {
    need_root!();
    need_tool!("mkfs.ext4");
    let w = ThinWorld::new("thin", None);
    let (_, tar) = source(&w.s, 64 << 10);
    w.check(&["tar", "-xf", &tar, "-C", &w.fs.point.display().to_string()])
        .go()
        .status(3)
        .stdout_has("thin-pool-exhausted")
        .stdout_has("is an LVM thin volume (vg-thin1), but safeop cannot read its pool's use")
        .stdout_has("exit status 5")
        .stdout_has("/run/lock/lvm/P_global:aux: open failed: Permission denied");
}
