//! The wrappers that run a command as another user: `sudo`, `su`, `runuser`, `pkexec`, `doas`.
//! `su -c STRING` and `runuser -c STRING` hand STRING to the user's shell (`sh -c` as far as
//! safeop can tell: the login shell is the machine's business); `runuser -u USER CMD` and the
//! others run CMD themselves.

use super::super::options::{GNU, POSIX};
use super::{is_assignment, options, stops, Arg, Around, Getopt, Means, Peeled};

/// sudo 1.9 (`+Aa:BbC:c:D:Eeg:Hh::iKklNnP:p:R:r:SsT:t:U:u:Vv`, less the BSD-only `-a`), then
/// `VAR=value` assignments before the command.
#[rustfmt::skip]
const SUDO: Getopt = Getopt {
    short_arg: "CgprtTUuc",
    // `-h` alone is help; `-hHOST` names a host, which sudo only allows with `-l`.
    short_opt: "h",
    short_flag: "AbBEHikNnPSs",
    long_arg: &[
        "close-from", "chdir", "group", "host", "prompt", "chroot", "role", "type",
        "command-timeout", "other-user", "user", "login-class",
    ],
    long_opt: &["preserve-env"],
    long_flag: &[
        "askpass", "background", "bell", "edit", "help", "list", "login", "non-interactive",
        "preserve-groups", "remove-timestamp", "reset-timestamp", "set-home", "shell", "stdin",
        "validate", "version",
    ],
    pairs: &[
        ('D', "chdir"), ('R', "chroot"), ('e', "edit"), ('l', "list"), ('v', "validate"),
        ('K', "remove-timestamp"), ('V', "version"),
    ],
    ..POSIX
};

pub(super) fn sudo(argv: &[String], around: &mut Around) -> Peeled {
    let peeled = options(argv, &SUDO, |n, v| match n {
        "chdir" => {
            around.cwd = v.map(str::to_string);
            Means::Nothing
        }
        "chroot" => {
            around.root = v.map(str::to_string);
            Means::Nothing
        }
        // `-k` with a command runs it (only the cached credentials are ignored).
        "list" | "validate" | "remove-timestamp" | "version" | "edit" | "h" | "help" | "host" => {
            Means::NoCommand
        }
        _ => Means::Nothing,
    });
    let Peeled::Next(mut i) = peeled else {
        return peeled;
    };
    while let Some((k, v)) = argv.get(i).and_then(|a| is_assignment(a)) {
        around.env.push((k, v));
        i += 1;
    }
    Peeled::Next(i)
}

/// util-linux 2.38 su and runuser (`c:fg:G:lmpPs:u:hVw:`, permuting: `su root -c CMD` and `su
/// -c CMD root` are the same): `[-] [USER [ARG…]]`, the ARGs handed to the shell after `-c CMD`
/// (`su root -- -c CMD` is the shell's own `-c`). runuser's `-u USER CMD…` runs CMD itself
/// (and refuses `-c`, `-s`, `-l`, `-f` beside it); su has no `-u`.
#[rustfmt::skip]
const SU: Getopt = Getopt {
    long_arg: &[
        "command", "session-command", "group", "supp-group", "shell", "whitelist-environment",
    ],
    long_flag: &["fast", "login", "preserve-environment", "pty", "help", "version"],
    pairs: &[
        ('c', "command"), ('f', "fast"), ('g', "group"), ('G', "supp-group"), ('l', "login"),
        ('m', "preserve-environment"), ('p', "preserve-environment"), ('P', "pty"),
        ('s', "shell"), ('w', "whitelist-environment"), ('h', "help"), ('V', "version"),
    ],
    ..GNU
};

/// [`SU`] with runuser's `-u USER`.
#[rustfmt::skip]
const RUNUSER: Getopt = Getopt {
    long_arg: &[
        "command", "session-command", "group", "supp-group", "shell", "whitelist-environment",
        "user",
    ],
    pairs: &[
        ('c', "command"), ('f', "fast"), ('g', "group"), ('G', "supp-group"), ('l', "login"),
        ('m', "preserve-environment"), ('p', "preserve-environment"), ('P', "pty"),
        ('s', "shell"), ('w', "whitelist-environment"), ('h', "help"), ('V', "version"),
        ('u', "user"),
    ],
    ..SU
};

pub(super) fn su(argv: &[String], base: &str, around: &mut Around) -> Peeled {
    let spec = if base == "runuser" { RUNUSER } else { SU };
    let parsed = match spec.parse(&argv[1..]) {
        Ok(p) => p,
        Err(e) => return Peeled::Unclear(e),
    };
    let (mut command, mut shell, mut user_opt, mut fast) = (None, None, false, false);
    let mut shell_opts = false;
    let mut operands = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(w) => operands.push(w),
            Arg::Opt(n, v) => match n.as_str() {
                "command" | "session-command" => {
                    command = v;
                    shell_opts = true;
                }
                "shell" => {
                    shell = v;
                    shell_opts = true;
                }
                "fast" => {
                    fast = true;
                    shell_opts = true;
                }
                "login" => shell_opts = true,
                "user" => user_opt = true,
                "help" | "version" => return Peeled::NoCommand,
                _ => {}
            },
        }
    }
    if user_opt {
        // runuser -u USER [[--] COMMAND [ARG…]]: the options of a shell are refused beside it.
        if shell_opts {
            return Peeled::NoCommand;
        }
        return Peeled::Run(operands);
    }
    // `-` first is `-l`; then the user, then what the shell is given.
    if operands.first().map(String::as_str) == Some("-") {
        operands.remove(0);
    }
    let args = operands.get(1..).unwrap_or(&[]);
    if command.is_none() && args.is_empty() {
        // An interactive shell.
        return Peeled::NoCommand;
    }
    around.login_shell = shell.is_none();
    let mut run = vec![shell.unwrap_or_else(|| "sh".into())];
    if fast {
        run.push("-f".into());
    }
    if let Some(c) = command {
        run.push("-c".into());
        run.push(c);
    }
    run.extend(args.iter().cloned());
    Peeled::Run(run)
}

/// polkit's pkexec: `pkexec [--user USER | -u USER] [--keep-cwd] [--disable-internal-agent]
/// PROGRAM [ARG…]`, read word by word (no getopt: no bundles, no `--user=X`, no `--`); the
/// first other word is the program. `--help` or `--version` anywhere before it: nothing runs;
/// no program: a shell.
pub(super) fn pkexec(argv: &[String]) -> Peeled {
    let mut i = 1;
    let mut info = false;
    while let Some(w) = argv.get(i) {
        match w.as_str() {
            "--help" | "--version" => info = true,
            "--user" | "-u" => i += 1,
            "--disable-internal-agent" | "--keep-cwd" => {}
            _ => break,
        }
        i += 1;
    }
    if info || i >= argv.len() {
        return Peeled::NoCommand;
    }
    Peeled::Next(i)
}

/// OpenBSD doas(1) (`+a:C:Lnsu:`): `-C config` checks the config and `-L` clears persisted
/// logins, "No command is executed"; `-s` alone runs a shell.
const DOAS: Getopt = Getopt {
    short_arg: "auC",
    short_flag: "nsL",
    ..POSIX
};

pub(super) fn doas(argv: &[String]) -> Peeled {
    options(argv, &DOAS, |n, _| stops(n, &["C", "L"]))
}
