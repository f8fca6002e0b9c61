//! Multi-call shims: `safeop shims install DIR` links the guarded tools' names to safeop; with DIR
//! first on PATH a non-interactive caller (cron, a script) reaches safeop under the tool's name,
//! safeop runs the real tool found after DIR, never itself or another shim, and with none left
//! it says the command is not found (127) instead of looping.

mod common;
use common::*;
use std::process::Command;

const LAYER: &str = "version: 1\nrules:\n  - id: site-protected\n    summary: the protected tree stays\n    match: { operation: delete }\n    when:\n      target.path: { glob: \"*/protected\" }\n    verdict: deny\n";

/// A cron-like run: no terminal, a bare environment, PATH with the shims first.
fn cron(s: &Scratch, path: &str, line: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(line[0]);
    c.args(&line[1..])
        .env_clear()
        .env("PATH", path)
        .env("HOME", s.dir.path())
        .env("SAFEOP_POLICY", s.path("layer.yaml"))
        .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
        .current_dir(s.dir.path())
        .stdin(std::process::Stdio::null());
    // SAFETY: setsid(2) is async-signal-safe: no controlling terminal, as under cron.
    unsafe {
        c.pre_exec(|| {
            nix::unistd::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    c.output().expect("run")
}

#[test]
fn shims_route_cron_commands_through_safeop() {
    let s = Scratch::new();
    s.write("layer.yaml", LAYER);
    let dir = s.path("shims");
    let r = Test::new()
        .args(["shims", "install"])
        .arg(&dir)
        .args(["--tools", "rm,dd"])
        .go();
    r.status(0).stdout_has("2 shims in");
    let list = Test::new().args(["shims", "list"]).arg(&dir).go();
    list.status(0);
    assert_eq!(
        list.stdout,
        format!(
            "{}\n{}\n",
            dir.join("dd").display(),
            dir.join("rm").display()
        )
    );
    let path = format!("{}:/usr/bin:/bin", dir.display());
    // the protected tree: refused through the shim, without a terminal; nothing deleted
    s.write("protected/a", "keep");
    let before = blake3_of(&s.path("protected/a"));
    let out = cron(&s, &path, &["rm", "-rf", &s.p("protected")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(126), "{err}");
    assert!(err.contains("[site-protected]"), "{err}");
    assert_eq!(blake3_of(&s.path("protected/a")), before);
    // an ordinary rm through the shim runs the real rm, and safeop logged it
    s.write("junk", "x");
    let out = cron(&s, &path, &["rm", "-f", &s.p("junk")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!s.path("junk").exists(), "the real rm ran");
    let log = std::fs::read_to_string(s.path("audit.jsonl")).expect("log");
    assert!(
        log.contains("\"action\":\"allowed\"") && log.contains("junk"),
        "{log}"
    );
    // no real tool after the shims: not found, no loop (two shim directories, nothing else)
    let other = s.path("more-shims");
    Test::new()
        .args(["shims", "install"])
        .arg(&other)
        .args(["--tools", "dd"])
        .go()
        .status(0);
    let only_shims = format!("{}:{}", dir.display(), other.display());
    let out = cron(
        &s,
        &only_shims,
        &[
            &dir.join("dd").display().to_string(),
            "if=/dev/zero",
            &format!("of={}", s.p("out")),
            "count=1",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(127), "{err}");
    assert!(!s.path("out").exists());
    // remove takes the shims and leaves other files alone
    s.write("shims/notes.txt", "mine");
    let r = Test::new().args(["shims", "remove"]).arg(&dir).go();
    r.status(0).stdout_has("removed 2 shims");
    assert!(!dir.join("rm").exists() && s.path("shims/notes.txt").exists());
}

#[test]
fn install_never_replaces_a_file_that_is_not_a_shim() {
    let s = Scratch::new();
    let real = s.write("shims/rm", "#!/bin/sh\necho mine\n");
    let r = Test::new()
        .args(["shims", "install"])
        .arg(s.path("shims"))
        .args(["--tools", "rm"])
        .go();
    r.status(125)
        .stderr_has("exists and is not a safeop shim: left alone");
    assert_eq!(
        std::fs::read_to_string(real).expect("read"),
        "#!/bin/sh\necho mine\n"
    );
}

#[test]
fn install_with_no_tools_named_links_every_tool_init_aliases() {
    let s = Scratch::new();
    Test::new()
        .args(["shims", "install"])
        .arg(s.path("shims"))
        .go()
        .status(0);
    for t in ["dd", "rm", "reboot", "mkfs.ext4", "qemu-img", "init"] {
        assert!(s.path(&format!("shims/{t}")).exists(), "{t}");
    }
}
