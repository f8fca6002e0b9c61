//! LVM thin pools under what a command writes (DESIGN decision 15): a thin volume's filesystem
//! shows the free space of the volume's *virtual* size, but its blocks come from the pool, which
//! other thin volumes and snapshots share and which may be nearly full. When the pool runs out,
//! every thin volume in it stops taking writes (queued, then failed: filesystems go read-only,
//! databases stop), whatever `df` said.
//!
//! The place is a path of the operation (`target.thin_pool.*`: a restore's destination, a plain
//! `cp`/`dd` write's target; `safeop facts --json PATH` snapshots them for any path): the
//! filesystem holding it, or a block device written directly, which is then itself the volume.
//! Its device number is looked up in sysfs: a device-mapper device (`/sys/dev/block/M:m/dm/uuid`) whose uuid
//! starts `LVM-` and whose `slaves/` include a pool's `-tpool` layer is a thin volume; other
//! device-mapper devices (dm-crypt, a linear LV on a PV that is itself a thin volume) are
//! followed down their `slaves/`. Only then is `lvs` asked (the one call per run that
//! `volume::lvm` makes): the volume's `segtype` and `pool_lv`, and the pool's `lv_size`,
//! `data_percent` and `metadata_percent`. A filesystem on anything else — a partition, a linear
//! LV, tmpfs, no LVM at all — is not applicable, and `lvs` does not run.

use super::lvm::{self, Lv};
use crate::command::Kind;
use crate::facts::{
    answer, restore, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Role, Scope,
};
use crate::text::bytes;
use serde_json::{Map, Value};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// A thin volume and the pool it draws from.
#[derive(Debug, Clone, PartialEq)]
pub struct Thin {
    /// `vg/thin1`.
    pub lv: String,
    /// `vg/pool0`.
    pub pool: String,
    pub size: u64,
    pub data_pct: f64,
    pub metadata_pct: f64,
}

