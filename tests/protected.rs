//! Protected paths (issue 11's part): `settings.protected` in the policy, safe-rm's lists, the
//! `target.protected.*` facts (by identity), and the rules that give each entry's verdicts for
//! tree deletes, plain deletes, overwrites and permission changes.
//!
//! Safety: commands on the machine's own paths (`/etc/shadow`, `/var/lib/dpkg`, `/`) are only
//! ever `check`ed, never `run`. `run` acts only on scratch trees this file makes, protected by a
//! layer of its own (`SAFEOP_POLICY`) or by a safe-rm list; a refused run must leave the tree as
//! it was, byte for byte and mode for mode. `/etc/safe-rm.conf` is shown to safeop through an
//! overlay in a private mount namespace (`Test::with_etc`), so the machine's `/etc` is never
//! written; the host's `/etc` is bound into a scratch chroot read-only, and only `check`ed.

mod common;
use common::*;
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Every path below `dir` with its type, mode and (for files) BLAKE3: what a refused command
/// must leave unchanged.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for p in entries {
            let m = std::fs::symlink_metadata(&p).expect("lstat");
            let rel = p.strip_prefix(base).unwrap_or(&p).display().to_string();
            let what = if m.is_dir() {
                "dir".to_string()
            } else if m.file_type().is_symlink() {
                format!(
                    "link -> {}",
                    std::fs::read_link(&p).expect("readlink").display()
                )
            } else {
                blake3_of(&p)
            };
            out.push(format!(
                "{rel} {:o} {}:{} {what}",
                m.mode() & 0o7777,
                m.uid(),
                m.gid()
            ));
            if m.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// A scratch tree and a policy layer protecting parts of it.
struct Site {
    s: Scratch,
}

impl Site {
    /// `tree/data/{a,b,sub/c}`, `tree/keep/file`, `tree/other`, a layer at `layer.yaml`.
    fn new(protected: &str) -> Site {
        let s = Scratch::new();
        s.write("tree/data/a", "a\n");
        s.write("tree/data/b", "b\n");
        s.write("tree/data/sub/c", "c\n");
        s.write("tree/keep/file", "precious\n");
        s.write("tree/other", "other\n");
        let site = Site { s };
        site.layer(protected);
        site
    }

    fn d(&self) -> String {
        self.s.p("tree")
    }

    fn layer(&self, protected: &str) {
        let text = format!(
            "version: 1\nsettings:\n  protected:\n{}",
            protected.replace("{d}", &self.d())
        );
        std::fs::write(self.s.path("layer.yaml"), text).expect("layer");
    }

    fn safeop(&self) -> Test {
        Test::new()
            .env("SAFEOP_POLICY", self.s.path("layer.yaml"))
            .env("SAFEOP_AUDIT_LOG", self.s.path("audit.jsonl"))
            .no_tty()
    }

    fn args(&self, line: &str) -> Vec<String> {
        shell_words::split(&line.replace("{d}", &self.d())).expect("split")
    }

    fn check(&self, line: &str) -> Ran {
        let mut v = vec![
            "check".to_string(),
            "--format".into(),
            "json".into(),
            "--".into(),
        ];
        v.extend(self.args(line));
        self.safeop().args(&v).go()
    }

    fn run(&self, line: &str) -> Ran {
        let mut v = vec!["run".to_string(), "--".into()];
        v.extend(self.args(line));
        self.safeop().args(&v).go()
    }
}

