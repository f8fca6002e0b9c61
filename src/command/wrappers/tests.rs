//! The wrappers' unit tests: every spelling each wrapper accepts reaches its command.
//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use crate::command::{parse_str, Kind};

#[test]
fn shell_operators_are_named_as_written() {
    let why = |s: &str| super::shell::simple_command(s).unwrap_err();
    assert_eq!(why("rm -rf /tmp/x && echo hi"), "the operator `&&`");
    assert_eq!(why("rm -rf /tmp/x || true"), "the operator `||`");
    assert_eq!(why("rm x & rm y"), "the operator `&`");
    assert_eq!(why("dd of=x >> log"), "the operator `>>`");
    assert_eq!(why("rm x; rm y"), "the operator `;`");
    assert_eq!(why("rm x\nrm y"), "a newline");
    assert_eq!(why("rm $(cat list)"), "a `$` expansion");
    assert_eq!(
        super::shell::simple_command("rm 'a && b'").unwrap(),
        ["rm", "a && b"]
    );
}

#[test]
fn sudo_env_nice_rm_is_rm() {
    let op = parse_str("sudo -u root env X=1 nice -n 5 /bin/rm -rf /");
    assert_eq!(op.tool, "rm");
    assert_eq!(op.kind, Kind::Delete);
    assert_eq!(op.targets, vec!["/"]);
    assert_eq!(op.wrappers, vec!["sudo", "env", "nice"]);
    assert_eq!(op.env.get("X").map(String::as_str), Some("1"));
}

#[test]
fn every_wrapper_spelling_reaches_the_tool() {
    for line in [
        "sudo rm -rf /srv",
        "sudo -E -H rm -rf /srv",
        "sudo -nu root rm -rf /srv",
        "sudo --user=root -- rm -rf /srv",
        "sudo -i rm -rf /srv",
        "env -i PATH=/bin rm -rf /srv",
        "env -u HOME -- rm -rf /srv",
        "env --unset HOME rm -rf /srv",
        "nice rm -rf /srv",
        "nice -10 rm -rf /srv",
        "nice --adjustment=5 rm -rf /srv",
        "ionice -c3 rm -rf /srv",
        "ionice -c 2 -n 7 rm -rf /srv",
        "nohup rm -rf /srv",
        "timeout 5 rm -rf /srv",
        "timeout -s KILL -k 10 5m rm -rf /srv",
        "timeout --signal=TERM 5 rm -rf /srv",
        "stdbuf -oL -e0 rm -rf /srv",
        "time -p rm -rf /srv",
        "command rm -rf /srv",
        "command -p rm -rf /srv",
        "exec -a foo rm -rf /srv",
        "setsid -f rm -rf /srv",
        "sh -c 'rm -rf /srv'",
        "bash -lc 'rm -rf /srv'",
        "sh -e -c \"rm -rf '/srv'\" name",
        "/usr/bin/sudo /usr/bin/env /bin/rm -rf /srv",
        "sudo sh -c 'nice rm -rf /srv'",
        "env -S 'rm -rf' /srv",
        "doas -u root rm -rf /srv",
        "busybox rm -rf /srv",
        "/bin/busybox.static rm -rf /srv",
        "busybox-x86_64 sh -c 'rm -rf /srv'",
    ] {
        let op = parse_str(line);
        assert_eq!(op.tool, "rm", "{line}");
        assert_eq!(op.kind, Kind::Delete, "{line}");
        assert_eq!(op.targets, vec!["/srv"], "{line}");
        assert!(op.has("recursive"), "{line}");
    }
}

#[test]
fn wrappers_that_run_nothing() {
    for line in [
        "sudo -l",
        "sudo -v",
        "command -v rm",
        "ionice -p 123",
        "sudo -K",
        "sudo -V",
        "sudo -h",
        "sudo -hlocalhost rm -rf /",
        "sudo --host=h rm -rf /",
        "sudo -e /etc/fstab",
        "sudo -ll rm",
        "doas -C /etc/doas.conf rm -rf /",
        "doas -L",
        "setsid --help",
        "ionice -h",
        "env --version",
        "nice --help",
        "chroot --help",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Unknown, "{line}");
    }
}

