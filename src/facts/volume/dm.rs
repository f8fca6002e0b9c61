//! Device-mapper devices, from sysfs: `/sys/block/dm-N/dm/name` (the name under
//! `/dev/mapper/`), `dm/uuid` (`LVM-…` for LVM, `CRYPT-…` for dm-crypt) and `dev` (its number).

use super::{block_in_use, Facts, PathSubject, Volume};
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// One device-mapper device.
#[derive(Debug, Clone, PartialEq)]
pub struct DmDevice {
    /// `dm-3`.
    pub kernel: String,
    /// `vg0-data`.
    pub name: String,
    pub uuid: String,
    pub device: (u32, u32),
}

/// Every device-mapper device sysfs lists (none when there is no device-mapper).
pub fn devices(f: &Facts) -> Vec<DmDevice> {
    let Ok(rd) = std::fs::read_dir(f.sys("/sys/block")) else {
        return Vec::new();
    };
    let mut out: Vec<DmDevice> = rd
        .flatten()
        .filter_map(|e| {
            let kernel = e.file_name().to_string_lossy().into_owned();
            if !kernel.starts_with("dm-") {
                return None;
            }
            let dir = e.path();
            let read = |p: &str| {
                std::fs::read_to_string(dir.join(p))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default()
            };
            let dev = read("dev");
            let (a, b) = dev.split_once(':')?;
            Some(DmDevice {
                name: read("dm/name"),
                uuid: read("dm/uuid"),
                device: (a.parse().ok()?, b.parse().ok()?),
                kernel,
            })
        })
        .collect();
    out.sort_by(|a, b| a.kernel.cmp(&b.kernel));
    out
}

/// The mapping a `dmsetup` operand names (`/dev/mapper/NAME`, or a device path), or every
/// mapping (`remove_all`), with what is live on it. `None`: no such mapping is active.
pub fn find(f: &Facts, s: &PathSubject, all: bool) -> Result<Option<Volume>, String> {
    let arg = s.arg.as_str();
    let list = devices(f);
    let number = std::fs::metadata(&s.abs)
        .ok()
        .filter(|m| m.file_type().is_block_device())
        .map(|m| {
            (
                nix::sys::stat::major(m.rdev()) as u32,
                nix::sys::stat::minor(m.rdev()) as u32,
            )
        });
    let name = arg.strip_prefix("/dev/mapper/").unwrap_or(arg);
    let hit: Vec<&DmDevice> = list
        .iter()
        .filter(|d| all || d.name == name || Some(d.device) == number)
        .collect();
    if hit.is_empty() {
        return Ok(None);
    }
    let what = if all {
        "every device-mapper mapping".to_string()
    } else {
        let d = hit[0];
        format!("device-mapper {} ({})", d.name, d.kernel)
    };
    let mut in_use = Vec::new();
    for d in hit {
        let (a, b) = d.device;
        let label = format!("{} ({})", d.name, d.kernel);
        in_use.extend(block_in_use(
            f,
            nix::sys::stat::makedev(a.into(), b.into()),
            &label,
        )?);
    }
    Ok(Some(Volume { name: what, in_use }))
}
