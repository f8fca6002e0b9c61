//! Disk health and maintenance through the built binary: SMART answers from real captures put
//! on PATH as a stand-in `smartctl`, the path → disk chain through a sysfs tree laid out as the
//! kernel documents it (partitions, LVM on md RAID1, LUKS on NVMe, loop on a file) and through a
//! real loop device, forced fsck at the next boot from real ext4 images, and the reboot guard's
//! session facts. Nothing here ever runs a reboot: every reboot line goes through `check` only.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PROBE_POLICY: &str = "health/probe-policy.yaml";

/// Copies the fixture sysfs tree into the scratch dir and makes the links git cannot keep:
/// `slaves/*` files become symlinks to the path they hold; every directory with a `dev` file gets
/// `sys/dev/block/MAJ:MIN` and `sys/class/block/NAME`.
fn sysroot(s: &Scratch) -> PathBuf {
    let root = s.path("sysroot");
    sh(&format!(
        "cp -r '{}' '{}'",
        fixture("health/sysroot").display(),
        root.display()
    ));
    std::fs::create_dir_all(root.join("sys/dev/block")).expect("mkdir");
    std::fs::create_dir_all(root.join("sys/class/block")).expect("mkdir");
    // The in-use probes read these of the fixture machine too: no loop device in /sys/block
    // (the fixture's loop0 lives in /sys/devices and /sys/class), no swap, no locks.
    std::fs::create_dir_all(root.join("sys/block")).expect("mkdir");
    std::fs::write(
        root.join("proc/swaps"),
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
    )
    .expect("swaps");
    std::fs::write(root.join("proc/locks"), "").expect("locks");
    fn walk(root: &Path, dir: &Path) {
        for e in std::fs::read_dir(dir).expect("read fixture dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p);
                continue;
            }
            if dir.file_name().is_some_and(|n| n == "slaves") {
                let to = std::fs::read_to_string(&p)
                    .expect("slave link")
                    .trim()
                    .to_string();
                std::fs::remove_file(&p).expect("rm");
                std::os::unix::fs::symlink(to, &p).expect("slave symlink");
            } else if p.file_name().is_some_and(|n| n == "dev") {
                let num = std::fs::read_to_string(&p).expect("dev").trim().to_string();
                let rel = dir.strip_prefix(root.join("sys")).expect("under sys");
                let name = dir
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                let to = Path::new("../..").join(rel);
                std::os::unix::fs::symlink(&to, root.join("sys/dev/block").join(&num))
                    .expect("dev link");
                std::os::unix::fs::symlink(&to, root.join("sys/class/block").join(&name))
                    .expect("class link");
            }
        }
    }
    walk(&root, &root.join("sys/devices"));
    root
}

/// The exit status a capture records for itself.
fn exit_status_of(capture: &Path) -> i64 {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(capture).expect("capture"))
        .expect("capture is JSON");
    v.pointer("/smartctl/exit_status")
        .and_then(Value::as_i64)
        .expect("exit_status in capture")
}

/// A stand-in `smartctl` that logs its argv and answers for each listed device with a capture
/// (and the capture's own exit status); any other device gets "open failed" (exit 2).
fn smartctl(dir: &Path, log: &Path, answers: &[(&str, PathBuf)]) {
    let mut cases = String::new();
    for (dev, cap) in answers {
        cases.push_str(&format!(
            "  {dev}) cat '{}'; exit {} ;;\n",
            cap.display(),
            exit_status_of(cap)
        ));
    }
    stand_in(
        dir,
        "smartctl",
        &format!(
            "echo \"$*\" >> '{}'\nfor a in \"$@\"; do dev=\"$a\"; done\ncase \"$dev\" in\n{cases}  *) echo '{{\"smartctl\":{{\"exit_status\":2,\"messages\":[{{\"string\":\"open failed (test stand-in)\",\"severity\":\"error\"}}]}}}}'; exit 2 ;;\nesac",
            log.display()
        ),
    );
}

fn cap(name: &str) -> PathBuf {
    fixture(&format!("smartctl/{name}"))
}

/// The facts the run recorded for one path.
fn path_facts(out: &Value, path: &str) -> Value {
    out.pointer(&format!(
        "/facts/paths/{}",
        path.replace('~', "~0").replace('/', "~1")
    ))
    .cloned()
    .unwrap_or_else(|| panic!("no facts for {path} in {out:#}"))
}

fn rules(out: &Value) -> Vec<String> {
    out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or("").to_string())
        .collect()
}

fn finding<'a>(out: &'a Value, rule: &str) -> &'a Value {
    out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding {rule} in {out:#}"))
}

/// How many files each target tree of [`rm_on_fixture`] holds: a mass delete by the default
/// policy's measure (`degraded-disk-bulk-delete` wants 1,000 entries or more).
const BULK_FILES: usize = 1000;

/// `dir` (made if missing) with `files` empty files in it.
fn fill_dir(dir: &Path, files: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for i in 0..files {
        std::fs::File::create(dir.join(format!("f{i}"))).expect("create file");
    }
}

/// A stand-in smartctl in `bin` that logs its arguments to `log` and answers the failing
/// Hitachi capture about whatever disk it is asked.
fn failing_smartctl(bin: &Path, log: &Path) {
    let failing = cap("ata-failed-hitachi-hds721050-usbjmicron.json");
    stand_in(
        bin,
        "smartctl",
        &format!(
            "echo \"$*\" >> '{}'\ncat '{}'\nexit 216",
            log.display(),
            failing.display()
        ),
    );
}