/// sudo 1.9.13: `sudo -k CMD` ignores the cached credentials and runs CMD ("RAN" printed).
#[test]
fn sudo_k_runs_the_command() {
    for line in ["sudo -k rm -rf /srv", "sudo -ku root rm -rf /srv"] {
        let op = parse_str(line);
        assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete), "{line}");
        assert_eq!(op.targets, vec!["/srv"], "{line}");
    }
}

/// Spellings the wrappers' getopt_long accepts that the old loops did not read.
#[test]
fn getopt_spellings_of_the_wrappers() {
    for line in [
        // Unambiguous prefixes of long options (sudo 1.9: `sudo --us=root` runs).
        "sudo --us=root rm -rf /srv",
        "sudo --non -- rm -rf /srv",
        "sudo --preserve-env=HOME rm -rf /srv",
        "env --unset=HOME --ch=/ rm -rf /srv",
        "env -iu HOME rm -rf /srv",
        "timeout --sig=KILL --kill=5 10 rm -rf /srv",
        "nice --adj=3 rm -rf /srv",
        "nice --5 rm -rf /srv",
        "ionice --class=2 --classdata 7 rm -rf /srv",
        "stdbuf --out=L rm -rf /srv",
        "setsid --fork -w rm -rf /srv",
        "chroot --skip-chdir / rm -rf /srv",
        "time -f %e -o /tmp/t rm -rf /srv",
        // bash takes `--rcfile FILE` before `-c` (bash 5.2 runs `bash --rcfile /dev/null
        // -c CMD`); the old loop took FILE for a script and missed the command.
        "bash --rcfile /dev/null -c 'rm -rf /srv'",
        "bash --init-file x -c 'rm -rf /srv'",
        "bash --norc --noprofile -c 'rm -rf /srv'",
        // `-o NAME` after `-c` in one bundle: bash takes NAME from the next word.
        "bash -co posix 'rm -rf /srv'",
        "bash -cox posix 'rm -rf /srv'",
        "sh +e -c 'rm -rf /srv'",
        "bash +O extglob -c 'rm -rf /srv'",
        "zsh -onoglob -c 'rm -rf /srv'",
        "zsh --emulate sh -c 'rm -rf /srv'",
        "zsh --noglob -c 'rm -rf /srv'",
    ] {
        let op = parse_str(line);
        assert_eq!(op.tool, "rm", "{line}: {:?}", op.note);
        assert_eq!(op.kind, Kind::Delete, "{line}");
        assert_eq!(op.targets, vec!["/srv"], "{line}");
    }
    // What the first operand is: `env A=1 -i cmd` runs the program `-i` (env 9.1: "'-i':
    // No such file or directory"); `nohup -x` is refused.
    assert_eq!(parse_str("env A=1 -i rm -rf /srv").tool, "-i");
    assert_eq!(parse_str("nohup -x rm -rf /srv").kind, Kind::Opaque);
    assert_eq!(
        parse_str("env --ch /srv rm -rf data").cwd.as_deref(),
        Some("/srv")
    );
    assert_eq!(
        parse_str("sudo --chdir=/srv rm -rf data").cwd.as_deref(),
        Some("/srv")
    );
    assert_eq!(
        parse_str("sudo -D/srv rm -rf data").cwd.as_deref(),
        Some("/srv")
    );
    // `env -S` reads env's options again from the split string.
    let op = parse_str("env -S'-C /srv rm -rf' data");
    assert_eq!((op.tool.as_str(), op.cwd.as_deref()), ("rm", Some("/srv")));
    assert_eq!(op.targets, vec!["data"]);
}

#[test]
fn shell_strings_with_operators_are_opaque() {
    for line in [
        "bash -c 'dd if=/dev/zero of=$DISK'",
        "sh -c 'rm -rf $(cat list)'",
        "sh -c 'rm -rf `x`'",
        "sh -c 'rm -rf /a && rm -rf /b'",
        "sh -c 'sudo $CMD'",
        "sh -c 'eval \"$x\"'",
        "sh -c 'rm -rf \"unterminated'",
        "sh -c",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Opaque, "{line}");
        assert!(op.note.is_some(), "{line}");
    }
}

