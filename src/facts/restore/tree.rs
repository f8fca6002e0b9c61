//! Source trees of `cp -r`/`cp -a` and local `rsync`: how many names a copy creates at its
//! destination, and how many blocks their data takes.
//!
//! Directories are read in parallel (std `read_dir` on rayon's pool); symlinks are never
//! followed; a directory that already exists at the destination is listed once so that names
//! already present there need no new inode. What a file already present costs in bytes depends
//! on how the tool replaces it ([`Replace`]): cp writes over it in place (its growth), rsync
//! writes a temporary copy beside it unless its size and mtime match (the quick check).
//! With hard links preserved (`cp -a`, `--preserve=links`, `rsync -H`) a file with several names
//! is counted once, by (device, inode). Regular files and symlinks are stat'ed (one `fstatat`
//! each, relative to the open directory) for their size; directories are never stat'ed unless
//! `-x`/`--one-file-system` asks to stay on one filesystem. Counting inodes alone needs no stat
//! at all (the directory entry's type is enough) unless hard links are preserved.

use super::{progress, round_up, Replace, Tally};
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
    /// What a name already present at the destination costs.
    pub replace: Replace,
    /// `cp -u`: a file is not copied over one at least as new.
    pub update_older: bool,
    /// `cp -l` / `cp -s`: files become links, not copies.
    pub link: Link,
}

/// What `cp` makes of a source file: a copy, a hard link (`-l`: no inode, no data), or a
/// symbolic link (`-s`: an inode, no data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Link {
    #[default]
    Copy,
    Hard,
    Symbolic,
}

struct Shared {
    opts: Opts,
    block: u64,
    root_dev: u64,
    inodes: AtomicU64,
    bytes: AtomicU64,
    entries: AtomicU64,
    present: AtomicU64,
    /// rsync: files replaced through a temporary copy (one is in flight at a time).
    replaced: AtomicU64,
    /// rsync: the largest `min(old, new)` of a file replaced through a temporary copy: the
    /// space the copy in flight holds beyond the growth of the files before it.
    in_flight: AtomicU64,
    links: Mutex<HashSet<(u64, u64)>>,
    error: Mutex<Option<String>>,
}

