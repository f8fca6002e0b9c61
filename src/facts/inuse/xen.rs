//! Xen domains and their disks.
//!
//! First choice is `xl list -l`: one JSON array `[{"domid": N, "config": <libxl_domain_config>}]`
//! whose `config.disks[]` are libxl disk objects (`pdev_path`, `vdev`, `readwrite`, `backend` …;
//! keys with default values are omitted, so a missing `readwrite` means read-only). If the first
//! non-blank byte is not `[` (xl.conf `output_format="sxp"`), the answer is unparseable, never
//! "no domains". Disk entries written as xl disk-spec strings are read too.
//!
//! `xl list -l` skips domains whose stored config it cannot read, and `xl` may be missing on a
//! host that runs Xen through another toolstack; then the backends in xenstore
//! (`xenstore-ls -f /local/domain/0/backend`) are read: `params` (the `fmt:` prefix that tap and
//! qdisk backends carry stripped), `physical-device` (hex `major:minor`), `dev`, `mode`.

use super::helper;
use super::vm::VmDisk;
use serde_json::Value;
use std::collections::BTreeMap;

/// Parses `xl list -l` JSON output.
pub fn parse_xl_list(text: &str) -> Result<Vec<VmDisk>, String> {
    let first = text.trim_start().chars().next();
    if first != Some('[') {
        return Err(match first {
            None => "`xl list -l` printed nothing".to_string(),
            Some(c) => format!("`xl list -l` output is unparseable: it starts with `{c}`, not a JSON array (is `output_format=\"sxp\"` set in /etc/xen/xl.conf?)"),
        });
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("`xl list -l` output is unparseable: {e}"))?;
    let mut out = Vec::new();
    for dom in v.as_array().into_iter().flatten() {
        let domid = dom.get("domid").and_then(Value::as_i64);
        let config = dom.get("config").unwrap_or(&Value::Null);
        let name = config
            .pointer("/c_info/name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| domid.map_or("unnamed domain".into(), |d| format!("domain {d}")));
        for disk in config
            .get("disks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (source, vdev, readwrite) = match disk {
                Value::String(spec) => {
                    let d = parse_disk_spec(spec);
                    (d.target, d.vdev, d.readwrite)
                }
                Value::Object(o) => {
                    let s = |k: &str| {
                        o.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    let n = |k: &str| o.get(k).and_then(Value::as_i64).unwrap_or(0);
                    (
                        s("pdev_path"),
                        s("vdev"),
                        n("readwrite") != 0 && n("is_cdrom") == 0,
                    )
                }
                _ => continue,
            };
            if source.is_empty() {
                continue; // an empty CD-ROM drive
            }
            out.push(VmDisk {
                hypervisor: "xen",
                domain: name.clone(),
                id: domid.map(|d| d.to_string()),
                disk: vdev,
                source,
                device: None,
                readwrite,
            });
        }
    }
    Ok(out)
}

/// One disk as xl's disk-spec syntax writes it (xl-disk-configuration(5)).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiskSpec {
    pub target: String,
    pub vdev: String,
    pub format: String,
    pub readwrite: bool,
    pub cdrom: bool,
}

