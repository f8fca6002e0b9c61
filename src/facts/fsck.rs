//! Will the next boot force a full filesystem check? For each mounted ext2/3/4 filesystem, and
//! each `/etc/fstab` entry with a pass number that is not mounted, the primary superblock is read
//! straight off the device (byte 1024, little-endian; SYSTEM-FACTS D.2) and held against the
//! conditions under which boot-time `e2fsck -p` refuses to skip the check (e2fsck `check_if_skip`,
//! SYSTEM-FACTS D.3). XFS, btrfs and others never force a check at boot.
//!
//! The fstab read is `/etc/fstab`, or the test hook `SAFEOP_FSTAB` (`context`) (tests). The device nodes
//! and `/proc/cmdline` are read below [`Facts::sys`]. This module reads; it never writes to a
//! device and never runs e2fsck.

use super::{answer, mounts, FactDef, Facts, Probe, ProbeFn, ProbeResult, Scope};
use serde_json::Value;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The superblock fields that decide a forced check, and the size of the check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Superblock {
    pub inodes_count: u32,
    pub free_inodes: u32,
    pub blocks_count: u64,
    pub block_size: u64,
    pub mnt_count: u16,
    /// −1 or 0: no mount-count check.
    pub max_mnt_count: i16,
    /// 1 VALID_FS (clean), 2 ERROR_FS, 4 ORPHAN_FS.
    pub state: u16,
    pub lastcheck: i64,
    /// Seconds; 0 = no time-based check.
    pub checkinterval: u32,
    pub error_count: u32,
    pub has_journal: bool,
}

const EXT_MAGIC: u16 = 0xEF53;

fn le16(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn le32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

/// Decodes the 1024 bytes of a primary superblock (the device's bytes 1024..2048).
pub fn parse_superblock(b: &[u8]) -> Result<Superblock, String> {
    if b.len() < 1024 {
        return Err(format!("superblock too short ({} bytes)", b.len()));
    }
    let magic = le16(b, 0x38);
    if magic != EXT_MAGIC {
        return Err(format!("no ext2/3/4 superblock (magic 0x{magic:04x})"));
    }
    let incompat = le32(b, 0x60);
    let mut blocks = u64::from(le32(b, 0x04));
    if incompat & 0x80 != 0 {
        blocks |= u64::from(le32(b, 0x150)) << 32;
    }
    let log = le32(b, 0x18);
    if log > 16 {
        return Err(format!("implausible block size (log {log})"));
    }
    Ok(Superblock {
        inodes_count: le32(b, 0x00),
        free_inodes: le32(b, 0x10),
        blocks_count: blocks,
        block_size: 1024u64 << log,
        mnt_count: le16(b, 0x34),
        max_mnt_count: le16(b, 0x36) as i16,
        state: le16(b, 0x3A),
        lastcheck: i64::from(le32(b, 0x40)) | (i64::from(b[0x277]) << 32),
        checkinterval: le32(b, 0x44),
        error_count: le32(b, 0x194),
        has_journal: le32(b, 0x5C) & 0x4 != 0,
    })
}

impl Superblock {
    pub fn inodes_used(&self) -> u64 {
        u64::from(self.inodes_count.saturating_sub(self.free_inodes))
    }

    pub fn bytes(&self) -> u64 {
        self.blocks_count.saturating_mul(self.block_size)
    }

    /// Why boot-time e2fsck will do a full check (empty: it will skip). `mounted` says the
    /// filesystem is mounted now: without a journal the kernel clears the clean flag while it is
    /// mounted and sets it again at a clean unmount, so that flag only counts when not mounted.
    pub fn forced_reasons(&self, now: i64, mounted: bool) -> Vec<String> {
        let mut r = Vec::new();
        if self.state & 2 != 0 {
            r.push("contains a file system with errors".to_string());
        } else if self.error_count > 0 {
            r.push(format!("{} errors recorded", self.error_count));
        }
        if self.state & 1 == 0 && !self.has_journal && !mounted {
            r.push("was not cleanly unmounted".to_string());
        }
        if self.max_mnt_count > 0 && self.mnt_count >= self.max_mnt_count as u16 {
            r.push(format!(
                "mounted {} times, check forced at {}",
                self.mnt_count, self.max_mnt_count
            ));
        }
        if self.checkinterval > 0 {
            let interval = i64::from(self.checkinterval);
            if now < self.lastcheck {
                r.push("last check time is in the future".to_string());
            } else if now - self.lastcheck >= interval {
                r.push(format!(
                    "{} days since the last check (on {}), check forced every {}",
                    (now - self.lastcheck) / 86_400,
                    date(self.lastcheck),
                    duration(interval)
                ));
            }
        }
        r
    }
}

fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| t.to_string())
}

