//! Shell text → the commands in it, with their words and positions: `sh -c` payloads, `ssh HOST
//! '…'`, `su -c`, and the shell in runbooks (with [`markdown`] for the fenced blocks of a
//! Markdown file).
//!
//! It owns reading shell the way the shell reads it (on shuck's parser, kept behind this module:
//! nothing outside `shell/` names a shuck type) and expanding words the way the shell will
//! ([`expand`]). It does not judge anything and does not peel `sudo`/`env`/`sh -c`/`ssh`: each
//! command found goes to the same engine as an argv, which does that.
//!
//! # Interface
//!
//! ```
//! use safeop::shell::{self, expand::{Arg, RealFs}};
//!
//! let script = shell::commands("cd /srv && rm -rf cache/* \"$OLD\" > /dev/null 2>&1");
//! assert!(script.errors.is_empty());
//! let rm = &script.commands[1];
//! assert_eq!((rm.line, rm.col), (1, 12));
//! assert_eq!(rm.words[0].text, "rm");
//! assert!(rm.words[2].pattern.is_some()); // cache/*: the shell will expand it
//! assert!(rm.words[3].dynamic.is_some()); // "$OLD": known only at run time
//! // What the shell will pass to rm (cache/* against this filesystem: here it matches
//! // nothing, so it stays as it is), with the dynamic word kept as such:
//! let argv = shell::expand::argv(&rm.words, &RealFs);
//! assert_eq!(argv[..3], [Arg::Known("rm".into()), Arg::Known("-rf".into()), Arg::Known("cache/*".into())]);
//! assert!(matches!(&argv[3], Arg::Dynamic { why: shell::Dynamic::Parameter(n), .. } if n == "OLD"));
//! // Redirections that write: `> /dev/null` (and not `2>&1`).
//! assert_eq!(rm.writes().map(|r| r.target.text.as_str()).collect::<Vec<_>>(), ["/dev/null"]);
//! ```
//!
//! - [`commands`]`(text) -> `[`Script`]: every command in the text, in source order, and every
//!   parse error. Never panics; a parse error does not stop the rest of the text from being read
//!   (after a fatal error the text is read again from the next line).
//! - [`Found`]: one simple command: its [`Word`]s after the shell's own prefixes are peeled
//!   (`builtin`, `exec`, `command` but not `command -v/-V`, `!`, `coproc`, `time`: see
//!   [`Found::peeled`]), its assignments, its [`Redirect`]s, its position, the [`Context`]s it
//!   sits in, and [`Found::unseen`] when it runs code that safeop cannot read (`eval "$x"`,
//!   `$CMD …`, `curl … | sh`, `bash < f`, `source f`).
//!   A command made only of redirections (`> /dev/sda`, `exec 3<>/dev/vda`, the redirections of a
//!   compound command) is a `Found` with no words, and so is a command of assignments only
//!   (`DIR=/srv`: its [`Found::assignments`]).
//! - [`Found::writes`]: the redirections that open their target for writing (`>`, `>|`, `>>`,
//!   `<>`, `&>`, `&>>`, `N>`, and `>&FILE`): each is a write of that file.
//! - [`Word`]: `text` is the word after quote removal; `dynamic` says why the shell's value
//!   cannot be known here (a parameter, a command substitution, …; `text` is then the word as
//!   written); `pattern` is set when the shell will still expand it (glob, brace, tilde), for
//!   [`expand::word`].
//! - [`expand::argv`]`(&words, &dyn Fs) -> Vec<`[`expand::Arg`]`>`: the arguments the program
//!   will get (`Known(String)` or `Dynamic { text, why }`), braces, tildes and globs expanded the
//!   way bash does against [`expand::Fs`] ([`expand::RealFs`] is this machine); also
//!   [`expand::word`] and [`expand::words`] (per word).
//! - [`markdown::script`]`(md) -> Script`: the same for the shell blocks of a Markdown runbook,
//!   positions in the Markdown file; [`markdown::blocks`] gives the blocks themselves.
//!
//! The intended use for `sh -c STRING` (and `ssh HOST STRING`, `su -c STRING`): every `Found` of
//! `commands(STRING)` is judged as the argv `expand::argv(&found.words, fs)` (a dynamic argument
//! in a guarded tool's target asks; elsewhere it does not matter), plus an overwrite effect for
//! each of `found.writes()`, plus opaque when `found.unseen` is set. The wrappers do that
//! (`command/wrappers/shell.rs`), with [`expand::expand_under`] and the rules of the shell that
//! runs the string (`command/wrappers/expansion.rs`); `ssh` expands nothing (another host's
//! filesystem).
//!
//! What is text and what is code, as the shell has it: arguments of `echo`, `printf`, `grep` are
//! words of those commands and nothing more; comments are nothing; a here-document is data
//! unless a shell reads it (`bash <<EOF`, `sudo -i <<EOF`, `ssh HOST <<EOF`, `cat <<EOF | sh`),
//! when its body is read as commands ([`Context::Heredoc`]); the same for a here-string
//! (`bash <<< '…'`) and for `echo …`/`printf …` piped into a shell ([`Context::Piped`]). `eval`
//! with static words is read again as shell ([`Context::Eval`]). Command substitutions run even
//! inside data (`cat <<EOF > f` with a `$(…)` in it, `echo "$(rm -rf x)"`) and are found.
//!
//! Positions are 1-based lines and columns (in characters) of the text given; commands read again
//! from a string (eval, a here-string, a here-document) carry positions in the outer text, exact
//! where the string is written verbatim, otherwise those of the string's start.

