//! From a path to the physical disks under it: path → filesystem (mountinfo) → block device →
//! whole disk(s), through partitions (`partition`, parent directory in sysfs), device-mapper and
//! LVM and md RAID (`slaves/`), and loop devices (their backing file, which lives on some other
//! filesystem, followed again).
//!
//! Everything is read from sysfs below [`Facts::sys`]: `/sys/dev/block/MAJ:MIN` (a link into
//! `/sys/devices/…/block/DISK[/PART]`), `/sys/class/block/NAME/{partition,slaves/,loop/backing_file}`.
//! This module only maps; it does not ask the disks anything (that is `smart.rs`).

use super::{
    answer, mounts, path::resolve, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope,
};
use crate::text::bytes;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// How deep loop-on-file-on-dm-on-md… chains are followed before giving up.
const MAX_DEPTH: usize = 12;

/// The disks under one path and the way there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiskMap {
    /// Kernel names of the whole disks at the bottom (`sda`, `nvme0n1`, `vda`), in order found.
    pub disks: Vec<String>,
    /// The layers walked, for people: `dm-0 → md0 → sda2, sdb2 → sda, sdb`.
    pub chain: Vec<String>,
    /// Why there is no disk (tmpfs, network filesystem, a loop with no backing file …).
    pub note: Option<String>,
}

/// `/dev/NAME` for a sysfs block name (`cciss!c0d0` → `/dev/cciss/c0d0`).
pub fn dev_path(name: &str) -> String {
    format!("/dev/{}", name.replace('!', "/"))
}

/// The disks under `path`: the filesystem it lives on, or the block device it is.
pub fn disks_under(f: &Facts, path: &Path) -> Result<DiskMap, String> {
    let mut map = DiskMap::default();
    walk_path(f, path, &mut map, 0)?;
    Ok(map)
}

fn walk_path(f: &Facts, path: &Path, map: &mut DiskMap, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "more than {MAX_DEPTH} layers of devices under `{}`",
            bytes::show_path(path)
        ));
    }
    // A block device node is its own device.
    if let Ok(m) = std::fs::metadata(path) {
        if m.file_type().is_block_device() {
            let (ma, mi) = (
                nix::sys::stat::major(m.rdev()) as u32,
                nix::sys::stat::minor(m.rdev()) as u32,
            );
            return walk_number(f, ma, mi, map, depth);
        }
    }
    let all = mounts::cached(f)?;
    let Some(m) = mounts::containing(&all, path) else {
        map.note
            .get_or_insert_with(|| format!("no mount contains `{}`", bytes::encode_path(path)));
        return Ok(());
    };
    let (mut ma, mut mi) = (m.major, m.minor);
    if ma == 0 {
        // btrfs and some others show an anonymous device number; the source names the device.
        let src = f.sys(&m.source);
        match std::fs::metadata(&src) {
            Ok(md) if m.source.starts_with("/dev/") && md.file_type().is_block_device() => {
                ma = nix::sys::stat::major(md.rdev()) as u32;
                mi = nix::sys::stat::minor(md.rdev()) as u32;
            }
            _ => {
                map.note.get_or_insert_with(|| {
                    format!(
                        "`{}` is {} (`{}`): no block device underneath",
                        m.mount_point, m.fstype, m.source
                    )
                });
                return Ok(());
            }
        }
    }
    map.chain.push(format!("{} on {}", m.mount_point, m.source));
    walk_number(f, ma, mi, map, depth)
}

fn walk_number(
    f: &Facts,
    major: u32,
    minor: u32,
    map: &mut DiskMap,
    depth: usize,
) -> Result<(), String> {
    let link = f.sys(&format!("/sys/dev/block/{major}:{minor}"));
    let real = std::fs::canonicalize(&link)
        .map_err(|e| format!("block device {major}:{minor}: `{}`: {e}", link.display()))?;
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            format!(
                "block device {major}:{minor}: odd sysfs path `{}`",
                real.display()
            )
        })?;
    walk_name(f, &name, Some(real), map, depth)
}