/// `check --format json -- rm -rf TARGET…` against the fixture sysfs tree, with a stand-in
/// smartctl answering `answers`. Returns the run, its JSON and the stand-in's log.
///
/// Each target (`/h-boot/old`) is made for real, with [`BULK_FILES`] files, under the scratch
/// dir (`SCRATCH/fs/h-boot/old`), and the fixture's mounts are repeated there in its mountinfo
/// (`SCRATCH/fs/h-boot` on `/dev/sda1`), so the walk sees a real tree and the disk probes the
/// fixture's disks. The scratch prefix is taken out of the JSON again: it reads as if the
/// targets were the fixture's own paths.
fn rm_on_fixture(targets: &[&str], answers: &[(&str, PathBuf)]) -> (Ran, Value, String) {
    let s = Scratch::new();
    let root = sysroot(&s);
    let fs = s.path("fs");
    let mountinfo = root.join("proc/self/mountinfo");
    let text = std::fs::read_to_string(&mountinfo).expect("mountinfo");
    let mut again = String::new();
    for line in text.lines() {
        let mut f: Vec<String> = line.split(' ').map(str::to_string).collect();
        if f.len() < 5 || f[4] == "/" {
            continue;
        }
        f[0] = format!("1{}", f[0]);
        f[4] = format!("{}{}", fs.display(), f[4]);
        again.push_str(&f.join(" "));
        again.push('\n');
    }
    std::fs::write(&mountinfo, format!("{text}{again}")).expect("write mountinfo");
    let real: Vec<String> = targets
        .iter()
        .map(|t| format!("{}{t}", fs.display()))
        .collect();
    for dir in &real {
        fill_dir(Path::new(dir), BULK_FILES);
    }
    let bin = s.path("bin");
    let log = s.path("smartctl.log");
    smartctl(&bin, &log, answers);
    let mut args = vec!["check", "--format", "json", "--", "rm", "-rf"];
    args.extend(real.iter().map(String::as_str));
    let ran = Test::new()
        .env("SAFEOP_POLICY", fixture(PROBE_POLICY))
        .env("SAFEOP_SYSROOT", &root)
        .path_first(&bin)
        .args(args)
        .go();
    let text = ran.stdout.replace(&fs.display().to_string(), "");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    (ran, json, log)
}

// ---- SMART: each real capture, asked about the disk under the target --------------------------

#[test]
fn healthy_ata_disk_lets_a_recursive_delete_through() {
    let (ran, out, log) = rm_on_fixture(
        &["/h-boot/old"],
        &[("/dev/sda", cap("ata-healthy-wdc-wd20efrx.json"))],
    );
    ran.status(0);
    assert_eq!(
        log, "--json -H -A /dev/sda\n",
        "smartctl asked once, about the disk under /h-boot"
    );
    let f = path_facts(&out, "/h-boot/old");
    assert_eq!(f["disk.devices"], serde_json::json!(["/dev/sda"]));
    assert_eq!(f["disk.smart.degraded"], false);
    assert_eq!(f["disk.smart.known"], true);
    assert_eq!(f["disk.smart.passed"], true);
    assert_eq!(f["disk.smart.reallocated_sectors"], 0);
    assert!(!rules(&out).contains(&"degraded-disk-bulk-delete".to_string()));
}

#[test]
fn failed_ata_disk_asks_before_a_recursive_delete() {
    let (ran, out, log) = rm_on_fixture(
        &["/h-boot/old"],
        &[(
            "/dev/sda",
            cap("ata-failed-hitachi-hds721050-usbjmicron.json"),
        )],
    );
    ran.status(3);
    assert_eq!(log, "--json -H -A /dev/sda\n");
    let f = path_facts(&out, "/h-boot/old");
    assert_eq!(f["disk.smart.passed"], false);
    assert_eq!(f["disk.smart.exit_status"], 216);
    assert_eq!(f["disk.smart.reallocated_sectors"], 1975);
    assert_eq!(f["disk.smart.pending_sectors"], 8);
    assert_eq!(
        f["disk.smart.failing_attributes"],
        serde_json::json!(["/dev/sda: Reallocated_Sector_Ct (id 5) failing now"])
    );
    let m = finding(&out, "degraded-disk-bulk-delete")["message"]
        .as_str()
        .expect("message");
    assert!(m.contains("/dev/sda: SMART overall health FAILED"), "{m}");
    assert!(m.contains("8 pending sectors"), "{m}");
    assert!(
        m.contains("take a backup first and go easy on this disk"),
        "{m}"
    );
}

#[test]
fn passing_disk_with_reallocated_sectors_is_degraded() {
    let (ran, out, _) = rm_on_fixture(
        &["/h-boot/old"],
        &[("/dev/sda", cap("ata-reallocated-passed-st3500418as.json"))],
    );
    ran.status(3);
    let f = path_facts(&out, "/h-boot/old");
    assert_eq!(f["disk.smart.passed"], true, "smartctl still says PASSED");
    assert_eq!(
        f["disk.smart.reasons"],
        serde_json::json!(["/dev/sda: 304 reallocated sectors"])
    );
    assert_eq!(
        finding(&out, "degraded-disk-bulk-delete")["verdict"],
        "confirm"
    );
}

#[test]
fn nvme_critical_warning_through_luks() {
    let (ran, out, log) = rm_on_fixture(
        &["/h-home/alice"],
        &[(
            "/dev/nvme0n1",
            cap("nvme-critical-warning-failed-samsung-mzwll3t2.json"),
        )],
    );
    ran.status(3);
    assert_eq!(log, "--json -H -A /dev/nvme0n1\n");
    let f = path_facts(&out, "/h-home/alice");
    assert_eq!(f["disk.devices"], serde_json::json!(["/dev/nvme0n1"]));
    assert!(
        f["disk.chain"]
            .as_str()
            .is_some_and(|c| c.contains("dm-1 is built on nvme0n1p1")),
        "{f}"
    );
    assert_eq!(f["disk.smart.critical_warning"], 16);
    assert_eq!(
        f["disk.smart.reasons"],
        serde_json::json!(["/dev/nvme0n1: SMART overall health FAILED, NVMe critical warning 0x10 (volatile memory backup failed)"])
    );
}

#[test]
fn nvme_media_errors_on_a_passing_drive_are_degraded() {
    let (ran, out, _) = rm_on_fixture(
        &["/h-home/alice"],
        &[("/dev/nvme0n1", cap("nvme-media-errors-passed.json"))],
    );
    ran.status(3);
    let f = path_facts(&out, "/h-home/alice");
    assert_eq!(f["disk.smart.passed"], true);
    assert_eq!(f["disk.smart.media_errors"], 7);
    assert_eq!(
        f["disk.smart.reasons"],
        serde_json::json!(["/dev/nvme0n1: 7 media errors"])
    );
}

