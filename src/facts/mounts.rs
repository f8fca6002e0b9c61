//! Mounts and block devices: which filesystem a path lives on, and whether a block device (or
//! one of its partitions) is mounted or holds `/`.
//!
//! Matching is by device number (`major:minor` in `/proc/self/mountinfo` against `st_rdev`),
//! never by the source string, which may be `/dev/root`, a by-uuid link or a dm name.
//!
//! Mount points are bytes: mountinfo is read as bytes and its fields kept encoded
//! (`text::bytes`), so a mount point that is not UTF-8 compares with a target's exact bytes.

use super::{
    answer, path::resolve, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope,
};
use crate::text::bytes;
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// One line of `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub major: u32,
    pub minor: u32,
    pub root: String,
    pub mount_point: String,
    pub fstype: String,
    pub source: String,
    pub options: String,
}

/// Undoes the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash)
/// of an encoded field; the result is encoded too (an escape may spell a byte that is not UTF-8).
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let b = bytes::decode_bytes(s);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let oct = &b[i + 1..i + 4];
            if oct.iter().all(|c| (b'0'..=b'7').contains(c)) {
                let v = oct
                    .iter()
                    .fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
                if let Ok(v) = u8::try_from(v) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    bytes::encode_vec(out)
}

/// Parses mountinfo text. Lines that do not have the documented shape are skipped and counted.
pub fn parse_mountinfo(text: &str) -> (Vec<Mount>, usize) {
    let mut mounts = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            bad += 1;
            continue;
        };
        if sep < 6 || fields.len() < sep + 3 {
            bad += 1;
            continue;
        }
        let Some((maj, min)) = fields[2].split_once(':') else {
            bad += 1;
            continue;
        };
        let (Ok(major), Ok(minor)) = (maj.parse(), min.parse()) else {
            bad += 1;
            continue;
        };
        mounts.push(Mount {
            major,
            minor,
            root: unescape(fields[3]),
            mount_point: unescape(fields[4]),
            options: fields[5].to_string(),
            fstype: fields[sep + 1].to_string(),
            source: unescape(fields[sep + 2]),
        });
    }
    (mounts, bad)
}

/// The mounts of this machine (below the facts' system root).
pub fn mounts(f: &Facts) -> Result<Vec<Mount>, String> {
    let p = f.sys("/proc/self/mountinfo");
    let text = bytes::read(&p).map_err(|e| format!("read `{}`: {e}", p.display()))?;
    Ok(parse_mountinfo(&text).0)
}

/// The mounts of this machine, read once per run and shared by every probe that asks.
pub fn cached(f: &Facts) -> Result<std::rc::Rc<Vec<Mount>>, String> {
    let m = f.memo("mountinfo", |f| mounts(f).map(std::rc::Rc::new));
    m.as_ref().clone()
}

/// The mount a path lives on: the longest mount point that is a prefix of it (the last mounted
/// wins when several are stacked on one point).
pub fn containing<'m>(mounts: &'m [Mount], path: &Path) -> Option<&'m Mount> {
    use std::os::unix::ffi::OsStrExt;
    // Byte prefixes on whole components (what `Path::starts_with` means for the absolute,
    // normalized paths compared here), without decoding or splitting: probes ask this for
    // every system directory against every mount.
    let p = path.as_os_str().as_bytes();
    let mut best: Option<&Mount> = None;
    for m in mounts {
        let mp = bytes::path(&m.mount_point);
        let mp = mp.as_os_str().as_bytes();
        let mp = if mp.len() > 1 {
            mp.strip_suffix(b"/").unwrap_or(mp)
        } else {
            mp
        };
        let under = p.starts_with(mp)
            && (mp == b"/" || p.len() == mp.len() || p.get(mp.len()) == Some(&b'/'));
        if under && best.is_none_or(|b| m.mount_point.len() >= b.mount_point.len()) {
            best = Some(m);
        }
    }
    best
}

/// `major:minor` of a block device and of each of its partitions, from sysfs.
pub fn device_and_partitions(f: &Facts, major: u32, minor: u32) -> (String, Vec<(u32, u32)>, bool) {
    let mut devs = vec![(major, minor)];
    let link = f.sys(&format!("/sys/dev/block/{major}:{minor}"));
    let name = std::fs::canonicalize(&link)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let is_partition = link.join("partition").exists();
    if let Ok(rd) = std::fs::read_dir(&link) {
        for e in rd.flatten() {
            let sub = e.path();
            if sub.join("partition").exists() {
                if let Ok(d) = std::fs::read_to_string(sub.join("dev")) {
                    if let Some((a, b)) = d.trim().split_once(':') {
                        if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
                            devs.push((a, b));
                        }
                    }
                }
            }
        }
    }
    (name, devs, !is_partition)
}

