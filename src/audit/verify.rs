//! `safeop audit verify`: reads the whole log under its shared lock and proves the chain — each
//! record names the hash of the one before, its `seq` is the next, its hash matches its bytes —
//! and that its end is the one the chain head names. It only reads: nothing is repaired here.
//!
//! What it finds is one of three things:
//! - the chain is intact, and [`Verified::notes`] say what weakens the proof or was mended:
//!   damage a later append recorded (the torn bytes checked against the `damage` record), a torn
//!   last line that the next append will record, a log with no head (its end cannot be proven),
//!   records after the head's;
//! - the chain breaks at a line ([`Broken::Line`]): edited, removed, reordered, cut off at the
//!   end, a torn tail the head does not vouch for;
//! - the head itself is damaged ([`Broken::Head`]), or the log cannot be read.

use super::head::{Head, HeadFile};
use super::lock::{self, Kind};
use super::{chain, Line, Record, GENESIS};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// An intact chain.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    /// How many records it holds (damage records included).
    pub records: u64,
    /// Whether the head vouches for its end.
    pub proven: bool,
    /// Warnings: damage recorded, a tail not proven, …
    pub notes: Vec<String>,
    /// The chain's end: the last record's hash (the `prev` a rotated successor starts from).
    pub last: String,
}

/// Why the chain does not verify.
#[derive(Debug, PartialEq, Eq)]
pub enum Broken {
    /// The log cannot be read.
    Unreadable(String),
    /// The chain breaks at this line (1-based).
    Line(usize, String),
    /// The chain head cannot be read or is not one.
    Head(String),
}

/// Lines after the last record that are no record: a torn write, until a `damage` record
/// covers them.
struct Gap {
    line: usize,
    start: usize,
    why: String,
}

/// Checks the whole chain and its end against its head.
pub fn verify(path: &Path) -> Result<Verified, Broken> {
    verify_from(path, None)
}

