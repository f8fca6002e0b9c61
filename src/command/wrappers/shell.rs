//! The shells as wrappers: `sh -c STRING [NAME ARGS…]` and its spellings in every shell safeop
//! knows (`bash -lc`, `sh -e -c`, `dash -ec`, `bash --rcfile F -c`, `bash -O extglob -c`, `zsh
//! -onoglob -c`, `mksh -T - -c`, `csh -fc`, `fish -c … -c …`, `busybox sh -c`). A STRING that
//! is read by the shell front end (`crate::shell`, a real shell parser): every command in it
//! (lists, pipelines, subshells, substitutions, `eval` of static words, `!`, `builtin`, `exec`
//! …) is parsed as its own argv, and each redirection that writes (`> /dev/vda`) is an overwrite
//! of its target. Globs, braces and `~` are expanded as that shell will, against this machine,
//! when the door handed in an expander ([`expansion`](super::expansion)): `sh -c 'rm -rf /usr/*'`
//! is judged as `rm -rf /usr/bin /usr/lib …`. Where they are not (no expander, a shell or a
//! setting safeop does not model), a guarded command with such a word is judged as written and
//! asks (`unseen_arguments`). A dynamic word (`$X`, `$(…)`) in a guarded command is
//! [`Kind::Opaque`](super::Kind::Opaque) (asks); in an unguarded one (`kill -TERM $$`) it does not
//! matter. More than one guarded command is opaque too. A shell that runs a script file, or
//! none (interactive), has nothing in its argv to judge, unless it reads its commands from a
//! standard input that is no terminal (`bash < script`, `bash -s`): code safeop cannot see.

use super::super::options::{Getopt, Reader, Unknown, POSIX, SHELL};
use super::expansion::{Outcome, Plan};
use super::{is_assignment, one_of, peel, Arg, Kind, Operation, Scope};
use crate::shell::{Context, Found, RedirOp, Word};

/// The POSIX-style shells (and csh, whose `-c` reads the same way): `-c` makes the first
/// operand the command string.
const SHELLS: &[&str] = &[
    "sh", "bash", "rbash", "dash", "ash", "hush", "ksh", "ksh93", "mksh", "lksh", "pdksh", "oksh",
    "posh", "yash", "zsh", "csh", "tcsh",
];

pub(super) fn is_shell(base: &str) -> bool {
    base == "fish" || SHELLS.contains(&base)
}

/// A shell's invocation options: every letter a flag (a letter the shell lacks it refuses, and
/// then runs nothing), `-o NAME` / `-O NAME` and their `+` forms taking the next word even
/// inside a bundle (`bash -co posix CMD`; zsh takes an attached one: `zsh -onoglob`), mksh's
/// `-T TTY`, bash's `--rcfile FILE` / `--init-file FILE`, zsh's `--emulate NAME`; other long
/// options are passed over (`--norc`, `--login`, `--noprofile`, `--posix`).
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
        // mksh(1): `-T name` spawns the shell on a tty.
        "mksh" | "lksh" => Getopt {
            short_arg: "oOT",
            ..spec
        },
        _ => spec,
    }
}

