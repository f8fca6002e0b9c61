//! The wrappers that run a command on arguments read from input: `xargs [OPTIONS] COMMAND
//! [INITIAL-ARGS]…` and `parallel [OPTIONS] COMMAND [ARGS]… [::: ARGS…]`. The command is parsed
//! as written; what it is then given is not in the argv ([`Imposed::Unseen`]: flag
//! `unseen_arguments`), so a guarded command asks (rule `arguments-safeop-cannot-see`) and an
//! unguarded one (`xargs -0 echo`, `xargs grep x`) passes whatever the arguments are. The
//! operands that only stand for the input (`xargs -I {}`'s `{}`, parallel's `{}`, `{.}` …)
//! name no path and are dropped.

use super::super::options::{Reader, POSIX};
use super::{impose, peel, shell, Arg, Getopt, Imposed, Operation, Scope};

/// GNU findutils 4.9 xargs (`+0a:E:e::i::I:l::L:n:prs:txP:d:`).
#[rustfmt::skip]
const XARGS: Getopt = Getopt {
    short_flag: "0oprtx",
    short_opt: "eil",
    short_arg: "aEIdLnsP",
    long_arg: &["arg-file", "delimiter", "max-args", "max-procs", "max-chars", "process-slot-var"],
    long_opt: &["eof", "replace", "max-lines"],
    long_flag: &[
        "null", "open-tty", "interactive", "no-run-if-empty", "verbose", "show-limits", "exit",
        "help", "version",
    ],
    pairs: &[
        ('0', "null"), ('a', "arg-file"), ('d', "delimiter"), ('e', "eof"), ('i', "replace"),
        ('l', "max-lines"), ('n', "max-args"), ('o', "open-tty"), ('p', "interactive"),
        ('r', "no-run-if-empty"), ('s', "max-chars"), ('t', "verbose"), ('x', "exit"),
        ('P', "max-procs"),
    ],
    ..POSIX
};

pub(super) fn xargs(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let mut from = "standard input".to_string();
    let mut replace: Option<String> = None;
    let mut reader = Reader::new(std::slice::from_ref(&XARGS), &argv[1..]);
    let mut first = argv.len();
    while let Some(a) = reader.next() {
        match a {
            Err(e) => {
                return unclear(
                    "xargs",
                    argv,
                    format!("`xargs` options not understood: {e}"),
                )
            }
            Ok(Arg::Operand(_)) => {
                first = argv.len() - reader.rest().len() - 1;
                break;
            }
            Ok(Arg::Opt(n, v)) => match n.as_str() {
                "arg-file" => from = format!("`{}` (`-a`)", v.unwrap_or_default()),
                "I" => replace = v,
                "replace" => replace = Some(v.unwrap_or_else(|| "{}".into())),
                "help" | "version" => return wrapped("xargs", argv),
                _ => {}
            },
        }
    }
    // No command: xargs runs echo.
    let command = match argv.get(first..) {
        Some(c) if !c.is_empty() => c.to_vec(),
        _ => vec!["echo".to_string()],
    };
    // The command may run on other hosts (`parallel -S`) and takes arguments safeop does not
    // see: a shell string's words are not expanded here.
    let mut here = scope.clone();
    here.no_expansion();
    let mut op = peel(&command, depth + 1, &here);
    let why = match &replace {
        Some(r) => format!("`xargs -I {r}` puts each line it reads from {from} where `{r}` stands"),
        None => format!("`xargs` adds the arguments it reads from {from}"),
    };
    impose(
        &mut op,
        Imposed::Unseen {
            why,
            stands_for: replace,
        },
    );
    op.wrappers.insert(0, "xargs".into());
    op
}