/// The shell front end reads lists, pipelines, `eval`, `!`, `builtin` and redirections: the one
/// guarded command in them is judged as its own argv, and a redirection is a write.
#[test]
fn shell_strings_are_read_as_the_shell_reads_them() {
    for (line, tool, kind, targets) in [
        ("sh -c 'rm -rf /srv; ls'", "rm", Kind::Delete, vec!["/srv"]),
        (
            "sh -c 'cat a | dd of=/dev/sda'",
            "dd",
            Kind::Overwrite,
            vec!["/dev/sda"],
        ),
        ("sh -c 'eval rm -rf /usr'", "rm", Kind::Delete, vec!["/usr"]),
        (
            "sh -c 'builtin exec rm -rf /usr'",
            "rm",
            Kind::Delete,
            vec!["/usr"],
        ),
        ("sh -c '! rm -rf /'", "rm", Kind::Delete, vec!["/"]),
        (
            "sh -c 'cat img > /dev/vda'",
            "sh",
            Kind::Overwrite,
            vec!["/dev/vda"],
        ),
        (
            "sh -c 'echo b > /proc/sysrq-trigger'",
            "sh",
            Kind::Overwrite,
            vec!["/proc/sysrq-trigger"],
        ),
    ] {
        let op = parse_str(line);
        assert_eq!(
            (op.tool.as_str(), op.kind, op.targets.clone()),
            (tool, kind, targets.iter().map(|t| t.to_string()).collect()),
            "{line}: {:?}",
            op.note
        );
    }
    // Harmless whatever the shell expands: nothing guarded.
    for line in [
        "bash -c 'echo hi && ls'",
        "sh -c 'kill -TERM $$'",
        "sh -c 'ls > /dev/null 2>&1'",
    ] {
        assert!(!parse_str(line).is_guarded(), "{line}");
    }
    // A glob, brace or `~` under a guarded tool: judged as written, and it asks at least.
    for line in [
        "sh -c 'rm -rf /[a-z]*'",
        "bash -c 'rm -rf /{usr,etc}'",
        "sh -c 'rm -rf ~'",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Delete, "{line}");
        assert!(op.has("unseen_arguments"), "{line}");
    }
}

/// After a `cd` the shell's directory is not known here (the `cd` may fail, sit in a subshell
/// or behind `||`): a guarded command with a relative path asks; absolute paths are judged
/// as written, and what runs before the first `cd` (not again in a loop or a function) too.
#[test]
fn relative_paths_after_a_cd_are_not_judged_against_either_directory() {
    for line in [
        "sh -c 'cd / && rm -rf usr'",
        "sh -c '(cd / && rm -rf usr)'",
        "sh -c 'cd /srv || rm -rf usr'",
        "sh -c 'f() { rm -rf usr; }; cd /; f'",
        "sh -c 'for d in 1 2; do rm -rf usr; cd /; done'",
        "sh -c 'pushd / >/dev/null; rm -rf etc'",
        "sh -c 'builtin cd /; rm -rf usr'",
        "sh -c 'cd /; echo x > passwd'",
        "sh -c 'cd \"$D\" && dd if=/dev/zero of=disk.img'",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Opaque, "{line}: {:?}", op.note);
        assert!(
            op.note.as_deref().is_some_and(|n| n.contains("runs after")),
            "{line}: {:?}",
            op.note
        );
    }
    // A `cd` in a subshell, a substitution or a background job moves only that shell.
    for (line, target) in [
        ("sh -c 'cd /tmp && rm -rf /usr'", "/usr"),
        ("sh -c 'rm -rf build; cd /'", "build"),
        ("sh -c '(cd /); rm -rf build'", "build"),
        ("sh -c 'x=$(cd /tmp && pwd); rm -rf build'", "build"),
        ("sh -c 'cd / & rm -rf build'", "build"),
    ] {
        let op = parse_str(line);
        assert_eq!(
            (op.kind, op.targets.clone()),
            (Kind::Delete, vec![target.to_string()]),
            "{line}"
        );
    }
    assert!(!parse_str("sh -c 'cd /tmp && ls'").is_guarded());
}

#[test]
fn shell_running_a_script_is_unknown() {
    assert_eq!(parse_str("bash deploy.sh").kind, Kind::Unknown);
    assert_eq!(parse_str("sh").kind, Kind::Unknown);
}