#[test]
fn healthy_nvme_and_sas_disks_are_not_degraded() {
    for (dev, target, c) in [
        (
            "/dev/nvme0n1",
            "/h-home/alice",
            "nvme-healthy-samsung-970evoplus.json",
        ),
        (
            "/dev/sda",
            "/h-boot/old",
            "scsi-healthy-hitachi-h109060.json",
        ),
    ] {
        let (ran, out, _) = rm_on_fixture(&[target], &[(dev, cap(c))]);
        ran.status(0);
        let f = path_facts(&out, target);
        assert_eq!(f["disk.smart.degraded"], false, "{c}");
        assert_eq!(f["disk.smart.known"], true, "{c}");
    }
}

#[test]
fn scsi_grown_defects_are_degraded() {
    let (ran, out, _) = rm_on_fixture(
        &["/h-boot/old"],
        &[(
            "/dev/sda",
            cap("scsi-grown-defects-seagate-st373453lc.json"),
        )],
    );
    ran.status(3);
    let f = path_facts(&out, "/h-boot/old");
    assert_eq!(f["disk.smart.grown_defects"], 260);
    assert_eq!(
        f["disk.smart.reasons"],
        serde_json::json!([
            "/dev/sda: 260 grown defects, 536 uncorrected read/write/verify errors"
        ])
    );
}

/// `check --format json -- ARGV` on the fixture tree with a stand-in smartctl answering `answers`.
fn check_on_fixture(argv: &[&str], answers: &[(&str, PathBuf)]) -> (Ran, Value, String) {
    let s = Scratch::new();
    let root = sysroot(&s);
    let bin = s.path("bin");
    let log = s.path("smartctl.log");
    smartctl(&bin, &log, answers);
    let mut args = vec!["check", "--format", "json", "--"];
    args.extend(argv);
    let ran = Test::new()
        .env("SAFEOP_SYSROOT", &root)
        .path_first(&bin)
        .args(args)
        .go();
    let json = ran.json();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    (ran, json, log)
}

#[test]
fn a_big_dd_from_a_degraded_disk_asks_and_a_small_one_never_wakes_smartctl() {
    let bad = [("/dev/sda", cap("ata-reallocated-passed-st3500418as.json"))];
    let (ran, out, log) = check_on_fixture(
        &[
            "dd",
            "if=/h-boot/whole.img",
            "of=/tmp/safeop-never-written",
            "bs=1M",
        ],
        &bad,
    );
    ran.status(3);
    assert!(log.contains("--json -H -A /dev/sda"), "{log}");
    let m = finding(&out, "degraded-disk-bulk-read")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert_eq!(m, "bulk I/O from a degraded disk: /dev/sda: 304 reallocated sectors; take a backup first and go easy on this disk");
    let (ran, out, log) = check_on_fixture(
        &[
            "dd",
            "if=/h-boot/whole.img",
            "of=/tmp/safeop-never-written",
            "bs=512",
            "count=1",
        ],
        &bad,
    );
    ran.status(0);
    assert_eq!(log, "", "one sector is not bulk: SMART is not even asked");
    assert_eq!(out["facts"]["facts"]["scale.bytes"], 512);
}

#[test]
fn a_restore_onto_a_degraded_disk_asks() {
    let bad = [(
        "/dev/sda",
        cap("ata-failed-hitachi-hds721050-usbjmicron.json"),
    )];
    let (ran, out, _) = check_on_fixture(
        &[
            "tar",
            "-xf",
            "/nonexistent/full.tar",
            "-C",
            "/h-boot/restore",
        ],
        &bad,
    );
    ran.status(3);
    let f = finding(&out, "degraded-disk-bulk-io");
    assert_eq!(f["verdict"], "confirm");
    assert!(
        f["message"].as_str().is_some_and(|m| m
            .starts_with("bulk I/O onto a degraded disk: /dev/sda: SMART overall health FAILED")),
        "{f}"
    );
}

// ---- the path → disk chain -----------------------------------------------------------------------

#[test]
fn lvm_on_md_raid1_reaches_both_members_and_asks_each_once() {
    let answers = [
        ("/dev/sda", cap("ata-healthy-wdc-wd20efrx.json")),
        ("/dev/sdb", cap("ata-reallocated-passed-st3500418as.json")),
    ];
    let (ran, out, log) = rm_on_fixture(&["/srv-h/a", "/srv-h/b"], &answers);
    ran.status(3);
    let f = path_facts(&out, "/srv-h/a");
    assert_eq!(
        f["disk.devices"],
        serde_json::json!(["/dev/sda", "/dev/sdb"])
    );
    assert_eq!(
        f["disk.chain"],
        "/ on /dev/mapper/vg-root; dm-0 is built on md0; md0 is built on sda2, sdb2; sda2 is a partition of sda; sdb2 is a partition of sdb"
    );
    assert_eq!(
        f["disk.smart.reasons"],
        serde_json::json!(["/dev/sdb: 304 reallocated sectors"]),
        "only the bad member is named"
    );
    let mut asked: Vec<&str> = log.lines().collect();
    asked.sort();
    assert_eq!(
        asked,
        vec!["--json -H -A /dev/sda", "--json -H -A /dev/sdb"],
        "two targets, each disk asked once"
    );
}

#[test]
fn loop_device_leads_to_the_disks_under_its_backing_file() {
    let (ran, out, _) = rm_on_fixture(
        &["/h-guest/etc"],
        &[(
            "/dev/sda",
            cap("ata-failed-hitachi-hds721050-usbjmicron.json"),
        )],
    );
    ran.status(3);
    let f = path_facts(&out, "/h-guest/etc");
    assert_eq!(
        f["disk.devices"],
        serde_json::json!(["/dev/sda", "/dev/sdb"])
    );
    assert!(f["disk.chain"].as_str().is_some_and(|c| c.starts_with("/h-guest on /dev/loop0; loop0 is backed by /h-images/guest.img; / on /dev/mapper/vg-root")), "{f}");
    // sdb answers "open failed": one member unknown, the other failing → degraded, not known.
    assert_eq!(f["disk.smart.degraded"], true);
    assert_eq!(f["disk.smart.known"], false);
    assert_eq!(
        f["disk.smart.unknown"],
        serde_json::json!(["/dev/sdb: open failed (test stand-in)"])
    );
}

