//! Volumes built on block devices, and what lives on them: LVM logical volumes and volume
//! groups, device-mapper mappings, ZFS pools and datasets (and the devices a pool is made of),
//! and the on-disk signatures that mark a device as somebody's volume member (an LVM2 physical
//! volume, a LUKS header, an md RAID superblock, a ZFS label) even when nothing has it open.
//!
//! A volume is looked up the way the command names it: the operands of the LVM commands are
//! LVM names (`/dev/VG/LV`, `/dev/VG`), those of `dmsetup` mapping names, those of `zfs` and
//! `zpool` dataset and pool names (the parsers say so; `command/lvm.rs`, `dmsetup.rs`,
//! `zfs.rs`). What is live on a volume is then read from the kernel by device number: mounts
//! (`/proc/self/mountinfo`), holders (`/sys/dev/block/M:m/holders`), active swap
//! (`/proc/swaps`); LVM adds its own "open" flag. Nothing here writes or opens a device for
//! writing.

use super::{answer, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope};
use crate::text::bytes;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

pub mod dm;
pub mod lvm;
pub mod signature;
pub mod thin;
pub mod zfs;

/// A volume the target names, and what is live on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Volume {
    /// What it is, for messages: `LVM volume vg0/data`, `ZFS dataset tank/home`.
    pub name: String,
    /// One sentence per use: `vg0/data is mounted on /srv`.
    pub in_use: Vec<String>,
}

/// The LVM commands, whose operands are LVM names.
const LVM_TOOLS: &[&str] = &[
    "lvm",
    "pvcreate",
    "pvremove",
    "vgremove",
    "lvremove",
    "lvreduce",
    "lvresize",
    "lvconvert",
    // `ceph-volume lvm zap VG/LV` names an LV as LVM does.
    "ceph-volume",
];

fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let tool = f.op.tool.as_str();
    let arg = s.arg.as_str();
    let found = if LVM_TOOLS.contains(&tool) {
        lvm::find(f, s, f.op.has("merge"))?
    } else if tool == "dmsetup" {
        dm::find(f, s, f.op.has("all"))?
    } else if matches!(tool, "zfs" | "zpool") && !arg.starts_with('/') {
        Some(zfs::dataset(f, arg, tool == "zpool")?)
    } else {
        None
    };
    Ok(match found {
        Some(v) => answer([
            ("volume.name", v.name.into()),
            (
                "volume.in_use",
                v.in_use
                    .into_iter()
                    .map(Value::from)
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ]),
        None => answer([("volume.name", Value::Null), ("volume.in_use", Value::Null)]),
    })
}

/// The imported ZFS pools a block device (or a partition of it) belongs to. ZFS claims its
/// devices without a `holders/` entry, so this is the one place that says so.
fn zfs_device_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let abs = super::path::resolve(f, s);
    let pools = match std::fs::metadata(&abs) {
        Ok(m) if m.file_type().is_block_device() => zfs::pools_of_device(f, m.rdev())?,
        _ => None,
    };
    Ok(answer([(
        "device.zfs_pools",
        pools.map_or(Value::Null, |p| {
            p.into_iter().map(Value::from).collect::<Vec<_>>().into()
        }),
    )]))
}

/// What is live on block device `rdev`, each as `LABEL is …`: mounted (it or a partition of
/// it), held by a stacking driver, active swap.
pub fn block_in_use(f: &Facts, rdev: u64, label: &str) -> Result<Vec<String>, String> {
    let (maj, min) = (
        nix::sys::stat::major(rdev) as u32,
        nix::sys::stat::minor(rdev) as u32,
    );
    let (kname, devs, _) = super::mounts::device_and_partitions(f, maj, min);
    let mut out = Vec::new();
    for m in super::mounts::cached(f)?.iter() {
        if devs.contains(&(m.major, m.minor)) {
            out.push(format!("{label} is mounted on {}", m.mount_point));
        }
    }
    // A device the kernel does not list in sysfs has no holders to show.
    if let Ok(list) = super::inuse::holders::holders(f, rdev) {
        for h in list {
            out.push(format!("{label} is held by {h}"));
        }
    }
    let swaps = f.sys("/proc/swaps");
    if let Ok(text) = std::fs::read_to_string(&swaps) {
        for sw in super::inuse::swaps::parse(&text) {
            let by_name = !kname.is_empty() && sw.filename == format!("/dev/{kname}");
            let by_number = std::fs::metadata(bytes::path(&sw.filename))
                .is_ok_and(|m| m.file_type().is_block_device() && m.rdev() == rdev);
            if by_name || by_number {
                out.push(format!("{label} is active swap"));
            }
        }
    }
    Ok(out)
}