use std::fmt;

pub mod expand;
pub mod markdown;
mod peel;
pub mod unset;
mod walk;
mod words;

#[cfg(test)]
mod tests;

/// How many times text read from inside text (eval, here-documents) may nest, and how many parse
/// errors are recovered from, before safeop stops reading and reports it.
pub const MAX_NESTING: usize = 8;
const MAX_RECOVERIES: usize = 64;

/// Every command in a piece of shell text, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Found>,
    pub errors: Vec<ShellError>,
    /// Every variable the text sets (`DIR=/srv`, `export DIR=…`, a `for` loop's variable), in
    /// source order: what later words expand to depends on them ([`unset`]).
    pub bindings: Vec<Binding>,
}

/// A variable set by the text: a command of assignments only (`DIR=/srv`), a declaration
/// (`export`, `readonly`, `declare`, `local`, `typeset`) or a loop's variable. Prefix
/// assignments (`DIR=/srv cmd`) are the command's environment, not bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub kind: BindKind,
    pub line: u32,
    pub col: u32,
    pub context: Vec<Context>,
    /// As [`Found::scopes`].
    pub scopes: Vec<u32>,
}

/// How a [`Binding`] sets its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindKind {
    /// `NAME=WORD` (a compound `NAME=(…)` is a dynamic word).
    Assign(Word),
    /// `for NAME in WORDS` (`None`: `for NAME; do`, over the positional parameters), `select`,
    /// zsh's `foreach`: the variable takes each word in turn.
    Loop(Option<Vec<Word>>),
}

/// A place where the text is not shell that safeop can read (the parser's message), or where it
/// stopped reading (too deep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for ShellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.line, self.col, self.message
        )
    }
}

/// One simple command as the shell will run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The command's words, the program first (empty for a command of redirections only).
    pub words: Vec<Word>,
    /// `NAME=value` words before the command (its environment).
    pub assignments: Vec<(String, Word)>,
    /// Its redirections in source order (those of a compound command around it are a `Found`
    /// of their own, with no words, at the first of them).
    pub redirects: Vec<Redirect>,
    pub line: u32,
    pub col: u32,
    /// The constructs it sits in, outermost first (empty at the top level).
    pub context: Vec<Context>,
    /// Run under `!` (its status inverted; it still runs).
    pub negated: bool,
    /// The shell's own prefixes taken off, in order (`builtin`, `exec`, `command`, `coproc`,
    /// `time`).
    pub peeled: Vec<String>,
    /// Why this command runs code safeop cannot read, if it does.
    pub unseen: Option<String>,
    /// One number per construct it sits in (the same order as `context`, plus one for each text
    /// read again), unique within one [`commands`] call: two commands share a scope only when
    /// they sit in the same `if`, loop or subshell, not merely in two of the same kind.
    pub scopes: Vec<u32>,
}