#[test]
fn tmpfs_and_zram_have_no_smart_and_are_unknown_not_healthy() {
    let (ran, out, log) = rm_on_fixture(&["/h-run/x", "/h-swapfs/y"], &[]);
    ran.status(0);
    assert_eq!(log, "", "smartctl is not asked about tmpfs or zram");
    let t = path_facts(&out, "/h-run/x");
    assert_eq!(t["disk.devices"], serde_json::json!([]));
    assert_eq!(t["disk.smart.known"], false);
    assert_eq!(t["disk.smart.passed"], Value::Null);
    assert!(
        t["disk.smart.unknown"][0]
            .as_str()
            .is_some_and(|u| u.contains("tmpfs")),
        "{t}"
    );
    let z = path_facts(&out, "/h-swapfs/y");
    assert_eq!(
        z["disk.smart.unknown"],
        serde_json::json!(["/dev/zram0: compressed RAM: no SMART"])
    );
}

#[test]
fn without_smartctl_health_is_unknown() {
    let s = Scratch::new();
    let root = sysroot(&s);
    let out = Test::new()
        .env("SAFEOP_POLICY", fixture(PROBE_POLICY))
        .env("SAFEOP_SYSROOT", &root)
        .env("PATH", s.path("empty-bin"))
        .args([
            "check",
            "--format",
            "json",
            "--",
            "rm",
            "-rf",
            "/h-boot/old",
        ])
        .go();
    out.status(0);
    let f = path_facts(&out.json(), "/h-boot/old");
    assert_eq!(f["disk.smart.available"], false);
    assert_eq!(f["disk.smart.known"], false);
    assert_eq!(
        f["disk.smart.unknown"],
        serde_json::json!(["/dev/sda: smartctl is not installed (smartmontools)"])
    );
}

#[test]
fn real_smartctl_on_this_virtual_disk_says_unknown() {
    need_tool!("smartctl");
    // The worktree lives on this VM's virtio disk; real smartctl cannot read SMART there. A mass
    // delete's worth of files there, so the default policy asks SMART too.
    let here = env!("CARGO_MANIFEST_DIR");
    std::fs::create_dir_all(format!("{here}/target")).expect("mkdir target");
    let tree = tempfile::Builder::new()
        .prefix("health-bulk-")
        .tempdir_in(format!("{here}/target"))
        .expect("tree");
    fill_dir(tree.path(), BULK_FILES);
    let target = tree.path().display().to_string();
    let out = Test::new()
        .env("SAFEOP_POLICY", fixture(PROBE_POLICY))
        .args(["check", "--format", "json", "--", "rm", "-rf", &target])
        .go();
    out.status(0);
    let json = out.json();
    let f = path_facts(&json, &target);
    let devices = f["disk.devices"].as_array().expect("devices").clone();
    assert!(!devices.is_empty(), "the worktree is on a disk: {f}");
    if !devices
        .iter()
        .all(|d| d.as_str().is_some_and(|d| d.starts_with("/dev/vd")))
    {
        eprintln!("SKIPPED real_smartctl_on_this_virtual_disk_says_unknown: the worktree is not on a virtio disk ({f})");
        return;
    }
    assert_eq!(f["disk.smart.available"], true);
    assert_eq!(f["disk.smart.known"], false);
    assert_eq!(
        f["disk.smart.degraded"],
        Value::Null,
        "a virtio disk has no SMART: not applicable, so no rule speaks of it"
    );
    assert_eq!(f["disk.smart.passed"], Value::Null);
    let why = f["disk.smart.unknown"][0].as_str().expect("why");
    assert!(
        why.contains("Unable to detect device type")
            || why.contains("Permission denied")
            || why.contains("failed"),
        "{why}"
    );
    assert!(!rules(&json).contains(&"degraded-disk-bulk-delete".to_string()));
}

#[test]
fn real_loop_device_chain_reaches_the_disk_under_the_image() {
    need_root!();
    need_tool!("mkfs.ext4");
    let s = Scratch::new();
    let fs = Ext4::mounted(&s, "mnt", "");
    fill_dir(&s.path("mnt/data"), BULK_FILES);
    let bin = s.path("bin");
    let log = s.path("smartctl.log");
    // Whatever disk the image lives on answers with a failing capture.
    failing_smartctl(&bin, &log);
    let target = s.p("mnt/data");
    let ran = Test::new()
        .env("SAFEOP_POLICY", fixture(PROBE_POLICY))
        .path_first(&bin)
        .args(["check", "--format", "json", "--", "rm", "-rf", &target])
        .go();
    ran.status(3);
    let out = ran.json();
    let f = path_facts(&out, &target);
    let loop_name = fs.lo.dev.trim_start_matches("/dev/");
    let chain = f["disk.chain"].as_str().expect("chain");
    assert!(
        chain.contains(&format!("{loop_name} is backed by {}", fs.img.display())),
        "{chain}"
    );
    let devices: Vec<String> = f["disk.devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| d.as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        !devices.is_empty() && !devices.iter().any(|d| d.contains("loop")),
        "{devices:?}"
    );
    let asked: Vec<String> = std::fs::read_to_string(&log)
        .expect("log")
        .lines()
        .map(|l| l.trim_start_matches("--json -H -A ").to_string())
        .collect();
    assert_eq!(
        asked, devices,
        "smartctl was asked about exactly the disks under the image"
    );
    assert!(finding(&out, "degraded-disk-bulk-delete")["message"]
        .as_str()
        .is_some_and(|m| m.contains("1975 reallocated sectors")));
}

// ---- forced fsck at the next boot -----------------------------------------------------------------

fn reboot_check(extra_env: &[(&str, &Path)]) -> (Ran, Value) {
    let mut t = Test::new()
        .env("SAFEOP_POLICY", fixture(PROBE_POLICY))
        .env("SAFEOP_FSTAB", "/nonexistent");
    for (k, v) in extra_env {
        t = t.env(k, v);
    }
    let ran = t.args(["check", "--format", "json", "--", "reboot"]).go();
    let json = ran.json();
    (ran, json)
}

