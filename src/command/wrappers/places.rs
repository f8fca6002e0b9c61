//! The wrappers that run a command somewhere else than here and now: under another root
//! (`chroot`, `unshare --root`), in another process's namespaces (`nsenter`), or as a transient
//! systemd unit (`systemd-run`, which may run it in a container or on another host, and whose
//! services start in `/`). Where the command's paths are not the ones safeop can look at, the
//! operation says so ([`Imposed::Elsewhere`], flag `elsewhere`) and the rule
//! `runs-where-safeop-cannot-look` asks.

use super::super::options::POSIX;
use super::{options, Around, Getopt, Means, Peeled};

/// coreutils chroot (`+`, long options only), then NEWROOT, then the command.
#[rustfmt::skip]
const CHROOT: Getopt = Getopt {
    long_arg: &["userspec", "groups"],
    long_flag: &["skip-chdir", "help", "version"],
    ..POSIX
};

pub(super) fn chroot(argv: &[String], around: &mut Around) -> Peeled {
    match options(argv, &CHROOT, |n, _| match n {
        "help" | "version" => Means::NoCommand,
        _ => Means::Nothing,
    }) {
        Peeled::Next(i) => match argv.get(i) {
            Some(r) => {
                around.root = Some(r.clone());
                Peeled::Next(i + 1)
            }
            None => Peeled::NoCommand,
        },
        other => other,
    }
}

/// util-linux 2.38 unshare (`+fhVmuinpCTUrR:w:S:G:c`): the namespace letters take no value (the
/// long names an optional `=FILE`); `-R DIR` is a new root as chroot's, `-w DIR` the working
/// directory. No program: the user's shell.
#[rustfmt::skip]
const UNSHARE: Getopt = Getopt {
    short_flag: "fhVmuinpCTUrc",
    short_arg: "RwSG",
    long_arg: &[
        "propagation", "setgroups", "root", "wd", "setuid", "setgid", "monotonic", "boottime",
        "map-user", "map-group", "map-users", "map-groups",
    ],
    long_opt: &[
        "mount", "uts", "ipc", "net", "pid", "user", "cgroup", "time", "kill-child", "mount-proc",
    ],
    long_flag: &[
        "fork", "map-root-user", "map-current-user", "map-auto", "keep-caps", "help", "version",
    ],
    pairs: &[
        ('m', "mount"), ('u', "uts"), ('i', "ipc"), ('n', "net"), ('p', "pid"), ('U', "user"),
        ('C', "cgroup"), ('T', "time"), ('f', "fork"), ('r', "map-root-user"),
        ('c', "map-current-user"), ('R', "root"), ('w', "wd"), ('S', "setuid"), ('G', "setgid"),
        ('h', "help"), ('V', "version"),
    ],
    ..POSIX
};

pub(super) fn unshare(argv: &[String], around: &mut Around) -> Peeled {
    let peeled = options(argv, &UNSHARE, |n, v| {
        match n {
            "root" => around.root = v.map(str::to_string),
            "wd" => around.cwd = v.map(str::to_string),
            "help" | "version" => return Means::NoCommand,
            _ => {}
        }
        Means::Nothing
    });
    match peeled {
        // No program: `${SHELL}` interactively.
        Peeled::Next(i) if i >= argv.len() => Peeled::NoCommand,
        other => other,
    }
}

/// util-linux 2.38 nsenter (`+ahVt:m::u::i::n::p::C::U::T::S:G:r::w::W:FZ`): the namespace
/// letters take an optional attached FILE. Entering a mount namespace (`-m`, `-a`), another root
/// (`-r`) or the target's working directory (`-w` without a value, `-W`) makes the command's
/// paths another namespace's. No program: the user's shell.
#[rustfmt::skip]
const NSENTER: Getopt = Getopt {
    short_flag: "ahVFZ",
    short_opt: "muinpCUTrw",
    short_arg: "tSGW",
    long_arg: &["target", "setuid", "setgid", "wdns"],
    long_opt: &["mount", "uts", "ipc", "net", "pid", "cgroup", "user", "time", "root", "wd"],
    long_flag: &[
        "all", "preserve-credentials", "no-fork", "follow-context", "help", "version",
    ],
    pairs: &[
        ('a', "all"), ('t', "target"), ('m', "mount"), ('u', "uts"), ('i', "ipc"), ('n', "net"),
        ('p', "pid"), ('C', "cgroup"), ('U', "user"), ('T', "time"), ('S', "setuid"),
        ('G', "setgid"), ('r', "root"), ('w', "wd"), ('W', "wdns"), ('F', "no-fork"),
        ('Z', "follow-context"), ('h', "help"), ('V', "version"),
    ],
    ..POSIX
};

pub(super) fn nsenter(argv: &[String], around: &mut Around) -> Peeled {
    let mut target = None;
    let mut entered = None;
    let peeled = options(argv, &NSENTER, |n, v| {
        match (n, v) {
            ("target", v) => target = v.map(str::to_string),
            ("all", _) | ("mount", _) | ("root", _) | ("wdns", _) | ("wd", None) => {
                entered.get_or_insert_with(|| n.to_string());
            }
            ("wd", Some(dir)) => around.cwd = Some(dir.to_string()),
            ("help" | "version", _) => return Means::NoCommand,
            _ => {}
        }
        Means::Nothing
    });
    if let Some(how) = entered {
        let whose = match &target {
            Some(pid) => format!("process {pid}"),
            None => "the namespace files it names".to_string(),
        };
        around.elsewhere = Some(format!(
            "`nsenter --{how}` runs it in the mount namespace (or root) of {whose}: its paths \
             are that namespace's, not the ones safeop looks at"
        ));
    }
    match peeled {
        Peeled::Next(i) if i >= argv.len() => Peeled::NoCommand,
        other => other,
    }
}

