//! What a word becomes when the variables in it are empty or unset — the Steam-for-Linux bug,
//! `rm -rf "$STEAMROOT/"*` with `STEAMROOT` empty, which is `rm -rf /*` — read from the words
//! of a whole script (pure: the text alone, nothing of any machine).
//!
//! [`annotate`] walks a [`Script`]'s commands and [`Script::bindings`] in source order and says,
//! for every word of every command, as a [`WordInfo`]:
//! - `if_empty`: the word as the shell leaves it when each variable in it that may be empty or
//!   unset expands to nothing (`"$DIR/"*` → `/*`, `$DIR/` → `/`; repeated `/` squeezed, a
//!   trailing `/` dropped but for `/` itself), with the names in `empty_vars`. `None` when
//!   nothing in the word may be empty, or when a part of it is unknown (a variable set from a
//!   command, `$$`): then the word is not one safeop can spell out.
//! - `glob`: an unquoted `*`, `?` or `[`: the shell expands it against the files there.
//! - `from_variable`: part of the word comes from a variable or a command substitution.
//! - `known`: the word spelt out, when every variable in it was set in the script to a value the
//!   text gives (`DIR=/srv/app` then `"$DIR/"*` → `/srv/app/*`).
//!
//! A variable may be empty unless the script rules it out before the word, in the same shell:
//! `${DIR:?}` in the word or earlier (the shell stops when it is empty), `${DIR:-x}` /
//! `${DIR:=x}` (x instead), `set -u` / `set -o nounset` in force (or `-u` on the `#!` line: an
//! unset variable stops the shell), or an earlier `DIR=VALUE` (`export`, `readonly`, `declare`,
//! `local` too) that sets it to text that is never empty. "Earlier in the same shell" is by
//! scope: an assignment inside an `if`, a loop, a subshell or a function counts only for the
//! commands inside that same construct. `set -u` does not help a variable assigned the empty
//! string, nor a command substitution whose output is empty (`"$(git rev-parse
//! --show-toplevel)/"*` outside a repository); `${X-d}` and `${X?}` without the colon let a
//! variable that is set but empty through. A loop's variable is never empty when every word it
//! runs over cannot be (unquoted expansions split into non-empty fields). What the script does
//! not say — a test like `[ -n "$DIR" ] || exit` before the word — is not read.

use super::{BindKind, Binding, Found, Script, Word};

/// What one word of a command becomes, as far as the script's text says ([module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordInfo {
    /// The word as [`Word::text`] has it (as written when dynamic): how the argv spells it.
    pub text: String,
    pub if_empty: Option<String>,
    pub empty_vars: Vec<String>,
    pub glob: bool,
    pub from_variable: bool,
    pub known: Option<String>,
}

/// For each command of `script` (in its order), one [`WordInfo`] per word. `text` is the
/// script's text, for a `#!… -u` line.
pub fn annotate(script: &Script, text: &str) -> Vec<Vec<WordInfo>> {
    let mut t = Tracker::new(text);
    let mut out = vec![Vec::new(); script.commands.len()];
    // Commands and bindings merged by position; a binding at the same place goes first (a loop
    // variable is set before its body runs).
    let mut bi = script.bindings.iter().peekable();
    for (i, f) in script.commands.iter().enumerate() {
        while let Some(b) = bi.next_if(|b| (b.line, b.col) <= (f.line, f.col)) {
            t.binding(b);
        }
        out[i] = f.words.iter().map(|w| t.word(w, &f.scopes)).collect();
        t.after(f);
    }
    out
}

/// What the script says a variable holds, from where it was set on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    /// The value (exact for static text; with the variables in it at their worst otherwise).
    Text(String),
    /// Unknown, but never empty (`${X:?}` passed, a loop over non-empty words, `X=$(…)/x`).
    NonEmpty,
    /// May be empty or unset again (`unset X`, `read X`, `X=$(cmd)`).
    Maybe,
}

#[derive(Debug, Clone)]
enum Event {
    Set(String, Val),
    NoUnset(bool),
}

struct Tracker {
    /// Each event with the scopes it was made in.
    events: Vec<(Vec<u32>, Event)>,
    shebang_nounset: bool,
}

fn visible(event: &[u32], at: &[u32]) -> bool {
    at.starts_with(event)
}