fn listed_under<'a>(list: &'a Value, dir: &Path) -> Vec<&'a str> {
    let d = dir.display().to_string();
    list.as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| s.starts_with(&d))
        .collect()
}

#[test]
fn reboot_names_exactly_the_filesystems_a_forced_fsck_will_check() {
    need_root!();
    need_tool!("tune2fs");
    let s = Scratch::new();
    let counted = Ext4::mounted(&s, "counted", "-c 25 -C 30");
    let overdue = Ext4::mounted(&s, "overdue", "-i 1d -T 20200101");
    let clean = Ext4::mounted(&s, "clean", "");
    let (ran, out) = reboot_check(&[]);
    ran.status(3);
    let due = listed_under(&out["facts"]["facts"]["fsck.filesystems"], s.dir.path());
    assert_eq!(due.len(), 2, "{due:?}");
    let c = due
        .iter()
        .find(|l| l.starts_with(&counted.point.display().to_string()))
        .expect("counted listed");
    assert!(
        c.contains("ext4, 32.0 MiB,")
            && c.contains("inodes in use): mounted 31 times, check forced at 25"),
        "{c}"
    );
    let o = due
        .iter()
        .find(|l| l.starts_with(&overdue.point.display().to_string()))
        .expect("overdue listed");
    assert!(
        o.contains("since the last check (on 2020-01-01), check forced every day"),
        "{o}"
    );
    let msg = finding(&out, "fsck-due-on-reboot")["message"]
        .as_str()
        .expect("message");
    assert!(
        msg.contains(&counted.point.display().to_string())
            && msg.contains(&overdue.point.display().to_string()),
        "{msg}"
    );
    assert!(
        !msg.contains(&clean.point.display().to_string()),
        "the clean filesystem is not named: {msg}"
    );
    assert_eq!(
        finding(&out, "fsck-due-on-reboot")["challenge"],
        "type-hostname"
    );
    let examined = listed_under(&out["facts"]["facts"]["fsck.examined"], &clean.point);
    assert_eq!(examined.len(), 1);
    assert!(
        examined[0].ends_with("clean, no forced check scheduled"),
        "{examined:?}"
    );
}

#[test]
fn fstab_pass_zero_is_never_checked_and_unmounted_pass_two_entries_are() {
    need_root!();
    need_tool!("tune2fs");
    let s = Scratch::new();
    let counted = Ext4::mounted(&s, "counted", "-c 25 -C 30");
    // Attached but not mounted, due by its error count.
    let img = s.path("spare.img");
    sh(&format!(
        "truncate -s 32M '{0}' && mkfs.ext4 -q -F '{0}' && tune2fs -c 2 -C 5 '{0}' >/dev/null",
        img.display()
    ));
    let spare = LoopDev::attach(&img);
    let fstab = s.write(
        "fstab",
        &format!(
            "# test fstab\n{} {} ext4 defaults 0 0\n{} /h-spare ext4 defaults 0 2\n",
            counted.lo.dev,
            counted.point.display(),
            spare.dev
        ),
    );
    let (ran, out) = reboot_check(&[("SAFEOP_FSTAB", &fstab)]);
    ran.status(3);
    let due = out["facts"]["facts"]["fsck.filesystems"]
        .as_array()
        .expect("list")
        .clone();
    assert!(
        due.iter().any(|l| l
            .as_str()
            .is_some_and(|l| l.starts_with(&format!("/h-spare ({}, ext4", spare.dev))
                && l.ends_with("mounted 5 times, check forced at 2"))),
        "{due:?}"
    );
    assert!(
        listed_under(&out["facts"]["facts"]["fsck.filesystems"], &counted.point).is_empty(),
        "pass 0: not checked at boot"
    );
    let ex = listed_under(&out["facts"]["facts"]["fsck.examined"], &counted.point);
    assert!(
        ex[0].ends_with("pass 0 in fstab, not checked at boot"),
        "{ex:?}"
    );
}

// ---- session: ssh, other users, guests -------------------------------------------------------------

#[test]
fn reboot_over_ssh_needs_the_hostname() {
    let (ran, out) = {
        let ran = Test::new()
            .env("SSH_CONNECTION", "10.0.0.5 50000 10.0.0.1 22")
            .args(["check", "--format", "json", "--", "reboot"])
            .go();
        let j = ran.json();
        (ran, j)
    };
    ran.status(3);
    let f = finding(&out, "reboot-over-ssh");
    assert_eq!(f["challenge"], "type-hostname");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("over ssh (`SSH_CONNECTION` is set)")),
        "{f}"
    );
    for argv in [
        &["systemctl", "reboot"][..],
        &["shutdown", "-h", "now"],
        &["poweroff"],
        &["halt"],
        &["init", "0"],
        &["telinit", "6"],
        &["systemctl", "kexec"],
    ] {
        let mut a = vec!["check", "--"];
        a.extend(argv);
        Test::new()
            .env("SSH_CLIENT", "10.0.0.5 50000 22")
            .args(a)
            .go()
            .status(3)
            .stdout_has("reboot-over-ssh");
    }
    Test::new()
        .env("SSH_CONNECTION", "x")
        .args(["check", "--", "shutdown", "-c"])
        .go()
        .status(0);
    Test::new()
        .env("SSH_CONNECTION", "x")
        .args(["check", "--", "systemctl", "--dry-run", "reboot"])
        .go()
        .status(0);
    Test::new()
        .env("SSH_CONNECTION", "x")
        .args(["check", "--", "systemctl", "status"])
        .go()
        .status(0);
}

