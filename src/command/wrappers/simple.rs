//! The wrappers that run their command at a position of their argv: after their options
//! (`nice`, `ionice`, `nohup`, `stdbuf`, `time`, `command`, `exec`, `setsid`, `setpriv`,
//! `nocache`, `strace`, `ltrace`), after one operand of their own (`timeout DURATION`, `chrt
//! PRIORITY`, `taskset MASK`, `flock FILE`), or named by the first word (the multi-call
//! binaries `busybox`, `toybox` and `coreutils --coreutils-prog=NAME`). `flock FILE -c STRING`
//! and `watch STRING` run STRING through `sh -c`.

use super::super::options::POSIX;
use super::{options, stops, users, Around, Getopt, Means, Peeled};

/// Help and version print and exit.
const INFO: &[&str] = &["help", "version"];

pub(super) fn peel(argv: &[String], base: &str, around: &mut Around) -> Peeled {
    match base {
        "doas" => users::doas(argv),
        "busybox" | "toybox" => Peeled::Next(1),
        "coreutils" => coreutils(argv),
        "eatmydata" => eatmydata(argv),
        "timeout" => match options(argv, &TIMEOUT, |n, _| stops(n, INFO)) {
            // DURATION comes first, then the command.
            Peeled::Next(i) => Peeled::Next(i + 1),
            other => other,
        },
        "chrt" => chrt(argv),
        "taskset" => match options(argv, &TASKSET, |n, _| stops(n, &["pid", "help", "version"])) {
            // MASK (or a cpu list) first, then the command.
            Peeled::Next(i) => Peeled::Next(i + 1),
            other => other,
        },
        "flock" => flock(argv),
        "watch" => watch(argv),
        "setpriv" => options(argv, &SETPRIV, |n, _| match n {
            "reset-env" => {
                around.clear_env = true;
                Means::Nothing
            }
            _ => stops(n, &["dump", "help", "version"]),
        }),
        _ => match table(base) {
            Some((spec, means)) => options(argv, &spec, |n, _| means(n)),
            None => Peeled::Next(1),
        },
    }
}

