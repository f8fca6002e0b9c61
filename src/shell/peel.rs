//! The shell's own prefixes (`builtin`, `exec`, `command`), and which commands read their
//! standard input as a script (so a here-document given to them is code, not data).
//!
//! The second is a small look past the usual wrappers (`sudo`, `env`, `nice` …) and stops at
//! anything it does not know: the engine peels wrappers properly; this only decides whether a
//! here-document is read as shell.

use super::{Reader, Word};

/// Takes `builtin`, `exec [-cl] [-a NAME]` and `command [-p]` off the front of `words`, as the
/// shell does, recording each in `peeled`. `command -v`/`-V` runs nothing and stays as it is.
pub(super) fn builtins(words: &mut Vec<Word>, peeled: &mut Vec<String>) {
    loop {
        let Some(first) = words.first().and_then(Word::literal) else {
            return;
        };
        let skip = match first {
            "builtin" => 1,
            "exec" => {
                let mut i = 1;
                while let Some(w) = words.get(i).and_then(Word::literal) {
                    match w {
                        "--" => {
                            i += 1;
                            break;
                        }
                        "-a" => i += 2,
                        _ if w.starts_with('-') && w.len() > 1 => i += 1,
                        _ => break,
                    }
                }
                i
            }
            "command" => {
                let mut i = 1;
                while let Some(w) = words.get(i).and_then(Word::literal) {
                    if w == "--" {
                        i += 1;
                        break;
                    }
                    if !(w.starts_with('-') && w.len() > 1) {
                        break;
                    }
                    if w.contains(['v', 'V']) {
                        return;
                    }
                    i += 1;
                }
                i
            }
            _ => return,
        };
        peeled.push(first.to_string());
        words.drain(..skip.min(words.len()));
    }
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash"];

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// When the command `words` reads its standard input as a shell script: who reads it.
pub(super) fn stdin_reader(words: &[Word]) -> Option<Reader> {
    let texts: Vec<&str> = words
        .iter()
        .map(|w| w.literal().unwrap_or("\u{0}dynamic"))
        .collect();
    let host = reads(&texts, 0)?;
    Some(Reader {
        words: texts.iter().map(|s| s.to_string()).collect(),
        host,
    })
}

/// `Some(host)` when `w` reads a script from stdin (`host` set when through ssh).
fn reads(w: &[&str], depth: usize) -> Option<Option<String>> {
    let program = base(w.first()?);
    if depth > 8 {
        return None;
    }
    let rest = &w[1..];
    let after = |i: usize| reads(&rest[i.min(rest.len())..], depth + 1);
    match program {
        "sudo" => {
            let (i, shell) = options(rest, "ugCDhprtUTR", "is");
            if i >= rest.len() {
                return shell.then_some(None);
            }
            after(i)
        }
        "doas" => {
            let (i, shell) = options(rest, "uC", "s");
            if i >= rest.len() {
                return shell.then_some(None);
            }
            after(i)
        }
        "env" => {
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                match *a {
                    "-u" | "-C" | "--unset" | "--chdir" => i += 2,
                    "-S" | "--split-string" => return None,
                    _ if a.starts_with('-') || a.contains('=') => i += 1,
                    _ => break,
                }
            }
            after(i)
        }
        "nice" | "ionice" | "nohup" | "setsid" | "stdbuf" | "time" | "exec" | "command"
        | "builtin" => {
            let (i, _) = options(rest, "nctpoeiw", "");
            after(i)
        }
        "timeout" => {
            let (i, _) = options(rest, "sk", "");
            after(i + 1)
        }
        "chroot" => {
            let (i, _) = options(rest, "", "");
            // `chroot DIR` with no command runs `$SHELL -i`, which reads stdin.
            if i + 1 >= rest.len() {
                return Some(None);
            }
            after(i + 1)
        }
        "busybox" => after(0),
        "su" => {
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                match *a {
                    "-c" | "--command" | "--session-command" => return None,
                    "-s" | "--shell" | "-g" | "--group" | "-G" | "-w" => i += 2,
                    _ if a.starts_with("--command=") => return None,
                    _ if a.starts_with('-') => i += 1,
                    _ => i += 1,
                }
            }
            Some(None)
        }
        "ssh" => {
            let (i, _) = options(rest, "BbcDEeFIiJLlmOoPpQRSWw", "");
            let host = rest.get(i)?.to_string();
            let cmd: Vec<&str> = rest[i + 1..]
                .iter()
                .flat_map(|s| s.split_whitespace())
                .collect();
            if cmd.is_empty() {
                return Some(Some(host));
            }
            reads(&cmd, depth + 1).map(|h| h.or(Some(host)))
        }
        p if SHELLS.contains(&p) => shell(rest).then_some(None),
        _ => None,
    }
}

