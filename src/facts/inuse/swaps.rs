//! Active swap: `/proc/swaps` lists every swap partition and swap file. A block device target
//! is in use as swap when it or one of its partitions is listed; a file target when it is the
//! same inode as a listed swap file (so a renamed or re-linked swap file is still found).

use super::super::{answer, mounts::unescape, Facts, PathSubject, ProbeResult};
use super::identity::{self, Identity};
use crate::text::bytes;

/// One row of `/proc/swaps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Swap {
    pub filename: String,
    /// `partition` or `file`.
    pub kind: String,
    pub size_kib: u64,
}

/// Parses `/proc/swaps`: a header, then rows whose file name is space-padded to 40 columns (and
/// octal-escaped like mountinfo) followed by whitespace-separated type, size, used, priority.
pub fn parse(text: &str) -> Vec<Swap> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let mut fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 5 {
            continue;
        }
        // From the right: priority, used, size, type; the rest is the name.
        let _prio = fields.pop();
        let _used = fields.pop();
        let size = fields.pop().and_then(|s| s.parse().ok()).unwrap_or(0);
        let kind = fields.pop().unwrap_or_default().to_string();
        let name = unescape(&fields.join(" "));
        let name = name
            .strip_suffix(" (deleted)")
            .map(str::to_string)
            .unwrap_or(name);
        out.push(Swap {
            filename: name,
            kind,
            size_kib: size,
        });
    }
    out
}

/// Is the object `id` (or, for a disk, one of its partitions) active swap?
pub fn is_swap(f: &Facts, id: &Identity, list: &[Swap]) -> bool {
    let part_names: Vec<String> = match id.block {
        Some(rdev) => {
            let (maj, min) = (
                nix::sys::stat::major(rdev) as u32,
                nix::sys::stat::minor(rdev) as u32,
            );
            let link = f.sys(&format!("/sys/dev/block/{maj}:{min}"));
            let mut names: Vec<String> = std::fs::canonicalize(&link)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .into_iter()
                .collect();
            if let Ok(rd) = std::fs::read_dir(&link) {
                names.extend(
                    rd.flatten()
                        .filter(|e| e.path().join("partition").exists())
                        .map(|e| e.file_name().to_string_lossy().into_owned()),
                );
            }
            names
        }
        None => Vec::new(),
    };
    list.iter().any(|s| {
        let by_name = s.filename.strip_prefix("/dev/").is_some_and(|n| part_names.iter().any(|p| p == n));
        by_name || std::fs::metadata(bytes::path(&s.filename)).is_ok_and(|m| {
            let other = Identity::from_meta(&m);
            other.same(id) || matches!((other.block, id.block), (Some(_), Some(_)) if is_partition_of(f, &other, id))
        })
    })
}

/// Is block device `part` a partition of disk `disk` (sysfs `…/DISK/PART/dev`)?
fn is_partition_of(f: &Facts, part: &Identity, disk: &Identity) -> bool {
    let (Some(p), Some(d)) = (part.block, disk.block) else {
        return false;
    };
    let link = f.sys(&format!("/sys/dev/block/{}", identity::dev_string(d)));
    let want = identity::dev_string(p);
    std::fs::read_dir(link).is_ok_and(|rd| {
        rd.flatten().any(|e| {
            e.path().join("partition").exists()
                && std::fs::read_to_string(e.path().join("dev")).is_ok_and(|d| d.trim() == want)
        })
    })
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let Some(id) = identity::of(f, s)? else {
        return Ok(answer([("device.swap", false.into())]));
    };
    // swapon holds a swap file open (and a directory is never swap).
    if super::open_files::idle(f, s) {
        return Ok(answer([("device.swap", false.into())]));
    }
    let p = f.sys("/proc/swaps");
    let text = bytes::read(&p).map_err(|e| format!("read `{}`: {e}", p.display()))?;
    Ok(answer([(
        "device.swap",
        is_swap(f, &id, &parse(&text)).into(),
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_partitions_and_files() {
        let text = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/loop2                              partition\t262140\t\t0\t\t-2\n/tmp/sf/swap\\040file                     file\t\t65532\t\t0\t\t-3\n/tmp/old (deleted)                      file\t\t1024\t\t0\t\t-4\n";
        let s = parse(text);
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0],
            Swap {
                filename: "/dev/loop2".into(),
                kind: "partition".into(),
                size_kib: 262140
            }
        );
        assert_eq!(s[1].filename, "/tmp/sf/swap file");
        assert_eq!(s[1].kind, "file");
        assert_eq!(s[2].filename, "/tmp/old");
    }

    #[test]
    fn header_only_is_no_swap() {
        assert!(parse("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n").is_empty());
    }
}