impl Tracker {
    fn new(text: &str) -> Tracker {
        let first = text.lines().next().unwrap_or("");
        let shebang_nounset = first.starts_with("#!")
            && first
                .split_whitespace()
                .skip(1)
                .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('u'));
        Tracker {
            events: Vec::new(),
            shebang_nounset,
        }
    }

    fn lookup(&self, name: &str, at: &[u32]) -> Option<&Val> {
        self.events.iter().rev().find_map(|(s, e)| match e {
            Event::Set(n, v) if n == name && visible(s, at) => Some(v),
            _ => None,
        })
    }

    fn nounset(&self, at: &[u32]) -> bool {
        self.events
            .iter()
            .rev()
            .find_map(|(s, e)| match e {
                Event::NoUnset(on) if visible(s, at) => Some(*on),
                _ => None,
            })
            .unwrap_or(self.shebang_nounset)
    }

    fn binding(&mut self, b: &Binding) {
        let val = match &b.kind {
            BindKind::Assign(w) => match w.dynamic {
                None => Val::Text(w.text.clone()),
                Some(_) => {
                    let e = self.eval(&scan(&w.text), &b.scopes);
                    match (e.unknown, e.empties.is_empty()) {
                        (false, true) => Val::Text(e.text),
                        _ if !e.text.is_empty() => Val::NonEmpty,
                        _ => Val::Maybe,
                    }
                }
            },
            BindKind::Loop(Some(ws))
                if !ws.is_empty() && ws.iter().all(|w| self.never_empty(w, &b.scopes)) =>
            {
                Val::NonEmpty
            }
            BindKind::Loop(_) => Val::Maybe,
        };
        self.events
            .push((b.scopes.clone(), Event::Set(b.name.clone(), val)));
    }

    /// Whether a loop word gives only non-empty values: static non-empty text, or an expansion
    /// the shell splits into fields (unquoted: no empty field survives), or one with text of its
    /// own.
    fn never_empty(&self, w: &Word, at: &[u32]) -> bool {
        match w.dynamic {
            None => !w.text.is_empty(),
            Some(_) => {
                let parts = scan(&w.text);
                let unquoted = !w.text.contains(['"', '\'']);
                unquoted || !self.eval(&parts, at).text.is_empty()
            }
        }
    }

    fn word(&self, w: &Word, at: &[u32]) -> WordInfo {
        let mut info = WordInfo {
            text: w.text.clone(),
            ..WordInfo::default()
        };
        match w.dynamic {
            None => {
                info.glob = w.pattern.as_deref().is_some_and(unquoted_glob);
            }
            Some(_) => {
                let parts = scan(&w.text);
                info.from_variable = parts.iter().any(|p| !matches!(p, Part::Lit(..)));
                info.glob = parts.iter().any(|p| matches!(p, Part::Lit(_, true)));
                let e = self.eval(&parts, at);
                if !e.unknown {
                    if e.empties.is_empty() {
                        // Spelt out by the script itself: not "whatever the variable holds".
                        info.from_variable = false;
                        info.known = Some(e.text);
                    } else {
                        info.if_empty = Some(squeeze(&e.text));
                        info.empty_vars = e.empties;
                    }
                }
            }
        }
        info
    }

    /// What `f` changes for the commands after it: `set -u`/`+u`, `unset`, `read`, and a
    /// `${X:?}` that passed.
    fn after(&mut self, f: &Found) {
        let words: Vec<&str> = f.words.iter().map(|w| w.text.as_str()).collect();
        let scopes = f.scopes.clone();
        match (f.program(), words.get(1..).unwrap_or(&[])) {
            (Some("set"), args) => {
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    match *a {
                        "--" | "-" => break,
                        "-o" | "+o" => {
                            // `-o NAME`: only `nounset` matters; the name is taken either way.
                            let on = *a == "-o";
                            let named = it.next().filter(|n| **n == "nounset");
                            self.events
                                .extend(named.map(|_| (scopes.clone(), Event::NoUnset(on))));
                        }
                        a if a.starts_with('-') && a.contains('u') => {
                            self.events.push((scopes.clone(), Event::NoUnset(true)))
                        }
                        a if a.starts_with('+') && a.contains('u') => {
                            self.events.push((scopes.clone(), Event::NoUnset(false)))
                        }
                        _ => {}
                    }
                }
            }
            (Some("unset" | "read"), args) => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    self.events
                        .push((scopes.clone(), Event::Set(a.to_string(), Val::Maybe)));
                }
            }
            _ => {}
        }
        for w in f.words.iter().filter(|w| w.dynamic.is_some()) {
            let mut guarded = Vec::new();
            guards(&scan(&w.text), &mut guarded);
            for n in guarded {
                self.events
                    .push((scopes.clone(), Event::Set(n, Val::NonEmpty)));
            }
        }
    }

    /// The parts at their worst: each variable that may be empty as empty.
    fn eval(&self, parts: &[Part], at: &[u32]) -> Worst {
        let mut w = Worst::default();
        for p in parts {
            match p {
                Part::Lit(s, _) => w.text.push_str(s),
                Part::Never => w.unknown = true,
                Part::Cmd => w.empties.push("$(…)".into()),
                Part::Param { name, op } => self.param(name, op, at, &mut w),
            }
        }
        w
    }

    fn param(&self, name: &str, op: &Op, at: &[u32], w: &mut Worst) {
        let known = self.lookup(name, at);
        let special = matches!(name, "$" | "#" | "?" | "!" | "0" | "-");
        // Unset stops the shell under `set -u` (but for `$@`/`$*`, which may be empty).
        let unset_stops = self.nounset(at) && !matches!(name, "@" | "*");
        let maybe = |w: &mut Worst| w.empties.push(format!("${name}"));
        match (known, op) {
            _ if special => w.unknown = true,
            (_, Op::Length) => w.unknown = true,
            // Set to the empty string: empty for sure, and named as such.
            (Some(Val::Text(s)), Op::Plain | Op::Error(false)) if s.is_empty() => maybe(w),
            (Some(Val::Text(s)), Op::Plain | Op::Error(_)) => w.text.push_str(s),
            (Some(Val::Text(s)), Op::Default(colon, d)) => {
                if s.is_empty() && *colon {
                    self.default_word(d, at, w)
                } else {
                    w.text.push_str(s)
                }
            }
            (Some(Val::Text(s)), Op::Alt(colon, a)) => {
                if !(s.is_empty() && *colon) {
                    self.default_word(a, at, w)
                }
            }
            (Some(Val::Text(s)), Op::Other) => {
                if !s.is_empty() {
                    w.unknown = true
                }
            }
            (Some(Val::NonEmpty), Op::Alt(true, a)) => self.default_word(a, at, w),
            (Some(Val::NonEmpty), _) => w.unknown = true,
            (_, Op::Error(true)) => w.unknown = true,
            (_, Op::Default(true, d)) => self.default_word(d, at, w),
            // Set-but-empty passes `${X-d}` and `${X?}`; an empty `${X:+a}` is empty.
            (_, Op::Default(false, _) | Op::Error(false) | Op::Alt(..) | Op::Other) => maybe(w),
            (_, Op::Plain) if unset_stops && known.is_none() => w.unknown = true,
            (_, Op::Plain) => maybe(w),
        }
    }

    fn default_word(&self, d: &str, at: &[u32], w: &mut Worst) {
        let e = self.eval(&scan(d), at);
        w.text.push_str(&e.text);
        w.unknown |= e.unknown;
        w.empties.extend(e.empties);
    }
}

