//! The audit trail under load, across rotation and in the machine's log: 200 `safeop run`
//! processes at once each leave exactly one decision record and the chain verifies; a real
//! `logrotate` run leaves a new log whose first record links the old one's last, and
//! `audit verify OLD NEW` checks them as one chain while an emptied log without its rotated
//! predecessor reads as cut; every record's copy (journald's native protocol, or syslog) carries
//! the hash the file has for it. Every command run touches only scratch files.

mod common;
use common::*;
use std::os::unix::net::UnixDatagram;

fn records(log: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a log line"))
        .collect()
}

#[test]
fn two_hundred_concurrent_runs_leave_one_record_each_and_the_chain_verifies() {
    let s = Scratch::new();
    let log = s.path("audit.jsonl");
    for i in 0..200 {
        s.write(&format!("f/{i}"), "x");
    }
    let kids: Vec<std::process::Child> = (0..200)
        .map(|i| {
            std::process::Command::new(BIN)
                .args(["run", "--", "rm", "-f"])
                .arg(s.path(&format!("f/{i}")))
                .env_remove("SAFEOP_POLICY")
                .env("XDG_CONFIG_HOME", s.path("config"))
                .env("SAFEOP_AUDIT_LOG", &log)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let recs = records(&log);
    assert_eq!(recs.len(), 200, "one decision record per run");
    let mut seqs: Vec<u64> = recs
        .iter()
        .map(|r| r["r"]["seq"].as_u64().expect("seq"))
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..200).collect::<Vec<u64>>(), "every seq once");
    let mut files: Vec<String> = recs
        .iter()
        .map(|r| r["r"]["argv"][2].as_str().expect("argv").to_string())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), 200, "every command recorded once");
    for i in 0..200 {
        assert!(!s.path(&format!("f/{i}")).exists(), "rm {i} ran");
    }
    Test::new()
        .args(["audit", "verify"])
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("200 records, chain intact, its end matches its head");
}

/// Confirmed runs too: with a root-owned system layer that lets a needed confirmation run
/// without a terminal (`no_tty: allow`, in `/etc/safeop` through an overlay in a private mount
/// namespace), 100 confirmed and 100 allowed runs at once leave 200 decision records and 100
/// outcome records, each once, and the chain verifies.
#[test]
fn concurrent_confirmed_runs_leave_their_decision_and_outcome_once() {
    need_root!(); // the /etc overlay
    let s = Scratch::new();
    let log = s.path("audit.jsonl");
    std::fs::create_dir_all(s.path("up/safeop")).expect("mkdir");
    std::fs::create_dir_all(s.path("work")).expect("mkdir");
    s.write(
        "up/safeop/policy.yaml",
        "version: 1\nsettings: { no_tty: allow }\nrules:\n  - id: scratch-asks\n    summary: asks\n    match: { operation: delete }\n    when:\n      target.name: { glob: \"*.ask\" }\n    verdict: confirm\n",
    );
    let mut kids = Vec::new();
    for i in 0..200 {
        let name = if i % 2 == 0 {
            format!("f/{i}.ask")
        } else {
            format!("f/{i}")
        };
        s.write(&name, "x");
        // setsid: no controlling terminal, so the confirmation is the no-terminal case
        let mut c = std::process::Command::new("setsid");
        c.args([
            "--wait",
            "unshare",
            "--mount",
            "sh",
            "-c",
            &format!(
                "mount --make-rprivate / && mount -t overlay overlay -o lowerdir=/etc,upperdir='{}',workdir='{}/{i}' /etc && exec \"$0\" \"$@\"",
                s.path("up").display(),
                s.path("work").display()
            ),
            BIN,
            "run",
            "--",
            "rm",
            "-f",
        ])
        .arg(s.path(&name))
        .env_remove("SAFEOP_POLICY")
        .env("XDG_CONFIG_HOME", s.path("config"))
        .env("SAFEOP_AUDIT_LOG", &log)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
        std::fs::create_dir_all(s.path(&format!("work/{i}"))).expect("mkdir");
        kids.push(c.spawn().expect("spawn"));
    }
    for k in kids {
        let out = k.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let recs = records(&log);
    let count = |event: &str, action: &str| {
        recs.iter()
            .filter(|r| r["r"]["event"] == event && r["r"]["action"] == action)
            .count()
    };
    assert_eq!(count("decision", "allowed"), 100);
    assert_eq!(count("decision", "confirmed"), 100);
    assert_eq!(count("outcome", "exited"), 100);
    assert_eq!(recs.len(), 300);
    let mut seqs: Vec<u64> = recs
        .iter()
        .map(|r| r["r"]["seq"].as_u64().expect("seq"))
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..300).collect::<Vec<u64>>());
    for i in 0..200 {
        let name = if i % 2 == 0 {
            format!("f/{i}.ask")
        } else {
            format!("f/{i}")
        };
        assert!(!s.path(&name).exists(), "{name} was deleted");
    }
    Test::new()
        .args(["audit", "verify"])
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("300 records, chain intact, its end matches its head");
}

