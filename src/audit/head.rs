//! The chain head: a small file beside the log (`audit.jsonl.head`) naming how many records the
//! log holds and the hash of the last one. A hash chain alone proves only that the records it
//! has follow each other; cut records off its end and what is left still verifies. The head is
//! what the end must match. It is written under the log's lock after each record, so a log that
//! ends before the head's record has lost records (removed, or never reached the disk).
//!
//! ## Format
//!
//! One line of fixed length ([`LEN`] bytes, ASCII), decimal counts zero-padded to 20 digits:
//!
//! ```text
//! safeop-audit-head 1 records=00000000000000000042 last=<64 hex> since=00000000000000000000 check=<16 hex>
//! ```
//!
//! `records` is the number of records (the next record's `seq`), `last` the `h` of the last one
//! (64 zeros for none). `since` is the number of records the log already held when the head was
//! made: 0 for a log that had a head from its first record, more for a log an older safeop wrote
//! (a cut before then could not be seen). `check` is the first 16 hex digits of the BLAKE3 hash
//! of the bytes before ` check=`, so a garbled head is told from a true one.
//!
//! ## Atomicity
//!
//! The head is rewritten in place: one `pwrite` of all [`LEN`] bytes at offset 0, then `fsync`
//! for the records that are synced (not allow or warn). The same length each time means no
//! truncation and no moment when the file is half old, half new for a reader (readers hold the
//! log's lock too); [`LEN`] is far below one disk sector (512 bytes), the unit a disk writes
//! whole, and the `check` field catches the rest. The other way — a temporary file and
//! `rename(2)` — would create a file and change the directory on every record, an allowed
//! command included; rewriting one existing block costs one system call.
//!
//! Only a regular file gets a head: a log pointed at `/dev/null` or a pipe has no chain to prove.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The length of a head in bytes, newline included.
pub(crate) const LEN: usize = 169;

const MAGIC: &str = "safeop-audit-head 1";

/// What a head says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// How many records the log holds.
    pub(crate) records: u64,
    /// The hash (`h`) of the last record, or 64 zeros when there is none.
    pub(crate) last: String,
    /// How many records the log held when its head was made.
    pub(crate) since: u64,
}

/// The head's file, open for reading and writing, and what it held when opened.
pub(crate) struct HeadFile {
    f: File,
    pub(crate) path: PathBuf,
    /// `None`: no head yet (the file was absent or empty).
    pub(crate) read: Result<Option<Head>, String>,
    len: u64,
}

/// `LOG.head`, beside the log.
pub(crate) fn path_for(log: &Path) -> PathBuf {
    let mut p = log.as_os_str().to_owned();
    p.push(".head");
    PathBuf::from(p)
}

impl Head {
    fn text(&self) -> String {
        let body = format!(
            "{MAGIC} records={:020} last={} since={:020}",
            self.records, self.last, self.since
        );
        let check = &blake3::hash(body.as_bytes()).to_hex()[..16];
        format!("{body} check={check}\n")
    }

    fn parse(bytes: &[u8]) -> Result<Head, String> {
        let bad = |why: &str| format!("not a chain head ({why})");
        if bytes.len() != LEN {
            return Err(bad(&format!("{} bytes where {LEN} are due", bytes.len())));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not text"))?;
        let text = text.strip_suffix('\n').ok_or_else(|| bad("no newline"))?;
        let (body, check) = text.rsplit_once(" check=").ok_or_else(|| bad("no check"))?;
        if blake3::hash(body.as_bytes()).to_hex()[..16] != *check {
            return Err(bad("its check does not match its content"));
        }
        let rest = body.strip_prefix(MAGIC).ok_or_else(|| bad("no magic"))?;
        let mut records = None;
        let mut last = None;
        let mut since = None;
        for field in rest.split_whitespace() {
            match field.split_once('=') {
                Some(("records", v)) => records = v.parse::<u64>().ok(),
                Some(("last", v)) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    last = Some(v.to_string())
                }
                Some(("since", v)) => since = v.parse::<u64>().ok(),
                _ => return Err(bad(&format!("unknown field `{field}`"))),
            }
        }
        match (records, last, since) {
            (Some(records), Some(last), Some(since)) if since <= records => Ok(Head {
                records,
                last,
                since,
            }),
            _ => Err(bad("a field is missing or out of range")),
        }
    }
}