/// The wrappers that are only a table and the options that stop them running a command.
type Wrapper = (Getopt<'static>, fn(&str) -> Means);

fn table(base: &str) -> Option<Wrapper> {
    Some(match base {
        "nice" => (
            Getopt {
                short_arg: "n",
                long_arg: &["adjustment"],
                long_flag: INFO,
                // `nice -10 CMD`, `nice --5 CMD`: the old spelling of `-n`.
                digits: Some("adjustment"),
                ..POSIX
            },
            |n| stops(n, INFO),
        ),
        "ionice" => (
            Getopt {
                long_arg: &["class", "classdata", "pid", "pgid", "uid"],
                long_flag: &["ignore", "help", "version"],
                pairs: &[
                    ('c', "class"),
                    ('n', "classdata"),
                    ('p', "pid"),
                    ('P', "pgid"),
                    ('u', "uid"),
                    ('t', "ignore"),
                    ('h', "help"),
                    ('V', "version"),
                ],
                ..POSIX
            },
            // `-p PID…`, `-P PGID…`, `-u UID…`: the operands are processes, not a command.
            |n| stops(n, &["pid", "pgid", "uid", "help", "version"]),
        ),
        "nohup" => (
            Getopt {
                long_flag: INFO,
                ..POSIX
            },
            |n| stops(n, INFO),
        ),
        "stdbuf" => (
            Getopt {
                short_arg: "ioe",
                long_arg: &["input", "output", "error"],
                long_flag: INFO,
                ..POSIX
            },
            |n| stops(n, INFO),
        ),
        // GNU time 1.9 (`+ahvVpqf:o:`).
        "time" => (
            Getopt {
                short_arg: "fo",
                short_flag: "apqvVh",
                long_arg: &["format", "output"],
                long_flag: &[
                    "append",
                    "portability",
                    "quiet",
                    "verbose",
                    "help",
                    "version",
                ],
                ..POSIX
            },
            |n| stops(n, &["h", "V", "help", "version"]),
        ),
        // The shells' builtins: `command [-pVv] CMD`, `exec [-cl] [-a NAME] CMD`.
        "command" => (
            Getopt {
                short_flag: "pvV",
                ..POSIX
            },
            |n| stops(n, &["v", "V"]),
        ),
        "exec" => (
            Getopt {
                short_arg: "a",
                short_flag: "cl",
                ..POSIX
            },
            |_| Means::Nothing,
        ),
        "setsid" => (
            Getopt {
                short_flag: "cfw",
                long_flag: &["ctty", "fork", "wait", "help", "version"],
                pairs: &[('h', "help"), ('V', "version")],
                ..POSIX
            },
            |n| stops(n, INFO),
        ),
        // nocache's script reads `getopts "n:D:f"` before `exec "$@"`.
        "nocache" => (
            Getopt {
                short_arg: "nD",
                short_flag: "f",
                ..POSIX
            },
            |_| Means::Nothing,
        ),
        "strace" => (STRACE, |n| stops(n, &["h", "V", "help", "version"])),
        "ltrace" => (LTRACE, |n| stops(n, &["h", "V", "help", "version"])),
        _ => return None,
    })
}

const TIMEOUT: Getopt = Getopt {
    short_arg: "ks",
    // `-f` and `-p`: coreutils 9.6's short spellings of the two long flags.
    short_flag: "vfp",
    long_arg: &["kill-after", "signal"],
    long_flag: &[
        "verbose",
        "foreground",
        "preserve-status",
        "help",
        "version",
    ],
    ..POSIX
};

/// util-linux 2.38 setpriv (`+dhV` and long options): `--dump` shows the state and runs
/// nothing; `--reset-env` clears the environment.
#[rustfmt::skip]
const SETPRIV: Getopt = Getopt {
    short_flag: "dhV",
    long_arg: &[
        "ambient-caps", "inh-caps", "bounding-set", "ruid", "euid", "rgid", "egid", "reuid",
        "regid", "groups", "securebits", "pdeathsig", "selinux-label", "apparmor-profile",
        "landlock-access", "landlock-rule", "seccomp-filter",
    ],
    long_flag: &[
        "nnp", "no-new-privs", "clear-groups", "keep-groups", "init-groups", "reset-env", "dump",
        "help", "version",
    ],
    pairs: &[('d', "dump"), ('h', "help"), ('V', "version")],
    ..POSIX
};

/// util-linux 2.38 chrt (`+abdD:fiphmoP:T:rRvV`): `chrt [OPTIONS] PRIORITY COMMAND…`; `-p`
/// works on a running process and `-m` only shows the limits. util-linux 2.41 lets the
/// priority out for the policies that have none (`chrt -o CMD`); older ones refuse a priority
/// that is no number, so a first operand that is no number is taken for the command.
#[rustfmt::skip]
const CHRT: Getopt = Getopt {
    short_flag: "abdfiphmorRvV",
    short_arg: "DPT",
    long_arg: &["sched-runtime", "sched-period", "sched-deadline"],
    long_flag: &[
        "all-tasks", "batch", "deadline", "fifo", "idle", "pid", "help", "max", "other", "rr",
        "reset-on-fork", "verbose", "version",
    ],
    pairs: &[
        ('a', "all-tasks"), ('b', "batch"), ('d', "deadline"), ('f', "fifo"), ('i', "idle"),
        ('p', "pid"), ('h', "help"), ('m', "max"), ('o', "other"), ('r', "rr"),
        ('R', "reset-on-fork"), ('T', "sched-runtime"), ('P', "sched-period"),
        ('D', "sched-deadline"), ('v', "verbose"), ('V', "version"),
    ],
    ..POSIX
};

fn chrt(argv: &[String]) -> Peeled {
    match options(argv, &CHRT, |n, _| {
        stops(n, &["pid", "max", "help", "version"])
    }) {
        Peeled::Next(i) => match argv.get(i) {
            Some(p) if p.parse::<i64>().is_ok() => Peeled::Next(i + 1),
            _ => Peeled::Next(i),
        },
        other => other,
    }
}

/// util-linux 2.38 taskset (`+apchV`): `taskset [OPTIONS] MASK COMMAND…`; `-p` works on a
/// running process.
const TASKSET: Getopt = Getopt {
    short_flag: "apchV",
    long_flag: &["all-tasks", "pid", "cpu-list", "help", "version"],
    pairs: &[
        ('a', "all-tasks"),
        ('p', "pid"),
        ('c', "cpu-list"),
        ('h', "help"),
        ('V', "version"),
    ],
    ..POSIX
};

/// util-linux 2.38 flock (`+sexnoFuw:E:hV`): `flock [OPTIONS] FILE COMMAND…`, `flock
/// [OPTIONS] FILE -c STRING` (`-c` or `--command` right after FILE, then exactly one word,
/// run by `$SHELL -c`), or `flock [OPTIONS] FD` (no command). What follows FILE is the
/// command as it stands: `flock F -- CMD` runs a program named `--`.
#[rustfmt::skip]
const FLOCK: Getopt = Getopt {
    short_flag: "sexnoFuhV",
    short_arg: "wE",
    long_arg: &["timeout", "wait", "conflict-exit-code"],
    long_flag: &[
        "shared", "exclusive", "unlock", "nonblocking", "nonblock", "close", "no-fork",
        "verbose", "help", "version",
    ],
    pairs: &[
        ('s', "shared"), ('x', "exclusive"), ('u', "unlock"), ('n', "nonblock"),
        ('w', "timeout"), ('E', "conflict-exit-code"), ('o', "close"), ('F', "no-fork"),
        ('h', "help"), ('V', "version"),
    ],
    ..POSIX
};

fn flock(argv: &[String]) -> Peeled {
    let i = match options(argv, &FLOCK, |n, _| stops(n, INFO)) {
        Peeled::Next(i) => i,
        other => return other,
    };
    match argv.get(i + 1).map(String::as_str) {
        None => Peeled::NoCommand,
        Some("-c" | "--command") => match argv.get(i + 2..) {
            Some([string]) => Peeled::Run(vec!["sh".into(), "-c".into(), string.clone()]),
            // "-c requires exactly one command argument": nothing runs.
            _ => Peeled::NoCommand,
        },
        Some(_) => Peeled::Next(i + 1),
    }
}

/// procps-ng 4 watch (`+bcCed::ghq:n:pvtwx`): `watch [OPTIONS] COMMAND…` runs the words joined
/// by spaces through `sh -c`, again and again; with `-x` (`--exec`) it runs them itself.
#[rustfmt::skip]
const WATCH: Getopt = Getopt {
    short_flag: "bcCeghpvtwx",
    short_opt: "d",
    short_arg: "qn",
    long_arg: &["equexit", "interval"],
    long_opt: &["differences"],
    long_flag: &[
        "beep", "color", "no-color", "errexit", "chgexit", "precise", "no-title", "no-wrap",
        "exec", "help", "version",
    ],
    pairs: &[
        ('b', "beep"), ('c', "color"), ('C', "no-color"), ('d', "differences"),
        ('e', "errexit"), ('g', "chgexit"), ('q', "equexit"), ('n', "interval"),
        ('p', "precise"), ('t', "no-title"), ('w', "no-wrap"), ('x', "exec"), ('h', "help"),
        ('v', "version"),
    ],
    ..POSIX
};

fn watch(argv: &[String]) -> Peeled {
    let mut exec = false;
    match options(argv, &WATCH, |n, _| {
        exec |= n == "exec";
        stops(n, INFO)
    }) {
        Peeled::Next(i) if i >= argv.len() => Peeled::NoCommand,
        Peeled::Next(i) if exec => Peeled::Next(i),
        Peeled::Next(i) => Peeled::Run(vec!["sh".into(), "-c".into(), argv[i..].join(" ")]),
        other => other,
    }
}

/// strace 6 (`+a:Ab:cCdDe:E:fFhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yYzZ`): the command is the first
/// operand (`-p PID` alone traces a running process and runs nothing). Which long options take
/// a value was asked of strace 6.1 itself.
#[rustfmt::skip]
const STRACE: Getopt = Getopt {
    short_arg: "abeEIoOpPsSuUX",
    short_flag: "AcCdDfFhiknqrtTvVwxyYzZ",
    long_arg: &[
        "columns", "detach-on", "env", "attach", "user", "interruptible", "trace", "signal",
        "status", "trace-path", "abbrev", "verbose", "raw", "read", "write", "kvm", "output",
        "string-limit", "const-print-style", "decode-pids", "summary-syscall-overhead",
        "summary-sort-by", "summary-columns", "inject", "fault",
    ],
    long_opt: &[
        "daemonize", "quiet", "decode-fds", "relative-timestamps", "absolute-timestamps",
        "syscall-times", "strings-in-hex", "tips", "timestamps", "secontext",
    ],
    long_flag: &[
        "successful-only", "failed-only", "instruction-pointer", "stack-traces",
        "syscall-number", "output-append-mode", "output-separately", "no-abbrev",
        "summary-only", "summary", "summary-wall-clock", "debug", "seccomp-bpf",
        "follow-forks", "help", "version",
    ],
    ..POSIX
};

/// ltrace 0.7 (`+cfhiLrStTVbCg` and `a:A:D:e:F:l:n:o:p:s:u:x:X:w:`).
#[rustfmt::skip]
const LTRACE: Getopt = Getopt {
    short_arg: "aADeFlnopsuxXw",
    short_flag: "cfhiLrStTVbCg",
    long_arg: &["align", "config", "debug", "indent", "library", "output", "where"],
    long_flag: &["demangle", "help", "version", "no-signals", "no-plt"],
    ..POSIX
};

/// libeatmydata's `eatmydata [--] COMMAND [ARG…]`.
fn eatmydata(argv: &[String]) -> Peeled {
    match argv.get(1).map(String::as_str) {
        Some("--") => Peeled::Next(2),
        _ => Peeled::Next(1),
    }
}

/// The multi-call coreutils: GNU's `coreutils --coreutils-prog=NAME ARG…` and
/// `--coreutils-prog-shebang=NAME SCRIPT ARG…`, uutils' `coreutils NAME ARG…`; otherwise it
/// prints its help, version or list.
fn coreutils(argv: &[String]) -> Peeled {
    let Some(first) = argv.get(1) else {
        return Peeled::NoCommand;
    };
    if let Some(name) = first.strip_prefix("--coreutils-prog=") {
        let mut run = vec![name.to_string()];
        run.extend(argv[2..].iter().cloned());
        return Peeled::Run(run);
    }
    if let Some(name) = first.strip_prefix("--coreutils-prog-shebang=") {
        let mut run = vec![name.to_string()];
        run.extend(argv.get(3..).unwrap_or(&[]).iter().cloned());
        return Peeled::Run(run);
    }
    if first.starts_with('-') {
        return Peeled::NoCommand;
    }
    Peeled::Next(1)
}
