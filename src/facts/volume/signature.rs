//! Volume-member signatures read from the device itself (module docs of `volume`): the bytes
//! LVM2, LUKS, md and ZFS write where they define them. Read-only; at most 4 KiB at the start,
//! 4 KiB near the end and, on a device big enough to be a ZFS vdev, the 128 KiB uberblock ring
//! of its first label.

use super::super::{answer, path::resolve, Facts, PathSubject, ProbeResult};
use crate::text::bytes;
use serde_json::Value;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt};

/// The errno values of a device node that has no device or medium behind it.
const NO_DEVICE: [i32; 3] = [
    nix::errno::Errno::ENXIO as i32,
    nix::errno::Errno::ENODEV as i32,
    nix::errno::Errno::ENOMEDIUM as i32,
];

/// md's superblock magic (md_p.h `MD_SB_MAGIC`).
const MD_MAGIC: u32 = 0xa92b_4efc;
/// ZFS's uberblock magic (`UBERBLOCK_MAGIC`, "oo-ba-bloc").
const ZFS_UB_MAGIC: u64 = 0x00ba_b10c;
/// ZFS refuses devices smaller than this (`SPA_MINDEVSIZE`).
const ZFS_MIN_DEVICE: u64 = 64 << 20;

/// Reads `len` bytes at `at`; what the file does not have is left out (a short read).
fn read_at(file: &std::fs::File, at: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match file.read_at(&mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(buf)
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_le(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// An md 1.x superblock at byte `at`: the magic, major version 1 and its own `super_offset`
/// (in sectors, at byte 144) saying it is where it is.
fn md1_at(file: &std::fs::File, at: u64) -> std::io::Result<bool> {
    let b = read_at(file, at, 256)?;
    Ok(u32_le(&b, 0) == Some(MD_MAGIC)
        && u32_le(&b, 4) == Some(1)
        && u64_le(&b, 144) == Some(at / 512))
}

/// What signature the bytes carry: (blkid's TYPE, words for a message).
pub fn detect(file: &std::fs::File, size: u64) -> std::io::Result<Option<(&'static str, String)>> {
    let head = read_at(file, 0, 4096)?;
    if head.starts_with(b"LUKS\xba\xbe") {
        return Ok(Some((
            "crypto_LUKS",
            "a LUKS header (`LUKS\\xba\\xbe` at byte 0)".into(),
        )));
    }
    for sector in 0..4 {
        let at = sector * 512;
        if head.get(at..at + 8) == Some(b"LABELONE")
            && head.get(at + 24..at + 32) == Some(b"LVM2 001")
        {
            return Ok(Some((
                "LVM2_member",
                format!("an LVM2 physical volume label (LABELONE in sector {sector})"),
            )));
        }
    }
    for (at, version) in [(4096u64, "1.2"), (0, "1.1")] {
        if md1_at(file, at)? {
            return Ok(Some((
                "linux_raid_member",
                format!("an md RAID superblock (version {version}, at byte {at})"),
            )));
        }
    }
    if size >= 12 << 10 {
        let at = ((size / 512 - 16) & !7) * 512;
        if md1_at(file, at)? {
            return Ok(Some((
                "linux_raid_member",
                format!("an md RAID superblock (version 1.0, at byte {at})"),
            )));
        }
    }
    if size >= 128 << 10 {
        let at = (size & !0xffff) - 0x10000;
        let b = read_at(file, at, 8)?;
        if u32_le(&b, 0) == Some(MD_MAGIC) && u32_le(&b, 4) == Some(0) {
            return Ok(Some((
                "linux_raid_member",
                format!("an md RAID superblock (version 0.90, at byte {at})"),
            )));
        }
    }
    if size >= ZFS_MIN_DEVICE {
        let ring = read_at(file, 128 << 10, 128 << 10)?;
        for slot in (0..ring.len()).step_by(1024) {
            let m = u64_le(&ring, slot);
            if m == Some(ZFS_UB_MAGIC) || m == Some(ZFS_UB_MAGIC.swap_bytes()) {
                return Ok(Some((
                    "zfs_member",
                    format!(
                        "a ZFS vdev label (uberblock magic 0x00bab10c at byte {})",
                        (128 << 10) + slot
                    ),
                )));
            }
        }
    }
    Ok(None)
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let none = || {
        answer([
            ("signature.type", Value::Null),
            ("signature.what", Value::Null),
        ])
    };
    let path = resolve(f, s);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(none()),
        Err(e) => return Err(format!("stat `{}`: {e}", bytes::show_path(&path))),
    };
    let block = meta.file_type().is_block_device();
    if !block && !meta.is_file() {
        return Ok(none());
    }
    let shown = bytes::show_path(&path);
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        // A node with no device behind it (ENXIO, ENODEV) or a drive with no medium holds no
        // one's data.
        Err(e) if e.raw_os_error().is_some_and(|n| NO_DEVICE.contains(&n)) => return Ok(none()),
        Err(e) => return Err(format!("open `{shown}` to read its signature: {e}")),
    };
    let size = if block {
        file.seek(SeekFrom::End(0))
            .map_err(|e| format!("size of `{shown}`: {e}"))?
    } else {
        meta.len()
    };
    match detect(&file, size).map_err(|e| format!("read `{shown}`: {e}"))? {
        Some((t, what)) => Ok(answer([
            ("signature.type", t.into()),
            ("signature.what", what.into()),
        ])),
        None => Ok(none()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn image(size: usize, at: usize, bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        let mut data = vec![0u8; size];
        data[at..at + bytes.len()].copy_from_slice(bytes);
        f.write_all(&data).expect("write");
        f
    }

    fn found(f: &tempfile::NamedTempFile) -> Option<&'static str> {
        let size = f.as_file().metadata().expect("meta").len();
        detect(f.as_file(), size).expect("reads").map(|(t, _)| t)
    }

    #[test]
    fn each_signature_where_its_format_puts_it() {
        assert_eq!(
            found(&image(8192, 0, b"LUKS\xba\xbe\0\x02")),
            Some("crypto_LUKS")
        );
        let mut pv = vec![0u8; 32];
        pv[..8].copy_from_slice(b"LABELONE");
        pv[24..].copy_from_slice(b"LVM2 001");
        assert_eq!(found(&image(8192, 512, &pv)), Some("LVM2_member"));
        let mut md = vec![0u8; 256];
        md[..4].copy_from_slice(&MD_MAGIC.to_le_bytes());
        md[4..8].copy_from_slice(&1u32.to_le_bytes());
        md[144..152].copy_from_slice(&8u64.to_le_bytes());
        assert_eq!(found(&image(1 << 20, 4096, &md)), Some("linux_raid_member"));
        // The magic without its own offset is not a superblock.
        md[144..152].copy_from_slice(&9u64.to_le_bytes());
        assert_eq!(found(&image(1 << 20, 4096, &md)), None);
        assert_eq!(found(&image(8192, 0, b"hello")), None);
        assert_eq!(found(&image(0, 0, b"")), None);
    }

    #[test]
    fn md_1_0_and_0_90_near_the_end() {
        let size = 1 << 20;
        let at = ((size as u64 / 512 - 16) & !7) * 512;
        let mut md = vec![0u8; 256];
        md[..4].copy_from_slice(&MD_MAGIC.to_le_bytes());
        md[4..8].copy_from_slice(&1u32.to_le_bytes());
        md[144..152].copy_from_slice(&(at / 512).to_le_bytes());
        assert_eq!(
            found(&image(size, at as usize, &md)),
            Some("linux_raid_member")
        );
        let at = (size & !0xffff) - 0x10000;
        let mut old = vec![0u8; 8];
        old[..4].copy_from_slice(&MD_MAGIC.to_le_bytes());
        assert_eq!(found(&image(size, at, &old)), Some("linux_raid_member"));
    }
}