#[test]
fn chroot_reroots_targets() {
    let op = parse_str("chroot /mnt/sys rm -rf /var/lib");
    assert_eq!(op.targets, vec!["/mnt/sys/var/lib"]);
    assert_eq!(op.root.as_deref(), Some("/mnt/sys"));
    let op = parse_str("sudo chroot --userspec=0:0 /mnt dd if=/dev/zero of=/dev/sda");
    assert_eq!(op.targets, vec!["/mnt/dev/sda"]);
}

#[test]
fn working_directory_from_wrappers() {
    let op = parse_str("env -C /srv rm -rf data");
    assert_eq!(op.cwd.as_deref(), Some("/srv"));
    let op = parse_str("sudo -D /srv rm -rf data");
    assert_eq!(op.cwd.as_deref(), Some("/srv"));
}

#[test]
fn unknown_wrapper_options_are_opaque_not_skipped() {
    let op = parse_str("sudo --frobnicate rm -rf /");
    assert_eq!(op.kind, Kind::Opaque);
    let op = parse_str("timeout --weird 5 rm -rf /");
    assert_eq!(op.kind, Kind::Opaque);
}

#[test]
fn unknown_tools_stay_unknown() {
    let op = parse_str("sudo ls -la /");
    assert_eq!(op.kind, Kind::Unknown);
    assert_eq!(op.tool, "ls");
}

/// The inner command of a line: tool, kind, targets.
fn inner(line: &str) -> (String, Kind, Vec<String>) {
    let op = parse_str(line);
    (op.tool, op.kind, op.targets)
}