static VOLUME: Probe = Probe {
    id: "volume",
    run: ProbeFn::Path(probe),
    pure: false,
};
static ZFS_DEVICE: Probe = Probe {
    id: "zfs_device",
    run: ProbeFn::Path(zfs_device_probe),
    pure: false,
};
static SIGNATURE: Probe = Probe {
    id: "signature",
    run: ProbeFn::Path(signature::probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "volume.name", scope: Scope::Path, probe: &VOLUME, ty: "string", doc: "## What it tells\nThe volume the path names, for messages: `LVM volume vg0/data`, `LVM group vg0`, `device-mapper vg0-data (dm-0)`, `ZFS dataset tank/home`, `ZFS pool tank`.\n## How it is found\nBy the command's own naming: the operands of the LVM commands (`lvremove`, `vgremove`, `lvreduce`, `lvresize`, `lvconvert`, `pvcreate`, `pvremove`, `lvm`) are looked up in `lvs --reportformat json` (or, without `lvs`, among the device-mapper devices whose uuid starts `LVM-`, their names split the way LVM joins them: `my--vg-data` is `my-vg/data`); `dmsetup`'s in `/sys/block/dm-*/dm/name`; `zfs`'s and `zpool`'s among the mounted ZFS filesystems (mountinfo: a ZFS mount's source is its dataset) and `/dev/zvol/`.\n## When it is unknown\n`null` when the path names no volume (or `lvs` is not installed and sysfs knows of no such LV); a fact error when `lvs` fails.\n## Example\n`lvremove vg0/data` → `LVM volume vg0/data`." },
    FactDef { name: "volume.in_use", scope: Scope::Path, probe: &VOLUME, ty: "list", doc: "## What it tells\nWhat is live on the volume the path names, one sentence each: a mounted filesystem (on an LV, any LV of a group, a dataset or its descendants and snapshots, a zvol), a holder built on it (LUKS, another LV, md), active swap, an LV that LVM reports open (a guest's disk, a process). For `lvconvert --merge` the snapshot's origin counts too: the merge writes the origin back. Removing, shrinking or writing over such a volume takes the data from under its user.\n## How it is found\nAs `volume.name`; then by device number: `major:minor` (and the partitions') in /proc/self/mountinfo, `/sys/dev/block/M:m/holders/`, `/proc/swaps`, and the sixth `lv_attr` letter (`o`) of `lvs`.\n## When it is unknown\n`null` when the path names no volume; an empty list when nothing uses it; a fact error as `volume.name`.\n## Example\n`[vg0/data is mounted on /srv]`." },
    FactDef { name: "device.zfs_pools", scope: Scope::Path, probe: &ZFS_DEVICE, ty: "list", doc: "## What it tells\nThe imported ZFS pools a block device, or a partition of it, is a device of. ZFS holds its devices open exclusively but registers no `holders/` entry, so `device.holders` does not show them: a `dd` onto a pool's disk is seen here or nowhere.\n## How it is found\n`zpool status -P` (run once per run, only when `zpool` is installed and the path is a block device): each device path of each pool's `config:` table, stat'ed and compared by device number with the target and its partitions (sysfs).\n## When it is unknown\n`null` when the path is not a block device, no pool uses it or `zpool` is not installed; a fact error when `zpool status` fails.\n## Example\n`/dev/sdc` in a mirror of pool `tank` → `[tank]`." },
    FactDef { name: "signature.type", scope: Scope::Path, probe: &SIGNATURE, ty: "string", doc: "## What it tells\nWhich volume-member signature a block device or image file carries, in blkid's names: `LVM2_member` (an LVM2 physical volume), `crypto_LUKS` (a LUKS header), `linux_raid_member` (an md RAID superblock), `zfs_member` (a ZFS vdev label). Such a device is somebody's data even when nothing has it open: a volume group not activated, a LUKS volume not opened, an array not assembled, a pool not imported.\n## How it is found\nThe signature bytes themselves, read-only, at the places the formats define them: LUKS `LUKS\\xba\\xbe` at byte 0; LVM2 `LABELONE` with `LVM2 001` 24 bytes on, in one of the first four sectors; md's magic `a92b4efc` with its own super_offset at byte 4096 (1.2), 0 (1.1), 8–12 KiB before the end (1.0), and major version 0 at the last 64 KiB boundary but one (0.90); ZFS's uberblock magic `0x00bab10c` in the uberblock ring of label 0 (bytes 128–256 KiB; only on devices of 64 MiB or more, ZFS's smallest). No helper program runs (`blkid -p` reads the same places).\n## When it is unknown\n`null` for paths that are not a block device or regular file, missing paths, device nodes with no device or medium behind them (ENXIO, ENODEV, ENOMEDIUM) and devices with none of these signatures; a fact error when the device cannot be read otherwise (no permission).\n## Example\nA disk that `pvcreate` once labelled → `LVM2_member`." },
    FactDef { name: "signature.what", scope: Scope::Path, probe: &SIGNATURE, ty: "string", doc: "## What it tells\n`signature.type` in words, with where it was found, for messages.\n## How it is found\nAs `signature.type`.\n## When it is unknown\nAs `signature.type`.\n## Example\n`an LVM2 physical volume label (LABELONE in sector 1)`." },
];
