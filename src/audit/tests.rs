//! Unit tests of the log with its head: real files in a scratch directory. Test code only
//! (declared `#[cfg(test)] mod tests;` in audit.rs; said again here for readers and linters).
#![cfg(test)]

use super::*;

/// A scratch directory and the log in it.
struct Log {
    _d: tempfile::TempDir,
    p: PathBuf,
}

impl Log {
    fn new() -> Log {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("audit.jsonl");
        Log { _d: d, p }
    }
    /// A log of `n` allowed `rm fI` records.
    fn with(n: usize) -> Log {
        let l = Log::new();
        for i in 0..n {
            l.add(&format!("f{i}")).expect("append");
        }
        l
    }
    fn add(&self, arg: &str) -> Result<Appended, String> {
        let rec = Record {
            event: "decision".into(),
            action: "allowed".into(),
            user: "tester".into(),
            argv: vec!["rm".into(), arg.into()],
            ..Default::default()
        };
        append(&self.p, rec)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.p).expect("read")).into_owned()
    }
    fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_string).collect()
    }
    fn write(&self, text: &str) {
        std::fs::write(&self.p, text).expect("write");
    }
    fn head(&self) -> PathBuf {
        head::path_for(&self.p)
    }
    fn records(&self) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| v["r"].clone())
            .collect()
    }
}

fn line_of(r: Result<Verified, Broken>) -> usize {
    match r {
        Err(Broken::Line(n, _)) => n,
        other => panic!("not a broken line: {other:?}"),
    }
}

fn why_of(r: Result<Verified, Broken>) -> String {
    match r {
        Err(Broken::Line(_, why)) | Err(Broken::Head(why)) => why,
        other => panic!("not broken: {other:?}"),
    }
}

#[test]
fn chain_verifies_and_detects_edits() {
    let l = Log::with(5);
    let v = verify(&l.p).expect("intact");
    assert_eq!((v.records, v.proven), (5, true), "{:?}", v.notes);
    assert!(v.notes.is_empty(), "{:?}", v.notes);
    use std::os::unix::fs::PermissionsExt;
    for p in [&l.p, &l.head()] {
        let mode = std::fs::metadata(p).expect("stat").permissions().mode();
        assert_eq!(mode & 0o007, 0, "not readable by others: {mode:o}");
    }
    let text = l.text();
    l.write(&text.replacen("\"allowed\"", "\"refused\"", 1));
    assert_eq!(line_of(verify(&l.p)), 1);
    let lines: Vec<&str> = text.lines().collect();
    l.write(&format!("{}\n{}\n", lines[0], lines[2]));
    assert_eq!(line_of(verify(&l.p)), 2);
    // two swapped
    l.write(&format!(
        "{}\n{}\n{}\n{}\n{}\n",
        lines[0], lines[2], lines[1], lines[3], lines[4]
    ));
    assert_eq!(line_of(verify(&l.p)), 2);
    // a torn line in the middle of the log is no tail to recover
    l.write(&format!("{}\n{}\n", &lines[0][..20], lines[1]));
    assert_eq!(line_of(verify(&l.p)), 1);
}

#[test]
fn a_cut_off_end_fails_verify_at_the_line_and_stops_appends() {
    for cut in [1, 2, 5] {
        let l = Log::with(5);
        let lines = l.lines();
        let kept: String = lines[..5 - cut].iter().map(|x| format!("{x}\n")).collect();
        l.write(&kept);
        let why = why_of(verify(&l.p));
        assert!(
            why.contains(&format!("says 5: the last {cut} record")),
            "{why}"
        );
        assert_eq!(line_of(verify(&l.p)), 5 - cut + 1);
        let e = l.add("after-the-cut").unwrap_err();
        assert!(
            e.contains("were removed") || e.contains("was removed"),
            "{e}"
        );
        assert!(e.contains("safeop audit verify"), "{e}");
        assert!(writable(&l.p).is_err(), "asked before a challenge, too");
        assert_eq!(l.lines().len(), 5 - cut, "nothing was appended");
        // the way out the message names: the head moved aside, the log is taken as it is
        std::fs::rename(l.head(), l.p.with_extension("old-head")).expect("mv");
        l.add("accepted")
            .expect("append after the head was moved aside");
        let v = verify(&l.p).expect("intact");
        assert!(v.proven);
    }
}