#[test]
fn a_rotated_log_goes_on_as_one_chain() {
    if !have("logrotate") {
        eprintln!("SKIPPED a_rotated_log_goes_on_as_one_chain: logrotate is not installed (.ci/run installs it)");
        return;
    }
    let s = Scratch::new();
    let log = s.path("log/audit.jsonl");
    let run = |name: &str| {
        s.write(name, "x");
        Test::new()
            .env_remove("SAFEOP_POLICY")
            .env("SAFEOP_AUDIT_LOG", &log)
            .args(["run", "--", "rm", "-f"])
            .arg(s.path(name))
            .go()
    };
    for i in 0..3 {
        run(&format!("a{i}")).status(0);
    }
    // a real logrotate run, with the shipped snippet's settings on the scratch log
    let conf = s.write(
        "logrotate.conf",
        &format!(
            "{} {{\n    rotate 24\n    compress\n    delaycompress\n    missingok\n    notifempty\n    create 0640\n}}\n",
            log.display()
        ),
    );
    sh(&format!(
        "logrotate -f -s '{}' '{}'",
        s.path("state").display(),
        conf.display()
    ));
    let old = s.path("log/audit.jsonl.1");
    assert!(old.exists(), "logrotate moved the log to .1");
    assert_eq!(std::fs::metadata(&log).expect("new log").len(), 0);
    for i in 0..2 {
        run(&format!("b{i}")).status(0);
    }
    let new = records(&log);
    assert_eq!(new.len(), 2);
    let old_recs = records(&old);
    assert_eq!(
        new[0]["r"]["prev"], old_recs[2]["h"],
        "links the old file's last record"
    );
    assert_eq!(new[0]["r"]["seq"], 3);
    assert_eq!(new[0]["r"]["continues"], old.display().to_string());
    Test::new()
        .args(["audit", "verify"])
        .arg(&old)
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("audit.jsonl: 5 records, chain intact, its end matches its head");
    Test::new()
        .args(["audit", "verify"])
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("the chain continues from");
    // files out of order, or the new file alone after the old one is changed: broken
    Test::new()
        .args(["audit", "verify"])
        .arg(&log)
        .arg(&old)
        .go()
        .status(1);
    // an emptied log whose .1 does not end where the head says: records cut, appends refused
    std::fs::remove_file(&old).expect("rm .1");
    std::fs::write(&log, "").expect("empty the log");
    let r = run("c0");
    r.status(0).stderr_has("the decision was not logged");
    assert!(
        r.stderr.contains("were removed") || r.stderr.contains("was removed"),
        "{}",
        r.stderr
    );
    Test::new()
        .args(["audit", "verify"])
        .arg(&log)
        .go()
        .status(1);
}

#[test]
fn every_record_is_copied_to_the_journal_with_its_hash() {
    let s = Scratch::new();
    let log = s.path("audit.jsonl");
    let journal = s.path("journal.sock");
    let sock = UnixDatagram::bind(&journal).expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    s.write("j", "x");
    Test::new()
        .env_remove("SAFEOP_POLICY")
        .env("SAFEOP_AUDIT_LOG", &log)
        .env("SAFEOP_JOURNAL_SOCKET", &journal)
        .args(["run", "--", "rm", "-f"])
        .arg(s.path("j"))
        .go()
        .status(0);
    let denied = s.file("x.deny", 512);
    Test::new()
        .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", &log)
        .env("SAFEOP_JOURNAL_SOCKET", &journal)
        .args(["run", "--", "dd", "if=/dev/zero", "count=1", "status=none"])
        .arg(format!("of={}", denied.display()))
        .go()
        .status(126);
    let recs = records(&log);
    assert_eq!(recs.len(), 2);
    for rec in &recs {
        let mut buf = vec![0u8; 1 << 16];
        let n = sock.recv(&mut buf).expect("a journal entry per record");
        let entry = String::from_utf8_lossy(&buf[..n]).into_owned();
        let h = rec["h"].as_str().expect("h");
        assert!(entry.contains(&format!("SAFEOP_HASH={h}\n")), "{entry}");
        assert!(entry.contains("SYSLOG_IDENTIFIER=safeop\n"), "{entry}");
        let raw = entry
            .lines()
            .find_map(|l| l.strip_prefix("SAFEOP_RECORD="))
            .expect("the record");
        let copied: serde_json::Value = serde_json::from_str(raw).expect("JSON");
        assert_eq!(copied, rec["r"], "the copy is the record");
    }
    // the same through syslog: the hash in the line
    let syslog = s.path("log.sock");
    let sock = UnixDatagram::bind(&syslog).expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    s.write("k", "x");
    Test::new()
        .env_remove("SAFEOP_POLICY")
        .env("SAFEOP_AUDIT_LOG", &log)
        .env("SAFEOP_SYSLOG_SOCKET", &syslog)
        .args(["run", "--", "rm", "-f"])
        .arg(s.path("k"))
        .go()
        .status(0);
    let mut buf = vec![0u8; 1 << 16];
    let n = sock.recv(&mut buf).expect("a syslog line");
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    let last = records(&log).pop().expect("record");
    assert!(line.starts_with("<86>safeop["), "{line}");
    assert!(
        line.ends_with(&format!("h={}", last["h"].as_str().expect("h"))),
        "{line}"
    );
}