/// Every wrapper that runs a command, in the spellings its own `--help` (or manual) gives, as
/// the real tool reads its argv: each reaches `rm -rf /srv`.
#[test]
fn every_wrapper_that_runs_a_command_reaches_it() {
    for line in [
        // sudo: `-k`, `--reset-timestamp` and `-n` with a command still run it.
        "sudo -kn rm -rf /srv",
        "sudo -nk -u root -- rm -rf /srv",
        "sudo --reset-timestamp rm -rf /srv",
        "sudo --non-interactive --reset-timestamp --user=root rm -rf /srv",
        "sudo -k -E -H rm -rf /srv",
        "sudo -s rm -rf /srv",
        // su and runuser (util-linux 2.38: permuting, `-c` through the user's shell).
        "su -c 'rm -rf /srv'",
        "su root -c 'rm -rf /srv'",
        "su - root -c 'rm -rf /srv'",
        "su -l -c 'rm -rf /srv' root",
        "su -lc 'rm -rf /srv'",
        "su --command='rm -rf /srv'",
        "su --comm 'rm -rf /srv'",
        "su --session-command 'rm -rf /srv'",
        "su -m root -c 'rm -rf /srv'",
        "su -p -g wheel -c 'rm -rf /srv' root",
        "su -s /bin/bash -c 'rm -rf /srv' root",
        "su root -- -c 'rm -rf /srv'",
        "su -s /bin/rm root -- -rf /srv",
        "runuser -u root -- rm -rf /srv",
        "runuser --user=root -- rm -rf /srv",
        "runuser root -c 'rm -rf /srv'",
        "runuser -l root -c 'rm -rf /srv'",
        // pkexec reads its options word by word.
        "pkexec rm -rf /srv",
        "pkexec --user root rm -rf /srv",
        "pkexec -u root --keep-cwd rm -rf /srv",
        "pkexec --disable-internal-agent rm -rf /srv",
        "doas -n -u root rm -rf /srv",
        "doas -- rm -rf /srv",
        // systemd-run (252).
        "systemd-run --scope rm -rf /srv",
        "systemd-run -p Nice=5 --wait -t rm -rf /srv",
        "systemd-run --unit=x --same-dir rm -rf /srv",
        "systemd-run -u x -E A=1 -- rm -rf /srv",
        "systemd-run --user --pipe -q rm -rf /srv",
        "systemd-run --on-calendar=daily -G rm -rf /srv",
        "systemd-run --working-directory=/tmp rm -rf /srv",
        // util-linux's setpriv, chrt, taskset, flock, unshare, nsenter.
        "setpriv --reuid=1000 --regid=1000 --init-groups rm -rf /srv",
        "setpriv --nnp -- rm -rf /srv",
        "setpriv --reset-env rm -rf /srv",
        "chrt 10 rm -rf /srv",
        "chrt -f 50 rm -rf /srv",
        "chrt --idle 0 rm -rf /srv",
        "chrt -R -b 0 rm -rf /srv",
        "chrt -o rm -rf /srv",
        "taskset 0x1 rm -rf /srv",
        "taskset -c 0,1 rm -rf /srv",
        "taskset -a -- 3 rm -rf /srv",
        "flock /tmp/lk rm -rf /srv",
        "flock -n /tmp/lk rm -rf /srv",
        "flock -x -w 5 /tmp/lk rm -rf /srv",
        "flock /tmp/lk -c 'rm -rf /srv'",
        "flock --nonblock /tmp/lk --command 'rm -rf /srv'",
        "flock -E 3 -o /tmp/lk -c 'rm -rf /srv'",
        "unshare -m rm -rf /srv",
        "unshare --mount --uts -- rm -rf /srv",
        "unshare -Urm rm -rf /srv",
        "unshare -f -p --mount-proc rm -rf /srv",
        "unshare --propagation private -m rm -rf /srv",
        "nsenter -t 1 -n rm -rf /srv",
        "nsenter --target=1 --uts --ipc rm -rf /srv",
        // The tracers run the traced command.
        "strace rm -rf /srv",
        "strace -f -o /tmp/t rm -rf /srv",
        "strace -e trace=file -s 100 rm -rf /srv",
        "strace --follow-forks --output=/tmp/t -- rm -rf /srv",
        "strace -ff -tt -T rm -rf /srv",
        "strace -qq -yy --seccomp-bpf -f rm -rf /srv",
        "strace -E X=1 -u root rm -rf /srv",
        "strace -p 1 rm -rf /srv",
        "ltrace rm -rf /srv",
        "ltrace -f -S -o /tmp/t rm -rf /srv",
        "ltrace --library=libc.so.6 -n 2 rm -rf /srv",
        // eatmydata, nocache, ionice, nice, time.
        "eatmydata rm -rf /srv",
        "eatmydata -- rm -rf /srv",
        "nocache rm -rf /srv",
        "nocache -n 2 rm -rf /srv",
        "nocache -f rm -rf /srv",
        "ionice -c 3 -t rm -rf /srv",
        "ionice --class idle rm -rf /srv",
        "ionice -c2 -n7 rm -rf /srv",
        "nice -n -5 rm -rf /srv",
        "nice -n5 rm -rf /srv",
        "time rm -rf /srv",
        "/usr/bin/time -v rm -rf /srv",
        "time --verbose --output=/tmp/t -a rm -rf /srv",
        "time -p -- rm -rf /srv",
        // watch runs `sh -c` on its words joined, or (`-x`) the words themselves.
        "watch rm -rf /srv",
        "watch 'rm -rf /srv'",
        "watch -n 5 -d rm -rf /srv",
        "watch -x rm -rf /srv",
        "watch --interval=1 --exec rm -rf /srv",
        "watch -n1 -- rm -rf /srv",
        "watch --differences=permanent -t rm -rf /srv",
        // The multi-call binaries: the name they are given decides the tool.
        "toybox rm -rf /srv",
        "/usr/bin/toybox-x86_64 rm -rf /srv",
        "coreutils --coreutils-prog=rm -rf /srv",
        "coreutils rm -rf /srv",
        "coreutils --coreutils-prog-shebang=rm /usr/local/bin/script -rf /srv",
        "busybox rm -rf /srv",
        // The shells with `-c`.
        "ash -c 'rm -rf /srv'",
        "dash -c 'rm -rf /srv'",
        "dash -ec 'rm -rf /srv'",
        "ksh -c 'rm -rf /srv'",
        "ksh -o vi -c 'rm -rf /srv'",
        "mksh -c 'rm -rf /srv'",
        "mksh -T - -c 'rm -rf /srv'",
        "zsh -c 'rm -rf /srv'",
        "zsh -fc 'rm -rf /srv'",
        "zsh -o noglob -c 'rm -rf /srv'",
        "fish -c 'rm -rf /srv'",
        "fish --command='rm -rf /srv'",
        "fish --comm 'rm -rf /srv'",
        "fish -c 'echo hi' -c 'rm -rf /srv'",
        "fish -ic 'rm -rf /srv'",
        "fish --no-config -c 'rm -rf /srv' arg",
        "fish -C 'rm -rf /srv'",
        "tcsh -c 'rm -rf /srv'",
        "csh -c 'rm -rf /srv'",
        "csh -fc 'rm -rf /srv'",
        "busybox sh -c 'rm -rf /srv'",
        "busybox ash -c 'rm -rf /srv'",
        "bash -xc 'rm -rf /srv'",
        "bash -lc 'rm -rf /srv'",
        "bash -ec 'rm -rf /srv'",
        "bash --login -c 'rm -rf /srv'",
        "bash --norc -c 'rm -rf /srv'",
        "bash --rcfile /dev/null -c 'rm -rf /srv'",
        "bash --init-file x -c 'rm -rf /srv'",
        "bash -o pipefail -c 'rm -rf /srv'",
        "bash +o posix -c 'rm -rf /srv'",
        "bash -O extglob -c 'rm -rf /srv'",
        "sh -o errexit -c 'rm -rf /srv'",
        "rbash -c 'rm -rf /srv'",
        "yash -c 'rm -rf /srv'",
        "posh -c 'rm -rf /srv'",
        // Wrappers around wrappers.
        "sudo su -c 'nice ionice -c3 rm -rf /srv'",
        "systemd-run --scope flock /tmp/lk timeout 5 rm -rf /srv",
    ] {
        let op = parse_str(line);
        assert_eq!(
            (op.tool.as_str(), op.kind, op.targets.clone()),
            ("rm", Kind::Delete, vec!["/srv".to_string()]),
            "{line}: {:?}",
            op.note
        );
        assert!(op.has("recursive"), "{line}");
        assert!(!op.has("elsewhere"), "{line}");
    }
    assert_eq!(parse_str("runuser -u root rm /srv").targets, ["/srv"]);
    assert_eq!(parse_str("su -c 'rm -rf /srv'").wrappers, ["su", "sh"]);
    assert_eq!(parse_str("watch rm -rf /srv").wrappers, ["watch", "sh"]);
    // What follows flock's FILE is the command as it stands: a program named `--`.
    assert_eq!(parse_str("flock /tmp/lk -- rm -rf /srv").tool, "--");
    // runuser permutes: `-rf` is read as its own option, refused (nothing runs; opaque).
    assert_eq!(parse_str("runuser -u root rm -rf /srv").kind, Kind::Opaque);
}