/// Parses a disk spec in any of the forms xl accepts: positional `target,format,vdev,access`,
/// the legacy `[fmt:]target,vdev[:cdrom],access` (and `phy:`, `file:`, `tap:aio:` prefixes),
/// `key=value` items separated by commas or blanks, and `target=` taking the rest of the string.
pub fn parse_disk_spec(spec: &str) -> DiskSpec {
    let mut d = DiskSpec {
        readwrite: true,
        ..DiskSpec::default()
    };
    let (head, target_kv) = match find_target_key(spec) {
        Some(i) => (&spec[..i], Some(spec[i + "target=".len()..].to_string())),
        None => (spec, None),
    };
    let mut positional = Vec::new();
    let mut access: Option<String> = None;
    for item in head.split(',').flat_map(|s| {
        // Blank-separated key=value items are one comma item in some specs.
        if s.contains('=') {
            s.split_whitespace().map(str::to_string).collect::<Vec<_>>()
        } else {
            vec![s.trim().to_string()]
        }
    }) {
        match item.split_once('=') {
            Some(("vdev", v)) => d.vdev = v.to_string(),
            Some(("format", v)) => d.format = v.to_string(),
            Some(("access", v)) => access = Some(v.to_string()),
            Some(("devtype", v)) => d.cdrom |= v == "cdrom",
            Some(_) => {}
            None if item == "cdrom" => d.cdrom = true,
            None => positional.push(item),
        }
    }
    // Single keywords such as `discard` land in the positional list only when they stand alone
    // in a blank-separated spec; drop those that are not paths or access modes.
    positional.retain(|p| {
        !matches!(
            p.as_str(),
            "discard" | "no-discard" | "trusted" | "untrusted"
        )
    });
    const FORMATS: &[&str] = &["raw", "qcow", "qcow2", "vhd", "qed", "empty"];
    // Legacy specs put the vdev second (never empty, never a format name) or prefix the target.
    let legacy = positional
        .first()
        .is_some_and(|t| t.contains(':') && !t.starts_with('/'))
        || (positional.len() == 3
            && !positional[1].is_empty()
            && !FORMATS.contains(&positional[1].as_str()));
    if legacy && target_kv.is_none() {
        // [fmt:]target,vdev[:devtype],access
        d.target = strip_prefixes(
            positional.first().map(String::as_str).unwrap_or_default(),
            &mut d.format,
        );
        if let Some(v) = positional.get(1) {
            match v.split_once(':') {
                Some((v, t)) => {
                    d.vdev = v.to_string();
                    d.cdrom |= t == "cdrom";
                }
                None => d.vdev = v.clone(),
            }
        }
        access = access.or_else(|| positional.get(2).cloned());
    } else {
        let mut it = positional.into_iter();
        if target_kv.is_none() {
            d.target = it.next().unwrap_or_default();
        }
        if let Some(fmt) = it.next().filter(|s| !s.is_empty()) {
            d.format = fmt;
        }
        if let Some(v) = it.next().filter(|s| !s.is_empty()) {
            match v.split_once(':') {
                Some((v, t)) => {
                    d.vdev = v.to_string();
                    d.cdrom |= t == "cdrom";
                }
                None => d.vdev = v,
            }
        }
        access = access.or_else(|| it.next().filter(|s| !s.is_empty()));
    }
    if let Some(t) = target_kv {
        d.target = t.trim().to_string();
    }
    d.readwrite = match access.as_deref() {
        Some("r" | "ro") => false,
        Some(_) => true,
        None => !d.cdrom,
    } && !d.cdrom;
    d
}

