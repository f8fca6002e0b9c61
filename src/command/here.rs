//! What the door knows of this machine for reading a command line, handed to the pure parsers
//! ([`Here`], [`parse_at`]): the inherited environment, the filesystem a shell string's words
//! are expanded against, what `sh` is, whether standard input is a terminal.

use super::{effect, wrappers, Operation, Scope};
use crate::shell::expand::Fs;
use std::rc::Rc;

/// What the door knows of this machine for reading a command line (DESIGN decision 10): read
/// there, handed in, so that `command/` stays pure. `Here::default()` is what `check --facts`,
/// `policy test` and the pure tests use: nothing of this machine.
#[derive(Clone, Default)]
pub struct Here {
    /// The caller's environment variables of [`INHERITED`] that are set.
    pub inherited: Vec<(String, String)>,
    /// This machine's filesystem and user database, to expand the words of a shell string
    /// (`sh -c`, `su -c`, `bash <<EOF`) the way that shell will before they are judged. `None`:
    /// they are judged as written, and a guarded command with such a word asks.
    pub fs: Option<Rc<dyn Fs>>,
    /// What `sh` is, when the caller says so (tests); `None`: [`Fs::sh`] is asked when it
    /// matters.
    pub sh: Option<String>,
    /// Standard input is not a terminal: a shell (or `ssh HOST`) given no command reads its
    /// commands from it, and safeop does not see them.
    pub stdin_script: bool,
}

impl std::fmt::Debug for Here {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Here")
            .field("inherited", &self.inherited)
            .field("fs", &self.fs.is_some())
            .field("sh", &self.sh)
            .field("stdin_script", &self.stdin_script)
            .finish()
    }
}

/// [`parse_in`] with what the door knows of this machine ([`Here`]).
pub fn parse_at(argv: &[String], here: &Here) -> Operation {
    let mut scope = Scope::inherited(&here.inherited);
    scope.expand = here.fs.clone().map(|fs| Expander {
        fs,
        sh: match &here.sh {
            Some(name) => Sh::Named(name.clone()),
            None => Sh::Machine,
        },
    });
    scope.stdin_script = here.stdin_script;
    let mut op = wrappers::peel(argv, 0, &scope);
    effect::fill(&mut op);
    op
}

/// The filesystem a shell string's words are expanded against, and which shell `sh` is.
#[derive(Clone)]
pub(crate) struct Expander {
    pub(crate) fs: Rc<dyn Fs>,
    pub(crate) sh: Sh,
}

/// What the program `sh` is, for the expansion of the strings it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sh {
    /// This machine's `sh` ([`Fs::sh`]).
    Machine,
    /// This shell.
    Named(String),
    /// Not known: `su -c` runs the user's login shell under that name, busybox its own ash.
    Unknown,
}

impl std::fmt::Debug for Expander {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expander").field("sh", &self.sh).finish()
    }
}
