//! libvirt domains and their disks: `virsh list --name` (running domains only; inactive ones hold
//! no image open), then `virsh domblklist --details DOM` for each, on virsh's default connection
//! (`LIBVIRT_DEFAULT_URI`, else `qemu:///system` as root).
//!
//! The table has no JSON form. Its Source column is the last one and may contain spaces, so a row
//! is read as three blank-separated words (Type, Device, Target) and the trimmed rest (Source);
//! `-` is no source (an empty CD-ROM), and `network` sources are names on a remote store, never
//! local paths.

use super::helper;
use super::vm::VmDisk;

/// Running domain names from `virsh list --name` (one per line, a blank line at the end).
pub fn parse_list_names(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// One row of `virsh domblklist --details`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlkRow {
    pub kind: String,
    pub device: String,
    pub target: String,
    /// `None` for `-`.
    pub source: Option<String>,
}

/// Parses `virsh domblklist --details` (also the older layout without the leading space).
pub fn parse_domblklist_details(text: &str) -> Result<Vec<BlkRow>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_default();
    let words: Vec<&str> = header.split_whitespace().collect();
    if words != ["Type", "Device", "Target", "Source"] {
        return Err(format!(
            "`virsh domblklist --details` printed an unexpected header `{}`",
            header.trim()
        ));
    }
    let mut out = Vec::new();
    for line in lines {
        let t = line.trim();
        if t.chars().all(|c| c == '-') {
            continue;
        }
        let mut rest = t;
        let mut cols = Vec::new();
        for _ in 0..3 {
            let r = rest.trim_start();
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            cols.push(r[..end].to_string());
            rest = &r[end..];
        }
        let source = rest.trim();
        if cols.iter().any(String::is_empty) || source.is_empty() {
            return Err(format!(
                "`virsh domblklist --details` printed an unexpected row `{t}`"
            ));
        }
        out.push(BlkRow {
            kind: cols[0].clone(),
            device: cols[1].clone(),
            target: cols[2].clone(),
            source: (source != "-").then(|| source.to_string()),
        });
    }
    Ok(out)
}

/// The disks of running libvirt domains; `Ok(None)` when `virsh` is not installed.
pub fn disks() -> Result<Option<Vec<VmDisk>>, String> {
    let Some(text) = helper::run("virsh", &["list", "--name"])? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for dom in parse_list_names(&text) {
        let table = match helper::run("virsh", &["domblklist", "--details", &dom])? {
            Some(t) => t,
            None => return Err("`virsh` disappeared while it was being asked".into()),
        };
        for row in parse_domblklist_details(&table)? {
            let Some(source) = row.source else { continue };
            if row.kind == "network" {
                continue;
            }
            out.push(VmDisk {
                hypervisor: "libvirt",
                domain: dom.clone(),
                id: None,
                disk: row.target,
                source,
                device: None,
                // domblklist shows no <readonly/>; a CD-ROM is read-only by nature.
                readwrite: row.device != "cdrom",
            });
        }
    }
    Ok(Some(out))
}

/// The numeric id of a running domain (`virsh domid`), if virsh tells.
pub fn domid(dom: &str) -> Option<String> {
    let out = helper::run("virsh", &["domid", dom]).ok()??;
    let id = out.trim();
    (!id.is_empty() && id != "-").then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real virsh 9.0.0 output (shared/fixtures/libvirt/virsh-9.0.0-domblklist-details-web01.txt).
    const WEB01: &str = " Type      Device   Target   Source
---------------------------------------------------------------------
 file      disk     vda      /var/lib/libvirt/images/web01.qcow2
 block     disk     vdb      /dev/vg0/web01-data
 network   disk     vdc      pool/web01-scratch
 file      disk     vdd      /srv/images/with space/web01 extra.img
 file      cdrom    sda      -

";

    #[test]
    fn details_table() {
        let r = parse_domblklist_details(WEB01).unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(
            r[0],
            BlkRow {
                kind: "file".into(),
                device: "disk".into(),
                target: "vda".into(),
                source: Some("/var/lib/libvirt/images/web01.qcow2".into())
            }
        );
        assert_eq!(
            r[3].source.as_deref(),
            Some("/srv/images/with space/web01 extra.img")
        );
        assert_eq!(r[4].source, None);
        assert_eq!(r[2].kind, "network");
    }

    #[test]
    fn older_layout_and_odd_output() {
        let old = "Type       Device     Target     Source\n------------------------------------------------\nfile       disk       vda        /var/lib/libvirt/images/dev7.img\nblock      cdrom      hda        -\n";
        let r = parse_domblklist_details(old).unwrap();
        assert_eq!(
            r[0].source.as_deref(),
            Some("/var/lib/libvirt/images/dev7.img")
        );
        assert_eq!(r[1].source, None);
        assert!(
            parse_domblklist_details(" Target   Source\n----\n vda  /x\n").is_err(),
            "without --details the columns differ"
        );
        assert!(parse_domblklist_details("").is_err());
        assert!(parse_domblklist_details(" Type Device Target Source\n---\n file disk\n").is_err());
    }

    #[test]
    fn list_names() {
        assert_eq!(parse_list_names("web01\ndb02\n\n"), vec!["web01", "db02"]);
        assert!(parse_list_names("\n").is_empty());
    }
}
