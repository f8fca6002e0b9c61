//! This machine as a shell sees it when it expands words ([`crate::shell::expand::Fs`]): the
//! directories a glob lists, the user database `~user` reads, and what `sh` is (looked up only
//! when a string run by `sh` is expanded). Filled in at
//! the door (`app::parse_here`) for `run` and `check` on this host and handed to the pure
//! parsers through [`crate::command::Here`]; `check --facts` of another host and `policy test`
//! leave it out.
//!
//! It never makes "cannot read" look like "nothing there": a directory that exists but cannot
//! be listed (`/root` for a user, an I/O error), a user database that does not answer, and
//! more than [`MAX_ENTRIES`] directory entries read for one command line are troubles
//! ([`Fs::take_trouble`]), and the expansion then asks.

use crate::shell::expand::Fs;
use crate::text::bytes;
use std::cell::{Cell, RefCell};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The most directory entries the globs of one command line may read (a `/*/*/*` over a big
/// tree): past it, safeop asks instead of reading on.
pub const MAX_ENTRIES: usize = 200_000;

/// This machine's filesystem, relative paths against `cwd`.
pub struct HostFs {
    cwd: PathBuf,
    /// The PATH `sh` is looked up in (exec's).
    path_var: Option<std::ffi::OsString>,
    sh: std::cell::OnceCell<Option<String>>,
    read: Cell<usize>,
    trouble: RefCell<Option<String>>,
}

impl HostFs {
    pub fn new(cwd: PathBuf, path_var: Option<&std::ffi::OsStr>) -> HostFs {
        HostFs {
            cwd,
            path_var: path_var.map(Into::into),
            sh: std::cell::OnceCell::new(),
            read: Cell::new(0),
            trouble: RefCell::new(None),
        }
    }

    fn abs(&self, p: &Path) -> PathBuf {
        let p = bytes::path(&p.to_string_lossy()).into_owned();
        if p.is_absolute() {
            p
        } else {
            self.cwd.join(p)
        }
    }

    fn trouble(&self, why: String) {
        self.trouble.borrow_mut().get_or_insert(why);
    }
}

impl Fs for HostFs {
    fn list(&self, dir: &Path) -> Vec<String> {
        let abs = self.abs(dir);
        let rd = match std::fs::read_dir(&abs) {
            Ok(rd) => rd,
            // Nothing there to match: the glob matches nothing, as the shell finds.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Vec::new()
            }
            Err(e) => {
                self.trouble(format!("`{}` cannot be listed: {e}", dir.display()));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for e in rd {
            match e {
                Ok(e) => out.push(bytes::encode(e.file_name().as_os_str()).into_owned()),
                Err(e) => {
                    self.trouble(format!("`{}` cannot be listed: {e}", dir.display()));
                    break;
                }
            }
        }
        let read = self.read.get() + out.len();
        self.read.set(read);
        if read > MAX_ENTRIES {
            self.trouble(format!(
                "its globs read more than {MAX_ENTRIES} directory entries"
            ));
        }
        out
    }

    fn is_dir(&self, p: &Path) -> bool {
        self.abs(p).is_dir()
    }

    fn exists(&self, p: &Path) -> bool {
        self.abs(p).symlink_metadata().is_ok()
    }

    /// `~user` from the user database (NSS, as the shell's getpwnam). The caller's own `~` is
    /// not answered here: it is the `HOME` the command inherits, which the parsers follow.
    fn home(&self, user: Option<&str>) -> Option<String> {
        let user = user?;
        match nix::unistd::User::from_name(user) {
            Ok(u) => u.map(|u| bytes::encode_path(&u.dir)),
            Err(e) => {
                self.trouble(format!(
                    "the user database did not answer for `{user}`: {e}"
                ));
                None
            }
        }
    }

    fn var(&self, _: &str) -> Option<String> {
        None
    }

    fn take_trouble(&self) -> Option<String> {
        self.trouble.borrow_mut().take()
    }

    fn sh(&self) -> Option<String> {
        self.sh
            .get_or_init(|| sh_is(self.path_var.as_deref()))
            .clone()
    }
}

/// What `sh` is on this machine (`dash`, `bash`, `busybox`, `mksh` …): the file name of the
/// binary `sh` resolves to through `path_var`, links followed. `None` when it cannot be found.
pub fn sh_is(path_var: Option<&std::ffi::OsStr>) -> Option<String> {
    let found = crate::exec::resolve("sh", path_var.map(Into::into)).ok()?;
    let real = std::fs::canonicalize(found).ok()?;
    let name = real.file_name()?.to_string_lossy().into_owned();
    Some(if name.starts_with("busybox") {
        "busybox".into()
    } else {
        name
    })
}