/// systemd-run (252, and the options later versions added): `[OPTIONS…] COMMAND [ARGS…]`, the
/// command run as a transient service (or `--scope`) of this machine's manager, of a container
/// (`-M`) or of another host (`-H`). A service starts in `/` unless `--same-dir` or
/// `--working-directory` says otherwise (a scope stays where the caller is); `-p
/// RootDirectory=` is a new root; `-p Exec…=` runs command lines safeop does not read; systemd
/// 254 and later expand `$NAME` in a service's command line. `--shell` runs `$SHELL`
/// interactively.
#[rustfmt::skip]
const SYSTEMD_RUN: Getopt = Getopt {
    short_flag: "hrtPqGdSv",
    short_arg: "HMEpu",
    long_arg: &[
        "host", "machine", "unit", "property", "description", "slice", "service-type", "uid",
        "gid", "nice", "working-directory", "setenv", "path-property", "socket-property",
        "on-active", "on-boot", "on-startup", "on-unit-active", "on-unit-inactive",
        "on-calendar", "timer-property", "expand-environment", "json", "job-mode",
        "background",
    ],
    long_flag: &[
        "no-ask-password", "user", "system", "scope", "slice-inherit", "no-block",
        "remain-after-exit", "wait", "send-sighup", "same-dir", "pty", "pipe", "quiet",
        "collect", "shell", "on-timezone-change", "on-clock-change", "ignore-failure", "verbose",
        "help", "version",
    ],
    pairs: &[
        ('h', "help"), ('r', "remain-after-exit"), ('H', "host"), ('M', "machine"),
        ('E', "setenv"), ('p', "property"), ('t', "pty"), ('P', "pipe"), ('q', "quiet"),
        ('G', "collect"), ('d', "same-dir"), ('S', "shell"), ('u', "unit"), ('v', "verbose"),
    ],
    ..POSIX
};

/// Unit properties that lay other mounts over the unit's view of the filesystem.
const MOUNT_PROPERTIES: &[&str] = &[
    "RootImage",
    "MountImages",
    "ExtensionImages",
    "ExtensionDirectories",
    "BindPaths",
    "BindReadOnlyPaths",
    "TemporaryFileSystem",
];

pub(super) fn systemd_run(argv: &[String], around: &mut Around) -> Peeled {
    let (mut scope, mut here, mut expand) = (false, false, true);
    let mut runs = None;
    let peeled = options(argv, &SYSTEMD_RUN, |n, v| {
        let v = v.unwrap_or_default();
        match n {
            "scope" => scope = true,
            "same-dir" => here = true,
            "working-directory" => {
                around.cwd = Some(v.to_string());
                here = true;
            }
            "expand-environment" => expand = !matches!(v, "no" | "false" | "0" | "off"),
            "host" => around.elsewhere = Some(format!("`systemd-run -H` runs it on host `{v}`")),
            "machine" => {
                around.elsewhere = Some(format!("`systemd-run -M` runs it in container `{v}`"))
            }
            "setenv" => {
                if let Some((k, val)) = v.split_once('=') {
                    around.env.push((k.to_string(), val.to_string()));
                }
            }
            "property" => {
                let (name, value) = v.split_once('=').unwrap_or((v, ""));
                match name {
                    "RootDirectory" => around.root = Some(value.to_string()),
                    "WorkingDirectory" => {
                        let dir = value.trim_start_matches('-');
                        if !dir.is_empty() && dir != "~" {
                            around.cwd = Some(dir.to_string());
                        }
                        here = true;
                    }
                    _ if name.starts_with("Exec") => {
                        runs.get_or_insert_with(|| format!("`-p {v}`"));
                    }
                    _ if MOUNT_PROPERTIES.contains(&name) => {
                        around.elsewhere = Some(format!(
                            "`systemd-run -p {name}=` lays other mounts over what the unit sees"
                        ));
                    }
                    _ => {}
                }
            }
            "shell" | "help" | "version" => return Means::NoCommand,
            _ => {}
        }
        Means::Nothing
    });
    let Peeled::Next(i) = peeled else {
        return peeled;
    };
    if i >= argv.len() {
        return Peeled::NoCommand;
    }
    if let Some(what) = runs {
        return Peeled::Unclear(format!(
            "{what} runs a command line of the unit's own, which safeop does not read"
        ));
    }
    if !scope && expand {
        if let Some(w) = argv[i..].iter().find(|w| w.contains('$')) {
            return Peeled::Unclear(format!(
                "systemd (254 and later) expands `$NAME` in a service's command line: `{w}`"
            ));
        }
    }
    if !scope && !here {
        // A service starts in the root directory, not where the caller is.
        around.cwd = Some("/".into());
    }
    Peeled::Next(i)
}