#[test]
fn wrappers_that_run_no_command() {
    for line in [
        "su",
        "su -",
        "su root",
        "su --help",
        "su -V",
        "runuser -u root -c 'rm -rf /srv'",
        "runuser -u root",
        "pkexec",
        "pkexec --version rm -rf /srv",
        "sudo -k",
        "sudo -K",
        "doas -s",
        "chrt -p 1",
        "chrt -p 10 1",
        "chrt -m",
        "taskset -p 1",
        "taskset -p 0x1 1",
        "flock 3",
        "flock /tmp/lk",
        "flock /tmp/lk -c 'rm -rf /srv' extra",
        "unshare -m",
        "nsenter -t 1 -m",
        "setpriv -d",
        "setpriv --dump rm -rf /srv",
        "strace -p 1",
        "strace -V",
        "ltrace -h",
        "watch --help",
        "watch",
        "coreutils --help",
        "coreutils",
        "toybox",
        "eatmydata",
        "systemd-run --shell",
        "systemd-run -S",
        "systemd-run --version",
        "time -V",
        "xargs --help",
        "parallel --version",
        "find --help",
        "find / -version",
        "fish",
        "fish script.fish",
        "fish --version -c 'rm -rf /srv'",
        "csh script.csh",
    ] {
        let op = parse_str(line);
        assert_eq!(
            op.kind,
            Kind::Unknown,
            "{line}: {:?} {:?}",
            op.tool,
            op.note
        );
    }
}