/// The whole disk a partition `major:minor` is on (its parent in sysfs), if it is a partition.
fn disk_of(f: &Facts, major: u32, minor: u32) -> Option<(u32, u32)> {
    let link = f.sys(&format!("/sys/dev/block/{major}:{minor}"));
    if !link.join("partition").exists() {
        return None;
    }
    let parent = std::fs::canonicalize(&link).ok()?.parent()?.join("dev");
    let d = std::fs::read_to_string(parent).ok()?;
    let (a, b) = d.trim().split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn mount_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let path = resolve(f, s);
    let all = cached(f)?;
    let m = containing(&all, &path);
    let is_mp = all.iter().any(|m| bytes::path(&m.mount_point) == path);
    Ok(answer([
        (
            "mount.point",
            m.map(|m| m.mount_point.clone().into())
                .unwrap_or(Value::Null),
        ),
        (
            "mount.fstype",
            m.map(|m| m.fstype.clone().into()).unwrap_or(Value::Null),
        ),
        (
            "mount.source",
            m.map(|m| m.source.clone().into()).unwrap_or(Value::Null),
        ),
        ("is_mountpoint", is_mp.into()),
    ]))
}

/// The namespaces (block devices) of an NVMe controller's character device (`/dev/nvme0`):
/// the entries under `/sys/dev/char/M:m` that have a `dev` file and are named `nvme0nN` (or,
/// with native multipath, `nvme0cCnN`, whose block device is `nvme0nN`). `None` when the
/// character device is no NVMe controller.
pub fn nvme_namespaces(f: &Facts, major: u32, minor: u32) -> Option<(String, Vec<(u32, u32)>)> {
    let link = f.sys(&format!("/sys/dev/char/{major}:{minor}"));
    let dir = std::fs::canonicalize(&link).ok()?;
    let ctrl = dir.file_name()?.to_string_lossy().into_owned();
    if !ctrl.starts_with("nvme") || dir.parent()?.file_name()? != "nvme" {
        return None;
    }
    let number = |p: &Path| {
        let d = std::fs::read_to_string(p.join("dev")).ok()?;
        let (a, b) = d.trim().split_once(':')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).ok()?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(ctrl.as_str()) else {
            continue;
        };
        let path = match rest.split_once('n') {
            Some(("", _)) => e.path(),
            Some((c, n)) if c.starts_with('c') => f.sys(&format!("/sys/block/{ctrl}n{n}")),
            _ => continue,
        };
        if let Some(d) = number(&path) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out.sort_unstable();
    Some((ctrl, out))
}

fn device_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let path = resolve(f, s);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(format!("stat `{}`: {e}", bytes::show_path(&path))),
    };
    let rdev = meta.rdev();
    let (major, minor) = (
        nix::sys::stat::major(rdev) as u32,
        nix::sys::stat::minor(rdev) as u32,
    );
    let (name, devs, whole) = if meta.file_type().is_block_device() {
        device_and_partitions(f, major, minor)
    } else if meta.file_type().is_char_device() {
        // An NVMe controller stands for every namespace on it (`nvme format /dev/nvme0 -n
        // 1`, `nvme sanitize /dev/nvme0`).
        let Some((ctrl, namespaces)) = nvme_namespaces(f, major, minor) else {
            return Ok(Default::default());
        };
        let mut devs = Vec::new();
        for (a, b) in namespaces {
            devs.extend(device_and_partitions(f, a, b).1);
        }
        (ctrl, devs, true)
    } else {
        return Ok(Default::default());
    };
    let all = cached(f)?;
    let used: Vec<&Mount> = all
        .iter()
        .filter(|m| devs.contains(&(m.major, m.minor)))
        .collect();
    let points: Vec<Value> = used.iter().map(|m| m.mount_point.clone().into()).collect();
    let holds_root = used.iter().any(|m| m.mount_point == "/");
    // A partition: what else of its disk is mounted (the disk itself, its other partitions).
    let disk_mounts: Vec<Value> = if whole {
        Vec::new()
    } else {
        let mut out = Vec::new();
        if let Some((maj, min)) = disk_of(f, major, minor) {
            let (_, others, _) = device_and_partitions(f, maj, min);
            for m in all.iter().filter(|m| {
                others.contains(&(m.major, m.minor)) && !devs.contains(&(m.major, m.minor))
            }) {
                out.push(format!("{} ({})", m.mount_point, m.source).into());
            }
        }
        out
    };
    Ok(answer([
        ("device.disk_mounts", disk_mounts.into()),
        ("device.name", name.into()),
        ("device.number", format!("{major}:{minor}").into()),
        ("device.whole_disk", whole.into()),
        ("device.mounted", (!used.is_empty()).into()),
        ("device.mountpoints", points.into()),
        ("device.holds_root", holds_root.into()),
    ]))
}

