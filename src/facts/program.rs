//! Which tool a program really is when its name does not say (DESIGN decision 10): `zz`, a
//! symlink to `/usr/bin/dd`, is `dd`. Asked at the door (app.rs, before an operation is judged)
//! for a program whose name safeop does not know, with the file exec will run (`exec::resolve`:
//! PATH, never safeop itself); a known name is never looked up, so the fast path of a known tool
//! costs nothing and that of an unknown one a `realpath`.
//!
//! How it is found, cheapest first:
//! 1. **Symlinks**: realpath(3) of the file exec will run; its base name, read by the one naming
//!    rule ([`command::tool_name`]), is a tool safeop parses or a wrapper.
//! 2. **Multi-call binaries**: busybox runs the applet its name says (argv[0]'s base name, as
//!    written) and runs as itself only under a name starting with `busybox`. A link named `rm` to
//!    it is `rm` by its name already; a link `zz` to it runs applet `zz`, which is not `rm`
//!    whatever `zz` points through, so a busybox reached under a name safeop does not know is
//!    what that name is: not a tool. toybox is the same, except that it follows the links from
//!    argv[0] until a name is one of its commands: `zz` → `rm` → `toybox` runs `rm`. (`busybox rm
//!    …`, `toybox rm …` and `coreutils --coreutils-prog=rm …` are peeled as wrappers in
//!    `command/`.)
//! 3. **Hard links**: a file with more than one link may be a known tool under another name. Its
//!    (device, inode) is compared with each known tool's name in each PATH directory on the same
//!    filesystem. That is a few hundred `stat`s, so it is done only when the link count says it
//!    can match (few binaries have a second link: perl, gzip's and bzip2's siblings).
//!
//! A *copy* of a tool under another name is a different file and is not recognised: telling it
//! would mean hashing binaries. SECURITY.md says why that is out of scope (it is not a mistake
//! anyone makes by accident).

use crate::command::{self, wrappers::WRAPPERS, TOOLS};
use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The binary of a known tool that `found` (the file exec will run for argv[0] `written`) is,
/// when the name alone did not say so; `None` when it is no tool safeop knows.
pub fn binary_of(written: &str, found: &Path, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let real = std::fs::canonicalize(found).ok()?;
    let name = command::tool_name(&real.file_name()?.to_string_lossy());
    if name == "busybox" {
        // It runs the applet its name says (or itself, under a `busybox…` name).
        return command::is_guarded_name(&command::tool_name(written)).then_some(real);
    }
    if name == "toybox" {
        return toybox_command(written, found);
    }
    if command::is_guarded_name(&name) {
        return Some(real);
    }
    let meta = std::fs::metadata(&real).ok()?;
    if meta.nlink() < 2 {
        return None;
    }
    same_file_on_path(&meta, path_var)
}

/// The command toybox runs when started as `written` (the file `found`): the first name on the
/// chain of links from it that safeop knows, as that link's path (read again as it by the
/// naming rule); `None` when no name on the way is a tool (toybox refuses one it lacks).
fn toybox_command(written: &str, found: &Path) -> Option<PathBuf> {
    if command::is_guarded_name(&command::tool_name(written)) {
        return Some(found.to_path_buf());
    }
    let mut at = found.to_path_buf();
    for _ in 0..40 {
        let next = std::fs::read_link(&at).ok()?;
        let next = match at.parent() {
            Some(dir) if next.is_relative() => dir.join(next),
            _ => next,
        };
        let name = command::tool_name(&next.file_name()?.to_string_lossy());
        if name == "toybox" {
            return None;
        }
        if command::is_guarded_name(&name) {
            return Some(next);
        }
        at = next;
    }
    None
}

/// A known tool's name in a PATH directory that is this very file (a hard link).
fn same_file_on_path(meta: &std::fs::Metadata, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let path_var = path_var?;
    for dir in std::env::split_paths(path_var) {
        if !dir.is_absolute() {
            continue;
        }
        // A hard link never crosses filesystems.
        if std::fs::metadata(&dir).map(|m| m.dev()).ok() != Some(meta.dev()) {
            continue;
        }
        for name in TOOLS.iter().chain(WRAPPERS) {
            let cand = dir.join(name);
            if let Ok(m) = std::fs::metadata(&cand) {
                if (m.dev(), m.ino()) == (meta.dev(), meta.ino()) {
                    return Some(cand);
                }
            }
        }
    }
    None
}

