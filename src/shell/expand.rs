//! Expanding words the way bash will: brace expansion (`/{usr,etc}`, `{1..3}`, `{a..e..2}`),
//! tilde (`~`, `~user`, `~+`, `~-`), then pathname expansion against a filesystem with bash's
//! defaults: a pattern that matches nothing stays as it is (no `nullglob`/`failglob`), names
//! starting with `.` match only a pattern that starts with `.`, `.` and `..` never match
//! (`globskipdots`), `**` is `*` (no `globstar`), matches sorted.
//!
//! The filesystem is read only through [`Fs`] ([`RealFs`] is this machine, relative patterns
//! against the current directory), so the expansion itself is pure and tested on a fake one.
//! A word that safeop cannot know ([`Word::dynamic`]) stays one [`Arg::Dynamic`]; so does an
//! expansion that would give more than [`MAX_WORDS`] words.

use super::{Dynamic, Word};
use std::path::Path;

#[path = "expand_rules.rs"]
mod rules;
pub use rules::{expand_under, has_braces, has_globs, NoMatch, Rules, Unexpanded};

/// The most words one word may expand to before safeop calls it unknowable.
pub const MAX_WORDS: usize = 65_536;

/// One argument as the program will get it, or why it cannot be known here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Known(String),
    Dynamic { text: String, why: Dynamic },
}

impl Arg {
    pub fn known(&self) -> Option<&str> {
        match self {
            Arg::Known(s) => Some(s),
            Arg::Dynamic { .. } => None,
        }
    }
}

/// What expansion reads of the machine.
pub trait Fs {
    /// The names in directory `dir` (without `.` and `..`); empty when it cannot be read.
    fn list(&self, dir: &Path) -> Vec<String>;
    /// Whether `p` is a directory (through symlinks).
    fn is_dir(&self, p: &Path) -> bool;
    /// Whether `p` exists (a dangling symlink counts).
    fn exists(&self, p: &Path) -> bool;
    /// The home directory of `user`, or of the caller (`$HOME`) for `None`.
    fn home(&self, user: Option<&str>) -> Option<String>;
    /// An environment variable (`PWD` and `OLDPWD`, for `~+` and `~-`).
    fn var(&self, name: &str) -> Option<String>;
    /// Why the answers given since the last call may be incomplete (a directory that exists
    /// but could not be read, a user database that did not answer, a listing budget spent),
    /// and forgets it. [`expand_under`] reads it so that an unreadable `/root` is "cannot
    /// tell", not "matches nothing". The default: never.
    fn take_trouble(&self) -> Option<String> {
        None
    }
    /// What `sh` is on this machine by its binary (`dash`, `bash`, `busybox` …), asked only
    /// when a string run by `sh` is expanded (bash expands braces, dash does not). The
    /// default: not known.
    fn sh(&self) -> Option<String> {
        None
    }
}

/// This machine: `std::fs`, the environment, and `/etc/passwd` for `~user`.
pub struct RealFs;

impl Fs for RealFs {
    fn list(&self, dir: &Path) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        rd.filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }
    fn is_dir(&self, p: &Path) -> bool {
        p.is_dir()
    }
    fn exists(&self, p: &Path) -> bool {
        p.symlink_metadata().is_ok()
    }
    fn home(&self, user: Option<&str>) -> Option<String> {
        if user.is_none() {
            if let Some(h) = std::env::var_os("HOME") {
                return Some(h.to_string_lossy().into_owned());
            }
        }
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        let uid = nix::unistd::getuid().as_raw().to_string();
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            let hit = match user {
                Some(u) => f.first() == Some(&u),
                None => f.get(2) == Some(&uid.as_str()),
            };
            hit.then(|| f.get(5).map(|h| h.to_string())).flatten()
        })
    }
    fn var(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }
}

/// Every word of `ws` expanded, in order: the arguments the program will get.
pub fn argv(ws: &[Word], fs: &dyn Fs) -> Vec<Arg> {
    ws.iter().flat_map(|w| word(w, fs)).collect()
}

/// Per word of `ws`: its expansion, or why it cannot be known.
pub fn words(ws: &[Word], fs: &dyn Fs) -> Vec<Result<Vec<String>, Dynamic>> {
    ws.iter()
        .map(|w| {
            word(w, fs)
                .into_iter()
                .map(|a| match a {
                    Arg::Known(s) => Ok(s),
                    Arg::Dynamic { why, .. } => Err(why),
                })
                .collect()
        })
        .collect()
}