impl Found {
    /// The program name when it is static (`None` for a redirection-only or dynamic command).
    pub fn program(&self) -> Option<&str> {
        let w = self.words.first()?;
        (w.dynamic.is_none()).then_some(w.text.as_str())
    }

    /// The redirections that open their target for writing.
    pub fn writes(&self) -> impl Iterator<Item = &Redirect> {
        self.redirects.iter().filter(|r| r.writes())
    }

    /// Whether it sits inside `c` (compared by kind, not by the function's name or reader).
    pub fn within(&self, c: &Context) -> bool {
        self.context
            .iter()
            .any(|x| std::mem::discriminant(x) == std::mem::discriminant(c))
    }
}

/// One shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word after quote removal; for a dynamic word, the word as written.
    pub text: String,
    pub line: u32,
    pub col: u32,
    /// Why its value is known only when the shell runs it.
    pub dynamic: Option<Dynamic>,
    /// Set when the shell will still expand this static word (an unquoted glob, brace or tilde):
    /// the word with every quoted character backslash-escaped, as [`expand`] reads it.
    pub pattern: Option<String>,
}

impl Word {
    /// The word exactly as the program will receive it, when that is known without expanding.
    pub fn literal(&self) -> Option<&str> {
        (self.dynamic.is_none() && self.pattern.is_none()).then_some(self.text.as_str())
    }
}

/// Why a word's value cannot be known before the shell runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dynamic {
    /// A parameter: `$X`, `${X:-d}`, `$1`, `$$`, `$@` (the name, without `$`).
    Parameter(String),
    /// `$(…)` or `` `…` ``: the output of commands.
    Command,
    /// `$((…))`.
    Arithmetic,
    /// `<(…)` or `>(…)`: a path the shell makes up.
    Process,
    /// A brace or glob expansion of more than [`expand::MAX_WORDS`] words.
    TooMany,
}

impl fmt::Display for Dynamic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dynamic::Parameter(n) => write!(f, "`${n}` is known only when the shell runs"),
            Dynamic::Command => f.write_str("it is the output of a command substitution"),
            Dynamic::Arithmetic => f.write_str("it is an arithmetic expansion"),
            Dynamic::Process => f.write_str("it is a process substitution"),
            Dynamic::TooMany => write!(f, "it expands to more than {} words", expand::MAX_WORDS),
        }
    }
}

/// A redirection: `op`, the file descriptor it names (`2>` is `Some(2)`) and its target (the
/// file; for a here-document its body, for a here-string its word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub op: RedirOp,
    pub fd: Option<i32>,
    pub target: Word,
    pub line: u32,
    pub col: u32,
}

impl Redirect {
    /// Whether it opens its target for writing. `>&WORD` does when WORD is not a descriptor
    /// number or `-` (bash reads `>&file` as `&>file`).
    pub fn writes(&self) -> bool {
        match self.op {
            RedirOp::Write
            | RedirOp::Clobber
            | RedirOp::Append
            | RedirOp::ReadWrite
            | RedirOp::WriteBoth => true,
            // A dynamic `>&$x` may name a file: counted as a write (fail closed).
            RedirOp::DupOut if self.target.dynamic.is_some() => true,
            RedirOp::DupOut => {
                let t = &self.target.text;
                let t = t.strip_suffix('-').unwrap_or(t);
                !(t.is_empty() || t.bytes().all(|b| b.is_ascii_digit()))
            }
            RedirOp::Read | RedirOp::DupIn | RedirOp::Heredoc | RedirOp::HereString => false,
        }
    }
}