fn duration(secs: i64) -> String {
    match secs {
        s if s % 86_400 == 0 && s / 86_400 == 1 => "day".to_string(),
        s if s % 86_400 == 0 => format!("{} days", s / 86_400),
        s => format!("{s} s"),
    }
}

/// `2.0 GiB`, `512.0 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// `131,072`.
pub fn thousands(n: u64) -> String {
    let digits: Vec<char> = n.to_string().chars().rev().collect();
    let groups: Vec<String> = digits.chunks(3).map(|c| c.iter().rev().collect()).collect();
    groups.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// One line of fstab.
#[derive(Debug, Clone, PartialEq)]
pub struct FstabEntry {
    pub spec: String,
    pub file: String,
    pub vfstype: String,
    pub options: String,
    pub passno: u32,
}

/// Parses fstab text (comments and blank lines skipped; missing fields 5-6 mean 0, as mount does).
pub fn parse_fstab(text: &str) -> Vec<FstabEntry> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 3 {
                return None;
            }
            Some(FstabEntry {
                spec: mounts::unescape(f[0]),
                file: mounts::unescape(f[1]),
                vfstype: f[2].to_string(),
                options: f.get(3).unwrap_or(&"defaults").to_string(),
                passno: f.get(5).and_then(|p| p.parse().ok()).unwrap_or(0),
            })
        })
        .collect()
}

/// Where fstab is read from: the test hook `SAFEOP_FSTAB` (`context`), else `/etc/fstab`.
pub fn fstab_path() -> PathBuf {
    crate::context::test_hook("SAFEOP_FSTAB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/fstab"))
}

/// The device node for an fstab spec (`UUID=…`, `LABEL=…`, `PARTUUID=…`, a path), below the sys root.
fn spec_device(f: &Facts, spec: &str) -> Option<PathBuf> {
    for (tag, dir) in [
        ("UUID=", "by-uuid"),
        ("LABEL=", "by-label"),
        ("PARTUUID=", "by-partuuid"),
        ("PARTLABEL=", "by-partlabel"),
    ] {
        if let Some(v) = spec.strip_prefix(tag) {
            return Some(f.sys(&format!("/dev/disk/{dir}/{}", v.trim_matches('"'))));
        }
    }
    spec.starts_with("/dev/").then(|| f.sys(spec))
}

/// The device node of a mounted block device: DEVNAME from sysfs `uevent`, else the mount source.
fn mount_device(f: &Facts, m: &mounts::Mount) -> (PathBuf, String) {
    let uevent =
        std::fs::read_to_string(f.sys(&format!("/sys/dev/block/{}:{}/uevent", m.major, m.minor)))
            .unwrap_or_default();
    match uevent.lines().find_map(|l| l.strip_prefix("DEVNAME=")) {
        Some(n) => (f.sys(&format!("/dev/{n}")), format!("/dev/{n}")),
        None => (f.sys(&m.source), m.source.clone()),
    }
}

pub fn read_superblock(dev: &Path) -> Result<Superblock, String> {
    let file = std::fs::File::open(dev).map_err(|e| format!("open `{}`: {e}", dev.display()))?;
    let mut b = vec![0u8; 1024];
    file.read_exact_at(&mut b, 1024)
        .map_err(|e| format!("read superblock of `{}`: {e}", dev.display()))?;
    parse_superblock(&b)
}

/// Filesystem types whose fsck never forces a check at boot.
const NO_FORCED: &[&str] = &[
    "xfs", "btrfs", "zfs", "f2fs", "vfat", "exfat", "ntfs", "ntfs3", "jfs", "reiserfs", "bcachefs",
];