/// One word expanded.
pub fn word(w: &Word, fs: &dyn Fs) -> Vec<Arg> {
    if let Some(why) = &w.dynamic {
        return vec![Arg::Dynamic {
            text: w.text.clone(),
            why: why.clone(),
        }];
    }
    let Some(pattern) = &w.pattern else {
        return vec![Arg::Known(w.text.clone())];
    };
    match pattern_words(pattern, fs) {
        Some(v) => v.into_iter().map(Arg::Known).collect(),
        None => vec![Arg::Dynamic {
            text: w.text.clone(),
            why: Dynamic::TooMany,
        }],
    }
}

/// A pattern (quoted characters backslash-escaped) expanded; `None` past [`MAX_WORDS`].
pub fn pattern_words(pattern: &str, fs: &dyn Fs) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for p in braces(pattern)? {
        let p = tilde(&p, fs);
        if has_glob(&p) {
            let found = glob(&p, fs);
            if found.is_empty() {
                out.push(unescape(&p));
            } else {
                out.extend(found);
            }
        } else {
            out.push(unescape(&p));
        }
        if out.len() > MAX_WORDS {
            return None;
        }
    }
    Some(out)
}

/// Characters of a pattern: `(char, quoted)`.
fn chars(p: &str) -> Vec<(char, bool)> {
    let mut out = Vec::with_capacity(p.len());
    let mut it = p.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            out.push((it.next().unwrap_or('\\'), true));
        } else {
            out.push((c, false));
        }
    }
    out
}