/// The redirection operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirOp {
    /// `>`
    Write,
    /// `>|`
    Clobber,
    /// `>>` (and `&>>`)
    Append,
    /// `<>`
    ReadWrite,
    /// `&>`
    WriteBoth,
    /// `<`
    Read,
    /// `>&N`, `>&-`, `>&FILE`
    DupOut,
    /// `<&N`
    DupIn,
    /// `<<` and `<<-`
    Heredoc,
    /// `<<<`
    HereString,
}

/// A construct a command sits in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// A stage of a pipeline (`a | b`, `a |& b`).
    Pipeline,
    /// An operand of `&&` or `||`.
    AndOr,
    /// `( … )`.
    Subshell,
    /// `{ …; }`.
    Group,
    /// `$( … )` or `` ` … ` ``.
    CmdSubst,
    /// `<( … )` or `>( … )`.
    ProcSubst,
    /// The body of a function (found whether or not it is called).
    Function(String),
    /// A `for`/`while`/`until`/`select` loop (its condition or body).
    Loop,
    /// An `if` (condition or branch).
    If,
    /// A `case` branch.
    Case,
    /// Run in the background (`&`).
    Background,
    /// The static text of `eval`, read again as shell.
    Eval,
    /// A here-document or here-string read by a shell as its script.
    Heredoc(Reader),
    /// Text that `echo`/`printf` pipe into a shell.
    Piped(Reader),
}

/// The command that reads text as a script: its static words (`["sudo", "bash"]`,
/// `["ssh", "db1"]`), and the host when it is `ssh` (the commands then run there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub words: Vec<String>,
    pub host: Option<String>,
}

/// Whether a command changes the shell's directory (`cd`, `pushd`, `popd`, also as
/// `builtin cd`, which the front end peels).
pub fn moves_dir(f: &Found) -> bool {
    matches!(f.program(), Some("cd" | "pushd" | "popd"))
}

/// The directory change (`cd`, `pushd`, `popd`) of a script that command `i` may run after, if
/// any: one earlier in the text, or anywhere when `i` sits in a loop (run again) or a function
/// (run when called: `f() { rm -rf usr; }; cd /; f`), in the same shell or one that inherits
/// its directory. A `cd` in a subshell, a command substitution, a process substitution or a
/// background job moves only that shell: it reaches the commands inside the same construct
/// (`(cd / && rm -rf usr)`), not those after it (`x=$(cd "$d" && pwd); rm -rf "$x"`). Where the
/// shell is after the `cd` is not known from the text: it may fail (the shell goes on in the
/// old directory unless `set -e`) or sit behind `||`.
pub fn moved_by<'a>(commands: &'a [Found], moves: &[usize], i: usize) -> Option<&'a Found> {
    let f = &commands[i];
    let again = f
        .context
        .iter()
        .any(|c| matches!(c, Context::Loop | Context::Function(_)));
    fn own(g: &Found) -> Vec<&Context> {
        g.context
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    Context::Subshell
                        | Context::CmdSubst
                        | Context::ProcSubst
                        | Context::Background
                )
            })
            .collect()
    }
    let mine = own(f);
    moves.iter().find_map(|&m| {
        let cd = &commands[m];
        let order = m < i || (m > i && again);
        let theirs = own(cd);
        let reaches = theirs.len() <= mine.len()
            && theirs
                .iter()
                .zip(&mine)
                .all(|(a, b)| std::mem::discriminant(*a) == std::mem::discriminant(*b));
        (order && reaches).then_some(cd)
    })
}

/// The directory changes of a script ([`moves_dir`]), by index: what [`moved_by`] looks at.
pub fn moves(commands: &[Found]) -> Vec<usize> {
    commands
        .iter()
        .enumerate()
        .filter(|(_, f)| moves_dir(f))
        .map(|(i, _)| i)
        .collect()
}

/// Every command in `text` (a script, or the payload of `sh -c`), and every parse error.
pub fn commands(text: &str) -> Script {
    walk::script(text)
}
