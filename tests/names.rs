//! A program is judged by what its path reaches, not by its name (issue 14, item 12; DESIGN
//! decision 10): a symlink `zz` to dd is dd, whichever wrappers stand before it, and safeop says
//! so; busybox runs the applet its name says. argv is never changed.

mod common;
use common::*;
use std::path::PathBuf;

/// The dd binary exec finds on PATH, symlinks resolved (what safeop names in its note).
fn real_dd() -> PathBuf {
    let found = sh("command -v dd");
    std::fs::canonicalize(found.trim()).expect("realpath of dd")
}

#[test]
fn a_symlink_to_dd_under_another_name_is_dd() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("web1.img", 1 << 20);
    let _lo = LoopDev::attach(&img);
    let before = blake3_of(&img);
    let zz = s.path("zz");
    std::os::unix::fs::symlink(real_dd(), &zz).expect("symlink");
    let note = format!("`{}` is `{}`", zz.display(), real_dd().display());
    Test::new()
        .args(["check", "--"])
        .arg(&zz)
        .args(["if=/dev/zero", &format!("of={}", img.display())])
        .go()
        .status(4)
        .stdout_has("deny")
        .stdout_has("loop-backing-file-in-use")
        .stdout_has(&note);
    // The same through `run` (the fast path must not take it for an unknown command).
    Test::new()
        .args(["run", "--"])
        .arg(&zz)
        .args([
            "if=/dev/zero",
            &format!("of={}", img.display()),
            "count=1",
            "conv=notrunc",
        ])
        .go()
        .status(126)
        .stderr_has(&note);
    assert_eq!(blake3_of(&img), before);
}

#[test]
fn the_operation_says_which_binary_a_name_reached_behind_wrappers() {
    let s = Scratch::new();
    let file = s.file("scratch.bin", 4096);
    let zz = s.path("zz");
    std::os::unix::fs::symlink(real_dd(), &zz).expect("symlink");
    let r = Test::new()
        .args(["check", "--format", "json", "--", "nice", "-n", "5"])
        .arg(&zz)
        .arg(format!("of={}", file.display()))
        .go();
    r.status(0);
    let v = r.json();
    let op = &v["operation"];
    assert_eq!(op["tool"], "dd", "{v}");
    assert_eq!(op["kind"], "overwrite");
    assert_eq!(op["wrappers"][0], "nice");
    assert_eq!(
        op["argv"][0],
        zz.display().to_string(),
        "argv[0] as written"
    );
    assert_eq!(op["aliases"][0]["binary"], real_dd().display().to_string());
}

#[test]
fn a_symlink_to_a_program_safeop_does_not_guard_runs_untouched() {
    let s = Scratch::new();
    let l = s.path("list-it");
    let real_ls = std::fs::canonicalize(sh("command -v ls").trim()).expect("ls");
    std::os::unix::fs::symlink(real_ls, &l).expect("symlink");
    let t = Test::new().args(["run", "--"]).arg(&l).args(["-d", "/"]);
    let log = t.audit_log();
    let (r, _scratch) = t.run();
    r.status(0);
    assert_eq!(r.stdout, "/\n");
    assert!(!log.exists(), "no rule could match: no decision, no record");
}

#[test]
fn busybox_rm_is_rm() {
    need_tool!("busybox");
    Test::new()
        .args(["check", "--", "busybox", "rm", "-rf", "/"])
        .go()
        .status(4)
        .stdout_has("rm-recursive-root");
    // A link named `rm` to busybox runs busybox's rm.
    let s = Scratch::new();
    let busybox = std::fs::canonicalize(sh("command -v busybox").trim()).expect("busybox");
    let rm = s.path("rm");
    std::os::unix::fs::symlink(&busybox, &rm).expect("symlink");
    Test::new()
        .args(["check", "--"])
        .arg(&rm)
        .args(["-rf", "/"])
        .go()
        .status(4)
        .stdout_has("rm-recursive-root");
    // A link under a name that is no applet runs nothing (`zz: applet not found`), whatever
    // follows; under a name starting `busybox` it is busybox itself.
    let zz = s.path("busybox-zz");
    std::os::unix::fs::symlink(&busybox, &zz).expect("symlink");
    Test::new()
        .args(["check", "--"])
        .arg(&zz)
        .args(["rm", "-rf", "/"])
        .go()
        .status(4)
        .stdout_has("rm-recursive-root");
}