impl Thin {
    /// What the pool really has left: size × (100 − data%) / 100.
    pub fn free(&self) -> u64 {
        let left = (100.0 - self.data_pct).clamp(0.0, 100.0);
        (self.size as f64 * left / 100.0).floor() as u64
    }
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn number(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The thin volume a sysfs block-device directory is, or is stacked on: its device number and
/// device-mapper name. `None` when no thin volume is below it.
fn thin_below(dir: &Path, depth: usize) -> Option<((u32, u32), String)> {
    if depth > 8 {
        return None;
    }
    // Not a device-mapper device: a partition, a disk, a loop device, md: no thin volume.
    let uuid = read(&dir.join("dm/uuid"))?;
    let slaves: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("slaves"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    let on_pool = slaves.iter().any(|s| {
        read(&s.join("dm/uuid")).is_some_and(|u| u.starts_with("LVM-") && u.ends_with("-tpool"))
    });
    if uuid.starts_with("LVM-") && on_pool {
        let dev = number(&read(&dir.join("dev"))?)?;
        return Some((dev, read(&dir.join("dm/name")).unwrap_or_default()));
    }
    slaves.iter().find_map(|s| thin_below(s, depth + 1))
}

/// The thin volume under block device `dev`, with its pool's use; `None` when it is on none.
pub fn of_device(f: &Facts, dev: (u32, u32)) -> Result<Option<Thin>, String> {
    let dir = f.sys(&format!("/sys/dev/block/{}:{}", dev.0, dev.1));
    let Some((number, dm_name)) = thin_below(&dir, 0) else {
        return Ok(None);
    };
    let listed = lvm::cached(f);
    let all = listed.as_ref().as_ref().map_err(|e| {
        format!("device {}:{} is an LVM thin volume ({dm_name}), but safeop cannot read its pool's use: {e}", number.0, number.1)
    })?;
    let by_name = lvm::split_dm_name(&dm_name);
    let found = all.iter().find(|lv| lv.device == Some(number)).or_else(|| {
        by_name
            .as_ref()
            .and_then(|(vg, n)| all.iter().find(|lv| &lv.vg == vg && &lv.name == n))
    });
    let Some(lv) = found.filter(|lv| lv.from_lvs) else {
        let at = format!("device {}:{} ({dm_name})", number.0, number.1);
        return Err(if crate::facts::inuse::helper::find("lvs").is_none() {
            format!("{at} is an LVM thin volume, but `lvs` is not installed: safeop cannot read its pool's use")
        } else {
            format!(
                "`lvs` does not list the thin volume of {at}: safeop cannot read its pool's use"
            )
        });
    };
    if lv.segtype != "thin" || lv.pool_lv.is_empty() {
        // sysfs saw a pool below it, lvs says otherwise: lvs knows the segment types.
        return Ok(None);
    }
    let pool = all
        .iter()
        .find(|p| p.vg == lv.vg && p.name == lv.pool_lv)
        .ok_or_else(|| {
            format!(
                "`lvs` lists thin volume {} but not its pool {}/{}",
                lv.full(),
                lv.vg,
                lv.pool_lv
            )
        })?;
    pool_use(lv, pool).map(Some)
}

fn pool_use(lv: &Lv, pool: &Lv) -> Result<Thin, String> {
    let missing = |what: &str| {
        format!(
            "`lvs` reports no {what} for thin pool {} (an inactive pool reports none): safeop cannot tell how full it is",
            pool.full()
        )
    };
    Ok(Thin {
        lv: lv.full(),
        pool: pool.full(),
        size: pool.size.ok_or_else(|| missing("size"))?,
        data_pct: pool.data_pct.ok_or_else(|| missing("data_percent"))?,
        metadata_pct: pool
            .metadata_pct
            .ok_or_else(|| missing("metadata_percent"))?,
    })
}

/// The block device a path's data lands on: the device itself for a block device (dd onto
/// the volume), else the device of the filesystem holding it (its nearest existing ancestor).
fn device_of(path: &Path) -> Result<(u32, u32), String> {
    let dev = match std::fs::metadata(path) {
        Ok(m) if m.file_type().is_block_device() => m.rdev(),
        _ => {
            let existing = restore::dest::nearest_existing(path)?;
            std::fs::metadata(&existing)
                .map_err(|e| format!("stat `{}`: {e}", bytes::show_path(&existing)))?
                .dev()
        }
    };
    Ok((
        nix::sys::stat::major(dev) as u32,
        nix::sys::stat::minor(dev) as u32,
    ))
}

fn pool_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    // `rsync src host:dst` writes nothing here.
    if f.op.has("remote_destination") && s.role == Role::Target {
        return Ok(Map::new());
    }
    let path = crate::facts::path::resolve(f, s);
    let Some(t) = of_device(f, device_of(&path)?)? else {
        return Ok(Map::new());
    };
    let pct = |p: f64| Value::from((p * 100.0).round() / 100.0);
    Ok(answer([
        ("thin_pool.lv", t.lv.clone().into()),
        ("thin_pool.name", t.pool.clone().into()),
        ("thin_pool.size", t.size.into()),
        ("thin_pool.data_pct", pct(t.data_pct)),
        ("thin_pool.metadata_pct", pct(t.metadata_pct)),
        ("thin_pool.free", t.free().into()),
    ]))
}

/// What the operation needs of the pool against what it has; read as facts, so a snapshot
/// holding them is enough. The pool is read first: off a thin volume the need does not matter.
fn short_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let mut m = Map::new();
    let role = match s.role {
        Role::Source => "source",
        _ => "target",
    };
    let free = f
        .get(&format!("{role}.thin_pool.free"), Some(s))
        .map_err(|e| e.why)?
        .as_u64();
    let need_fact = match f.op.kind {
        Kind::Restore => "restore.bytes",
        Kind::Overwrite if matches!(f.op.tool.as_str(), "cp" | "dd") => "write.need",
        _ => return Ok(m),
    };
    let Some(free) = free else {
        return Ok(m);
    };
    if let Some(need) = f.get(need_fact, None).map_err(|e| e.why)?.as_u64() {
        m.insert("thin_pool.need".into(), need.into());
        m.insert("thin_pool.short".into(), need.saturating_sub(free).into());
    }
    Ok(m)
}

static POOL: Probe = Probe {
    id: "thin_pool",
    run: ProbeFn::Path(pool_probe),
    pure: false,
};
static SHORT: Probe = Probe {
    id: "thin_pool.short",
    run: ProbeFn::Path(short_probe),
    pure: true,
};

macro_rules! how {
    () => {
        "## How it is found\nThe path (a restore's destination, a `cp`/`dd` write's target), symlinks resolved: a block device by its own number, anything else by the st_dev of its nearest existing ancestor (the filesystem it is, or will be, on). That device in sysfs, `/sys/dev/block/M:m`: a device-mapper device (`dm/uuid`) whose uuid starts `LVM-` and one of whose `slaves/` is a thin pool's `-tpool` layer is a thin volume; other device-mapper devices (dm-crypt …) are followed down their `slaves/`. Then `lvs --reportformat json --units b --nosuffix` (one call per run, shared with `volume.*`): the volume's `segtype` (`thin`) and `pool_lv`, and that pool's `lv_size`, `data_percent` and `metadata_percent`."
    };
}

macro_rules! unknown {
    () => {
        "## When it is unknown\n`null` when the path is a remote one (`rsync src host:dst`) and when it is not on a thin volume: a partition, a linear or RAID LV, tmpfs, btrfs, no LVM at all (`lvs` is then not run). A fact error (the rule's `unknown:` decides) when the place is a thin volume but its pool's use cannot be read: `lvs` is not installed, fails (not root: LVM's locks are root's), does not list the volume or its pool, or reports no `data_percent` for the pool."
    };
}

macro_rules! fact {
    ($name:expr, $probe:expr, $ty:expr, $doc:expr) => {
        FactDef {
            name: $name,
            scope: Scope::Path,
            probe: $probe,
            ty: $ty,
            doc: $doc,
        }
    };
}

pub(crate) static FACTS: &[FactDef] = &[
    fact!("thin_pool.lv", &POOL, "string", concat!("## What it tells\nThe LVM thin volume that holds what the operation writes (the filesystem a restore or copy lands in, or the device dd writes), as `VG/LV`. Its filesystem's free space is the volume's virtual size less what it holds, not what its pool can still give: thin volumes and snapshots share the pool.\n", how!(), "\n", unknown!(), "\n## Example\n`tar -xf www.tar -C /srv/www` with /srv/www on `/dev/vg/thin1` → `vg/thin1`.")),
    fact!("thin_pool.name", &POOL, "string", concat!("## What it tells\nThe thin pool that volume draws its blocks from, as `VG/POOL`. When it fills, every thin volume in it stops taking writes.\n", how!(), "\n", unknown!(), "\n## Example\n`vg/pool0`.")),
    fact!("thin_pool.size", &POOL, "number", concat!("## What it tells\nThe pool's data size in bytes (`lv_size`).\n", how!(), "\n", unknown!(), "\n## Example\n10 GiB → `10737418240`.")),
    fact!("thin_pool.data_pct", &POOL, "number", concat!("## What it tells\nHow much of the pool's data space is used, in percent (`data_percent`, two decimals). At 100 writes to any of its volumes queue and then fail.\n", how!(), "\n", unknown!(), "\n## Example\n`47.01`.")),
    fact!("thin_pool.metadata_pct", &POOL, "number", concat!("## What it tells\nHow much of the pool's metadata space is used, in percent (`metadata_percent`). Every newly written block takes metadata; a pool out of metadata goes read-only and may need `lvconvert --repair`.\n", how!(), "\n", unknown!(), "\n## Example\n`21.03`.")),
    fact!("thin_pool.free", &POOL, "number", concat!("## What it tells\nWhat the pool really has left, in bytes: `lv_size × (100 − data_percent) / 100`. Whatever the volume's filesystem says, no thin volume of the pool can take more new data than this.\n", how!(), "\n", unknown!(), "\n## Example\n10 GiB at 47.01 % → `5689757925`.")),
    fact!("thin_pool.need", &SHORT, "number", "## What it tells\nThe new space the operation takes from the pool: `restore.bytes` for a restore, `write.need` for a plain `cp`/`dd` write.\n## How it is found\nFrom those facts (see them); only when `thin_pool.free` is known.\n## When it is unknown\n`null` when the path is not on a thin volume, the operation is neither a restore nor a plain `cp`/`dd` write, or the write has no size known beforehand; a fact error when the pool's use or the need is one.\n## Example\n`3145728`."),
    fact!("thin_pool.short", &SHORT, "number", "## What it tells\nHow many bytes more the operation needs than the pool has left (`0` when it fits): what the pool must grow by (`lvextend`) or what must be freed in it (`fstrim` of its volumes, removing old snapshots).\n## How it is found\n`thin_pool.need − thin_pool.free`, at least 0.\n## When it is unknown\nAs `thin_pool.need`.\n## Example\n`0`."),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(vg: &str, name: &str, seg: &str, pool: &str) -> Lv {
        Lv {
            vg: vg.into(),
            name: name.into(),
            path: String::new(),
            dm_path: String::new(),
            attr: String::new(),
            device: None,
            origin: String::new(),
            segtype: seg.into(),
            pool_lv: pool.into(),
            size: Some(10 << 30),
            data_pct: Some(47.01),
            metadata_pct: Some(21.03),
            from_lvs: true,
        }
    }

    #[test]
    fn the_pool_has_what_its_data_percent_leaves() {
        let t = pool_use(
            &lv("vg", "thin1", "thin", "pool0"),
            &lv("vg", "pool0", "thin-pool", ""),
        )
        .expect("use");
        assert_eq!((t.lv.as_str(), t.pool.as_str()), ("vg/thin1", "vg/pool0"));
        assert_eq!(t.free(), 5_689_757_925);
        let mut inactive = lv("vg", "pool0", "thin-pool", "");
        inactive.data_pct = None;
        let e = pool_use(&lv("vg", "thin1", "thin", "pool0"), &inactive).expect_err("no use");
        assert!(e.contains("no data_percent for thin pool vg/pool0"), "{e}");
    }

    /// sysfs as the kernel lays out a thin volume (dm-5) on its pool's `-tpool` layer (dm-4),
    /// a dm-crypt device (dm-6) on the thin volume, and a linear LV (dm-7) on a disk.
    #[test]
    fn thin_volumes_are_found_down_the_slaves() {
        let d = tempfile::tempdir().expect("tempdir");
        let put = |rel: &str, text: &str| {
            let p = d.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        let tpool = "LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-tpool";
        put("thin/dev", "253:5\n");
        put("thin/dm/name", "vg-thin1\n");
        put(
            "thin/dm/uuid",
            "LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacccccccccccccccccccccccccccccccc\n",
        );
        put("thin/slaves/dm-4/dm/uuid", tpool);
        put("crypt/dev", "253:6\n");
        put("crypt/dm/uuid", "CRYPT-LUKS2-0123-srv");
        put("crypt/slaves/dm-5/dev", "253:5\n");
        put("crypt/slaves/dm-5/dm/name", "vg-thin1\n");
        put(
            "crypt/slaves/dm-5/dm/uuid",
            "LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacccccccccccccccccccccccccccccccc\n",
        );
        put("crypt/slaves/dm-5/slaves/dm-4/dm/uuid", tpool);
        put("linear/dev", "253:7\n");
        put(
            "linear/dm/uuid",
            "LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaadddddddddddddddddddddddddddddddd",
        );
        put("linear/slaves/sda2/dev", "8:2\n");
        put("disk/dev", "8:0\n");
        let want = Some(((253, 5), "vg-thin1".to_string()));
        assert_eq!(thin_below(&d.path().join("thin"), 0), want);
        assert_eq!(thin_below(&d.path().join("crypt"), 0), want);
        assert_eq!(thin_below(&d.path().join("linear"), 0), None);
        assert_eq!(thin_below(&d.path().join("disk"), 0), None);
    }

    #[test]
    fn sizes_as_lvs_prints_them() {
        assert_eq!(lvm::parse_size("33554432"), Some(33_554_432));
        assert_eq!(lvm::parse_size("1020.00m"), Some(1020 << 20));
        assert_eq!(lvm::parse_size("<10.00g"), Some(10 << 30));
        assert_eq!(lvm::parse_size("10.00G"), Some(10_000_000_000));
        assert_eq!(lvm::parse_size("8s"), Some(4096));
        assert_eq!(lvm::parse_size(""), None);
        assert_eq!(lvm::parse_size("1.0x"), None);
    }
}
