//! One word expanded under the rules a particular shell runs it with: braces or not (dash has
//! none), globs or not (`set -f`), and what a glob that matches nothing becomes (bash's default:
//! itself; `nullglob`: nothing; `failglob`: the command does not run; zsh's NOMATCH: an error).
//! Whatever the expansion cannot be sure of is [`Unexpanded::Unknown`], never a guess: a `~`
//! with no home known, `~+`/`~-` (the shell's own directory stack), a directory that could not be
//! read ([`Fs::take_trouble`]), more than the caller's cap of words.

use super::{braces, chars, escape, glob, has_glob, to_pattern, unescape, Fs};

/// What a shell makes of a glob that matches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMatch {
    /// The pattern stays as it is (POSIX, bash's default).
    Keep,
    /// It is removed (`shopt -s nullglob`).
    Drop,
    /// The command is not run (`shopt -s failglob`).
    Fail,
    /// safeop cannot tell which of those the shell will do.
    Unknown,
}

/// How one shell expands the words of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub braces: bool,
    pub globs: bool,
    pub no_match: NoMatch,
}

impl Rules {
    /// bash with its defaults.
    pub const BASH: Rules = Rules {
        braces: true,
        globs: true,
        no_match: NoMatch::Keep,
    };
}

/// Why a word's words are not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unexpanded {
    /// The glob (as written) matched nothing and the shell then does not run the command.
    NotRun(String),
    /// safeop cannot tell what the shell will make of it (why).
    Unknown(String),
}

/// `pattern` (a [`Word::pattern`](super::Word::pattern)) expanded under `rules`: at most `max`
/// words. `~` is `fs.home(None)`; a failed listing (see [`Fs::take_trouble`]) makes it unknown.
pub fn expand_under(
    pattern: &str,
    fs: &dyn Fs,
    rules: Rules,
    max: usize,
) -> Result<Vec<String>, Unexpanded> {
    let shown = unescape(pattern);
    let too_many = || Unexpanded::Unknown(format!("`{shown}` expands to more than {max} words"));
    let alternatives = if rules.braces {
        braces(pattern).ok_or_else(too_many)?
    } else {
        vec![pattern.to_string()]
    };
    let mut out = Vec::new();
    for p in alternatives {
        let p = tilde_checked(&p, fs)?;
        if rules.globs && has_glob(&p) {
            let _ = fs.take_trouble();
            let found = glob(&p, fs);
            if let Some(why) = fs.take_trouble() {
                return Err(Unexpanded::Unknown(format!(
                    "`{shown}` cannot be expanded here: {why}"
                )));
            }
            if found.is_empty() {
                match rules.no_match {
                    NoMatch::Keep => out.push(unescape(&p)),
                    NoMatch::Drop => {}
                    NoMatch::Fail => return Err(Unexpanded::NotRun(unescape(&p))),
                    NoMatch::Unknown => {
                        return Err(Unexpanded::Unknown(format!(
                            "`{}` matches nothing here, and safeop cannot tell whether the \
                             shell then keeps it, drops it or refuses the command",
                            unescape(&p)
                        )))
                    }
                }
            } else {
                out.extend(found);
            }
        } else {
            out.push(unescape(&p));
        }
        if out.len() > max {
            return Err(too_many());
        }
    }
    Ok(out)
}

/// Tilde expansion of a leading unquoted `~`: the caller's home, `~user`'s from the user
/// database (a user that does not exist leaves the word as it is, as bash does), `~+`/`~-`
/// unknown (the shell's `PWD`/`OLDPWD`, which `cd` in the script changes).
fn tilde_checked(p: &str, fs: &dyn Fs) -> Result<String, Unexpanded> {
    let cs = chars(p);
    if cs.first() != Some(&('~', false)) {
        return Ok(p.to_string());
    }
    let end = cs
        .iter()
        .position(|&(c, q)| c == '/' && !q)
        .unwrap_or(cs.len());
    if cs[1..end].iter().any(|&(_, q)| q) {
        return Ok(p.to_string());
    }
    let user: String = cs[1..end].iter().map(|&(c, _)| c).collect();
    let _ = fs.take_trouble();
    let home = match user.as_str() {
        "" => match fs.home(None) {
            Some(h) => Some(h),
            None => {
                return Err(Unexpanded::Unknown(
                    "`~` is the shell's `$HOME`, which safeop does not know here".into(),
                ))
            }
        },
        "+" | "-" => {
            return Err(Unexpanded::Unknown(format!(
                "`~{user}` is the shell's own directory, which safeop does not follow"
            )))
        }
        u => fs.home(Some(u)),
    };
    if let Some(why) = fs.take_trouble() {
        return Err(Unexpanded::Unknown(format!("`~{user}`: {why}")));
    }
    Ok(match home {
        Some(h) => format!("{}{}", escape(&h), to_pattern(&cs[end..])),
        None => p.to_string(),
    })
}

/// Whether brace expansion changes `pattern` (a `{a,b}` or `{1..3}` in it): what a shell without
/// braces (dash) would pass on as it is.
pub fn has_braces(pattern: &str) -> bool {
    braces(pattern).is_none_or(|v| v.len() != 1 || v[0] != pattern)
}

/// Whether `pattern`, after brace expansion, holds a glob (`*`, `?`, `[…]`) the shell matches
/// against the filesystem.
pub fn has_globs(pattern: &str) -> bool {
    braces(pattern).is_none_or(|v| v.iter().any(|p| has_glob(p)))
}