#[test]
fn an_sshd_ancestor_counts_as_ssh_even_without_the_variables() {
    let s = Scratch::new();
    // A process named `sshd` (the script's name is its comm) that runs safeop as its child.
    let sshd = stand_in(&s.path("fake"), "sshd", "\"$@\"\nrc=$?\nexit $rc");
    // `Test` always runs the binary itself; here the fake sshd runs it, in the same clean environment.
    let out = std::process::Command::new(&sshd)
        .args([BIN, "check", "--format", "json", "--", "reboot"])
        .env_remove("SSH_CONNECTION")
        .env_remove("SSH_CLIENT")
        .env_remove("SSH_TTY")
        .env_remove("SAFEOP_SYSROOT")
        .env("SAFEOP_POLICY", fixture("empty-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run via fake sshd");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let j: Value = serde_json::from_slice(&out.stdout).expect("json");
    let m = finding(&j, "reboot-over-ssh")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(m.contains("sshd (pid "), "{m}");
}

#[test]
fn a_tmux_server_started_over_ssh_counts_as_ssh() {
    let s = Scratch::new();
    let root = sysroot(&s);
    std::fs::write(
        root.join("proc/self/stat"),
        "5000 (safeop) R 4242 5000 5000 0 -1\n",
    )
    .expect("stat");
    std::fs::create_dir_all(root.join("proc/4242")).expect("mkdir");
    std::fs::write(
        root.join("proc/4242/stat"),
        "4242 (tmux: server) S 1 4242 4242 0 -1\n",
    )
    .expect("stat");
    std::fs::write(
        root.join("proc/4242/environ"),
        b"HOME=/root\0SSH_CONNECTION=10.0.0.5 50000 10.0.0.1 22\0",
    )
    .expect("environ");
    let ran = Test::new()
        .env("SAFEOP_SYSROOT", &root)
        .args(["check", "--format", "json", "--", "reboot"])
        .go();
    ran.status(3);
    let m = finding(&ran.json(), "reboot-over-ssh")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        m.contains("tmux: server (pid 4242) was started over ssh (its `SSH_CONNECTION`)"),
        "{m}"
    );
    // The same tree without the ssh variable in the server's environment: not ssh.
    std::fs::write(root.join("proc/4242/environ"), b"HOME=/root\0").expect("environ");
    Test::new()
        .env("SAFEOP_SYSROOT", &root)
        .args(["check", "--", "reboot"])
        .go()
        .stdout_lacks("reboot-over-ssh");
}

/// One glibc x86_64 `struct utmp` record.
fn utmp_record(kind: i16, pid: i32, line: &str, user: &str, host: &str) -> Vec<u8> {
    let mut r = vec![0u8; 384];
    r[0..2].copy_from_slice(&kind.to_le_bytes());
    r[4..8].copy_from_slice(&pid.to_le_bytes());
    r[8..8 + line.len()].copy_from_slice(line.as_bytes());
    r[44..44 + user.len()].copy_from_slice(user.as_bytes());
    r[76..76 + host.len()].copy_from_slice(host.as_bytes());
    r
}

#[test]
fn other_logged_in_users_need_the_hostname() {
    let s = Scratch::new();
    let live = std::process::id() as i32;
    let mut data = utmp_record(2, 0, "~", "reboot", "6.1.0");
    data.extend(utmp_record(7, live, "pts/7", "bob", "10.0.0.5"));
    data.extend(utmp_record(7, 4_194_305, "pts/8", "carol", "10.0.0.6")); // stale: no such process
    data.extend(utmp_record(8, live, "pts/9", "", ""));
    let utmp = s.path("utmp");
    std::fs::write(&utmp, &data).expect("utmp");
    let ran = Test::new()
        .env("SAFEOP_UTMP", &utmp)
        .args(["check", "--format", "json", "--", "reboot"])
        .go();
    ran.status(3);
    let out = ran.json();
    assert_eq!(
        out["facts"]["facts"]["session.other_users"],
        serde_json::json!(["bob on pts/7 from 10.0.0.5"])
    );
    assert_eq!(
        finding(&out, "reboot-cuts-off-users")["challenge"],
        "type-hostname"
    );
    // No utmp at all: nobody recorded, no finding.
    Test::new()
        .env("SAFEOP_UTMP", s.path("none"))
        .args(["check", "--", "reboot"])
        .go()
        .stdout_lacks("reboot-cuts-off-users");
}

/// Under a private /proc (safeop in a container, or `unshare --pid --mount-proc`) the pid of a
/// login is not listed, though its session is alive: it still counts, marked as a session
/// safeop cannot see, where the initial namespace's /proc shows it plainly.
#[test]
fn a_login_outside_this_pid_namespace_still_needs_the_hostname() {
    need_root!();
    need_tool!("unshare");
    let s = Scratch::new();
    // This test process stands for bob's login shell: alive, outside safeop's namespace.
    let live = std::process::id() as i32;
    let mut data = utmp_record(7, live, "pts/7", "bob", "10.0.0.5");
    data.extend(utmp_record(7, 4_194_305, "pts/8", "carol", "10.0.0.6"));
    let utmp = s.path("utmp");
    std::fs::write(&utmp, &data).expect("utmp");
    let mut c = std::process::Command::new("unshare");
    c.args(["--pid", "--kill-child", "--mount-proc"]).arg(BIN);
    let ran = Test::around(c)
        .env("SAFEOP_UTMP", &utmp)
        .args(["check", "--format", "json", "--", "reboot"])
        .go();
    ran.status(3);
    let out = ran.json();
    let hidden = |who: &str, pid: i32| {
        format!("{who} (a session safeop cannot see: pid {pid} is not in this /proc: /proc shows only the processes of one PID namespace (safeop runs in a container or under `unshare --pid`))")
    };
    // carol's pid may be stale or outside: from in here, no one can tell, so she counts too.
    assert_eq!(
        out["facts"]["facts"]["session.other_users"],
        serde_json::json!([
            hidden("bob on pts/7 from 10.0.0.5", live),
            hidden("carol on pts/8 from 10.0.0.6", 4_194_305)
        ])
    );
    let f = finding(&out, "reboot-cuts-off-users");
    assert_eq!(f["challenge"], "type-hostname");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("bob on pts/7 from 10.0.0.5 (a session safeop cannot see")),
        "{f}"
    );
    // From the initial namespace: bob is plainly there, carol's record is stale.
    let out = Test::new()
        .env("SAFEOP_UTMP", &utmp)
        .args(["check", "--format", "json", "--", "reboot"])
        .go()
        .json();
    assert_eq!(
        out["facts"]["facts"]["session.other_users"],
        serde_json::json!(["bob on pts/7 from 10.0.0.5"])
    );

    // A normal user under a /proc mounted with hidepid: bob's shell (root's) is hidden from it,
    // alive as kill(pid, 0) would say, and counts; carol's is still stale.
    need_tool!("setpriv");
    let w = World::new();
    let utmp = w.path("utmp");
    std::fs::write(&utmp, &data).expect("utmp");
    let mut c = std::process::Command::new("unshare");
    c.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount -t proc -o hidepid=invisible proc /proc && exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$@\"",
        "sh",
    ])
    .arg(&w.bin);
    let out = Test::around(c)
        .env_remove("SAFEOP_POLICY") // the checkout's fixture may be out of nobody's reach
        .env("HOME", w.dir.path())
        .env("XDG_CONFIG_HOME", w.path("config"))
        .env("SAFEOP_AUDIT_LOG", w.path("log/audit.jsonl"))
        .env("SAFEOP_UTMP", &utmp)
        .args(["check", "--format", "json", "--", "reboot"])
        .go()
        .json();
    assert_eq!(
        out["facts"]["facts"]["session.other_users"],
        serde_json::json!([
            format!("bob on pts/7 from 10.0.0.5 (a session safeop cannot see: pid {live} is not in this /proc: /proc hides other users' processes from this user (it is mounted with `hidepid`))"),
        ])
    );
}

