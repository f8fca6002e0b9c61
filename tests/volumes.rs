//! Block-device and volume tools against what they would destroy. This kernel has no
//! device-mapper, md or ZFS (DESIGN decision 14), so each test says what is real and what it
//! stands in for:
//! - real: LVM physical volumes and groups on loop devices (`pvcreate`, `vgcreate`; `lvcreate`
//!   needs device-mapper and fails here — the test says so and runs the mounted-LV case only
//!   where it works), LUKS headers (`cryptsetup luksFormat` of an image), ext4 mounted from a
//!   loop device, and `blkid -p` agreeing with the signatures safeop reads;
//! - stood in: an active LV (a stand-in `lvs` printing a real capture, and a sysfs tree mounting
//!   its device), an md member (sysfs `holders/`), a ZFS pool (a stand-in `zpool` printing a
//!   real capture; datasets mounted in a mountinfo), an NVMe controller (sysfs), md and ZFS
//!   signatures (their on-disk bytes, written here as the formats define them, which real
//!   `blkid -p` then recognises).
//!
//! `run` is only ever pointed at loop devices and images the test made; a refused run leaves
//! them byte for byte as they were. Every loop device, mount and volume group is undone by a
//! guard, test failure or not.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn check(args: &[&str]) -> Test {
    Test::new()
        .args(["check", "--all-findings", "--"])
        .args(args)
}

/// A volume group on one physical volume, removed (group, then label) on drop.
struct Vg {
    name: String,
    pv: String,
}

impl Vg {
    fn create(name: &str, pv: &str) -> Vg {
        sh(&format!(
            "export LVM_SUPPRESS_FD_WARNINGS=1; pvcreate -q -y '{pv}' && vgcreate -q '{name}' '{pv}'"
        ));
        Vg {
            name: name.to_string(),
            pv: pv.to_string(),
        }
    }
}

