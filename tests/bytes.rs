//! Arguments are bytes. A name that is not UTF-8 reaches the command byte for byte (on the fast
//! path, the guarded path and the confirmed path), is judged by those bytes, is kept exactly in
//! the audit log, and is shown to people escaped (`\xff`). Every test puts the name next to its
//! lossy twin (`\xff` → U+FFFD, bytes EF BF BD): a conversion that loses bytes picks the twin.

mod common;
use common::*;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

const FF: &[u8] = b"\xff";
/// U+FFFD in UTF-8: what `to_string_lossy` makes of `\xff`.
const FFFD: &[u8] = "\u{FFFD}".as_bytes();

fn os(parts: &[&[u8]]) -> OsString {
    OsString::from_vec(parts.concat())
}

/// `dir/NAME` with NAME given as bytes.
fn at(dir: &Path, parts: &[&[u8]]) -> PathBuf {
    dir.join(os(parts))
}

/// The file and its lossy twin, each with its own content; returns both paths.
fn twins(dir: &Path, stem: &[u8], suffix: &[u8]) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let real = at(dir, &[stem, FF, suffix]);
    let twin = at(dir, &[stem, FFFD, suffix]);
    std::fs::write(&real, vec![0xA5u8; 8192]).expect("write");
    std::fs::write(&twin, vec![0x5Au8; 8192]).expect("write");
    (real, twin)
}

/// The records of an audit log, as JSON (`r` of each line).
fn records(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .expect("audit log written")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line")["r"].clone())
        .collect()
}

/// The exact argument bytes a record keeps (`argv_hex`).
fn exact_argv(r: &serde_json::Value) -> Vec<Vec<u8>> {
    r["argv_hex"]
        .as_array()
        .unwrap_or_else(|| panic!("no argv_hex in {r}"))
        .iter()
        .map(|h| {
            let h = h.as_str().expect("hex string");
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
                .collect()
        })
        .collect()
}

fn bytes_of(args: &[&OsStr]) -> Vec<Vec<u8>> {
    args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

#[test]
fn rm_removes_exactly_the_file_its_bytes_name_and_not_its_lossy_twin() {
    let t = Test::new();
    let dir = t.scratch.path("DIR");
    let (real, twin) = twins(&dir, b"", b"");
    let twin_hash = blake3_of(&twin);
    let arg = os(&[b"DIR/", FF]);
    let cwd = t.scratch.dir.path().to_path_buf();
    let (r, s) = t.cwd(&cwd).args(["run", "--", "rm", "-f"]).arg(&arg).run();
    r.status(0);
    assert!(!real.exists(), "DIR/\\xff is still there");
    assert!(twin.exists(), "rm removed DIR/U+FFFD instead of DIR/\\xff");
    assert_eq!(blake3_of(&twin), twin_hash);
    // The decision was logged with the exact bytes beside the readable form.
    let recs = records(&s.path("audit.jsonl"));
    let rec = recs.last().expect("a record");
    assert_eq!(rec["action"], "allowed");
    assert_eq!(rec["argv"], serde_json::json!(["rm", "-f", "DIR/\\xff"]));
    assert_eq!(
        exact_argv(rec),
        bytes_of(&[OsStr::new("rm"), OsStr::new("-f"), &arg])
    );
}

#[test]
fn the_same_works_with_an_absolute_path_and_in_a_directory_that_is_not_utf8() {
    let s = Scratch::new();
    let dir = at(s.dir.path(), &[b"D", b"\xfe"]);
    let (real, twin) = twins(&dir, b"f", b"");
    Test::new()
        .args([OsStr::new("run"), OsStr::new("--"), OsStr::new("rm")])
        .arg(&real)
        .go()
        .status(0);
    assert!(!real.exists() && twin.exists());
    // `env -C DIR` with DIR not UTF-8: the wrapper gets the bytes, and so does the rm inside it.
    let (real, twin) = twins(&dir, b"g", b"");
    Test::new()
        .cwd(s.dir.path())
        .args(["run", "--", "env", "-C"])
        .arg(os(&[b"D", b"\xfe"]))
        .arg("rm")
        .arg(os(&[b"g", FF]))
        .go()
        .status(0);
    assert!(!real.exists() && twin.exists());
}

#[test]
fn check_shows_the_bytes_escaped_in_text_and_json() {
    let s = Scratch::new();
    twins(&s.path("DIR"), b"", b"");
    let arg = os(&[b"DIR/", FF]);
    let r = Test::new()
        .cwd(s.dir.path())
        .args(["check", "--", "rm", "-f"])
        .arg(&arg)
        .go();
    r.status(0).stdout_has("rm -f $'DIR/\\xff'");
    assert!(!r.stdout.contains('\u{FFFD}'), "{}", r.stdout);
    let r = Test::new()
        .cwd(s.dir.path())
        .args(["check", "--format", "json", "--", "rm", "-f"])
        .arg(&arg)
        .go();
    r.status(0);
    assert!(
        r.out.stdout.is_ascii(),
        "JSON with raw bytes:\n{}",
        r.stdout
    );
    let j = r.json();
    assert_eq!(j["argv"], serde_json::json!(["rm", "-f", "DIR/\\xff"]));
    assert_eq!(
        j["argv_hex"],
        serde_json::json!(["726d", "2d66", "4449522fff"])
    );
    assert_eq!(j["operation"]["targets"], serde_json::json!(["DIR/\\xff"]));
    let abs = format!("{}/DIR/\\xff", s.dir.path().display());
    assert!(
        j["facts"]["paths"].get(&abs).is_some(),
        "facts keyed by {abs}: {}",
        j["facts"]
    );
    // Plain arguments carry no argv_hex.
    let j = Test::new()
        .args(["check", "--format", "json", "--", "rm", "-f", "plain"])
        .go()
        .json();
    assert!(j.get("argv_hex").is_none(), "{j}");
    // `safeop facts` probes the real file: its size, not the twin's.
    std::fs::write(at(&s.path("DIR"), &[FF]), b"123").expect("write");
    let r = Test::new().cwd(s.dir.path()).arg("facts").arg(&arg).go();
    r.status(0)
        .stdout_has("DIR/\\xff:")
        .stdout_has(&format!("{}/DIR/\\xff\n", s.dir.path().display()));
    let size: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("size "))
        .map(str::trim)
        .collect();
    assert_eq!(size, ["3"], "{}", r.stdout);
}