#[test]
fn the_last_record_replaced_is_caught_by_the_head() {
    let l = Log::with(3);
    let lines = l.lines();
    // a forger rebuilds record 2 with a valid hash: the chain holds, the head does not
    let mut r: Record = serde_json::from_value(l.records()[2].clone()).expect("record");
    r.action = "refused".into();
    let raw = serde_json::to_string(&r).expect("json");
    let h = chain(&r.prev, &raw);
    l.write(&format!(
        "{}\n{}\n{{\"h\":\"{h}\",\"r\":{raw}}}\n",
        lines[0], lines[1]
    ));
    assert_eq!(line_of(verify(&l.p)), 3);
    assert!(why_of(verify(&l.p)).contains("the end of the log was replaced"));
    assert!(l
        .add("x")
        .unwrap_err()
        .contains("not the one its chain head"));
}

#[test]
fn a_log_without_a_head_is_taken_once_and_its_end_is_not_proven() {
    let l = Log::with(3);
    std::fs::remove_file(l.head()).expect("rm head");
    let v = verify(&l.p).expect("intact");
    assert!(!v.proven);
    assert!(v.notes[0].contains("no chain head"), "{:?}", v.notes);
    l.add("first-with-a-head").expect("adopted");
    let v = verify(&l.p).expect("intact");
    assert_eq!((v.records, v.proven), (4, true));
    assert!(
        v.notes[0].contains("made at record 3"),
        "the proof starts there: {:?}",
        v.notes
    );
    // now a cut is seen
    let lines = l.lines();
    l.write(&format!("{}\n", lines[..3].join("\n")));
    assert_eq!(line_of(verify(&l.p)), 4);
}

#[test]
fn a_head_behind_the_log_is_accepted_and_caught_up() {
    let l = Log::with(3);
    let old = std::fs::read(l.head()).expect("head");
    l.add("f3").expect("append");
    std::fs::write(l.head(), &old).expect("old head back"); // as if safeop died in between
    let v = verify(&l.p).expect("intact");
    assert!(!v.proven);
    assert!(
        v.notes[0].contains("names record 2 (line 3)"),
        "{:?}",
        v.notes
    );
    l.add("f4").expect("append");
    assert!(verify(&l.p).expect("intact").proven);
    // a head garbled by hand is no head to trust
    let h = std::fs::read_to_string(l.head()).expect("head");
    let edited = h.replace(
        "records=00000000000000000005",
        "records=00000000000000000002",
    );
    std::fs::write(l.head(), edited).expect("write");
    assert!(why_of(verify(&l.p)).contains("check does not match"));
    assert!(l.add("x").unwrap_err().contains("check does not match"));
    // and a head naming an earlier record the log does not hold is not "behind"
    let mut hf = HeadFile::open(&l.p, true).expect("open").expect("there");
    let other = Head {
        records: 2,
        last: "ab".repeat(32),
        since: 0,
    };
    hf.write(&other, false).expect("write");
    assert_eq!(line_of(verify(&l.p)), 2);
    assert!(why_of(verify(&l.p)).contains("rewritten from here on"));
    assert!(l.add("x").unwrap_err().contains("record 1 is not the one"));
}

#[test]
fn a_torn_tail_is_recorded_as_damage_when_the_head_names_the_record_before_it() {
    let l = Log::with(3);
    let whole = l.text();
    let torn = "{\"h\":\"0123\",\"r\":{\"seq\":3,\"ts\":\"torn-here";
    l.write(&format!("{whole}{torn}"));
    let v = verify(&l.p).expect("a tear the head vouches for is no break");
    assert!(v.proven);
    assert!(
        v.notes[0].contains("line 4: the last line is incomplete")
            && v.notes[0].contains("next append records it"),
        "{:?}",
        v.notes
    );
    assert!(writable(&l.p).is_ok(), "a confirm may go ahead");
    let done = l.add("after-the-tear").expect("recovered");
    assert!(
        done.notes[0].contains("recorded as damage (record 3)"),
        "{:?}",
        done.notes
    );
    // the torn bytes stay as a line of their own; the damage record covers them
    let lines = l.lines();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[3], torn);
    let recs = l.records();
    let d = &recs[3];
    assert_eq!(d["event"], "damage");
    assert_eq!(d["seq"], 3);
    assert_eq!(d["torn_bytes"], torn.len());
    assert_eq!(
        d["torn_blake3"],
        blake3::hash(torn.as_bytes()).to_hex().as_str()
    );
    assert_eq!(recs[4]["seq"], 4);
    let v = verify(&l.p).expect("intact");
    assert_eq!((v.records, v.proven), (5, true));
    assert!(
        v.notes[0].contains(&format!(
            "line 4: {} bytes of a write that was cut off",
            torn.len()
        )) && v.notes[0].contains("recorded as damage at line 5"),
        "{:?}",
        v.notes
    );
    // the torn bytes are held to the record too
    l.write(&l.text().replacen("torn-here", "torn-HERE", 1));
    assert_eq!(line_of(verify(&l.p)), 4);
}