#[test]
fn places_and_directories() {
    let op = parse_str("unshare -R /mnt rm -rf /srv");
    assert_eq!(
        (op.targets.clone(), op.root.as_deref()),
        (vec!["/mnt/srv".to_string()], Some("/mnt"))
    );
    assert_eq!(
        parse_str("unshare --root=/mnt rm -rf /srv").targets,
        ["/mnt/srv"]
    );
    assert_eq!(
        parse_str("unshare -w /tmp rm -rf x").cwd.as_deref(),
        Some("/tmp")
    );
    // A service starts in `/`; a scope, `--same-dir` and `--working-directory` say otherwise.
    assert_eq!(
        parse_str("systemd-run rm -rf data").cwd.as_deref(),
        Some("/")
    );
    assert_eq!(parse_str("systemd-run --scope rm -rf data").cwd, None);
    assert_eq!(parse_str("systemd-run -d rm -rf data").cwd, None);
    assert_eq!(
        parse_str("systemd-run --working-directory=/srv rm -rf data")
            .cwd
            .as_deref(),
        Some("/srv")
    );
    assert_eq!(
        parse_str("systemd-run -p WorkingDirectory=-/srv rm -rf data")
            .cwd
            .as_deref(),
        Some("/srv")
    );
    assert_eq!(
        parse_str("systemd-run -p RootDirectory=/mnt rm -rf /srv").targets,
        ["/mnt/srv"]
    );
    assert_eq!(
        parse_str("systemd-run -E BORG_RSH=x borg delete /r")
            .env
            .get("BORG_RSH")
            .map(String::as_str),
        Some("x")
    );
    // systemd 254 expands `$NAME` in a service's command line; not in a scope, not when told.
    for line in [
        "systemd-run rm -rf '$HOME'",
        "systemd-run -p ExecStartPre=/bin/true rm -rf /srv",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Opaque, "{line}");
    }
    assert_eq!(
        parse_str("systemd-run --scope rm -rf '$HOME'").targets,
        ["$HOME"]
    );
    assert_eq!(
        parse_str("systemd-run --expand-environment=no rm '$X'").kind,
        Kind::Delete
    );
}

/// The command runs where its paths are not the ones safeop looks at: flag `elsewhere`, and
/// the note says where.
#[test]
fn commands_that_run_elsewhere_say_so() {
    for (line, says) in [
        ("nsenter -t 1 -m rm -rf /srv", "process 1"),
        ("nsenter -a -t 1 rm -rf /srv", "process 1"),
        ("nsenter -t1 -m -u -i -n -p rm -rf /srv", "process 1"),
        (
            "nsenter --mount=/proc/1/ns/mnt rm -rf /srv",
            "mount namespace",
        ),
        ("nsenter -t 1 -r rm -rf /srv", "process 1"),
        ("nsenter -t 1 -w rm -rf /srv", "process 1"),
        ("systemd-run -M web1 rm -rf /srv", "container `web1`"),
        ("systemd-run --host=root@db1 rm -rf /srv", "host `root@db1`"),
        ("systemd-run -p BindPaths=/a:/srv rm -rf /srv", "BindPaths"),
        ("sudo nsenter -t 1 -m -- sh -c 'rm -rf /srv'", "process 1"),
    ] {
        let op = parse_str(line);
        assert_eq!(
            inner(line),
            ("rm".into(), Kind::Delete, vec!["/srv".into()]),
            "{line}"
        );
        assert!(op.has("elsewhere"), "{line}");
        let note = op.note.unwrap_or_default();
        assert!(note.contains(says), "{line}: {note}");
    }
    // A tool safeop does not guard stays unknown; the network namespace alone is no matter.
    assert_eq!(parse_str("nsenter -t 1 -m ls /").kind, Kind::Unknown);
    assert!(!parse_str("nsenter -t 1 -n rm -rf /srv").has("elsewhere"));
}

/// A command reread as its binary (a symlink `zz` to rm) keeps what its wrappers made of it.
#[test]
fn reread_commands_keep_what_their_wrappers_made_of_them() {
    use crate::command::reread_as;
    let op = reread_as(&parse_str("xargs zz -f"), "/usr/bin/rm");
    assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete));
    assert!(op.has("unseen_arguments"));
    let op = reread_as(&parse_str("find /etc -exec zz {} +"), "/usr/bin/rm");
    assert_eq!(op.targets, ["/etc"]);
    assert!(op.has("recursive"));
    let op = reread_as(&parse_str("nsenter -t 1 -m zz -rf /srv"), "/usr/bin/rm");
    assert!(op.has("elsewhere"));
}