/// The rule ids of a `check --format json`.
fn rules(j: &Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `check` of a command on the machine's own paths: verdict and exit status, and the rule.
fn checked(line: &str, code: i32, verdict: &str, rule: &str) {
    let argv = shell_words::split(line).expect("split");
    let r = Test::new()
        .args(["check", "--format", "json", "--"])
        .args(&argv)
        .go();
    r.status(code);
    let j = r.json();
    assert_eq!(j["verdict"], verdict, "{line}: {}", r.stdout);
    assert!(
        rules(&j).iter().any(|r| r == rule),
        "{line}: {rule} not among {:?}",
        rules(&j)
    );
}

#[test]
fn the_default_list_guards_what_breaks_the_machine_a_level_deeper() {
    checked("rm -rf /var/lib/dpkg", 4, "deny", "protected-tree-deleted");
    checked("rm -rf /var/lib/mysql", 4, "deny", "protected-tree-deleted");
    checked(
        "rm -rf /usr/../var/lib/rpm",
        4,
        "deny",
        "protected-tree-deleted",
    );
    checked("rm /etc/shadow", 4, "deny", "protected-path-deleted");
    checked(
        "sudo rm -f /etc/passwd",
        4,
        "deny",
        "protected-path-deleted",
    );
    checked(
        "mv /etc/fstab /tmp/fstab.old",
        4,
        "deny",
        "protected-tree-deleted",
    );
    checked(
        "truncate -s 0 /etc/passwd",
        3,
        "confirm",
        "protected-file-overwritten",
    );
    checked(
        "dd if=/dev/zero of=/etc/shadow count=1",
        3,
        "confirm",
        "protected-file-overwritten",
    );
    checked(
        "chmod 644 /etc/shadow",
        3,
        "confirm",
        "permissions-changed-on-protected-path",
    );
    checked(
        "chattr +i /etc/passwd",
        3,
        "confirm",
        "permissions-changed-on-protected-path",
    );
    // Copying a file *into* /etc writes nothing protected.
    let r = Test::new()
        .args([
            "check",
            "--format",
            "json",
            "--",
            "cp",
            "/etc/hostname",
            "/etc/",
        ])
        .go();
    assert!(
        !rules(&r.json()).iter().any(|r| r.starts_with("protected-")),
        "{}",
        r.stdout
    );
}

#[test]
fn chmod_r_777_of_slash_and_chown_r_of_etc_are_denied_final() {
    for line in [
        "chmod -R 777 /",
        "chmod 777 -R --no-preserve-root /",
        "chown -R nobody /etc",
        "sudo chgrp -R users /usr",
        "setfacl -R -m u:nobody:rwx /var",
        "chattr -R +i /boot",
        "sh -c 'chmod -R 777 /*'",
    ] {
        let argv = shell_words::split(line).expect("split");
        let r = Test::new()
            .args(["check", "--format", "json", "--"])
            .args(&argv)
            .go();
        r.status(4);
        let j = r.json();
        let f = &j["findings"][0];
        assert_eq!(f["rule"], "permissions-changed-on-system-dir", "{line}");
        assert_eq!(f["final"], true, "{line}");
    }
    // Without -R: the path's own permissions, asked.
    checked(
        "chmod 700 /usr",
        3,
        "confirm",
        "permissions-changed-on-protected-path",
    );
}

#[test]
fn a_refused_run_leaves_the_protected_tree_as_it_was() {
    let site = Site::new(
        "    - { path: \"{d}/data\", tree: deny, delete: confirm, overwrite: confirm }\n    - \"{d}/keep/*\"\n",
    );
    let before = listing(&site.s.path("tree"));
    for line in [
        "rm -rf {d}/data",
        "rm -r {d}/data/",
        "nice rm -rf {d}/data/../data",
        "rm -rf {d}",
        "rm {d}/keep/file",
        "rm -rf {d}/keep/file",
        "mv {d}/data {d}/data.old",
        "mv {d}/keep/file {d}/elsewhere",
        "chmod -R 777 {d}/data",
        "chown -R 65534 {d}",
        "rsync -a --delete {d}/keep/ {d}/data/",
        "tar -cf {d}/../x.tar --remove-files {d}/data",
    ] {
        let r = site.run(line);
        assert_eq!(r.code(), 126, "{line}\n{}\n{}", r.stdout, r.stderr);
        assert_eq!(
            listing(&site.s.path("tree")),
            before,
            "{line} changed the tree"
        );
    }
    // What is not protected still runs.
    site.run("rm {d}/other").status(0);
    assert!(!site.s.path("tree/other").exists());
    assert!(site.s.path("tree/data/a").exists());
}

#[test]
fn each_entry_gives_its_own_verdicts() {
    let site = Site::new(
        "    - { path: \"{d}/data\", tree: deny, delete: confirm, overwrite: confirm, permissions: warn }\n    - { path: \"{d}/keep/*\", tree: confirm, delete: warn, overwrite: deny }\n",
    );
    let v = |line: &str| {
        let r = site.check(line);
        let j = r.json();
        (
            j["verdict"].as_str().unwrap_or_default().to_string(),
            rules(&j),
        )
    };
    assert_eq!(v("rm -rf {d}/data").0, "deny");
    assert_eq!(v("rsync -a --delete {d}/keep/ {d}/data/").0, "deny");
    assert_eq!(v("chmod -R g+w {d}/data").0, "warn");
    assert_eq!(v("rm -f {d}/keep/file").0, "warn");
    assert_eq!(
        v("rm -rf {d}/keep/file").0,
        "warn",
        "a file deleted recursively is deleted"
    );
    let (verdict, rules) = v("cp {d}/other {d}/keep/file");
    assert_eq!(verdict, "deny");
    assert!(
        rules.contains(&"protected-file-overwritten".to_string()),
        "{rules:?}"
    );
    let (verdict, rules) = v("mv {d}/other {d}/keep/file");
    assert_eq!(verdict, "deny");
    assert!(
        rules.contains(&"protected-file-replaced".to_string()),
        "{rules:?}"
    );
    // The message names the entry and the layer it came from.
    let r = site.check("rm -rf {d}");
    let msg = r.json()["findings"][0]["message"].to_string();
    assert!(msg.contains(&format!("{}/data", site.d())), "{msg}");
    assert!(
        msg.contains("below it") && msg.contains("layer.yaml:4"),
        "{msg}"
    );
}

#[test]
fn another_path_to_a_protected_entry_still_reaches_it() {
    let site = Site::new("    - \"{d}/via/data\"\n    - \"{d}/keep/file\"\n");
    std::os::unix::fs::symlink(site.s.path("tree"), site.s.path("tree/via")).expect("symlink");
    // The entry is written through a symlinked directory; the command names the real one.
    let before = listing(&site.s.path("tree/data"));
    site.run("rm -rf {d}/data").status(126);
    assert_eq!(listing(&site.s.path("tree/data")), before);
    // A hard link is the file for writes, and only a name for deletes.
    std::fs::hard_link(site.s.path("tree/keep/file"), site.s.path("tree/hl")).expect("link");
    let r = site.check("dd if=/dev/zero of={d}/hl count=1 conv=notrunc");
    assert_eq!(r.json()["verdict"], "confirm", "{}", r.stdout);
    site.run("rm {d}/hl").status(0);
    assert_eq!(
        std::fs::read_to_string(site.s.path("tree/keep/file")).expect("still there"),
        "precious\n"
    );
}

#[test]
fn a_bind_mount_of_a_protected_tree_is_the_tree() {
    need_root!();
    let site = Site::new("    - \"{d}/data/sub\"\n");
    std::fs::create_dir_all(site.s.path("tree/chroot/data")).expect("mkdir");
    let _bind = MountGuard::mount(
        &format!("--bind {}", site.s.p("tree/data")),
        &site.s.path("tree/chroot/data"),
    );
    // Named through the bind mount of its directory: the same directory entry.
    let r = site.check("rm -rf {d}/chroot/data/sub");
    r.status(4);
    assert!(
        rules(&r.json()).contains(&"protected-tree-deleted".to_string()),
        "{}",
        r.stdout
    );
    // And the host's /etc bound read-only into a chroot is /etc, for the default list too.
    let etc = site.s.path("tree/chroot/etc");
    std::fs::create_dir_all(&etc).expect("mkdir");
    let _etc = MountGuard::mount("--bind /etc", &etc);
    sh(&format!("mount -o remount,bind,ro '{}'", etc.display()));
    let r = Test::new()
        .args(["check", "--format", "json", "--", "rm", "-f"])
        .arg(etc.join("shadow"))
        .go();
    r.status(4);
    let j = r.json();
    assert!(
        rules(&j).contains(&"protected-path-deleted".to_string()),
        "{}",
        r.stdout
    );
    assert!(
        j["findings"][0]["message"]
            .to_string()
            .contains("/etc/shadow ("),
        "{}",
        r.stdout
    );
}

#[test]
fn a_user_layer_may_not_loosen_a_protected_path() {
    let site = Site::new("    - { path: /etc/shadow, delete: confirm }\n");
    let r = site.check("rm -f {d}/other");
    r.status(125);
    assert!(
        r.stderr.contains("layer.yaml` line 4")
            && r.stderr.contains(
                "`delete: confirm` is milder than the `deny` of <embedded default policy>"
            ),
        "{}",
        r.stderr
    );
    // run refuses to run anything under it
    let r = site.run("rm -f {d}/other");
    r.status(125);
    assert!(site.s.path("tree/other").exists());
    // tightening is fine
    site.layer("    - { path: /etc/hostname, overwrite: deny }\n    - { path: /etc/shadow, overwrite: deny }\n");
    site.check("rm -f {d}/other").status(0);
    // unknown keys are errors where they stand
    site.layer("    - { path: \"{d}/data\", tre: deny }\n");
    let r = site.check("rm -f {d}/other");
    r.status(125);
    assert!(
        r.stderr.contains("line 4") && r.stderr.contains("unknown field `tre`"),
        "{}",
        r.stderr
    );
}

#[test]
fn policy_show_lists_each_path_with_where_it_came_from() {
    let site = Site::new("    - { path: \"{d}/data\", tree: deny, delete: confirm }\n");
    let r = site.safeop().args(["policy", "show"]).go();
    r.status(0);
    r.stdout_has("protected paths (")
        .stdout_has("/var/lib/dpkg")
        .stdout_has("<embedded default policy>:");
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains(&format!("{}/data ", site.d())))
        .unwrap_or_else(|| panic!("no line for the site's entry:\n{}", r.stdout));
    assert!(
        line.contains("deny    confirm") && line.contains("layer.yaml:4"),
        "{line}"
    );
    let r = site
        .safeop()
        .args(["explain", "target.protected.tree"])
        .go();
    r.status(0);
    r.stdout_has("What it tells")
        .stdout_has("How it is found")
        .stdout_has("Example");
}

