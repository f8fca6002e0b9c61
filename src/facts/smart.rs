//! SMART health of the disks under a path: `smartctl --json -H -A /dev/DISK` (smartmontools 7)
//! for each whole disk `disk.rs` finds, decoded per protocol (ATA attributes, the NVMe health log,
//! SCSI defect and error counters) and summed up as one `disk.smart.degraded` with its reasons.
//!
//! "Unknown" is its own answer, neither healthy nor failing: no smartctl, a disk smartctl cannot
//! read (virtio, a RAID controller hiding its disks, exit status bits 0-2), or no `smart_status` in
//! the answer. This module parses and judges; it never decides a verdict (the policy does).

use super::disk::{dev_path, disks_under};
use super::helper;
use super::{path::resolve, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How long one smartctl may take (a disk waking from standby can need several seconds), within
/// the run's probe budget (`helper::BUDGET`).
const SMARTCTL_LIMIT: Duration = Duration::from_secs(20);

/// Why a disk whose smartctl ran past its own limit is suspect.
fn hung(limit: Duration) -> String {
    format!(
        "smartctl did not answer within {}: a disk that hangs on SMART may be failing",
        helper::secs(limit)
    )
}

/// The meaning of each bit of smartctl's exit status (`man smartctl`, EXIT STATUS).
pub const EXIT_BITS: [&str; 8] = [
    "command line did not parse",
    "device open failed, or device did not return an IDENTIFY DEVICE structure, or is in a low-power mode",
    "some SMART or other ATA command to the disk failed, or there was a checksum error in a SMART data structure",
    "SMART status check returned \"DISK FAILING\"",
    "some prefail attributes are at or below their threshold now",
    "SMART status OK, but some attributes were at or below their threshold in the past",
    "the device error log contains records of errors",
    "the device self-test log contains records of errors",
];

/// The named bits of an exit status, lowest first.
pub fn decode_exit(status: u32) -> Vec<&'static str> {
    (0..8)
        .filter(|b| status & (1 << b) != 0)
        .map(|b| EXIT_BITS[b])
        .collect()
}

/// What one disk said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    pub device: String,
    /// The overall health could be evaluated (no exit bits 0-2, `smart_status` present).
    pub known: bool,
    /// Why not, in smartctl's own words when it gave any.
    pub unknown_why: Option<String>,
    /// The disk has no SMART to ask (virtual, RAM, network): unknown, and rightly so. Rules say
    /// nothing about it, where a disk whose SMART could not be read is a failed probe.
    pub not_applicable: bool,
    /// smartctl ran past its own time limit on this disk and was stopped (not: the run's probe
    /// budget ran out). Unknown, and a sign of a dying disk in itself.
    pub timed_out: bool,
    pub protocol: Option<String>,
    pub exit_status: u32,
    pub passed: Option<bool>,
    pub reallocated: Option<u64>,
    pub reported_uncorrect: Option<u64>,
    /// Attribute 188, low 16 bits only (Seagate packs several counters into the raw value).
    pub command_timeouts: Option<u64>,
    pub pending: Option<u64>,
    pub offline_uncorrectable: Option<u64>,
    pub crc_errors: Option<u64>,
    /// `NAME (id N) failing now` / `… failed in the past`.
    pub failing_attributes: Vec<String>,
    pub critical_warning: Option<u64>,
    pub media_errors: Option<u64>,
    pub spare_below_threshold: Option<bool>,
    pub percentage_used: Option<u64>,
    pub grown_defects: Option<u64>,
    pub uncorrected_errors: Option<u64>,
    /// Signs of a dying disk, in words (empty = not degraded).
    pub reasons: Vec<String>,
    /// Worth knowing, not a sign of failure by itself (old error-log entries, cable CRC errors …).
    pub notes: Vec<String>,
}

impl Health {
    pub fn degraded(&self) -> bool {
        !self.reasons.is_empty()
    }

    fn unknown(device: &str, why: String) -> Health {
        Health {
            device: device.to_string(),
            unknown_why: Some(why),
            ..Health::default()
        }
    }
}

