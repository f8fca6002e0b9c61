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
    /// Reads ssh's own configuration files for an `ssh` command (`facts::ssh_config`): what
    /// they make ssh run on this machine, and the remote command they set. `None`: not read
    /// (pure tests, `policy test`), and what they say is not seen.
    pub ssh: Option<Rc<dyn SshConfig>>,
}

/// ssh's configuration as ssh would read it for one command line, read by the door (the
/// trait keeps `command/` pure: the files are read in `facts/`).
pub trait SshConfig {
    fn read(&self, q: &SshQuery) -> SshSeen;
}

/// Whose configuration `ssh` reads: ssh takes `~/.ssh/config` from the password database
/// entry of the user it runs as (not `$HOME`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SshUser {
    /// The user safeop runs as.
    #[default]
    Caller,
    /// root (`sudo`, `doas`, `pkexec` without another user named).
    Root,
    /// Another user, or another root or directory (`chroot`, `nsenter`, `env -C`): the files
    /// ssh reads there are not known.
    Unknown,
}

/// One `ssh` command line, as far as its configuration goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SshQuery {
    /// The host as written on the command line (`Host` patterns match it).
    pub host: String,
    /// `-l USER` or `USER@` of the destination.
    pub user: Option<String>,
    /// `-F FILE` (`none`: no file at all).
    pub file: Option<String>,
    /// The command line's own options (`-o Key=Value`, `-I` …), keys in lower case: they come
    /// first, and ssh takes the first value of each.
    pub line: Vec<(String, String)>,
    pub as_user: SshUser,
}

/// What the configuration makes ssh do that the command line does not show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SshSeen {
    /// Why ssh runs (or loads) code on this machine, or why that cannot be told (a file ssh
    /// would read that cannot be read, a `Match` safeop cannot decide over such an option).
    pub local_code: Option<String>,
    /// A `RemoteCommand` that applies: the remote command when the line has none.
    pub remote_command: Option<String>,
}

/// The door's [`SshConfig`] in a [`Scope`], printable.
#[derive(Clone)]
pub(crate) struct SshReader(pub(crate) Rc<dyn SshConfig>);

impl std::fmt::Debug for SshReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SshReader")
    }
}

impl std::fmt::Debug for Here {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Here")
            .field("inherited", &self.inherited)
            .field("fs", &self.fs.is_some())
            .field("sh", &self.sh)
            .field("stdin_script", &self.stdin_script)
            .field("ssh", &self.ssh.is_some())
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
    scope.ssh = here.ssh.clone().map(SshReader);
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
