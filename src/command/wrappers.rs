//! Peels the programs that only run another program: `sudo`, `env`, `nice`, `ionice`, `nohup`,
//! `timeout`, `stdbuf`, `time`, `command`, `exec`, `setsid`, `chroot`, `doas`, and the shells'
//! `-c STRING`. Each is read with its own option syntax, so `sudo -u root env X=1 nice -n 5
//! /bin/rm -rf /` is judged as `rm -rf /`.
//!
//! Pure like the rest of `command/`: nothing here touches the machine.

use super::{parse_tool, Operation};

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

pub(super) fn peel(argv: &[String], depth: usize) -> Operation {
    let Some(program) = argv.first() else {
        return Operation::new("", Vec::new());
    };
    let base = super::tool_name(program);
    if !is_wrapper(&base) {
        return parse_tool(argv);
    }
    if depth >= MAX_DEPTH {
        let mut op = Operation::new(&base, argv.to_vec());
        op.opaque(format!("more than {MAX_DEPTH} nested wrappers"));
        return op;
    }
    let mut env = Vec::new();
    let mut cwd = None;
    let mut root = None;
    let peeled = match base.as_str() {
        "sudo" => sudo(argv, &mut env, &mut cwd, &mut root),
        "doas" => short_opts(argv, "uC", "nsL", 1),
        "env" => return env_cmd(argv, depth),
        "nice" => nice(argv),
        "ionice" => ionice(argv),
        "nohup" => long_only(argv),
        "timeout" => timeout(argv),
        "stdbuf" => stdbuf(argv),
        "time" => time(argv),
        "command" => command(argv),
        "exec" => short_opts(argv, "a", "cl", 1),
        "setsid" => setsid(argv),
        "chroot" => chroot(argv, &mut root),
        "busybox" => Peeled::Next(1),
        _ => return shell(argv, &base, depth),
    };
    let mut op = match peeled {
        Peeled::Next(i) if i < argv.len() => peel(&argv[i..], depth + 1),
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
    for (k, v) in env {
        op.env.entry(k).or_insert(v);
    }
    if op.cwd.is_none() {
        op.cwd = cwd;
    }
    if let Some(root) = root {
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

/// Generic getopt-style short options: `with_arg` letters take a value (bundled or next word),
/// `plain` letters do not. Unknown letters are unclear. `start` is where options begin.
fn short_opts(argv: &[String], with_arg: &str, plain: &str, start: usize) -> Peeled {
    let mut i = start;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            return Peeled::Next(i + 1);
        }
        if !a.starts_with('-') || a == "-" {
            return Peeled::Next(i);
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            if with_arg.contains(c) {
                if j + 1 == chars.len() {
                    i += 1; // value is the next word
                }
                break;
            } else if !plain.contains(c) {
                return Peeled::Unclear(format!("unknown option `-{c}`"));
            }
            j += 1;
        }
        i += 1;
    }
    Peeled::Next(i)
}

fn sudo(
    argv: &[String],
    env: &mut Vec<(String, String)>,
    cwd: &mut Option<String>,
    root: &mut Option<String>,
) -> Peeled {
    const WITH_ARG: &str = "CDghpRrtTUuc";
    const PLAIN: &str = "AbEHiInPSsBN";
    const NO_CMD: &str = "lvkKVe";
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let takes = [
                "close-from",
                "chdir",
                "group",
                "host",
                "prompt",
                "chroot",
                "role",
                "type",
                "command-timeout",
                "other-user",
                "user",
                "login-class",
            ];
            if takes.contains(&name) {
                let value = match value {
                    Some(v) => v,
                    None => {
                        i += 1;
                        argv.get(i).cloned().unwrap_or_default()
                    }
                };
                match name {
                    "chdir" => *cwd = Some(value),
                    "chroot" => *root = Some(value),
                    _ => {}
                }
            } else if [
                "list",
                "validate",
                "remove-timestamp",
                "reset-timestamp",
                "version",
                "edit",
                "help",
            ]
            .contains(&name)
            {
                return Peeled::NoCommand;
            } else if ![
                "askpass",
                "background",
                "preserve-env",
                "set-home",
                "login",
                "non-interactive",
                "preserve-groups",
                "stdin",
                "shell",
                "bell",
            ]
            .contains(&name)
            {
                return Peeled::Unclear(format!("unknown option `--{name}`"));
            }
            i += 1;
            continue;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            if WITH_ARG.contains(c) {
                let value: String = if j + 1 < chars.len() {
                    chars[j + 1..].iter().collect()
                } else {
                    i += 1;
                    argv.get(i).cloned().unwrap_or_default()
                };
                match c {
                    'D' => *cwd = Some(value),
                    'R' => *root = Some(value),
                    _ => {}
                }
                break;
            } else if NO_CMD.contains(c) || c == 'h' {
                return Peeled::NoCommand;
            } else if !PLAIN.contains(c) {
                return Peeled::Unclear(format!("unknown option `-{c}`"));
            }
            j += 1;
        }
        i += 1;
    }
    while let Some((k, v)) = argv.get(i).and_then(|a| is_assignment(a)) {
        env.push((k, v));
        i += 1;
    }
    Peeled::Next(i)
}

