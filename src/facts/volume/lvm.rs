//! LVM logical volumes: which ones an LVM name reaches, and their device numbers.
//!
//! `lvs --reportformat json` lists every LV with its group, paths, attributes, kernel device
//! number (`-1` while inactive) and snapshot origin; it is run once per run, only when a rule
//! asks. Without `lvs` installed, the active LVs are read from sysfs instead: device-mapper
//! devices whose `dm/uuid` starts `LVM-`, their `dm/name` split where LVM joined group and
//! volume with a single `-` (a `-` inside either is doubled: `my--vg-my--lv`).

use super::{block_in_use, Facts, PathSubject, Volume};
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// One logical volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Lv {
    pub vg: String,
    pub name: String,
    /// `/dev/VG/LV` and `/dev/mapper/VG-LV`.
    pub path: String,
    pub dm_path: String,
    /// `lv_attr`, e.g. `-wi-ao----` (empty when read from sysfs).
    pub attr: String,
    /// Kernel device number while active.
    pub device: Option<(u32, u32)>,
    /// The origin of a snapshot (same group), empty otherwise.
    pub origin: String,
    /// `segtype`: `linear`, `striped`, `thin`, `thin-pool`, `raid1` … (empty from sysfs).
    pub segtype: String,
    /// The thin pool of a thin volume (same group), empty otherwise.
    pub pool_lv: String,
    /// `lv_size` in bytes.
    pub size: Option<u64>,
    /// A thin pool's (or thin volume's, snapshot's) `data_percent`, `metadata_percent`: empty
    /// while it is inactive, and for other segment types.
    pub data_pct: Option<f64>,
    pub metadata_pct: Option<f64>,
    /// Listed by `lvs` (not read from sysfs, which knows no segment types or pools).
    pub from_lvs: bool,
}

impl Lv {
    pub fn full(&self) -> String {
        format!("{}/{}", self.vg, self.name)
    }

    /// LVM's `lv_attr` sixth letter: `o` while the device is open.
    fn open(&self) -> bool {
        self.attr.chars().nth(5) == Some('o')
    }
}

/// The fields safeop asks `lvs` for, sizes in bytes (`--units b --nosuffix`): one call per run
/// answers both the volume facts and the thin-pool ones (`thin`).
pub const LVS_ARGS: &[&str] = &[
    "--reportformat",
    "json",
    "--units",
    "b",
    "--nosuffix",
    "-o",
    "vg_name,lv_name,lv_path,lv_dm_path,lv_attr,lv_kernel_major,lv_kernel_minor,origin,segtype,pool_lv,lv_size,data_percent,metadata_percent",
];

/// An `lvs` size: bytes with `--units b --nosuffix` (`33554432`); with a unit as lvs prints
/// them otherwise (`1020.00m`, `<10.00g`: lower case 1024-based, upper case 1000-based, `s`
/// sectors of 512 bytes; `<` or `>` marks a rounded figure).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().trim_start_matches(['<', '>']);
    let (num, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], Some(c)),
        _ => (s, None),
    };
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let times: f64 = match unit {
        None | Some('b' | 'B') => 1.0,
        Some('s' | 'S') => 512.0,
        Some(c) => {
            let exp = "kmgtpe".find(c.to_ascii_lowercase())? as i32 + 1;
            let base: f64 = if c.is_ascii_lowercase() {
                1024.0
            } else {
                1000.0
            };
            base.powi(exp)
        }
    };
    Some((n * times).round() as u64)
}

/// An `lvs` percentage (`47.01`); `None` when empty.
fn parse_pct(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|p| p.is_finite())
}

