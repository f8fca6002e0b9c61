//! What kind of disk image a file is, by its magic bytes: only the first 4 KiB (and, for fixed
//! VHD images whose only header is a footer, the last 512 bytes) are read; the file is never
//! read further and never opened for writing.

use super::super::{answer, Facts, PathSubject, ProbeResult};
use super::identity;
use serde_json::Value;
use std::io::{Read, Seek, SeekFrom};

/// Names a disk-image format from the first bytes of a file (and its last 512, if known).
pub fn detect(head: &[u8], tail: Option<&[u8]>) -> Option<&'static str> {
    let at = |off: usize, magic: &[u8]| {
        head.len() >= off + magic.len() && &head[off..off + magic.len()] == magic
    };
    if at(0, b"QFI\xfb") {
        // Version 1 is the old qcow format, 2 and 3 are qcow2.
        return Some(if at(4, &[0, 0, 0, 1]) {
            "qcow"
        } else {
            "qcow2"
        });
    }
    if at(0, b"QED\0") {
        return Some("qed");
    }
    if at(0, b"vhdxfile") {
        return Some("vhdx");
    }
    if at(0, b"conectix") || tail.is_some_and(|t| t.starts_with(b"conectix")) {
        return Some("vhd");
    }
    if at(0, b"KDMV") || at(0, b"COWD") || at(0, b"# Disk DescriptorFile") {
        return Some("vmdk");
    }
    if at(0x40, &[0x7f, 0x10, 0xda, 0xbe]) {
        return Some("vdi");
    }
    // GPT header at LBA 1 for 512- and 4096-byte sectors.
    if at(512, b"EFI PART") || at(4096, b"EFI PART") {
        return Some("raw-gpt");
    }
    if at(510, &[0x55, 0xaa]) {
        return Some("raw-mbr");
    }
    // A bare filesystem, no partition table (`mkfs.ext4 fs.img`, what a loop mount or a Xen
    // `file:` disk uses): ext2/3/4's superblock magic at 1024 + 56, XFS's at 0, LUKS's.
    if at(1080, &[0x53, 0xef]) {
        return Some("raw-ext");
    }
    if at(0, b"XFSB") {
        return Some("raw-xfs");
    }
    if at(0, b"LUKS\xba\xbe") {
        return Some("raw-luks");
    }
    None
}

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let none = || Ok(answer([("image.format", Value::Null)]));
    let Some(id) = identity::of(f, s)? else {
        return none();
    };
    if !id.is_file {
        return none(); // block devices, directories, fifos: not image files
    }
    let path = super::super::path::resolve(f, s);
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY | nix::libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| {
            format!(
                "open `{}` to read its first bytes: {e}",
                crate::text::bytes::show_path(&path)
            )
        })?;
    let mut head = Vec::with_capacity(4608);
    (&mut file)
        .take(4608)
        .read_to_end(&mut head)
        .map_err(|e| format!("read `{}`: {e}", crate::text::bytes::show_path(&path)))?;
    let len = file
        .metadata()
        .map(|m| std::os::unix::fs::MetadataExt::size(&m))
        .unwrap_or(0);
    let mut tail = None;
    if len >= 1024 {
        let mut buf = [0u8; 512];
        if file.seek(SeekFrom::Start(len - 512)).is_ok() && file.read_exact(&mut buf).is_ok() {
            tail = Some(buf);
        }
    }
    let fmt = detect(&head, tail.as_ref().map(|t| &t[..]));
    Ok(answer([(
        "image.format",
        fmt.map(Value::from).unwrap_or(Value::Null),
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(off: usize, magic: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; 8192];
        v[off..off + magic.len()].copy_from_slice(magic);
        v
    }

    #[test]
    fn magics() {
        assert_eq!(detect(&at(0, b"QFI\xfb\0\0\0\x03"), None), Some("qcow2"));
        assert_eq!(detect(&at(0, b"QFI\xfb\0\0\0\x01"), None), Some("qcow"));
        assert_eq!(detect(&at(0, b"vhdxfile"), None), Some("vhdx"));
        assert_eq!(detect(&at(0, b"conectix"), None), Some("vhd"));
        assert_eq!(
            detect(&[0u8; 4096], Some(b"conectix\0\0")),
            Some("vhd"),
            "fixed VHD: footer only"
        );
        assert_eq!(detect(&at(0, b"KDMV"), None), Some("vmdk"));
        assert_eq!(
            detect(&at(0, b"# Disk DescriptorFile\nversion=1"), None),
            Some("vmdk")
        );
        assert_eq!(
            detect(&at(0x40, &[0x7f, 0x10, 0xda, 0xbe]), None),
            Some("vdi")
        );
        let mut gpt = at(510, &[0x55, 0xaa]);
        gpt[512..520].copy_from_slice(b"EFI PART");
        assert_eq!(detect(&gpt, None), Some("raw-gpt"));
        assert_eq!(detect(&at(510, &[0x55, 0xaa]), None), Some("raw-mbr"));
        assert_eq!(detect(&at(1080, &[0x53, 0xef]), None), Some("raw-ext"));
        assert_eq!(detect(&at(0, b"XFSB"), None), Some("raw-xfs"));
        assert_eq!(detect(&at(0, b"LUKS\xba\xbe"), None), Some("raw-luks"));
        // An inactive swap area holds nothing to keep: no disk image (removing one is routine).
        assert_eq!(detect(&at(4086, b"SWAPSPACE2"), None), None);
        assert_eq!(detect(&[0u8; 4096], None), None);
        assert_eq!(detect(b"QF", None), None, "short files are not images");
    }

    #[test]
    fn a_real_qcow2_made_by_qemu_img() {
        if std::process::Command::new("qemu-img")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("SKIPPED: qemu-img is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for (fmt, want) in [
            ("qcow2", "qcow2"),
            ("vmdk", "vmdk"),
            ("vpc", "vhd"),
            ("vhdx", "vhdx"),
            ("vdi", "vdi"),
        ] {
            let p = dir.path().join(format!("x.{fmt}"));
            let ok = std::process::Command::new("qemu-img")
                .args(["create", "-q", "-f", fmt])
                .arg(&p)
                .arg("1M")
                .status()
                .unwrap();
            assert!(ok.success());
            let mut head = Vec::new();
            std::fs::File::open(&p)
                .unwrap()
                .take(4608)
                .read_to_end(&mut head)
                .unwrap();
            assert_eq!(detect(&head, None), Some(want), "{fmt}");
        }
    }
}
