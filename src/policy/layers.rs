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
/// it may be trusted. In sudo mode (`strict`) a file that is not root's and closed to others is
/// an error.
pub fn read_layer(layer: &Layer, strict: bool) -> Result<(String, Trust), Error> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let path = &layer.path;
    let read_err = |why: String| Error::Read {
        path: path.to_path_buf(),
        why,
    };
    let mut f = std::fs::File::open(path).map_err(|e| read_err(e.to_string()))?;
    let m = f.metadata().map_err(|e| read_err(e.to_string()))?;
    let root_only = m.uid() == 0 && m.mode() & 0o022 == 0;
    if strict && !root_only {
        return Err(Error::policy(
            &path.display().to_string(),
            0,
            0,
            format!(
                "refused in sudo mode: a policy file must be owned by root and not writable by group or others (it is owned by uid {}, mode {:04o})",
                m.uid(),
                m.mode() & 0o7777
            ),
        ));
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