fn u(v: &Value, ptr: &str) -> Option<u64> {
    v.pointer(ptr).and_then(Value::as_u64)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Decodes one `smartctl --json` answer. `status` is the process's exit status when it ran;
/// the JSON's own `smartctl.exit_status` is combined with it.
pub fn parse(device: &str, json: &str, status: Option<i32>) -> Health {
    let v: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            let why = match status {
                Some(s) => format!("smartctl exit status {s}, output not JSON ({e})"),
                None => format!("smartctl was killed, output not JSON ({e})"),
            };
            return Health::unknown(device, why);
        }
    };
    let exit =
        u(&v, "/smartctl/exit_status").unwrap_or(0) as u32 | status.map_or(0, |s| s as u32 & 0xff);
    let mut h = Health {
        device: device.to_string(),
        exit_status: exit,
        ..Health::default()
    };
    h.protocol = v
        .pointer("/device/protocol")
        .and_then(Value::as_str)
        .map(str::to_string);
    h.passed = v.pointer("/smart_status/passed").and_then(Value::as_bool);
    let messages: Vec<String> = v
        .pointer("/smartctl/messages")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("string").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if exit & 0b111 != 0 || h.passed.is_none() {
        let why = if !messages.is_empty() {
            messages.join("; ")
        } else if exit & 0b111 != 0 {
            format!(
                "smartctl exit status {exit}: {}",
                decode_exit(exit & 0b111).join("; ")
            )
        } else {
            "smartctl gave no overall health status".to_string()
        };
        // A virtual disk (virtio `vd*` answers so) has no SMART: not applicable, not failed.
        h.not_applicable = messages
            .iter()
            .any(|m| m.contains("Unable to detect device type"));
        h.unknown_why = Some(why);
    } else {
        h.known = true;
    }

    // ATA attributes.
    if let Some(table) = v
        .pointer("/ata_smart_attributes/table")
        .and_then(Value::as_array)
    {
        for a in table {
            let id = a.get("id").and_then(Value::as_u64).unwrap_or(0);
            let raw = u(a, "/raw/value");
            let name = a.get("name").and_then(Value::as_str).unwrap_or("?");
            match id {
                5 => h.reallocated = raw,
                187 => h.reported_uncorrect = raw,
                188 => h.command_timeouts = raw.map(|r| r & 0xffff),
                197 => h.pending = raw,
                198 => h.offline_uncorrectable = raw,
                199 => h.crc_errors = raw,
                _ => {}
            }
            match a.get("when_failed").and_then(Value::as_str) {
                Some("now") => h
                    .failing_attributes
                    .push(format!("{name} (id {id}) failing now")),
                Some("past") => h
                    .failing_attributes
                    .push(format!("{name} (id {id}) failed in the past")),
                _ => {}
            }
        }
    }
    // NVMe health log.
    if let Some(log) = v.get("nvme_smart_health_information_log") {
        h.critical_warning = u(log, "/critical_warning");
        h.media_errors = u(log, "/media_errors");
        h.percentage_used = u(log, "/percentage_used");
        if let (Some(s), Some(t)) = (
            u(log, "/available_spare"),
            u(log, "/available_spare_threshold"),
        ) {
            h.spare_below_threshold = Some(s < t);
            if s < t {
                h.reasons
                    .push(format!("available spare {s}% below threshold {t}%"));
            }
        }
    }
    // SCSI / SAS.
    h.grown_defects = u(&v, "/scsi_grown_defect_list");
    if let Some(log) = v.get("scsi_error_counter_log").and_then(Value::as_object) {
        let total: u64 = ["read", "write", "verify"]
            .iter()
            .filter_map(|k| log.get(*k).and_then(|e| u(e, "/total_uncorrected_errors")))
            .sum();
        h.uncorrected_errors = Some(total);
    }

    judge(&mut h);
    h
}