/// Reads `-x`-style options: letters in `with_arg` take the next word (or the rest of the
/// bundle); returns where the operands start and whether one of `flags` was given.
fn options(w: &[&str], with_arg: &str, flags: &str) -> (usize, bool) {
    let mut i = 0;
    let mut seen = false;
    while let Some(a) = w.get(i) {
        if *a == "--" {
            return (i + 1, seen);
        }
        if a.contains('=') && !a.starts_with('-') {
            i += 1; // sudo VAR=value
            continue;
        }
        let Some(letters) = a.strip_prefix('-').filter(|l| !l.is_empty()) else {
            break;
        };
        i += 1;
        if letters.starts_with('-') {
            continue; // --long (values attached with `=` only)
        }
        for (k, c) in letters.char_indices() {
            if flags.contains(c) {
                seen = true;
            }
            if with_arg.contains(c) {
                if k + c.len_utf8() == letters.len() {
                    i += 1;
                }
                break;
            }
        }
    }
    (i, seen)
}

/// `sh …` reads stdin unless given `-c` or a script file (`-s` forces stdin).
fn shell(args: &[&str]) -> bool {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match *a {
            "--" => return i + 1 >= args.len(),
            "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file" => i += 2,
            _ if a.starts_with("--") => i += 1,
            _ if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 => {
                if a.contains('c') {
                    return false;
                }
                if a.contains('s') {
                    return true;
                }
                i += 1;
            }
            _ => return false,
        }
    }
    true
}

/// What `echo WORDS` or `printf FORMAT ARGS` prints, when every word is static.
pub(super) fn printed(ws: &[Word]) -> Option<String> {
    let program = base(ws.first()?.literal()?);
    let args: Vec<&str> = ws[1..].iter().map(Word::literal).collect::<Option<_>>()?;
    match program {
        "echo" => {
            let mut i = 0;
            while args.get(i).is_some_and(|a| {
                a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c))
            }) {
                i += 1;
            }
            Some(args[i..].join(" "))
        }
        "printf" => {
            let args = if args.first() == Some(&"--") {
                &args[1..]
            } else {
                &args[..]
            };
            let (format, mut rest) = args.split_first()?;
            let mut out = String::new();
            // printf reuses its format while arguments remain.
            for _ in 0..=rest.len() {
                rest = printf_once(format, rest, &mut out);
                if rest.is_empty() {
                    break;
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// One pass of printf's `format` over `args` (`%s`-like conversions take an argument as text,
/// `\n`, `\t`, `\\` escapes); returns the arguments left.
fn printf_once<'a, 'b>(format: &str, mut args: &'b [&'a str], out: &mut String) -> &'b [&'a str] {
    let mut it = format.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            },
            '%' => {
                if it.peek() == Some(&'%') {
                    it.next();
                    out.push('%');
                    continue;
                }
                // flags, width, precision, then the conversion letter
                while it.peek().is_some_and(|c| !c.is_ascii_alphabetic()) {
                    it.next();
                }
                it.next();
                if let Some((a, more)) = args.split_first() {
                    out.push_str(a);
                    args = more;
                }
            }
            c => out.push(c),
        }
    }
    args
}