impl Shared {
    /// What replacing `dst` (present at the destination) by `src` costs: (inodes, bytes).
    /// `src_meta` is the source's metadata when it was already taken; files are stat'ed here
    /// only when sizes are taken (or rsync must tell transferred files apart).
    fn replaced_cost(
        &self,
        src: &Path,
        src_meta: Option<&std::fs::Metadata>,
        dst: &Path,
        is_file: bool,
    ) -> Result<(u64, u64), String> {
        let stat = |p: &Path| {
            std::fs::symlink_metadata(p)
                .map_err(|e| format!("cannot stat `{}`: {e}", crate::text::bytes::show_path(p)))
        };
        let both = |me: &Shared| -> Result<Option<(std::fs::Metadata, std::fs::Metadata)>, String> {
            if !is_file || !me.opts.sizes {
                return Ok(None);
            }
            let s = match src_meta {
                Some(m) => m.clone(),
                None => stat(src)?,
            };
            let d = stat(dst)?;
            Ok(d.is_file().then_some((s, d)))
        };
        Ok(match self.opts.replace {
            Replace::Skip => (0, 0),
            _ if self.opts.link == Link::Hard => (0, 0),
            Replace::Backup => {
                let bytes = match (self.opts.sizes, src_meta) {
                    (false, _) => 0,
                    (true, Some(m)) => bytes_of(m, self.block),
                    (true, None) => bytes_of(&stat(src)?, self.block),
                };
                (
                    1,
                    if self.opts.link == Link::Copy {
                        bytes
                    } else {
                        0
                    },
                )
            }
            _ if self.opts.link == Link::Symbolic => (0, 0),
            Replace::Growth => match both(self)? {
                Some((s, d)) if !(self.opts.update_older && d.mtime() >= s.mtime()) => {
                    (0, growth(s.len(), &d, self.block))
                }
                _ => (0, 0),
            },
            Replace::TempCopy {
                delay,
                ignore_times,
                size_only,
                checksum,
            } => {
                // Without sizes the inode side still pays for the copy in flight.
                if !is_file {
                    return Ok((0, 0));
                }
                self.replaced.fetch_add(1, Ordering::Relaxed);
                let Some((s, d)) = both(self)? else {
                    return Ok((u64::from(delay), 0));
                };
                let same = s.len() == d.len()
                    && !ignore_times
                    && !checksum
                    && (size_only || s.mtime() == d.mtime());
                if same {
                    return Ok((0, 0));
                }
                let new = round_up(s.len(), self.block);
                let old = allocated(&d);
                if delay {
                    // Every temporary copy waits for the end beside its old file.
                    (1, new)
                } else {
                    self.in_flight.fetch_max(new.min(old), Ordering::Relaxed);
                    (0, new.saturating_sub(old))
                }
            }
        })
    }

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
        replaced: AtomicU64::new(0),
        in_flight: AtomicU64::new(0),
        links: Mutex::new(HashSet::new()),
        error: Mutex::new(None),
    };
    if let Some(d) = &dst_meta {
        sh.present.fetch_add(1, Ordering::Relaxed);
        if !(meta.is_dir() && d.is_dir()) {
            let (i, b) = sh.replaced_cost(src, Some(&meta), dst, meta.is_file())?;
            sh.inodes.fetch_add(i, Ordering::Relaxed);
            sh.bytes.fetch_add(b, Ordering::Relaxed);
        }
    } else if !(meta.is_file() && opts.link == Link::Hard) {
        sh.inodes.fetch_add(1, Ordering::Relaxed);
        let b = if meta.is_file() && opts.link == Link::Symbolic {
            0
        } else {
            bytes_of(&meta, block)
        };
        sh.bytes.fetch_add(b, Ordering::Relaxed);
        sh.first_link(&meta);
    }
    if meta.is_dir() {
        let dst_dir = dst_meta.filter(|m| m.is_dir()).map(|_| dst.to_path_buf());
        rayon::scope(|s| walk_dir(s, &sh, src.to_path_buf(), dst_dir));
    }
    if let Some(e) = sh.error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    // rsync's temporary copy in flight: one inode, and the space beside its old file.
    let in_flight = u64::from(
        sh.replaced.into_inner() > 0
            && !matches!(opts.replace, Replace::TempCopy { delay: true, .. }),
    );
    tally.inodes += sh.inodes.into_inner() + in_flight;
    tally.bytes += sh.bytes.into_inner() + sh.in_flight.into_inner();
    tally.entries += sh.entries.into_inner();
    tally.present += sh.present.into_inner();
    Ok(())
}

/// The space a file holds now (st_blocks × 512): what writing over it frees.
pub fn allocated(m: &std::fs::Metadata) -> u64 {
    m.blocks().saturating_mul(512)
}

