//! Peels the programs that only run another program, so that `sudo -u root env X=1 nice -n 5
//! /bin/rm -rf /` is judged as `rm -rf /`. Each wrapper is read the way the tool reads its own
//! argv (its option table, read by [`options`](super::options); the first operand ends the
//! options where its getopt's `+` says so), and each file here holds one family:
//!
//! | file | wrappers | what they run |
//! |---|---|---|
//! | `users.rs` | `sudo`, `su`, `runuser`, `pkexec`, `doas` | the command, as another user; `su -c STR` and `runuser -c STR` through the user's shell |
//! | `simple.rs` | `nice`, `ionice`, `nohup`, `timeout`, `stdbuf`, `time`, `command`, `exec`, `setsid`, `setpriv`, `chrt`, `taskset`, `flock`, `eatmydata`, `nocache`, `strace`, `ltrace`, `watch`, `busybox`, `toybox`, `coreutils` | the command at a position; `flock F -c STR` and `watch STR` through `sh -c` |
//! | `places.rs` | `chroot`, `unshare`, `nsenter`, `systemd-run` | the command under another root, in another namespace, or as a transient unit |
//! | `shell.rs` | `sh`, `bash`, `dash`, `ash`, `ksh`, `mksh`, `zsh`, `fish`, `csh`, `tcsh` … | the `-c` string, when it is one simple command |
//! | `env.rs` | `env` | the command in a changed environment |
//! | `input.rs` | `xargs`, `parallel` | the command on arguments read from input: arguments safeop cannot see |
//! | `ssh.rs` | `ssh` | the remote command, judged as shell text that runs on another host |
//! | `find.rs` | `find` | `-delete`, and `-exec`/`-execdir`/`-ok`/`-okdir` on what find selects: the trees below its starting points |
//!
//! What a wrapper makes of its command beyond running it is an [`Imposed`]: the arguments come
//! from input (flag `unseen_arguments`), `{}` is find's selection, the paths are another mount
//! namespace's or another host's (flag `elsewhere`). It is kept on the operation, so that a
//! command read again as its binary ([`reread_as`](super::reread_as)) is judged the same.
//!
//! What the wrappers do to the environment is followed too ([`Scope`]): `env X=1` and `sudo
//! X=1` set X, `env -i` (and `env -`, `setpriv --reset-env`) start from nothing, `env -u X`
//! drops X. sudo's, su's and doas's own resetting is not modelled (sudoers may keep a
//! variable): what the caller passes in is taken to pass through them.
//!
//! Pure like the rest of `command/`: nothing here touches the machine. What cannot be followed
//! is [`Kind::Opaque`](super::Kind::Opaque), never guessed.

use super::options::{Getopt, Reader};
use super::{parse_tool, Arg, Kind, Operation, Scope};

mod env;
mod expansion;
mod find;
mod input;
mod places;
mod shell;
mod simple;
mod ssh;
mod users;

/// How deep wrappers (and `sh -c` strings inside them) may nest before safeop gives up and calls
/// the command not understood.
const MAX_DEPTH: usize = 16;

/// The programs peeled as wrappers (also the tool name of one safeop could not see through).
#[rustfmt::skip]
pub const WRAPPERS: &[&str] = &[
    "sudo", "su", "runuser", "pkexec", "doas",
    "env", "nice", "ionice", "nohup", "timeout", "stdbuf", "time", "command", "exec", "setsid",
    "setpriv", "chrt", "taskset", "flock", "eatmydata", "nocache", "strace", "ltrace", "watch",
    "busybox", "toybox", "coreutils",
    "chroot", "unshare", "nsenter", "systemd-run",
    "xargs", "parallel", "find",
    "sh", "bash", "rbash", "dash", "ash", "hush", "ksh", "ksh93", "mksh", "lksh", "pdksh", "oksh",
    "posh", "yash", "zsh", "fish", "csh", "tcsh",
    "ssh",
];

pub fn is_wrapper(base: &str) -> bool {
    WRAPPERS.contains(&base)
}

/// What a wrapper's options left us with.
enum Peeled {
    /// Run `argv[i..]` next.
    Next(usize),
    /// Run this command line next (a shell with `-c STRING`, a multi-call binary's program).
    Run(Vec<String>),
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
    /// The command starts from an empty environment (`setpriv --reset-env`).
    clear_env: bool,
    cwd: Option<String>,
    root: Option<String>,
    /// The command's paths are not this mount namespace's (why).
    elsewhere: Option<String>,
    /// The command is run by the user's login shell under the name `sh` (`su -c`): which
    /// shell that is, safeop does not know.
    login_shell: bool,
}

