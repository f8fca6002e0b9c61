//! The words of a shell string expanded the way that shell will, before they are judged: `sh -c
//! 'rm -rf /usr/*'` is `rm -rf /usr/bin /usr/lib …` on this machine, `bash -c 'rm -rf
//! /{usr,etc}'` is `rm -rf /usr /etc`, `sh -c 'rm -rf ~'` is the caller's home.
//!
//! Only with an expander from the door ([`Scope::expand`], this machine's filesystem): `check
//! --facts`, `policy test` and the pure tests have none, and a guarded command with such a word
//! asks, as it does whenever safeop cannot tell what the shell will make of it:
//! - which shell: bash, the ksh family and zsh expand braces, dash and posh do not; `sh` is
//!   whatever the door found it to be; `su -c` runs the user's login shell, which safeop does not
//!   know (a brace then asks); busybox, hush, yash, the csh family and fish are not modelled;
//! - the shell's glob settings: `shopt -s nullglob` (a glob matching nothing goes away) and
//!   `failglob` (the command does not run), `set -f` / `-f` (no globs), all read from the
//!   string's own top-level commands and the shell's options in order; a setting changed inside
//!   an `if`, a loop, a function, a subshell, or by anything safeop does not model (`dotglob`,
//!   `globstar`, `extglob`, zsh's `setopt`, `GLOBIGNORE`, a `BASH_ENV` file) makes every glob
//!   after it unknown, and every glob of a loop or function body when it is anywhere;
//! - zsh's NOMATCH (an error) is the default but startup files may change it: a zsh glob that
//!   matches nothing asks; so does `**` and a glob qualifier;
//! - `~` is the `HOME` the door passed in ([`super::super::INHERITED`]), unless a wrapper
//!   switched the user or the environment, or the string names `HOME` at all; `~user` comes
//!   from the user database; `~+`, `~-` and relative globs after a `cd` are unknown.
//!
//! `$HOME` itself stays dynamic (a parameter: the string may assign it anywhere, and a guarded
//! tool's target that is a parameter asks, as any other does).

use super::super::{tool_name, Scope, Sh};
use crate::shell::expand::{self, expand_under, Fs, NoMatch, Rules, Unexpanded};
use crate::shell::{Context, Found, Script, Word};
use std::path::Path;

/// The most words the expansions of one command may give before safeop asks instead.
pub const MAX_EXPANDED: usize = 10_000;

/// How a shell expands, as far as safeop knows.
#[derive(Debug, Clone, Copy)]
struct Family {
    /// Brace expansion: `None` when safeop cannot tell.
    braces: Option<bool>,
    bash: bool,
    zsh: bool,
}

/// The shell a program name is (`sh` as the door found it): `None` for one not modelled.
fn family(base: &str, sh: Option<&str>) -> Option<Family> {
    let f = |braces, bash, zsh| {
        Some(Family {
            braces: Some(braces),
            bash,
            zsh,
        })
    };
    match base {
        "bash" | "rbash" => f(true, true, false),
        "dash" | "posh" => f(false, false, false),
        "ksh" | "ksh93" | "mksh" | "lksh" | "pdksh" | "oksh" => f(true, false, false),
        "zsh" => f(true, false, true),
        "sh" => match sh {
            Some("bash") => f(true, true, false),
            Some("dash" | "posh") => f(false, false, false),
            Some("ksh" | "ksh93" | "mksh" | "lksh" | "pdksh" | "oksh") => f(true, false, false),
            // The user's login shell (su), or one the door could not name: POSIX globs, but
            // braces and the rule for no match are not known.
            _ => Some(Family {
                braces: None,
                bash: false,
                zsh: true,
            }),
        },
        _ => None,
    }
}

/// The glob settings in force for one command (`None`: safeop cannot tell).
#[derive(Debug, Clone)]
struct Settings {
    nullglob: Option<bool>,
    failglob: Option<bool>,
    noglob: Option<bool>,
    /// A setting safeop does not model changes how globs match (its name).
    other: Option<String>,
    /// The string changed directory (`cd`, `pushd`, `popd`) before.
    moved: bool,
}

impl Settings {
    const DEFAULT: Settings = Settings {
        nullglob: Some(false),
        failglob: Some(false),
        noglob: Some(false),
        other: None,
        moved: false,
    };

