//! The tamper-evident audit log: one JSON line per decision (and per outcome of a confirmed
//! command), each carrying the BLAKE3 hash of the line before it.
//!
//! Line format: `{"h":"<hex>","r":{…record…}}` with `h = blake3(prev_h_hex ‖ raw bytes of r)`;
//! the first record's `prev` is 64 zeros. Appends hold an exclusive lock and write each line
//! with one `write`, so a crash leaves at most one torn last line, which `verify` reports.
//!
//! Arguments are bytes (`text::bytes`). `argv` and `cwd` are kept for people: each byte that is
//! not part of valid UTF-8 is written as the four characters `\xNN` (`DIR/\xff`). Where that
//! is ambiguous — any
//! argument (or the directory) that is not plain UTF-8 — the record also carries the exact bytes
//! as lowercase hex, one string per argument: `argv_hex: ["726d", "2d66", "4449522fff"]`, and
//! `cwd_hex`. The fields are absent otherwise, so plain records stay as they were.

use crate::text::bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
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
    /// `decision` or `outcome`.
    pub event: String,
    /// `allowed`, `warned`, `confirmed`, `overridden`, `refused`, `exited`, `killed`.
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

/// The last complete line of the file (seeking back from the end, not reading it all).
fn last_line(f: &mut File) -> std::io::Result<Option<String>> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    let mut chunk = 4096u64;
    loop {
        let start = len.saturating_sub(chunk);
        let mut buf = vec![0u8; (len - start) as usize];
        f.read_exact_at(&mut buf, start)?;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if let Some(i) = body.iter().rposition(|b| *b == b'\n') {
            return Ok(Some(String::from_utf8_lossy(&body[i + 1..]).into_owned()));
        }
        if start == 0 {
            return Ok(Some(String::from_utf8_lossy(body).into_owned()));
        }
        chunk *= 4;
    }
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

/// Whether a record could be appended now (the log opens for appending): asked before a
/// challenge, so that nobody answers a question for a command that then cannot be recorded.
pub fn writable(path: &Path) -> Result<(), String> {
    let f = open_log(path)?;
    // A full filesystem opens files but takes no bytes: ask it for room for one record.
    match nix::sys::statvfs::fstatvfs(&f) {
        Ok(v) if v.blocks_available() == 0 => Err(format!(
            "audit log `{}`: no space left on its filesystem",
            path.display()
        )),
        _ => Ok(()),
    }
}

/// Appends one record, filling in `seq`, `ts` and `prev`. Returns the new head hash.
pub fn append(path: &Path, mut rec: Record) -> Result<String, String> {
    let mut f = open_log(path)?;
    f.lock()
        .map_err(|e| format!("audit log `{}`: lock: {e}", path.display()))?;
    let (prev, seq) =
        match last_line(&mut f).map_err(|e| format!("audit log `{}`: {e}", path.display()))? {
            None => (GENESIS.to_string(), 0),
            Some(l) => {
                let line: Line = serde_json::from_str(&l).map_err(|e| {
                    format!(
                        "audit log `{}`: last line is damaged ({e}); run `safeop audit verify`",
                        path.display()
                    )
                })?;
                let r: Record = serde_json::from_str(line.r.get())
                    .map_err(|e| format!("audit log `{}`: {e}", path.display()))?;
                (line.h, r.seq + 1)
            }
        };
    rec.seq = seq;
    rec.prev = prev.clone();
    rec.ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let raw = serde_json::to_string(&rec).map_err(|e| e.to_string())?;
    let h = chain(&prev, &raw);
    let line = format!("{{\"h\":\"{h}\",\"r\":{raw}}}\n");
    f.write_all(line.as_bytes())
        .map_err(|e| format!("audit log `{}`: {e}", path.display()))?;
    Ok(h)
}

/// Checks the whole chain. Ok(number of records) or the first broken line (1-based) and why.
pub fn verify(path: &Path) -> Result<u64, (usize, String)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| (0, format!("cannot read `{}`: {e}", path.display())))?;
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    let torn = !text.is_empty() && !text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let no = i + 1;
        if torn && no == lines.len() {
            return Err((no, "the last line is incomplete (a torn write)".into()));
        }
        let line: Line =
            serde_json::from_str(l).map_err(|e| (no, format!("not a log line: {e}")))?;
        let r: Record =
            serde_json::from_str(line.r.get()).map_err(|e| (no, format!("not a record: {e}")))?;
        if r.prev != prev {
            return Err((
                no,
                "its `prev` does not name the line before it (a line was removed or reordered)"
                    .into(),
            ));
        }
        if r.seq != n {
            return Err((no, format!("sequence number {} where {} was due", r.seq, n)));
        }
        let want = chain(&prev, line.r.get());
        if want != line.h {
            return Err((
                no,
                "its hash does not match its content (the line was edited)".into(),
            ));
        }
        prev = line.h;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("safeop-audit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&d);
        d
    }

    #[test]
    fn chain_verifies_and_detects_edits() {
        let p = tmp("chain");
        for i in 0..5 {
            let rec = Record {
                action: "allowed".into(),
                argv: vec!["rm".into(), format!("f{i}")],
                ..Default::default()
            };
            append(&p, rec).expect("append");
        }
        assert_eq!(verify(&p), Ok(5));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).expect("stat").permissions().mode();
        assert_eq!(
            mode & 0o007,
            0,
            "the log is not readable by others: {mode:o}"
        );
        let text = std::fs::read_to_string(&p).expect("read");
        std::fs::write(&p, text.replacen("\"allowed\"", "\"refused\"", 1)).expect("write");
        assert_eq!(verify(&p).map_err(|e| e.0), Err(1));
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&p, format!("{}\n{}\n", lines[0], lines[2])).expect("write");
        assert_eq!(verify(&p).map_err(|e| e.0), Err(2));
        std::fs::write(&p, format!("{}\n{}", lines[0], &lines[1][..20])).expect("write");
        assert_eq!(verify(&p).map_err(|e| e.0), Err(2));
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept_exactly_beside_the_display_form() {
        use std::os::unix::ffi::OsStrExt;
        let arg = bytes::encode_bytes(b"DIR/\xff").into_owned();
        let cwd = std::ffi::OsStr::from_bytes(b"/srv/\xfe");
        let rec = Record::default().command(&["rm".into(), arg], Path::new(cwd));
        assert_eq!(rec.argv, ["rm", "DIR/\\xff"]);
        assert_eq!(rec.argv_hex, Some(vec!["726d".into(), "4449522fff".into()]));
        assert_eq!(rec.cwd, "/srv/\\xfe");
        assert_eq!(rec.cwd_hex.as_deref(), Some("2f7372762ffe"));
        let v = serde_json::to_value(&rec).expect("json");
        assert_eq!(shown_argv(&v), "rm $'DIR/\\xff'");
        let plain = Record::default().command(&["rm".into(), "x".into()], Path::new("/srv"));
        let v = serde_json::to_value(&plain).expect("json");
        assert!(v.get("argv_hex").is_none() && v.get("cwd_hex").is_none());
        assert_eq!(shown_argv(&v), "rm x");
    }
}
