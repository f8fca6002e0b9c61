//! One error type for everything safeop itself can get wrong, with all wording in one place.
//! `code()` picks the exit status the command-line contract gives it.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// A policy file is wrong: YAML syntax, unknown key, wrong type, unknown fact, failing example.
    Policy {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A file safeop needed could not be read.
    Read { path: PathBuf, why: String },
    /// The command line given to safeop is wrong.
    Usage(String),
    /// The command to run was not found.
    NotFound { program: String },
    /// The command was found but could not be started.
    Exec { program: String, why: String },
    /// safeop's own output could not be written (`report::out`).
    Write { stream: &'static str, why: String },
    /// Something else failed (audit log, terminal …).
    Other(String),
}

impl Error {
    pub fn policy(file: &str, line: usize, column: usize, message: impl Into<String>) -> Error {
        Error::Policy {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Policy {
                file,
                line,
                column,
                message,
            } if *line > 0 => {
                write!(f, "policy `{file}` line {line} column {column}: {message}")
            }
            Error::Policy { file, message, .. } => write!(f, "policy `{file}`: {message}"),
            Error::Read { path, why } => write!(f, "cannot read `{}`: {why}", path.display()),
            Error::Usage(m) => write!(f, "{m}"),
            Error::NotFound { program } => write!(f, "`{program}`: command not found"),
            Error::Exec { program, why } => write!(f, "cannot run `{program}`: {why}"),
            Error::Write { stream, why } => write!(f, "cannot write to {stream}: {why}"),
            Error::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}
