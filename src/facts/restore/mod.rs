//! Will the restore fit? The inodes and bytes a restore creates (`tar -x`, `cp -r`/`cp -a`,
//! local `rsync`, `restic restore`, `borg extract`) and what the destination filesystem has.
//!
//! This is the guard for incident 001: a restore from backup exhausted the root filesystem's
//! inodes and the mailing lists stayed down for 16 hours. Everything here only reads: archives
//! are walked header by header, trees listed, repositories listed by their own tools. Nothing is
//! extracted, created or locked.
//!
//! Three probes: `restore` (the need: counting, the costly one), `restore.dest` (statvfs and
//! mountinfo of the destination), and `restore.after.*` (arithmetic on the two, also from a
//! facts snapshot).

pub mod archive;
pub mod backup;
pub mod dest;
pub mod progress;
pub mod tree;

use super::{normalize, FactDef, Facts, Probe, ProbeFn, ProbeResult, Scope};
use crate::command::Kind;
use crate::text::bytes;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What a restored entry is, as far as inodes and blocks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    /// Another name for a file restored earlier: no inode, no data.
    HardLink,
    Symlink,
    Dir,
    /// Character or block device node.
    Device,
    /// FIFO or socket.
    Fifo,
}

/// Symlink targets up to this length are stored in the inode (ext4: under 60 bytes).
pub const FAST_SYMLINK_MAX: u64 = 59;

pub fn round_up(n: u64, block: u64) -> u64 {
    if block == 0 {
        n
    } else {
        n.div_ceil(block).saturating_mul(block)
    }
}

/// Running totals of one restore.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub block: u64,
    /// New inodes.
    pub inodes: u64,
    /// New data, each file rounded up to `block`, one block per directory.
    pub bytes: u64,
    /// Every entry looked at (hard links and names already present included).
    pub entries: u64,
    /// Names that already exist at the destination.
    pub present: u64,
    pub hard_links: u64,
    /// For tar: how the archive is compressed.
    pub compression: Option<&'static str>,
}

impl Tally {
    pub fn new(block: u64) -> Tally {
        Tally {
            block,
            ..Tally::default()
        }
    }
}

/// What a name that already exists at the destination costs when the restore writes it again.
///
/// A directory is merged into, never replaced. For the rest:
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Replace {
    /// Written over in place, or unlinked just before the new file is made (cp, tar, borg,
    /// restic, rsync `--inplace`/`--append`): the old file's blocks are freed as the new ones
    /// are written, so only the growth counts, and no new inode.
    #[default]
    Growth,
    /// Left alone (cp `-n`, tar `-k`/`--skip-old-files`, rsync `--ignore-existing`): nothing.
    Skip,
    /// Kept as a backup beside the new file (`--backup`): a new inode and the full size.
    Backup,
    /// rsync without `--inplace`: the new file is written to a temporary file beside the old
    /// one and renamed over it, unless the quick check (same size and mtime) skips it. Each
    /// transferred file needs its full size while the old one still exists: the growth of every
    /// file, plus the largest such copy in flight, plus one inode for it. With
    /// `--delay-updates` every temporary copy waits for the end: the full size and an inode each.
    TempCopy {
        delay: bool,
        ignore_times: bool,
        size_only: bool,
        checksum: bool,
    },
}

/// Places archive-style entries (tar members, restic nodes, borg items) under the destination:
/// applies `--strip-components`, `--one-top-level` and member selection, and looks up names
/// that already exist there (a stat per entry only below directories that exist; below a new
/// directory nothing exists).
pub struct Placer {
    dest: PathBuf,
    strip: usize,
    members: Vec<String>,
    /// `tar --one-top-level`: every member lands below this directory.
    top: Option<String>,
    replace: Replace,
    /// Relative directory → exists at the destination.
    dirs: HashMap<String, bool>,
    /// Relative directories this restore creates (listed, or implied by a member below them).
    created: HashSet<String>,
    inodes_seen: HashSet<u64>,
}