#[test]
fn a_denied_dd_is_logged_with_its_bytes_and_leaves_the_file_unchanged() {
    let t = Test::new().env("SAFEOP_POLICY", fixture("challenge-policy.yaml"));
    let dir = t.scratch.path("DIR");
    let (real, twin) = twins(&dir, b"a", b".deny");
    let (before, twin_before) = (blake3_of(&real), blake3_of(&twin));
    let of = os(&[b"of=DIR/a", FF, b".deny"]);
    let cwd = t.scratch.dir.path().to_path_buf();
    let (r, s) = t
        .cwd(&cwd)
        .args(["run", "--", "dd", "if=/dev/zero"])
        .arg(&of)
        .args(["count=1", "conv=notrunc", "status=none"])
        .run();
    r.status(126)
        .stderr_has("scratch-deny")
        .stderr_has("$'of=DIR/a\\xff.deny'");
    assert_eq!(blake3_of(&real), before, "the refused dd wrote");
    assert_eq!(blake3_of(&twin), twin_before);
    let log = s.path("audit.jsonl");
    let recs = records(&log);
    let rec = recs.last().expect("a record");
    assert_eq!(rec["action"], "refused");
    assert_eq!(rec["argv"][2], "of=DIR/a\\xff.deny");
    assert_eq!(
        exact_argv(rec),
        bytes_of(&[
            OsStr::new("dd"),
            OsStr::new("if=/dev/zero"),
            &of,
            OsStr::new("count=1"),
            OsStr::new("conv=notrunc"),
            OsStr::new("status=none"),
        ])
    );
    Test::new()
        .arg("audit")
        .arg("verify")
        .arg(&log)
        .go()
        .status(0)
        .stdout_has("chain intact");
    Test::new()
        .arg("audit")
        .arg("show")
        .arg(&log)
        .go()
        .status(0)
        .stdout_has(" dd 'if=/dev/zero' $'of=DIR/a\\xff.deny' 'count=1'");
}

