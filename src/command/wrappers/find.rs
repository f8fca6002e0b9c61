//! GNU find 4.9: `find [-H] [-L] [-P] [-D OPTS] [-OLEVEL] [STARTING-POINT…] [EXPRESSION]`,
//! judged by its actions on what it selects below the starting points:
//!
//! - `-delete` deletes what it selects: tool `find`, kind `delete`, the starting points its
//!   targets, each a tree;
//! - `-exec CMD … ;`, `-exec CMD … {} +`, `-execdir`, `-ok`, `-okdir` run CMD, parsed as written,
//!   with `{}` standing for what find selects ([`Imposed::Selection`]): `rm -rf {}` deletes the
//!   trees below the starting points; an unguarded CMD (`grep`, `ls`) passes;
//! - `-fprint F`, `-fprint0 F`, `-fprintf F FMT`, `-fls F` write (truncate) F;
//! - tests and `-print` alone only read.
//!
//! What find selects is *every* file of the trees unless a test on the way to the action
//! narrows it (`-name '*.log'`, `-mtime +30`, `-size`, `-user`, `-empty`, `-maxdepth` …; not
//! `-type`, `-readable`, `-true`, a `-name '*'`, nor a branch of `-o` or a `!`). Every file is a
//! recursive delete of the starting point (flag `recursive`, which the rm tree rules see:
//! `find / -delete` is `rm -r /`). A narrowed selection is part of the tree, which part safeop
//! cannot tell: a delete of it keeps the starting point as its target with flag `filtered`
//! instead of `recursive`, and like any other command given files safeop cannot list it carries
//! `unseen_arguments` (so it asks). Two actions that safeop guards (`-exec cp {} /b ; -delete`)
//! are more than one operation can say: opaque. An expression find refuses (an unknown primary,
//! `-exec` without its `;`) runs nothing, and is opaque like any argv safeop cannot follow.

use super::{impose, one_of, peel, Imposed, Operation, Scope, SELECTED};
use crate::command::Kind;

/// What find's expression does, node by node.
enum Node {
    /// A test (or an option, or an action that only prints): `narrows` when its being true
    /// means only some files.
    Test {
        narrows: bool,
    },
    /// An action that writes or runs something, by its index in [`Expr::actions`].
    Action(usize),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Comma(Box<Node>, Box<Node>),
}

enum Action {
    Delete,
    Exec(Vec<String>),
    Write(String),
}

/// What reading the expression failed on.
enum Stop {
    /// `-help` or `-version`: find prints and runs nothing.
    Prints,
    /// find refuses the expression.
    Refused(String),
}

#[derive(Default)]
struct Expr {
    actions: Vec<Action>,
    /// Whether each action's files are narrowed by a test before it.
    narrowed: Vec<bool>,
    /// `-maxdepth`: only the top of each tree.
    shallow: bool,
    /// `-files0-from FILE`: the starting points are read from FILE.
    starts_from: Option<String>,
    /// The narrowing tests seen, for the note.
    tests: Vec<String>,
}

pub(super) fn find(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    match read(argv) {
        Ok((starts, expr)) => judge(argv, starts, expr, depth, scope),
        Err(Stop::Prints) => Operation::new("find", argv.to_vec()),
        Err(Stop::Refused(why)) => {
            let mut op = Operation::new("find", argv.to_vec());
            op.opaque(format!("`find` refuses this expression: {why}"));
            op
        }
    }
}