fn clean(p: &str) -> String {
    p.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The first of `members` that selects the archive name `name` (the member itself or a name
/// below it), as GNU tar matches the names on its command line.
pub fn member_of(members: &[String], name: &str) -> Option<usize> {
    let name = clean_cow(name);
    members.iter().position(|m| {
        name.starts_with(m.as_str()) && (name.len() == m.len() || name.as_bytes()[m.len()] == b'/')
    })
}

impl Placer {
    pub fn new(dest: &Path, strip: usize, members: Vec<String>) -> Placer {
        let mut dirs = HashMap::new();
        dirs.insert(String::new(), dest.is_dir());
        Placer {
            dest: dest.to_path_buf(),
            strip,
            members: members.iter().map(|m| clean(m)).collect(),
            top: None,
            replace: Replace::Growth,
            dirs,
            created: HashSet::new(),
            inodes_seen: HashSet::new(),
        }
    }

    /// How names already at the destination are paid for ([`Replace::Growth`] unless told).
    pub fn replacing(mut self, r: Replace) -> Placer {
        self.replace = r;
        self
    }

    /// `tar --one-top-level=DIR`: members land in DIR (those already named `DIR/…` stay).
    pub fn top_level(mut self, dir: Option<String>) -> Placer {
        self.top = dir.map(|d| clean(&d)).filter(|d| !d.is_empty());
        self
    }

    /// True the first time an inode number is seen (hard-link detection from listings).
    pub fn first_inode(&mut self, ino: u64) -> bool {
        self.inodes_seen.insert(ino)
    }

    fn dir_exists(&mut self, rel: &str) -> bool {
        if let Some(e) = self.dirs.get(rel) {
            return *e;
        }
        let parent = rel.rsplit_once('/').map_or("", |(p, _)| p).to_string();
        let e = self.dir_exists(&parent) && self.dest.join(bytes::path(rel)).is_dir();
        self.dirs.insert(rel.to_string(), e);
        e
    }

    /// Directories that tar, restic and borg create on the way to a member whose parents the
    /// archive does not list (member selection, `--strip-components`, sparse listings).
    fn make_parents(&mut self, t: &mut Tally, dir: &str) {
        if dir.is_empty() || self.created.contains(dir) || self.dir_exists(dir) {
            return;
        }
        let up = dir.rsplit_once('/').map_or("", |(p, _)| p).to_string();
        self.make_parents(t, &up);
        self.created.insert(dir.to_string());
        t.inodes += 1;
        t.bytes += t.block;
    }

    /// What the entry costs over `old`, the name already at the destination.
    fn replaced(&self, t: &mut Tally, kind: EntryKind, size: u64, old: &std::fs::Metadata) {
        match self.replace {
            Replace::Skip => {}
            Replace::Backup => {
                t.inodes += 1;
                t.bytes += entry_bytes(kind, size, 0, t.block);
            }
            _ if kind == EntryKind::File && old.is_file() => {
                t.bytes += tree::growth(size, old, t.block);
            }
            _ => {}
        }
    }

    /// Accounts one entry named `path` (as stored in the archive or repository).
    pub fn add(&mut self, t: &mut Tally, path: &str, kind: EntryKind, size: u64, link_len: usize) {
        let name = clean_cow(path);
        if !self.members.is_empty()
            && !self.members.iter().any(|m| {
                name.starts_with(m.as_str())
                    && (name.len() == m.len() || name.as_bytes()[m.len()] == b'/')
            })
        {
            return;
        }
        t.entries += 1;
        progress::add(1);
        let mut rel: Cow<str> = if self.strip == 0 {
            name
        } else {
            // GNU tar counts every `/`-separated component, `.` included, when stripping.
            let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
            if comps.len() <= self.strip {
                return;
            }
            Cow::Owned(clean(&comps[self.strip..].join("/")))
        };
        if let Some(top) = &self.top {
            let inside = rel.starts_with(top.as_str())
                && (rel.len() == top.len() || rel.as_bytes()[top.len()] == b'/');
            if !inside {
                rel = if rel.is_empty() {
                    Cow::Owned(top.clone())
                } else {
                    Cow::Owned(format!("{top}/{rel}"))
                };
            }
        }
        if rel.is_empty() {
            t.present += 1;
            return;
        }
        if kind == EntryKind::HardLink {
            t.hard_links += 1;
            return;
        }
        let parent = rel.rsplit_once('/').map_or("", |(p, _)| p);
        let old = if !self.created.contains(parent) && self.dir_exists(parent) {
            std::fs::symlink_metadata(self.dest.join(bytes::path(&rel))).ok()
        } else {
            None
        };
        if let Some(old) = old {
            t.present += 1;
            if kind == EntryKind::Dir {
                self.dirs.insert(rel.into_owned(), old.is_dir());
            } else {
                self.replaced(t, kind, size, &old);
            }
            return;
        }
        if kind == EntryKind::Dir && !self.created.insert(rel.to_string()) {
            return; // already made for a member listed before it
        }
        if !parent.is_empty() && !self.created.contains(parent) {
            self.make_parents(t, parent);
        }
        t.inodes += 1;
        t.bytes += entry_bytes(kind, size, link_len, t.block);
    }
}

/// The blocks a new entry takes: a file its size rounded up, a directory one block, a symlink
/// one block when its target is too long to live in the inode.
fn entry_bytes(kind: EntryKind, size: u64, link_len: usize, block: u64) -> u64 {
    match kind {
        EntryKind::File => round_up(size, block),
        EntryKind::Dir => block,
        EntryKind::Symlink if link_len as u64 > FAST_SYMLINK_MAX => block,
        _ => 0,
    }
}

/// `clean` without allocating when the name is already clean (the common case).
fn clean_cow(p: &str) -> Cow<'_, str> {
    let trimmed = p.trim_matches('/');
    let messy = trimmed.contains("//")
        || trimmed == "."
        || trimmed.starts_with("./")
        || trimmed.ends_with("/.")
        || trimmed.contains("/./");
    if messy {
        Cow::Owned(clean(p))
    } else {
        Cow::Borrowed(trimmed)
    }
}

fn opt<'a>(f: &'a Facts, name: &str) -> Option<&'a str> {
    f.op.options
        .get(name)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

fn strip_of(f: &Facts) -> Result<usize, String> {
    match opt(f, "strip_components") {
        None => Ok(0),
        Some(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("--strip-components `{s}` is not a number")),
    }
}

/// How to make an archive countable, said at the end of every "cannot count" reason.
const GIVE_FILE: &str = "give the archive with -f FILE so safeop can count it";

/// The archive a `tar -x` reads, as a file safeop can walk; the reason it cannot otherwise.
/// Only regular files and block devices are read: standard input, a FIFO, a socket or a tape
/// cannot be read without taking the data away from tar, and a remote archive is elsewhere.
fn tar_archive(f: &Facts) -> Result<(String, PathBuf), String> {
    let mut archive = opt(f, "archive")
        .or_else(|| f.op.sources.first().map(String::as_str))
        .unwrap_or("-")
        .to_string();
    if f.op.has("default_archive") {
        // No -f: GNU tar reads $TAPE when set (the command line's own assignment first).
        let tape =
            f.op.env
                .get("TAPE")
                .cloned()
                .or_else(|| std::env::var("TAPE").ok())
                .filter(|t| !t.is_empty());
        if let Some(t) = tape {
            archive = t;
        }
    }
    let shown = bytes::display(&archive).into_owned();
    if archive == "-" {
        return Err(format!(
            "the archive comes from standard input (`-f -`, or no -f): safeop cannot read it without taking it from tar; {GIVE_FILE}"
        ));
    }
    if f.op.has("remote_archive") {
        return Err(format!(
            "the archive `{shown}` is on another host: copy it here and {GIVE_FILE}"
        ));
    }
    let path = normalize(&f.cwd.join(bytes::path(&archive)));
    let own_fd = path == Path::new("/dev/stdin")
        || path.starts_with("/dev/fd")
        || (path.starts_with("/proc")
            && path
                .components()
                .nth(3)
                .is_some_and(|c| c.as_os_str() == "fd"));
    if own_fd {
        return Err(format!(
            "the archive `{shown}` is a file descriptor (standard input or a pipe): safeop cannot read it without taking it from tar; {GIVE_FILE}"
        ));
    }
    let meta = std::fs::metadata(&path)
        .map_err(|e| format!("cannot read archive `{}`: {e}", bytes::show_path(&path)))?;
    use std::os::unix::fs::FileTypeExt;
    let ft = meta.file_type();
    let what = if ft.is_fifo() {
        "a FIFO (a named pipe): reading it would take the data from tar"
    } else if ft.is_socket() {
        "a socket: reading it would take the data from tar"
    } else if ft.is_char_device() {
        "a character device (a tape drive?): reading it would move the tape or take the data from tar"
    } else if ft.is_dir() {
        "a directory, which tar cannot read"
    } else {
        return Ok((archive, path));
    };
    Err(format!("the archive `{shown}` is {what}; {GIVE_FILE}"))
}