/// What a wrapper that hands its command arguments (or a place) makes of that command, beyond
/// running it. Applied only to a command safeop guards; kept on the operation
/// ([`Operation::imposed`]) so that a command read again as its binary gets it again.
#[derive(Debug, Clone, PartialEq)]
pub enum Imposed {
    /// xargs, parallel: more arguments come from input safeop cannot see; operands holding
    /// `stands_for` (xargs's `-I` replace string) are placeholders for them and are dropped.
    Unseen {
        why: String,
        stands_for: Option<String>,
    },
    /// find `-exec`: `{}` in an operand is each file find selects below each of `starts`:
    /// every file of the trees (`all`), or those its tests pick (`why` says which tests).
    Selection {
        starts: Vec<String>,
        all: bool,
        why: String,
    },
    /// nsenter, systemd-run `-M`/`-H`: the paths name files of another mount namespace, a
    /// container or another host (`why`).
    Elsewhere(String),
}

/// find's stand-in for the file it selects.
const SELECTED: &str = "{}";

impl Imposed {
    pub(crate) fn apply(&self, op: &mut Operation) {
        if !op.is_guarded() {
            return;
        }
        match self {
            Imposed::Unseen { why, stands_for } => {
                if let Some(s) = stands_for.as_deref().filter(|s| !s.is_empty()) {
                    op.targets.retain(|t| !t.contains(s));
                    op.sources.retain(|t| !t.contains(s));
                }
                op.unseen_arguments(why.clone());
            }
            Imposed::Selection { starts, all, why } => {
                let picked = |p: &String| p.contains(SELECTED);
                if !op.targets.iter().chain(&op.sources).any(picked) {
                    // The command does not take find's selection (`-exec reboot ;`).
                    return;
                }
                if !*all && op.kind != Kind::Delete {
                    // Some files below the starting points, which safeop cannot list.
                    op.targets.retain(|t| !picked(t));
                    op.sources.retain(|t| !picked(t));
                    op.unseen_arguments(why.clone());
                    return;
                }
                let each = |list: &mut Vec<String>| {
                    let mut out = Vec::new();
                    for p in list.drain(..) {
                        if picked(&p) {
                            out.extend(starts.iter().map(|s| p.replace(SELECTED, s)));
                        } else {
                            out.push(p);
                        }
                    }
                    *list = out;
                };
                each(&mut op.targets);
                each(&mut op.sources);
                if op.kind == Kind::Delete {
                    if *all {
                        // Every file of the tree: what `rm -r START` deletes.
                        op.flag("recursive");
                    } else {
                        // Part of the tree, which part safeop cannot tell.
                        op.flags.remove("recursive");
                        op.flag("filtered");
                        op.unseen_arguments(why.clone());
                    }
                }
            }
            Imposed::Elsewhere(why) => op.elsewhere(why.clone()),
        }
    }
}

/// Whose ssh configuration the command after a user-switching wrapper reads: root for `sudo`,
/// `doas` and `pkexec` unless the words before the command name another user (`-u`,
/// `--user`); not known for `su` and `runuser`, whose user is an operand.
fn ssh_user_after(base: &str, argv: &[String], peeled: &Peeled) -> super::SshUser {
    use super::SshUser;
    let end = match peeled {
        Peeled::Next(i) => (*i).min(argv.len()),
        _ => argv.len(),
    };
    if matches!(base, "su" | "runuser") {
        return SshUser::Unknown;
    }
    let words = &argv[1..end];
    let mut other = None;
    for (i, w) in words.iter().enumerate() {
        let v = if w == "-u" || w == "--user" {
            words.get(i + 1).cloned()
        } else if let Some(v) = w.strip_prefix("--user=") {
            Some(v.to_string())
        } else if w.starts_with("-u") && w.len() > 2 && !w.starts_with("--") {
            Some(w[2..].to_string())
        } else {
            None
        };
        if v.is_some() {
            other = v;
        }
    }
    match other.as_deref() {
        None | Some("root" | "#0" | "0") => SshUser::Root,
        Some(_) => SshUser::Unknown,
    }
}