/// What GNU coreutils compiles into each of its programs (`PACKAGE_BUGREPORT`, printed by
/// `--help`): neither busybox nor uutils carries it.
const GNU_MARK: &[u8] = b"bug-coreutils@gnu.org";

/// Is the `rm` this operation runs GNU coreutils' rm, which honours `--one-file-system`
/// (DESIGN decision 12: uutils before its fix and busybox ignore or reject it)? `Err` says why
/// it is not trusted; unknown is never trusted. Nothing is run (no `rm --version`): the file exec
/// will run, found on every PATH it may be looked up on (`env PATH=…` on the command line, else
/// safeop's, and the secure PATH when sudo may reset it), must be a regular file whose realpath
/// is named `rm` (not a multi-call binary under a link) and carry GNU coreutils' mark.
pub fn gnu_rm(op: &command::Operation) -> Result<(), String> {
    if op.tool != "rm" {
        return Err(format!("`{}` is not rm", op.tool));
    }
    if op.wrappers.iter().any(|w| w == "busybox") {
        return Err("busybox's rm does not honour `--one-file-system`".into());
    }
    if let Some(w) = op
        .wrappers
        .iter()
        .find(|w| *w == "toybox" || *w == "coreutils")
    {
        return Err(format!(
            "the rm inside multi-call `{w}` is not looked at (uutils' rm did not honour \
             `--one-file-system` before its fix)"
        ));
    }
    if let Some(root) = &op.root {
        return Err(format!(
            "the rm inside chroot `{}` is not looked at",
            crate::text::bytes::display(root)
        ));
    }
    let Some(program) = op.argv.first() else {
        return Err("no program".into());
    };
    let mut paths: Vec<std::ffi::OsString> = Vec::new();
    match op.env.get("PATH") {
        Some(p) => paths.push(p.into()),
        None => {
            let strict = crate::context::sudo_mode();
            if strict || op.wrappers.iter().any(|w| w == "sudo") {
                paths.push(crate::exec::SECURE_PATH.into());
            }
            if !strict {
                paths.extend(std::env::var_os("PATH"));
            }
        }
    }
    if paths.is_empty() {
        paths.push(crate::exec::SECURE_PATH.into());
    }
    for p in paths {
        let found = crate::exec::resolve(program, Some(p))
            .map_err(|e| format!("cannot tell which rm runs: {e}"))?;
        let real =
            std::fs::canonicalize(&found).map_err(|e| format!("`{}`: {e}", found.display()))?;
        let shown = real.display();
        if real.file_name() != Some(OsStr::new("rm")) {
            return Err(format!(
                "`{}` is `{shown}`, a multi-call binary or another program, not GNU rm",
                found.display()
            ));
        }
        let text = std::fs::read(&real).map_err(|e| format!("`{shown}`: {e}"))?;
        if !text.windows(GNU_MARK.len()).any(|w| w == GNU_MARK) {
            return Err(format!("`{shown}` is not GNU coreutils' rm"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tool(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, b"#!/bin/sh\n").expect("write");
        p
    }

    #[test]
    fn a_symlink_is_the_tool_it_points_to() {
        let d = tempfile::tempdir().expect("tempdir");
        let dd = tool(d.path(), "dd");
        let zz = d.path().join("zz");
        symlink(&dd, &zz).expect("symlink");
        let real = std::fs::canonicalize(&dd).expect("realpath");
        assert_eq!(binary_of("zz", &zz, None), Some(real.clone()));
        // Through a chain of links, and to a wrapper.
        let yy = d.path().join("yy");
        symlink(&zz, &yy).expect("symlink");
        assert_eq!(binary_of("yy", &yy, None), Some(real));
        let sudo = tool(d.path(), "sudo");
        let s = d.path().join("s");
        symlink(&sudo, &s).expect("symlink");
        assert!(binary_of("s", &s, None).is_some());
    }

    #[test]
    fn a_program_of_its_own_is_no_tool() {
        let d = tempfile::tempdir().expect("tempdir");
        let ls = tool(d.path(), "lsx");
        assert_eq!(binary_of("lsx", &ls, None), None);
        let zz = d.path().join("zz");
        symlink(&ls, &zz).expect("symlink");
        assert_eq!(binary_of("zz", &zz, None), None);
    }

    #[test]
    fn busybox_under_an_unknown_name_runs_that_applet() {
        let d = tempfile::tempdir().expect("tempdir");
        let bb = tool(d.path(), "busybox");
        let zz = d.path().join("zz");
        symlink(&bb, &zz).expect("symlink");
        assert_eq!(binary_of("zz", &zz, None), None);
    }

    #[test]
    fn toybox_follows_the_links_to_a_name_it_knows() {
        let d = tempfile::tempdir().expect("tempdir");
        let tb = tool(d.path(), "toybox");
        let zz = d.path().join("zz");
        symlink(&tb, &zz).expect("symlink");
        assert_eq!(binary_of("zz", &zz, None), None, "toybox refuses `zz`");
        let rm = d.path().join("rm");
        symlink("toybox", &rm).expect("symlink");
        let yy = d.path().join("yy");
        symlink(&rm, &yy).expect("symlink");
        assert_eq!(binary_of("yy", &yy, None), Some(rm));
    }

    #[test]
    fn a_hard_link_is_found_by_inode_on_path() {
        let d = tempfile::tempdir().expect("tempdir");
        let bin = d.path().join("bin");
        std::fs::create_dir(&bin).expect("mkdir");
        let dd = tool(&bin, "dd");
        let zz = d.path().join("zz");
        std::fs::hard_link(&dd, &zz).expect("link");
        let path = std::env::join_paths(["relative/bin".as_ref(), bin.as_path()]).expect("PATH");
        assert_eq!(binary_of("zz", &zz, Some(&path)), Some(dd));
        assert_eq!(binary_of("zz", &zz, None), None, "no PATH, no candidates");
        // A file with one link is not looked for.
        let lone = tool(d.path(), "lone");
        assert_eq!(binary_of("lone", &lone, Some(&path)), None);
    }

    fn rm_op(line: &str) -> crate::command::Operation {
        crate::command::parse_str(line)
    }

    #[test]
    fn gnu_rm_is_told_by_its_file() {
        // This machine's rm, when it is GNU's (CI's is).
        let real = std::fs::read("/bin/rm").unwrap_or_default();
        if real.windows(GNU_MARK.len()).any(|w| w == GNU_MARK) {
            assert_eq!(
                gnu_rm(&rm_op("env PATH=/bin rm -rf --one-file-system x")),
                Ok(())
            );
        }
        let d = tempfile::tempdir().expect("tempdir");
        // A script named rm is not GNU rm.
        let rm = tool(d.path(), "rm");
        std::fs::set_permissions(&rm, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let line = format!("env PATH={} rm -rf --one-file-system x", d.path().display());
        let why = gnu_rm(&rm_op(&line)).expect_err("a script");
        assert!(why.contains("is not GNU coreutils' rm"), "{why}");
        // A link named rm to a multi-call binary is not either, even one that carries the mark.
        let multi = d.path().join("multi");
        std::fs::create_dir(&multi).expect("mkdir");
        let cu = multi.join("coreutils");
        std::fs::write(&cu, b"bug-coreutils@gnu.org").expect("write");
        std::fs::set_permissions(&cu, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let bin = d.path().join("bin");
        std::fs::create_dir(&bin).expect("mkdir");
        symlink(&cu, bin.join("rm")).expect("symlink");
        let line = format!("env PATH={} rm -rf --one-file-system x", bin.display());
        let why = gnu_rm(&rm_op(&line)).expect_err("a multi-call binary");
        assert!(why.contains("multi-call"), "{why}");
        assert!(gnu_rm(&rm_op("busybox rm -rf --one-file-system x")).is_err());
        assert!(gnu_rm(&rm_op("toybox rm -rf --one-file-system x")).is_err());
        assert!(gnu_rm(&rm_op(
            "coreutils --coreutils-prog=rm -rf --one-file-system x"
        ))
        .is_err());
        assert!(gnu_rm(&rm_op("chroot /srv/c rm -rf --one-file-system x")).is_err());
        let why = gnu_rm(&rm_op("env PATH=/nonexistent rm -rf x")).expect_err("none found");
        assert!(why.contains("cannot tell which rm runs"), "{why}");
    }
}