#[test]
fn tears_on_tears_and_whole_lines_of_garbage_are_covered_by_one_damage_record() {
    let l = Log::with(2);
    let whole = l.text();
    // a first tear, a newline, a second tear (a recovery that was itself cut off)
    let junk = "{\"h\":\"ab\nnot json at all\n{\"h\":\"cd";
    l.write(&format!("{whole}{junk}"));
    l.add("x").expect("recovered");
    let recs = l.records();
    let d = recs
        .iter()
        .find(|r| r["event"] == "damage")
        .expect("damage");
    assert_eq!(d["torn_bytes"], junk.len());
    let v = verify(&l.p).expect("intact");
    assert!(v.notes[0].starts_with("lines 3–5:"), "{:?}", v.notes);
    // garbage that ends with a newline gets no second one
    let l = Log::with(1);
    let junk = "garbage\n";
    l.write(&format!("{}{junk}", l.text()));
    l.add("x").expect("recovered");
    assert_eq!(l.lines().len(), 4);
    assert!(verify(&l.p).expect("intact").proven);
}

#[test]
fn a_torn_tail_the_head_does_not_vouch_for_is_refused_and_fails_verify() {
    let l = Log::with(4);
    let lines = l.lines();
    // records 2 and 3 cut away, and a tear left behind: it cannot be told from a cut
    l.write(&format!("{}\n{}\n{}", lines[0], lines[1], &lines[2][..30]));
    assert_eq!(line_of(verify(&l.p)), 3);
    assert!(why_of(verify(&l.p)).contains("does not name the record before it"));
    let e = l.add("x").unwrap_err();
    assert!(e.contains("cut off") && e.contains("says 4 records"), "{e}");
    assert!(writable(&l.p).is_err());
    // and without any head at all
    std::fs::remove_file(l.head()).expect("rm");
    assert!(why_of(verify(&l.p)).contains("no chain head"));
    assert!(l.add("x").unwrap_err().contains("no chain head"));
}

#[test]
fn the_first_record_torn_is_recovered_too() {
    let l = Log::new();
    // the head is made before the first record (0 records), so its tear has one to match
    l.add("first").expect("append");
    let lines = l.lines();
    l.write(&lines[0][..40]);
    let mut hf = HeadFile::open(&l.p, true).expect("open").expect("there");
    let empty = Head {
        records: 0,
        last: GENESIS.into(),
        since: 0,
    };
    hf.write(&empty, false)
        .expect("head as it was before the first record");
    l.add("again").expect("recovered");
    let v = verify(&l.p).expect("intact");
    assert_eq!((v.records, v.proven), (2, true));
    assert_eq!(l.records()[0]["event"], "damage");
}

#[test]
fn a_log_that_is_no_regular_file_gets_no_head() {
    let d = tempfile::tempdir().expect("tmp");
    let fifo = d.path().join("pipe");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("fifo");
    // a reader, so the append's open does not wait
    let reader = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::read(fifo).map(|b| b.len())
    });
    let rec = Record {
        action: "allowed".into(),
        ..Default::default()
    };
    let w = OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("hold the pipe open");
    append(&fifo, rec).expect("append to a pipe");
    drop(w);
    assert!(reader.join().expect("join").expect("read") > 0);
    assert!(!head::path_for(&fifo).exists(), "no head beside a pipe");
}

#[test]
fn records_of_what_was_not_simply_allowed_are_synced() {
    let rec = |action: &str| Record {
        action: action.into(),
        ..Default::default()
    };
    for a in ["refused", "confirmed", "overridden", "exited", "killed"] {
        assert!(durable(&rec(a)), "{a}");
    }
    for a in ["allowed", "warned"] {
        assert!(!durable(&rec(a)), "{a}");
    }
}

#[test]
fn an_append_waits_for_a_held_lock_only_so_long() {
    let l = Log::with(1);
    let holder = File::open(&l.p).expect("open");
    holder.lock().expect("lock");
    let t = std::time::Instant::now();
    let e = l.add("x").unwrap_err();
    assert!(t.elapsed() < lock::WAIT + std::time::Duration::from_secs(2));
    assert!(e.contains("was not released within 5 s"), "{e}");
    drop(holder);
    l.add("x").expect("free again");
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