/// Parses `lvs --reportformat json` (lvm2 2.02.158 and later): `{"report":[{"lv":[{…}]}]}`,
/// every value a string. An LV named by neither `vg_name` and `lv_name` nor `lv_full_name`
/// is skipped.
pub fn parse_lvs(text: &str) -> Result<Vec<Lv>, String> {
    let v: Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("`lvs --reportformat json` printed what is not JSON: {e}"))?;
    let reports = v
        .get("report")
        .and_then(Value::as_array)
        .ok_or("`lvs --reportformat json` printed no `report` array")?;
    let mut out = Vec::new();
    for r in reports {
        for lv in r.get("lv").and_then(Value::as_array).into_iter().flatten() {
            let field = |k: &str| lv.get(k).and_then(Value::as_str).unwrap_or("").trim();
            // `-o lv_all` has no `vg_name`, only `lv_full_name` (`VG/LV`).
            let (vg, name) = match (field("vg_name"), field("lv_full_name").split_once('/')) {
                ("", Some((vg, lv))) => (vg, lv),
                (vg, _) => (vg, field("lv_name")),
            };
            if vg.is_empty() || name.is_empty() {
                continue;
            }
            let major = field("lv_kernel_major").parse::<i64>().ok();
            let minor = field("lv_kernel_minor").parse::<i64>().ok();
            let device = match (major, minor) {
                (Some(a), Some(b)) if a >= 0 && b >= 0 => {
                    u32::try_from(a).ok().zip(u32::try_from(b).ok())
                }
                _ => None,
            };
            let path = match field("lv_path") {
                "" => format!("/dev/{vg}/{name}"),
                p => p.to_string(),
            };
            let dm_path = match field("lv_dm_path") {
                "" => format!("/dev/mapper/{}-{}", mangle(vg), mangle(name)),
                p => p.to_string(),
            };
            out.push(Lv {
                vg: vg.to_string(),
                name: name.to_string(),
                path,
                dm_path,
                attr: field("lv_attr").to_string(),
                device,
                origin: field("origin").to_string(),
                segtype: field("segtype").to_string(),
                pool_lv: field("pool_lv").to_string(),
                size: parse_size(field("lv_size")),
                data_pct: parse_pct(field("data_percent")),
                metadata_pct: parse_pct(field("metadata_percent")),
                from_lvs: true,
            });
        }
    }
    Ok(out)
}

fn mangle(s: &str) -> String {
    s.replace('-', "--")
}

/// A device-mapper name as LVM joins group and volume: split at the single `-`.
pub fn split_dm_name(dm: &str) -> Option<(String, String)> {
    let b = dm.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'-' {
            if b.get(i + 1) == Some(&b'-') {
                i += 2;
                continue;
            }
            let vg = dm[..i].replace("--", "-");
            let lv = dm[i + 1..].replace("--", "-");
            return (!vg.is_empty() && !lv.is_empty()).then_some((vg, lv));
        }
        i += 1;
    }
    None
}

/// The LVs of this machine, listed once per run (shared by every probe that asks).
pub fn cached(f: &Facts) -> std::rc::Rc<Result<Vec<Lv>, String>> {
    f.memo("lvm_lvs", list)
}

/// The LVs of this machine: from `lvs` when it is installed, else the active ones from sysfs.
fn list(f: &Facts) -> Result<Vec<Lv>, String> {
    match super::super::inuse::helper::run("lvs", LVS_ARGS)? {
        Some(out) => parse_lvs(&out),
        None => Ok(super::dm::devices(f)
            .into_iter()
            .filter(|d| d.uuid.starts_with("LVM-"))
            .filter_map(|d| {
                let (vg, name) = split_dm_name(&d.name)?;
                Some(Lv {
                    path: format!("/dev/{vg}/{name}"),
                    dm_path: format!("/dev/mapper/{}", d.name),
                    vg,
                    name,
                    attr: String::new(),
                    device: Some(d.device),
                    origin: String::new(),
                    segtype: String::new(),
                    pool_lv: String::new(),
                    size: None,
                    data_pct: None,
                    metadata_pct: None,
                    from_lvs: false,
                })
            })
            .collect()),
    }
}

