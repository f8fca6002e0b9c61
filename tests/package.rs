//! The Debian package (`packaging/deb.sh`, cargo-deb): it installs the binary, /etc/safeop/policy.d/,
//! the manual pages, the completions and the logrotate snippet, and removes them again. Installed
//! with `dpkg --root` into a scratch root, so no later test and nothing on the machine ever sees
//! its /etc/safeop (DESIGN decision 14). Needs root and cargo-deb (`.ci/run` installs it).

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn dpkg(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .arg("--log=/dev/null")
        .args(args)
        .output()
        .expect("dpkg")
}

#[test]
fn the_debian_package_installs_and_removes_cleanly() {
    need_root!();
    if !have("cargo-deb") || !have("dpkg") {
        eprintln!(
            "SKIPPED the_debian_package: needs cargo-deb and dpkg (.ci/run installs cargo-deb)"
        );
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(here.join("packaging/deb.sh"))
        .args(["--binary", BIN])
        .output()
        .expect("deb.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deb = here.join(text.lines().last().expect("the .deb's path"));
    let s = Scratch::new();
    let root = s.path("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").expect("status");
    let i = dpkg(&root, &["-i", &deb.display().to_string()]);
    assert!(
        i.status.success(),
        "dpkg -i: {}",
        String::from_utf8_lossy(&i.stderr)
    );
    for f in [
        "usr/bin/safeop",
        "etc/safeop/policy.d/README",
        "etc/logrotate.d/safeop",
        "usr/share/man/man1/safeop.1.gz",
        "usr/share/man/man1/safeop-run.1.gz",
        "usr/share/man/man1/safeop-policy-lint.1.gz",
        "usr/share/bash-completion/completions/safeop",
        "usr/share/zsh/vendor-completions/_safeop",
        "usr/share/fish/vendor_completions.d/safeop.fish",
        "usr/share/doc/safeop/README.md",
        "usr/share/doc/safeop/SECURITY.md",
    ] {
        assert!(root.join(f).exists(), "{f} installed");
    }
    let v = Command::new(root.join("usr/bin/safeop"))
        .arg("--version")
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&v.stdout).starts_with("safeop "),
        "the installed binary runs"
    );
    if have("man") {
        let m = Command::new("man")
            .arg("-l")
            .arg(root.join("usr/share/man/man1/safeop-run.1.gz"))
            .env("MANPAGER", "cat")
            .env("COLUMNS", "100")
            .output()
            .expect("man");
        let page = String::from_utf8_lossy(&m.stdout);
        assert!(
            page.contains("NAME") && page.contains("safeop run"),
            "{page}"
        );
    }
    if have("logrotate") {
        let l = Command::new("logrotate")
            .arg("--debug")
            .arg(root.join("etc/logrotate.d/safeop"))
            .output()
            .expect("logrotate");
        assert!(
            l.status.success(),
            "the logrotate snippet parses: {}",
            String::from_utf8_lossy(&l.stderr)
        );
    }
    // remove keeps the conffile (logrotate's), purge takes it too
    let r = dpkg(&root, &["-r", "safeop"]);
    assert!(
        r.status.success(),
        "dpkg -r: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(!root.join("usr/bin/safeop").exists(), "binary removed");
    assert!(
        !root.join("usr/share/man/man1/safeop.1.gz").exists(),
        "man pages removed"
    );
    assert!(
        root.join("etc/logrotate.d/safeop").exists(),
        "conffile kept until purge"
    );
    let p = dpkg(&root, &["-P", "safeop"]);
    assert!(
        p.status.success(),
        "dpkg -P: {}",
        String::from_utf8_lossy(&p.stderr)
    );
    assert!(!root.join("etc/logrotate.d/safeop").exists(), "purged");
}
