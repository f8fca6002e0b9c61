//! The tamper-evident audit log: one JSON line per decision (and per outcome of a confirmed
//! command), each carrying the BLAKE3 hash of the line before it, and beside it the chain head
//! (`audit.jsonl.head`, `audit/head.rs`) that names the last record, so a log whose end was cut
//! off does not verify. This module appends and checks the tail; [`verify`] reads the whole log.
//!
//! Line format: `{"h":"<hex>","r":{…record…}}` with `h = blake3(prev_h_hex ‖ raw bytes of r)`;
//! the first record's `prev` is 64 zeros.
//!
//! ## Appending
//!
//! An append takes the log's exclusive lock (`audit/lock.rs`: at most 5 s, then it fails like
//! a full disk), reads the last whole line back from the end and the head, and goes on only
//! when they agree: the head names that line (or one before it, which a crash between a record
//! and its head, or an older safeop, leaves behind). A head that names more records, or another
//! last one, means records were removed: the append refuses, and so does every later one, until
//! someone looks (`safeop audit verify` names the line). A log without a head (an older
//! safeop's, or a new one) is taken as it is, once: the head is made then (`since` in it says
//! from which record on the end is proven). Rotating the log means moving its head with it.
//!
//! The head is a fixed-length line rewritten in place with one `pwrite` (not a temporary file
//! and a `rename`: that would change the directory on every allowed command); why that is
//! atomic enough is in `audit/head.rs`.
//!
//! Each record is one `write`, then the head is rewritten. Records of what was refused,
//! confirmed, overridden, and outcomes are `fsync`ed, the log and then the head; `allowed` and
//! `warned` ones are not (they are on the path that must cost next to nothing). So a power loss
//! can lose the last allowed records; when their head reached the disk and they did not, the
//! log reads as cut, and the message says how to accept it.
//!
//! ## A torn last line
//!
//! A write cut short (the disk filled up, safeop was killed mid-write, a crash) leaves bytes
//! after the last newline that are no record. When the head names the last whole record, the
//! next append first writes a `damage` record chained from that record, carrying the length
//! (`torn_bytes`) and BLAKE3 hash (`torn_blake3`) of everything after it; the torn bytes stay in
//! the log as they are (after a newline, so they make a line of their own), and `verify`
//! checks them against it and reports them. When the head does not name the last whole record,
//! the tear cannot be told from a cut: the append refuses and `verify` fails.
//!
//! Arguments are bytes (`text::bytes`). `argv` and `cwd` are kept for people: each byte that is
//! not part of valid UTF-8 is written as the four characters `\xNN` (`DIR/\xff`). Where that
//! is ambiguous — any
//! argument (or the directory) that is not plain UTF-8 — the record also carries the exact bytes
//! as lowercase hex, one string per argument: `argv_hex: ["726d", "2d66", "4449522fff"]`, and
//! `cwd_hex`. The fields are absent otherwise, so plain records stay as they were.

mod head;
mod lock;
mod verify;

pub use verify::{verify, verify_from, Broken, Verified};

