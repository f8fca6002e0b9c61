//! Source trees of `cp -r`/`cp -a` and local `rsync`: how many names a copy creates at its
//! destination, and how many blocks their data takes.
//!
//! Directories are read in parallel (std `read_dir` on rayon's pool); symlinks are never
//! followed; a directory that already exists at the destination is listed once so that names
//! already present there are not counted (cp overwrites them in place, rsync replaces them).
//! With hard links preserved (`cp -a`, `--preserve=links`, `rsync -H`) a file with several names
//! is counted once, by (device, inode). Regular files and symlinks are stat'ed (one `fstatat`
//! each, relative to the open directory) for their size; directories are never stat'ed unless
//! `-x`/`--one-file-system` asks to stay on one filesystem. Counting inodes alone needs no stat
//! at all (the directory entry's type is enough) unless hard links are preserved.

use super::{progress, Tally};
use std::collections::HashSet;
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, Default)]
pub struct Opts {
    /// Count a file with several names once (hard links preserved by the copy).
    pub hard_links: bool,
    /// Do not descend into directories on another filesystem (they are still created, empty).
    pub one_file_system: bool,
    /// Follow a symlink given as the source itself (cp -L/-H, rsync -L/-k do more; see docs).
    pub follow_root: bool,
    /// Take file sizes (one stat per file). Without, only inodes are counted and files are
    /// stat'ed only when hard links must be told apart.
    pub sizes: bool,
}

struct Shared {
    opts: Opts,
    block: u64,
    root_dev: u64,
    inodes: AtomicU64,
    bytes: AtomicU64,
    entries: AtomicU64,
    present: AtomicU64,
    links: Mutex<HashSet<(u64, u64)>>,
    error: Mutex<Option<String>>,
}

impl Shared {
    fn fail(&self, msg: String) {
        if let Ok(mut e) = self.error.lock() {
            e.get_or_insert(msg);
        }
    }
    fn first_link(&self, m: &std::fs::Metadata) -> bool {
        if !self.opts.hard_links || m.nlink() < 2 {
            return true;
        }
        self.links
            .lock()
            .map(|mut s| s.insert((m.dev(), m.ino())))
            .unwrap_or(true)
    }
}

/// Adds to `tally` what copying `src` (itself included) to `dst` creates.
pub fn count(src: &Path, dst: &Path, opts: Opts, tally: &mut Tally) -> Result<(), String> {
    let meta = if opts.follow_root {
        std::fs::metadata(src)
    } else {
        std::fs::symlink_metadata(src)
    }
    .map_err(|e| {
        format!(
            "cannot read source `{}`: {e}",
            crate::text::bytes::show_path(src)
        )
    })?;
    let dst_meta = std::fs::symlink_metadata(dst).ok();
    let block = tally.block;
    let sh = Shared {
        opts,
        block,
        root_dev: meta.dev(),
        inodes: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        entries: AtomicU64::new(1),
        present: AtomicU64::new(0),
        links: Mutex::new(HashSet::new()),
        error: Mutex::new(None),
    };
    if dst_meta.is_some() {
        sh.present.fetch_add(1, Ordering::Relaxed);
    } else {
        sh.inodes.fetch_add(1, Ordering::Relaxed);
        sh.bytes
            .fetch_add(bytes_of(&meta, block), Ordering::Relaxed);
        sh.first_link(&meta);
    }
    if meta.is_dir() {
        let dst_dir = dst_meta.filter(|m| m.is_dir()).map(|_| dst.to_path_buf());
        rayon::scope(|s| walk_dir(s, &sh, src.to_path_buf(), dst_dir));
    }
    if let Some(e) = sh.error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    tally.inodes += sh.inodes.into_inner();
    tally.bytes += sh.bytes.into_inner();
    tally.entries += sh.entries.into_inner();
    tally.present += sh.present.into_inner();
    Ok(())
}

fn bytes_of(m: &std::fs::Metadata, block: u64) -> u64 {
    let ft = m.file_type();
    if ft.is_dir() {
        block
    } else if ft.is_file() {
        super::round_up(m.len(), block)
    } else if ft.is_symlink() && m.len() > super::FAST_SYMLINK_MAX {
        block
    } else {
        0
    }
}

