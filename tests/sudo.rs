//! sudo mode with real sudo and a real unprivileged user. Everything happens in a private mount
//! namespace whose `/etc` is the machine's with an overlay on top (the test user from `useradd`,
//! the sudoers drop-in and `/etc/safeop/` live only there) and whose `/var/log` is a tmpfs (the
//! sudo-mode audit log), so the machine's users, sudoers and logs are never touched: all of it
//! goes with the namespace. Needs root, `unshare`, `useradd`, `runuser` and sudo (`.ci/run`
//! installs it).
//!
//! The user may run `safeop run -- /usr/bin/dd *` through sudo, not raw `dd`; the only file dd
//! is given is a scratch file.

mod common;
use common::*;

const SITE: &str = "version: 1\nrules:\n  - id: site-deny\n    summary: scratch files named .deny are never written\n    match: { tool: dd }\n    when:\n      target.name: { glob: \"*.deny\" }\n    verdict: deny\n";
const USER_LAYER: &str = "version: 1\nrules:\n  - id: user-deny-ok\n    summary: a user layer that would deny .ok files\n    match: { tool: dd }\n    when:\n      target.name: { glob: \"*.ok\" }\n    verdict: deny\n";

/// One `== name rc=N ==` section per case, then its output.
fn sections(out: &str) -> std::collections::HashMap<String, (i32, String)> {
    let mut m = std::collections::HashMap::new();
    let mut cur: Option<(String, i32)> = None;
    let mut body = String::new();
    for line in out.lines() {
        if let Some(head) = line.strip_prefix("== ").and_then(|l| l.strip_suffix(" ==")) {
            if let Some((n, rc)) = cur.take() {
                m.insert(n, (rc, std::mem::take(&mut body)));
            }
            let (name, rc) = head.split_once(" rc=").expect("section head");
            cur = Some((name.to_string(), rc.parse().expect("rc")));
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((n, rc)) = cur {
        m.insert(n, (rc, body));
    }
    m
}

#[test]
fn sudo_mode_with_real_sudo_and_a_real_user() {
    need_root!();
    for tool in ["sudo", "useradd", "runuser", "unshare"] {
        if !have(tool) {
            eprintln!("SKIPPED sudo_mode_with_real_sudo: `{tool}` is not installed (.ci/run installs sudo)");
            return;
        }
    }
    let s = Scratch::new();
    // The binary where root (sudo) runs it from; the scratch dir is root's alone.
    let bin = s.path("bin/safeop");
    std::fs::create_dir_all(s.path("bin")).expect("mkdir");
    std::fs::copy(BIN, &bin).expect("copy safeop");
    let deny = s.file("x.deny", 4096);
    let ok = s.file("y.ok", 4096);
    let deny_before = blake3_of(&deny);
    let ok_before = blake3_of(&ok);
    s.write("user-layer.yaml", USER_LAYER);
    s.write("site.yaml", SITE);
    for d in ["up", "work"] {
        std::fs::create_dir_all(s.path(d)).expect("mkdir");
    }
    let b = bin.display();
    let sd = s.dir.path().display();
    let script = format!(
        r#"set -u
mount --make-rprivate / && mount -t overlay overlay -o lowerdir=/etc,upperdir={sd}/up,workdir={sd}/work /etc && mount -t tmpfs tmpfs /var/log || exit 99
cd /
useradd -M -s /bin/sh safeop-sudo-t || exit 98
install -d -m 0755 -o root -g root /etc/safeop /etc/safeop/policy.d
install -m 0644 -o root -g root {sd}/site.yaml /etc/safeop/policy.d/10-site.yaml
printf '%s\n' 'Defaults:safeop-sudo-t env_keep += "SAFEOP_POLICY SAFEOP_AUDIT_LOG"' 'safeop-sudo-t ALL=(root) NOPASSWD: {b} run -- /usr/bin/dd *' 'safeop-sudo-t ALL=(root) NOPASSWD: {b} run -- /usr/bin/printenv' > /etc/sudoers.d/safeop-test
chmod 0440 /etc/sudoers.d/safeop-test
as_user() {{ runuser -u safeop-sudo-t -- env SAFEOP_POLICY={sd}/user-layer.yaml SAFEOP_AUDIT_LOG={sd}/user-audit.jsonl "$@"; }}
case_() {{ name=$1; shift; out=$("$@" 2>&1); rc=$?; echo "== $name rc=$rc =="; echo "$out"; }}
case_ denied as_user sudo -n {b} run -- /usr/bin/dd if=/dev/zero of={sd}/x.deny count=1 conv=notrunc status=none
case_ user-layer-ignored as_user sudo -n {b} run -- /usr/bin/dd if=/dev/zero of={sd}/y.ok count=1 conv=notrunc status=none
case_ env as_user env FROM_THE_USER=1 sudo -n {b} run -- /usr/bin/printenv
case_ raw-dd as_user sudo -n /usr/bin/dd if=/dev/zero of={sd}/x.deny count=1 conv=notrunc status=none
case_ log cat /var/log/safeop/audit.jsonl
chmod g+w /etc/safeop/policy.d/10-site.yaml
case_ group-writable-file as_user sudo -n {b} run -- /usr/bin/dd if=/dev/zero of={sd}/y.ok count=1 conv=notrunc status=none
chmod g-w /etc/safeop/policy.d/10-site.yaml
chmod o+w /etc/safeop/policy.d
case_ other-writable-dir as_user sudo -n {b} run -- /usr/bin/dd if=/dev/zero of={sd}/y.ok count=1 conv=notrunc status=none
chmod o-w /etc/safeop/policy.d
chown 65534 /etc/safeop/policy.d/10-site.yaml
case_ not-roots-file as_user sudo -n {b} run -- /usr/bin/dd if=/dev/zero of={sd}/y.ok count=1 conv=notrunc status=none
"#
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .output()
        .expect("unshare");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let all = format!("{text}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    let m = sections(&text);
    let get = |n: &str| {
        m.get(n)
            .unwrap_or_else(|| panic!("case {n} missing:\n{all}"))
    };

    let (rc, o) = get("denied");
    assert_eq!(*rc, 126, "{o}");
    assert!(
        o.contains("[site-deny]") && o.contains("was not run"),
        "{o}"
    );
    assert_eq!(blake3_of(&deny), deny_before, "the denied dd wrote nothing");

    let (rc, o) = get("user-layer-ignored");
    assert_eq!(
        *rc, 0,
        "the user's layer is ignored under sudo, so dd runs: {o}"
    );
    assert!(o.contains("SAFEOP_POLICY are ignored"), "{o}");
    assert_ne!(blake3_of(&ok), ok_before, "dd ran on the scratch file");
    assert!(
        !s.path("user-audit.jsonl").exists(),
        "SAFEOP_AUDIT_LOG is ignored under sudo"
    );

    // The command's environment is the one sudo built (env_reset): safeop adds nothing back,
    // and PATH is the fixed secure one.
    let (rc, o) = get("env");
    assert_eq!(*rc, 0, "{o}");
    assert!(
        !o.contains("FROM_THE_USER"),
        "what sudo removed stays removed: {o}"
    );
    assert!(o.contains("SUDO_USER=safeop-sudo-t"), "{o}");
    assert!(
        o.lines()
            .any(|l| l == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        "{o}"
    );

    let (rc, o) = get("raw-dd");
    assert_ne!(*rc, 0, "the user may not run raw dd through sudo: {o}");
    assert_eq!(blake3_of(&deny), deny_before);

    let (rc, log) = get("log");
    assert_eq!(*rc, 0, "{log}");
    let recs: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("record")["r"].clone())
        .collect();
    let refused = recs
        .iter()
        .find(|r| r["action"] == "refused")
        .unwrap_or_else(|| panic!("a refusal record: {log}"));
    assert_eq!(refused["sudo_user"], "safeop-sudo-t", "{refused}");
    assert_eq!(refused["user"], "root", "{refused}");
    assert!(
        refused["sudo_command"]
            .as_str()
            .is_some_and(|c| c.contains("/usr/bin/dd") && c.contains("x.deny")),
        "{refused}"
    );
    assert!(recs.iter().any(|r| r["action"] == "allowed"), "{log}");

    for (case, what) in [
        ("group-writable-file", "/etc/safeop/policy.d/10-site.yaml"),
        ("other-writable-dir", "/etc/safeop/policy.d`"),
        ("not-roots-file", "/etc/safeop/policy.d/10-site.yaml"),
    ] {
        let (rc, o) = get(case);
        assert_eq!(*rc, 125, "{case}: {o}");
        assert!(
            o.contains(what) && o.contains("refused in sudo mode"),
            "{case}: {o}"
        );
        assert!(
            o.contains("mode 06") || o.contains("mode 07") || o.contains("uid 65534"),
            "{case} names the mode or owner: {o}"
        );
    }
    assert!(o_contains(get("group-writable-file"), "mode 0664"));
    assert!(o_contains(get("other-writable-dir"), "mode 0757"));
    assert!(o_contains(get("not-roots-file"), "owned by uid 65534"));
}

fn o_contains(c: &(i32, String), s: &str) -> bool {
    c.1.contains(s)
}
