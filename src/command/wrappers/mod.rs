//! Peels the programs that only run another program: `sudo`, `env`, `nice`, `ionice`, `nohup`,
//! `timeout`, `stdbuf`, `time`, `command`, `exec`, `setsid`, `chroot`, `doas`, and the shells'
//! `-c STRING`. Each is its option table (read by [`options`](super::options), the first
//! operand ending the options as their getopt's `+` says) plus what its options mean, so
//! `sudo -u root env X=1 nice -n 5 /bin/rm -rf /` is judged as `rm -rf /`.
//!
//! What the wrappers do to the environment is followed too ([`Scope`]): `env X=1` and `sudo
//! X=1` set X, `env -i` (and `env -`) start from nothing, `env -u X` drops X. sudo's and doas's
//! own resetting is not modelled (sudoers may keep a variable): what the caller passes in is
//! taken to pass through them.
//!
//! Pure like the rest of `command/`: nothing here touches the machine.

use super::options::{Getopt, Reader, Unknown, POSIX, SHELL};
use super::{parse_tool, Arg, Operation, Scope};

/// How deep wrappers (and `sh -c` strings inside them) may nest before safeop gives up and calls
/// the command not understood.
const MAX_DEPTH: usize = 16;

/// The programs peeled as wrappers (also the tool name of one safeop could not see through).
pub const WRAPPERS: &[&str] = &[
    "sudo", "doas", "env", "nice", "ionice", "nohup", "timeout", "stdbuf", "time", "command",
    "exec", "setsid", "chroot", "sh", "bash", "dash", "zsh", "ksh", "busybox",
];

pub fn is_wrapper(base: &str) -> bool {
    WRAPPERS.contains(&base)
}

/// What a wrapper's options left us with.
enum Peeled {
    /// Run `argv[i..]` next.
    Next(usize),
    /// The wrapper will not run a command (`sudo -l`, `command -v`, `ionice -p`, a script file):
    /// nothing for safeop to judge.
    NoCommand,
    /// The options could not be understood.
    Unclear(String),
}

/// What one option of a wrapper means for the command after it.
enum Means {
    /// Nothing that matters here; read on.
    Nothing,
    /// The wrapper runs no command (it lists, prints its help, edits …).
    NoCommand,
}

/// The wrapper's own settings gathered from its options.
#[derive(Default)]
struct Around {
    env: Vec<(String, String)>,
    cwd: Option<String>,
    root: Option<String>,
}

pub(super) fn peel(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let Some(program) = argv.first() else {
        return Operation::new("", Vec::new());
    };
    let base = super::tool_name(program);
    if !is_wrapper(&base) {
        return parse_tool(argv, scope);
    }
    if depth >= MAX_DEPTH {
        let mut op = Operation::new(&base, argv.to_vec());
        op.opaque(format!("more than {MAX_DEPTH} nested wrappers"));
        return op;
    }
    let mut around = Around::default();
    let peeled = match base.as_str() {
        "sudo" => sudo(argv, &mut around),
        "env" => return env_cmd(argv, depth, scope),
        "chroot" => chroot(argv, &mut around),
        "busybox" => Peeled::Next(1),
        "sh" | "bash" | "dash" | "zsh" | "ksh" => return shell(argv, &base, depth, scope),
        _ => match table(&base) {
            Some((spec, means)) => match options(argv, &spec, |n, _| means(n)) {
                // timeout: DURATION comes first, then the command.
                Peeled::Next(i) if base == "timeout" => Peeled::Next(i + 1),
                other => other,
            },
            None => Peeled::Next(1),
        },
    };
    let mut inner = scope.clone();
    for (k, v) in &around.env {
        inner.set(k, v);
    }
    let mut op = match peeled {
        Peeled::Next(i) if i < argv.len() => peel(&argv[i..], depth + 1, &inner),
        Peeled::Next(_) if base == "chroot" => {
            // `chroot DIR` alone runs an interactive shell: nothing destructive to judge.
            Operation::new("sh", vec!["sh".into(), "-i".into()])
        }
        Peeled::Next(_) | Peeled::NoCommand => Operation::new(&base, argv.to_vec()),
        Peeled::Unclear(why) => {
            let mut op = Operation::new(&base, argv.to_vec());
            op.opaque(format!("`{base}` options not understood: {why}"));
            op
        }
    };
    op.wrappers.insert(0, base);
    for (k, v) in around.env {
        op.env.entry(k).or_insert(v);
    }
    if op.cwd.is_none() {
        op.cwd = around.cwd;
    }
    if let Some(root) = around.root {
        reroot(&mut op, &root);
    }
    op
}

