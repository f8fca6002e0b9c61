//! `env [OPTION]… [-] [NAME=VALUE]… [COMMAND [ARG]…]` (coreutils 9): the command in a changed
//! environment and working directory; `env -S STRING` splits STRING into more words and reads
//! env's options again from there.

use super::super::options::{Reader, POSIX};
use super::{is_assignment, peel, Arg, Getopt, Operation, Scope};

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

pub(super) fn env_cmd(argv: &[String], depth: usize, scope: &Scope) -> Operation {
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
                ("chdir", Some(dir)) => {
                    // Relative globs of a shell string then name another directory's files.
                    scope.no_expansion();
                    // A relative `ssh -F FILE` is relative to DIR.
                    scope.ssh_user = crate::command::SshUser::Unknown;
                    cwd = Some(dir)
                }
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