use crate::text::bytes;
use head::{Head, HeadFile};
use lock::Kind;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where the log lives: `SAFEOP_AUDIT_LOG` (not in sudo mode), else `/var/log/safeop/audit.jsonl`
/// for root, else `$XDG_STATE_HOME/safeop/audit.jsonl` (`~/.local/state/…`).
pub fn default_path(strict: bool) -> PathBuf {
    if !strict {
        if let Some(p) = std::env::var_os("SAFEOP_AUDIT_LOG").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
    }
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/log/safeop/audit.jsonl");
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("safeop/audit.jsonl")
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Record {
    pub seq: u64,
    pub ts: String,
    pub prev: String,
    /// `decision`, `outcome`, or `damage` (bytes of a torn write before this record).
    pub event: String,
    /// `allowed`, `warned`, `confirmed`, `overridden`, `refused`, `exited`, `killed`;
    /// `torn-tail` for damage.
    pub action: String,
    pub verdict: String,
    /// The command line for people (bytes as `\xNN`).
    pub argv: Vec<String>,
    /// The exact bytes of each argument (hex), only when one is not plain UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argv_hex: Option<Vec<String>>,
    pub cwd: String,
    /// The exact bytes of `cwd` (hex), only when it is not plain UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd_hex: Option<String>,
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
    /// Under sudo: the command line sudo was asked to run (`SUDO_COMMAND`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_command: Option<String>,
    /// The terminal safeop was run from (`/dev/pts/3`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<String>,
    pub host: String,
    /// What the command does, as parsed: tool, kind, targets, sources, flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<serde_json::Value>,
    /// Each finding: rule, verdict, message, and the evidence (the facts its condition read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<serde_json::Value>,
    /// The challenge asked (`yes-no`, `type-target`, `type-hostname`), on confirmed, overridden
    /// and refused-after-asking records; the answer's result is the action (and `reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// The policy files in effect, in order, each with the BLAKE3 of its text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// On an outcome record: the signal that ended the command (`SIGKILL`), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// Damage: how many bytes of a torn write lie between the record before and this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub torn_bytes: Option<u64>,
    /// Damage: the BLAKE3 hash (hex) of those bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub torn_blake3: Option<String>,
    /// On the first record of a log after rotation: the file the chain continues from (its last
    /// record is this one's `prev`; `seq` goes on from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<String>,
}

impl Record {
    /// Fills in the command: `argv` (encoded, as safeop carries it) and the directory it runs in,
    /// shown for people, with the exact bytes beside them when display alone would lose them.
    pub fn command(mut self, argv: &[String], cwd: &Path) -> Record {
        let cwd = bytes::encode_path(cwd);
        self.argv = argv
            .iter()
            .map(|a| bytes::display(a).into_owned())
            .collect();
        self.argv_hex = bytes::hex_if_needed(argv);
        self.cwd_hex = (!bytes::is_plain(&cwd)).then(|| bytes::hex(&cwd));
        self.cwd = bytes::display(&cwd).into_owned();
        self
    }
}

/// A record's command line as `audit show` prints it: shell words, exact bytes (from `argv_hex`)
/// written `$'…\xNN…'`.
pub fn shown_argv(r: &serde_json::Value) -> String {
    let words = |key: &str| -> Vec<String> {
        r[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let exact: Option<Vec<String>> = r["argv_hex"].as_array().map(|_| {
        words("argv_hex")
            .iter()
            .map(|h| {
                bytes::from_hex(h)
                    .map(bytes::encode_vec)
                    .unwrap_or_default()
            })
            .collect()
    });
    match exact {
        Some(argv) => bytes::shell_join(&argv),
        None => shell_words::join(words("argv")),
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    h: String,
    #[serde(borrow)]
    r: &'a RawValue,
}

fn chain(prev: &str, raw: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(prev.as_bytes());
    h.update(raw.as_bytes());
    h.finalize().to_hex().to_string()
}

/// The end of the log as read back from its last byte.
struct Tail {
    /// The last whole line (it ends with a newline and is a log line): its `h`, and the `seq`
    /// due next. `None`: the log holds no whole line.
    last: Option<(String, u64)>,
    /// The offset just past that line (0 when there is none).
    end: u64,
    /// The length of the log; `len - end` bytes after the last whole line are a torn write.
    len: u64,
}

impl Tail {
    /// The `h` to chain from and the `seq` due next.
    fn next(&self) -> (String, u64) {
        self.last
            .clone()
            .unwrap_or_else(|| (GENESIS.to_string(), 0))
    }
    fn torn(&self) -> u64 {
        self.len - self.end
    }
}

/// Seeks back from the end (not reading the whole log) to the last whole line.
fn read_tail(f: &File, path: &Path, len: u64) -> Result<Tail, String> {
    let io = |e: std::io::Error| format!("audit log `{}`: {e}", path.display());
    let mut chunk = 4096u64;
    loop {
        let start = len.saturating_sub(chunk);
        let mut buf = vec![0u8; (len - start) as usize];
        f.read_exact_at(&mut buf, start).map_err(io)?;
        let newlines: Vec<usize> = (0..buf.len()).filter(|&i| buf[i] == b'\n').collect();
        for (k, &nl) in newlines.iter().enumerate().rev() {
            let from = match k.checked_sub(1) {
                Some(j) => newlines[j] + 1,
                None if start == 0 => 0,
                // The line may begin before this chunk: read more.
                None => break,
            };
            let Ok(text) = std::str::from_utf8(&buf[from..nl]) else {
                continue;
            };
            let Ok(line) = serde_json::from_str::<Line>(text) else {
                continue;
            };
            let r: Record = serde_json::from_str(line.r.get()).map_err(|e| {
                format!(
                    "audit log `{}`: its last record is damaged ({e}); run `safeop audit verify`",
                    path.display()
                )
            })?;
            return Ok(Tail {
                last: Some((line.h, r.seq + 1)),
                end: start + nl as u64 + 1,
                len,
            });
        }
        if start == 0 {
            return Ok(Tail {
                last: None,
                end: 0,
                len,
            });
        }
        chunk *= 4;
    }
}

/// The `h` of the record numbered `seq` (a whole line), reading the whole log: asked only when
/// the head names an earlier record than the last.
fn hash_of_record(f: &File, seq: u64) -> Option<String> {
    #[derive(Deserialize)]
    struct Seq {
        seq: u64,
    }
    let len = f.metadata().ok()?.len();
    let mut text = vec![0u8; len as usize];
    f.read_exact_at(&mut text, 0).ok()?;
    let mut found = None;
    for piece in text.split_inclusive(|b| *b == b'\n') {
        let Some(l) = piece.strip_suffix(b"\n") else {
            continue;
        };
        let Some(line) = std::str::from_utf8(l)
            .ok()
            .and_then(|l| serde_json::from_str::<Line>(l).ok())
        else {
            continue;
        };
        if serde_json::from_str::<Seq>(line.r.get()).is_ok_and(|r| r.seq == seq) {
            found = Some(line.h);
        }
    }
    found
}

/// Opens (creating it and its directory if need be) the log for appending.
fn open_log(path: &Path) -> Result<File, String> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            // Records carry command lines (which may name secrets): not for every local user.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o750)
                .create(dir)
                .map_err(|e| format!("audit log directory `{}`: {e}", dir.display()))?;
        }
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o640)
        .open(path)
        .map_err(|e| format!("audit log `{}`: {e}", path.display()))
}

/// Where the next record goes, once the tail and the head agree.
struct Plan {
    prev: String,
    seq: u64,
    /// The head's `since` (from which record on its end is proven).
    since: u64,
    /// The log has no head yet: it is made now.
    adopt: bool,
    /// A torn write after the last whole record: its offset and length.
    torn: Option<(u64, u64)>,
    /// The log was rotated: the file the chain continues from (see [`rotated_from`]).
    continues: Option<String>,
}

/// A log rotated away (`logrotate`: the log renamed `LOG.1`, a new empty `LOG` made): the empty
/// log continues the chain when `LOG.1` ends with exactly the record the head names. Anything
/// else about an empty log with a head — no `LOG.1`, or one ending elsewhere — is records cut
/// off, as before.
fn rotated_from(path: &Path, h: &Head) -> Option<String> {
    let mut old = path.as_os_str().to_owned();
    old.push(".1");
    let old = std::path::PathBuf::from(old);
    let f = File::open(&old).ok()?;
    let len = f.metadata().ok()?.len();
    let tail = read_tail(&f, &old, len).ok()?;
    (tail.torn() == 0 && tail.next() == (h.last.clone(), h.records))
        .then(|| old.display().to_string())
}

/// Holds the tail against the head (`None`: the log is not a regular file, so it has none).
fn examine(f: &File, path: &Path, len: u64, head: Option<&HeadFile>) -> Result<Plan, String> {
    let tail = read_tail(f, path, len)?;
    let (prev, seq) = tail.next();
    let torn = (tail.torn() > 0).then_some((tail.end, tail.torn()));
    let Some(hf) = head else {
        return Ok(Plan {
            prev,
            seq,
            since: seq,
            adopt: false,
            torn: None,
            continues: None,
        });
    };
    let shown = hf.path.display();
    let stop = |why: String| {
        format!(
            "audit log `{}`: {why}. Nothing more is appended to it until someone looks: `safeop audit verify {}` names the line. If the records were lost rather than removed (a power loss before they reached the disk), move `{shown}` aside to accept the log as it is.",
            path.display(),
            path.display(),
        )
    };
    let cut = |n: u64| format!("the last line is cut off ({n} bytes of a torn write) and ");
    let read = hf.head().map_err(|e| {
        format!("{e}. Nothing is appended to the log until someone looks: move `{shown}` aside to accept the log as it is (`safeop audit verify` then checks its chain)")
    })?;
    let h = match (read, torn) {
        (None, None) => {
            return Ok(Plan {
                prev,
                seq,
                since: seq,
                adopt: true,
                torn: None,
                continues: None,
            })
        }
        (None, Some((_, n))) => {
            return Err(stop(format!(
                "{}there is no chain head `{shown}` to show that nothing was removed before it",
                cut(n)
            )))
        }
        (Some(h), _) => h,
    };
    let plan = Plan {
        prev: prev.clone(),
        seq,
        since: h.since,
        adopt: false,
        torn,
        continues: None,
    };
    if h.records == seq && h.last == prev {
        return Ok(plan);
    }
    if len == 0 && h.records > 0 {
        if let Some(from) = rotated_from(path, h) {
            return Ok(Plan {
                prev: h.last.clone(),
                seq: h.records,
                since: h.since,
                adopt: false,
                torn: None,
                continues: Some(from),
            });
        }
    }
    let torn_note = torn.map(|(_, n)| cut(n)).unwrap_or_default();
    if h.records > seq {
        return Err(stop(format!(
            "{torn_note}its chain head `{shown}` says {} records but the log ends after {seq}: the last {} were removed",
            h.records,
            h.records - seq
        )));
    }
    if h.records == seq {
        return Err(stop(format!(
            "{torn_note}its last record is not the one its chain head `{shown}` names (the end of the log was replaced)"
        )));
    }
    // The head names an earlier record: a crash between a record and its head, or records an
    // older safeop wrote. That is fine when that record is there; not with a torn tail.
    let named = match h.records {
        0 => Some(GENESIS.to_string()),
        n => hash_of_record(f, n - 1),
    };
    match (named.as_deref() == Some(h.last.as_str()), torn) {
        (true, None) => Ok(plan),
        (true, Some(_)) => Err(stop(format!(
            "{torn_note}its chain head `{shown}` names an earlier record ({} records), not the last whole one",
            h.records
        ))),
        (false, _) => Err(stop(format!(
            "{torn_note}record {} is not the one its chain head `{shown}` names (the log was rewritten)",
            h.records.saturating_sub(1)
        ))),
    }
}

/// Whether a record could be appended now (the log opens for appending, its lock can be had,
/// its end agrees with its head): asked before a challenge, so that nobody answers a question
/// for a command that then cannot be recorded.
pub fn writable(path: &Path) -> Result<(), String> {
    let f = open_log(path)?;
    lock::take(&f, path, Kind::Shared)?;
    let meta = f
        .metadata()
        .map_err(|e| format!("audit log `{}`: {e}", path.display()))?;
    let head = if meta.is_file() {
        HeadFile::open(path, false)?
    } else {
        None
    };
    examine(&f, path, meta.len(), head.as_ref())?;
    // A full filesystem opens files but takes no bytes: ask it for room for one record.
    match nix::sys::statvfs::fstatvfs(&f) {
        Ok(v) if v.blocks_available() == 0 => Err(format!(
            "audit log `{}`: no space left on its filesystem",
            path.display()
        )),
        _ => Ok(()),
    }
}

/// What an append did.
#[derive(Debug)]
pub struct Appended {
    /// The new record's hash.
    pub hash: String,
    /// Things the person should know (damage recorded, a head that could not be written).
    pub notes: Vec<String>,
    /// The record's JSON as written (what its hash covers), for the journald/syslog copy.
    pub raw: String,
}

/// Whether a record is `fsync`ed: all but those of allowed and warned commands, which replace
/// safeop at once and must cost next to nothing.
fn durable(rec: &Record) -> bool {
    !matches!(rec.action.as_str(), "allowed" | "warned")
}

/// Writes one line (`lead` before it: a newline that ends a torn line) in one `write`.
fn write_line(
    f: &mut File,
    path: &Path,
    lead: &str,
    rec: &Record,
    sync: bool,
) -> Result<(String, String), String> {
    let raw = serde_json::to_string(rec).map_err(|e| e.to_string())?;
    let h = chain(&rec.prev, &raw);
    let line = format!("{lead}{{\"h\":\"{h}\",\"r\":{raw}}}\n");
    let io = |e: std::io::Error| format!("audit log `{}`: {e}", path.display());
    f.write_all(line.as_bytes()).map_err(io)?;
    if sync {
        f.sync_data().map_err(io)?;
    }
    Ok((h, raw))
}

/// Appends one record, filling in `seq`, `ts` and `prev`; records a torn tail first when there
/// is one (see the module docs).
pub fn append(path: &Path, mut rec: Record) -> Result<Appended, String> {
    let mut f = open_log(path)?;
    lock::take(&f, path, Kind::Exclusive)?;
    let meta = f
        .metadata()
        .map_err(|e| format!("audit log `{}`: {e}", path.display()))?;
    let mut head = if meta.is_file() {
        HeadFile::open(path, true)?
    } else {
        None
    };
    let plan = examine(&f, path, meta.len(), head.as_ref())?;
    let mut notes = Vec::new();
    let mut set_head = |records: u64, last: &str, sync: bool, notes: &mut Vec<String>| {
        if let Some(hf) = head.as_mut() {
            let h = Head {
                records,
                last: last.to_string(),
                since: plan.since,
            };
            // The record is written: a head that cannot follow is told, not a failed append.
            if let Err(e) = hf.write(&h, sync) {
                notes.push(format!(
                    "audit log head `{}`: {e}; the record was written, its head lags behind",
                    hf.path.display()
                ));
            }
        }
    };
    if plan.adopt {
        // The head for a log that had none, before the record, so a torn write of that record
        // can be recovered.
        set_head(plan.seq, &plan.prev, false, &mut notes);
    }
    let (mut prev, mut seq) = (plan.prev.clone(), plan.seq);
    let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if let Some((off, n)) = plan.torn {
        let mut torn = vec![0u8; n as usize];
        f.read_exact_at(&mut torn, off)
            .map_err(|e| format!("audit log `{}`: {e}", path.display()))?;
        let damage = Record {
            seq,
            ts: ts.clone(),
            prev: prev.clone(),
            event: "damage".into(),
            action: "torn-tail".into(),
            user: rec.user.clone(),
            sudo_user: rec.sudo_user.clone(),
            host: rec.host.clone(),
            reason: Some(format!(
                "a write was cut off before its end: the {n} bytes {} are no record; they stay in the log as they are",
                match seq {
                    0 => "at the start of the log".to_string(),
                    s => format!("after record {}", s - 1),
                }
            )),
            torn_bytes: Some(n),
            torn_blake3: Some(blake3::hash(&torn).to_hex().to_string()),
            ..Default::default()
        };
        let lead = if torn.ends_with(b"\n") { "" } else { "\n" };
        let (h, _) = write_line(&mut f, path, lead, &damage, true)?;
        set_head(seq + 1, &h, true, &mut notes);
        notes.push(format!(
            "audit log `{}`: a write to it was cut off ({n} bytes: a full disk or a crash); recorded as damage (record {seq}), and the log goes on",
            path.display()
        ));
        prev = h;
        seq += 1;
    }
    rec.seq = seq;
    rec.prev = prev;
    rec.ts = ts;
    rec.continues = plan.continues.clone();
    let sync = durable(&rec);
    let (h, raw) = write_line(&mut f, path, "", &rec, sync)?;
    set_head(seq + 1, &h, sync, &mut notes);
    Ok(Appended {
        hash: h,
        notes,
        raw,
    })
}

#[cfg(test)]
mod tests;