    fn unknown(why: &str) -> Settings {
        Settings {
            nullglob: None,
            failglob: None,
            noglob: None,
            other: Some(why.to_string()),
            moved: true,
        }
    }

    /// A shell option by name (`shopt -s NAME`, `-O NAME`, `set -o NAME`) set to `on`; `None`
    /// for `on`: set one way or the other, safeop cannot tell which.
    fn option(&mut self, name: &str, on: Option<bool>, fam: Family) {
        match name {
            "nullglob" if fam.bash => self.nullglob = on,
            "failglob" if fam.bash => self.failglob = on,
            "noglob" => self.noglob = on,
            // Off by default: turned on (or who knows) changes what a glob matches.
            "dotglob" | "nocaseglob" | "globstar" | "extglob" | "nocasematch"
                if fam.bash && on != Some(false) =>
            {
                self.other = Some(name.to_string())
            }
            // On by default (bash 5.2).
            "globskipdots" | "globasciiranges" if fam.bash && on != Some(true) => {
                self.other = Some(name.to_string())
            }
            "dotglob" | "nocaseglob" | "globstar" | "extglob" | "nocasematch" | "globskipdots"
            | "globasciiranges"
                if fam.bash => {}
            _ if fam.zsh => self.other = Some(format!("-o {name}")),
            _ => {}
        }
    }
}

/// What the words of one command expand to.
pub(super) enum Outcome {
    /// Its words, expanded; and for each word that changed, the word and what it became.
    Words(Vec<String>, Vec<(String, Vec<String>)>),
    /// A glob matched nothing and the shell does not run the command (`failglob`).
    NotRun,
    /// safeop cannot tell (why).
    Unknown(String),
}

/// How the commands of one shell string expand.
pub(super) struct Plan {
    fam: Family,
    fs: std::rc::Rc<dyn Fs>,
    home: Option<String>,
    /// The settings before each command, in the order of [`Script::commands`].
    before: Vec<Settings>,
    /// Whether any command of the string changes a setting (then a loop's or a function's body
    /// cannot be sure of them).
    changes: bool,
    sh: Option<String>,
}

/// The plan for the string `script` that shell `argv` runs (`base` is its [`tool_name`]);
/// `None` when there is nothing to expand with or the shell is not modelled.
pub(super) fn plan(
    base: &str,
    argv: &[String],
    script: &str,
    parsed: &Script,
    scope: &Scope,
) -> Option<Plan> {
    let ex = scope.expand.as_ref()?;
    // Which shell `sh` is matters only where `sh` runs something: asked of the machine then.
    let sh = match &ex.sh {
        Sh::Named(n) => Some(n.clone()),
        Sh::Machine if base == "sh" || script.contains("sh") => ex.fs.sh(),
        Sh::Machine | Sh::Unknown => None,
    };
    let fam = family(base, sh.as_deref())?;
    let mut s = invocation(&argv[1..], fam);
    if fam.bash && scope.get("BASH_ENV").is_some() {
        s = Settings::unknown("BASH_ENV");
    }
    if script.contains("GLOBIGNORE") {
        s.other = Some("GLOBIGNORE".into());
    }
    let mut before = Vec::with_capacity(parsed.commands.len());
    let mut changes = false;
    for f in &parsed.commands {
        before.push(s.clone());
        changes |= apply(&mut s, f, fam);
    }
    let home = scope
        .get("HOME")
        .filter(|_| !script.contains("HOME"))
        .map(str::to_string);
    Some(Plan {
        fam,
        fs: ex.fs.clone(),
        home,
        before,
        changes,
        sh,
    })
}

/// The settings a shell's own options give (`bash -f`, `-O nullglob`, `+O failglob`, `-o
/// noglob`, zsh's `-F`), read up to the string.
fn invocation(words: &[String], fam: Family) -> Settings {
    let mut s = Settings::DEFAULT;
    let mut i = 0;
    while let Some(w) = words.get(i) {
        i += 1;
        if w == "--" || w == "-" || !(w.starts_with('-') || w.starts_with('+')) {
            break;
        }
        if w.starts_with("--") {
            if matches!(w.as_str(), "--rcfile" | "--init-file" | "--emulate") {
                i += 1;
            }
            continue;
        }
        let on = w.starts_with('-');
        for c in w[1..].chars() {
            match c {
                'f' if !fam.zsh => s.noglob = Some(on),
                'F' if fam.zsh => s.noglob = Some(on),
                'o' | 'O' => {
                    if let Some(name) = words.get(i) {
                        s.option(name, Some(on), fam);
                    }
                    i += 1;
                }
                _ => {}
            }
        }
    }
    s
}

