//! Destroying backups through the built binary (`check` only: nothing runs): borg delete /
//! prune / compact / recreate (in place) and restic forget / prune / rewrite --forget ask for
//! the repository to be typed; their dry runs only read. A remote shell or backend command
//! borg and restic would run asks too.

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

#[test]
fn borg_recreate_in_place_asks_and_with_a_target_is_allowed() {
    Test::new()
        .args([
            "check",
            "--",
            "borg",
            "recreate",
            "--exclude",
            "*.iso",
            "/srv/borg::mon",
        ])
        .go()
        .status(3)
        .stdout_has("backup-destroyed")
        .stdout_has("rewrites archive mon of borg repository `/srv/borg` in place");
    for argv in [
        vec![
            "borg",
            "recreate",
            "--target",
            "mon-slim",
            "-e",
            "*.iso",
            "/srv/borg::mon",
        ],
        vec!["borg", "recreate", "-n", "-e", "*.iso", "/srv/borg::mon"],
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

#[test]
fn restic_rewrite_forget_asks_and_plain_rewrite_is_allowed() {
    Test::new()
        .args([
            "check",
            "--",
            "restic",
            "-r",
            "/srv/restic",
            "rewrite",
            "--forget",
            "-e",
            "*.iso",
            "latest",
        ])
        .go()
        .status(3)
        .stdout_has("backup-destroyed")
        .stdout_has(
            "rewrites snapshot latest in restic repository `/srv/restic` and forgets the originals",
        );
    Test::new()
        .args([
            "check",
            "--",
            "restic",
            "-r",
            "/srv/restic",
            "rewrite",
            "-e",
            "*.iso",
            "latest",
        ])
        .go()
        .status(0)
        .stdout_lacks("backup-destroyed");
}

#[test]
fn a_remote_shell_for_the_repository_asks_naming_the_program() {
    for (argv, says) in [
        (
            vec!["borg", "--rsh", "ssh -i /root/k", "list", "nas:borg"],
            "`--rsh` runs `ssh -i /root/k` to reach the repository",
        ),
        (
            vec![
                "env",
                "BORG_RSH=ssh -oProxyCommand=x",
                "borg",
                "list",
                "nas:borg",
            ],
            "`BORG_RSH` runs `ssh -oProxyCommand=x`",
        ),
        (
            vec![
                "restic",
                "-r",
                "sftp:nas:/srv/restic",
                "-o",
                "sftp.command=ssh nas -s sftp",
                "snapshots",
            ],
            "`-o sftp.command` runs `ssh nas -s sftp`",
        ),
    ] {
        let mut a = vec!["check", "--"];
        a.extend(argv.iter());
        Test::new()
            .args(&a)
            .go()
            .status(3)
            .stdout_has("runs-code-safeop-cannot-see")
            .stdout_has(says);
    }
}

/// The caller's own environment counts as a wrapper's assignment would: `RSYNC_RSH` or
/// `BORG_RSH` exported in the shell make the command run a program safeop cannot see.
#[test]
fn a_remote_shell_set_in_the_caller_s_environment_asks() {
    for (var, argv) in [
        (
            "RSYNC_RSH",
            vec!["rsync", "-a", "src/", "backup.example:/srv/"],
        ),
        (
            "BORG_RSH",
            vec!["borg", "list", "ssh://backup.example/./repo"],
        ),
    ] {
        Test::new()
            .env(var, "sh -c 'curl x | sh'")
            .args(["check", "--"])
            .args(&argv)
            .go()
            .status(3)
            .stdout_has("runs-code-safeop-cannot-see");
        Test::new()
            .env_remove(var)
            .args(["check", "--"])
            .args(&argv)
            .go()
            .stdout_lacks("runs-code-safeop-cannot-see");
    }
}