/// Compression suffixes GNU tar 1.34 strips to name the `--one-top-level` directory (its
/// `compression_suffixes` table; `tar` itself strips nothing more).
const TAR_SUFFIXES: &[&str] = &[
    "tar", "gz", "tgz", "taz", "Z", "taZ", "bz2", "tbz", "tbz2", "tz2", "lz", "lzma", "tlz", "lzo",
    "xz", "txz", "zst", "tzst",
];

/// The directory `--one-top-level` without `=DIR` puts members in: the archive's base name
/// less its compression suffix, and less a `.tar` before a suffix not starting with `t`
/// (`a.tar.gz` → `a`, `a.tgz` → `a`, `a.tar.tar` → `a.tar`). `None`: GNU tar cannot deduce one
/// (`Cannot deduce top-level directory name`).
pub fn top_level_name(archive: &str) -> Option<String> {
    let base = archive.rsplit('/').next().unwrap_or(archive);
    let (stem, ext) = base.rsplit_once('.')?;
    if !TAR_SUFFIXES.contains(&ext) {
        return None;
    }
    let stem = match stem.strip_suffix(".tar") {
        Some(s) if !ext.starts_with('t') && !s.is_empty() => s,
        _ => stem,
    };
    (!stem.is_empty()).then(|| stem.to_string())
}

/// What names already at the destination cost for `tar -x`.
fn tar_replace(f: &Facts) -> Replace {
    if f.op.has("keep_old_files") || f.op.has("skip_old_files") {
        Replace::Skip
    } else if f.op.has("backup") {
        Replace::Backup
    } else {
        Replace::Growth
    }
}