/// Where a `target=` key starts (at the start or after a comma or blank).
fn find_target_key(spec: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = spec[from..].find("target=") {
        let at = from + i;
        if at == 0 || spec[..at].ends_with([',', ' ', '\t']) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Strips `phy:`, `file:`, `tap:aio:`, `tap2:tapdisk:aio:`, `raw:`, `qcow2:` … from a legacy target.
fn strip_prefixes(t: &str, format: &mut String) -> String {
    const PREFIXES: &[&str] = &[
        "phy", "file", "tap", "tap2", "tapdisk", "aio", "raw", "qcow", "qcow2", "vhd", "qed",
        "iscsi", "drbd",
    ];
    let mut rest = t;
    while let Some((p, r)) = rest.split_once(':') {
        if !PREFIXES.contains(&p) {
            break;
        }
        if matches!(p, "raw" | "qcow" | "qcow2" | "vhd" | "qed") {
            *format = p.to_string();
        }
        rest = r;
    }
    rest.to_string()
}

/// Parses `xenstore-ls -f /local/domain/0/backend`: `/path/key = "value"` lines.
pub fn parse_xenstore_backends(text: &str) -> Vec<VmDisk> {
    // (kind, frontend domid, devid) → key → value
    let mut devs: BTreeMap<(String, String, String), BTreeMap<String, String>> = BTreeMap::new();
    for line in text.lines() {
        let Some((path, value)) = line.split_once(" = ") else {
            continue;
        };
        let value = unquote(value.trim());
        let parts: Vec<&str> = path.trim().split('/').filter(|s| !s.is_empty()).collect();
        // local domain B backend KIND DOMID DEVID KEY
        let Some(i) = parts.iter().position(|p| *p == "backend") else {
            continue;
        };
        if parts.len() != i + 5 {
            continue;
        }
        let key = (
            parts[i + 1].to_string(),
            parts[i + 2].to_string(),
            parts[i + 3].to_string(),
        );
        devs.entry(key)
            .or_default()
            .insert(parts[i + 4].to_string(), value);
    }
    let mut out = Vec::new();
    for ((kind, domid, devid), keys) in devs {
        if !matches!(
            kind.as_str(),
            "vbd" | "vbd3" | "qdisk" | "virtio_disk" | "tap"
        ) {
            continue;
        }
        let params = keys
            .get("params")
            .map(|p| strip_params(p))
            .unwrap_or_default();
        let device = keys.get("physical-device").and_then(|d| parse_hex_dev(d));
        if params.is_empty() && device.is_none() {
            continue;
        }
        out.push(VmDisk {
            hypervisor: "xen",
            domain: keys
                .get("frontend-name")
                .cloned()
                .unwrap_or_else(|| format!("domain {domid}")),
            id: Some(domid),
            disk: keys.get("dev").cloned().unwrap_or(devid),
            source: params,
            device,
            readwrite: keys.get("mode").is_none_or(|m| m.starts_with('w')),
        });
    }
    out
}

/// `aio:/srv/x.img` → `/srv/x.img`; a plain path stays.
fn strip_params(p: &str) -> String {
    if p.starts_with('/') {
        return p.to_string();
    }
    match p.split_once(':') {
        Some(("aio" | "raw" | "qcow" | "qcow2" | "vhd" | "qed" | "vmdk", rest)) => rest.to_string(),
        _ => p.to_string(),
    }
}

/// `fd:3` (hex, no 0x) → dev_t.
fn parse_hex_dev(s: &str) -> Option<u64> {
    let (a, b) = s.trim().split_once(':')?;
    Some(nix::sys::stat::makedev(
        u64::from_str_radix(a, 16).ok()?,
        u64::from_str_radix(b, 16).ok()?,
    ))
}

/// xenstore-ls quotes values and escapes `\` `"` and unprintable bytes (`\xNN`).
fn unquote(v: &str) -> String {
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    // `\xNN` is a byte, not a char: the result is bytes, kept encoded (`text::bytes`).
    let mut out = Vec::new();
    let raw = crate::text::bytes::decode_bytes(v);
    let mut it = raw.iter().copied();
    while let Some(b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next() {
            Some(b'x') => {
                let h: Vec<u8> = it.by_ref().take(2).collect();
                if let Some(n) = std::str::from_utf8(&h)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(n);
                }
            }
            Some(o) => out.push(o),
            None => out.push(b'\\'),
        }
    }
    crate::text::bytes::encode_vec(out)
}

/// The disks of running Xen domains: `Ok(None)` when neither `xl` nor `xenstore-ls` is installed.
pub fn disks() -> Result<Option<Vec<VmDisk>>, String> {
    if let Some(text) = helper::run("xl", &["list", "-l"])? {
        return parse_xl_list(&text).map(Some);
    }
    let Some(text) = helper::run("xenstore-ls", &["-f", "/local/domain/0/backend"])? else {
        return Ok(None);
    };
    let mut list = parse_xenstore_backends(&text);
    for d in &mut list {
        let Some(id) = &d.id else { continue };
        if let Ok(Some(name)) = helper::run("xenstore-read", &[&format!("/local/domain/{id}/name")])
        {
            let name = name.trim();
            if !name.is_empty() {
                d.domain = name.to_string();
            }
        }
    }
    Ok(Some(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(domid: i64, config: &str) -> String {
        format!("[{{\"domid\": {domid}, \"config\": {config}}}]")
    }

    const PV: &str = r#"{"c_info": {"type": "pv", "name": "test-pv"}, "disks": [{"pdev_path": "/var/lib/xen/images/test-pv.img", "vdev": "xvda", "backend": "qdisk", "format": "raw", "removable": 1, "readwrite": 1}]}"#;

    #[test]
    fn xl_list_with_defaults_omitted() {
        let hvm = r#"{"c_info": {"name": "test-hvm"}, "disks": [
            {"pdev_path": "/var/lib/xen/images/test-hvm.img", "vdev": "hda", "readwrite": 1},
            {"pdev_path": "/root/boot.iso", "vdev": "hdb", "is_cdrom": 1, "removable": 1},
            {"vdev": "hdc", "format": "empty", "is_cdrom": 1},
            {"pdev_path": "", "vdev": "hdd", "format": "empty"},
            {"pdev_path": "iqn.2001-05.com.equallogic:0-8a0906-23fe93404-c82797962054a96d", "vdev": "xvdb", "script": "block-iscsi", "readwrite": 1}]}"#;
        let text =
            format!("[{{\"domid\": 3, \"config\": {PV}}}, {{\"domid\": 7, \"config\": {hvm}}}]\n");
        let d = parse_xl_list(&text).unwrap();
        assert_eq!(d.len(), 4);
        assert_eq!(
            (
                d[0].domain.as_str(),
                d[0].id.as_deref(),
                d[0].disk.as_str(),
                d[0].readwrite
            ),
            ("test-pv", Some("3"), "xvda", true)
        );
        assert_eq!(
            (d[2].source.as_str(), d[2].readwrite),
            ("/root/boot.iso", false)
        );
        assert!(
            d[3].source.starts_with("iqn."),
            "non-path sources are kept and never match a file"
        );
    }

    #[test]
    fn sxp_or_empty_output_is_an_error_not_no_domains() {
        assert!(parse_xl_list("(domain (domid 3))")
            .unwrap_err()
            .contains("unparseable"));
        assert!(parse_xl_list("  \n").is_err());
        assert!(parse_xl_list("[{\"domid\": 1,").is_err());
        assert_eq!(parse_xl_list("[]\n").unwrap(), vec![]);
        assert_eq!(parse_xl_list(&wrap(1, "{}")).unwrap(), vec![]);
    }

    #[test]
    fn string_disk_specs_in_xl_list() {
        let cfg = r#"{"c_info": {"name": "old"}, "disks": ["phy:/dev/vg/old-root,xvda,w", "file:/srv/old-ro.img,xvdb,r"]}"#;
        let d = parse_xl_list(&wrap(9, cfg)).unwrap();
        assert_eq!(
            (d[0].source.as_str(), d[0].disk.as_str(), d[0].readwrite),
            ("/dev/vg/old-root", "xvda", true)
        );
        assert_eq!(
            (d[1].source.as_str(), d[1].readwrite),
            ("/srv/old-ro.img", false)
        );
    }

    #[test]
    fn every_disk_spec_form_of_check_xl_disk_parse() {
        // The specs of xen tools/xl/check-xl-disk-parse (shared/fixtures/xen/…expected-output.txt).
        for spec in [
            "/dev/vg/guest-volume,,hda",
            "/dev/vg/guest-volume,raw,hda,rw",
            "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
            " format=raw  vdev=hda  access=rw  target=/dev/vg/guest-volume",
            "raw:/dev/vg/guest-volume,hda,w",
        ] {
            let d = parse_disk_spec(spec);
            assert_eq!(
                (d.target.as_str(), d.vdev.as_str(), d.readwrite),
                ("/dev/vg/guest-volume", "hda", true),
                "{spec}"
            );
        }
        for spec in [
            "/root/image.iso,,hdc,cdrom",
            "/root/image.iso,,hdc,,cdrom",
            "/root/image.iso,raw,hdc,devtype=cdrom",
            "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
            " format=raw  vdev=hdc  access=ro  devtype=cdrom  target=/root/image.iso",
            "raw:/root/image.iso,hdc:cdrom,ro",
        ] {
            let d = parse_disk_spec(spec);
            assert_eq!(
                (d.target.as_str(), d.vdev.as_str(), d.readwrite, d.cdrom),
                ("/root/image.iso", "hdc", false, true),
                "{spec}"
            );
        }
        let d = parse_disk_spec("backendtype=phy,vdev=xvdb,access=w,target=/dev/vg/guest-volume");
        assert_eq!(
            (d.target.as_str(), d.vdev.as_str(), d.readwrite),
            ("/dev/vg/guest-volume", "xvdb", true)
        );
        for spec in [
            "devtype=cdrom,,,hdc",
            ",,hdc:cdrom,r",
            "vdev=hdc,access=r,devtype=cdrom,target=",
        ] {
            let d = parse_disk_spec(spec);
            assert_eq!((d.target.as_str(), d.readwrite), ("", false), "{spec}");
        }
        let d = parse_disk_spec(" discard vdev=hda target=/some/disk/image.raw");
        assert_eq!(
            (d.target.as_str(), d.vdev.as_str(), d.readwrite),
            ("/some/disk/image.raw", "hda", true)
        );
        let d = parse_disk_spec("vdev=xvda,target=/srv/with space, and comma.img");
        assert_eq!(d.target, "/srv/with space, and comma.img");
        let d = parse_disk_spec("tap:aio:/srv/xen/web1.img,xvda,w");
        assert_eq!(
            (d.target.as_str(), d.vdev.as_str()),
            ("/srv/xen/web1.img", "xvda")
        );
    }

    #[test]
    fn xenstore_backends() {
        let text = r#"/local/domain/0/backend/vbd/3/51712/frontend = "/local/domain/3/device/vbd/51712"
/local/domain/0/backend/vbd/3/51712/params = "/srv/xen/web1.img"
/local/domain/0/backend/vbd/3/51712/frontend-id = "3"
/local/domain/0/backend/vbd/3/51712/dev = "xvda"
/local/domain/0/backend/vbd/3/51712/mode = "w"
/local/domain/0/backend/vbd/3/51712/physical-device = "7:0"
/local/domain/0/backend/qdisk/4/51728/params = "qcow2:/srv/xen/db 1.qcow2"
/local/domain/0/backend/qdisk/4/51728/dev = "xvdb"
/local/domain/0/backend/qdisk/4/51728/mode = "r"
/local/domain/0/backend/vif/3/0/mac = "00:16:3e:3e:86:60"
/local/domain/0/backend/vbd3/5/768/params = "aio:/srv/xen/tap.img"
/local/domain/0/backend/vbd/6/51712/physical-device = "fd:3"
"#;
        let d = parse_xenstore_backends(text);
        assert_eq!(d.len(), 4);
        assert_eq!(
            (
                d[0].id.as_deref(),
                d[0].source.as_str(),
                d[0].disk.as_str(),
                d[0].readwrite
            ),
            (Some("4"), "/srv/xen/db 1.qcow2", "xvdb", false)
        );
        assert_eq!(
            (d[1].source.as_str(), d[1].readwrite, d[1].device),
            (
                "/srv/xen/web1.img",
                true,
                Some(nix::sys::stat::makedev(7, 0))
            )
        );
        assert_eq!(d[2].device, Some(nix::sys::stat::makedev(0xfd, 3)));
        assert_eq!(d[3].source, "/srv/xen/tap.img");
        assert_eq!(unquote(r#""a\"b\\c\x41""#), "a\"b\\cA");
        // `\xff` is the byte 0xff of a path that is not UTF-8, not the char U+00FF.
        let got = unquote(r#""/srv/\xff.img""#);
        assert_eq!(&*crate::text::bytes::decode_bytes(&got), b"/srv/\xff.img");
    }
}