#[test]
fn running_guests_need_the_hostname() {
    let s = Scratch::new();
    let bin = s.path("bin");
    stand_in(
        &bin,
        "virsh",
        &format!(
            "[ \"$*\" = 'list --name' ] || exit 1\ncat '{}'",
            fixture("libvirt/virsh-9.0.0-list-name.txt").display()
        ),
    );
    let ran = Test::new()
        .path_first(&bin)
        .args(["check", "--format", "json", "--", "poweroff"])
        .go();
    ran.status(3);
    let out = ran.json();
    let m = finding(&out, "reboot-stops-running-guests")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        m.starts_with("2 guest(s) running on") && m.ends_with("web01 (libvirt), db02 (libvirt)"),
        "{m}"
    );
    // A virsh that fails is a fact error, which the default policy treats as "needs a human".
    stand_in(
        &bin,
        "virsh",
        "echo 'error: failed to connect to the hypervisor' >&2\nexit 1",
    );
    let ran = Test::new()
        .path_first(&bin)
        .args(["check", "--format", "json", "--", "poweroff"])
        .go();
    ran.status(3);
    let f = finding(&ran.json(), "reboot-stops-running-guests").clone();
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("failed to connect to the hypervisor")),
        "{f}"
    );
}

#[test]
fn a_quiet_local_reboot_is_allowed() {
    need_tool!("mkfs.ext4");
    let s = Scratch::new();
    let root = sysroot(&s);
    // The fixture machine's ext4 filesystems, as real clean superblocks (mkfs'd image files in
    // place of the device nodes the superblock probe reads).
    for dev in ["dm-0", "sda1", "dm-1", "loop0", "zram0"] {
        let node = root.join("dev").join(dev);
        std::fs::create_dir_all(node.parent().expect("dev")).expect("mkdir dev");
        sh(&format!(
            "truncate -s 2M '{0}' && mkfs.ext4 -q -F '{0}'",
            node.display()
        ));
    }
    let quiet = || {
        Test::new()
            .env("SAFEOP_UTMP", s.path("none"))
            .env("SAFEOP_FSTAB", "/nonexistent")
            .env("PATH", "/nonexistent")
            .env("SAFEOP_SYSROOT", &root)
            .args(["check", "--", "reboot"])
            .go()
    };
    quiet().status(0);
    // A superblock that cannot be read may be due for a check: not silent, the reason shown.
    std::fs::remove_file(root.join("dev/sda1")).expect("rm");
    quiet()
        .status(3)
        .stdout_has("[fsck-due-on-reboot] could not determine `fsck.due`: superblock unreadable: /h-boot (/dev/sda1, ext4): open")
        .stdout_has("No such file or directory");
}

/// Clearing a build directory is not the night of mass deletes that kills a dying disk: a
/// recursive delete, copy or restore of a few hundred files never starts smartctl; 1,000
/// entries or more asks SMART, and a degraded disk makes it ask the person.
#[test]
fn small_deletes_copies_and_restores_never_wake_smartctl_and_mass_ones_ask() {
    let s = Scratch::new();
    let bin = s.path("bin");
    let log = s.path("smartctl.log");
    // Whatever disk the scratch dir lives on answers with a failing capture.
    failing_smartctl(&bin, &log);
    let tree = |name: &str, files: usize| {
        fill_dir(&s.path(name), files);
        s.p(name)
    };
    let (small, big) = (tree("build", 200), tree("spool", BULK_FILES));
    let ran = Test::new()
        .path_first(&bin)
        .args(["check", "--format", "json", "--", "rm", "-rf", &small])
        .go();
    ran.status(0);
    assert!(!log.exists(), "smartctl was started for a 200-file delete");
    assert_eq!(ran.json()["facts"]["facts"]["scale.entries"], 201);
    // nor for a small copy or restore
    let dst = s.path("restored");
    std::fs::create_dir_all(&dst).expect("mkdir");
    let tar = s.path("build.tar");
    sh(&format!(
        "tar -cf '{}' -C '{}' build",
        tar.display(),
        s.dir.path().display()
    ));
    for argv in [
        vec!["rsync", "-a", &small, dst.to_str().unwrap()],
        vec!["cp", "-a", &small, dst.to_str().unwrap()],
        vec![
            "tar",
            "-xf",
            tar.to_str().unwrap(),
            "-C",
            dst.to_str().unwrap(),
        ],
    ] {
        Test::new()
            .path_first(&bin)
            .args(["check", "--"])
            .args(&argv)
            .go()
            .status(0);
        assert!(!log.exists(), "smartctl was started for {argv:?}");
    }

    // (what disk is under the scratch dir, asked without the stand-in)
    let facts = Test::new().args(["facts", "--json", &big]).go().json();
    let devices = facts["paths"][&big]["disk.devices"].clone();
    if devices.as_array().is_none_or(|d| d.is_empty()) {
        eprintln!("SKIPPED the mass-delete half: the scratch dir is on no disk here ({devices})");
        return;
    }
    let ran = Test::new()
        .path_first(&bin)
        .args(["check", "--format", "json", "--", "rm", "-rf", &big])
        .go();
    let out = ran.json();
    ran.status(3);
    assert!(log.exists(), "smartctl was not asked about a mass delete");
    let m = finding(&out, "degraded-disk-bulk-delete")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        m.starts_with("mass delete on a degraded disk: ")
            && m.contains("entries to delete: 1,001;"),
        "{m}"
    );
    assert!(m.contains("1975 reallocated sectors"), "{m}");
    // a 1,000-file copy is bulk I/O on both sides
    Test::new()
        .path_first(&bin)
        .args(["check", "--", "rsync", "-a", &big, dst.to_str().unwrap()])
        .go()
        .status(3)
        .stdout_has("degraded-disk-bulk-io")
        .stdout_has("degraded-disk-bulk-read");
}