/// Re-roots the paths of an operation that runs inside `chroot NEWROOT`: `/dev/sda` there is
/// `NEWROOT/dev/sda` here; relative paths are relative to the new root's `/`.
pub(super) fn reroot(op: &mut Operation, root: &str) {
    let join = |p: &String| {
        let rel = p.trim_start_matches('/');
        let base = root.trim_end_matches('/');
        if rel.is_empty() {
            format!("{base}/")
        } else {
            format!("{base}/{rel}")
        }
    };
    op.targets = op.targets.iter().map(join).collect();
    op.sources = op.sources.iter().map(join).collect();
    op.root = Some(match &op.root {
        Some(inner) => format!(
            "{}/{}",
            root.trim_end_matches('/'),
            inner.trim_start_matches('/')
        ),
        None => root.to_string(),
    });
}

fn is_assignment(arg: &str) -> Option<(String, String)> {
    let (name, value) = arg.split_once('=')?;
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    ok.then(|| (name.to_string(), value.to_string()))
}

/// Reads a wrapper's options (`argv[1..]`) by `spec`, telling `meaning` each one; the command
/// starts at the first operand.
fn options(
    argv: &[String],
    spec: &Getopt,
    mut meaning: impl FnMut(&str, Option<&str>) -> Means,
) -> Peeled {
    let args = &argv[1..];
    let mut reader = Reader::new(std::slice::from_ref(spec), args);
    while let Some(a) = reader.next() {
        match a {
            Err(e) => return Peeled::Unclear(e),
            Ok(Arg::Opt(n, v)) => {
                if let Means::NoCommand = meaning(&n, v.as_deref()) {
                    return Peeled::NoCommand;
                }
            }
            Ok(Arg::Operand(_)) => return Peeled::Next(argv.len() - reader.rest().len() - 1),
        }
    }
    Peeled::Next(argv.len())
}