#[test]
fn etc_safe_rm_conf_is_honoured() {
    need_root!();
    let site = Site::new("    - /nonexistent-entry\n");
    let upper = site.s.path("etc-upper");
    std::fs::create_dir_all(&upper).expect("mkdir");
    std::fs::create_dir_all(site.s.path("etc-work")).expect("mkdir");
    std::fs::write(
        upper.join("safe-rm.conf"),
        format!(
            "# this site's list\n{d}/data\n{d}/keep/*\n\nrelative/ignored\n",
            d = site.d()
        ),
    )
    .expect("safe-rm.conf");
    let etc = |v: &[String]| {
        Test::with_etc(&upper, &site.s.path("etc-work"))
            .env("SAFEOP_POLICY", site.s.path("layer.yaml"))
            .env("SAFEOP_AUDIT_LOG", site.s.path("audit.jsonl"))
            .no_tty()
            .args(v)
            .go()
    };
    let before = listing(&site.s.path("tree"));
    for line in [
        "rm -rf {d}/data",
        "rm {d}/keep/file",
        "mv {d}/data {d}/gone",
    ] {
        let mut v = vec!["run".to_string(), "--".into()];
        v.extend(site.args(line));
        let r = etc(&v);
        assert_eq!(r.code(), 126, "{line}\n{}", r.stderr);
        assert!(
            r.stderr.contains("/etc/safe-rm.conf:"),
            "{line}: {}",
            r.stderr
        );
    }
    assert_eq!(listing(&site.s.path("tree")), before);
    // safe-rm's entries are about deleting: writing the file is not theirs to refuse.
    let mut v = vec!["check".to_string(), "--".into()];
    v.extend(site.args("dd if=/dev/zero of={d}/keep/file count=1 conv=notrunc"));
    etc(&v).status(0);
    // policy show names the list.
    let r = etc(&["policy".to_string(), "show".into()]);
    r.stdout_has("/etc/safe-rm.conf  (safe-rm's list");
    // The same command without the overlay runs: the list was the overlay's.
    site.run("rm {d}/keep/file").status(0);
}