fn fsck_probe(f: &Facts) -> ProbeResult {
    let now = chrono::Utc::now().timestamp();
    let all = mounts::mounts(f)?;
    let fstab = crate::text::bytes::read(&fstab_path())
        .map(|t| parse_fstab(&t))
        .unwrap_or_default();
    let cmdline = std::fs::read_to_string(f.sys("/proc/cmdline")).unwrap_or_default();
    let mode = cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("fsck.mode="))
        .map(str::to_string);
    let forcefsck = f.sys_root == Path::new("/") && Path::new("/forcefsck").exists();

    let mut due = Vec::new();
    let mut examined = Vec::new();
    let mut unknown = Vec::new();
    let (mut inodes, mut bytes) = (0u64, 0u64);
    let mut seen: Vec<(u32, u32)> = Vec::new();

    // (mount point, device node to read, device name for people, fstype, mounted)
    let mut candidates: Vec<(String, PathBuf, String, String, bool)> = Vec::new();
    let mut ordered: Vec<&mounts::Mount> = all.iter().collect();
    ordered.sort_by_key(|m| m.root != "/");
    for m in ordered {
        if seen.contains(&(m.major, m.minor)) || m.major == 0 {
            continue;
        }
        if m.fstype.starts_with("ext") || NO_FORCED.contains(&m.fstype.as_str()) {
            seen.push((m.major, m.minor));
            let (node, name) = mount_device(f, m);
            candidates.push((m.mount_point.clone(), node, name, m.fstype.clone(), true));
        }
    }
    for e in &fstab {
        let boot = e.passno > 0 && !e.options.split(',').any(|o| o == "noauto");
        if !boot || candidates.iter().any(|c| c.0 == e.file) {
            continue;
        }
        if let Some(node) = spec_device(f, &e.spec) {
            candidates.push((
                e.file.clone(),
                node,
                e.spec.clone(),
                e.vfstype.clone(),
                false,
            ));
        }
    }

    for (point, node, name, fstype, mounted) in candidates {
        let pass = fstab.iter().find(|e| e.file == point).map(|e| e.passno);
        let label = |extra: &str| format!("{point} ({name}, {fstype}{extra})");
        if NO_FORCED.contains(&fstype.as_str()) {
            examined.push(format!(
                "{}: no forced check ({fstype} is not checked at boot)",
                label("")
            ));
            continue;
        }
        if mode.as_deref() == Some("skip") {
            examined.push(format!(
                "{}: fsck.mode=skip on the kernel command line",
                label("")
            ));
            continue;
        }
        if pass == Some(0) {
            examined.push(format!(
                "{}: pass 0 in fstab, not checked at boot",
                label("")
            ));
            continue;
        }
        let sb = match read_superblock(&node) {
            Ok(sb) => sb,
            Err(e) if fstype.starts_with("ext") => {
                unknown.push(format!("{}: {e}", label("")));
                continue;
            }
            Err(_) => continue, // `auto` or another type in fstab that is not ext
        };
        let mut why = sb.forced_reasons(now, mounted);
        if mode.as_deref() == Some("force") {
            why.push("fsck.mode=force on the kernel command line".into());
        } else if forcefsck {
            why.push("/forcefsck exists".into());
        }
        let size = format!(
            ", {}, {} inodes in use",
            human_bytes(sb.bytes()),
            thousands(sb.inodes_used())
        );
        let line = label(&size);
        if why.is_empty() {
            let hint = if sb.max_mnt_count > 0 {
                format!(
                    "clean, check in {} mounts",
                    (sb.max_mnt_count as u16).saturating_sub(sb.mnt_count)
                )
            } else {
                "clean, no forced check scheduled".to_string()
            };
            examined.push(format!("{line}: {hint}"));
        } else {
            let s = format!("{line}: {}", why.join("; "));
            examined.push(s.clone());
            due.push(Value::from(s));
            inodes += sb.inodes_used();
            bytes += sb.bytes();
        }
    }
    let due_v = if !due.is_empty() {
        Value::from(true)
    } else if !unknown.is_empty() {
        crate::facts::failed(format!("superblock unreadable: {}", unknown.join("; ")))
    } else {
        Value::from(false)
    };
    Ok(answer([
        ("fsck.due", due_v),
        ("fsck.count", due.len().into()),
        ("fsck.filesystems", due.into()),
        ("fsck.inodes", inodes.into()),
        ("fsck.bytes", bytes.into()),
        (
            "fsck.examined",
            examined
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "fsck.unknown",
            unknown
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>()
                .into(),
        ),
    ]))
}