/// GNU parallel's options (Perl's Getopt::Long, bundling, the first operand ends them; long
/// names may be abbreviated): the ones that take a value, so that the command is found where
/// parallel finds it. An option not listed here makes the line opaque.
#[rustfmt::skip]
const PARALLEL: Getopt = Getopt {
    short_flag: "0kumqrtvxgXMp",
    short_opt: "eil",
    short_arg: "jPSaCdEINLnsJW",
    long_arg: &[
        "jobs", "max-procs", "sshlogin", "sshloginfile", "slf", "arg-file", "colsep",
        "delimiter", "max-args", "max-replace-args", "max-chars", "tagstring", "results", "res",
        "joblog", "halt", "halt-on-error", "timeout", "delay", "retries", "env", "workdir", "wd",
        "basefile", "bf", "transferfile", "tf", "return", "header", "block", "block-size",
        "load", "memfree", "nice", "tmpdir", "tempdir", "id", "shebang-wrap", "ssh",
        "sshdelay", "controlmaster", "plus", "rpl", "termseq", "filter", "arg-sep",
        "arg-file-sep", "max-line-length-allowed", "limit", "resume-from", "shell",
        "process-slot-var", "semaphorename", "semaphoretimeout", "fifo",
        "sqlmaster", "sqlworker", "sqlandworker", "cat", "profile",
    ],
    long_opt: &["eof", "replace", "max-lines", "joblog-append"],
    long_flag: &[
        "null", "keep-order", "ungroup", "quote", "no-run-if-empty", "verbose", "exit", "group",
        "tag", "line-buffer", "lb", "bar", "eta", "progress", "dry-run", "dryrun", "shuf",
        "citation", "will-cite", "no-notice", "cleanup", "transfer", "trc", "pipe",
        "pipe-part", "roundrobin", "round-robin", "fg", "bg", "semaphore", "sem",
        "show-limits", "number-of-cpus", "number-of-cores", "number-of-sockets",
        "number-of-threads", "nonall", "onall", "files", "files0", "resume",
        "resume-failed", "retry-failed", "xapply", "link", "shellquote", "interactive",
        "compress", "linebuffer", "group-by", "help", "version",
    ],
    pairs: &[
        ('0', "null"), ('k', "keep-order"), ('u', "ungroup"), ('q', "quote"),
        ('r', "no-run-if-empty"), ('t', "verbose"), ('x', "exit"), ('g', "group"),
        ('j', "jobs"), ('P', "max-procs"), ('S', "sshlogin"), ('a', "arg-file"),
        ('C', "colsep"), ('d', "delimiter"), ('e', "eof"), ('i', "replace"),
        ('l', "max-lines"), ('n', "max-args"), ('N', "max-replace-args"), ('s', "max-chars"),
        ('p', "interactive"),
    ],
    ..POSIX
};

/// The words that end parallel's command and start its argument lists.
const SEPARATORS: &[&str] = &[":::", ":::+", "::::", "::::+"];

pub(super) fn parallel(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let mut quote = false;
    let mut replace: Option<String> = None;
    let mut remote = None;
    let mut reader = Reader::new(std::slice::from_ref(&PARALLEL), &argv[1..]);
    let mut first = argv.len();
    while let Some(a) = reader.next() {
        match a {
            Err(e) => {
                let why = format!("`parallel` options not understood: {e}");
                return unclear("parallel", argv, why);
            }
            Ok(Arg::Operand(_)) => {
                first = argv.len() - reader.rest().len() - 1;
                break;
            }
            Ok(Arg::Opt(n, v)) => match n.as_str() {
                "quote" => quote = true,
                "I" => replace = v,
                "replace" => replace = Some(v.unwrap_or_else(|| "{}".into())),
                "sshlogin" | "sshloginfile" | "slf" if v.as_deref() != Some(":") => {
                    remote = Some(format!("`parallel --{n}` runs it on other hosts"))
                }
                "help" | "version" | "citation" | "number-of-cpus" | "number-of-cores"
                | "number-of-sockets" | "number-of-threads" | "show-limits" => {
                    return wrapped("parallel", argv)
                }
                _ => {}
            },
        }
    }
    let rest = argv.get(first..).unwrap_or(&[]);
    let end = rest
        .iter()
        .position(|w| SEPARATORS.contains(&w.as_str()))
        .unwrap_or(rest.len());
    let template = &rest[..end];
    if template.is_empty() {
        // The arguments themselves are the command lines.
        return unclear(
            "parallel",
            argv,
            "`parallel` without a command runs each argument it reads as a command line".into(),
        );
    }
    // parallel joins the words with spaces and hands them to the shell; `-q` quotes each.
    let command = if quote {
        template.to_vec()
    } else {
        match shell::simple_command(&template.join(" ")) {
            Ok(words) if !words.is_empty() => words,
            Ok(_) => return wrapped("parallel", argv),
            Err(why) => {
                let why = format!(
                    "shell content not understood ({why}): {}",
                    template.join(" ")
                );
                return unclear("parallel", argv, why);
            }
        }
    };
    // The command may run on other hosts (`parallel -S`) and takes arguments safeop does not
    // see: a shell string's words are not expanded here.
    let mut here = scope.clone();
    here.no_expansion();
    let mut op = peel(&command, depth + 1, &here);
    let stands_for = Some(replace.clone().unwrap_or_else(|| "{".into()));
    let why = match &replace {
        Some(r) => format!("`parallel` puts each argument it is given where `{r}` stands"),
        None => "`parallel` runs it once for each argument it is given (after `:::`, from \
                 `::::` files or standard input), which safeop does not expand"
            .to_string(),
    };
    impose(&mut op, Imposed::Unseen { why, stands_for });
    if let Some(why) = remote {
        impose(&mut op, Imposed::Elsewhere(why));
    }
    op.wrappers.insert(0, "parallel".into());
    op
}

/// The wrapper itself, running nothing safeop judges.
fn wrapped(base: &str, argv: &[String]) -> Operation {
    let mut op = Operation::new(base, argv.to_vec());
    op.wrappers.push(base.into());
    op
}

fn unclear(base: &str, argv: &[String], why: String) -> Operation {
    let mut op = Operation::new(base, argv.to_vec());
    op.opaque(why);
    op.wrappers.push(base.into());
    op
}