#[test]
fn a_users_own_safe_rm_list_is_read() {
    let site = Site::new("    - /nonexistent-entry\n");
    let home = site.s.path("home");
    std::fs::create_dir_all(home.join(".config")).expect("mkdir");
    std::fs::write(
        home.join(".config/safe-rm"),
        format!("{}/keep/file\n", site.d()),
    )
    .expect("list");
    let r = site
        .safeop()
        .env("HOME", &home)
        .args(site.args("run -- rm {d}/keep/file"))
        .go();
    r.status(126);
    assert!(r.stderr.contains(".config/safe-rm:1"), "{}", r.stderr);
    assert!(site.s.path("tree/keep/file").exists());
    // The legacy ~/.safe-rm too.
    std::fs::remove_file(home.join(".config/safe-rm")).expect("rm");
    std::fs::write(home.join(".safe-rm"), format!("{}/data\n", site.d())).expect("list");
    let r = site
        .safeop()
        .env("HOME", &home)
        .args(site.args("run -- rm -rf {d}/data"))
        .go();
    r.status(126);
    assert!(site.s.path("tree/data/a").exists());
}

#[test]
fn check_with_a_snapshot_judges_the_protected_paths_of_the_host_it_came_from() {
    let site = Site::new("    - { path: \"{d}/data\", tree: deny, delete: confirm }\n");
    // On the "target host": the snapshot of what it protects.
    let r = site
        .safeop()
        .args(["facts", "--json"])
        .arg(site.s.path("tree/data"))
        .go();
    r.status(0);
    let snap = r.json();
    let key = site.s.p("tree/data");
    assert_eq!(
        snap["paths"][&key]["protected.tree"], "deny",
        "{}",
        r.stdout
    );
    let file = site.s.path("snap.json");
    std::fs::write(&file, &r.stdout).expect("snapshot");
    // Elsewhere, with no such entry in the policy: the snapshot's facts decide.
    let r = Test::new()
        .args(["check", "--format", "json", "--facts"])
        .arg(&file)
        .arg("--")
        .args(site.args("rm -rf {d}/data"))
        .go();
    r.status(4);
    assert_eq!(
        rules(&r.json())[0],
        "protected-tree-deleted",
        "{}",
        r.stdout
    );
    // A snapshot that does not say is unknown, not "not protected".
    std::fs::write(&file, "{\"version\": 1}").expect("snapshot");
    let r = Test::new()
        .args(["check", "--format", "json", "--facts"])
        .arg(&file)
        .arg("--")
        .args(site.args("rm -rf {d}/data"))
        .go();
    assert_ne!(r.code(), 0, "{}", r.stdout);
}

#[test]
fn chmod_on_a_scratch_tree_runs_when_nothing_is_protected() {
    let site = Site::new("    - /nonexistent-entry\n");
    site.run("chmod -R 700 {d}/data").status(0);
    let m = std::fs::metadata(site.s.path("tree/data/a")).expect("stat");
    assert_eq!(m.permissions().mode() & 0o777, 0o700);
}
