//! Destroying backups through the built binary (`check` only: nothing runs): borg delete /
//! prune / compact and restic forget / prune ask for the repository to be typed; their dry
//! runs only read.

mod common;
use common::*;

#[test]
fn borg_delete_of_an_archive_asks_naming_archive_and_repository() {
    Test::new()
        .args(["check", "--", "borg", "delete", "/srv/borg::mon"])
        .go()
        .status(3)
        .stdout_has("backup-destroyed")
        .stdout_has("deletes archive mon from borg repository `/srv/borg`")
        .stdout_has("--dry-run");
}

#[test]
fn borg_delete_of_the_whole_repository_says_so() {
    Test::new()
        .args(["check", "--", "borg", "delete", "/srv/borg"])
        .go()
        .status(3)
        .stdout_has("deletes the whole borg repository `/srv/borg`");
}

#[test]
fn restic_forget_prune_asks() {
    Test::new()
        .args([
            "check",
            "--",
            "restic",
            "-r",
            "/srv/restic",
            "forget",
            "--prune",
            "--keep-last",
            "1",
        ])
        .go()
        .status(3)
        .stdout_has("backup-destroyed")
        .stdout_has("restic repository `/srv/restic` and prunes their data");
}

#[test]
fn repository_from_the_environment_still_asks() {
    Test::new()
        .env("BORG_REPO", "/srv/borg")
        .args(["check", "--", "borg", "prune", "--keep-daily", "7"])
        .go()
        .status(3)
        .stdout_has("backup-destroyed-elsewhere");
}

#[test]
fn dry_runs_are_allowed() {
    for argv in [
        vec!["borg", "delete", "--dry-run", "/srv/borg::mon"],
        vec!["borg", "prune", "-n", "--keep-daily", "7", "/srv/borg"],
        vec![
            "restic",
            "-r",
            "/srv/restic",
            "forget",
            "-n",
            "--keep-last",
            "1",
        ],
        vec!["restic", "-r", "/srv/restic", "forget", "--help"],
    ] {
        let mut a = vec!["check", "--"];
        a.extend(argv.iter());
        Test::new()
            .args(&a)
            .go()
            .status(0)
            .stdout_lacks("backup-destroyed");
    }
}