/// The starting points and the expression.
fn read(argv: &[String]) -> Result<(Vec<String>, Expr), Stop> {
    let mut i = 1;
    // The leading options.
    while let Some(w) = argv.get(i) {
        match w.as_str() {
            "-H" | "-L" | "-P" => i += 1,
            "-D" => i += 2,
            "--" => {
                i += 1;
                break;
            }
            "--help" | "--version" => return Err(Stop::Prints),
            o if o.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    let mut starts = Vec::new();
    while let Some(w) = argv.get(i).filter(|w| !looks_like_expression(w, true)) {
        starts.push(w.clone());
        i += 1;
    }
    let tokens = argv.get(i..).unwrap_or(&[]);
    let mut expr = Expr::default();
    let mut at = 0;
    if !tokens.is_empty() {
        let node = comma(tokens, &mut at, &mut expr)?;
        if let Some(extra) = tokens.get(at) {
            return Err(Stop::Refused(format!("unexpected `{extra}`")));
        }
        expr.narrowed = vec![false; expr.actions.len()];
        let shallow = expr.shallow || expr.starts_from.is_some();
        visit(&node, shallow, &mut expr.narrowed);
    }
    if starts.is_empty() && expr.starts_from.is_none() {
        starts.push(".".into());
    }
    Ok((starts, expr))
}

/// GNU find's rule for where the starting points end: a word that starts with `-` (not `-`
/// alone), or is `(` or `!` (or `)` or `,` after the first).
fn looks_like_expression(w: &str, leading: bool) -> bool {
    match w.as_bytes() {
        [b'-', _, ..] => true,
        [b'(' | b'!'] => true,
        [b')' | b','] => !leading,
        _ => false,
    }
}

fn comma(t: &[String], at: &mut usize, e: &mut Expr) -> Result<Node, Stop> {
    let mut left = or(t, at, e)?;
    while t.get(*at).map(String::as_str) == Some(",") {
        *at += 1;
        let right = or(t, at, e)?;
        left = Node::Comma(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn or(t: &[String], at: &mut usize, e: &mut Expr) -> Result<Node, Stop> {
    let mut left = and(t, at, e)?;
    while matches!(t.get(*at).map(String::as_str), Some("-o" | "-or")) {
        *at += 1;
        let right = and(t, at, e)?;
        left = Node::Or(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn and(t: &[String], at: &mut usize, e: &mut Expr) -> Result<Node, Stop> {
    let mut left = unary(t, at, e)?;
    loop {
        match t.get(*at).map(String::as_str) {
            None | Some("-o" | "-or" | "," | ")") => return Ok(left),
            Some("-a" | "-and") => *at += 1,
            Some(_) => {}
        }
        let right = unary(t, at, e)?;
        left = Node::And(Box::new(left), Box::new(right));
    }
}

fn unary(t: &[String], at: &mut usize, e: &mut Expr) -> Result<Node, Stop> {
    let Some(w) = t.get(*at) else {
        return Err(Stop::Refused("an operator without its operand".into()));
    };
    *at += 1;
    match w.as_str() {
        "!" | "-not" => Ok(Node::Not(Box::new(unary(t, at, e)?))),
        "(" => {
            let inner = comma(t, at, e)?;
            if t.get(*at).map(String::as_str) != Some(")") {
                return Err(Stop::Refused("a `(` without its `)`".into()));
            }
            *at += 1;
            Ok(inner)
        }
        _ => primary(w, t, at, e),
    }
}

/// Tests with one argument whose being true picks only some files.
const NARROWING_1: &[&str] = &[
    "-amin",
    "-anewer",
    "-atime",
    "-cmin",
    "-cnewer",
    "-ctime",
    "-gid",
    "-group",
    "-ilname",
    "-iname",
    "-inum",
    "-ipath",
    "-iregex",
    "-iwholename",
    "-links",
    "-lname",
    "-mmin",
    "-mtime",
    "-name",
    "-newer",
    "-path",
    "-perm",
    "-regex",
    "-samefile",
    "-size",
    "-uid",
    "-used",
    "-user",
    "-wholename",
];

/// Tests (and options) with one argument that pick every kind of file there is, near enough.
const BROAD_1: &[&str] = &[
    "-type",
    "-xtype",
    "-fstype",
    "-context",
    "-mindepth",
    "-regextype",
    "-printf",
];

fn primary(w: &str, t: &[String], at: &mut usize, e: &mut Expr) -> Result<Node, Stop> {
    let arg = |at: &mut usize| -> Result<String, Stop> {
        let v = t
            .get(*at)
            .cloned()
            .ok_or_else(|| Stop::Refused(format!("missing argument to `{w}`")))?;
        *at += 1;
        Ok(v)
    };
    let test = |narrows: bool, e: &mut Expr| {
        if narrows {
            e.tests.push(format!("`{w}`"));
        }
        Node::Test { narrows }
    };
    let action = |a: Action, e: &mut Expr| {
        e.actions.push(a);
        Node::Action(e.actions.len() - 1)
    };
    Ok(match w {
        "-help" | "--help" | "-version" | "--version" => return Err(Stop::Prints),
        "-daystart"
        | "-follow"
        | "-depth"
        | "-d"
        | "-ignore_readdir_race"
        | "-noignore_readdir_race"
        | "-mount"
        | "-xdev"
        | "-noleaf"
        | "-nowarn"
        | "-warn"
        | "-executable"
        | "-readable"
        | "-writable"
        | "-true"
        | "-print"
        | "-print0"
        | "-ls"
        | "-prune"
        | "-quit" => test(false, e),
        "-empty" | "-false" | "-nogroup" | "-nouser" => test(true, e),
        "-maxdepth" => {
            arg(at)?;
            e.shallow = true;
            test(false, e)
        }
        "-files0-from" => {
            e.starts_from = Some(arg(at)?);
            test(false, e)
        }
        "-delete" => action(Action::Delete, e),
        "-exec" | "-execdir" | "-ok" | "-okdir" => {
            let from = *at;
            let plus = w.starts_with("-exec");
            let end = t[from..].iter().enumerate().position(|(k, x)| {
                x == ";" || (plus && x == "+" && k > 0 && t[from + k - 1] == SELECTED)
            });
            let Some(end) = end.filter(|end| *end > 0) else {
                return Err(Stop::Refused(format!("missing argument to `{w}`")));
            };
            *at = from + end + 1;
            action(Action::Exec(t[from..from + end].to_vec()), e)
        }
        "-fprint" | "-fprint0" | "-fls" => {
            let f = arg(at)?;
            action(Action::Write(f), e)
        }
        "-fprintf" => {
            let f = arg(at)?;
            arg(at)?;
            action(Action::Write(f), e)
        }
        _ if BROAD_1.contains(&w) => {
            arg(at)?;
            test(false, e)
        }
        _ if NARROWING_1.contains(&w) || is_newer_xy(w) => {
            let v = arg(at)?;
            let everything = match w {
                "-name" | "-iname" | "-path" | "-ipath" | "-wholename" | "-iwholename"
                | "-lname" | "-ilname" => v.chars().all(|c| c == '*'),
                "-regex" | "-iregex" => v == ".*",
                _ => false,
            };
            test(!everything, e)
        }
        _ if w.starts_with('-') => return Err(Stop::Refused(format!("unknown predicate `{w}`"))),
        _ => {
            return Err(Stop::Refused(format!(
                "paths must precede expression: `{w}`"
            )))
        }
    })
}

/// `-newerXY REFERENCE` (`-newermt`, `-neweraa` …).
fn is_newer_xy(w: &str) -> bool {
    let xy = w.strip_prefix("-newer").unwrap_or("");
    xy.len() == 2 && xy.chars().all(|c| "aBcmt".contains(c))
}

/// Marks the actions reached only when something narrowed the files: `ctx` says whether that
/// is so on the way to `n`; the result, whether it is so once `n` was true.
fn visit(n: &Node, ctx: bool, out: &mut [bool]) -> bool {
    match n {
        Node::Test { narrows } => ctx || *narrows,
        Node::Action(i) => {
            out[*i] = ctx;
            ctx
        }
        Node::And(a, b) => {
            let after_a = visit(a, ctx, out);
            visit(b, after_a, out)
        }
        // B runs where A was false: a narrowing A leaves the rest of the files to B.
        Node::Or(a, b) => {
            let after_a = visit(a, ctx, out);
            let after_b = visit(b, ctx, out);
            after_a && after_b
        }
        Node::Not(a) => {
            visit(a, ctx, out);
            ctx
        }
        Node::Comma(a, b) => {
            visit(a, ctx, out);
            visit(b, ctx, out)
        }
    }
}

fn judge(
    argv: &[String],
    starts: Vec<String>,
    expr: Expr,
    depth: usize,
    scope: &Scope,
) -> Operation {
    let shown: Vec<String> = starts.iter().map(|s| format!("`{s}`")).collect();
    let why = match &expr.starts_from {
        Some(f) => format!("`find -files0-from {f}` reads its starting points from `{f}`"),
        None => {
            let by = match expr.tests.is_empty() {
                true => "`-maxdepth`".to_string(),
                false => expr.tests.join(", "),
            };
            format!(
                "`find` picks the files below {} by {by}, which ones safeop cannot tell",
                shown.join(", ")
            )
        }
    };
    let mut ops = Vec::new();
    for (a, narrowed) in expr.actions.iter().zip(&expr.narrowed) {
        match a {
            Action::Delete => {
                let mut op = Operation::new("find", argv.to_vec());
                op.kind = Kind::Delete;
                op.targets = starts.clone();
                if *narrowed {
                    op.flag("filtered");
                    op.unseen_arguments(why.clone());
                } else {
                    op.flag("recursive");
                }
                ops.push(op);
            }
            Action::Exec(words) => {
                // `-execdir` runs in each file's directory, and the words hold find's `{}`:
                // a shell string's words are not expanded here.
                let mut here = scope.clone();
                here.no_expansion();
                let mut op = peel(words, depth + 1, &here);
                impose(
                    &mut op,
                    Imposed::Selection {
                        starts: starts.clone(),
                        all: !narrowed,
                        why: why.clone(),
                    },
                );
                op.wrappers.insert(0, "find".into());
                ops.push(op);
            }
            Action::Write(f) => {
                let mut op = Operation::new("find", argv.to_vec());
                op.kind = Kind::Overwrite;
                op.targets = vec![f.clone()];
                ops.push(op);
            }
        }
    }
    one_of("find", argv, ops)
}
