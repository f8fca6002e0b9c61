//! A copy of every audit record for the machine's own log pipeline: journald's native protocol
//! when `/run/systemd/journal/socket` exists (structured fields, the record's hash among them),
//! else syslog on `/dev/log` (RFC 3164 line, the hash in the text), else nothing. The audit file
//! stays the record of truth; the copy is how a rewrite of that file can be told: each copy
//! carries the record's `h`, which `audit verify` recomputes from the file.
//!
//! Best effort by design: a missing or full socket never stops a command (the file append
//! already decided that). One datagram per record, no connection kept, no thread.
//!
//! The test-only hooks `SAFEOP_JOURNAL_SOCKET` and `SAFEOP_SYSLOG_SOCKET` (`context`) point the
//! copy at a socket a test binds.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

const JOURNAL: &str = "/run/systemd/journal/socket";
const SYSLOG: &str = "/dev/log";

/// Where the copy goes, if anywhere.
#[derive(Debug, Clone, PartialEq)]
pub enum Sink {
    Journal(PathBuf),
    Syslog(PathBuf),
}

/// The first of journald's socket and `/dev/log` that exists (test hooks first).
pub fn sink() -> Option<Sink> {
    if let Some(p) = crate::context::test_hook("SAFEOP_JOURNAL_SOCKET") {
        return Some(Sink::Journal(p.into()));
    }
    if let Some(p) = crate::context::test_hook("SAFEOP_SYSLOG_SOCKET") {
        return Some(Sink::Syslog(p.into()));
    }
    if std::path::Path::new(JOURNAL).exists() {
        return Some(Sink::Journal(JOURNAL.into()));
    }
    if std::path::Path::new(SYSLOG).exists() {
        return Some(Sink::Syslog(SYSLOG.into()));
    }
    None
}

/// The journal entry for one record (`raw`: its JSON as written to the file, `h`: its hash):
/// journald's native format, each field `NAME=value\n`, or for a value with a newline `NAME\n`,
/// its length as 64-bit little endian, the bytes and `\n`.
pub fn journal_entry(raw: &str, h: &str) -> Vec<u8> {
    let r: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
    let priority = match s("action").as_str() {
        "refused" => "4",
        "confirmed" | "overridden" | "warned" => "5",
        _ => "6",
    };
    let fields = [
        ("MESSAGE", summary(&r)),
        ("PRIORITY", priority.to_string()),
        ("SYSLOG_IDENTIFIER", "safeop".to_string()),
        ("SAFEOP_HASH", h.to_string()),
        ("SAFEOP_SEQ", r["seq"].to_string()),
        ("SAFEOP_EVENT", s("event")),
        ("SAFEOP_ACTION", s("action")),
        ("SAFEOP_VERDICT", s("verdict")),
        ("SAFEOP_USER", s("user")),
        ("SAFEOP_RECORD", raw.to_string()),
    ];
    let mut out = Vec::new();
    for (k, v) in fields {
        if v.contains('\n') {
            out.extend_from_slice(k.as_bytes());
            out.push(b'\n');
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        } else {
            out.extend_from_slice(format!("{k}={v}\n").as_bytes());
        }
    }
    out
}

/// One line a person reads in `journalctl` or `/var/log/syslog`.
fn summary(r: &serde_json::Value) -> String {
    let argv = crate::audit::shown_argv(r);
    let mut s = format!(
        "{} {} {}",
        r["action"].as_str().unwrap_or("?"),
        r["verdict"].as_str().unwrap_or("?"),
        argv
    );
    if let Some(u) = r["sudo_user"].as_str() {
        s.push_str(&format!(" (sudo by {u})"));
    }
    s.replace('\n', " ")
}

/// The syslog line (RFC 3164, facility authpriv) for one record.
pub fn syslog_line(raw: &str, h: &str) -> Vec<u8> {
    let r: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let severity = if r["action"] == "refused" { 4 } else { 6 };
    // authpriv (10) * 8 + severity
    format!(
        "<{}>safeop[{}]: {} h={h}",
        80 + severity,
        std::process::id(),
        summary(&r)
    )
    .into_bytes()
}

/// Sends the copy of one record; errors are returned for the tests, ignored by the caller.
pub fn send(raw: &str, h: &str) -> Result<(), String> {
    let Some(sink) = sink() else {
        return Ok(());
    };
    let sock = UnixDatagram::unbound().map_err(|e| e.to_string())?;
    let (path, msg) = match &sink {
        Sink::Journal(p) => (p, journal_entry(raw, h)),
        Sink::Syslog(p) => (p, syslog_line(raw, h)),
    };
    sock.send_to(&msg, path)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_fields_carry_the_hash_and_the_record() {
        let raw = r#"{"seq":4,"event":"decision","action":"refused","verdict":"deny","argv":["rm","-rf","/"],"user":"root","sudo_user":"alice"}"#;
        let e = String::from_utf8(journal_entry(raw, "abc123")).expect("utf8");
        assert!(e.contains("SAFEOP_HASH=abc123\n"), "{e}");
        assert!(
            e.contains("SAFEOP_SEQ=4\n") && e.contains("PRIORITY=4\n"),
            "{e}"
        );
        assert!(
            e.contains("MESSAGE=refused deny rm -rf / (sudo by alice)\n"),
            "{e}"
        );
        assert!(e.contains(&format!("SAFEOP_RECORD={raw}\n")), "{e}");
        let l = String::from_utf8(syslog_line(raw, "abc123")).expect("utf8");
        assert!(
            l.starts_with("<84>safeop[") && l.ends_with("h=abc123"),
            "{l}"
        );
    }

    #[test]
    fn a_value_with_a_newline_is_sent_in_the_binary_form() {
        let raw = r#"{"action":"allowed","argv":["rm","a\nb"]}"#;
        let e = journal_entry(raw, "h");
        // the record's JSON has no raw newline (escaped), the summary neither
        assert!(!String::from_utf8_lossy(&e).contains("MESSAGE\n"));
    }
}