fn to_pattern(cs: &[(char, bool)]) -> String {
    let mut s = String::with_capacity(cs.len());
    for &(c, q) in cs {
        if q {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

pub(super) fn unescape(p: &str) -> String {
    chars(p).into_iter().map(|(c, _)| c).collect()
}

fn escape(s: &str) -> String {
    to_pattern(&s.chars().map(|c| (c, true)).collect::<Vec<_>>())
}

// ---- braces ----

/// Brace expansion, bash's way: the first `{…}` with a top-level `,` or a `..` sequence is
/// expanded, then each result again.
fn braces(p: &str) -> Option<Vec<String>> {
    let mut done = Vec::new();
    let mut todo = vec![p.to_string()];
    while let Some(p) = todo.pop() {
        let cs = chars(&p);
        match first_brace(&cs) {
            None => done.push(p),
            Some((open, close, alts)) => {
                let pre = &cs[..open];
                let post = &cs[close + 1..];
                // Pushed in reverse so that results come out in order.
                for alt in alts.iter().rev() {
                    let mut v = pre.to_vec();
                    v.extend_from_slice(alt);
                    v.extend_from_slice(post);
                    todo.push(to_pattern(&v));
                }
            }
        }
        if done.len() + todo.len() > MAX_WORDS {
            return None;
        }
    }
    Some(done)
}

type Alts = Vec<Vec<(char, bool)>>;

/// The first expandable brace: its `{` and `}` and the alternatives inside.
fn first_brace(cs: &[(char, bool)]) -> Option<(usize, usize, Alts)> {
    let mut start = 0;
    while let Some(open) = (start..cs.len()).find(|&i| cs[i] == ('{', false)) {
        start = open + 1;
        // `${` is a parameter, not a brace (only reachable when `$` was quoted away).
        if open > 0 && cs[open - 1] == ('$', false) {
            continue;
        }
        let mut depth = 0;
        let mut commas = Vec::new();
        let mut close = None;
        for (i, &(c, q)) in cs.iter().enumerate().skip(open + 1) {
            if q {
                continue;
            }
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    close = Some(i);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => commas.push(i),
                _ => {}
            }
        }
        let Some(close) = close else {
            continue;
        };
        if !commas.is_empty() {
            let mut alts = Vec::new();
            let mut from = open + 1;
            for &c in commas.iter().chain(std::iter::once(&close)) {
                alts.push(cs[from..c].to_vec());
                from = c + 1;
            }
            return Some((open, close, alts));
        }
        let inner: String = cs[open + 1..close].iter().map(|&(c, _)| c).collect();
        let quoted = cs[open + 1..close].iter().any(|&(_, q)| q);
        if !quoted {
            if let Some(seq) = sequence(&inner) {
                let alts = seq
                    .into_iter()
                    .map(|s| s.chars().map(|c| (c, true)).collect())
                    .collect();
                return Some((open, close, alts));
            }
        }
    }
    None
}

/// `1..5`, `05..1`, `a..e`, `1..10..3`.
fn sequence(s: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = s.split("..").collect();
    let (a, b, step) = match parts.as_slice() {
        [a, b] => (*a, *b, None),
        [a, b, c] => (*a, *b, Some(c.parse::<i64>().ok()?)),
        _ => return None,
    };
    let step = step.map(i64::unsigned_abs).filter(|s| *s > 0).unwrap_or(1);
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        let count = x.abs_diff(y) / step + 1;
        if count > MAX_WORDS as u64 {
            return Some(vec![String::new(); MAX_WORDS + 1]);
        }
        let padded = |t: &str| {
            t.trim_start_matches('-').len() > 1 && t.trim_start_matches('-').starts_with('0')
        };
        let width = if padded(a) || padded(b) {
            a.len().max(b.len())
        } else {
            0
        };
        let mut out = Vec::new();
        let mut v = x;
        for _ in 0..count {
            out.push(if width > 0 {
                if v < 0 {
                    format!("-{:0w$}", v.unsigned_abs(), w = width - 1)
                } else {
                    format!("{v:0width$}")
                }
            } else {
                v.to_string()
            });
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            v = if y >= x {
                v.saturating_add(step)
            } else {
                v.saturating_sub(step)
            };
        }
        return Some(out);
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    let (Some(x), None, Some(y), None) = (ca.next(), ca.next(), cb.next(), cb.next()) else {
        return None;
    };
    if !(x.is_ascii_alphabetic() && y.is_ascii_alphabetic()) {
        return None;
    }
    let (x, y) = (x as u8, y as u8);
    let step = u8::try_from(step).unwrap_or(u8::MAX);
    let mut out = Vec::new();
    let mut v = x;
    loop {
        out.push((v as char).to_string());
        if v == y {
            break;
        }
        let next = if y > x {
            v.checked_add(step)
        } else {
            v.checked_sub(step)
        };
        match next {
            Some(n) if (y > x && n <= y) || (y < x && n >= y) => v = n,
            _ => break,
        }
    }
    Some(out)
}

// ---- tilde ----

fn tilde(p: &str, fs: &dyn Fs) -> String {
    let cs = chars(p);
    if cs.first() != Some(&('~', false)) {
        return p.to_string();
    }
    let end = cs
        .iter()
        .position(|&(c, q)| c == '/' && !q)
        .unwrap_or(cs.len());
    if cs[1..end].iter().any(|&(_, q)| q) {
        return p.to_string();
    }
    let user: String = cs[1..end].iter().map(|&(c, _)| c).collect();
    let home = match user.as_str() {
        "" => fs.home(None),
        "+" => fs.var("PWD"),
        "-" => fs.var("OLDPWD"),
        u => fs.home(Some(u)),
    };
    match home {
        Some(h) => format!("{}{}", escape(&h), to_pattern(&cs[end..])),
        None => p.to_string(),
    }
}

// ---- globs ----

fn has_glob(p: &str) -> bool {
    let cs = chars(p);
    cs.iter().enumerate().any(|(i, &(c, q))| {
        !q && (c == '*' || c == '?' || (c == '[' && class_end(&cs, i).is_some()))
    })
}

/// Matches of a glob pattern, sorted; empty when nothing matches.
fn glob(p: &str, fs: &dyn Fs) -> Vec<String> {
    let cs = chars(p);
    let absolute = cs.first() == Some(&('/', false)) || cs.first() == Some(&('/', true));
    let comps: Vec<&[(char, bool)]> = cs.split(|&(c, _)| c == '/').collect();
    let mut paths: Vec<String> = vec![if absolute { "/".into() } else { String::new() }];
    let skip = usize::from(absolute);
    let n = comps.len();
    for (k, comp) in comps.iter().enumerate().skip(skip) {
        let last = k + 1 == n;
        if comp.is_empty() {
            // `a//b` or a trailing `/`: keep only directories, keep the slash.
            if last {
                paths.retain(|p| fs.is_dir(Path::new(p)));
            }
            continue;
        }
        let is_glob = comp.iter().enumerate().any(|(i, &(c, q))| {
            !q && (c == '*' || c == '?' || (c == '[' && class_end(comp, i).is_some()))
        });
        let mut next = Vec::new();
        for dir in &paths {
            let join = |name: &str| {
                if dir.is_empty() {
                    name.to_string()
                } else if dir.ends_with('/') {
                    format!("{dir}{name}")
                } else {
                    format!("{dir}/{name}")
                }
            };
            if !is_glob {
                let lit: String = comp.iter().map(|&(c, _)| c).collect();
                let p = join(&lit);
                if (last && fs.exists(Path::new(&p))) || (!last && fs.is_dir(Path::new(&p))) {
                    next.push(p);
                }
                continue;
            }
            let list_dir = if dir.is_empty() { "." } else { dir.as_str() };
            let mut names = fs.list(Path::new(list_dir));
            names.sort();
            for name in names {
                if name == "." || name == ".." {
                    continue;
                }
                if name.starts_with('.')
                    && comp.first() != Some(&('.', false))
                    && comp.first() != Some(&('.', true))
                {
                    continue;
                }
                let nc: Vec<char> = name.chars().collect();
                if !matches(comp, &nc) {
                    continue;
                }
                let p = join(&name);
                if last || fs.is_dir(Path::new(&p)) {
                    next.push(p);
                }
            }
        }
        paths = next;
        if paths.is_empty() || paths.len() > MAX_WORDS {
            break;
        }
    }
    if comps.len() > 1 && comps.last().is_some_and(|c| c.is_empty()) {
        for p in &mut paths {
            if !p.ends_with('/') {
                p.push('/');
            }
        }
    }
    paths
}

/// Where the bracket expression starting at `cs[i]` (`[`) ends (its `]`).
fn class_end(cs: &[(char, bool)], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if matches!(cs.get(j), Some(('!' | '^', false))) {
        j += 1;
    }
    if matches!(cs.get(j), Some((']', _))) {
        j += 1;
    }
    while j < cs.len() {
        match cs[j] {
            ('[', false) if matches!(cs.get(j + 1), Some((':', false))) => {
                let rest = &cs[j + 2..];
                let end = rest
                    .windows(2)
                    .position(|w| w[0] == (':', false) && w[1] == (']', false))?;
                j += 2 + end + 2;
            }
            (']', false) => return Some(j),
            _ => j += 1,
        }
    }
    None
}

/// Whether `name` matches the glob component `pat` (whole name).
fn matches(pat: &[(char, bool)], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() {
            let (c, q) = pat[p];
            if !q && c == '*' {
                star = Some((p, n));
                p += 1;
                continue;
            }
            if !q && c == '?' {
                p += 1;
                n += 1;
                continue;
            }
            if !q && c == '[' {
                if let Some(end) = class_end(pat, p) {
                    if class_matches(&pat[p + 1..end], name[n]) {
                        p = end + 1;
                        n += 1;
                        continue;
                    }
                } else if name[n] == '[' {
                    p += 1;
                    n += 1;
                    continue;
                }
            } else if c == name[n] {
                p += 1;
                n += 1;
                continue;
            }
        }
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&(c, q)| !q && c == '*')
}

fn class_matches(body: &[(char, bool)], c: char) -> bool {
    let (neg, body) = match body.first() {
        Some(('!' | '^', false)) => (true, &body[1..]),
        _ => (false, body),
    };
    let mut hit = false;
    let mut i = 0;
    while i < body.len() {
        let (x, q) = body[i];
        if !q && x == '[' && matches!(body.get(i + 1), Some((':', false))) {
            let rest = &body[i + 2..];
            if let Some(end) = rest
                .windows(2)
                .position(|w| w[0] == (':', false) && w[1] == (']', false))
            {
                let name: String = rest[..end].iter().map(|&(c, _)| c).collect();
                hit |= match name.as_str() {
                    "alpha" => c.is_alphabetic(),
                    "digit" => c.is_ascii_digit(),
                    "alnum" => c.is_alphanumeric(),
                    "upper" => c.is_uppercase(),
                    "lower" => c.is_lowercase(),
                    "space" => c.is_whitespace(),
                    "blank" => c == ' ' || c == '\t',
                    "punct" => c.is_ascii_punctuation(),
                    "xdigit" => c.is_ascii_hexdigit(),
                    "cntrl" => c.is_control(),
                    "print" => !c.is_control(),
                    "graph" => !c.is_control() && !c.is_whitespace(),
                    _ => false,
                };
                i += 2 + end + 2;
                continue;
            }
        }
        if matches!(body.get(i + 1), Some(('-', false))) && i + 2 < body.len() {
            let hi = body[i + 2].0;
            hit |= x <= c && c <= hi;
            i += 3;
            continue;
        }
        hit |= x == c;
        i += 1;
    }
    hit != neg
}

#[cfg(test)]
#[path = "expand_tests.rs"]
mod tests;