static MOUNT: Probe = Probe {
    id: "mount",
    run: ProbeFn::Path(mount_probe),
    pure: false,
};
static DEVICE: Probe = Probe {
    id: "device",
    run: ProbeFn::Path(device_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "mount.point", scope: Scope::Path, probe: &MOUNT, ty: "path", doc: "## What it tells\nThe mount point of the filesystem the path lives on.\n## How it is found\nThe longest mount point in /proc/self/mountinfo (escapes such as `\\040` undone) that is a prefix of the resolved path.\n## When it is unknown\nWhen mountinfo cannot be read: a fact error.\n## Example\n`/srv/xen/web1.img` → `/srv`." },
    FactDef { name: "mount.fstype", scope: Scope::Path, probe: &MOUNT, ty: "string", doc: "## What it tells\nThe type of the filesystem the path lives on (`ext4`, `xfs`, `tmpfs` …).\n## How it is found\n/proc/self/mountinfo.\n## When it is unknown\nWhen mountinfo cannot be read: a fact error.\n## Example\n`ext4`." },
    FactDef { name: "mount.source", scope: Scope::Path, probe: &MOUNT, ty: "string", doc: "## What it tells\nThe source of the filesystem the path lives on, as the kernel names it.\n## How it is found\n/proc/self/mountinfo.\n## When it is unknown\nWhen mountinfo cannot be read: a fact error.\n## Example\n`/dev/vda1`." },
    FactDef { name: "is_mountpoint", scope: Scope::Path, probe: &MOUNT, ty: "bool", doc: "## What it tells\nWhether the path itself is a mount point.\n## How it is found\n/proc/self/mountinfo.\n## When it is unknown\nWhen mountinfo cannot be read: a fact error.\n## Example\n`/srv` → `true`." },
    FactDef { name: "device.disk_mounts", scope: Scope::Path, probe: &DEVICE, ty: "list", doc: "## What it tells\nFor a partition: what else on the same disk is mounted (the whole disk, or its other partitions), as `MOUNTPOINT (SOURCE)`. Empty for a whole disk (`device.mountpoints` covers its partitions) and for a partition whose disk has nothing else mounted.\n## How it is found\nThe partition's parent in /sys/dev/block/MAJ:MIN (canonicalized), that disk's partitions from sysfs, and their `major:minor` against /proc/self/mountinfo.\n## When it is unknown\n`null` when the path is not a block device; a fact error when mountinfo cannot be read.\n## Example\n`/dev/sdb2` while `/dev/sdb1` is mounted on /srv → `[\"/srv (/dev/sdb1)\"]`." },
    FactDef { name: "device.name", scope: Scope::Path, probe: &DEVICE, ty: "string", doc: "## What it tells\nThe kernel name of a block device (`sda`, `loop3`, `nvme0n1p2`).\n## How it is found\n/sys/dev/block/MAJ:MIN from stat(2)'s st_rdev, so by-id links and odd names resolve.\n## When it is unknown\n`null` when the path is not a block device.\n## Example\n`/dev/disk/by-id/ata-X` → `sda`." },
    FactDef { name: "device.number", scope: Scope::Path, probe: &DEVICE, ty: "string", doc: "## What it tells\nThe `major:minor` of a block device.\n## How it is found\nstat(2) st_rdev.\n## When it is unknown\n`null` when the path is not a block device.\n## Example\n`8:0`." },
    FactDef { name: "device.whole_disk", scope: Scope::Path, probe: &DEVICE, ty: "bool", doc: "## What it tells\nWhether a block device is a whole disk rather than a partition.\n## How it is found\nNo `partition` file under /sys/dev/block/MAJ:MIN.\n## When it is unknown\n`null` when the path is not a block device.\n## Example\n`/dev/sda` → `true`, `/dev/sda1` → `false`." },
    FactDef { name: "device.mounted", scope: Scope::Path, probe: &DEVICE, ty: "bool", doc: "## What it tells\nWhether a block device, or any partition on it, is mounted. An NVMe controller's character device (`/dev/nvme0`, what `nvme format` and `nvme sanitize` may name) stands for every namespace on it.\n## How it is found\nIts `major:minor` and its partitions' (sysfs) against field 3 of /proc/self/mountinfo; for an NVMe controller, the namespaces listed under `/sys/dev/char/M:m` and their partitions.\n## When it is unknown\n`null` when the path is not a block device; a fact error when mountinfo cannot be read.\n## Example\n`/dev/loop3` mounted on /mnt/data → `true`." },
    FactDef { name: "device.mountpoints", scope: Scope::Path, probe: &DEVICE, ty: "list", doc: "## What it tells\nWhere a block device and its partitions are mounted.\n## How it is found\nAs `device.mounted`.\n## When it is unknown\n`null` when the path is not a block device.\n## Example\n`[/mnt/data]`." },
    FactDef { name: "device.holds_root", scope: Scope::Path, probe: &DEVICE, ty: "bool", doc: "## What it tells\nWhether the root filesystem `/` is on this block device or one of its partitions.\n## How it is found\nThe `major:minor` of the `/` mount against the device's and its partitions'.\n## When it is unknown\n`null` when the path is not a block device.\n## Example\n`/dev/vda` → `true` on a VM booted from it." },
];

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "29 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n42 29 7:1 / /tmp/sf/mnt\\040dir rw,relatime - ext4 /dev/loop1 rw\n50 29 0:45 / /srv/tmp rw - tmpfs tmpfs rw,nr_inodes=400\n";

    #[test]
    fn parses_and_unescapes() {
        let (m, bad) = parse_mountinfo(SAMPLE);
        assert_eq!(bad, 0);
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].mount_point, "/tmp/sf/mnt dir");
        assert_eq!((m[1].major, m[1].minor), (7, 1));
        assert_eq!(m[2].fstype, "tmpfs");
        assert_eq!(m[0].source, "/dev/vda");
    }

    #[test]
    fn longest_prefix_wins() {
        let (m, _) = parse_mountinfo(SAMPLE);
        assert_eq!(
            containing(&m, Path::new("/srv/tmp/x")).map(|m| m.mount_point.as_str()),
            Some("/srv/tmp")
        );
        assert_eq!(
            containing(&m, Path::new("/srv/tmpx")).map(|m| m.mount_point.as_str()),
            Some("/")
        );
        assert_eq!(
            containing(&m, Path::new("/tmp/sf/mnt dir/a")).map(|m| m.mount_point.as_str()),
            Some("/tmp/sf/mnt dir")
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape("a\\040b\\134c\\011"), "a b\\c\t");
        assert_eq!(unescape("trailing\\04"), "trailing\\04");
    }

    #[test]
    fn a_mount_point_that_is_not_utf8_keeps_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        // Raw bytes as the kernel prints them, and the same byte spelled as an octal escape.
        let text = bytes::encode_bytes(
            b"29 1 254:0 / / rw - ext4 /dev/vda rw\n42 29 7:1 / /mnt/\xff rw - ext4 /dev/loop1 rw\n43 29 7:2 / /mnt/\\376\\040x rw - ext4 /dev/loop2 rw\n",
        )
        .into_owned();
        let (m, bad) = parse_mountinfo(&text);
        assert_eq!(bad, 0);
        assert_eq!(
            bytes::path(&m[1].mount_point).as_os_str().as_bytes(),
            b"/mnt/\xff"
        );
        assert_eq!(
            bytes::path(&m[2].mount_point).as_os_str().as_bytes(),
            b"/mnt/\xfe x"
        );
        let at = |p: &[u8]| {
            containing(&m, Path::new(std::ffi::OsStr::from_bytes(p))).map(|m| (m.major, m.minor))
        };
        assert_eq!(at(b"/mnt/\xff/img"), Some((7, 1)));
        assert_eq!(at(b"/mnt/\xfe x/img"), Some((7, 2)));
        assert_eq!(
            at("/mnt/\u{FFFD}/img".as_bytes()),
            Some((254, 0)),
            "U+FFFD is another name"
        );
    }

    #[test]
    fn malformed_lines_are_counted() {
        let (m, bad) = parse_mountinfo("garbage\n1 2 x:y / / rw - ext4 a rw\n");
        assert!(m.is_empty());
        assert_eq!(bad, 2);
    }
}
