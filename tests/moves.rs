//! What takes a system directory away besides `rm` (issue 10's table): a sync or restore with a
//! delete flag into `/` or a system directory, a move of one, and a tool that deletes its sources
//! (`tar --remove-files`, `rsync --remove-source-files`) reading from one.
//!
//! Safety: every command on a system directory here is only ever `check`ed, never `run`; the
//! ordinary ones are `check`ed on scratch directories.

mod common;
use common::*;

/// (argv, rule, the system directory the message names)
const TABLE: &[(&str, &str, &str)] = &[
    (
        "rsync -a --delete empty/ /",
        "sync-deletes-below-system-dir",
        "`/`",
    ),
    (
        "rsync -a --delete empty/ /etc/",
        "sync-deletes-below-system-dir",
        "`/etc`",
    ),
    (
        "rsync -a --delete empty/ /usr",
        "sync-deletes-below-system-dir",
        "`/usr`",
    ),
    (
        "rsync -a --del empty/ /",
        "sync-deletes-below-system-dir",
        "`/`",
    ),
    (
        "rsync -a --delete-before empty/ /etc/",
        "sync-deletes-below-system-dir",
        "`/etc`",
    ),
    (
        "rsync -a --delete-during empty/ /usr",
        "sync-deletes-below-system-dir",
        "`/usr`",
    ),
    (
        "rsync -a --delete-after empty/ /",
        "sync-deletes-below-system-dir",
        "`/`",
    ),
    (
        "rsync -a --delete-delay empty/ /etc/",
        "sync-deletes-below-system-dir",
        "`/etc`",
    ),
    (
        "rsync -a --delete-excluded empty/ /usr",
        "sync-deletes-below-system-dir",
        "`/usr`",
    ),
    (
        "restic -r repo restore latest --target / --delete",
        "sync-deletes-below-system-dir",
        "`/`",
    ),
    ("mv /usr /usr.old", "move-takes-system-dir-away", "`/usr`"),
    (
        "mv -t /tmp /etc /usr",
        "move-takes-system-dir-away",
        "`/etc`",
    ),
    ("mv /etc/ /srv/", "move-takes-system-dir-away", "`/etc`"),
    (
        "tar -cf x.tar --remove-files /etc",
        "sources-removed-from-system-dir",
        "`/etc`",
    ),
    (
        "rsync -a --remove-source-files /etc/ d/",
        "sources-removed-from-system-dir",
        "`/etc`",
    ),
];

#[test]
fn each_row_of_the_table_is_denied_naming_the_system_directory() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("empty")).unwrap();
    for (line, rule, dir) in TABLE {
        let argv: Vec<&str> = line.split(' ').collect();
        Test::new()
            .args(["check", "--"])
            .args(&argv)
            .cwd(&s.path(""))
            .go()
            .status(4)
            .stdout_has(&format!("[{rule}]"))
            .stdout_has(&format!("system directory {dir}"));
    }
}

#[test]
fn a_move_of_two_system_dirs_names_both() {
    Test::new()
        .args([
            "check",
            "--all-findings",
            "--",
            "mv",
            "-t",
            "/tmp",
            "/etc",
            "/usr",
        ])
        .go()
        .status(4)
        .stdout_has("system directory `/etc`")
        .stdout_has("system directory `/usr`");
}

#[test]
fn a_dry_run_sync_into_root_is_not_this_rule() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("empty")).unwrap();
    Test::new()
        .args(["check", "--", "rsync", "-an", "--delete", "empty/", "/"])
        .cwd(&s.path(""))
        .go()
        .stdout_lacks("sync-deletes-below-system-dir");
}

#[test]
fn ordinary_syncs_and_moves_on_scratch_dirs_are_allowed() {
    let s = Scratch::new();
    s.write("A/f", "a\n");
    s.write("B/g", "b\n");
    for argv in [
        vec!["rsync", "-a", "--delete", &*s.p("A/"), &*s.p("B/")],
        vec![
            "rsync",
            "-a",
            "--remove-source-files",
            &*s.p("A/"),
            &*s.p("B/"),
        ],
        vec!["mv", &*s.p("A"), &*s.p("C")],
        vec!["mv", &*s.p("A"), &*s.p("B")],
        vec!["tar", "-cf", &*s.p("x.tar"), "--remove-files", &*s.p("A")],
    ] {
        Test::new().args(["check", "--"]).args(&argv).go().status(0);
    }
    // Relative, from the scratch directory.
    for line in ["rsync -a --delete A/ B/", "mv A B", "mv ./A ./B"] {
        let argv: Vec<&str> = line.split(' ').collect();
        Test::new()
            .args(["check", "--"])
            .args(&argv)
            .cwd(&s.path(""))
            .go()
            .status(0);
    }
    // Nothing was touched: check only reads.
    assert!(s.path("A/f").exists() && s.path("B/g").exists());
}

/// A symlink to a system directory is not that directory to mv: mv renames the link.
#[test]
fn a_move_of_a_symlink_to_a_system_dir_moves_the_link() {
    let s = Scratch::new();
    std::os::unix::fs::symlink("/etc", s.path("etc-link")).unwrap();
    Test::new()
        .args(["check", "--", "mv", &*s.p("etc-link"), &*s.p("old-link")])
        .go()
        .status(0);
    // With a trailing slash it names the directory itself.
    Test::new()
        .args([
            "check",
            "--",
            "mv",
            &*format!("{}/", s.p("etc-link")),
            &*s.p("x/"),
        ])
        .go()
        .status(4)
        .stdout_has("/etc");
}