/// What writing `new_len` bytes over the file `old` adds: the new blocks less those it frees.
pub fn growth(new_len: u64, old: &std::fs::Metadata, block: u64) -> u64 {
    round_up(new_len, block).saturating_sub(allocated(old))
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
            if let Some(d) = &dst {
                match sh.replaced_cost(&e.path(), None, &d.join(e.file_name()), ft.is_file()) {
                    Ok((i, b)) => {
                        inodes += i;
                        bytes += b;
                    }
                    Err(err) => return sh.fail(err),
                }
            }
            continue;
        }
        if ft.is_file() && sh.opts.link == Link::Hard {
            continue; // a new name for the source file: no inode, no data
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
            if !(ft.is_file() && sh.opts.link == Link::Symbolic) {
                bytes += bytes_of(&m, sh.block);
            }
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
        replace: Replace::Growth,
        update_older: false,
        link: Link::Copy,
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

    /// A file of `len` bytes with mtime `secs` after the epoch.
    fn file_at(p: &Path, len: usize, secs: u64) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, vec![7u8; len]).expect("write");
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(p)
            .and_then(|f| f.set_modified(t))
            .expect("mtime");
    }

    fn sized(replace: Replace) -> Opts {
        Opts { replace, ..SIZED }
    }

    #[test]
    fn a_file_written_over_in_place_costs_its_growth_only() {
        let d = tempfile::tempdir().expect("tempdir");
        file_at(&d.path().join("src/big"), 5 * 4096, 100);
        file_at(&d.path().join("src/same"), 4096, 100);
        file_at(&d.path().join("dst/big"), 4096, 50);
        file_at(&d.path().join("dst/same"), 4096, 50);
        let count_with = |o: Opts| {
            let mut t = tally();
            count(&d.path().join("src"), &d.path().join("dst"), o, &mut t).expect("counts");
            t
        };
        let t = count_with(SIZED);
        assert_eq!(
            (t.inodes, t.present),
            (0, 3),
            "dst itself and both files are there"
        );
        assert_eq!(t.bytes, 4 * 4096, "big grows by four blocks, same by none");
        // cp -n leaves them; cp --backup keeps the old ones beside the new
        assert_eq!(count_with(sized(Replace::Skip)).bytes, 0);
        let t = count_with(sized(Replace::Backup));
        assert_eq!((t.inodes, t.bytes), (2, 6 * 4096));
        // cp -u: the destination is older, so both are copied; make `same` newer and it is not
        file_at(&d.path().join("dst/big"), 4096, 500);
        let t = count_with(Opts {
            update_older: true,
            ..SIZED
        });
        assert_eq!(t.bytes, 0, "the destination is newer: cp -u copies nothing");
    }

    #[test]
    fn rsync_pays_for_the_temporary_copy_of_what_it_transfers() {
        let d = tempfile::tempdir().expect("tempdir");
        file_at(&d.path().join("src/grown"), 3 * 4096, 100);
        file_at(&d.path().join("src/same"), 2 * 4096, 100);
        file_at(&d.path().join("dst/grown"), 4096, 100);
        file_at(&d.path().join("dst/same"), 2 * 4096, 100);
        let temp = |delay: bool, ignore_times: bool| Replace::TempCopy {
            delay,
            ignore_times,
            size_only: false,
            checksum: false,
        };
        let count_with = |o: Opts| {
            let mut t = tally();
            count(&d.path().join("src"), &d.path().join("dst"), o, &mut t).expect("counts");
            t
        };
        // `same` passes the quick check; `grown` grows by 2 blocks and its copy in flight
        // holds 1 more (the old block) while both exist; one inode for that copy
        let t = count_with(sized(temp(false, false)));
        assert_eq!((t.inodes, t.bytes), (1, 3 * 4096));
        // -I transfers `same` too: its copy in flight is the biggest, 2 blocks
        let t = count_with(sized(temp(false, true)));
        assert_eq!((t.inodes, t.bytes), (1, 4 * 4096));
        // --delay-updates: every temporary copy at once, full size, an inode each
        let t = count_with(sized(temp(true, false)));
        assert_eq!((t.inodes, t.bytes), (1, 3 * 4096));
        // --inplace: growth only, no temporary file
        let t = count_with(sized(Replace::Growth));
        assert_eq!((t.inodes, t.bytes), (0, 2 * 4096));
    }

    #[test]
    fn hard_link_copies_make_no_file() {
        let d = tempfile::tempdir().expect("tempdir");
        tree(&d.path().join("src"));
        let mut t = tally();
        let o = Opts {
            link: Link::Hard,
            ..SIZED
        };
        count(&d.path().join("src"), &d.path().join("dst"), o, &mut t).expect("counts");
        // src, a, a/b, empty are made; f1, g, hard are links; sym is copied as a symlink
        assert_eq!((t.inodes, t.bytes), (5, 4 * 4096));
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