impl HeadFile {
    /// Opens the head of the log at `log` (creating it, mode 0640, when `create`), and reads it.
    /// `Ok(None)` when it does not exist and `create` is false.
    pub(crate) fn open(log: &Path, create: bool) -> Result<Option<HeadFile>, String> {
        let path = path_for(log);
        let opened = OpenOptions::new()
            .read(true)
            .write(create)
            .create(create)
            .mode(0o640)
            // The head is safeop's own file: never follow a link planted in its place.
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&path);
        let f = match opened {
            Ok(f) => f,
            Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("audit log head `{}`: {e}", path.display())),
        };
        let len = f
            .metadata()
            .map_err(|e| format!("audit log head `{}`: {e}", path.display()))?
            .len();
        let read = if len == 0 {
            // Made, but its first write never happened (a full filesystem): no head yet.
            Ok(None)
        } else {
            let mut buf = vec![0u8; len.min(4096) as usize];
            f.read_exact_at(&mut buf, 0)
                .map_err(|e| format!("audit log head `{}`: {e}", path.display()))?;
            Head::parse(&buf).map(Some)
        };
        Ok(Some(HeadFile { f, path, read, len }))
    }

    /// The head as it was read, or why it could not be.
    pub(crate) fn head(&self) -> Result<Option<&Head>, String> {
        match &self.read {
            Ok(h) => Ok(h.as_ref()),
            Err(e) => Err(format!("audit log head `{}`: {e}", self.path.display())),
        }
    }

    /// Rewrites the head in place; `sync`: and waits until it is on the disk.
    pub(crate) fn write(&mut self, head: &Head, sync: bool) -> std::io::Result<()> {
        let text = head.text();
        debug_assert_eq!(text.len(), LEN);
        self.f.write_all_at(text.as_bytes(), 0)?;
        if self.len > LEN as u64 {
            // Something longer stood there before: cut it to the one head.
            self.f.set_len(LEN as u64)?;
        }
        self.len = LEN as u64;
        if sync {
            self.f.sync_data()?;
        }
        self.read = Ok(Some(head.clone()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(records: u64, since: u64) -> Head {
        Head {
            records,
            last: "ab".repeat(32),
            since,
        }
    }

    #[test]
    fn a_head_is_one_fixed_length_line_that_reads_back() {
        for h in [head(0, 0), head(42, 7), head(u64::MAX, u64::MAX)] {
            let t = h.text();
            assert_eq!(t.len(), LEN, "{t}");
            assert_eq!(Head::parse(t.as_bytes()), Ok(h));
        }
    }

    #[test]
    fn a_garbled_or_short_head_is_not_taken_for_one() {
        let t = head(42, 0).text();
        let edited = t.replace(
            "records=00000000000000000042",
            "records=00000000000000000041",
        );
        assert!(Head::parse(edited.as_bytes())
            .unwrap_err()
            .contains("check does not match"));
        assert!(Head::parse(&t.as_bytes()[..100])
            .unwrap_err()
            .contains("100 bytes"));
        assert!(Head::parse(&[b'x'; LEN]).is_err());
    }

    #[test]
    fn the_head_is_rewritten_in_place_and_a_longer_file_is_cut_to_it() {
        let d = tempfile::tempdir().expect("tmp");
        let log = d.path().join("audit.jsonl");
        assert!(HeadFile::open(&log, false).expect("open").is_none());
        let mut hf = HeadFile::open(&log, true).expect("open").expect("made");
        assert_eq!(hf.head(), Ok(None), "an empty head file is no head");
        hf.write(&head(3, 0), false).expect("write");
        std::fs::write(path_for(&log), format!("{}junk\n", head(5, 0).text())).expect("junk");
        let mut hf = HeadFile::open(&log, true).expect("open").expect("there");
        assert!(hf.head().is_err(), "a head with junk after it is damaged");
        hf.write(&head(6, 0), true).expect("write");
        let hf = HeadFile::open(&log, false).expect("open").expect("there");
        assert_eq!(hf.head(), Ok(Some(&head(6, 0))));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path_for(&log))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o027, 0, "0640 at most: {mode:o}");
    }
}