impl Drop for Vg {
    fn drop(&mut self) {
        let _ = std::process::Command::new("sh")
            .args([
                "-c",
                &format!(
                    "export LVM_SUPPRESS_FD_WARNINGS=1; vgchange -q -an '{0}'; vgremove -q -f '{0}'; pvremove -q -ff -y '{1}'",
                    self.name, self.pv
                ),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn blkid_type(dev: &str) -> String {
    sh(&format!("blkid -p -o value -s TYPE '{dev}' || true"))
        .trim()
        .to_string()
}

// ---- LVM ----------------------------------------------------------------------------------------

/// Real: a PV and a VG on a loop device. Nothing holds it (no LV is active), yet it is a volume
/// member: raw writes and label wipes ask for its name; `run` without a terminal refuses and
/// the device is untouched.
#[test]
fn a_physical_volume_on_a_loop_device_is_a_volume_member() {
    need_root!();
    need_tool!("losetup");
    need_tool!("pvcreate");
    need_tool!("blkid");
    let s = Scratch::new();
    let img = s.path("pv.img");
    sh(&format!("truncate -s 64M '{}'", img.display()));
    let lo = LoopDev::attach(&img);
    let vg = Vg::create(&format!("safeoptest{}", std::process::id()), &lo.dev);
    assert_eq!(
        blkid_type(&lo.dev),
        "LVM2_member",
        "blkid sees the PV safeop reads"
    );
    let before = blake3_of(&img);

    check(&["dd", "if=/dev/zero", &format!("of={}", lo.dev)])
        .go()
        .status(3)
        .stdout_has("volume-member-overwritten")
        .stdout_has("LVM2_member")
        .stdout_has("LABELONE in sector 1")
        .stdout_has("whole-disk-write");
    for line in [
        vec!["pvremove", "-ff", "-y", &lo.dev],
        vec!["mkfs.ext4", "-F", &lo.dev],
        vec!["wipefs", "-a", &lo.dev],
        vec!["blkdiscard", &lo.dev],
    ] {
        check(&line)
            .go()
            .status(3)
            .stdout_has("volume-member-overwritten");
    }
    // A dry run only looks; a group with no volumes has nothing live.
    check(&["wipefs", "-n", "-a", &lo.dev]).go().status(0);
    check(&["pvremove", "--test", &lo.dev]).go().status(0);
    check(&["vgremove", &vg.name])
        .go()
        .status(0)
        .stdout_lacks("volume-in-use");
    for line in [
        vec!["dd", "if=/dev/zero", &format!("of={}", lo.dev), "count=1"],
        vec!["pvremove", "-ff", "-y", &lo.dev],
    ] {
        Test::new()
            .args(["run", "--"])
            .args(&line)
            .go()
            .status(126)
            .stderr_has("volume-member-overwritten");
    }
    assert_eq!(
        blake3_of(&img),
        before,
        "a refused run left the PV as it was"
    );

    // An LV needs device-mapper. Where the kernel has it, the mounted LV is the real thing.
    let made = std::process::Command::new("lvcreate")
        .args(["-q", "-y", "-L", "16M", "-n", "lv1", &vg.name])
        .env("LVM_SUPPRESS_FD_WARNINGS", "1")
        .output()
        .expect("spawn lvcreate");
    if !made.status.success() {
        eprintln!(
            "NOTE {}: lvcreate failed ({}): no device-mapper in this kernel; the mounted LV is stood in by lvremove_of_the_mounted_lv_is_denied",
            module_path!(),
            String::from_utf8_lossy(&made.stderr).trim()
        );
        return;
    }
    let lv = format!("/dev/{}/lv1", vg.name);
    sh(&format!("mkfs.ext4 -q -F '{lv}'"));
    let _m = MountGuard::mount(&lv, &s.path("mnt"));
    check(&["lvremove", "-y", &format!("{}/lv1", vg.name)])
        .go()
        .status(4)
        .stdout_has("volume-in-use")
        .stdout_has("is mounted on");
    check(&["dd", "if=/dev/zero", &format!("of={}", lo.dev)])
        .go()
        .status(4)
        .stdout_has("device-has-holders");
}

/// Stood in: an active LV `vgtest/lvtest` (device 253:0) mounted on /srv/vg — `lvs` is a
/// script printing rescuezilla's real `lvs -o lv_all --reportformat json` capture, and the
/// sysfs tree has dm-0 with that number mounted. Without `lvs` on PATH the same LV is found
/// from sysfs alone (dm-0's `dm/name` and `LVM-` uuid).
#[test]
fn lvremove_of_the_mounted_lv_is_denied() {
    let root = sysroot("volume/sysroot-lvm");
    let s = Scratch::new();
    let bin = s.path("bin");
    stand_in(
        &bin,
        "lvs",
        &format!(
            "cat '{}'",
            fixture("volume/lvs-lv_all-rescuezilla.json").display()
        ),
    );
    let go = |line: &[&str]| {
        check(line)
            .env("SAFEOP_SYSROOT", root.path())
            .path_first(&bin)
            .go()
    };
    for line in [
        vec!["lvremove", "vgtest/lvtest"],
        vec!["lvremove", "-f", "/dev/vgtest/lvtest"],
        vec!["lvremove", "/dev/mapper/vgtest-lvtest"],
        vec!["lvm", "lvremove", "-y", "vgtest/lvtest"],
        vec!["lvremove", "vgtest"],
        vec!["vgremove", "-ff", "vgtest"],
        vec!["lvreduce", "-L", "500M", "vgtest/lvtest"],
        vec!["lvresize", "-L", "-100M", "vgtest/lvtest"],
    ] {
        go(&line)
            .status(4)
            .stdout_has("volume-in-use")
            .stdout_has("vgtest/lvtest is mounted on /srv/vg");
    }
    // Dry runs, growth and volumes that are not there stay allowed.
    for line in [
        vec!["lvremove", "--test", "vgtest/lvtest"],
        vec!["lvresize", "-L", "+1G", "vgtest/lvtest"],
        vec!["lvremove", "vgtest/other"],
        vec!["vgremove", "othervg"],
    ] {
        go(&line).status(0).stdout_lacks("volume-in-use");
    }
    // The mapping under it, by device-mapper name.
    go(&["dmsetup", "remove", "vgtest-lvtest"])
        .status(4)
        .stdout_has("vgtest-lvtest (dm-0) is mounted on /srv/vg");
    go(&["dmsetup", "remove_all"])
        .status(4)
        .stdout_has("volume-in-use");
    go(&["dmsetup", "clear", "vgtest-lvtest"]).status(0);
    // No `lvs` on PATH: sysfs alone says which LV it is.
    check(&["lvremove", "vgtest/lvtest"])
        .env("SAFEOP_SYSROOT", root.path())
        .env("PATH", "/usr/bin:/bin")
        .go()
        .status(4)
        .stdout_has("vgtest/lvtest is mounted on /srv/vg");
    // `lvs` failing is not "not in use": a person decides.
    let broken = s.path("broken");
    stand_in(
        &broken,
        "lvs",
        "echo '  /run/lock/lvm/P_global:aux: open failed: Permission denied' >&2; exit 5",
    );
    check(&["lvremove", "vgtest/lvtest"])
        .env("SAFEOP_SYSROOT", root.path())
        .path_first(&broken)
        .go()
        .status(3)
        .stdout_has("Permission denied");
}

// ---- md -------------------------------------------------------------------------------------------

/// Stood in: md0 built on `sdw1` (sysfs `holders/`, tests/fixtures/inuse/sysroot-stacked). Zeroing
/// the member's superblock or writing it raw is denied; taking it out of the array asks.
/// Real: an md 1.2 superblock written on a loop device as md_p.h lays it out (no array can be
/// assembled here): `blkid -p` and safeop both call it `linux_raid_member`.
#[test]
fn mdadm_zero_superblock_of_an_array_member_is_denied() {
    need_root!(); // mknod, loop devices
    let root = sysroot("inuse/sysroot-stacked");
    let s = Scratch::new();
    let member = s.p("sdw1");
    sh(&format!("mknod '{member}' b 8 65"));
    let go = |line: &[&str]| check(line).env("SAFEOP_SYSROOT", root.path()).go();
    for line in [
        vec!["mdadm", "--zero-superblock", &member],
        vec!["mdadm", "--zero-superblock", "--force", &member],
        vec![
            "mdadm", "--create", "/dev/md1", "-l1", "-n2", &member, "missing",
        ],
        vec!["dd", "if=/dev/zero", &format!("of={member}")],
        vec!["cryptsetup", "luksFormat", &member],
    ] {
        go(&line)
            .status(4)
            .stdout_has("device-has-holders")
            .stdout_has("is a member of md0");
    }
    go(&["mdadm", "/dev/md0", "--fail", &member, "--remove", &member])
        .status(3)
        .stdout_has("array-member-removed")
        .stdout_has("leaves array /dev/md0")
        .stdout_lacks("device-has-holders");
    go(&["mdadm", "--detail", "/dev/md0"]).status(0);

    if Path::new("/proc/mdstat").exists() && have("mdadm") {
        real_md_member(&s);
    } else {
        eprintln!(
            "NOTE {}: no md in this kernel (/proc/mdstat missing): mdadm --create cannot run; the member is stood in by sysfs",
            module_path!()
        );
    }
    need_tool!("losetup");
    need_tool!("blkid");
    let img = s.path("member.img");
    write_md_superblock(&img, 8 << 20);
    let lo = LoopDev::attach(&img);
    assert_eq!(blkid_type(&lo.dev), "linux_raid_member");
    let before = blake3_of(&img);
    check(&["mdadm", "--zero-superblock", &lo.dev])
        .go()
        .status(3)
        .stdout_has("volume-member-overwritten")
        .stdout_has("md RAID superblock (version 1.2, at byte 4096)");
    Test::new()
        .args(["run", "--", "mdadm", "--zero-superblock", &lo.dev])
        .go()
        .status(126);
    assert_eq!(blake3_of(&img), before);
}

/// A running md array, stopped (and its members' superblocks zeroed) on drop.
struct Md {
    dev: String,
    members: Vec<String>,
}

impl Drop for Md {
    fn drop(&mut self) {
        let _ = std::process::Command::new("mdadm")
            .args(["--stop", &self.dev])
            .status();
        for m in &self.members {
            let _ = std::process::Command::new("mdadm")
                .args(["--zero-superblock", m])
                .status();
        }
    }
}

/// Real, where the kernel has md: a RAID1 of two loop devices.
fn real_md_member(s: &Scratch) {
    let mut loops = Vec::new();
    for name in ["md-a.img", "md-b.img"] {
        let img = s.path(name);
        sh(&format!("truncate -s 64M '{}'", img.display()));
        loops.push(LoopDev::attach(&img));
    }
    let (a, b) = (loops[0].dev.clone(), loops[1].dev.clone());
    let dev = format!("/dev/md/safeoptest{}", std::process::id());
    sh(&format!(
        "mdadm --create '{dev}' --run --level=1 --raid-devices=2 --metadata=1.2 '{a}' '{b}'"
    ));
    let _md = Md {
        dev: dev.clone(),
        members: vec![a.clone(), b.clone()],
    };
    check(&["mdadm", "--zero-superblock", &a])
        .go()
        .status(4)
        .stdout_has("device-has-holders");
    check(&["dd", "if=/dev/zero", &format!("of={a}")])
        .go()
        .status(4)
        .stdout_has("device-has-holders");
    check(&["mdadm", &dev, "--fail", &a])
        .go()
        .status(3)
        .stdout_has("array-member-removed");
}

/// An image of `size` bytes with an md 1.2 superblock at byte 4096 (md_p.h `mdp_superblock_1`:
/// magic, major version 1, array uuid and name, level 1, two disks, data offset 2048 sectors,
/// super_offset 8 sectors, max_dev 0, and its checksum).
fn write_md_superblock(path: &Path, size: u64) {
    let mut sb = [0u8; 256];
    let put32 =
        |sb: &mut [u8; 256], at: usize, v: u32| sb[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put64 =
        |sb: &mut [u8; 256], at: usize, v: u64| sb[at..at + 8].copy_from_slice(&v.to_le_bytes());
    put32(&mut sb, 0, 0xa92b_4efc);
    put32(&mut sb, 4, 1);
    for (i, b) in sb[16..32].iter_mut().enumerate() {
        *b = i as u8;
    }
    sb[32..38].copy_from_slice(b"test:0");
    put32(&mut sb, 72, 1); // level
    put64(&mut sb, 80, size / 512 - 2048); // size
    put32(&mut sb, 92, 2); // raid_disks
    put64(&mut sb, 128, 2048); // data_offset
    put64(&mut sb, 136, size / 512 - 2048); // data_size
    put64(&mut sb, 144, 8); // super_offset
    let mut sum: u64 = 0;
    for i in (0..256).step_by(4) {
        if i != 216 {
            sum += u64::from(u32::from_le_bytes([sb[i], sb[i + 1], sb[i + 2], sb[i + 3]]));
        }
    }
    let csum = ((sum & 0xffff_ffff) + (sum >> 32)) as u32;
    put32(&mut sb, 216, csum);
    let mut data = vec![0u8; size as usize];
    data[4096..4096 + 256].copy_from_slice(&sb);
    std::fs::write(path, data).expect("write md image");
}

// ---- ZFS ------------------------------------------------------------------------------------------

/// An image of `size` bytes whose first two vdev labels carry uberblocks (magic 0x00bab10c,
/// version 5000), the way every ZFS label does.
fn write_zfs_label(path: &Path, size: u64) {
    let f = std::fs::File::create(path).expect("create");
    f.set_len(size).expect("size");
    use std::os::unix::fs::FileExt;
    for label in [0u64, 256 << 10] {
        for k in 0..8u64 {
            let mut ub = Vec::new();
            ub.extend_from_slice(&0x00ba_b10cu64.to_le_bytes());
            ub.extend_from_slice(&5000u64.to_le_bytes());
            ub.extend_from_slice(&(k + 1).to_le_bytes());
            f.write_all_at(&ub, label + (128 << 10) + k * 1024)
                .expect("uberblock");
        }
    }
}

/// Stood in: pool `tank` — `zpool` is a script printing the `zpool status` capture of
/// openzfs/zfs#2450 with each device replaced by the full path of a device node made here (as
/// `-P` prints them); its datasets are mounted in the sysfs tree's mountinfo the way ZFS mounts
/// them. Real: a device carrying ZFS labels (written as the on-disk format has them, recognised
/// by real `blkid -p`) on a loop device, in no imported pool.
#[test]
fn zfs_datasets_pools_and_pool_devices() {
    need_root!(); // mknod
    let root = sysroot("volume/sysroot-lvm");
    let s = Scratch::new();
    let node = s.p("sdz");
    sh(&format!("mknod '{node}' b 8 48"));
    let bin = s.path("bin");
    stand_in(
        &bin,
        "zpool",
        &format!(
            "sed -e 's|    sdc     |    {node} |' '{}'",
            fixture("volume/zpool-status-openzfs-2450.txt").display()
        ),
    );
    let go = |line: &[&str]| {
        check(line)
            .env("SAFEOP_SYSROOT", root.path())
            .path_first(&bin)
            .go()
    };
    for line in [
        vec!["dd", "if=/dev/zero", &format!("of={node}")],
        vec!["zpool", "labelclear", "-f", &node],
        vec!["zpool", "create", "-f", "tank2", &node],
    ] {
        go(&line)
            .status(4)
            .stdout_has("zfs-pool-device-written")
            .stdout_has("is a device of imported ZFS pool tank");
    }
    for (line, what) in [
        (
            vec!["zfs", "destroy", "-r", "tank/home"],
            "tank/home/alice is mounted on /home/alice",
        ),
        (
            vec!["zfs", "destroy", "tank/home/alice"],
            "tank/home/alice is mounted on /home/alice",
        ),
        (
            vec!["zfs", "rollback", "-r", "tank/home@monday"],
            "tank/home is mounted on /home",
        ),
        (
            vec!["zpool", "destroy", "tank"],
            "tank/home is mounted on /home",
        ),
    ] {
        go(&line)
            .status(4)
            .stdout_has("volume-in-use")
            .stdout_has(what);
    }
    // Nothing mounted from it: the name is typed, as for any volume that goes.
    for line in [
        vec!["zfs", "destroy", "tank/scratch"],
        vec!["zfs", "destroy", "tank/home@monday"],
        vec!["zpool", "destroy", "otherpool"],
    ] {
        go(&line)
            .status(3)
            .stdout_has("volume-destroyed")
            .stdout_lacks("volume-in-use");
    }
    for line in [
        vec!["zfs", "destroy", "-nv", "-r", "tank/home"],
        vec!["zpool", "status", "-P"],
    ] {
        go(&line).status(0);
    }

    need_tool!("losetup");
    need_tool!("blkid");
    let img = s.path("vdev.img");
    write_zfs_label(&img, 64 << 20);
    let lo = LoopDev::attach(&img);
    assert_eq!(blkid_type(&lo.dev), "zfs_member");
    stand_in(&bin, "zpool", "echo 'no pools available'");
    check(&["zpool", "labelclear", &lo.dev])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("volume-member-overwritten")
        .stdout_has("zfs_member")
        .stdout_lacks("zfs-pool-device-written");
}

// ---- NVMe ------------------------------------------------------------------------------------------

/// Stood in: controller `nvme0` (character device 240:0) whose namespace nvme0n1 has its
/// partition mounted on /srv/nvme (sysfs tree). Formatting or sanitizing the controller reaches
/// the namespace; a sanitize that only exits failure mode erases nothing.
#[test]
fn an_nvme_controller_stands_for_its_namespaces() {
    need_root!(); // mknod
    let root = sysroot("volume/sysroot-lvm");
    let s = Scratch::new();
    let ctrl = s.p("nvme0");
    sh(&format!("mknod '{ctrl}' c 240 0"));
    let go = |line: &[&str]| check(line).env("SAFEOP_SYSROOT", root.path()).go();
    for line in [
        vec!["nvme", "format", &ctrl, "-n", "1", "--force"],
        vec!["nvme", "sanitize", &ctrl, "--sanact=2"],
    ] {
        go(&line)
            .status(4)
            .stdout_has("device-mounted")
            .stdout_has("/srv/nvme");
    }
    go(&["nvme", "sanitize", &ctrl, "-a", "1"]).status(0);
    // `run` execs only what is allowed: `nvme` here is a stand-in that notes being run.
    let bin = s.path("bin");
    let ran = s.path("nvme-ran");
    stand_in(&bin, "nvme", &format!("echo \"$@\" >> '{}'", ran.display()));
    let run = |line: &[&str]| {
        Test::new()
            .args(["run", "--"])
            .args(line)
            .env("SAFEOP_SYSROOT", root.path())
            .path_first(&bin)
            .go()
    };
    run(&["nvme", "format", &ctrl, "-n", "1", "--force"])
        .status(126)
        .stderr_has("device-mounted");
    assert!(!ran.exists(), "the refused format never reached nvme");
    run(&["nvme", "sanitize", &ctrl, "-a", "1"]).status(0);
    assert!(std::fs::read_to_string(&ran).is_ok_and(|t| t.contains("sanitize")));
}

// ---- filesystems mounted from a real loop device -----------------------------------------------------

/// Real: ext4 on a loop device, mounted. Checking it read-only is fine; repairing, resizing or
/// discarding it under the kernel is denied, and `run` refuses before e2fsck touches it.
#[test]
fn repairing_or_resizing_a_mounted_filesystem_is_denied() {
    need_root!();
    need_tool!("losetup");
    need_tool!("mkfs.ext4");
    need_tool!("e2fsck");
    let s = Scratch::new();
    let fs = Ext4::mounted(&s, "mnt", "");
    let dev = fs.lo.dev.clone();
    for line in [
        vec!["e2fsck", "-fy", &dev],
        vec!["fsck.ext4", "-p", &dev],
        vec!["resize2fs", &dev],
        vec!["resize2fs", "-M", &dev],
        vec!["xfs_repair", "-L", &dev],
        vec!["blkdiscard", "-f", &dev],
        vec!["badblocks", "-n", &dev],
        vec!["mkntfs", "-f", &dev],
    ] {
        check(&line)
            .go()
            .status(4)
            .stdout_has("device-mounted")
            .stdout_has(&fs.point.display().to_string());
    }
    for line in [
        vec!["e2fsck", "-n", &dev],
        vec!["resize2fs", "-P", &dev],
        vec!["badblocks", "-sv", &dev],
        vec!["xfs_growfs", "-n", &fs.point.display().to_string()],
    ] {
        check(&line).go().status(0);
    }
    let last_checked = |img: &PathBuf| {
        sh(&format!(
            "dumpe2fs -h '{}' 2>/dev/null | grep -i 'last checked'",
            img.display()
        ))
    };
    let before = last_checked(&fs.img);
    Test::new()
        .args(["run", "--", "e2fsck", "-fy", &dev])
        .go()
        .status(126)
        .stderr_has("device-mounted");
    assert_eq!(last_checked(&fs.img), before, "e2fsck never ran");
}

// ---- LUKS ------------------------------------------------------------------------------------------

/// Real: a LUKS2 header made by `cryptsetup luksFormat` (of an image, no mapping: dm-crypt is
/// not in this kernel), attached to a loop device. Writing over it asks; erasing its key slots
/// asks; `--test-args` only looks.
#[test]
fn a_luks_volume_on_a_loop_device_is_a_volume_member() {
    need_root!();
    need_tool!("losetup");
    need_tool!("cryptsetup");
    need_tool!("blkid");
    let s = Scratch::new();
    let img = s.path("luks.img");
    sh(&format!(
        "truncate -s 32M '{0}' && printf pw | cryptsetup luksFormat -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 '{0}' -",
        img.display()
    ));
    let lo = LoopDev::attach(&img);
    assert_eq!(blkid_type(&lo.dev), "crypto_LUKS");
    let before = blake3_of(&img);
    for line in [
        vec!["dd", "if=/dev/zero", &format!("of={}", lo.dev), "bs=1M"],
        vec!["cryptsetup", "luksErase", "-q", &lo.dev],
        vec!["cryptsetup", "luksFormat", &lo.dev],
        vec!["mkfs.ext4", &lo.dev],
    ] {
        check(&line)
            .go()
            .status(3)
            .stdout_has("volume-member-overwritten")
            .stdout_has("crypto_LUKS");
    }
    check(&["cryptsetup", "--test-args", "luksFormat", &lo.dev])
        .go()
        .status(0);
    check(&["cryptsetup", "luksDump", &lo.dev]).go().status(0);
    Test::new()
        .args(["run", "--", "cryptsetup", "luksErase", "-q", &lo.dev])
        .go()
        .status(126);
    assert_eq!(blake3_of(&img), before, "the refused erase left the header");
}