/// Fills `reasons` and `notes` (heuristics of SYSTEM-FACTS C: not from a standard).
fn judge(h: &mut Health) {
    let mut r = std::mem::take(&mut h.reasons);
    let mut n = Vec::new();
    if h.passed == Some(false) {
        r.insert(0, "SMART overall health FAILED".to_string());
    } else if h.exit_status & 8 != 0 {
        r.insert(0, "SMART status \"DISK FAILING\"".to_string());
    }
    for a in &h.failing_attributes {
        if a.ends_with("now") {
            r.push(a.clone());
        } else {
            n.push(a.clone());
        }
    }
    if h.exit_status & 16 != 0 && !h.failing_attributes.iter().any(|a| a.ends_with("now")) {
        r.push("a pre-failure attribute is at or below its threshold".into());
    }
    if let Some(x) = h.reallocated.filter(|x| *x > 0) {
        r.push(plural(x, "reallocated sector", "reallocated sectors"));
    }
    if let Some(x) = h.pending.filter(|x| *x > 0) {
        r.push(plural(x, "pending sector", "pending sectors"));
    }
    if let Some(x) = h.offline_uncorrectable.filter(|x| *x > 0) {
        r.push(format!("{x} offline uncorrectable"));
    }
    if let Some(x) = h.reported_uncorrect.filter(|x| *x > 0) {
        r.push(plural(
            x,
            "reported uncorrectable error",
            "reported uncorrectable errors",
        ));
    }
    if let Some(x) = h.critical_warning.filter(|x| *x > 0) {
        const BITS: [&str; 6] = [
            "spare below threshold",
            "temperature out of range",
            "reliability degraded",
            "media read-only",
            "volatile memory backup failed",
            "persistent memory region unreliable",
        ];
        let names: Vec<&str> = (0..6)
            .filter(|b| x & (1 << b) != 0)
            .map(|b| BITS[b])
            .collect();
        r.push(format!(
            "NVMe critical warning 0x{x:02x} ({})",
            names.join(", ")
        ));
    }
    if let Some(x) = h.media_errors.filter(|x| *x > 0) {
        r.push(plural(x, "media error", "media errors"));
    }
    if let Some(x) = h.grown_defects.filter(|x| *x > 0) {
        r.push(plural(x, "grown defect", "grown defects"));
    }
    if let Some(x) = h.uncorrected_errors.filter(|x| *x > 0) {
        r.push(plural(
            x,
            "uncorrected read/write/verify error",
            "uncorrected read/write/verify errors",
        ));
    }
    if h.exit_status & 32 != 0 && !h.failing_attributes.iter().any(|a| a.ends_with("past")) {
        n.push("an attribute was at or below its threshold in the past".into());
    }
    if h.exit_status & 64 != 0 {
        n.push("the device error log has entries".into());
    }
    if h.exit_status & 128 != 0 {
        n.push("the self-test log has errors".into());
    }
    if let Some(x) = h.command_timeouts.filter(|x| *x > 0) {
        n.push(plural(x, "command timeout", "command timeouts"));
    }
    if let Some(x) = h.crc_errors.filter(|x| *x > 0) {
        n.push(format!("{x} interface CRC errors (cable or connector)"));
    }
    if let Some(x) = h.percentage_used.filter(|x| *x >= 90) {
        n.push(format!("{x}% of rated endurance used"));
    }
    h.reasons = r;
    h.notes = n;
}

/// virtio (`vda`) and Xen (`xvda`) disks: a guest's virtual disks, which have no SMART.
fn virtual_disk(name: &str) -> bool {
    let base = name.trim_start_matches("/dev/");
    let rest = base.strip_prefix("xvd").or_else(|| base.strip_prefix("vd"));
    rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase()))
}

/// Block devices with no physical disk behind them: smartctl is not asked.
fn no_smart(name: &str) -> Option<&'static str> {
    [
        ("zram", "compressed RAM"),
        ("ram", "RAM disk"),
        ("nbd", "network block device"),
        ("rbd", "Ceph RBD"),
        ("loop", "loop device without a backing file"),
    ]
    .iter()
    .find(|(p, _)| name.starts_with(p))
    .map(|(_, why)| *why)
}

type Cache = Mutex<HashMap<String, Health>>;

fn cache() -> &'static Cache {
    static C: OnceLock<Cache> = OnceLock::new();
    C.get_or_init(Cache::default)
}

/// Asks smartctl about one whole disk (cached for the whole run).
pub fn ask(smartctl: Option<&std::path::Path>, name: &str) -> Health {
    let dev = dev_path(name);
    if let Some(h) = cache().lock().ok().and_then(|c| c.get(&dev).cloned()) {
        return h;
    }
    let h = match (no_smart(name), smartctl) {
        (Some(why), _) => Health {
            not_applicable: true,
            ..Health::unknown(&dev, format!("{why}: no SMART"))
        },
        // Without smartctl a virtual disk is still known to have no SMART by its name (with
        // smartctl, it says so itself: "Unable to detect device type").
        (None, None) if virtual_disk(name) => Health {
            not_applicable: true,
            ..Health::unknown(&dev, "virtual disk: no SMART".into())
        },
        (None, None) => Health::unknown(&dev, "smartctl is not installed (smartmontools)".into()),
        (None, Some(bin)) => {
            match helper::run(bin, &["--json", "-H", "-A", &dev], SMARTCTL_LIMIT) {
                Ok(o) => {
                    let mut h = parse(&dev, &o.stdout, o.status);
                    if !h.known && o.stdout.trim().is_empty() && !o.stderr.trim().is_empty() {
                        h.unknown_why = Some(o.stderr.trim().to_string());
                    }
                    h
                }
                // A disk that hangs on SMART may be failing: a time-out is its own answer.
                Err(helper::HelperError {
                    failure: helper::Failure::TimedOut { limit },
                    ..
                }) => Health {
                    timed_out: true,
                    ..Health::unknown(&dev, hung(limit))
                },
                Err(e) => Health::unknown(&dev, e.to_string()),
            }
        }
    };
    if let Ok(mut c) = cache().lock() {
        c.insert(dev, h.clone());
    }
    h
}

