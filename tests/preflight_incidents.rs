//! The four incidents' runbooks in `examples/runbooks/`, in both forms (`.sh` and `.md`), are
//! flagged by `safeop preflight` with the facts of the host they are for. Three of those
//! snapshots are taken here, with the real binary, on real situations made for the test (as
//! root): a loop-attached disk image (the Xen guest's disk of incident 002), an ext4
//! filesystem with 128 inodes to restore 400 files into (incident 001), an ext4 filesystem whose
//! mount count has run past its maximum (incident 003). The fourth, a SMART-degraded disk
//! (incident 000), cannot be made on this VM: its snapshot is a fixture
//! (`tests/fixtures/preflight/README.md` says how it was made). Each runbook is judged as
//! published, with its paths pointed at the situation made for it.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn example(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/runbooks")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Line and column (1-based, in characters) of the first `needle` in `text` that is a step:
/// not in a comment, not in the lines that show how to run safeop itself.
fn place(text: &str, needle: &str) -> (u64, u64) {
    for (i, l) in text.lines().enumerate() {
        // (`# ` in a Markdown console block is a root prompt, and `# title` no step)
        let markdown = text.starts_with("# ");
        let comment = l.trim_start().starts_with('#') && !(markdown && l.starts_with("  "));
        if comment || l.contains("safeop ") {
            continue;
        }
        if let Some(b) = l.find(needle) {
            return ((i + 1) as u64, (l[..b].chars().count() + 1) as u64);
        }
    }
    panic!("{needle:?} is not in the runbook");
}

fn preflight(dir: &Path, args: &[&str]) -> (Value, i32) {
    let r = Test::new()
        .cwd(dir)
        .args(["preflight", "--format", "json"])
        .args(args)
        .go();
    (r.json(), r.code())
}

