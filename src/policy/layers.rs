//! Where policy layers come from, and how far each may be trusted.
//!
//! Layers apply in this order, later ones on top of earlier ones:
//! 1. the embedded default (`policies/default.yaml`, compiled in);
//! 2. the system layers: `/etc/safeop/policy.yaml`, then `/etc/safeop/policy.d/*.yaml` (and
//!    `*.yml`) in name order;
//! 3. one user layer source: `--policy FILE` or `SAFEOP_POLICY=FILE` when given, else
//!    `$XDG_CONFIG_HOME/safeop/policy.yaml` and `policy.d/*.yaml` there (`~/.config/safeop/`).
//!
//! A user layer stacks on top of the system layers, never instead of them, and may only
//! tighten ([`Trust::User`]): add rules, replace or switch off rules that are not `final`, add
//! exceptions to rules that are not `final`, and make settings stricter. Starting from nothing
//! (`defaults: false`), switching off or replacing a `final` rule, and settings that weaken
//! (`on_fact_error` milder than the one in effect, `no_tty: allow`) need a system layer: a file in
//! `/etc/safeop/` owned by root and writable by nobody else, checked on the open descriptor
//! ([`Trust::System`]). A file in `/etc/safeop/` that is not root's is read as a user layer.
//! In sudo mode only the system layers are read, and one not owned by root (or writable by group
//! or others) is an error: nothing runs.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// The system layer directory.
pub const SYSTEM_DIR: &str = "/etc/safeop";

/// How far a layer may change the policy below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// A root-owned file in `/etc/safeop/` (and the embedded default): may do anything.
    System,
    /// Any other layer: may only tighten.
    User,
}

/// One policy file to read on top of the embedded default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub path: PathBuf,
    /// Found in `/etc/safeop/` (a system layer if root owns it).
    pub system_location: bool,
}

/// The policy files on top of the embedded default, in the order they apply ([module docs](self)).
pub fn layer_files(sources: &super::Sources) -> Vec<Layer> {
    let system = |path| Layer {
        path,
        system_location: true,
    };
    let user = |path| Layer {
        path,
        system_location: false,
    };
    let mut out: Vec<Layer> = dir_layers(Path::new(SYSTEM_DIR))
        .into_iter()
        .map(system)
        .collect();
    if sources.strict {
        return out;
    }
    if let Some(p) = &sources.explicit {
        out.push(user(p.clone()));
        return out;
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(b) = base {
        out.extend(dir_layers(&b.join("safeop")).into_iter().map(user));
    }
    out
}

fn dir_layers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let main = dir.join("policy.yaml");
    if main.exists() {
        out.push(main);
    }
    if let Ok(rd) = std::fs::read_dir(dir.join("policy.d")) {
        let mut extra: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        extra.sort();
        out.extend(extra);
    }
    out
}

/// Opens a policy file, then checks owner and mode on the open descriptor: the text and how far
/// it may be trusted. In sudo mode (`strict`) a system layer is opened beneath its directories,
/// each opened and checked first (`/etc/safeop`, and `policy.d` for a drop-in: root's, closed to
/// group and others), and a file that is not root's and closed to others is an error, naming the
/// file or directory, its owner and its mode.
pub fn read_layer(layer: &Layer, strict: bool) -> Result<(String, Trust), Error> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let path = &layer.path;
    let read_err = |why: String| Error::Read {
        path: path.to_path_buf(),
        why,
    };
    let mut f = if strict && layer.system_location {
        open_beneath_checked_dirs(path)?
    } else {
        std::fs::File::open(path).map_err(|e| read_err(e.to_string()))?
    };
    let m = f.metadata().map_err(|e| read_err(e.to_string()))?;
    let root_only = m.uid() == 0 && m.mode() & 0o022 == 0;
    if strict && !root_only {
        return Err(refused_in_sudo_mode(path, "policy file", m.uid(), m.mode()));
    }
    let trust = if layer.system_location && root_only {
        Trust::System
    } else {
        Trust::User
    };
    let mut s = String::new();
    f.read_to_string(&mut s)
        .map_err(|e| read_err(e.to_string()))?;
    Ok((s, trust))
}

fn refused_in_sudo_mode(path: &Path, what: &str, uid: u32, mode: u32) -> Error {
    let who = if uid == 0 {
        "owned by root".to_string()
    } else {
        format!("owned by uid {uid}")
    };
    Error::policy(
        &path.display().to_string(),
        0,
        0,
        format!(
            "refused in sudo mode: a {what} must be owned by root and not writable by group or others; it is {who}, mode {:04o} (fix: `chown root:root` and `chmod go-w` it)",
            mode & 0o7777
        ),
    )
}

/// Sudo mode: opens each directory from `/etc/safeop` down to the file's own, checking owner and
/// mode on each open descriptor, then the file beneath the last one (`openat`, no symlinks
/// followed), so what was checked is what is read.
fn open_beneath_checked_dirs(path: &Path) -> Result<std::fs::File, Error> {
    use nix::fcntl::{openat, OFlag};
    use nix::sys::stat::{fstat, Mode};
    use std::os::fd::{AsFd, OwnedFd};
    let read_err = |why: String| Error::Read {
        path: path.to_path_buf(),
        why,
    };
    let rel = path
        .strip_prefix(SYSTEM_DIR)
        .map_err(|_| read_err(format!("not under {SYSTEM_DIR}")))?;
    let mut dir_path = PathBuf::from(SYSTEM_DIR);
    let dir_flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let mut dir: OwnedFd =
        nix::fcntl::open(SYSTEM_DIR, dir_flags | OFlag::O_NOFOLLOW, Mode::empty())
            .map_err(|e| read_err(format!("{SYSTEM_DIR}: {e}")))?;
    let check = |fd: &OwnedFd, p: &Path| -> Result<(), Error> {
        let st = fstat(fd.as_fd()).map_err(|e| read_err(format!("{}: {e}", p.display())))?;
        if st.st_uid != 0 || st.st_mode & 0o022 != 0 {
            return Err(refused_in_sudo_mode(
                p,
                "policy directory",
                st.st_uid,
                st.st_mode,
            ));
        }
        Ok(())
    };
    check(&dir, &dir_path)?;
    let parts: Vec<_> = rel.components().collect();
    let Some((file, dirs)) = parts.split_last() else {
        return Err(read_err("no file name".into()));
    };
    for c in dirs {
        dir_path.push(c);
        let next = openat(
            dir.as_fd(),
            c.as_os_str(),
            dir_flags | OFlag::O_NOFOLLOW,
            Mode::empty(),
        )
        .map_err(|e| read_err(format!("{}: {e}", dir_path.display())))?;
        check(&next, &dir_path)?;
        dir = next;
    }
    let fd = openat(
        dir.as_fd(),
        file.as_os_str(),
        OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| read_err(e.to_string()))?;
    Ok(std::fs::File::from(fd))
}

/// How a file named on the command line (`policy lint FILE`) would be trusted where it lies.
pub fn trust_of(path: &Path) -> Trust {
    use std::os::unix::fs::MetadataExt;
    let in_system_dir = std::fs::canonicalize(path)
        .map(|p| p.starts_with(SYSTEM_DIR))
        .unwrap_or(false);
    let root_only = std::fs::metadata(path)
        .map(|m| m.uid() == 0 && m.mode() & 0o022 == 0)
        .unwrap_or(false);
    if in_system_dir && root_only {
        Trust::System
    } else {
        Trust::User
    }
}