/// Applies a command that changes the glob settings (`shopt`, `set`, `setopt`, `cd` …);
/// whether it was one.
fn apply(s: &mut Settings, f: &Found, fam: Family) -> bool {
    let Some(program) = f.program() else {
        return false;
    };
    // Only a top-level command surely runs, once, before what follows it.
    let sure = f.context.is_empty();
    let args = &f.words[1..];
    let dynamic = args.iter().any(|w| w.literal().is_none());
    let on = |v: bool| sure.then_some(v);
    match program {
        "shopt" if fam.bash => {
            if dynamic {
                *s = Settings::unknown("shopt");
                return true;
            }
            let (mut mode, mut set_o) = (None, false);
            let mut names = Vec::new();
            for w in args {
                match w.text.strip_prefix('-') {
                    Some(letters) if names.is_empty() => {
                        for c in letters.chars() {
                            match c {
                                's' => mode = Some(true),
                                'u' => mode = Some(false),
                                'o' => set_o = true,
                                _ => {}
                            }
                        }
                    }
                    _ => names.push(w.text.as_str()),
                }
            }
            let Some(m) = mode else {
                return false;
            };
            for n in names {
                if set_o && n != "noglob" {
                    continue;
                }
                s.option(n, on(m), fam);
            }
            true
        }
        "set" => {
            if dynamic {
                s.noglob = None;
                if fam.zsh {
                    s.other = Some("set".into());
                }
                return true;
            }
            let mut changed = false;
            let mut it = args.iter();
            while let Some(w) = it.next() {
                let t = w.text.as_str();
                if t == "--" || t == "-" || !(t.starts_with('-') || t.starts_with('+')) {
                    break;
                }
                let v = t.starts_with('-');
                for c in t[1..].chars() {
                    match c {
                        'f' if !fam.zsh => {
                            s.noglob = on(v);
                            changed = true;
                        }
                        'F' if fam.zsh => {
                            s.noglob = on(v);
                            changed = true;
                        }
                        'o' => {
                            if let Some(n) = it.next() {
                                s.option(&n.text, on(v), fam);
                                changed = true;
                            }
                        }
                        _ => {}
                    }
                }
            }
            changed
        }
        "setopt" | "unsetopt" | "emulate" => {
            s.other = Some(program.to_string());
            true
        }
        "cd" | "pushd" | "popd" => {
            s.moved = true;
            true
        }
        _ => false,
    }
}

/// The constructs whose commands run at another time than their place in the text says (a
/// loop's body again, a function when called) or in another shell (a here-document's reader).
fn unsure_place(f: &Found) -> bool {
    f.context.iter().any(|c| {
        matches!(
            c,
            Context::Loop | Context::Function(_) | Context::Heredoc(_) | Context::Piped(_)
        )
    })
}

/// The home `~` stands for, and the rest of the filesystem: what [`expand_under`] reads.
struct Homed<'a> {
    fs: &'a dyn Fs,
    home: Option<&'a str>,
}

impl Fs for Homed<'_> {
    fn list(&self, dir: &Path) -> Vec<String> {
        self.fs.list(dir)
    }
    fn is_dir(&self, p: &Path) -> bool {
        self.fs.is_dir(p)
    }
    fn exists(&self, p: &Path) -> bool {
        self.fs.exists(p)
    }
    fn home(&self, user: Option<&str>) -> Option<String> {
        match user {
            None => self.home.map(str::to_string),
            Some(u) => self.fs.home(Some(u)),
        }
    }
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn take_trouble(&self) -> Option<String> {
        self.fs.take_trouble()
    }
}

