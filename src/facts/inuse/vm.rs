//! Is the target the disk of a running virtual machine? One answer from every hypervisor stack
//! the machine has tools for (Xen through `xl`/xenstore, libvirt through `virsh`), matched by
//! identity: a domain's disk source is stat'ed and compared with the target's device and inode
//! (or block device number), so symlinks, bind mounts and `..` do not hide it. A source that
//! cannot be stat'ed is compared as a normalized path.

use super::super::{answer, path::resolve, Facts, PathSubject, ProbeResult};
use super::identity::{self, Identity};
use super::{libvirt, xen};
use crate::text::bytes;
use serde_json::Value;
use std::path::Path;

/// One disk of one running domain.
#[derive(Debug, Clone, PartialEq)]
pub struct VmDisk {
    /// `xen` or `libvirt`.
    pub hypervisor: &'static str,
    pub domain: String,
    pub id: Option<String>,
    /// The guest's name for it (`xvda`, `vda`, `hdb`).
    pub disk: String,
    /// The backing path (or a non-path name: iSCSI IQN, drbd resource, rbd pool/image).
    pub source: String,
    /// A block device number the backend reports (xenstore `physical-device`).
    pub device: Option<u64>,
    pub readwrite: bool,
}

impl VmDisk {
    fn uses(&self, id: &Identity, path: &Path) -> bool {
        if let (Some(d), Some(b)) = (self.device, id.block) {
            if d == b {
                return true;
            }
        }
        if !self.source.starts_with('/') {
            return false;
        }
        let source = bytes::path(&self.source);
        match std::fs::metadata(&source) {
            Ok(m) => Identity::from_meta(&m).same(id),
            Err(_) => super::super::normalize(&source) == path,
        }
    }
}

type Listing = Result<Option<Vec<VmDisk>>, String>;

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let xen = f.memo("xen_disks", |_| xen::disks());
    let lv = f.memo("libvirt_disks", |_| libvirt::disks());
    let listings: [(&str, &Listing); 2] = [("xen", &xen), ("libvirt", &lv)];
    let errors: Vec<Value> = listings
        .iter()
        .filter_map(|(name, l)| {
            l.as_ref()
                .err()
                .map(|e| Value::from(format!("{name}: {e}")))
        })
        .collect();
    let none = |running: Value| {
        answer([
            ("vm.running", running),
            ("vm.errors", errors.clone().into()),
            ("vm.name", Value::Null),
            ("vm.id", Value::Null),
            ("vm.disk", Value::Null),
            ("vm.hypervisor", Value::Null),
            ("vm.readwrite", Value::Null),
        ])
    };
    let Some(id) = identity::of(f, s)? else {
        let any_tool = listings.iter().any(|(_, l)| !matches!(l, Ok(None)));
        return Ok(none(if any_tool { false.into() } else { Value::Null }));
    };
    let path = resolve(f, s);
    let mut hits: Vec<&VmDisk> = Vec::new();
    let mut answered = false;
    for (_, l) in listings {
        if let Ok(Some(list)) = l {
            answered = true;
            hits.extend(list.iter().filter(|d| d.uses(&id, &path)));
        }
    }
    // A read-write user is the one to name first.
    hits.sort_by_key(|d| !d.readwrite);
    let Some(hit) = hits.first() else {
        // A stack that could not answer leaves the question open: not "not in use". Unless it
        // is a directory, or the kernel says no one has the file open at all: a running
        // domain's disk is always held open (by QEMU, tapdisk, or the loop device under
        // blkback), so `xl` failing on a host not booted under Xen, or libvirtd being down,
        // does not make every delete ask.
        let no = if errors.is_empty() {
            answered
        } else {
            super::open_files::idle(f, s)
        };
        let running = if no { false.into() } else { Value::Null };
        return Ok(none(running));
    };
    let id = hit.id.clone().or_else(|| {
        if hit.hypervisor == "libvirt" {
            libvirt::domid(&hit.domain)
        } else {
            None
        }
    });
    Ok(answer([
        ("vm.running", true.into()),
        ("vm.name", hit.domain.clone().into()),
        ("vm.id", id.map(Value::from).unwrap_or(Value::Null)),
        ("vm.disk", hit.disk.clone().into()),
        ("vm.hypervisor", hit.hypervisor.into()),
        ("vm.readwrite", hits.iter().any(|d| d.readwrite).into()),
        ("vm.errors", errors.into()),
    ]))
}