/// The findings of the step at (line, col): `verdict[rule]`.
fn at(v: &Value, (line, col): (u64, u64)) -> Vec<String> {
    v["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter(|c| c["line"] == line && c["col"] == col)
        .flat_map(|c| c["findings"].as_array().expect("findings").clone())
        .map(|f| {
            format!(
                "{}[{}]",
                f["verdict"].as_str().unwrap_or(""),
                f["rule"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A snapshot written from `safeop facts --json PATHS` (run here, on the situation).
fn facts_json(s: &Scratch, name: &str, paths: &[&Path]) -> PathBuf {
    let r = Test::new().args(["facts", "--json"]).args(paths).go();
    r.status(0);
    s.write(name, &r.stdout)
}

/// A snapshot written from the `facts` of `safeop check --format json --all-findings -- CMD`.
fn check_facts(s: &Scratch, name: &str, cmd: &[&str]) -> PathBuf {
    let r = Test::new()
        .args(["check", "--format", "json", "--all-findings", "--"])
        .args(cmd)
        .go();
    let v = r.json();
    s.write(name, &v["facts"].to_string())
}

#[test]
fn incident_002_dd_onto_the_running_guests_disk_is_denied_with_the_xen_hosts_facts() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("xen/web1.img", 16 << 20);
    let lo = LoopDev::attach(&img);
    let snap = facts_json(&s, "xen1-facts.json", &[&img]);
    let before = blake3_of(&img);
    let img_s = img.display().to_string();
    let sh = s.write(
        "002.sh",
        &example("002-xen-guest-disk.sh").replace("/srv/xen/web1.img", &img_s),
    );
    let md_text = example("002-xen-guest-disk.md").replace("/srv/xen/web1.img", &img_s);
    s.write("002.md", &md_text);
    let snap_s = snap.display().to_string();
    // The script runs on the Xen host itself: its facts are --facts SNAPSHOT.
    let sh_text = std::fs::read_to_string(&sh).expect("read");
    let (v, code) = preflight(s.dir.path(), &["--facts", &snap_s, "002.sh"]);
    assert!(
        at(&v, place(&sh_text, "dd if=")).contains(&"deny[loop-backing-file-in-use]".to_string()),
        "{v:#}"
    );
    assert_eq!(code, 4);
    // The Markdown runs it as `ssh xen1 'dd …'`, in a list item's blockquote: xen1's facts.
    let dd = place(&md_text, "dd if=");
    let host = format!("xen1={snap_s}");
    let (v, code) = preflight(s.dir.path(), &["--facts", &host, "002.md"]);
    assert!(
        at(&v, dd).contains(&"deny[loop-backing-file-in-use]".to_string()),
        "{v:#}"
    );
    assert_eq!(code, 4);
    // Without xen1's snapshot (or with a snapshot of another host) it needs xen1's facts.
    for args in [vec!["002.md"], vec!["--facts", &snap_s, "002.md"]] {
        let (v, code) = preflight(s.dir.path(), &args);
        assert_eq!(at(&v, dd), ["warn[needs-host-facts]"], "{args:?}: {v:#}");
        assert_eq!(code, 0, "{args:?}");
    }
    let r = Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "002.md"])
        .go();
    r.stdout_has(&format!(
        "002.md:{}:{}: warn[needs-host-facts]: needs facts from the target host `xen1`:",
        dd.0, dd.1
    ))
    .stdout_has("give it with `--facts xen1=SNAPSHOT`");
    // Nothing ran: the image is as it was.
    assert_eq!(blake3_of(&img), before);
    drop(lo);
}

#[test]
fn incident_001_a_restore_that_exhausts_the_inodes_is_denied() {
    need_root!();
    need_tool!("mkfs.ext4");
    let s = Scratch::new();
    // 400 files to restore, onto a filesystem with 128 inodes.
    let src = s.path("arch/lists");
    std::fs::create_dir_all(&src).expect("mkdir");
    for i in 0..400 {
        std::fs::write(src.join(format!("m{i}")), "").expect("write");
    }
    let archive = s.path("mailman-lists.tgz");
    sh(&format!(
        "tar -czf '{}' -C '{}' lists",
        archive.display(),
        s.path("arch").display()
    ));
    let img = s.path("lists.img");
    sh(&format!(
        "truncate -s 16M '{0}' && mkfs.ext4 -q -F -N 128 '{0}'",
        img.display()
    ));
    let lo = LoopDev::attach(&img);
    let dest = s.path("mailman");
    let mounted = MountGuard::mount(&lo.dev, &dest);
    let (a, d) = (archive.display().to_string(), dest.display().to_string());
    let snap = check_facts(&s, "lists-facts.json", &["tar", "-xzf", &a, "-C", &d]);
    let snap_s = snap.display().to_string();
    for name in [
        "001-restore-exhausts-inodes.sh",
        "001-restore-exhausts-inodes.md",
    ] {
        let text = example(name)
            .replace("/backup/mailman-lists.tgz", &a)
            .replace("/var/lib/mailman", &d);
        s.write(name, &text);
        let (v, code) = preflight(s.dir.path(), &["--facts", &snap_s, name]);
        let found = at(&v, place(&text, "tar -xzf"));
        assert!(
            found.contains(&"deny[restore-exhausts-inodes]".to_string()),
            "{name}: {found:?}\n{v:#}"
        );
        assert_eq!(code, 4, "{name}");
    }
    assert_eq!(
        std::fs::read_dir(&dest).expect("dest").count(),
        1,
        "only lost+found: nothing was restored"
    );
    drop(mounted);
    drop(lo);
}

#[test]
fn incident_003_a_reboot_into_a_forced_fsck_asks_for_the_host_name() {
    need_root!();
    need_tool!("tune2fs");
    let s = Scratch::new();
    // mounted 5 times, checked every mount: the next boot runs e2fsck in full
    let store = Ext4::mounted(&s, "store", "-c 1 -C 5");
    let snap = check_facts(&s, "store-facts.json", &["reboot"]);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).expect("read")).expect("json");
    assert_eq!(v["facts"]["fsck.due"], true, "{v:#}");
    let snap_s = snap.display().to_string();
    for name in ["003-reboot-forced-fsck.sh", "003-reboot-forced-fsck.md"] {
        let text = example(name);
        s.write(name, &text);
        let (v, code) = preflight(s.dir.path(), &["--facts", &snap_s, name]);
        let needle = if name.ends_with(".md") {
            "sudo reboot"
        } else {
            "reboot"
        };
        let found = at(&v, place(&text, needle));
        assert!(
            found.contains(&"confirm[fsck-due-on-reboot]".to_string()),
            "{name}: {found:?}\n{v:#}"
        );
        assert!(code >= 3, "{name}: {code}");
    }
    drop(store);
}

#[test]
fn incident_000_bulk_io_on_a_degraded_disk_asks_first() {
    let s = Scratch::new();
    let snap = fixture("preflight/mailhost-facts.json");
    let snap_s = snap.display().to_string();
    for name in [
        "000-degraded-disk-cleanup.sh",
        "000-degraded-disk-cleanup.md",
    ] {
        let text = example(name);
        s.write(name, &text);
        let (v, code) = preflight(s.dir.path(), &["--facts", &snap_s, name]);
        // `rm -rf "$QUEUE/bogus"` is spelt out from `QUEUE=/var/qmail/queue`
        let rm = at(&v, place(&text, "rm -rf"));
        assert!(
            rm.contains(&"confirm[degraded-disk-bulk-delete]".to_string()),
            "{name}: {rm:?}"
        );
        let tar = at(&v, place(&text, "tar -czf"));
        assert!(
            tar.contains(&"confirm[degraded-disk-bulk-read]".to_string()),
            "{name}: {tar:?}"
        );
        assert_eq!(code, 3, "{name}");
        // without the mail host's facts the same steps only say what they need
        let (v, code) = preflight(s.dir.path(), &[name]);
        assert_eq!(at(&v, place(&text, "rm -rf")), ["warn[needs-host-facts]"]);
        assert_eq!(code, 0);
    }
}