impl Plan {
    /// The words of command `i` of the string (`f`) as the shell will pass them.
    pub(super) fn expand(&self, i: usize, f: &Found) -> Outcome {
        let mut s = self.before.get(i).cloned().unwrap_or(Settings::DEFAULT);
        let (mut fam, mut home) = (self.fam, self.home.as_deref());
        // A here-document or piped text is read by a shell of its own, with its own settings.
        let reader = f.context.iter().rev().find_map(|c| match c {
            Context::Heredoc(r) | Context::Piped(r) => Some(r),
            _ => None,
        });
        if let Some(r) = reader {
            let Some((name, switched)) = reader_shell(&r.words) else {
                return Outcome::Unknown(format!(
                    "`{}` reads these commands, and safeop does not know how it expands words",
                    r.words.join(" ")
                ));
            };
            let Some(inner) = family(&name, self.sh.as_deref()) else {
                return Outcome::Unknown(format!(
                    "safeop does not know how `{name}` expands words"
                ));
            };
            fam = inner;
            let at = r
                .words
                .iter()
                .position(|w| tool_name(w) == name)
                .unwrap_or(0);
            s = invocation(&r.words[at + 1..], fam);
            if switched {
                home = None;
            }
        }
        if self.changes && unsure_place(f) {
            s = Settings::unknown("a setting changed elsewhere in the string");
        }
        let fs = Homed {
            fs: self.fs.as_ref(),
            home,
        };
        let mut words = Vec::new();
        let mut shown = Vec::new();
        for w in &f.words {
            let Some(p) = w.pattern.as_deref().filter(|_| w.dynamic.is_none()) else {
                words.push(w.text.clone());
                continue;
            };
            match self.word(fam, w, p, &s, &fs) {
                Ok(v) => {
                    if v.len() != 1 || v[0] != w.text {
                        shown.push((w.text.clone(), v.clone()));
                    }
                    words.extend(v);
                }
                Err(Unexpanded::NotRun(_)) => return Outcome::NotRun,
                Err(Unexpanded::Unknown(why)) => return Outcome::Unknown(why),
            }
            if words.len() > MAX_EXPANDED {
                return Outcome::Unknown(format!(
                    "its words expand to more than {MAX_EXPANDED} arguments"
                ));
            }
        }
        Outcome::Words(words, shown)
    }

    fn word(
        &self,
        fam: Family,
        w: &Word,
        p: &str,
        s: &Settings,
        fs: &dyn Fs,
    ) -> Result<Vec<String>, Unexpanded> {
        let unknown = |why: String| Err(Unexpanded::Unknown(format!("`{}`: {why}", w.text)));
        let braces = match fam.braces {
            Some(b) => b,
            None if expand::has_braces(p) => {
                return unknown(format!(
                    "safeop cannot tell whether the shell (`{}` here) expands braces",
                    self.sh.as_deref().unwrap_or("the user's login shell")
                ))
            }
            None => false,
        };
        let globs = expand::has_globs(p);
        let noglob = match s.noglob {
            Some(n) => n,
            None if globs => {
                return unknown("safeop cannot tell whether `set -f` is in force".into())
            }
            None => false,
        };
        if globs && !noglob {
            if let Some(o) = &s.other {
                return unknown(format!("`{o}` changes what the shell's globs match"));
            }
            let relative = !(p.starts_with('/') || p.starts_with('~'));
            if s.moved && relative {
                return unknown("the string changes directory before it".into());
            }
            if fam.zsh && (p.contains("**") || p.ends_with(')')) {
                return unknown(
                    "zsh's recursive globs and glob qualifiers are not expanded here".into(),
                );
            }
        }
        let no_match = if fam.zsh {
            NoMatch::Unknown
        } else if s.failglob == Some(true) {
            NoMatch::Fail
        } else {
            match s.nullglob {
                Some(true) => NoMatch::Drop,
                Some(false) => NoMatch::Keep,
                None => NoMatch::Unknown,
            }
        };
        let rules = Rules {
            braces,
            globs: !noglob,
            no_match,
        };
        expand_under(p, fs, rules, MAX_EXPANDED)
    }
}

/// The shell that reads a here-document or piped text, by the reader's words (`bash`, `sudo
/// bash`, `sh -s`): its name, and whether the user changes on the way (then `~` is not the
/// caller's). `None`: no shell safeop knows reads it.
pub(super) fn reader_shell(words: &[String]) -> Option<(String, bool)> {
    let mut switched = false;
    for w in words {
        let t = tool_name(w);
        if super::shell::is_shell(&t) {
            return Some((t, switched));
        }
        match t.as_str() {
            "sudo" | "doas" | "pkexec" | "runuser" => switched = true,
            // su reads its standard input with the user's login shell.
            "su" => return Some(("sh".into(), true)),
            _ => {}
        }
    }
    None
}