fn max_of(all: &[Health], f: impl Fn(&Health) -> Option<u64>) -> Value {
    all.iter()
        .filter_map(f)
        .max()
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// The path-level summary of every disk's answer.
pub fn summarize(all: &[Health], smartctl_found: bool) -> Map<String, Value> {
    let mut m = Map::new();
    let known = !all.is_empty() && all.iter().all(|h| h.known);
    let passed = if all.iter().any(|h| h.passed == Some(false)) {
        Value::from(false)
    } else if known {
        Value::from(true)
    } else {
        Value::Null
    };
    let degraded_disks = all.iter().filter(|h| h.degraded()).count();
    // A disk that hung is named with the degraded ones: it is what the message is about.
    let reasons: Vec<Value> = all
        .iter()
        .filter_map(|h| match (h.degraded(), h.timed_out) {
            (true, _) => Some(format!("{}: {}", h.device, h.reasons.join(", "))),
            (false, true) => h.unknown_why.as_ref().map(|w| format!("{}: {w}", h.device)),
            _ => None,
        })
        .map(Value::from)
        .collect();
    let notes: Vec<Value> = all
        .iter()
        .filter(|h| !h.notes.is_empty())
        .map(|h| format!("{}: {}", h.device, h.notes.join(", ")).into())
        .collect();
    let unknown: Vec<Value> = all
        .iter()
        .filter(|h| !h.known)
        .map(|h| {
            format!(
                "{}: {}",
                h.device,
                h.unknown_why.as_deref().unwrap_or("no health status")
            )
            .into()
        })
        .collect();
    let failing: Vec<Value> = all
        .iter()
        .flat_map(|h| {
            h.failing_attributes
                .iter()
                .map(move |a| Value::from(format!("{}: {a}", h.device)))
        })
        .collect();
    let exit = all.iter().fold(0u32, |acc, h| acc | h.exit_status);
    let spare = if all.iter().any(|h| h.spare_below_threshold == Some(true)) {
        Value::from(true)
    } else if all.iter().any(|h| h.spare_below_threshold.is_some()) {
        Value::from(false)
    } else {
        Value::Null
    };
    let ins = |m: &mut Map<String, Value>, k: &str, v: Value| {
        m.insert(format!("disk.smart.{k}"), v);
    };
    ins(&mut m, "available", smartctl_found.into());
    ins(&mut m, "known", known.into());
    // Degraded when any disk is; failed (the rules' `unknown:` decides) when a disk that has
    // SMART could not be read; not applicable (null) when no disk under the path has SMART.
    let failed: Vec<String> = all
        .iter()
        .filter(|h| !h.known && !h.not_applicable)
        .map(|h| {
            format!(
                "{}: {}",
                h.device,
                h.unknown_why.as_deref().unwrap_or("no health status")
            )
        })
        .collect();
    let degraded = if degraded_disks > 0 {
        Value::from(true)
    } else if !failed.is_empty() {
        crate::facts::failed(format!("SMART health unreadable: {}", failed.join("; ")))
    } else if all.iter().any(|h| h.known) {
        Value::from(false)
    } else {
        Value::Null
    };
    ins(&mut m, "degraded", degraded);
    let asked = smartctl_found && all.iter().any(|h| !h.not_applicable);
    let timed_out = if all.iter().any(|h| h.timed_out) {
        Value::from(true)
    } else if asked {
        Value::from(false)
    } else {
        Value::Null
    };
    ins(&mut m, "timed_out", timed_out);
    ins(&mut m, "reasons", reasons.into());
    ins(&mut m, "notes", notes.into());
    ins(&mut m, "unknown", unknown.into());
    ins(&mut m, "passed", passed);
    ins(
        &mut m,
        "exit_status",
        if all.is_empty() {
            Value::Null
        } else {
            exit.into()
        },
    );
    ins(
        &mut m,
        "status_bits",
        decode_exit(exit)
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>()
            .into(),
    );
    ins(&mut m, "failing_attributes", failing.into());
    ins(
        &mut m,
        "reallocated_sectors",
        max_of(all, |h| h.reallocated),
    );
    ins(&mut m, "pending_sectors", max_of(all, |h| h.pending));
    ins(
        &mut m,
        "offline_uncorrectable",
        max_of(all, |h| h.offline_uncorrectable),
    );
    ins(
        &mut m,
        "reported_uncorrect",
        max_of(all, |h| h.reported_uncorrect),
    );
    ins(
        &mut m,
        "command_timeouts",
        max_of(all, |h| h.command_timeouts),
    );
    ins(&mut m, "crc_errors", max_of(all, |h| h.crc_errors));
    ins(
        &mut m,
        "critical_warning",
        max_of(all, |h| h.critical_warning),
    );
    ins(&mut m, "media_errors", max_of(all, |h| h.media_errors));
    ins(&mut m, "spare_below_threshold", spare);
    ins(
        &mut m,
        "percentage_used",
        max_of(all, |h| h.percentage_used),
    );
    ins(&mut m, "grown_defects", max_of(all, |h| h.grown_defects));
    ins(
        &mut m,
        "uncorrected_errors",
        max_of(all, |h| h.uncorrected_errors),
    );
    m
}

fn smart_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let path = resolve(f, s);
    let map = disks_under(f, &path)?;
    let bin = helper::find("smartctl");
    let all: Vec<Health> = map.disks.iter().map(|d| ask(bin.as_deref(), d)).collect();
    let mut m = summarize(&all, bin.is_some());
    if all.is_empty() {
        let why = map
            .note
            .unwrap_or_else(|| "no disk found under the path".into());
        m.insert("disk.smart.unknown".into(), vec![Value::from(why)].into());
    }
    Ok(m)
}