/// The LVs an LVM operand reaches (an LV, or every LV of a group), with what is live on them.
/// With `merge`, a snapshot's origin is reached too. `None`: the operand names no LV or group.
pub fn find(f: &Facts, s: &PathSubject, merge: bool) -> Result<Option<Volume>, String> {
    let arg = s.arg.as_str();
    let memo = cached(f);
    let all = memo.as_ref().as_ref().map_err(Clone::clone)?;
    let trimmed = arg.trim_end_matches('/');
    // A path that exists is matched by device number too (a by-id link, `/dev/dm-3`).
    let number = std::fs::metadata(&s.abs)
        .ok()
        .filter(|m| m.file_type().is_block_device())
        .map(|m| {
            (
                nix::sys::stat::major(m.rdev()) as u32,
                nix::sys::stat::minor(m.rdev()) as u32,
            )
        });
    let mut hit: Vec<&Lv> = all
        .iter()
        .filter(|lv| {
            lv.path == trimmed
                || lv.dm_path == trimmed
                || format!("/dev/{}", lv.full()) == trimmed
                || (number.is_some() && lv.device == number)
        })
        .collect();
    let name = match hit.first() {
        Some(lv) => format!("LVM volume {}", lv.full()),
        None => {
            let vg = trimmed.strip_prefix("/dev/").unwrap_or(trimmed);
            hit = all.iter().filter(|lv| lv.vg == vg).collect();
            if hit.is_empty() {
                return Ok(None);
            }
            format!("LVM group {vg}")
        }
    };
    if merge {
        let origins: Vec<&Lv> = hit
            .iter()
            .filter(|lv| !lv.origin.is_empty())
            .filter_map(|s| all.iter().find(|o| o.vg == s.vg && o.name == s.origin))
            .collect();
        hit.extend(origins);
    }
    let mut in_use = Vec::new();
    for lv in hit {
        let label = lv.full();
        let before = in_use.len();
        if let Some((a, b)) = lv.device {
            in_use.extend(block_in_use(
                f,
                nix::sys::stat::makedev(a.into(), b.into()),
                &label,
            )?);
        }
        if lv.open() && in_use.len() == before {
            in_use.push(format!(
                "{label} is open (LVM's `lv_attr` says so: a guest's disk, a mount in another namespace, a process)"
            ));
        }
    }
    in_use.dedup();
    Ok(Some(Volume { name, in_use }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_as_lvm_joins_them() {
        assert_eq!(
            split_dm_name("vg0-data"),
            Some(("vg0".into(), "data".into()))
        );
        assert_eq!(
            split_dm_name("my--vg-my--lv"),
            Some(("my-vg".into(), "my-lv".into()))
        );
        assert_eq!(split_dm_name("luks"), None);
        assert_eq!(split_dm_name("-x"), None);
    }

    /// `lvs -o lv_all --reportformat json` as rescuezilla's test suite captured it
    /// (tests/fixtures/volume/lvs-lv_all-rescuezilla.json).
    #[test]
    fn parses_a_real_report() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/volume/lvs-lv_all-rescuezilla.json"
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let lvs = parse_lvs(&text).expect("parses");
        assert_eq!(lvs.len(), 1);
        let lv = &lvs[0];
        assert_eq!((lv.vg.as_str(), lv.name.as_str()), ("vgtest", "lvtest"));
        assert_eq!(lv.path, "/dev/vgtest/lvtest");
        assert_eq!(lv.dm_path, "/dev/mapper/vgtest-lvtest");
        assert_eq!(lv.device, Some((253, 0)));
        assert!(!lv.open());
    }

    /// safeop's own `lvs` call on a real VG holding a thin pool, captured here (inactive: no
    /// device-mapper), and lvmthin(7)'s active pool converted to the same report.
    #[test]
    fn parses_thin_pools_and_their_volumes() {
        let read = |rel: &str| {
            let p = format!("{}/tests/fixtures/volume/{rel}", env!("CARGO_MANIFEST_DIR"));
            parse_lvs(&std::fs::read_to_string(p).expect("fixture")).expect("parses")
        };
        let here = read("lvs-thin-inactive-here.json");
        let seg: Vec<(&str, &str, &str, Option<u64>)> = here
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.segtype.as_str(),
                    l.pool_lv.as_str(),
                    l.size,
                )
            })
            .collect();
        assert_eq!(
            seg,
            [
                ("plain", "linear", "", Some(8 << 20)),
                ("pool", "thin-pool", "", Some(32 << 20)),
                ("thinvol", "thin", "pool", Some(64 << 20)),
            ]
        );
        assert!(here
            .iter()
            .all(|l| l.device.is_none() && l.data_pct.is_none()));
        let man = read("lvs-thin-lvmthin7.json");
        assert_eq!(man[0].data_pct, Some(47.01));
        assert_eq!(man[0].metadata_pct, Some(21.03));
        assert_eq!(man[0].size, Some(10 << 30));
        assert_eq!(man[1].pool_lv, "pool0");
        assert_eq!(man[1].metadata_pct, None);
        assert_eq!(man[1].device, Some((253, 4)));
    }

    #[test]
    fn inactive_volumes_have_no_device() {
        let text = r#"{"report":[{"lv":[{"vg_name":"vg","lv_name":"a","lv_kernel_major":"-1","lv_kernel_minor":"-1","lv_attr":"-wi-------"}]}]}"#;
        let lvs = parse_lvs(text).expect("parses");
        assert_eq!(lvs[0].device, None);
        assert_eq!(lvs[0].path, "/dev/vg/a");
        assert!(parse_lvs("  WARNING: x").is_err());
    }
}