pub(super) fn shell(argv: &[String], base: &str, depth: usize, scope: &Scope) -> Operation {
    if base == "fish" {
        return fish(argv, depth, scope);
    }
    let spec = shell_spec(base);
    let reader = Reader::new(std::slice::from_ref(&spec), &argv[1..]);
    let (mut has_c, mut has_s) = (false, false);
    let mut script = None;
    let mut unclear = None;
    for a in reader {
        match a {
            Ok(Arg::Opt(n, _)) => {
                has_c |= n == "c";
                has_s |= n == "s";
            }
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
        // `bash < script`, `bash -s`: the commands come from standard input, which is no
        // terminal here (the door says so): code safeop does not see.
        (None, false, s) if scope.stdin_script && (s.is_none() || has_s) => {
            let mut op = Operation::new(base, argv.to_vec());
            op.opaque(format!(
                "`{base}` reads its commands from standard input, which safeop does not see"
            ));
            op
        }
        // `sh script.sh` or an interactive shell: what the script does is not in the argv.
        (None, false, _) => Operation::new(base, argv.to_vec()),
        (None, true, None) => {
            let mut op = Operation::new(base, argv.to_vec());
            op.opaque("`-c` without a command string");
            op
        }
        (None, true, Some(script)) => string(base, argv, &script, depth, scope),
    };
    op.wrappers.insert(0, base.to_string());
    op
}

/// What a shell makes of one command string: each command the shell front end finds in it,
/// judged as its own argv (see the module's documentation).
pub(super) fn string(
    base: &str,
    argv: &[String],
    script: &str,
    depth: usize,
    scope: &Scope,
) -> Operation {
    let opaque = |why: String| {
        let mut op = Operation::new(base, argv.to_vec());
        op.opaque(why);
        op
    };
    let parsed = crate::shell::commands(script);
    if let Some(e) = parsed.errors.first() {
        return opaque(format!(
            "shell content not understood ({}:{}: {}): {script}",
            e.line, e.col, e.message
        ));
    }
    let plan = super::expansion::plan(base, argv, script, &parsed, scope);
    let moves = crate::shell::moves(&parsed.commands);
    let mut ops = Vec::new();
    for (i, f) in parsed.commands.iter().enumerate() {
        // `ssh HOST <<EOF … EOF`: the body runs on HOST.
        let host = f.context.iter().find_map(|c| match c {
            Context::Heredoc(r) | Context::Piped(r) => r.host.clone(),
            _ => None,
        });
        let here = host.is_none().then_some(plan.as_ref()).flatten();
        let scope = &match &host {
            Some(_) => super::ssh::remote_scope(scope, false),
            None => scope.clone(),
        };
        let mut op = command(base, argv, script, f, depth, scope, here.map(|p| (p, i)));
        if let Some(h) = &host {
            for op in op.iter_mut() {
                super::ssh::on_host(op, h);
            }
        }
        // After a `cd` relative paths lead wherever the shell is then.
        if let Some(cd) = crate::shell::moved_by(&parsed.commands, &moves, i) {
            for op in op.iter_mut() {
                op.after_move(cd, script);
            }
        }
        ops.extend(op);
    }
    one_of(base, argv, ops)
}

/// What one command of a shell string does: an operation for each redirection that writes, and
/// one for the command itself, its words expanded by `plan` (the string's [`Plan`] and the
/// command's index in it) when there is one.
fn command(
    base: &str,
    argv: &[String],
    script: &str,
    f: &Found,
    depth: usize,
    scope: &Scope,
    plan: Option<(&Plan, usize)>,
) -> Vec<Operation> {
    let opaque = |why: String| {
        let mut op = Operation::new(base, argv.to_vec());
        op.opaque(why);
        op
    };
    let mut ops = Vec::new();
    if let Some(why) = &f.unseen {
        ops.push(opaque(format!(
            "`{base} -c` runs code safeop cannot read ({why}): {script}"
        )));
        return ops;
    }
    for r in f.writes() {
        match redirect_target(f, &r.target, plan) {
            Ok(t) if harmless_sink(&t) => {}
            Ok(t) => {
                let mut op = Operation::new(base, argv.to_vec());
                op.kind = Kind::Overwrite;
                op.targets.push(t.clone());
                op.note = Some(format!("a redirection in `{base} -c` writes `{t}`"));
                ops.push(op);
            }
            Err(why) => ops.push(opaque(format!(
                "a redirection in `{base} -c` writes `{}`, {why}",
                r.target.text
            ))),
        }
    }
    if f.words.is_empty() {
        return ops;
    }
    if f.program().is_none() {
        ops.push(opaque(format!(
            "the command `{}` is known only when the shell runs it",
            f.words[0].text
        )));
        return ops;
    }
    let expanded = plan.map(|(p, i)| p.expand(i, f));
    let resolved = matches!(expanded, Some(Outcome::Words(..)));
    let (words, shown, unsure) = match expanded {
        Some(Outcome::NotRun) => return ops,
        Some(Outcome::Words(w, shown)) => (w, shown, None),
        Some(Outcome::Unknown(why)) => (texts(f), Vec::new(), Some(why)),
        None => (texts(f), Vec::new(), None),
    };
    // `sh -c 'BORG_RSH=x borg …'`: the assignments are the command's environment.
    let mut inner = scope.clone();
    // What the command reads as its standard input: a file (`< f`) is a script safeop does
    // not see, a here-document or here-string is text the front end already read as commands
    // when a shell (or ssh) reads it.
    for r in &f.redirects {
        match r.op {
            RedirOp::Read if r.fd.is_none_or(|d| d == 0) => inner.stdin_script = true,
            RedirOp::Heredoc | RedirOp::HereString => inner.stdin_script = false,
            _ => {}
        }
    }
    for (k, w) in &f.assignments {
        if let Some(v) = w.literal() {
            inner.set(k, v);
        }
    }
    let mut op = peel(&words, depth + 1, &inner);
    // `{}` is find's placeholder (find puts the path in before the shell reads the string).
    let open_words = || {
        f.words
            .iter()
            .filter(|w| w.literal().is_none() && w.text != "{}")
    };
    let open: Vec<&str> = open_words()
        .filter(|w| w.dynamic.is_some())
        .map(|w| w.text.as_str())
        .collect();
    let patterns: Vec<&str> = open_words()
        .filter(|w| w.dynamic.is_none() && !resolved)
        .map(|w| w.text.as_str())
        .collect();
    // A wrapper's command whose name the shell still expands (`sudo $CMD`).
    let hidden_program = op
        .argv
        .first()
        .is_some_and(|p| open.contains(&p.as_str()) || patterns.contains(&p.as_str()));
    if op.is_guarded() && !hidden_program && open.is_empty() && !patterns.is_empty() {
        // Globs, braces and `~` not expanded here: judged as written (`rm -rf /*` is caught as
        // `/*`), and what they expand to is not seen, so it asks at least.
        op.unseen_arguments(unsure.unwrap_or_else(|| {
            format!(
                "the shell expands {} when it runs",
                patterns
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }));
        ops.push(op);
        return ops;
    }
    if hidden_program || (op.is_guarded() && !open.is_empty()) {
        ops.push(opaque(format!(
            "`{}` gets {} from the shell, known only when it runs: {script}",
            op.tool,
            open.iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
        return ops;
    }
    if op.is_guarded() {
        for (w, to) in &shown {
            op.note_also(expanded_note(base, w, to));
        }
    }
    ops.push(op);
    ops
}

/// The words of a command as written (quotes removed).
fn texts(f: &Found) -> Vec<String> {
    f.words.iter().map(|w| w.text.clone()).collect()
}

/// "`sh` expands `/usr/*` to `/usr/bin`, `/usr/lib` … (12 words)".
fn expanded_note(base: &str, w: &str, to: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut list: Vec<String> = to.iter().take(SHOWN).map(|t| format!("`{t}`")).collect();
    if to.len() > SHOWN {
        list.push(format!("… ({} words)", to.len()));
    }
    if to.is_empty() {
        return format!("`{base}` expands `{w}` to nothing");
    }
    format!("`{base}` expands `{w}` to {}", list.join(", "))
}

/// The file a redirection writes: its word as written, or expanded when the shell would
/// (bash writes to the one file a glob names; two are an "ambiguous redirect").
fn redirect_target(f: &Found, t: &Word, plan: Option<(&Plan, usize)>) -> Result<String, String> {
    if let Some(l) = t.literal() {
        return Ok(l.to_string());
    }
    let Some((p, i)) = plan.filter(|_| t.dynamic.is_none()) else {
        return Err("known only when it runs".into());
    };
    // POSIX shells do not glob a redirection's word (bash does, but not as `sh`): only its
    // `~` is expanded here.
    if t.pattern
        .as_deref()
        .is_none_or(crate::shell::expand::has_globs)
    {
        return Err("known only when it runs".into());
    }
    let one = Found {
        words: vec![t.clone()],
        ..f.clone()
    };
    match p.expand(i, &one) {
        Outcome::Words(w, _) if w.len() == 1 => Ok(w[0].clone()),
        Outcome::Words(..) | Outcome::NotRun => Err("more than one file or none".into()),
        Outcome::Unknown(why) => Err(why),
    }
}

/// Redirection targets that keep nothing (`> /dev/null`, `>/dev/stderr`): no write to judge.
fn harmless_sink(t: &str) -> bool {
    matches!(
        t,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty" | "/dev/zero"
    ) || t.starts_with("/dev/fd/")
}

/// fish 3 (`+hPilNnvc:C:p:d:f:D:o:`): `-c CMD` takes its value like any option and may be given
/// more than once (each runs, in order), `-C CMD` runs before them; the operands after the
/// options are `$argv`. No `-c`: a script file or an interactive shell.
#[rustfmt::skip]
const FISH: Getopt = Getopt {
    short_arg: "cCpdfDo",
    short_flag: "hPilNnv",
    long_arg: &[
        "command", "init-command", "profile", "profile-startup", "debug", "features",
        "debug-stack-frames", "debug-output",
    ],
    long_flag: &[
        "interactive", "login", "no-config", "no-execute", "print-rusage-self",
        "print-debug-categories", "private", "help", "version",
    ],
    pairs: &[
        ('c', "command"), ('C', "init-command"), ('p', "profile"), ('d', "debug"),
        ('f', "features"), ('D', "debug-stack-frames"), ('o', "debug-output"),
        ('i', "interactive"), ('l', "login"), ('N', "no-config"), ('n', "no-execute"),
        ('P', "private"), ('h', "help"), ('v', "version"),
    ],
    ..POSIX
};

fn fish(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let mut strings = Vec::new();
    let mut op = 'read: {
        for a in Reader::new(std::slice::from_ref(&FISH), &argv[1..]) {
            match a {
                Ok(Arg::Opt(n, Some(v))) if n == "command" || n == "init-command" => {
                    strings.push(v)
                }
                Ok(Arg::Opt(n, _)) if n == "help" || n == "version" => {
                    break 'read Operation::new("fish", argv.to_vec());
                }
                Ok(Arg::Opt(..)) => {}
                Ok(Arg::Operand(_)) => break,
                Err(e) => {
                    let mut op = Operation::new("fish", argv.to_vec());
                    op.opaque(format!("`fish` options not understood: {e}"));
                    break 'read op;
                }
            }
        }
        let ops = strings
            .iter()
            .map(|s| string("fish", argv, s, depth, scope))
            .collect();
        one_of("fish", argv, ops)
    };
    op.wrappers.insert(0, "fish".into());
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