/// Follows one block device by kernel name. `real` is its directory under /sys/devices when known.
fn walk_name(
    f: &Facts,
    name: &str,
    real: Option<PathBuf>,
    map: &mut DiskMap,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "more than {MAX_DEPTH} layers of devices under `{name}`"
        ));
    }
    let dir = match real {
        Some(r) => r,
        None => {
            let l = f.sys(&format!("/sys/class/block/{name}"));
            std::fs::canonicalize(&l).map_err(|e| format!("`{}`: {e}", l.display()))?
        }
    };
    // A partition: its parent directory is the whole disk.
    if dir.join("partition").exists() {
        let parent = dir
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("partition `{name}` has no parent in sysfs"))?;
        map.chain.push(format!("{name} is a partition of {parent}"));
        return walk_name(
            f,
            &parent,
            dir.parent().map(Path::to_path_buf),
            map,
            depth + 1,
        );
    }
    // A loop device: the disks under its backing file.
    if dir.join("loop").is_dir() || name.starts_with("loop") {
        let bf = bytes::read(&dir.join("loop/backing_file")).unwrap_or_default();
        let bf = bf.trim_end_matches('\n');
        let bf = bf.strip_suffix(" (deleted)").unwrap_or(bf);
        if bf.is_empty() {
            map.note
                .get_or_insert_with(|| format!("{name} has no backing file"));
            return Ok(());
        }
        map.chain.push(format!("{name} is backed by {bf}"));
        return walk_path(f, &bytes::path(bf), map, depth + 1);
    }
    // dm (LVM, crypt, multipath), md RAID, bcache: the devices it is built on.
    let mut slaves: Vec<String> = std::fs::read_dir(dir.join("slaves"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if !slaves.is_empty() {
        slaves.sort();
        map.chain
            .push(format!("{name} is built on {}", slaves.join(", ")));
        for s in slaves {
            walk_name(f, &s, None, map, depth + 1)?;
        }
        return Ok(());
    }
    if !map.disks.iter().any(|d| d == name) {
        map.disks.push(name.to_string());
    }
    Ok(())
}

fn disk_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let path = resolve(f, s);
    let map = disks_under(f, &path)?;
    let devices: Vec<Value> = map.disks.iter().map(|d| Value::from(dev_path(d))).collect();
    let mut chain = map.chain.join("; ");
    if let Some(n) = &map.note {
        if !chain.is_empty() {
            chain.push_str("; ");
        }
        chain.push_str(n);
    }
    Ok(answer([
        ("disk.devices", devices.into()),
        ("disk.chain", chain.into()),
    ]))
}

static DISK: Probe = Probe {
    id: "disk",
    run: ProbeFn::Path(disk_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "disk.devices", scope: Scope::Path, probe: &DISK, ty: "list", doc: "## What it tells\nThe whole physical disks a path's data lives on, at the bottom of every layer: `/srv/mail/x` on an LVM volume on an md RAID1 of `sda2` and `sdb2` → `[/dev/sda, /dev/sdb]`.\n## How it is found\nThe filesystem holding the path (/proc/self/mountinfo, longest prefix; for btrfs's anonymous device numbers the mount source), its `major:minor` through /sys/dev/block to the device's sysfs directory; then down: a partition (a `partition` file) to its parent disk, a dm/LVM/crypt/md device to each entry of its `slaves/`, a loop device to the filesystem of its `loop/backing_file`, until whole disks remain. A block-device path starts from the device itself.\n## When it is unknown\nA fact error when sysfs or mountinfo cannot be read or the chain is deeper than 12 layers. Empty when the path is on tmpfs, a network or other device-less filesystem, or a loop device with no backing file (`disk.chain` says which).\n## Example\n`/srv/img/a` on `/dev/loop3` backed by `/var/lib/images/a.img` on `/dev/vda` → `[/dev/vda]`." },
    FactDef { name: "disk.chain", scope: Scope::Path, probe: &DISK, ty: "string", doc: "## What it tells\nHow `disk.devices` was reached, for messages: each mount and device layer walked.\n## How it is found\nAs `disk.devices`.\n## When it is unknown\nA fact error when `disk.devices` is one.\n## Example\n`/srv on /dev/mapper/vg-srv; dm-0 is built on md0; md0 is built on sda2, sdb2; sda2 is a partition of sda; sdb2 is a partition of sdb`." },
];