#[test]
fn argv_bytes_reach_an_unguarded_command_unchanged() {
    // printf is no guarded tool: the fast path, which execs before any parsing.
    for word in [
        b"\xff\xfe".to_vec(),
        FFFD.to_vec(),
        "\u{10FFFF}\u{10FF00}".as_bytes().to_vec(),
        b"\xf4\x8f\xbf".to_vec(),
        b"a\xc3(b\xe2\x82".to_vec(),
        b"\\xff".to_vec(),
    ] {
        let r = Test::new()
            .args(["run", "--", "printf", "%s"])
            .arg(OsString::from_vec(word.clone()))
            .go();
        r.status(0);
        assert_eq!(r.out.stdout, word);
    }
    // The program itself named by bytes, as a path and found on PATH.
    let s = Scratch::new();
    let bin = s.path("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let printf = at(&bin, &[b"pf", FF]);
    std::os::unix::fs::symlink("/usr/bin/printf", &printf).expect("symlink");
    let r = Test::new()
        .args(["run", "--"])
        .arg(&printf)
        .arg("%s")
        .arg(os(&[FF]))
        .go();
    r.status(0);
    assert_eq!(r.out.stdout, FF);
    let r = Test::new()
        .path_first(&bin)
        .args(["run", "--"])
        .arg(os(&[b"pf", FF]))
        .arg("%s")
        .arg(os(&[b"x", FF]))
        .go();
    r.status(0);
    assert_eq!(r.out.stdout, b"x\xff");
}

#[test]
fn argv_bytes_reach_a_guarded_command_unchanged() {
    // dd and truncate are parsed, judged, allowed, then exec'ed in place.
    let s = Scratch::new();
    let dir = s.path("DIR");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let src = s.file("src.bin", 1000);
    let mut of = b"of=".to_vec();
    of.extend(at(&dir, &[b"out", FF]).as_os_str().as_bytes());
    Test::new()
        .args(["run", "--", "dd"])
        .arg(format!("if={}", src.display()))
        .arg(OsString::from_vec(of))
        .arg("status=none")
        .go()
        .status(0);
    let out = at(&dir, &[b"out", FF]);
    assert_eq!(
        std::fs::read(&out).expect("dd wrote out\\xff"),
        std::fs::read(&src).expect("src")
    );
    assert!(
        !at(&dir, &[b"out", FFFD]).exists(),
        "dd wrote the lossy twin"
    );

    let (real, twin) = twins(&dir, b"t", b"");
    let twin_hash = blake3_of(&twin);
    Test::new()
        .args(["run", "--", "truncate", "-s", "1234"])
        .arg(&real)
        .go()
        .status(0);
    assert_eq!(std::fs::metadata(&real).expect("stat").len(), 1234);
    assert_eq!(blake3_of(&twin), twin_hash);
}

#[test]
fn dd_onto_a_loop_attached_image_named_by_bytes_is_denied() {
    need_root!();
    need_tool!("losetup");
    let s = Scratch::new();
    let dir = at(s.dir.path(), &[b"img", b"\xfe"]);
    let (img, twin) = twins(&dir, b"web", b".img");
    let lo = LoopDev::attach(&img);
    let before = blake3_of(&img);
    let mut of = b"of=".to_vec();
    of.extend(img.as_os_str().as_bytes());
    let of = OsString::from_vec(of);
    let shown = format!("{}/img\\xfe/web\\xff.img", s.dir.path().display());
    Test::new()
        .args(["check", "--", "dd", "if=/dev/zero"])
        .arg(&of)
        .go()
        .status(4)
        .stdout_has("loop-backing-file-in-use")
        .stdout_has(&lo.dev)
        .stdout_has(&shown);
    // Relative to a wrapper's working directory that is not UTF-8 either.
    Test::new()
        .cwd(s.dir.path())
        .args(["check", "--", "env", "-C"])
        .arg(os(&[b"img", b"\xfe"]))
        .arg("dd")
        .arg(os(&[b"of=web", FF, b".img"]))
        .go()
        .status(4)
        .stdout_has(&lo.dev);
    // The twin is another file: not attached, not denied for it.
    let mut twin_of = b"of=".to_vec();
    twin_of.extend(twin.as_os_str().as_bytes());
    Test::new()
        .args(["check", "--", "dd", "if=/dev/zero"])
        .arg(OsString::from_vec(twin_of))
        .go()
        .stdout_lacks("loop-backing-file-in-use")
        .stdout_lacks(&lo.dev);
    let (r, t) = Test::new()
        .args(["run", "--", "dd", "if=/dev/zero"])
        .arg(&of)
        .args(["bs=4k", "count=1", "conv=notrunc"])
        .run();
    let log = t.path("audit.jsonl");
    r.status(126).stderr_has("loop-backing-file-in-use");
    assert_eq!(blake3_of(&img), before, "the refused dd changed the image");
    let recs = records(&log);
    let rec = recs.last().expect("a record");
    assert_eq!(rec["action"], "refused");
    assert_eq!(exact_argv(rec)[2], of.as_bytes());
}

mod confirmed {
    //! The forked path: a confirmed command runs as safeop's child, with the same bytes.
    use super::*;
    use nix::sys::wait::WaitStatus;
    use std::process::Command;

    fn spawn(dir: &Path, of: &OsStr, log: &Path) -> rexpect::session::PtySession {
        let mut c = Command::new(BIN);
        for v in [
            "SAFEOP_SYSROOT",
            "SUDO_UID",
            "SUDO_USER",
            "SSH_CONNECTION",
            "SSH_TTY",
        ] {
            c.env_remove(v);
        }
        c.env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
            .env("SAFEOP_AUDIT_LOG", log)
            .current_dir(dir)
            .args(["run", "--", "dd", "if=/dev/zero"])
            .arg(of)
            .args(["count=1", "conv=notrunc", "status=none"]);
        rexpect::session::spawn_command(c, Some(15_000)).expect("spawn in a pty")
    }

    fn exit_code(p: &mut rexpect::session::PtySession) -> i32 {
        let _ = p.exp_eof();
        match p.process().wait() {
            Ok(WaitStatus::Exited(_, c)) => c,
            other => panic!("unexpected end: {other:?}"),
        }
    }

    #[test]
    fn a_confirmed_dd_writes_the_file_its_bytes_name() {
        let s = Scratch::new();
        let (real, twin) = twins(s.dir.path(), b"d", b".yesno");
        let twin_hash = blake3_of(&twin);
        let log = s.path("audit.jsonl");
        let mut p = spawn(s.dir.path(), &os(&[b"of=d", FF, b".yesno"]), &log);
        p.exp_string("d\\xff.yesno wants a yes")
            .expect("finding shown escaped");
        p.exp_string("Run it?").expect("prompt");
        p.send_line("y").expect("answer");
        assert_eq!(exit_code(&mut p), 0);
        assert_eq!(
            std::fs::read(&real).expect("read")[..512],
            [0u8; 512],
            "dd ran on d\\xff"
        );
        assert_eq!(blake3_of(&twin), twin_hash, "dd wrote the lossy twin");
        let recs = records(&log);
        assert!(recs.iter().any(|r| r["action"] == "confirmed"));
        let outcome = recs.last().expect("an outcome record");
        assert_eq!(outcome["event"], "outcome");
        assert_eq!(exact_argv(outcome)[2], b"of=d\xff.yesno");
    }

    #[test]
    fn the_name_to_type_is_shown_and_typed_escaped() {
        let s = Scratch::new();
        let (real, twin) = twins(s.dir.path(), b"e", b".typed");
        let twin_hash = blake3_of(&twin);
        let log = s.path("audit.jsonl");
        let mut p = spawn(s.dir.path(), &os(&[b"of=e", FF, b".typed"]), &log);
        // the path as the finding names it (resolved), its bytes escaped
        let want = format!("{}/e\\xff.typed", s.dir.path().display());
        p.exp_string(&format!("`{want}`"))
            .expect("the path to type, escaped");
        p.send_line(&want).expect("answer");
        assert_eq!(exit_code(&mut p), 0);
        assert_eq!(std::fs::read(&real).expect("read")[..512], [0u8; 512]);
        assert_eq!(blake3_of(&twin), twin_hash);
    }
}