/// [`verify`] for a log that continues another (rotation): `start` is the earlier file's end
/// (its last hash and record count), which this file's first record must link. Without it, a
/// first record that says it `continues` another file is taken as the start, with a note.
pub fn verify_from(path: &Path, start: Option<(String, u64)>) -> Result<Verified, Broken> {
    let head_file = |regular: bool| {
        if regular {
            HeadFile::open(path, false).map_err(Broken::Head)
        } else {
            Ok(None)
        }
    };
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            if let Ok(Some(hf)) = head_file(true) {
                if let Ok(Some(h)) = hf.head() {
                    return Err(Broken::Line(
                        1,
                        format!(
                            "the log is not there ({e}) but its chain head `{}` says {} records: it was removed",
                            hf.path.display(),
                            h.records
                        ),
                    ));
                }
            }
            return Err(Broken::Unreadable(format!(
                "cannot read `{}`: {e}",
                path.display()
            )));
        }
    };
    let mut notes = Vec::new();
    if let Err(e) = lock::take(&f, path, Kind::Shared) {
        notes.push(format!("read without the lock: {e}"));
    }
    let unreadable =
        |e: std::io::Error| Broken::Unreadable(format!("cannot read `{}`: {e}", path.display()));
    let regular = f.metadata().map_err(unreadable)?.is_file();
    let hf = head_file(regular)?;
    let head: Option<Head> = match &hf {
        Some(hf) => hf.head().map_err(Broken::Head)?.cloned(),
        None => None,
    };
    let head_shown = super::head::path_for(path).display().to_string();
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(unreadable)?;

    let given_start = start.is_some();
    let (mut prev, mut n) = start.unwrap_or_else(|| (GENESIS.to_string(), 0));
    let mut first = true;
    let mut gap: Option<Gap> = None;
    let mut lines = 0usize;
    let mut last_record_line = 0usize;
    // Where the record the head names was seen: its line and hash.
    let mut named: Option<(usize, String)> = None;
    let mut start = 0usize;
    for piece in bytes.split_inclusive(|b| *b == b'\n') {
        lines += 1;
        let no = lines;
        let here = start;
        start += piece.len();
        let Some(text) = piece.strip_suffix(b"\n") else {
            gap.get_or_insert(Gap {
                line: no,
                start: here,
                why: format!(
                    "the last line is incomplete ({} bytes of a torn write)",
                    piece.len()
                ),
            });
            continue;
        };
        let parsed = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Line>(t).map_err(|e| e.to_string()));
        let line = match parsed {
            Ok(l) => l,
            Err(e) => {
                gap.get_or_insert(Gap {
                    line: no,
                    start: here,
                    why: format!("not a log line: {e}"),
                });
                continue;
            }
        };
        let r: Record = serde_json::from_str(line.r.get())
            .map_err(|e| Broken::Line(no, format!("not a record: {e}")))?;
        if r.event == "damage" {
            let Some(g) = gap.take() else {
                return Err(Broken::Line(
                    no,
                    "a damage record where no damaged line comes before it".into(),
                ));
            };
            let torn = &bytes[g.start..here];
            let want = r.torn_bytes.unwrap_or(0) as usize;
            let fits = torn.len() == want || (torn.len() == want + 1 && torn[want] == b'\n');
            let hash = fits.then(|| blake3::hash(&torn[..want]).to_hex().to_string());
            if hash.is_none() || hash != r.torn_blake3 {
                return Err(Broken::Line(
                    g.line,
                    format!(
                        "these damaged bytes are not the ones the damage record at line {no} describes ({want} bytes, BLAKE3 {})",
                        r.torn_blake3.as_deref().unwrap_or("?")
                    ),
                ));
            }
            let through = if no - 1 > g.line {
                format!("s {}–{}", g.line, no - 1)
            } else {
                format!(" {}", g.line)
            };
            notes.push(format!(
                "line{through}: {want} bytes of a write that was cut off (BLAKE3 {}), recorded as damage at line {no}; the chain goes on across them",
                &hash.unwrap_or_default()[..16]
            ));
        } else if let Some(g) = gap {
            return Err(Broken::Line(g.line, g.why));
        }
        if std::mem::take(&mut first) && !given_start {
            if let Some(from) = &r.continues {
                notes.push(format!(
                    "the chain continues from `{from}` ({} records before this file): `safeop audit verify {from} {}` checks them together",
                    r.seq,
                    path.display()
                ));
                prev = r.prev.clone();
                n = r.seq;
            }
        }
        if r.prev != prev {
            return Err(Broken::Line(
                no,
                "its `prev` does not name the line before it (a line was removed or reordered)"
                    .into(),
            ));
        }
        if r.seq != n {
            return Err(Broken::Line(
                no,
                format!("sequence number {} where {} was due", r.seq, n),
            ));
        }
        if chain(&prev, line.r.get()) != line.h {
            return Err(Broken::Line(
                no,
                "its hash does not match its content (the line was edited)".into(),
            ));
        }
        prev = line.h;
        n += 1;
        last_record_line = no;
        if head.as_ref().is_some_and(|h| h.records == n) {
            named = Some((no, prev.clone()));
        }
    }

    let Some(h) = head else {
        if let Some(g) = gap {
            return Err(Broken::Line(
                g.line,
                format!(
                    "{}, and there is no chain head `{head_shown}` to show that nothing was removed before it",
                    g.why
                ),
            ));
        }
        if regular {
            notes.push(format!(
                "no chain head `{head_shown}` (a log an older safeop wrote, or never appended to since): its end cannot be proven, records cut off it would not show; the next append makes the head"
            ));
        }
        return Ok(Verified {
            records: n,
            proven: false,
            notes,
            last: prev,
        });
    };
    if h.since > 0 {
        notes.push(format!(
            "the chain head was made at record {} for a log that had none: records cut off before then would not show",
            h.since
        ));
    }
    if h.records == n && h.last == prev {
        if let Some(g) = gap {
            notes.push(format!(
                "line {}: {}; the chain head names the record before it, so the next append records it as damage and goes on",
                g.line, g.why
            ));
        }
        return Ok(Verified {
            records: n,
            proven: true,
            notes,
            last: prev,
        });
    }
    if let Some(g) = gap {
        return Err(Broken::Line(
            g.line,
            format!(
                "{}, and the chain head `{head_shown}` does not name the record before it ({} records where the log has {n})",
                g.why, h.records
            ),
        ));
    }
    if h.records > n {
        let missing = h.records - n;
        let noun = if missing == 1 {
            "record was"
        } else {
            "records were"
        };
        return Err(Broken::Line(
            lines + 1,
            format!(
                "the log ends at line {lines} after {n} records but its chain head `{head_shown}` says {}: the last {missing} {noun} removed (or lost before they reached the disk)",
                h.records
            ),
        ));
    }
    if h.records == n {
        return Err(Broken::Line(
            last_record_line,
            format!(
                "the last record is not the one the chain head `{head_shown}` names (the end of the log was replaced)"
            ),
        ));
    }
    match named {
        Some((no, hash)) if hash == h.last => {
            notes.push(format!(
                "the chain head `{head_shown}` names record {} (line {no}); the {} after it are not covered (an older safeop wrote them, or safeop stopped between a record and its head): their removal would not show",
                h.records - 1,
                n - h.records
            ));
            Ok(Verified {
                records: n,
                proven: false,
                notes,
                last: prev.clone(),
            })
        }
        _ if h.records == 0 && h.last == GENESIS => {
            notes.push(format!(
                "the chain head `{head_shown}` was made for an empty log; the {n} records after it are not covered: their removal would not show"
            ));
            Ok(Verified {
                records: n,
                proven: false,
                notes,
                last: prev.clone(),
            })
        }
        Some((no, _)) => Err(Broken::Line(
            no,
            format!(
                "this is record {} but not the one the chain head `{head_shown}` names (the log was rewritten from here on)",
                h.records - 1
            ),
        )),
        None => Err(Broken::Head(format!(
            "the chain head `{head_shown}` does not name a record of the log"
        ))),
    }
}