/// The wrappers that are only a table and the options that stop them running a command.
/// A wrapper's table, and what each option it reads means.
type Wrapper = (Getopt<'static>, fn(&str) -> Means);

fn table(base: &str) -> Option<Wrapper> {
    // Help and version print and exit; the rest is each tool's own.
    const INFO: &[&str] = &["help", "version"];
    Some(match base {
        // OpenBSD doas(1): `-C config` checks the config and `-L` clears persisted logins,
        // "No command is executed".
        "doas" => (
            Getopt {
                short_arg: "auC",
                short_flag: "nsL",
                ..POSIX
            },
            |n| stops(n, &["C", "L"]),
        ),
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
        "timeout" => (
            Getopt {
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
        // GNU time 1.9.
        "time" => (
            Getopt {
                short_arg: "fo",
                short_flag: "apqvV",
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
            |n| stops(n, &["V", "help", "version"]),
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
        _ => return None,
    })
}

/// [`Means::NoCommand`] for the options in `list`.
fn stops(name: &str, list: &[&str]) -> Means {
    if list.contains(&name) {
        Means::NoCommand
    } else {
        Means::Nothing
    }
}

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

fn sudo(argv: &[String], around: &mut Around) -> Peeled {
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

/// coreutils 9 env (`+C:iS:u:v0`).
#[rustfmt::skip]
const ENV: Getopt = Getopt {
    short_flag: "v0",
    long_arg: &["unset", "chdir", "split-string"],
    long_opt: &["block-signal", "default-signal", "ignore-signal"],
    long_flag: &[
        "ignore-environment", "null", "debug", "list-signal-handling", "help", "version",
    ],
    pairs: &[
        ('u', "unset"), ('C', "chdir"), ('S', "split-string"), ('i', "ignore-environment"),
    ],
    ..POSIX
};

fn env_cmd(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let mut vars = Vec::new();
    let mut cwd = None;
    let mut scope = scope.clone();
    let unclear = |why: String| {
        let mut op = Operation::new("env", argv.to_vec());
        op.opaque(format!("`env` options not understood: {why}"));
        op.wrappers.push("env".into());
        op
    };
    let args = &argv[1..];
    let mut reader = Reader::new(std::slice::from_ref(&ENV), args);
    let mut first = argv.len();
    while let Some(a) = reader.next() {
        match a {
            Err(e) => return unclear(e),
            Ok(Arg::Operand(_)) => {
                first = argv.len() - reader.rest().len() - 1;
                break;
            }
            Ok(Arg::Opt(n, v)) => match (n.as_str(), v) {
                ("ignore-environment", _) => scope.clear(),
                ("unset", Some(name)) => scope.unset(&name),
                ("chdir", Some(dir)) => cwd = Some(dir),
                ("split-string", Some(s)) => {
                    return env_split(argv, &s, reader.rest(), (vars, cwd), depth, &scope)
                }
                ("help" | "version", _) => return Operation::new("env", argv.to_vec()),
                _ => {}
            },
        }
    }
    let mut i = first;
    // `env - CMD`: `-` right after the options is `-i`.
    if argv.get(i).map(String::as_str) == Some("-") {
        scope.clear();
        i += 1;
    }
    while let Some((k, v)) = argv.get(i).and_then(|a| is_assignment(a)) {
        scope.set(&k, &v);
        vars.push((k, v));
        i += 1;
    }
    let mut op = if i < argv.len() {
        peel(&argv[i..], depth + 1, &scope)
    } else {
        Operation::new("env", argv.to_vec())
    };
    finish_env(&mut op, vars, cwd);
    op
}

/// `env -S 'rm -rf /'`: the string is split into words (env's own rules are close to the shell's
/// quoting), the remaining arguments follow it, and env reads its options again from there.
fn env_split(
    argv: &[String],
    s: &str,
    rest: &[String],
    (vars, cwd): (Vec<(String, String)>, Option<String>),
    depth: usize,
    scope: &Scope,
) -> Operation {
    let mut words = match shell_words::split(s) {
        Ok(w) => w,
        Err(e) => {
            let mut op = Operation::new("env", argv.to_vec());
            op.opaque(format!("`env -S` string not understood: {e}"));
            op.wrappers.push("env".into());
            return op;
        }
    };
    words.extend(rest.iter().cloned());
    let mut again = vec!["env".to_string()];
    again.extend(words);
    let mut op = env_cmd(&again, depth + 1, scope);
    op.wrappers.remove(0);
    finish_env(&mut op, vars, cwd);
    op
}

fn finish_env(op: &mut Operation, vars: Vec<(String, String)>, cwd: Option<String>) {
    op.wrappers.insert(0, "env".into());
    for (k, v) in vars {
        op.env.entry(k).or_insert(v);
    }
    if let Some(c) = cwd {
        op.cwd = Some(match op.cwd.take() {
            Some(inner) if !inner.starts_with('/') => format!("{c}/{inner}"),
            Some(inner) => inner,
            None => c,
        });
    }
}

/// coreutils chroot (`+`, long options only), then NEWROOT, then the command.
#[rustfmt::skip]
const CHROOT: Getopt = Getopt {
    long_arg: &["userspec", "groups"],
    long_flag: &["skip-chdir", "help", "version"],
    ..POSIX
};

fn chroot(argv: &[String], around: &mut Around) -> Peeled {
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

/// A shell's invocation options: every letter a flag (a letter the shell lacks it refuses, and
/// then runs nothing), `-o NAME` / `-O NAME` and their `+` forms taking the next word even
/// inside a bundle (`bash -co posix CMD`; zsh takes an attached one: `zsh -onoglob`), bash's
/// `--rcfile FILE` / `--init-file FILE`, zsh's `--emulate NAME`; other long options are passed
/// over.
fn shell_spec(base: &str) -> Getopt<'static> {
    const LETTERS: &str = "abcdefghijklmnpqrstuvwxyzABCDEFGHIJKLMNPQRSTUVWXYZ0123456789";
    let spec = Getopt {
        short_arg: "oO",
        short_flag: LETTERS,
        long_arg: &["rcfile", "init-file", "emulate"],
        unknown: Unknown::Skip,
        ..SHELL
    };
    match base {
        "zsh" => Getopt {
            values_next_word: false,
            ..spec
        },
        _ => spec,
    }
}

/// `sh -c STRING [NAME ARGS…]`, also `bash -lc`, `sh -e -c`, `bash --rcfile F -c`. A STRING that
/// is one simple command (words and quotes only) is parsed as that command; anything with
/// operators, substitutions, variables or redirections is [`Kind::Opaque`](super::Kind::Opaque)
/// until a real shell parser judges it.
fn shell(argv: &[String], base: &str, depth: usize, scope: &Scope) -> Operation {
    let spec = shell_spec(base);
    let reader = Reader::new(std::slice::from_ref(&spec), &argv[1..]);
    let mut has_c = false;
    let mut script = None;
    let mut unclear = None;
    for a in reader {
        match a {
            Ok(Arg::Opt(n, _)) => has_c |= n == "c",
            Ok(Arg::Operand(s)) => {
                script = Some(s);
                break;
            }
            Err(e) => {
                unclear = Some(e);
                break;
            }
        }
    }
    let mut op = match (unclear, has_c, script) {
        (Some(e), _, _) => {
            let mut op = Operation::new(base, argv.to_vec());
            op.opaque(format!("`{base}` options not understood: {e}"));
            op
        }
        // `sh script.sh` or an interactive shell: what the script does is not in the argv.
        (None, false, _) => Operation::new(base, argv.to_vec()),
        (None, true, None) => {
            let mut op = Operation::new(base, argv.to_vec());
            op.opaque("`-c` without a command string");
            op
        }
        (None, true, Some(script)) => match simple_command(&script) {
            Ok(words) if words.is_empty() => Operation::new(base, argv.to_vec()),
            Ok(words) => {
                // `sh -c 'BORG_RSH=x borg …'`: the assignments are the command's environment.
                let mut inner = scope.clone();
                for (k, v) in shell_words::split(&script)
                    .unwrap_or_default()
                    .iter()
                    .map_while(|w| is_assignment(w))
                {
                    inner.set(&k, &v);
                }
                peel(&words, depth + 1, &inner)
            }
            Err(why) => {
                let mut op = Operation::new(base, argv.to_vec());
                op.opaque(format!("shell content not understood ({why}): {script}"));
                op
            }
        },
    };
    op.wrappers.insert(0, base.to_string());
    op
}

/// Splits a shell string that is one simple command. Errors name the construct that makes it
/// more than that.
pub(crate) fn simple_command(script: &str) -> Result<Vec<String>, String> {
    let mut in_single = false;
    let mut in_double = false;
    let mut escaped = false;
    let chars: Vec<char> = script.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        if in_single {
            if c == '\'' {
                in_single = false;
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '\'' if !in_double => in_single = true,
            '"' => in_double = !in_double,
            '$' => return Err("a `$` expansion".into()),
            '`' => return Err("a backtick substitution".into()),
            '\n' if !in_double => return Err("a newline".into()),
            ';' | '&' | '|' | '<' | '>' | '(' | ')' if !in_double => {
                // Name the operator as written: `&&`, `||`, `>>`, `;;`.
                let op = match chars.get(i + 1) {
                    Some(&n) if n == c && matches!(c, '&' | '|' | '>' | '<' | ';') => {
                        format!("{c}{c}")
                    }
                    _ => c.to_string(),
                };
                return Err(format!("the operator `{op}`"));
            }
            _ => {}
        }
    }
    let words = shell_words::split(script).map_err(|e| e.to_string())?;
    // A leading assignment list (`X=1 rm …`) is an environment for the command.
    let start = words
        .iter()
        .take_while(|w| is_assignment(w).is_some())
        .count();
    Ok(words[start..].to_vec())
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn shell_operators_are_named_as_written() {
        let why = |s: &str| super::simple_command(s).unwrap_err();
        assert_eq!(why("rm -rf /tmp/x && echo hi"), "the operator `&&`");
        assert_eq!(why("rm -rf /tmp/x || true"), "the operator `||`");
        assert_eq!(why("rm x & rm y"), "the operator `&`");
        assert_eq!(why("dd of=x >> log"), "the operator `>>`");
        assert_eq!(why("rm x; rm y"), "the operator `;`");
        assert_eq!(why("rm x\nrm y"), "a newline");
        assert_eq!(why("rm $(cat list)"), "a `$` expansion");
        assert_eq!(
            super::simple_command("rm 'a && b'").unwrap(),
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
            "sh -c 'rm -rf /srv; ls'",
            "bash -c 'dd if=/dev/zero of=$DISK'",
            "sh -c 'rm -rf $(cat list)'",
            "sh -c 'rm -rf `x`'",
            "sh -c 'cat a | dd of=/dev/sda'",
            "sh -c 'rm -rf /a && rm -rf /b'",
            "sh -c",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(op.note.is_some(), "{line}");
        }
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
}