/// The names a `${X:?}` in these parts guards.
fn guards(parts: &[Part], out: &mut Vec<String>) {
    for p in parts {
        if let Part::Param {
            name,
            op: Op::Error(true),
        } = p
        {
            out.push(name.clone());
        }
    }
}

#[derive(Debug, Default)]
struct Worst {
    text: String,
    unknown: bool,
    empties: Vec<String>,
}

/// `//srv///x/` → `/srv/x`; `/` stays.
fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// Whether a pattern (quoted characters backslash-escaped) has an unquoted `*`, `?` or `[`.
fn unquoted_glob(pat: &str) -> bool {
    let mut esc = false;
    for c in pat.chars() {
        match c {
            _ if esc => esc = false,
            '\\' => esc = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// A piece of a word as written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Literal text after quote removal; `true` when it holds an unquoted glob character.
    Lit(String, bool),
    Param {
        name: String,
        op: Op,
    },
    /// `$(…)` or `` `…` ``.
    Cmd,
    /// Known never to be empty, value unknown (`$((…))`).
    Never,
}

/// What a `${…}` does with its parameter; the bool is the colon (`:-` against `-`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Plain,
    Default(bool, String),
    Alt(bool, String),
    Error(bool),
    Length,
    /// `${X#p}`, `${X%p}`, `${X/a/b}`, `${X:1}`, `${X^^}`, `${!X}`: some text of X, or nothing.
    Other,
}

/// The parts of a word as written (quotes, `\`, `$…`, `${…}`, `$(…)`, `` `…` ``).
fn scan(s: &str) -> Vec<Part> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    scan_into(&cs, &mut i, false, &mut out);
    out
}

fn push_lit(out: &mut Vec<Part>, c: char, unquoted: bool) {
    let glob = unquoted && matches!(c, '*' | '?' | '[');
    match out.last_mut() {
        Some(Part::Lit(s, g)) => {
            s.push(c);
            *g |= glob;
        }
        _ => out.push(Part::Lit(c.to_string(), glob)),
    }
}