fn env_cmd(argv: &[String], depth: usize) -> Operation {
    let mut vars = Vec::new();
    let mut cwd = None;
    let mut i = 1;
    let unclear = |why: String| {
        let mut op = Operation::new("env", argv.to_vec());
        op.opaque(format!("`env` options not understood: {why}"));
        op.wrappers.push("env".into());
        op
    };
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if a == "-" {
            i += 1;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "ignore-environment" | "null" | "debug" => {}
                "block-signal" | "ignore-signal" | "default-signal" | "list-signal-handling" => {}
                "unset" | "chdir" | "split-string" => {
                    let v = match value {
                        Some(v) => v,
                        None => {
                            i += 1;
                            match argv.get(i) {
                                Some(v) => v.clone(),
                                None => return unclear(format!("`--{name}` needs a value")),
                            }
                        }
                    };
                    if name == "chdir" {
                        cwd = Some(v);
                    } else if name == "split-string" {
                        return env_split(argv, i, &v, vars, cwd, depth);
                    }
                }
                "help" | "version" => return Operation::new("env", argv.to_vec()),
                _ => return unclear(format!("unknown option `--{name}`")),
            }
            i += 1;
            continue;
        }
        if let Some(bundle) = a.strip_prefix('-') {
            let chars: Vec<char> = bundle.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                match chars[j] {
                    'i' | '0' | 'v' => {}
                    c @ ('u' | 'C' | 'S') => {
                        let v: String = if j + 1 < chars.len() {
                            chars[j + 1..].iter().collect()
                        } else {
                            i += 1;
                            match argv.get(i) {
                                Some(v) => v.clone(),
                                None => return unclear(format!("`-{c}` needs a value")),
                            }
                        };
                        if c == 'C' {
                            cwd = Some(v);
                        } else if c == 'S' {
                            return env_split(argv, i, &v, vars, cwd, depth);
                        }
                        break;
                    }
                    c => return unclear(format!("unknown option `-{c}`")),
                }
                j += 1;
            }
            i += 1;
            continue;
        }
        match is_assignment(a) {
            Some(kv) => {
                vars.push(kv);
                i += 1;
            }
            None => break,
        }
    }
    // Assignments may follow options.
    while let Some(kv) = argv.get(i).and_then(|a| is_assignment(a)) {
        vars.push(kv);
        i += 1;
    }
    let mut op = if i < argv.len() {
        peel(&argv[i..], depth + 1)
    } else {
        Operation::new("env", argv.to_vec())
    };
    finish_env(&mut op, vars, cwd);
    op
}

/// `env -S 'rm -rf /'`: the string is split into words (env's own rules are close to the shell's
/// quoting) and the remaining arguments follow it.
fn env_split(
    argv: &[String],
    i: usize,
    s: &str,
    vars: Vec<(String, String)>,
    cwd: Option<String>,
    depth: usize,
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
    words.extend(argv[i + 1..].iter().cloned());
    let mut rest = vec!["env".to_string()];
    rest.extend(words);
    let mut op = env_cmd(&rest, depth + 1);
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

fn nice(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            return Peeled::Next(i + 1);
        }
        if a == "-n" || a == "--adjustment" {
            i += 2;
            continue;
        }
        if a.starts_with("--adjustment=")
            || (a.starts_with("-n") && a.len() > 2)
            || (a.starts_with('-') && a[1..].parse::<i64>().is_ok())
            || (a.starts_with("--") && a[2..].parse::<i64>().is_ok())
        {
            i += 1;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            return Peeled::Unclear(format!("unknown option `{a}`"));
        }
        break;
    }
    Peeled::Next(i)
}

fn ionice(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            return Peeled::Next(i + 1);
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let (name, value) = super::split_long(a);
        match name {
            "-p" | "--pid" | "-P" | "--pgid" | "-u" | "--uid" => return Peeled::NoCommand,
            "-c" | "--class" | "-n" | "--classdata" => {
                if value.is_none() {
                    i += 1;
                }
            }
            "-t" | "--ignore" => {}
            _ if a.starts_with("-c") || a.starts_with("-n") => {}
            _ if a.starts_with("-t") => {}
            _ => return Peeled::Unclear(format!("unknown option `{a}`")),
        }
        i += 1;
    }
    Peeled::Next(i)
}