static SMART: Probe = Probe {
    id: "smart",
    run: ProbeFn::Path(smart_probe),
    pure: false,
};

macro_rules! smart_fact {
    ($name:literal, $ty:literal, $tells:literal, $unknown:literal, $example:literal) => {
        FactDef {
            name: concat!("disk.smart.", $name),
            scope: Scope::Path,
            probe: &SMART,
            ty: $ty,
            doc: concat!(
                "## What it tells\n", $tells,
                "\n## How it is found\n`smartctl --json -H -A /dev/DISK` (smartmontools 7, 20 s limit within the run's 30 s probe budget, asked once per disk per run) for every disk in `disk.devices`; with several disks (RAID members) counters are the worst disk's.",
                "\n## When it is unknown\n", $unknown,
                "\n## Example\n", $example
            ),
        }
    };
}

pub(crate) static FACTS: &[FactDef] = &[
    smart_fact!("known", "bool", "Whether the SMART health of every disk under the path could be read. `false` is \"unknown\": neither healthy nor failing.", "Never: it is `false` when smartctl is missing, a disk is virtual or hidden behind a RAID controller (virtio `vd*` answers \"Unable to detect device type\"), smartctl's exit status has bit 0, 1 or 2 set, or the answer has no `smart_status`; `disk.smart.unknown` says why.", "`false` for a file on this VM's virtio disk."),
    smart_fact!("degraded", "bool", "Whether any disk under the path shows signs of dying: overall health FAILED or exit bit 3/4, an attribute failing now, reallocated (5), pending (197) or offline-uncorrectable (198) sectors or reported uncorrectable errors (187) above 0; NVMe critical warning, spare below threshold or media errors; SCSI grown defects or uncorrected errors.", "Not applicable (`null`) when no disk under the path has SMART (virtio, Xen, RAM, network disks; a tmpfs). Failed, with the reason, when a disk that has SMART could not be read (smartctl missing, a bad answer, exit bits 0-2, a time-out, the probe budget spent) and no disk is degraded: the rule's `unknown:` decides (the default policy warns before bulk I/O; a time-out, `disk.smart.timed_out`, makes it ask).", "`true` for a disk with `Current_Pending_Sector` raw 8."),
    smart_fact!("timed_out", "bool", "Whether smartctl hung on a disk under the path: it did not answer within its own 20 s limit and was stopped with everything it started. A disk that hangs on SMART may be failing, so the default policy asks before bulk I/O on it (where SMART that merely cannot be read only warns); `disk.smart.reasons` and the failed `disk.smart.degraded` say which disk, as \"smartctl did not answer within 20 s: a disk that hangs on SMART may be failing\". Being stopped because the run's probe budget (30 s for all helpers together) ran out is not a time-out of the disk: that is a failed `disk.smart.degraded` (\"probe budget spent\"), and this stays `false`.", "`null` when smartctl was not asked: it is not installed, or no disk under the path has SMART (virtio, Xen, RAM, network disks; a tmpfs).", "`true` for a disk whose smartctl was still waiting on the drive after 20 s."),
    smart_fact!("reasons", "list", "One line per degraded disk naming what is wrong, for messages; a disk smartctl hung on (`disk.smart.timed_out`) is named here too, with the time-out.", "Empty when no disk is degraded or hung, or none could be read.", "`[\"/dev/sda: 8 pending sectors, 3 offline uncorrectable\"]`."),
    smart_fact!("notes", "list", "Things worth knowing that do not mean the disk is dying by themselves: error-log entries (exit bit 6, common on healthy drives), self-test log errors (bit 7), an attribute failed in the past (bit 5), command timeouts (188, low 16 bits), interface CRC errors (199: cable), NVMe endurance used ≥ 90%.", "Empty when nothing was read.", "`[\"/dev/sdb: the device error log has entries\"]`."),
    smart_fact!("unknown", "list", "For each disk whose health could not be read: why, in smartctl's words when it gave any.", "Empty when every disk answered.", "`[\"/dev/vda: /dev/vda: Unable to detect device type\"]`."),
    smart_fact!("available", "bool", "Whether smartctl (smartmontools) is installed, found on PATH (the secure PATH in sudo mode).", "Never.", "`true`."),
    smart_fact!("passed", "bool", "SMART overall health self-assessment: `false` when any disk says FAILED, `true` when every disk says PASSED.", "`null` when some disk could not be read and none failed.", "`false` for a drive whose `Reallocated_Sector_Ct` fell to its threshold."),
    smart_fact!("exit_status", "number", "smartctl's exit status bitmask, OR-ed over the disks.", "`null` when no disk was asked.", "`216` = DISK FAILING + prefail attribute + error log + self-test errors."),
    smart_fact!("status_bits", "list", "The exit status bits, in words from `man smartctl`.", "Empty when no bit is set.", "`[\"SMART status check returned \\\"DISK FAILING\\\"\"]`."),
    smart_fact!("failing_attributes", "list", "ATA attributes whose normalized value is at or below threshold now or was in the past (`when_failed`).", "Empty for NVMe/SCSI disks and healthy ATA disks.", "`[\"/dev/sdc: Reallocated_Sector_Ct (id 5) failing now\"]`."),
    smart_fact!("reallocated_sectors", "number", "ATA attribute 5 `Reallocated_Sector_Ct`, raw value.", "`null` for NVMe/SCSI disks or when nothing was read.", "`304`."),
    smart_fact!("pending_sectors", "number", "ATA attribute 197 `Current_Pending_Sector`, raw value: sectors that could not be read and wait to be remapped.", "`null` for NVMe/SCSI disks or when nothing was read.", "`8`."),
    smart_fact!("offline_uncorrectable", "number", "ATA attribute 198 `Offline_Uncorrectable`, raw value.", "`null` for NVMe/SCSI disks or when nothing was read.", "`3`."),
    smart_fact!("reported_uncorrect", "number", "ATA attribute 187 `Reported_Uncorrect`, raw value.", "`null` when the disk does not report it.", "`0`."),
    smart_fact!("command_timeouts", "number", "ATA attribute 188 `Command_Timeout`, low 16 bits of the raw value (Seagate packs three counters in it; the full raw value is meaningless).", "`null` when the disk does not report it.", "`4` (raw 17180131332)."),
    smart_fact!("crc_errors", "number", "ATA attribute 199 `UDMA_CRC_Error_Count`: link errors, usually the cable, not the media.", "`null` when the disk does not report it.", "`0`."),
    smart_fact!("critical_warning", "number", "NVMe `critical_warning` byte: bit 0 spare below threshold, 1 temperature, 2 reliability degraded, 3 read-only, 4 volatile memory backup failed, 5 PMR unreliable.", "`null` for ATA/SCSI disks.", "`16`."),
    smart_fact!("media_errors", "number", "NVMe `media_errors`: unrecovered data integrity errors.", "`null` for ATA/SCSI disks.", "`7`."),
    smart_fact!("spare_below_threshold", "bool", "NVMe `available_spare` below `available_spare_threshold`.", "`null` for ATA/SCSI disks.", "`false`."),
    smart_fact!("percentage_used", "number", "NVMe `percentage_used`: share of rated endurance used (may exceed 100).", "`null` for ATA/SCSI disks.", "`3`."),
    smart_fact!("grown_defects", "number", "SCSI/SAS `scsi_grown_defect_list`: sectors remapped since manufacture.", "`null` for ATA/NVMe disks.", "`260`."),
    smart_fact!("uncorrected_errors", "number", "SCSI/SAS total uncorrected read + write + verify errors.", "`null` for ATA/NVMe disks.", "`536`."),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/smartctl")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn parse_fixture(name: &str) -> Health {
        let text = fixture(name);
        let v: Value = serde_json::from_str(&text).expect("json");
        let st = v
            .pointer("/smartctl/exit_status")
            .and_then(Value::as_i64)
            .expect("exit status") as i32;
        parse("/dev/sdx", &text, Some(st))
    }

    #[test]
    fn ata_healthy() {
        let h = parse_fixture("ata-healthy-wdc-wd20efrx.json");
        assert!(h.known && !h.degraded(), "{h:?}");
        assert_eq!(h.passed, Some(true));
        assert_eq!(
            (h.reallocated, h.pending, h.offline_uncorrectable),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!(h.protocol.as_deref(), Some("ATA"));
    }

    #[test]
    fn ata_failed() {
        let h = parse_fixture("ata-failed-hitachi-hds721050-usbjmicron.json");
        assert!(h.known);
        assert_eq!(h.passed, Some(false));
        assert_eq!(h.exit_status, 216);
        assert_eq!(h.reallocated, Some(1975));
        assert_eq!(h.pending, Some(8));
        assert_eq!(
            h.reasons,
            vec![
                "SMART overall health FAILED",
                "Reallocated_Sector_Ct (id 5) failing now",
                "1975 reallocated sectors",
                "8 pending sectors"
            ]
        );
        assert!(h
            .notes
            .contains(&"the device error log has entries".to_string()));
        assert!(h
            .notes
            .contains(&"the self-test log has errors".to_string()));
    }

    #[test]
    fn ata_passed_but_reallocated() {
        let h = parse_fixture("ata-reallocated-passed-st3500418as.json");
        assert!(h.known && h.degraded());
        assert_eq!(h.passed, Some(true));
        assert_eq!(h.reasons, vec!["304 reallocated sectors"]);
    }

    #[test]
    fn nvme_cases() {
        let ok = parse_fixture("nvme-healthy-samsung-970evoplus.json");
        assert!(ok.known && !ok.degraded(), "{ok:?}");
        assert_eq!(ok.spare_below_threshold, Some(false));
        let cw = parse_fixture("nvme-critical-warning-failed-samsung-mzwll3t2.json");
        assert_eq!(cw.critical_warning, Some(16));
        assert_eq!(
            cw.reasons,
            vec![
                "SMART overall health FAILED",
                "NVMe critical warning 0x10 (volatile memory backup failed)"
            ]
        );
        let me = parse_fixture("nvme-media-errors-passed.json");
        assert_eq!(me.passed, Some(true));
        assert_eq!(me.media_errors, Some(7));
        assert_eq!(me.reasons, vec!["7 media errors"]);
        assert_eq!(me.percentage_used, Some(3));
    }

    #[test]
    fn scsi_cases() {
        let bad = parse_fixture("scsi-grown-defects-seagate-st373453lc.json");
        assert_eq!(bad.grown_defects, Some(260));
        assert_eq!(bad.uncorrected_errors, Some(536));
        assert_eq!(
            bad.reasons,
            vec![
                "260 grown defects",
                "536 uncorrected read/write/verify errors"
            ]
        );
        let ok = parse_fixture("scsi-healthy-hitachi-h109060.json");
        assert!(ok.known && !ok.degraded(), "{ok:?}");
    }

    #[test]
    fn virtio_is_not_applicable() {
        // Verified on this VM: `smartctl --json -H -A /dev/vda`.
        let j = r#"{"smartctl":{"messages":[{"string":"/dev/vda: Unable to detect device type","severity":"error"}],"exit_status":1},"local_time":{"time_t":1}}"#;
        let h = parse("/dev/vda", j, Some(1));
        assert!(!h.known && !h.degraded());
        assert_eq!(
            h.unknown_why.as_deref(),
            Some("/dev/vda: Unable to detect device type")
        );
        assert!(h.not_applicable, "a virtual disk has no SMART: {h:?}");
        let s = summarize(&[h], true);
        assert_eq!(s["disk.smart.known"], false);
        assert_eq!(s["disk.smart.passed"], Value::Null);
        assert_eq!(s["disk.smart.degraded"], Value::Null, "not applicable");
    }

    #[test]
    fn a_disk_whose_smart_cannot_be_read_is_failed_not_healthy() {
        let h = parse("/dev/sda", "Smartctl open device: failed", Some(2));
        assert!(!h.known && !h.not_applicable);
        let s = summarize(std::slice::from_ref(&h), true);
        let why = crate::facts::failure_of(&s["disk.smart.degraded"]).expect("failed value");
        assert!(
            why.contains("/dev/sda") && why.contains("exit status 2"),
            "{why}"
        );
        // one degraded disk decides, whatever the others say
        let bad = parse_fixture("ata-reallocated-passed-st3500418as.json");
        let s = summarize(&[h, bad], true);
        assert_eq!(s["disk.smart.degraded"], true);
    }

    #[test]
    fn a_disk_that_hangs_on_smart_is_timed_out_failed_and_named() {
        let said = "smartctl did not answer within 20 s: a disk that hangs on SMART may be failing";
        let h = Health {
            timed_out: true,
            ..Health::unknown("/dev/sda", hung(SMARTCTL_LIMIT))
        };
        let s = summarize(std::slice::from_ref(&h), true);
        assert_eq!(s["disk.smart.timed_out"], true);
        let why = crate::facts::failure_of(&s["disk.smart.degraded"]).expect("failed value");
        assert_eq!(why, format!("SMART health unreadable: /dev/sda: {said}"));
        assert_eq!(
            s["disk.smart.reasons"],
            serde_json::json!([format!("/dev/sda: {said}")])
        );
        // a disk that answered in time: false; one merely unreadable is no time-out either
        let ok = parse_fixture("ata-healthy-wdc-wd20efrx.json");
        let unreadable = parse("/dev/sdb", "Smartctl open device: failed", Some(2));
        let s = summarize(&[ok, unreadable], true);
        assert_eq!(s["disk.smart.timed_out"], false);
        assert_eq!(s["disk.smart.reasons"], serde_json::json!([]));
        // not asked: null
        assert_eq!(summarize(&[], false)["disk.smart.timed_out"], Value::Null);
        let virtio = Health {
            not_applicable: true,
            ..Health::unknown("/dev/vda", "virtual disk: no SMART".into())
        };
        assert_eq!(
            summarize(&[virtio], true)["disk.smart.timed_out"],
            Value::Null
        );
    }

    #[test]
    fn missing_smart_status_or_bad_output_is_unknown() {
        let h = parse(
            "/dev/sda",
            r#"{"smartctl":{"exit_status":4},"device":{"protocol":"ATA"}}"#,
            Some(4),
        );
        assert!(!h.known);
        assert!(
            h.unknown_why
                .as_deref()
                .is_some_and(|w| w.contains("SMART or other ATA command")),
            "{h:?}"
        );
        let h = parse("/dev/sda", "Smartctl open device: failed", Some(2));
        assert!(
            !h.known
                && h.unknown_why
                    .as_deref()
                    .is_some_and(|w| w.contains("not JSON"))
        );
    }

    #[test]
    fn attribute_188_uses_low_16_bits() {
        let j = r#"{"smartctl":{"exit_status":0},"smart_status":{"passed":true},"ata_smart_attributes":{"table":[
            {"id":188,"name":"Command_Timeout","when_failed":"","raw":{"value":17180131332,"string":"4 4 4"}},
            {"id":198,"name":"Offline_Uncorrectable","when_failed":"","raw":{"value":3,"string":"3"}},
            {"id":197,"name":"Current_Pending_Sector","when_failed":"","raw":{"value":8,"string":"8"}}]}}"#;
        let h = parse("/dev/sda", j, Some(0));
        assert_eq!(h.command_timeouts, Some(4));
        assert_eq!(
            h.reasons,
            vec!["8 pending sectors", "3 offline uncorrectable"]
        );
        assert_eq!(h.notes, vec!["4 command timeouts"]);
        let s = summarize(&[h], true);
        assert_eq!(
            s["disk.smart.reasons"],
            serde_json::json!(["/dev/sda: 8 pending sectors, 3 offline uncorrectable"])
        );
    }

    #[test]
    fn exit_bits_decode() {
        assert_eq!(decode_exit(216).len(), 4);
        assert_eq!(decode_exit(1), vec!["command line did not parse"]);
        assert!(decode_exit(0).is_empty());
    }

    #[test]
    fn several_disks_worst_wins() {
        let a = parse_fixture("ata-healthy-wdc-wd20efrx.json");
        let mut b = parse_fixture("ata-reallocated-passed-st3500418as.json");
        b.device = "/dev/sdb".into();
        let s = summarize(&[a, b], true);
        assert_eq!(s["disk.smart.reallocated_sectors"], 304);
        assert_eq!(s["disk.smart.degraded"], true);
        assert_eq!(s["disk.smart.known"], true);
        assert_eq!(s["disk.smart.passed"], true);
        assert_eq!(
            s["disk.smart.reasons"],
            serde_json::json!(["/dev/sdb: 304 reallocated sectors"])
        );
        let s = summarize(&[], false);
        assert_eq!(s["disk.smart.known"], false);
        assert_eq!(s["disk.smart.available"], false);
    }
}