/// Applies `imp` to `op` and keeps it there.
fn impose(op: &mut Operation, imp: Imposed) {
    imp.apply(op);
    op.imposed.push(imp);
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
        "env" => return env::env_cmd(argv, depth, scope),
        "find" => return find::find(argv, depth, scope),
        "xargs" => return input::xargs(argv, depth, scope),
        "parallel" => return input::parallel(argv, depth, scope),
        "ssh" => return ssh::ssh(argv, depth, scope),
        b if shell::is_shell(b) => return shell::shell(argv, b, depth, scope),
        "sudo" => users::sudo(argv, &mut around),
        "su" | "runuser" => users::su(argv, &base, &mut around),
        "pkexec" => users::pkexec(argv),
        "chroot" => places::chroot(argv, &mut around),
        "unshare" => places::unshare(argv, &mut around),
        "nsenter" => places::nsenter(argv, &mut around),
        "systemd-run" => places::systemd_run(argv, &mut around),
        _ => simple::peel(argv, &base, &mut around),
    };
    let mut inner = scope.clone();
    if around.clear_env {
        inner.clear();
    }
    // Another user's `~`: sudo, su and doas set HOME by their own configuration.
    if matches!(base.as_str(), "sudo" | "su" | "runuser" | "pkexec" | "doas") {
        inner.unset("HOME");
        inner.ssh_user = ssh_user_after(&base, argv, &peeled);
    }
    // ssh's files there are another root's, another namespace's or another host's; a relative
    // `-F FILE` is relative to another directory.
    if around.cwd.is_some() || around.root.is_some() || around.elsewhere.is_some() {
        inner.ssh_user = super::SshUser::Unknown;
    }
    for (k, v) in &around.env {
        inner.set(k, v);
    }
    let later = matches!(base.as_str(), "watch" | "flock");
    if later || around.cwd.is_some() || around.root.is_some() || around.elsewhere.is_some() {
        inner.no_expansion();
    }
    // A multi-call binary's `sh` is its own (busybox's ash), not the machine's `sh`.
    if around.login_shell || matches!(base.as_str(), "busybox" | "toybox") {
        if let Some(ex) = &mut inner.expand {
            ex.sh = super::Sh::Unknown;
        }
    }
    let mut op = match peeled {
        Peeled::Next(i) if i < argv.len() => peel(&argv[i..], depth + 1, &inner),
        Peeled::Run(words) if !words.is_empty() => peel(&words, depth + 1, &inner),
        Peeled::Next(_) if base == "chroot" => {
            // `chroot DIR` alone runs an interactive shell: nothing destructive to judge.
            Operation::new("sh", vec!["sh".into(), "-i".into()])
        }
        Peeled::Next(_) | Peeled::Run(_) | Peeled::NoCommand => {
            Operation::new(&base, argv.to_vec())
        }
        Peeled::Unclear(why) => {
            let mut op = Operation::new(&base, argv.to_vec());
            op.opaque(format!("`{base}` options not understood: {why}"));
            op
        }
    };
    if let Some(why) = around.elsewhere {
        impose(&mut op, Imposed::Elsewhere(why));
    }
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

/// [`Means::NoCommand`] for the options in `list`.
fn stops(name: &str, list: &[&str]) -> Means {
    if list.contains(&name) {
        Means::NoCommand
    } else {
        Means::Nothing
    }
}

/// One operation for a wrapper that runs several commands (`fish -c A -c B`, find with two
/// actions): the one safeop guards when only one is guarded; when several are, an opaque
/// operation saying so (one operation cannot carry two commands' effects yet).
fn one_of(base: &str, argv: &[String], mut ops: Vec<Operation>) -> Operation {
    let guarded = ops.iter().filter(|o| o.is_guarded()).count();
    if guarded > 1 {
        let mut op = Operation::new(base, argv.to_vec());
        let tools: Vec<String> = ops
            .iter()
            .filter(|o| o.is_guarded())
            .map(|o| format!("`{}`", o.tool))
            .collect();
        op.opaque(format!(
            "`{base}` runs more than one command safeop guards: {}",
            tools.join(", ")
        ));
        return op;
    }
    match ops.iter().position(Operation::is_guarded) {
        Some(i) => ops.swap_remove(i),
        None if !ops.is_empty() => ops.swap_remove(0),
        None => Operation::new(base, argv.to_vec()),
    }
}

#[cfg(test)]
mod expansion_tests;
#[cfg(test)]
mod find_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod ssh_tests;
#[cfg(test)]
mod tests;