fn long_only(argv: &[String]) -> Peeled {
    match argv.get(1).map(String::as_str) {
        Some("--") => Peeled::Next(2),
        Some("--help") | Some("--version") => Peeled::NoCommand,
        _ => Peeled::Next(1),
    }
}

fn timeout(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let (name, value) = super::split_long(a);
        match name {
            "-s" | "--signal" | "-k" | "--kill-after" => {
                if value.is_none() {
                    i += 1;
                }
            }
            "--preserve-status" | "--foreground" | "-v" | "--verbose" | "-f" | "-p" => {}
            _ if a.starts_with("-s") || a.starts_with("-k") => {}
            _ => return Peeled::Unclear(format!("unknown option `{a}`")),
        }
        i += 1;
    }
    // DURATION comes next, then the command.
    Peeled::Next(i + 1)
}

fn stdbuf(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            return Peeled::Next(i + 1);
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let (name, value) = super::split_long(a);
        match name {
            "-i" | "-o" | "-e" | "--input" | "--output" | "--error" => {
                if value.is_none() {
                    i += 1;
                }
            }
            _ if a.len() > 2 && matches!(&a[..2], "-i" | "-o" | "-e") => {}
            _ => return Peeled::Unclear(format!("unknown option `{a}`")),
        }
        i += 1;
    }
    Peeled::Next(i)
}

fn time(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            return Peeled::Next(i + 1);
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let (name, value) = super::split_long(a);
        match name {
            "-f" | "--format" | "-o" | "--output" => {
                if value.is_none() {
                    i += 1;
                }
            }
            "-p" | "--portability" | "-a" | "--append" | "-v" | "--verbose" | "-q" | "--quiet" => {}
            _ => return Peeled::Unclear(format!("unknown option `{a}`")),
        }
        i += 1;
    }
    Peeled::Next(i)
}

fn command(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "--" => return Peeled::Next(i + 1),
            "-p" => {}
            "-v" | "-V" | "-pv" | "-pV" | "-vp" | "-Vp" => return Peeled::NoCommand,
            a if a.starts_with('-') && a != "-" => {
                return Peeled::Unclear(format!("unknown option `{a}`"))
            }
            _ => break,
        }
        i += 1;
    }
    Peeled::Next(i)
}

fn setsid(argv: &[String]) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "--" => return Peeled::Next(i + 1),
            "-c" | "--ctty" | "-f" | "--fork" | "-w" | "--wait" => {}
            a if a.starts_with('-') && a.len() > 1 => {
                if !a[1..].chars().all(|c| "cfw".contains(c)) {
                    return Peeled::Unclear(format!("unknown option `{a}`"));
                }
            }
            _ => break,
        }
        i += 1;
    }
    Peeled::Next(i)
}

fn chroot(argv: &[String], root: &mut Option<String>) -> Peeled {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let (name, value) = super::split_long(a);
        match name {
            "--userspec" | "--groups" => {
                if value.is_none() {
                    i += 1;
                }
            }
            "--skip-chdir" => {}
            _ => return Peeled::Unclear(format!("unknown option `{a}`")),
        }
        i += 1;
    }
    match argv.get(i) {
        Some(r) => {
            *root = Some(r.clone());
            Peeled::Next(i + 1)
        }
        None => Peeled::NoCommand,
    }
}

/// `sh -c STRING [NAME ARGS…]`, also `bash -lc`, `sh -e -c`. A STRING that is one simple command
/// (words and quotes only) is parsed as that command; anything with operators, substitutions,
/// variables or redirections is [`Kind::Opaque`] until a real shell parser judges it.
fn shell(argv: &[String], base: &str, depth: usize) -> Operation {
    let mut i = 1;
    let mut has_c = false;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" || a == "-" {
            i += 1;
            break;
        }
        if a.starts_with('-') || a.starts_with('+') {
            if a.starts_with("--") {
                // bash long options such as --login, --norc, --posix.
                i += 1;
                continue;
            }
            if a[1..].contains('c') {
                has_c = true;
            }
            if a[1..].ends_with('o') || a[1..].ends_with('O') {
                i += 1; // -o OPTION
            }
            i += 1;
            continue;
        }
        break;
    }
    let mut op = if !has_c {
        // `sh script.sh` or an interactive shell: what the script does is not in the argv.
        Operation::new(base, argv.to_vec())
    } else {
        match argv.get(i) {
            None => {
                let mut op = Operation::new(base, argv.to_vec());
                op.opaque("`-c` without a command string");
                op
            }
            Some(script) => match simple_command(script) {
                Ok(words) if words.is_empty() => Operation::new(base, argv.to_vec()),
                Ok(words) => peel(&words, depth + 1),
                Err(why) => {
                    let mut op = Operation::new(base, argv.to_vec());
                    op.opaque(format!("shell content not understood ({why}): {script}"));
                    op
                }
            },
        }
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
            "sudo -k rm",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Unknown, "{line}");
        }
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
