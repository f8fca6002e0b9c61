//! Multi-call shims: links named `dd`, `rm`, `reboot` … that point at safeop, for the ways in
//! that shell aliases never see (cron, scripts, `ssh host reboot`, Makefiles). molly-guard
//! installs its `reboot` the same way, into a directory on `PATH` before `/sbin`.
//!
//! Called under such a name, safeop acts as `safeop run -- NAME …` ([`called_as`]); the real
//! program is then found on `PATH` after the shim: `exec::resolve` skips every file that is safeop
//! itself (by identity), and every other link to a binary named `safeop` (another install's
//! shims), so a shim never runs itself or another shim, and with no real program left the command
//! is not found (127) instead of looping.
//!
//! `safeop shims install DIR [--tools T,…]`, `shims list DIR`, `shims remove DIR` manage them;
//! they never replace or remove a file that is not a shim.

use std::path::{Path, PathBuf};

/// The tool a shim stands for, when safeop was called under another name than its own.
pub fn called_as(arg0: &str) -> Option<String> {
    let name = arg0.rsplit('/').next().unwrap_or(arg0);
    if name.is_empty() || name.starts_with("safeop") || name.starts_with('-') {
        return None;
    }
    Some(name.to_string())
}

/// Whether `p` is a shim: a symbolic link whose target is a file named `safeop*` (this or
/// another install's binary).
pub fn is_shim(p: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(p) else {
        return false;
    };
    if !meta.file_type().is_symlink() {
        return false;
    }
    std::fs::canonicalize(p)
        .ok()
        .and_then(|t| {
            t.file_name()
                .map(|n| n.to_string_lossy().starts_with("safeop"))
        })
        .unwrap_or(false)
}

/// This binary's real path, for the links to point at.
fn me() -> Result<PathBuf, String> {
    std::fs::canonicalize("/proc/self/exe")
        .map_err(|e| format!("cannot find safeop's own binary: {e}"))
}

/// Makes a shim for each of `tools` in `dir` (created 0755 if missing). Returns what was done,
/// one line per tool, or the first problem.
pub fn install(dir: &Path, tools: &[String]) -> Result<Vec<String>, String> {
    use std::os::unix::fs::DirBuilderExt;
    let target = me()?;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    let mut done = Vec::new();
    for t in tools {
        if t.is_empty() || t.contains('/') || t.starts_with("safeop") {
            return Err(format!("`{t}` cannot be a shim name"));
        }
        let link = dir.join(t);
        if std::fs::symlink_metadata(&link).is_ok() {
            if !is_shim(&link) {
                return Err(format!(
                    "`{}` exists and is not a safeop shim: left alone (remove it or choose another directory)",
                    link.display()
                ));
            }
            std::fs::remove_file(&link)
                .map_err(|e| format!("cannot replace `{}`: {e}", link.display()))?;
        }
        std::os::unix::fs::symlink(&target, &link)
            .map_err(|e| format!("cannot create `{}`: {e}", link.display()))?;
        done.push(format!("{} -> {}", link.display(), target.display()));
    }
    Ok(done)
}

/// The shims in `dir`, sorted.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_shim(p))
        .collect();
    out.sort();
    Ok(out)
}

/// Removes the shims in `dir` (and nothing else); returns them.
pub fn remove(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let shims = list(dir)?;
    for s in &shims {
        std::fs::remove_file(s).map_err(|e| format!("cannot remove `{}`: {e}", s.display()))?;
    }
    Ok(shims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shim_is_named_after_what_it_stands_for() {
        assert_eq!(called_as("rm").as_deref(), Some("rm"));
        assert_eq!(
            called_as("/usr/local/lib/safeop/shims/reboot").as_deref(),
            Some("reboot")
        );
        assert_eq!(called_as("safeop"), None);
        assert_eq!(called_as("/usr/local/bin/safeop"), None);
        assert_eq!(called_as("./target/release/safeop"), None);
        assert_eq!(called_as("-bash"), None);
    }
}
