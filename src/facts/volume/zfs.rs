//! ZFS: datasets and pools by name, and the devices an imported pool is made of.
//!
//! A mounted ZFS filesystem shows in /proc/self/mountinfo with type `zfs` and its dataset as
//! the source (`rpool/ROOT/debian`), so which datasets are mounted needs no helper. A zvol is
//! `/dev/zvol/POOL/NAME`, a link to its `/dev/zdN`. Which devices a pool is built on only ZFS
//! knows: `zpool status -P` (full paths), run once per run when a rule asks and `zpool` is
//! installed. ZFS holds its devices open exclusively but registers no `holders/` entry, so a
//! `dd` onto a pool's device is seen here or nowhere.

use super::{block_in_use, Facts, Volume};
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// The datasets a `zfs`/`zpool` operand reaches (a pool: all of it; a dataset: it, its
/// descendants and snapshots; a snapshot: itself), with what is mounted of them.
pub fn dataset(f: &Facts, name: &str, pool: bool) -> Result<Volume, String> {
    let what = if pool {
        format!("ZFS pool {name}")
    } else if name.contains('@') {
        format!("ZFS snapshot {name}")
    } else {
        format!("ZFS dataset {name}")
    };
    let reaches = |source: &str| {
        source == name
            || source.strip_prefix(name).is_some_and(|rest| {
                !name.contains('@') && (rest.starts_with('/') || rest.starts_with('@'))
            })
    };
    let mut in_use = Vec::new();
    for m in super::super::mounts::cached(f)?.iter() {
        if m.fstype == "zfs" && reaches(&m.source) {
            in_use.push(format!("{} is mounted on {}", m.source, m.mount_point));
        }
    }
    let zvol = f.sys(&format!("/dev/zvol/{name}"));
    if let Ok(meta) = std::fs::metadata(&zvol) {
        if meta.file_type().is_block_device() {
            in_use.extend(block_in_use(f, meta.rdev(), &format!("zvol {name}"))?);
        }
    }
    Ok(Volume { name: what, in_use })
}

/// One device of an imported pool, as `zpool status -P` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vdev {
    pub pool: String,
    pub path: String,
}

/// The words in a `config:` table that are vdev groups, not devices.
fn is_group(word: &str) -> bool {
    let base = word.split('-').next().unwrap_or(word);
    matches!(
        base,
        "mirror"
            | "raidz1"
            | "raidz2"
            | "raidz3"
            | "raidz"
            | "logs"
            | "cache"
            | "spares"
            | "special"
            | "dedup"
            | "replacing"
            | "spare"
            | "NAME"
    ) || base.starts_with("draid")
}

/// Parses `zpool status [-P]`: each `pool:` block's `config:` table up to `errors:`; a device
/// is a row's first word that is neither the pool, a group (`mirror-0`, `raidz2-1`, `logs`…)
/// nor the header. A word without a `/` (no `-P`) is taken as the name under `/dev` zpool
/// shows for it.
pub fn parse_status(text: &str) -> Vec<Vdev> {
    let mut out = Vec::new();
    let mut pool = String::new();
    let mut in_config = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(p) = t.strip_prefix("pool:") {
            pool = p.trim().to_string();
            in_config = false;
            continue;
        }
        if t == "config:" {
            in_config = true;
            continue;
        }
        if t.starts_with("errors:") {
            in_config = false;
            continue;
        }
        if !in_config || t.is_empty() {
            continue;
        }
        let Some(word) = t.split_whitespace().next() else {
            continue;
        };
        if word == pool || is_group(word) {
            continue;
        }
        let path = if word.starts_with('/') {
            word.to_string()
        } else {
            format!("/dev/{word}")
        };
        out.push(Vdev {
            pool: pool.clone(),
            path,
        });
    }
    out
}

fn vdevs(_: &Facts) -> Result<Option<Vec<Vdev>>, String> {
    Ok(super::super::inuse::helper::run("zpool", &["status", "-P"])?.map(|out| parse_status(&out)))
}

/// The imported pools block device `rdev` (or a partition of it) belongs to; `None` when
/// `zpool` is not installed.
pub fn pools_of_device(f: &Facts, rdev: u64) -> Result<Option<Vec<String>>, String> {
    let memo = f.memo("zpool_vdevs", vdevs);
    let list = match memo.as_ref() {
        Ok(Some(l)) => l,
        Ok(None) => return Ok(None),
        Err(e) => return Err(e.clone()),
    };
    let (maj, min) = (
        nix::sys::stat::major(rdev) as u32,
        nix::sys::stat::minor(rdev) as u32,
    );
    let (_, devs, _) = super::super::mounts::device_and_partitions(f, maj, min);
    let mut pools: Vec<String> = Vec::new();
    for v in list {
        let Ok(m) = std::fs::metadata(crate::text::bytes::path(&v.path)) else {
            continue;
        };
        if !m.file_type().is_block_device() {
            continue;
        }
        let n = (
            nix::sys::stat::major(m.rdev()) as u32,
            nix::sys::stat::minor(m.rdev()) as u32,
        );
        if devs.contains(&n) && !pools.contains(&v.pool) {
            pools.push(v.pool.clone());
        }
    }
    Ok((!pools.is_empty()).then_some(pools))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `zpool status` as reported in openzfs/zfs#2450 (tests/fixtures/volume/README.md).
    #[test]
    fn parses_a_real_status() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/volume/zpool-status-openzfs-2450.txt"
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let v = parse_status(&text);
        let paths: Vec<&str> = v.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["/dev/sdc", "/dev/sdd", "/dev/sda3", "/dev/sdb3"]);
        assert!(v.iter().all(|d| d.pool == "tank"));
    }

    #[test]
    fn full_paths_and_groups() {
        let text = "  pool: zroot\n state: ONLINE\nconfig:\n\tNAME              STATE     READ WRITE CKSUM\n\tzroot             ONLINE       0     0     0\n\t  raidz2-0        ONLINE       0     0     0\n\t    /dev/da0p2.eli  ONLINE       0     0     0\n\tlogs\n\t  /dev/nvme0n1p1  ONLINE       0     0     0\n\nerrors: No known data errors\n";
        let v = parse_status(text);
        assert_eq!(
            v.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(),
            ["/dev/da0p2.eli", "/dev/nvme0n1p1"]
        );
    }
}