fn walk_dir<'s>(s: &rayon::Scope<'s>, sh: &'s Shared, src: PathBuf, dst: Option<PathBuf>) {
    let rd = match std::fs::read_dir(&src) {
        Ok(rd) => rd,
        Err(e) => {
            return sh.fail(format!(
                "cannot read source directory `{}`: {e}",
                crate::text::bytes::show_path(&src)
            ))
        }
    };
    let existing: Option<HashSet<OsString>> = dst
        .as_ref()
        .and_then(|d| std::fs::read_dir(d).ok())
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect());
    let (mut inodes, mut bytes, mut entries, mut present) = (0u64, 0u64, 0u64, 0u64);
    for e in rd {
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                return sh.fail(format!(
                    "cannot read source directory `{}`: {err}",
                    crate::text::bytes::show_path(&src)
                ))
            }
        };
        entries += 1;
        let ft = match e.file_type() {
            Ok(t) => t,
            Err(err) => {
                return sh.fail(format!(
                    "cannot stat `{}`: {err}",
                    crate::text::bytes::show_path(&e.path())
                ))
            }
        };
        // The name is only needed against an existing destination directory (it allocates).
        let here = existing
            .as_ref()
            .is_some_and(|x| x.contains(&e.file_name()));
        if ft.is_dir() {
            let mut descend = true;
            if sh.opts.one_file_system {
                match e.metadata() {
                    Ok(m) => descend = m.dev() == sh.root_dev,
                    Err(err) => {
                        return sh.fail(format!(
                            "cannot stat `{}`: {err}",
                            crate::text::bytes::show_path(&e.path())
                        ))
                    }
                }
            }
            if here {
                present += 1;
            } else {
                inodes += 1;
                bytes += sh.block;
            }
            if descend {
                let child_dst = if here {
                    dst.as_ref().map(|d| d.join(e.file_name()))
                } else {
                    None
                };
                let path = e.path();
                s.spawn(move |s| walk_dir(s, sh, path, child_dst));
            }
            continue;
        }
        if here {
            present += 1;
            continue;
        }
        let need_stat = if ft.is_file() {
            sh.opts.sizes || sh.opts.hard_links
        } else {
            sh.opts.sizes && ft.is_symlink()
        };
        if need_stat {
            let m = match e.metadata() {
                Ok(m) => m,
                Err(err) => {
                    return sh.fail(format!(
                        "cannot stat `{}`: {err}",
                        crate::text::bytes::show_path(&e.path())
                    ))
                }
            };
            if ft.is_file() && !sh.first_link(&m) {
                continue;
            }
            bytes += bytes_of(&m, sh.block);
        }
        inodes += 1;
    }
    sh.inodes.fetch_add(inodes, Ordering::Relaxed);
    sh.bytes.fetch_add(bytes, Ordering::Relaxed);
    sh.entries.fetch_add(entries, Ordering::Relaxed);
    sh.present.fetch_add(present, Ordering::Relaxed);
    progress::add(entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) {
        std::fs::create_dir_all(root.join("a/b")).expect("mkdir");
        std::fs::create_dir_all(root.join("empty")).expect("mkdir");
        std::fs::write(root.join("a/f1"), [1u8; 5000]).expect("write");
        std::fs::write(root.join("a/b/g"), b"g").expect("write");
        std::fs::hard_link(root.join("a/f1"), root.join("hard")).expect("link");
        std::os::unix::fs::symlink("a/f1", root.join("sym")).expect("symlink");
    }

    fn tally() -> Tally {
        Tally::new(4096)
    }

    const SIZED: Opts = Opts {
        hard_links: false,
        one_file_system: false,
        follow_root: false,
        sizes: true,
    };

    #[test]
    fn counts_every_name_into_an_empty_destination() {
        let d = tempfile::tempdir().expect("tempdir");
        tree(&d.path().join("src"));
        let mut t = tally();
        count(&d.path().join("src"), &d.path().join("dst"), SIZED, &mut t).expect("counts");
        // src, a, a/b, empty, a/f1, a/b/g, hard, sym
        assert_eq!((t.inodes, t.entries), (8, 8));
        // 4 dirs, f1 two blocks, g one, hard two (not preserved: a separate copy)
        assert_eq!(t.bytes, 4096 * (4 + 2 + 1 + 2));
        let mut t = tally();
        let opts = Opts {
            hard_links: true,
            ..SIZED
        };
        count(&d.path().join("src"), &d.path().join("dst"), opts, &mut t).expect("counts");
        assert_eq!(t.inodes, 7, "a preserved hard link creates no inode");
        let mut t = tally();
        count(
            &d.path().join("src"),
            &d.path().join("dst"),
            Opts::default(),
            &mut t,
        )
        .expect("counts");
        assert_eq!(t.inodes, 8, "inodes alone need no stat of files");
    }

    #[test]
    fn names_already_at_the_destination_need_no_inode() {
        let d = tempfile::tempdir().expect("tempdir");
        tree(&d.path().join("src"));
        tree(&d.path().join("dst"));
        std::fs::remove_file(d.path().join("dst/a/b/g")).expect("rm");
        let mut t = tally();
        count(&d.path().join("src"), &d.path().join("dst"), SIZED, &mut t).expect("counts");
        assert_eq!((t.inodes, t.bytes, t.present), (1, 4096, 7));
    }

    #[test]
    fn an_unreadable_source_is_an_error_naming_it() {
        let d = tempfile::tempdir().expect("tempdir");
        let e = count(
            &d.path().join("nope"),
            &d.path().join("dst"),
            Opts::default(),
            &mut tally(),
        )
        .expect_err("missing");
        assert!(e.contains("nope"), "{e}");
    }
}
