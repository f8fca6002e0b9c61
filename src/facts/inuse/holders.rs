//! Block devices claimed by the kernel's stacking drivers: device-mapper (LVM, dm-crypt,
//! multipath), md RAID and bcache register themselves in `/sys/block/DEV/holders/` of each
//! member, and in `/sys/block/DEV/PART/holders/` of each member partition. Writing to a member
//! corrupts the array or volume above it. (A mounted filesystem does not appear there: that is
//! `device.mounted`.)

use super::super::{answer, Facts, PathSubject, ProbeResult};
use super::identity;
use serde_json::Value;
use std::path::Path;

/// The names in one `holders/` directory, with the dm name where there is one: `dm-0 (vg0-data)`.
fn holders_in(f: &Facts, dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir.join("holders")) else {
        return Vec::new();
    };
    let mut out: Vec<String> = rd
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let dm = std::fs::read_to_string(f.sys(&format!("/sys/block/{name}/dm/name"))).ok();
            match dm.map(|d| d.trim().to_string()).filter(|d| !d.is_empty()) {
                Some(d) => format!("{name} ({d})"),
                None => name,
            }
        })
        .collect();
    out.sort();
    out
}

/// The holders of a block device and of its partitions, as `holder` or `holder on partition`.
pub fn holders(f: &Facts, rdev: u64) -> Result<Vec<String>, String> {
    let (maj, min) = (nix::sys::stat::major(rdev), nix::sys::stat::minor(rdev));
    let link = f.sys(&format!("/sys/dev/block/{maj}:{min}"));
    if !link.exists() {
        return Err(format!(
            "`{}` is missing: the device is not known to sysfs",
            link.display()
        ));
    }
    let mut out = holders_in(f, &link);
    let mut parts: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&link)
        .map_err(|e| format!("read `{}`: {e}", link.display()))?
        .flatten()
        .filter(|e| e.path().join("partition").exists())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    parts.sort();
    for (name, dir) in parts {
        out.extend(
            holders_in(f, &dir)
                .into_iter()
                .map(|h| format!("{h} on {name}")),
        );
    }
    Ok(out)
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let Some(rdev) = identity::of(f, s)?.and_then(|id| id.block) else {
        return Ok(answer([("device.holders", Value::Null)]));
    };
    let list = holders(f, rdev)?;
    Ok(answer([(
        "device.holders",
        list.into_iter().map(Value::from).collect::<Vec<_>>().into(),
    )]))
}