/// `tar -x`: walks the archive once; each member lands in the destination of the `-C` in
/// effect where its name was given (all in the one destination without member names).
fn tar_need(f: &Facts, dests: &[PathBuf], tallies: &mut [Tally]) -> Result<bool, String> {
    let (archive, path) = tar_archive(f)?;
    let lines = |name: &str| -> Vec<String> {
        opt(f, name)
            .map(|m| m.lines().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let members = lines("members");
    let member_dirs = lines("member_dirs");
    // member → index of its destination
    let dest_of: Vec<usize> = member_dirs
        .iter()
        .map(|d| {
            let abs = normalize(&f.cwd.join(bytes::path(d)));
            dests.iter().position(|x| *x == abs).unwrap_or(0)
        })
        .collect();
    let top = if f.op.has("one_top_level") {
        match opt(f, "one_top_level") {
            Some(d) => Some(d.to_string()),
            None => Some(top_level_name(&archive).ok_or_else(|| {
                format!(
                    "tar cannot deduce the `--one-top-level` directory from `{}` and will refuse to run; give --one-top-level=DIR",
                    bytes::display(&archive)
                )
            })?),
        }
    } else {
        None
    };
    let strip = strip_of(f)?;
    let replace = tar_replace(f);
    let mut placers: Vec<Placer> = dests
        .iter()
        .map(|d| {
            Placer::new(d, strip, Vec::new())
                .replacing(replace)
                .top_level(top.clone())
        })
        .collect();
    let clean_members: Vec<String> = members.iter().map(|m| clean(m)).collect();
    let _p = progress::Progress::start(&format!("`{}`", bytes::display(&archive)));
    let (_, comp) = archive::walk_file(&path, &mut |e| {
        let i = if clean_members.is_empty() {
            Some(0)
        } else {
            member_of(&clean_members, &e.path).map(|m| dest_of.get(m).copied().unwrap_or(0))
        };
        if let Some(i) = i.filter(|i| *i < placers.len() && *i < tallies.len()) {
            placers[i].add(&mut tallies[i], &e.path, e.kind, e.size, e.link_len)
        }
    })?;
    for t in tallies.iter_mut() {
        t.compression = Some(comp.name());
    }
    Ok(true)
}

fn file_name(p: &Path) -> std::ffi::OsString {
    p.file_name().map(|n| n.to_os_string()).unwrap_or_default()
}

/// Where `cp SRC DIR/` puts SRC: DIR joined with SRC's last component as written, so that
/// `big/.` lands in DIR itself (its contents merge into DIR) and `big/` in DIR/big.
fn cp_dest_of(dest: &Path, src_arg: &str, src: &Path) -> PathBuf {
    match src_arg.trim_end_matches('/').rsplit('/').next() {
        Some(last @ ("." | "..")) => normalize(&dest.join(last)),
        _ => dest.join(file_name(src)),
    }
}

/// `cp -r`/`cp -a SRC… DEST`: each source lands in DEST/NAME when DEST is a directory (and no
/// `-T`), else becomes DEST.
fn cp_need(f: &Facts, dest: &Path, sized: bool, t: &mut Tally) -> Result<bool, String> {
    let preserve = opt(f, "preserve").unwrap_or("");
    let update = opt(f, "update");
    let replace = if f.op.has("no_clobber") || matches!(update, Some("none" | "none-fail")) {
        Replace::Skip
    } else if f.op.has("backup") {
        Replace::Backup
    } else {
        Replace::Growth
    };
    let opts = tree::Opts {
        hard_links: preserve.split(',').any(|p| p == "all" || p == "links"),
        one_file_system: f.op.has("one_file_system"),
        follow_root: f.op.has("dereference") || f.op.has("dereference_command_line"),
        sizes: sized,
        replace,
        update_older: f.op.has("update") && !matches!(update, Some("all")),
        link: if f.op.has("link") {
            tree::Link::Hard
        } else if f.op.has("symbolic_link") {
            tree::Link::Symbolic
        } else {
            tree::Link::Copy
        },
    };
    let into = dest.is_dir() && !f.op.has("no_target_directory");
    let _p = progress::Progress::start("the copy's sources");
    for s in &f.op.sources {
        let src = normalize(&f.cwd.join(bytes::path(s)));
        let dst = if into {
            cp_dest_of(dest, s, &src)
        } else {
            dest.to_path_buf()
        };
        tree::count(&src, &dst, opts, t)?;
    }
    Ok(true)
}

/// What names already at an rsync destination cost.
fn rsync_replace(f: &Facts) -> Replace {
    let op = f.op;
    if op.has("ignore_existing") {
        Replace::Skip
    } else if op.has("backup") {
        Replace::Backup
    } else if op.has("inplace") || op.has("append") || op.has("append_verify") {
        Replace::Growth
    } else {
        Replace::TempCopy {
            delay: op.has("delay_updates"),
            ignore_times: op.has("ignore_times"),
            size_only: op.has("size_only"),
            checksum: op.has("checksum"),
        }
    }
}

/// Local `rsync SRC… DEST`: `src/` copies the contents of src, `src` copies src itself into
/// DEST; DEST is created when missing. A remote destination is not this machine's to size; a
/// remote source cannot be listed from here.
fn rsync_need(f: &Facts, dest: &Path, sized: bool, t: &mut Tally) -> Result<bool, String> {
    if f.op.has("remote_destination") {
        return Ok(false);
    }
    if f.op.has("remote_source") {
        return Err(
            "the source is on another host: safeop cannot list it from here; copy it here first, or compare with `rsync -n --stats` and free the space by hand"
                .to_string(),
        );
    }
    let opts = tree::Opts {
        hard_links: f.op.has("hard_links"),
        one_file_system: f.op.has("one_file_system"),
        follow_root: f.op.has("copy_links"),
        sizes: sized,
        replace: rsync_replace(f),
        update_older: false,
        link: tree::Link::Copy,
    };
    let recursive = f.op.has("recursive") || f.op.has("dirs");
    let dest_arg = f.op.targets.first().map(String::as_str).unwrap_or("");
    let several = f.op.sources.len() > 1;
    let _p = progress::Progress::start("the rsync sources");
    let mut dest_counted = dest.exists();
    for s in &f.op.sources {
        let src = normalize(&f.cwd.join(bytes::path(s)));
        let src_is_dir = std::fs::metadata(&src).map(|m| m.is_dir()).unwrap_or(false);
        if src_is_dir && !recursive {
            continue; // rsync: "skipping directory"
        }
        let contents = src_is_dir && (s.ends_with('/') || s.ends_with("/."));
        let dst = if contents {
            dest.to_path_buf()
        } else if dest.is_dir() || several || src_is_dir || dest_arg.ends_with('/') {
            dest.join(file_name(&src))
        } else {
            dest.to_path_buf()
        };
        if dst != dest && !dest_counted {
            t.inodes += 1;
            t.bytes += t.block;
        }
        tree::count(&src, &dst, opts, t)?;
        dest_counted = true;
    }
    Ok(true)
}

/// One filesystem a restore writes into: the destinations on it and what lands there.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The filesystem, seen from the first destination on it.
    pub dest: dest::DestFs,
    /// Every destination on this filesystem, in command-line order.
    pub paths: Vec<PathBuf>,
    pub tally: Tally,
}

impl Landing {
    /// The share of the filesystem's inodes and of its bytes left after the restore (percent,
    /// negative when it does not fit); `None` where the filesystem reports no limit.
    fn after_pct(&self) -> (Option<f64>, Option<f64>) {
        let pct = |avail: u64, need: u64, total: u64| {
            (total > 0).then(|| (avail as f64 - need as f64) * 100.0 / total as f64)
        };
        let d = &self.dest;
        (
            d.inodes
                .and_then(|i| pct(i.avail, self.tally.inodes, i.total)),
            pct(d.bytes_avail, self.tally.bytes, d.bytes_total),
        )
    }
}

/// The landing the `restore.*` facts describe: the filesystem left with the smallest share of
/// its inodes or of its bytes (over-full ones first). With one filesystem, that one.
pub fn worst(landings: &[Landing]) -> usize {
    let score = |l: &Landing| {
        let (i, b) = l.after_pct();
        match (i, b) {
            (Some(i), Some(b)) => i.min(b),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => f64::INFINITY,
        }
    };
    let mut best = 0;
    for (i, l) in landings.iter().enumerate().skip(1) {
        if score(l) < score(&landings[best]) {
            best = i;
        }
    }
    best
}

/// The destinations of a restore, absolute: for `tar -x` every directory members land in (one
/// per `-C` in effect where member names were given), for the other tools the target.
fn destinations(f: &Facts) -> Vec<PathBuf> {
    let abs = |t: &String| normalize(&f.cwd.join(bytes::path(t)));
    let mut out: Vec<PathBuf> = Vec::new();
    let take = if f.op.tool == "tar" {
        f.op.targets.len()
    } else {
        1
    };
    for t in f.op.targets.iter().take(take) {
        let p = abs(t);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Groups counted destinations by the filesystem they are on, in order of first appearance.
fn land(probed: Vec<dest::DestFs>, dests: &[PathBuf], tallies: Vec<Tally>) -> Vec<Landing> {
    let mut out: Vec<Landing> = Vec::new();
    for ((d, path), t) in probed.into_iter().zip(dests).zip(tallies) {
        match out.iter_mut().find(|l| l.dest.dev == d.dev) {
            Some(l) => {
                l.paths.push(path.clone());
                let s = &mut l.tally;
                s.inodes += t.inodes;
                s.bytes += t.bytes;
                s.entries += t.entries;
                s.present += t.present;
                s.hard_links += t.hard_links;
            }
            None => out.push(Landing {
                dest: d,
                paths: vec![path.clone()],
                tally: t,
            }),
        }
    }
    out
}

/// The last count, so that the inode and the byte probes read an archive or repository once.
/// Keyed by argv and working directory; `sized` says whether file sizes were taken (a tree
/// walk for inodes alone does not stat files). A count that failed is kept too: a listing that
/// failed (or was stopped at its time limit) is not run again for the other probe.
type Memo = Option<(String, bool, Result<Vec<Landing>, String>)>;
static MEMO: std::sync::Mutex<Memo> = std::sync::Mutex::new(None);

/// Counts the restore (at most once per operation and precision), per destination filesystem.
/// `None`: not applicable (not a restore, or one writing to another host).
fn tally(f: &Facts, sized: bool) -> Result<Option<Vec<Landing>>, String> {
    if f.op.kind != Kind::Restore {
        return Ok(None);
    }
    let dests = destinations(f);
    if dests.is_empty() {
        return Ok(None);
    }
    let key = format!("{:?}\0{}", f.op.argv, bytes::encode_path(&f.cwd));
    if let Ok(m) = MEMO.lock() {
        if let Some((k, s, t)) = m.as_ref() {
            if *k == key && (*s || !sized || t.is_err()) {
                return t.clone().map(Some);
            }
        }
    }
    let probed = dests
        .iter()
        .map(|d| dest::probe(f, d))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tallies: Vec<Tally> = probed.iter().map(|d| Tally::new(d.block_size)).collect();
    // Several filesystems are told apart by their sizes too: count them once, with sizes.
    let sized = sized || probed.iter().any(|d| d.dev != probed[0].dev);
    let counted = match count(f, &dests, sized, &mut tallies) {
        Ok(c) => c,
        Err(e) => {
            if let Ok(mut m) = MEMO.lock() {
                *m = Some((key, sized, Err(e.clone())));
            }
            return Err(e);
        }
    };
    if !counted {
        return Ok(None);
    }
    let landings = land(probed, &dests, tallies);
    // Archives and listings always carry sizes; only tree walks can skip them.
    let sized = sized || !matches!(f.op.tool.as_str(), "cp" | "rsync");
    if let Ok(mut m) = MEMO.lock() {
        *m = Some((key, sized, Ok(landings.clone())));
    }
    Ok(Some(landings))
}

/// Counts what the restore creates into `tallies` (one per destination); `false`: not a
/// restore safeop counts.
fn count(f: &Facts, dests: &[PathBuf], sized: bool, tallies: &mut [Tally]) -> Result<bool, String> {
    let (Some(target), Some(t)) = (dests.first(), tallies.first_mut()) else {
        return Ok(false);
    };
    Ok(match f.op.tool.as_str() {
        "tar" => tar_need(f, dests, tallies)?,
        "cp" => cp_need(f, target, sized, t)?,
        "rsync" => rsync_need(f, target, sized, t)?,
        "restic" => {
            let mut p = Placer::new(target, 0, Vec::new());
            backup::restic(f, &mut p, t)?;
            true
        }
        "borg" => {
            let mut p = Placer::new(target, strip_of(f)?, Vec::new());
            backup::borg(f, &mut p, t)?;
            true
        }
        _ => false,
    })
}

fn need_probe(f: &Facts) -> ProbeResult {
    let mut m = Map::new();
    if let Some(ls) = tally(f, false)? {
        let w = &ls[worst(&ls)];
        let sum = |g: fn(&Tally) -> u64| ls.iter().map(|l| g(&l.tally)).sum::<u64>();
        m.insert("restore.inodes".into(), w.tally.inodes.into());
        m.insert("restore.entries".into(), sum(|t| t.entries).into());
        m.insert("restore.present".into(), sum(|t| t.present).into());
        m.insert(
            "restore.compression".into(),
            w.tally.compression.map_or(Value::Null, Value::from),
        );
    }
    Ok(m)
}

fn bytes_probe(f: &Facts) -> ProbeResult {
    let mut m = Map::new();
    if let Some(ls) = tally(f, true)? {
        m.insert("restore.bytes".into(), ls[worst(&ls)].tally.bytes.into());
    }
    Ok(m)
}

fn dest_probe(f: &Facts) -> ProbeResult {
    let mut m = Map::new();
    if f.op.kind != Kind::Restore || f.op.has("remote_destination") {
        return Ok(m);
    }
    let dests = destinations(f);
    let Some(first) = dests.first() else {
        return Ok(m);
    };
    let mut d = dest::probe(f, first)?;
    // On several filesystems the facts describe the one the restore leaves fullest: which one
    // that is takes the count.
    let mut several = false;
    for other in &dests[1..] {
        several |= dest::probe(f, other)?.dev != d.dev;
    }
    if several {
        if let Some(ls) = tally(f, true)? {
            d = ls[worst(&ls)].dest.clone();
        }
    }
    let opt_s = |s: Option<String>| s.map_or(Value::Null, Value::from);
    m.insert(
        "restore.dest.path".into(),
        bytes::encode_path(&d.target).into(),
    );
    m.insert("restore.dest.mountpoint".into(), opt_s(d.mountpoint));
    m.insert("restore.dest.fstype".into(), opt_s(d.fstype));
    m.insert("restore.dest.block_size".into(), d.block_size.into());
    m.insert("restore.dest.bytes_total".into(), d.bytes_total.into());
    m.insert("restore.dest.bytes_free".into(), d.bytes_free.into());
    m.insert("restore.dest.bytes_avail".into(), d.bytes_avail.into());
    if let Some(i) = d.inodes {
        m.insert("restore.dest.inodes_total".into(), i.total.into());
        m.insert("restore.dest.inodes_free".into(), i.free.into());
        m.insert("restore.dest.inodes_avail".into(), i.avail.into());
    }
    Ok(m)
}

fn pct(left: i128, total: u64) -> Value {
    if total == 0 {
        return Value::Null;
    }
    let p = left as f64 * 100.0 / total as f64;
    Value::from((p * 100.0).round() / 100.0)
}

/// Derived from the need and the destination; reads them as facts, so a snapshot holding those
/// is enough. `side` is `inodes` or `bytes`. The destination is read first: on a filesystem
/// with no inode limit the inode need does not matter, whether or not it could be counted.
fn after(f: &Facts, side: &str) -> ProbeResult {
    let num = |name: String| -> Result<Option<u64>, String> {
        f.get(&name, None).map(|v| v.as_u64()).map_err(|e| e.why)
    };
    let mut m = Map::new();
    if f.op.kind != Kind::Restore {
        return Ok(m);
    }
    let (Some(avail), Some(total)) = (
        num(format!("restore.dest.{side}_avail"))?,
        num(format!("restore.dest.{side}_total"))?,
    ) else {
        return Ok(m);
    };
    let Some(need) = num(format!("restore.{side}"))? else {
        return Ok(m);
    };
    m.insert(
        format!("restore.{side}_short"),
        need.saturating_sub(avail).into(),
    );
    m.insert(
        format!("restore.free_{side}_after_pct"),
        pct(i128::from(avail) - i128::from(need), total),
    );
    Ok(m)
}

fn after_inodes(f: &Facts) -> ProbeResult {
    after(f, "inodes")
}

fn after_bytes(f: &Facts) -> ProbeResult {
    after(f, "bytes")
}

static BYTES: Probe = Probe {
    id: "restore.bytes",
    run: ProbeFn::Whole(bytes_probe),
    pure: false,
};
static NEED: Probe = Probe {
    id: "restore",
    run: ProbeFn::Whole(need_probe),
    pure: false,
};
static DEST: Probe = Probe {
    id: "restore.dest",
    run: ProbeFn::Whole(dest_probe),
    pure: false,
};
static AFTER_INODES: Probe = Probe {
    id: "restore.after.inodes",
    run: ProbeFn::Whole(after_inodes),
    pure: true,
};
static AFTER_BYTES: Probe = Probe {
    id: "restore.after.bytes",
    run: ProbeFn::Whole(after_bytes),
    pure: true,
};

macro_rules! how_need {
    () => {
        "## How it is found\nBy tool, reading only, never extracting:\n- `tar -x`: the archive's compression is told from its magic bytes (gzip, zstd, xz, bzip2; never the file name); then every 512-byte header is read. In an uncompressed archive the member data is skipped with a seek; a compressed one is decompressed as a stream. pax and GNU long-name headers are metadata for the next member, not entries; hard links (`1`) create no inode. `--strip-components`, `--one-top-level[=DIR]` (DIR by default the archive's base name less its compression suffix, as GNU tar names it; members already named `DIR/…` stay) and member names on the command line are honoured, each member in the directory of the `-C` in effect where its name was given (`tar -xf a.tar -C /srv m1 -C /var m2`); `--exclude` is not (the count is then an upper bound). Without `-f`, `$TAPE` names the archive as it does for tar.\n- `cp -r`/`cp -a`, local `rsync`: the source trees are listed in parallel (read_dir on all cores), symlinks never followed; where a directory already exists at the destination it is listed once and names present there need no new inode. `cp -a big/. dst/` merges big's contents into dst itself. Hard links count once when the copy preserves them (`cp -a`, `--preserve=links`, `rsync -H`); `cp -l` makes only directories, `cp -s` symlinks without data. rsync without `--inplace` replaces a file through a temporary copy: one more inode for the copy in flight (one per replaced file with `--delay-updates`, an upper bound). rsync's `--exclude`/`--filter` are not applied (upper bound). Own walk rather than `rsync -n --stats`: rsync's `created files` counts hard-link names as new and runs a sender and a receiver over both trees, slower than listing.\n- `restic restore SNAP[:SUB] --target DIR`: `restic ls --json SNAP` (with `--no-lock`) run with the caller's environment plus the command line's assignments; `--include`/`--exclude` applied with restic's pattern rules. restic before 0.17 lists no inode numbers, so hard links count once per name there (upper bound).\n- `borg extract REPO::ARCHIVE [PATH…]`: `borg list --json-lines`; hard-link slaves (mode starting with `h`) create no inode; `--strip-components` honoured.\nDirectories that already exist at the destination are never counted; `--backup` (cp, tar, rsync) keeps each replaced file beside its new one, so there a replaced file needs a new inode too.\n\nSeveral destinations (tar's `-C` per member) on one filesystem add up; on several filesystems each is judged against its own free inodes and bytes, and the `restore.*` facts describe the one the restore leaves fullest — the smallest share of its inodes or of its bytes left, over-full first — which `restore.dest.path` and `restore.dest.mountpoint` name. `restore.entries` and `restore.present` count every destination."
    };
}

macro_rules! unknown_need {
    () => {
        "## When it is unknown\n`null` when the operation is not a restore or writes to another host (`rsync src host:dst`): nothing is written on this machine. A fact error (the rule's `unknown:`, else the policy's `on_fact_error`, `confirm` by default, decides: what safeop cannot count is never read as fitting) when the size cannot be known before the command runs: a tar archive read from standard input (`-f -`, no `-f` and no `$TAPE`, `/dev/stdin`, `/dev/fd/N`), from a FIFO, a socket or a tape (reading any of these would take the data away from tar), or from another host (`-f host:a.tar`), and an rsync source on another host; the reason says how to make it known (`give the archive with -f FILE so safeop can count it`). Also a fact error when the archive or a source cannot be read, is truncated or corrupt, uses an unsupported compression, when `--one-top-level` has no name tar can deduce, or when restic/borg fail (missing, wrong password, no repository, a listing that exits 0 having listed nothing, more than 120 s: the listing's own limit, outside the probe budget of the other helpers, and it is run once per run however many facts need it): the message names the file or the tool and its first line of stderr."
    };
}

macro_rules! fact {
    ($name:expr, $probe:expr, $ty:expr, $doc:expr) => {
        FactDef {
            name: $name,
            scope: Scope::Operation,
            probe: $probe,
            ty: $ty,
            doc: $doc,
        }
    };
}

pub(crate) static FACTS: &[FactDef] = &[
    fact!("restore.inodes", &NEED, "number", concat!("## What it tells\nHow many new inodes the restore creates at its destination: files, directories, symlinks, device nodes, FIFOs; hard links and names that already exist there create none. With destinations on several filesystems, the need on the one described by `restore.dest.*`.\n", how_need!(), "\n", unknown_need!(), "\n## Example\n`tar -xf lists.tar -C /var/lib/mailman` of 1,221 members, none there yet → `1221`.")),
    fact!("restore.bytes", &BYTES, "number", "## What it tells\nThe space the restore needs on its destination: each new regular file rounded up to the destination's block size, one block per new directory (and per symlink too long to live in its inode); hard links take none. A file that replaces one already there takes only its growth — its blocks less those the old file holds (st_blocks), never less than 0 — since cp, tar, borg and restic write over it in place or unlink it just before (the old blocks are freed as the new are written); `cp -n`, `tar -k`/`--skip-old-files` and `rsync --ignore-existing` leave it (nothing), `--backup` keeps it (the full size). rsync without `--inplace` writes a temporary copy beside the old file and renames it over: files its quick check skips (same size and mtime, without `-I`/`-c`) cost nothing; the others cost their growth, plus the largest copy in flight (the smaller of its old and new size: what exists twice while it is written); with `--delay-updates` every copy waits for the end, so each costs its full size.\n## How it is found\nAs `restore.inodes`, with file sizes from the archive headers, the listing, or stat(2) of the source files and of the files they replace.\n## When it is unknown\nAs `restore.inodes`.\n## Example\n`cp -a /backup/www/. /srv/www/` over yesterday's copy, three logs grown by 1 MiB each → `3145728`."),
    fact!("restore.entries", &NEED, "number", "## What it tells\nEvery entry the restore looks at: members of the archive (after `--strip-components` and member selection), nodes of the snapshot, names in the source trees, including hard links and names already present at the destination.\n## How it is found\nAs `restore.inodes`.\n## When it is unknown\nAs `restore.inodes`.\n## Example\n`1221`."),
    fact!("restore.present", &NEED, "number", "## What it tells\nHow many of the restore's names already exist at the destination (and so need no new inode).\n## How it is found\nAs `restore.inodes`: one directory listing per existing destination directory, or a stat per member below an existing directory.\n## When it is unknown\nAs `restore.inodes`.\n## Example\nrsync into a copy made yesterday → most of `restore.entries`."),
    fact!("restore.compression", &NEED, "string", "## What it tells\nHow a tar archive is compressed: `uncompressed`, `gzip`, `zstd`, `xz`, `bzip2` — told from its first bytes, never from its name.\n## How it is found\nMagic bytes: gzip `1f 8b`, zstd `28 b5 2f fd`, xz `fd 37 7a 58 5a 00`, bzip2 `42 5a 68`.\n## When it is unknown\n`null` for restores that are not tar; a fact error for other compressions (lzip, lz4, lzop, compress).\n## Example\n`backup.tar.gz` that really is zstd → `zstd`."),
    fact!("restore.dest.path", &DEST, "path", "## What it tells\nThe restore's destination directory, absolute (it may not exist yet). With destinations on several filesystems (`tar -C d1 m1 -C d2 m2`), the first destination on the filesystem the restore leaves fullest (see `restore.inodes`).\n## How it is found\nThe target joined to the command's working directory, normalized; for tar every directory members land in, grouped by the device (st_dev) of its nearest existing ancestor.\n## When it is unknown\n`null` when the operation is not a restore or writes to another host. A fact error when the destinations lie on several filesystems and the restore cannot be counted (which one fills first is then unknown).\n## Example\n`cd /srv && tar -xf a.tar` → `/srv`."),
    fact!("restore.dest.mountpoint", &DEST, "path", "## What it tells\nThe mount point of the filesystem the restore writes into.\n## How it is found\nThe longest mount point in /proc/self/mountinfo containing the nearest existing ancestor of the destination.\n## When it is unknown\n`null` when the operation is not a restore or mountinfo cannot be read.\n## Example\n`/srv`."),
    fact!("restore.dest.fstype", &DEST, "string", "## What it tells\nThe type of the destination filesystem (`ext4`, `xfs`, `tmpfs`, `btrfs` …).\n## How it is found\n/proc/self/mountinfo.\n## When it is unknown\n`null` when the operation is not a restore or mountinfo cannot be read.\n## Example\n`tmpfs`."),
    fact!("restore.dest.block_size", &DEST, "number", concat!("## What it tells\nThe destination filesystem's block size, the unit `restore.bytes` rounds to.\n", "## How it is found\nstatvfs `f_frsize` (`f_bsize` when 0).\n", "## When it is unknown\n`null` when the operation is not a restore.\n", "## Example\n`4096`.")),
    fact!("restore.dest.bytes_total", &DEST, "number", "## What it tells\nThe size of the destination filesystem (data blocks, metadata overhead excluded).\n## How it is found\nstatvfs `f_blocks × f_frsize`.\n## When it is unknown\n`null` when the operation is not a restore.\n## Example\n`67108864`."),
    fact!("restore.dest.bytes_free", &DEST, "number", "## What it tells\nFree bytes on the destination filesystem, including the part reserved for root.\n## How it is found\nstatvfs `f_bfree × f_frsize`.\n## When it is unknown\n`null` when the operation is not a restore.\n## Example\n`52428800`."),
    fact!("restore.dest.bytes_avail", &DEST, "number", "## What it tells\nBytes the restore can really use: free space less ext4's root reserve and reserved clusters. The rules compare against this.\n## How it is found\nstatvfs `f_bavail × f_frsize`.\n## When it is unknown\n`null` when the operation is not a restore.\n## Example\n`47185920`."),
    fact!("restore.dest.inodes_total", &DEST, "number", "## What it tells\nHow many inodes the destination filesystem has (fixed at mkfs on ext4; dynamic on XFS).\n## How it is found\nstatvfs `f_files`.\n## When it is unknown\n`null` when the filesystem reports no inode limit (`f_files` = 0: btrfs, tmpfs `nr_inodes=0`, many FUSE/network filesystems) or the operation is not a restore.\n## Example\n`512`."),
    fact!("restore.dest.inodes_free", &DEST, "number", "## What it tells\nFree inodes on the destination filesystem.\n## How it is found\nstatvfs `f_ffree`.\n## When it is unknown\n`null` when the filesystem reports no inode limit (`f_files` = 0: btrfs, tmpfs `nr_inodes=0`, many FUSE/network filesystems) or the operation is not a restore.\n## Example\n`399`."),
    fact!("restore.dest.inodes_avail", &DEST, "number", "## What it tells\nInodes available to the caller (Linux keeps no inode reserve: glibc sets `f_favail` = `f_ffree`). The rules compare against this.\n## How it is found\nstatvfs `f_favail`.\n## When it is unknown\n`null` when the filesystem reports no inode limit (`f_files` = 0) or the operation is not a restore.\n## Example\n`399`."),
    fact!("restore.inodes_short", &AFTER_INODES, "number", "## What it tells\nHow many more inodes the restore needs than the destination has available (0 when it fits): what must be freed for it to fit.\n## How it is found\n`restore.inodes − restore.dest.inodes_avail`, at least 0.\n## When it is unknown\n`null` when the filesystem has no inode limit or the need is unknown.\n## Example\n1,221 needed, 399 available → `822`."),
    fact!("restore.bytes_short", &AFTER_BYTES, "number", "## What it tells\nHow many more bytes the restore needs than the destination has available (0 when it fits).\n## How it is found\n`restore.bytes − restore.dest.bytes_avail`, at least 0.\n## When it is unknown\n`null` when the need is unknown.\n## Example\n`0`."),
    fact!("restore.free_inodes_after_pct", &AFTER_INODES, "number", "## What it tells\nThe share of the destination's inodes still free after the restore, in percent (negative when it does not fit).\n## How it is found\n`(inodes_avail − restore.inodes) × 100 / inodes_total`, two decimals.\n## When it is unknown\n`null` when the filesystem has no inode limit or the need is unknown.\n## Example\n`3.5`."),
    fact!("restore.free_bytes_after_pct", &AFTER_BYTES, "number", "## What it tells\nThe share of the destination's space still available after the restore, in percent (negative when it does not fit).\n## How it is found\n`(bytes_avail − restore.bytes) × 100 / bytes_total`, two decimals.\n## When it is unknown\n`null` when the need is unknown.\n## Example\n`41.25`."),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn place(
        dest: &Path,
        strip: usize,
        members: &[&str],
        entries: &[(&str, EntryKind, u64)],
    ) -> Tally {
        let mut t = Tally::new(1024);
        let mut p = Placer::new(dest, strip, members.iter().map(|m| m.to_string()).collect());
        for (path, kind, size) in entries {
            p.add(&mut t, path, *kind, *size, 0);
        }
        t
    }

    const TREE: &[(&str, EntryKind, u64)] = &[
        ("./", EntryKind::Dir, 0),
        ("./top/", EntryKind::Dir, 0),
        ("./top/a", EntryKind::File, 1500),
        ("./top/h", EntryKind::HardLink, 0),
        ("./top/sub/", EntryKind::Dir, 0),
        ("./top/sub/l", EntryKind::Symlink, 0),
        ("./top/sub/p", EntryKind::Fifo, 0),
    ];

    #[test]
    fn hard_links_and_the_destination_itself_need_no_inode() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = place(d.path(), 0, &[], TREE);
        assert_eq!((t.inodes, t.hard_links, t.present, t.entries), (5, 1, 1, 7));
        assert_eq!(t.bytes, 1024 * (2 + 2));
    }

    #[test]
    fn strip_components_drops_short_names() {
        let d = tempfile::tempdir().expect("tempdir");
        // `./` and `./top/` vanish with --strip-components=2
        let t = place(d.path(), 2, &[], TREE);
        assert_eq!(t.inodes, 4, "a, sub, sub/l, sub/p");
    }

    #[test]
    fn members_select_subtrees() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = place(d.path(), 0, &["top/sub"], TREE);
        assert_eq!(
            (t.inodes, t.entries),
            (4, 3),
            "top/ is made on the way to top/sub"
        );
    }

    #[test]
    fn one_top_level_names_as_gnu_tar_does() {
        for (archive, top) in [
            ("a.tar", Some("a")),
            ("/b/lists.tar.gz", Some("lists")),
            ("x.tgz", Some("x")),
            ("x.tar.zst", Some("x")),
            ("x.tzst", Some("x")),
            ("x.gz", Some("x")),
            ("x.tar.tar", Some("x.tar")),
            ("x.b.tar", Some("x.b")),
            ("x.tar.foo", None),
            ("noext", None),
            ("x.TAR", None),
            (".tar", None),
        ] {
            assert_eq!(top_level_name(archive).as_deref(), top, "{archive}");
        }
    }

    #[test]
    fn one_top_level_puts_members_below_it() {
        let d = tempfile::tempdir().expect("tempdir");
        let mut t = Tally::new(1024);
        let mut p = Placer::new(d.path(), 0, Vec::new()).top_level(Some("top".into()));
        for (path, kind, size) in TREE {
            p.add(&mut t, path, *kind, *size, 0);
        }
        // `./` becomes top itself, `./top/…` stays in top: top, a, sub, l, p
        assert_eq!((t.inodes, t.present), (5, 0));
        let mut t = Tally::new(1024);
        let mut p = Placer::new(d.path(), 0, Vec::new()).top_level(Some("other".into()));
        for (path, kind, size) in TREE {
            p.add(&mut t, path, *kind, *size, 0);
        }
        assert_eq!(t.inodes, 6, "other, other/top and what is below it");
    }

    #[test]
    fn a_file_already_there_costs_its_growth() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(d.path().join("top/sub")).expect("mkdir");
        std::fs::write(d.path().join("top/a"), [1u8; 100]).expect("write");
        let held = tree::allocated(&std::fs::metadata(d.path().join("top/a")).expect("stat"));
        let entries = [("top/a", EntryKind::File, 40960)];
        let t = place(d.path(), 0, &[], &entries);
        assert_eq!(
            (t.inodes, t.bytes),
            (0, 40960 - held),
            "the growth, no inode"
        );
        let mut t = Tally::new(1024);
        let mut p = Placer::new(d.path(), 0, Vec::new()).replacing(Replace::Skip);
        p.add(&mut t, "top/a", EntryKind::File, 40960, 0);
        assert_eq!(t.bytes, 0, "tar -k leaves it");
        let mut t = Tally::new(1024);
        let mut p = Placer::new(d.path(), 0, Vec::new()).replacing(Replace::Backup);
        p.add(&mut t, "top/a", EntryKind::File, 40960, 0);
        assert_eq!(
            (t.inodes, t.bytes),
            (1, 40960),
            "tar --backup keeps the old one"
        );
    }

    #[test]
    fn the_first_member_given_selects() {
        let m: Vec<String> = ["tree/d1", "tree", "x"].map(String::from).to_vec();
        assert_eq!(member_of(&m, "./tree/d1/f"), Some(0));
        assert_eq!(member_of(&m, "tree/d10"), Some(1));
        assert_eq!(member_of(&m, "x"), Some(2));
        assert_eq!(member_of(&m, "xy"), None);
    }

    #[test]
    fn cp_of_dir_dot_merges_into_the_destination() {
        let dst = Path::new("/d");
        let src = Path::new("/s/big");
        assert_eq!(cp_dest_of(dst, "big/.", src), PathBuf::from("/d"));
        assert_eq!(cp_dest_of(dst, "big/./", src), PathBuf::from("/d"));
        assert_eq!(cp_dest_of(dst, ".", src), PathBuf::from("/d"));
        assert_eq!(cp_dest_of(dst, "big/", src), PathBuf::from("/d/big"));
        assert_eq!(cp_dest_of(dst, "/s/big", src), PathBuf::from("/d/big"));
    }

    fn landing(inodes: (u64, u64, u64), bytes: (u64, u64, u64)) -> Landing {
        let mut t = Tally::new(4096);
        t.inodes = inodes.0;
        t.bytes = bytes.0;
        Landing {
            dest: dest::DestFs {
                target: PathBuf::from("/x"),
                existing: PathBuf::from("/x"),
                dev: 0,
                mountpoint: None,
                fstype: None,
                block_size: 4096,
                bytes_total: bytes.2,
                bytes_free: bytes.1,
                bytes_avail: bytes.1,
                inodes: (inodes.2 > 0).then_some(dest::Inodes {
                    total: inodes.2,
                    free: inodes.1,
                    avail: inodes.1,
                }),
            },
            paths: Vec::new(),
            tally: t,
        }
    }

    #[test]
    fn the_fullest_filesystem_after_the_restore_is_the_one_described() {
        let out_of_inodes = landing((500, 400, 1000), (10, 1000, 1000));
        let nearly_full = landing((10, 1000, 1000), (980, 1000, 1000));
        let no_inode_limit = landing((5000, 0, 0), (10, 1000, 1000));
        let roomy = landing((10, 1000, 1000), (100, 1000, 1000)); // 90% of bytes left
        assert_eq!(worst(std::slice::from_ref(&roomy)), 0);
        assert_eq!(worst(&[roomy.clone(), out_of_inodes.clone()]), 1);
        assert_eq!(worst(&[out_of_inodes.clone(), nearly_full.clone()]), 0);
        assert_eq!(worst(&[roomy.clone(), nearly_full.clone()]), 1);
        assert_eq!(
            worst(&[no_inode_limit, roomy]),
            1,
            "no limit is never short"
        );
    }

    #[test]
    fn names_already_there_are_not_counted() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(d.path().join("top/sub")).expect("mkdir");
        std::fs::write(d.path().join("top/a"), b"x").expect("write");
        let t = place(d.path(), 0, &[], TREE);
        assert_eq!(
            (t.inodes, t.present),
            (2, 4),
            "only sub/l and sub/p are new"
        );
    }
}