/// Reads until the end, or (in double quotes) the closing `"`.
fn scan_into(cs: &[char], i: &mut usize, in_dq: bool, out: &mut Vec<Part>) {
    while let Some(&c) = cs.get(*i) {
        *i += 1;
        match c {
            '"' if in_dq => return,
            '"' => scan_into(cs, i, true, out),
            '\'' if !in_dq => {
                while let Some(&q) = cs.get(*i) {
                    *i += 1;
                    if q == '\'' {
                        break;
                    }
                    push_lit(out, q, false);
                }
            }
            '\\' => match cs.get(*i) {
                Some(&n) if !in_dq || matches!(n, '$' | '`' | '"' | '\\') => {
                    *i += 1;
                    push_lit(out, n, false);
                }
                Some('\n') => *i += 1,
                _ => push_lit(out, '\\', false),
            },
            '`' => {
                let mut esc = false;
                while let Some(&q) = cs.get(*i) {
                    *i += 1;
                    if q == '`' && !esc {
                        break;
                    }
                    esc = q == '\\' && !esc;
                }
                out.push(Part::Cmd);
            }
            '$' => dollar(cs, i, out, in_dq),
            c => push_lit(out, c, !in_dq),
        }
    }
}

/// Skips to the `close` that matches (nesting `open`, quotes skipped); returns the text inside.
fn balanced(cs: &[char], i: &mut usize, open: char, close: char) -> String {
    let mut depth = 1;
    let mut inner = String::new();
    let mut quote: Option<char> = None;
    while let Some(&c) = cs.get(*i) {
        *i += 1;
        match (quote, c) {
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => {
                inner.push(c);
                if let Some(&n) = cs.get(*i) {
                    *i += 1;
                    inner.push(n);
                }
                continue;
            }
            (Some('"'), '"') => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c == open => depth += 1,
            (None, c) if c == close => {
                depth -= 1;
                if depth == 0 {
                    return inner;
                }
            }
            _ => {}
        }
        inner.push(c);
    }
    inner
}

fn dollar(cs: &[char], i: &mut usize, out: &mut Vec<Part>, in_dq: bool) {
    match cs.get(*i) {
        Some('{') => {
            *i += 1;
            let inner = balanced(cs, i, '{', '}');
            out.push(braced(&inner));
        }
        Some('(') if cs.get(*i + 1) == Some(&'(') => {
            *i += 2;
            balanced(cs, i, '(', ')');
            if cs.get(*i) == Some(&')') {
                *i += 1;
            }
            out.push(Part::Never);
        }
        Some('(') => {
            *i += 1;
            balanced(cs, i, '(', ')');
            out.push(Part::Cmd);
        }
        Some('\'') if !in_dq => {
            // $'…': quoted text (its escapes are not cooked: only its emptiness matters here)
            *i += 1;
            while let Some(&q) = cs.get(*i) {
                *i += 1;
                if q == '\'' {
                    break;
                }
                push_lit(out, q, false);
            }
        }
        Some(&c) if c.is_ascii_alphabetic() || c == '_' => {
            let mut name = String::new();
            while let Some(&c) = cs.get(*i) {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                name.push(c);
                *i += 1;
            }
            out.push(Part::Param {
                name,
                op: Op::Plain,
            });
        }
        Some(&c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
            *i += 1;
            out.push(Part::Param {
                name: c.to_string(),
                op: Op::Plain,
            });
        }
        _ => push_lit(out, '$', !in_dq),
    }
}

/// `${…}`'s inside: the parameter and what is done with it.
fn braced(inner: &str) -> Part {
    let (length, body) = match inner.strip_prefix('#') {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['-', '=', '?', '+', ':', '}']) => {
            (true, rest)
        }
        _ => (false, inner),
    };
    let (indirect, body) = match body.strip_prefix('!') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, body),
    };
    let end = match body.chars().next() {
        Some(c) if c.is_ascii_digit() => body
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(body.len()),
        Some(c) if c.is_ascii_alphabetic() || c == '_' => body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len()),
        Some(c) => c.len_utf8(),
        None => 0,
    };
    let (name, rest) = body.split_at(end);
    let name = name.to_string();
    let op = if length {
        Op::Length
    } else if indirect {
        Op::Other
    } else {
        let (colon, r) = match rest.strip_prefix(':') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        match r.chars().next() {
            None if !colon => Op::Plain,
            Some('-' | '=') => Op::Default(colon, r[1..].to_string()),
            Some('+') => Op::Alt(colon, r[1..].to_string()),
            Some('?') => Op::Error(colon),
            _ => Op::Other,
        }
    };
    Part::Param { name, op }
}

#[cfg(test)]
#[path = "unset_tests.rs"]
mod tests;