static FSCK: Probe = Probe {
    id: "fsck",
    run: ProbeFn::Whole(fsck_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef {
        name: "fsck.due",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "bool",
        doc: const_format_doc::DUE,
    },
    FactDef {
        name: "fsck.filesystems",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "list",
        doc: const_format_doc::FILESYSTEMS,
    },
    FactDef {
        name: "fsck.count",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "number",
        doc: const_format_doc::COUNT,
    },
    FactDef {
        name: "fsck.inodes",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "number",
        doc: const_format_doc::INODES,
    },
    FactDef {
        name: "fsck.bytes",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "number",
        doc: const_format_doc::BYTES,
    },
    FactDef {
        name: "fsck.examined",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "list",
        doc: const_format_doc::EXAMINED,
    },
    FactDef {
        name: "fsck.unknown",
        scope: Scope::Host,
        probe: &FSCK,
        ty: "list",
        doc: const_format_doc::UNKNOWN,
    },
];

/// The manuals, sharing one "How it is found" text.
mod const_format_doc {
    macro_rules! doc {
        ($tells:literal, $unknown:literal, $example:literal) => {
            concat!("## What it tells\n", $tells, "\n## How it is found\n", "Every mounted ext2/3/4 filesystem (bind mounts once) and every fstab entry with a pass number > 0 and without `noauto` that is not mounted: the primary superblock read from the device (byte 1024) and checked as boot-time `e2fsck -p` does: errors recorded (state ERROR_FS or s_error_count > 0), not cleanly unmounted without a journal (only when not mounted: the kernel clears that flag on a mounted journal-less filesystem), mount count ≥ maximum (> 0), now − last check ≥ interval (> 0), a last check in the future; `fsck.mode=force|skip` on /proc/cmdline and /forcefsck also count. A mount point with pass 0 in fstab is never checked at boot. XFS, btrfs and the like are listed as \"no forced check\". fstab is /etc/fstab (the test hook `SAFEOP_FSTAB` (`context`)).", "\n## When it is unknown\n", $unknown, "\n## Example\n", $example)
        };
    }
    pub(super) const DUE: &str = doc!("Whether the next boot will run a full fsck on at least one filesystem: the \"3 minute reboot\" that takes hours.", "Failed (the rule's `unknown:` decides; the reason names each superblock) when no filesystem is due but some ext superblock could not be read (not root, device gone): see `fsck.unknown`. A fact error when mountinfo cannot be read.", "`true` after `tune2fs -c 25 -C 30`.");
    pub(super) const FILESYSTEMS: &str = doc!("Each filesystem the next boot will check in full, with its size and why, for messages.", "Empty when none is due.", "`[\"/srv (/dev/loop3, ext4, 2.0 GiB, 131,072 inodes in use): mounted 30 times, check forced at 25\"]`.");
    pub(super) const COUNT: &str = doc!(
        "How many filesystems the next boot will check in full.",
        "0 when none is due.",
        "`1`."
    );
    pub(super) const INODES: &str = doc!("Inodes in use, summed over the filesystems due: pass 1 of e2fsck reads every inode, so this is the best single measure of how long the check takes.", "0 when none is due. Free-inode counts in a mounted superblock can lag a little.", "`131072`.");
    pub(super) const BYTES: &str = doc!(
        "Total size in bytes of the filesystems due.",
        "0 when none is due.",
        "`2147483648`."
    );
    pub(super) const EXAMINED: &str = doc!("Every filesystem looked at and what boot will do with it (`clean, check in 5 mounts`, `no forced check (xfs …)`, `pass 0 in fstab`).", "Empty when nothing relevant is mounted.", "`[\"/ (/dev/sda1, ext4, 40.0 GiB, 312,004 inodes in use): clean, no forced check scheduled\"]`.");
    pub(super) const UNKNOWN: &str = doc!(
        "ext filesystems whose superblock could not be read, and why.",
        "Empty when every superblock was read.",
        "`[\"/ (/dev/vda, ext4): open `/dev/vda`: Operation not permitted\"]`."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A superblock image built field by field (offsets from SYSTEM-FACTS D.2).
    struct Sb(Vec<u8>);

    impl Sb {
        fn new() -> Sb {
            let mut s = Sb(vec![0u8; 1024]);
            s.u16(0x38, EXT_MAGIC)
                .u32(0x00, 131_072)
                .u32(0x10, 131_000)
                .u32(0x04, 524_288)
                .u32(0x18, 2);
            s.u16(0x3A, 1).u32(0x5C, 0x4).u16(0x36, 0xFFFF);
            s
        }
        fn u16(&mut self, o: usize, v: u16) -> &mut Sb {
            self.0[o..o + 2].copy_from_slice(&v.to_le_bytes());
            self
        }
        fn u32(&mut self, o: usize, v: u32) -> &mut Sb {
            self.0[o..o + 4].copy_from_slice(&v.to_le_bytes());
            self
        }
        fn parse(&self) -> Superblock {
            parse_superblock(&self.0).expect("valid superblock")
        }
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn clean_fresh_filesystem_is_not_forced() {
        let sb = Sb::new().parse();
        assert_eq!(sb.block_size, 4096);
        assert_eq!(sb.bytes(), 2 << 30);
        assert_eq!(sb.inodes_used(), 72);
        assert_eq!(sb.max_mnt_count, -1);
        assert!(sb.has_journal);
        assert!(sb.forced_reasons(NOW, true).is_empty());
    }

    #[test]
    fn mount_count_reached() {
        let sb = Sb::new().u16(0x34, 30).u16(0x36, 25).parse();
        assert_eq!(
            sb.forced_reasons(NOW, true),
            vec!["mounted 30 times, check forced at 25"]
        );
        let sb = Sb::new().u16(0x34, 24).u16(0x36, 25).parse();
        assert!(sb.forced_reasons(NOW, true).is_empty());
    }

    #[test]
    fn interval_passed() {
        let last = 1_577_836_800u32; // 2020-01-01
        let sb = Sb::new().u32(0x40, last).u32(0x44, 86_400).parse();
        let r = sb.forced_reasons(NOW, true);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].contains("since the last check (on 2020-01-01), check forced every day"),
            "{r:?}"
        );
        let sb = Sb::new()
            .u32(0x40, (NOW - 100) as u32)
            .u32(0x44, 86_400)
            .parse();
        assert!(sb.forced_reasons(NOW, true).is_empty());
        let sb = Sb::new()
            .u32(0x40, (NOW + 1000) as u32)
            .u32(0x44, 86_400)
            .parse();
        assert_eq!(
            sb.forced_reasons(NOW, true),
            vec!["last check time is in the future"]
        );
    }

    #[test]
    fn lastcheck_high_byte() {
        let mut s = Sb::new();
        s.u32(0x40, 5);
        s.0[0x277] = 1;
        assert_eq!(s.parse().lastcheck, (1i64 << 32) + 5);
    }

    #[test]
    fn errors_and_unclean_state() {
        let sb = Sb::new().u16(0x3A, 3).parse();
        assert_eq!(
            sb.forced_reasons(NOW, true),
            vec!["contains a file system with errors"]
        );
        let sb = Sb::new().u32(0x194, 4).parse();
        assert_eq!(sb.forced_reasons(NOW, true), vec!["4 errors recorded"]);
        // ext2 (no journal) not clean: only a reason when it is not mounted now.
        let sb = Sb::new().u16(0x3A, 0).u32(0x5C, 0).parse();
        assert!(sb.forced_reasons(NOW, true).is_empty());
        assert_eq!(
            sb.forced_reasons(NOW, false),
            vec!["was not cleanly unmounted"]
        );
        // A journaled filesystem that is not clean only replays its journal.
        let sb = Sb::new().u16(0x3A, 0).parse();
        assert!(sb.forced_reasons(NOW, false).is_empty());
    }

    #[test]
    fn sixty_four_bit_block_count() {
        let sb = Sb::new().u32(0x60, 0x80).u32(0x150, 1).parse();
        assert_eq!(sb.blocks_count, (1u64 << 32) + 524_288);
        let sb = Sb::new().u32(0x150, 1).parse();
        assert_eq!(
            sb.blocks_count, 524_288,
            "hi word ignored without INCOMPAT_64BIT"
        );
    }

    #[test]
    fn not_ext() {
        let e = parse_superblock(&[0u8; 1024]).expect_err("zeros");
        assert!(e.contains("magic 0x0000"), "{e}");
        assert!(parse_superblock(&[0u8; 10]).is_err());
    }

    #[test]
    fn fstab_lines() {
        let t = "# c\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/sdb1 /srv\\040data xfs defaults 0 2\nLABEL=x /mnt ext4 noauto\n\n";
        let e = parse_fstab(t);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].passno, 1);
        assert_eq!(e[1].file, "/srv data");
        assert_eq!(e[2].passno, 0);
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(human_bytes(2 << 30), "2.0 GiB");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(thousands(131_072), "131,072");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
