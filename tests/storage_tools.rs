//! The storage and cluster tools runbooks use (DESIGN decision 16): `ceph-volume lvm zap` and
//! `kubeadm reset`, through the binary. Neither tool is installed here: what they would destroy
//! is only ever given to `check`; `run` gets only a dry run, of a stand-in that notes being run.
//! Real: loop devices, an ext4 mounted from one, an LVM physical volume on one. Stood in: an
//! active LV (`lvs` printing rescuezilla's real capture, tests/fixtures/volume/README.md, and
//! the sysfs tree that mounts its device), a node's `/var/lib/etcd` (a scratch root given to
//! `kubeadm --rootfs`, which kubeadm chroots into).

mod common;
use common::*;

fn check(args: &[&str]) -> Test {
    Test::new()
        .args(["check", "--all-findings", "--"])
        .args(args)
}

/// Real: a zap of a loop device is judged as `wipefs -a` of it: mounted → deny, an LVM physical
/// volume → its name typed, a bare whole device → its name typed.
#[test]
fn ceph_volume_zap_of_a_device_is_judged_as_a_wipe() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let fs = Ext4::mounted(&s, "osd", "");
    for line in [
        vec!["ceph-volume", "lvm", "zap", &fs.lo.dev],
        vec!["ceph-volume", "lvm", "zap", "--destroy", &fs.lo.dev],
        vec!["wipefs", "-a", &fs.lo.dev],
    ] {
        check(&line)
            .go()
            .status(4)
            .stdout_has("device-mounted")
            .stdout_has(&fs.point.display().to_string());
    }
    let img = s.path("bare.img");
    sh(&format!("truncate -s 16M '{}'", img.display()));
    let lo = LoopDev::attach(&img);
    check(&["ceph-volume", "lvm", "zap", &lo.dev, "--destroy"])
        .go()
        .status(3)
        .stdout_has("whole-disk-write");
    if have("pvcreate") {
        let pv = s.path("pv.img");
        sh(&format!("truncate -s 64M '{}'", pv.display()));
        let lo = LoopDev::attach(&pv);
        sh(&format!(
            "LVM_SUPPRESS_FD_WARNINGS=1 pvcreate -q -y '{}'",
            lo.dev
        ));
        let ran = check(&["ceph-volume", "lvm", "zap", &lo.dev]).go();
        let _ = std::process::Command::new("pvremove")
            .args(["-q", "-ff", "-y", &lo.dev])
            .env("LVM_SUPPRESS_FD_WARNINGS", "1")
            .output();
        ran.status(3)
            .stdout_has("volume-member-overwritten")
            .stdout_has("LVM2_member");
    }
}

/// Stood in: the active LV `vgtest/lvtest`, mounted on /srv/vg (see the top). `zap VG/LV` finds
/// it as `lvremove` does; an OSD named by id is for ceph to resolve, so a person looks.
#[test]
fn ceph_volume_zap_of_a_mounted_lv_is_denied_and_an_osd_id_asks() {
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
    for line in [
        vec!["ceph-volume", "lvm", "zap", "vgtest/lvtest"],
        vec!["ceph-volume", "lvm", "zap", "vgtest/lvtest", "--destroy"],
        vec![
            "ceph-volume",
            "--cluster",
            "ceph",
            "lvm",
            "zap",
            "/dev/vgtest/lvtest",
        ],
    ] {
        check(&line)
            .env("SAFEOP_SYSROOT", root.path())
            .path_first(&bin)
            .go()
            .status(4)
            .stdout_has("volume-in-use")
            .stdout_has("vgtest/lvtest is mounted on /srv/vg");
    }
    check(&["ceph-volume", "lvm", "zap", "--destroy", "--osd-id", "16"])
        .go()
        .status(3)
        .stdout_has("arguments-safeop-cannot-see")
        .stdout_has("--osd-id 16");
    check(&["ceph-volume", "lvm", "list"]).go().status(0);
}

/// A node's root laid out in a scratch directory (`--rootfs`): with etcd's `member/` in
/// `var/lib/etcd` the reset is denied (overridable); without it, the host name is asked for.
#[test]
fn kubeadm_reset_asks_and_etcd_member_data_denies() {
    let s = Scratch::new();
    let node = s.path("node");
    std::fs::create_dir_all(node.join("var/lib/etcd/member/snap")).expect("mkdir");
    std::fs::create_dir_all(node.join("etc/kubernetes/manifests")).expect("mkdir");
    let rootfs = node.display().to_string();
    let ran = check(&["kubeadm", "reset", "-f", "--rootfs", &rootfs]).go();
    ran.status(4)
        .stdout_has("etcd-data-deleted")
        .stdout_has(&format!("{rootfs}/var/lib/etcd"))
        .stdout_has("node-reset");
    // Keeping the member keeps its data.
    check(&[
        "kubeadm",
        "reset",
        "-f",
        "--rootfs",
        &rootfs,
        "--skip-phases",
        "remove-etcd-member",
    ])
    .go()
    .status(3)
    .stdout_lacks("etcd-data-deleted")
    .stdout_has("node-reset");
    // A worker: no etcd data.
    std::fs::remove_dir_all(node.join("var/lib/etcd/member")).expect("rm");
    check(&["kubeadm", "reset", "--force", "--rootfs", &rootfs])
        .go()
        .status(3)
        .stdout_lacks("etcd-data-deleted")
        .stdout_has("node-reset");
    // Without a terminal, `run` refuses what needs a typed host name.
    let ran = Test::new()
        .args(["run", "--", "kubeadm", "reset", "-f", "--rootfs", &rootfs])
        .no_tty()
        .go();
    ran.status(126);
    assert!(node.join("etc/kubernetes/manifests").exists());
}

/// `run` of a dry run: allowed, and the (stand-in) kubeadm runs.
#[test]
fn kubeadm_reset_dry_run_runs() {
    let s = Scratch::new();
    let bin = s.path("bin");
    let ran_file = s.path("ran");
    stand_in(
        &bin,
        "kubeadm",
        &format!("echo \"$@\" >> '{}'", ran_file.display()),
    );
    Test::new()
        .args(["run", "--", "kubeadm", "reset", "--dry-run"])
        .path_first(&bin)
        .go()
        .status(0);
    assert_eq!(
        std::fs::read_to_string(&ran_file).expect("ran"),
        "reset --dry-run\n"
    );
    check(&["kubeadm", "reset", "phase", "preflight"])
        .go()
        .status(0);
}