/// A disk whose SMART cannot be read is not a healthy disk: a mass delete on it warns and says
/// why (smartctl could not open the disk, printed garbage, or is missing), where a disk that has
/// no SMART at all (smartctl: "Unable to detect device type") is not applicable and stays silent.
#[test]
fn unreadable_smart_warns_with_the_reason_and_a_disk_without_smart_is_silent() {
    let s = Scratch::new();
    fill_dir(&s.path("spool"), BULK_FILES);
    let big = s.p("spool");
    let ask = |script: &str| {
        let bin = s.path(&format!("bin-{}", blake3::hash(script.as_bytes()).to_hex()));
        stand_in(&bin, "smartctl", script);
        Test::new()
            .path_first(&bin)
            .args(["check", "--", "rm", "-rf", &big])
            .go()
    };
    for (script, why) in [
        (
            r#"echo '{"smartctl":{"exit_status":2,"messages":[{"string":"Smartctl open device: /dev/sdq failed: Permission denied","severity":"error"}]}}'; exit 2"#,
            "Smartctl open device: /dev/sdq failed: Permission denied",
        ),
        ("echo 'garbage'; exit 0", "output not JSON"),
    ] {
        let r = ask(script);
        r.status(0)
            .stdout_has("warn: rm -rf")
            .stdout_has("[degraded-disk-bulk-delete] could not determine `target.disk.smart.degraded`: SMART health unreadable:")
            .stdout_has(why);
    }
    let r = ask(
        r#"echo '{"smartctl":{"exit_status":1,"messages":[{"string":"/dev/vda: Unable to detect device type","severity":"error"}]}}'; exit 1"#,
    );
    r.status(0)
        .stdout_has("allow: rm -rf")
        .stdout_lacks("degraded-disk");
    assert!(s.path("spool").exists(), "check deletes nothing");
}

/// A walk that runs out of time is a floor, not a count: on a starved CPU or a dying disk (where
/// walks *are* slow) a mass delete counted a few hundred entries, never asked SMART and was
/// allowed. Here the walk is made slow for real (5,000 files, a 1 ms limit through the
/// test-only hook): on a degraded disk it asks and says the count is a floor; on a healthy
/// disk nothing more is said; where SMART cannot be read it warns, as for any bulk job.
#[test]
fn a_walk_stopped_by_the_clock_counts_as_bulk_and_a_degraded_disk_asks() {
    let s = Scratch::new();
    for d in 0..50 {
        fill_dir(&s.path(&format!("spool/d{d}")), 100);
    }
    let big = s.p("spool");
    let facts = Test::new().args(["facts", "--json", &big]).go().json();
    let devices = facts["paths"][&big]["disk.devices"].clone();
    if devices.as_array().is_none_or(|d| d.is_empty()) {
        eprintln!("SKIPPED: the scratch dir is on no disk here ({devices})");
        return;
    }
    let bin = s.path("bin");
    let log = s.path("smartctl.log");
    failing_smartctl(&bin, &log);
    let slow = |bin: &Path, argv: &[&str]| {
        Test::new()
            .env("SAFEOP_WALK_LIMIT_MS", "1")
            .path_first(bin)
            .args(["check", "--format", "json", "--"])
            .args(argv)
            .go()
    };
    let ran = slow(&bin, &["rm", "-rf", &big]);
    ran.status(3);
    assert!(
        log.exists(),
        "smartctl was not asked about a delete whose walk ran out of time"
    );
    let out = ran.json();
    let entries = &out["facts"]["facts"]["scale.entries"]["$unknown"];
    let why = entries
        .as_str()
        .unwrap_or_else(|| panic!("scale.entries is not failed: {out:#}"));
    assert!(
        why.starts_with("the walk stopped after 1 ms at ")
            && why.ends_with(" entries: the tree may be much bigger"),
        "{why}"
    );
    let m = finding(&out, "degraded-disk-bulk-delete")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        m.contains(&format!("entries to delete: unknown ({why})")),
        "{m}"
    );
    assert!(m.contains("1975 reallocated sectors"), "{m}");
    // a copy of it is bulk I/O as well
    let dst = s.path("copy");
    std::fs::create_dir_all(&dst).expect("mkdir");
    let r = slow(&bin, &["rsync", "-a", &big, dst.to_str().expect("utf-8")]);
    r.status(3);
    finding(&r.json(), "degraded-disk-bulk-io");
    // a healthy disk: nothing more than without the clock
    let healthy = s.path("bin-healthy");
    stand_in(
        &healthy,
        "smartctl",
        &format!("cat '{}'", cap("ata-healthy-wdc-wd20efrx.json").display()),
    );
    let r = slow(&healthy, &["rm", "-rf", &big]);
    r.status(0);
    assert_eq!(rules(&r.json()), Vec::<String>::new());
    // SMART that cannot be read: a warning naming why, as for a big tree
    let garbage = s.path("bin-garbage");
    stand_in(&garbage, "smartctl", "echo garbage");
    let r = slow(&garbage, &["rm", "-rf", &big]);
    r.status(0);
    let f = finding(&r.json(), "degraded-disk-bulk-delete").clone();
    assert_eq!(f["verdict"], "warn", "{f}");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("SMART health unreadable")),
        "{f}"
    );
    // without the short limit the same tree is counted in full
    let r = Test::new()
        .path_first(&bin)
        .args(["check", "--format", "json", "--", "rm", "-rf", &big])
        .go();
    assert_eq!(r.json()["facts"]["facts"]["scale.entries"], 5051);
}
