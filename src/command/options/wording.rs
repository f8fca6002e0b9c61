//! The words of an option error, as each option library says it (getopt, popt as rsync
//! prints it, pflag, argparse): the note of an opaque operation reads like the tool's own error.

use super::Getopt as Table;

/// Whose words an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// glibc getopt_long: `invalid option -- 'q'`, `option '--foo' requires an argument`.
    Getopt,
    /// popt as rsync reports it: `-Q: unknown option`, `--rsh: missing argument`.
    Popt,
    /// Go's pflag (cobra): `unknown shorthand flag: 'q' in -q`, `flag needs an argument: --repo`.
    Pflag,
    /// Python's argparse: `unrecognized arguments: -q`, `argument -e/--exclude: expected one argument`.
    Argparse,
}

/// What went wrong, before it is worded in the table's dialect.
pub(super) enum Problem<'w> {
    UnknownShort(char, &'w str),
    UnknownLong(&'w str),
    MissingShort(char, &'w str),
    MissingLong(String, &'w str),
    Unwanted(String, &'w str),
    Ambiguous(&'w str, Vec<String>),
    NotBool(String, &'w str),
}

/// How a short letter is shown in an error: `-e/--exclude` (argparse), `-e`.
fn spelled(tables: &[Table], c: char) -> String {
    match tables.iter().find_map(|t| t.paired(c)) {
        Some(l) => format!("-{c}/--{l}"),
        None => format!("-{c}"),
    }
}

/// How a long option is shown in an error: `-e/--exclude` (argparse, pflag), `--exclude`.
fn spelled_long(dialect: Dialect, tables: &[Table], long: &str) -> String {
    let short = tables
        .iter()
        .find_map(|t| t.pairs.iter().find(|(_, l)| *l == long).map(|(s, _)| *s));
    match (dialect, short) {
        (Dialect::Argparse, Some(s)) => format!("-{s}/--{long}"),
        (Dialect::Pflag, Some(s)) => format!("-{s}, --{long}"),
        _ => format!("--{long}"),
    }
}

/// An error in the words of the table's option library.
pub(super) fn say(dialect: Dialect, tables: &[Table], p: Problem) -> String {
    use Dialect::*;
    match (dialect, p) {
        (Getopt, Problem::UnknownShort(c, _)) => format!("invalid option -- '{c}'"),
        (Getopt, Problem::UnknownLong(w)) => format!("unrecognized option '{w}'"),
        (Getopt, Problem::MissingShort(c, _)) => {
            format!("option requires an argument -- '{c}'")
        }
        (Getopt, Problem::MissingLong(l, _)) => format!("option '--{l}' requires an argument"),
        (Getopt, Problem::Unwanted(l, _)) => {
            format!("option '--{l}' doesn't allow an argument")
        }
        (Getopt | Popt, Problem::Ambiguous(n, hits)) => {
            let all: Vec<String> = hits.iter().map(|h| format!("'--{h}'")).collect();
            format!(
                "option '--{n}' is ambiguous; possibilities: {}",
                all.join(" ")
            )
        }
        (Popt, Problem::UnknownShort(_, w) | Problem::UnknownLong(w)) => {
            format!("{w}: unknown option")
        }
        (Popt, Problem::MissingShort(_, w) | Problem::MissingLong(_, w)) => {
            format!("{w}: missing argument")
        }
        (Popt, Problem::Unwanted(_, w)) => format!("{w}: option does not take an argument"),
        (Pflag, Problem::UnknownShort(c, w)) => {
            format!("unknown shorthand flag: '{c}' in {w}")
        }
        (Pflag, Problem::UnknownLong(w)) => format!("unknown flag: {w}"),
        (Pflag, Problem::MissingShort(c, _)) => {
            format!("flag needs an argument: '{c}' in -{c}")
        }
        (Pflag, Problem::MissingLong(l, _)) => format!("flag needs an argument: --{l}"),
        (Pflag, Problem::Ambiguous(n, _)) => format!("unknown flag: --{n}"),
        (Pflag | Getopt | Popt | Argparse, Problem::NotBool(l, w)) => {
            let v = w.split_once('=').map_or("", |(_, v)| v);
            format!(
                "invalid argument \"{v}\" for \"{}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax",
                spelled_long(dialect, tables, &l)
            )
        }
        (Pflag | Argparse, Problem::Unwanted(l, w)) => {
            let v = w.split_once('=').map_or(w, |(_, v)| v);
            format!(
                "argument {}: ignored explicit argument '{v}'",
                spelled_long(dialect, tables, &l)
            )
        }
        (Argparse, Problem::UnknownShort(_, w) | Problem::UnknownLong(w)) => {
            format!("unrecognized arguments: {w}")
        }
        (Argparse, Problem::MissingShort(c, _)) => {
            format!("argument {}: expected one argument", spelled(tables, c))
        }
        (Argparse, Problem::MissingLong(l, _)) => {
            format!(
                "argument {}: expected one argument",
                spelled_long(dialect, tables, &l)
            )
        }
        (Argparse, Problem::Ambiguous(n, hits)) => {
            let all: Vec<String> = hits.iter().map(|h| format!("--{h}")).collect();
            format!("ambiguous option: --{n} could match {}", all.join(", "))
        }
    }
}
