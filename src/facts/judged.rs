//! What the decision judged each path to be, by identity, and the look again just before the
//! exec that refuses the command when a path is no longer that (DESIGN decision 9).
//!
//! safeop decides on paths, then the tool opens them again by name after the exec. In between, a
//! symlink can be flipped or a file renamed over another, and the tool would act on something no
//! rule looked at. safeop cannot close that window (the tool's own `open` comes after the exec;
//! SECURITY.md) but it narrows it to the exec itself: [`Judged::of`] keeps what the facts resolved
//! (the per-path `identity` memo of [`Facts`], the one every in-use probe matched by), and
//! [`Judged::recheck`] looks at each path again with `lstat`, `readlink` and `stat` only: no probe
//! runs twice. A change refuses; argv is never rewritten, so the tool still gets the path as
//! written, byte for byte.
//!
//! What is compared, for each target and source of the operation, at the path as written (joined
//! to the command's working directory, as the tool will open it):
//! - the name itself (`lstat`): for `rm` and `mv` targets the link is the object, and that is
//!   what the decision judged (the identity memo holds it);
//! - when the name is a symlink, where it points (`readlink`, following the last component's
//!   links up to [`MAX_HOPS`]);
//! - what the path reaches (`stat`, following every link): what `dd of=` opens, what the in-use
//!   probes judged (the identity memo holds it for every other kind of operation);
//! - the directory the last name lives in (`stat`): a target still to be created is missing both
//!   times, but a flipped directory link above it would put it elsewhere.
//!
//! Device and inode decide. Contents, sizes and times changing is not a swap (a log still being
//! written is the same file); a node recreated with the same identity is not one either.

use super::inuse::identity::{self, Identity};
use super::{Facts, Role};
use crate::command::Kind;
use crate::text::bytes;
use std::fs::Metadata;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// How many symlinks in a row at the end of a path are followed (the kernel allows 40 in all).
pub const MAX_HOPS: usize = 8;

/// What one `stat` or `lstat` saw.
#[derive(Debug, Clone)]
enum Seen {
    Missing,
    Object {
        dev: u64,
        ino: u64,
        what: &'static str,
    },
    /// Anything else stat said (`EACCES`, `ENOTDIR`, `ELOOP`): the same error twice is no change.
    Unreadable {
        errno: i32,
        why: String,
    },
}

impl Seen {
    fn of(r: io::Result<Metadata>) -> Seen {
        match r {
            Ok(m) => {
                let id = Identity::from_meta(&m);
                Seen::Object {
                    dev: id.dev,
                    ino: id.ino,
                    what: what_is(&m),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Seen::Missing,
            Err(e) => Seen::Unreadable {
                errno: e.raw_os_error().unwrap_or(0),
                why: e.to_string(),
            },
        }
    }

    /// The identity memo's answer (an error there is looked at afresh: its errno is not kept).
    fn judged(memo: &Result<Option<Identity>, String>, fresh: &Seen) -> Seen {
        match memo {
            Ok(Some(id)) => {
                let what = match fresh {
                    Seen::Object { dev, ino, what } if (*dev, *ino) == (id.dev, id.ino) => what,
                    _ if id.block.is_some() => "block device",
                    _ if id.is_dir => "directory",
                    _ if id.is_file => "file",
                    _ => "special file",
                };
                Seen::Object {
                    dev: id.dev,
                    ino: id.ino,
                    what,
                }
            }
            Ok(None) => Seen::Missing,
            Err(_) => fresh.clone(),
        }
    }

    fn same(&self, other: &Seen) -> bool {
        match (self, other) {
            (Seen::Missing, Seen::Missing) => true,
            (Seen::Object { dev, ino, .. }, Seen::Object { dev: d, ino: i, .. }) => {
                (dev, ino) == (d, i)
            }
            (Seen::Unreadable { errno: a, .. }, Seen::Unreadable { errno: b, .. }) => a == b,
            _ => false,
        }
    }

    fn is_symlink(&self) -> bool {
        matches!(
            self,
            Seen::Object {
                what: "symlink",
                ..
            }
        )
    }
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seen::Missing => write!(f, "nothing (missing)"),
            Seen::Object { dev, ino, what } => {
                write!(f, "{what} {} inode {ino}", identity::dev_string(*dev))
            }
            Seen::Unreadable { why, .. } => write!(f, "unreadable ({why})"),
        }
    }
}

fn what_is(m: &Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_symlink() {
        "symlink"
    } else if t.is_dir() {
        "directory"
    } else if t.is_file() {
        "file"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_fifo() {
        "fifo"
    } else {
        "socket"
    }
}

/// One path as seen at one moment.
#[derive(Debug, Clone)]
struct View {
    /// `lstat` of the path as written.
    name: Seen,
    /// Where its symlinks point, in order (empty when it is not one).
    hops: Vec<PathBuf>,
    /// `stat` of the path as written (links followed).
    reached: Seen,
    /// `stat` of the directory the last name (after the hops) lives in.
    dir: Seen,
}

impl View {
    fn look(written: &Path) -> View {
        let name = Seen::of(std::fs::symlink_metadata(written));
        let mut hops = Vec::new();
        let mut last = written.to_path_buf();
        if name.is_symlink() {
            for _ in 0..MAX_HOPS {
                let Ok(to) = std::fs::read_link(&last) else {
                    break;
                };
                last = last.parent().unwrap_or(Path::new("/")).join(&to);
                hops.push(to);
                let still_link = std::fs::symlink_metadata(&last)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false);
                if !still_link {
                    break;
                }
            }
        }
        let reached = if name.is_symlink() {
            Seen::of(std::fs::metadata(written))
        } else {
            name.clone()
        };
        let dir = Seen::of(std::fs::metadata(last.parent().unwrap_or(Path::new("/"))));
        View {
            name,
            hops,
            reached,
            dir,
        }
    }
}

/// One judged path: where the tool will open it, and what it was when judged.
#[derive(Debug, Clone)]
struct JudgedPath {
    /// As written (encoded), for messages.
    arg: String,
    written: PathBuf,
    then: View,
}

/// What the decision judged every path of the operation to be.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    paths: Vec<JudgedPath>,
}

/// A judged path that is no longer what was judged: which one, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// The path as written (encoded).
    pub path: String,
    pub what: String,
}

impl std::fmt::Display for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` changed after the decision: {}",
            bytes::display(&self.path),
            self.what
        )
    }
}

impl Judged {
    /// The identities the facts of this run resolved, for every target and source (a path no
    /// probe looked at is looked at now, once). A command without paths keeps nothing.
    pub fn of(f: &Facts) -> Judged {
        let mut paths = Vec::new();
        for role in [Role::Target, Role::Source] {
            for s in f.subjects(role) {
                let written = f.cwd.join(bytes::path(&s.arg));
                let mut then = View::look(&written);
                // The same rule as the identity memo's: deleting or moving acts on the link.
                let on_link =
                    matches!(f.op.kind, Kind::Delete | Kind::Move) && s.role == Role::Target;
                let memo = identity::of(f, &s);
                if on_link {
                    then.name = Seen::judged(&memo, &then.name);
                    if !then.name.is_symlink() {
                        then.reached = then.name.clone();
                    }
                } else {
                    then.reached = Seen::judged(&memo, &then.reached);
                }
                paths.push(JudgedPath {
                    arg: s.arg,
                    written,
                    then,
                });
            }
        }
        // The paths the machine showed an effect lands on (`cp x DIR/` writes `DIR/x`; an
        // in-use image an extraction writes over): judged too, so looked at again.
        for e in f.effects().iter().filter(|e| e.because.is_some()) {
            let Some(arg) = e.path.as_deref() else {
                continue;
            };
            if paths.iter().any(|p| p.arg == arg) {
                continue;
            }
            let s = f.subject(Role::Target, arg);
            let written = f.cwd.join(bytes::path(arg));
            let mut then = View::look(&written);
            then.reached = Seen::judged(&identity::of(f, &s), &then.reached);
            paths.push(JudgedPath {
                arg: arg.to_string(),
                written,
                then,
            });
        }
        Judged { paths }
    }

    /// No paths: nothing to look at again.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Looks at every judged path again (`lstat`, and for a symlink `readlink` and `stat`, and
    /// `stat` of its directory): the first one that is not what was judged, and how.
    pub fn recheck(&self) -> Result<(), Changed> {
        for p in &self.paths {
            let now = View::look(&p.written);
            if let Some(what) = difference(&p.then, &now) {
                return Err(Changed {
                    path: p.arg.clone(),
                    what,
                });
            }
        }
        Ok(())
    }
}

fn hops(h: &[PathBuf]) -> String {
    h.iter()
        .map(|p| format!("`{}`", bytes::show_path(p)))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn difference(then: &View, now: &View) -> Option<String> {
    if then.hops != now.hops {
        return Some(match (then.hops.is_empty(), now.hops.is_empty()) {
            (false, false) => format!(
                "it pointed to {} and points to {} now",
                hops(&then.hops),
                hops(&now.hops)
            ),
            (true, _) => format!(
                "it was {} and is a symlink to {} now",
                then.name,
                hops(&now.hops)
            ),
            (false, true) => format!(
                "it was a symlink to {} and is {} now",
                hops(&then.hops),
                now.name
            ),
        });
    }
    if !then.name.same(&now.name) {
        return Some(format!("it was {} and is {} now", then.name, now.name));
    }
    if !then.reached.same(&now.reached) {
        return Some(format!(
            "it reached {} and reaches {} now",
            then.reached, now.reached
        ));
    }
    if !then.dir.same(&now.dir) {
        return Some(format!(
            "the directory it is in was {} and is {} now",
            then.dir, now.dir
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Operation;
    use std::os::unix::fs::symlink;

    fn op(tool: &str, kind: Kind, targets: &[&Path]) -> Operation {
        let mut op = Operation::new(tool, vec![tool.into()]);
        op.kind = kind;
        op.targets = targets.iter().map(|p| bytes::encode_path(p)).collect();
        op
    }

    fn judged(op: &Operation, cwd: &Path) -> Judged {
        let f = Facts::live(op, cwd.to_path_buf(), PathBuf::from("/"));
        Judged::of(&f)
    }

    #[test]
    fn an_untouched_path_is_what_was_judged() {
        let d = tempfile::tempdir().expect("tempdir");
        let file = d.path().join("scratch");
        std::fs::write(&file, b"x").expect("write");
        let link = d.path().join("link");
        symlink(&file, &link).expect("symlink");
        let j = judged(
            &op(
                "dd",
                Kind::Overwrite,
                &[&link, &file, &d.path().join("new")],
            ),
            d.path(),
        );
        assert_eq!(j.paths.len(), 3);
        assert_eq!(j.recheck(), Ok(()));
        // Written to (same inode, new size and times) is no swap.
        std::fs::write(&file, b"longer now").expect("write");
        assert_eq!(j.recheck(), Ok(()));
    }

    #[test]
    fn a_flipped_link_is_named_with_where_it_points() {
        let d = tempfile::tempdir().expect("tempdir");
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::write(&a, b"a").expect("write");
        std::fs::write(&b, b"b").expect("write");
        let link = d.path().join("link");
        symlink(&a, &link).expect("symlink");
        let j = judged(&op("dd", Kind::Overwrite, &[&link]), d.path());
        std::fs::remove_file(&link).expect("rm");
        symlink(&b, &link).expect("symlink");
        let e = j.recheck().expect_err("the flip is seen");
        assert_eq!(e.path, bytes::encode_path(&link));
        assert!(
            e.what.contains("pointed to") && e.what.contains("/b`"),
            "{e}"
        );
        assert!(e.to_string().contains("changed after the decision"), "{e}");
    }

    #[test]
    fn a_file_renamed_over_the_target_is_seen() {
        let d = tempfile::tempdir().expect("tempdir");
        let (t, other) = (d.path().join("t"), d.path().join("other"));
        std::fs::write(&t, b"t").expect("write");
        std::fs::write(&other, b"o").expect("write");
        let j = judged(&op("dd", Kind::Overwrite, &[&t]), d.path());
        std::fs::rename(&other, &t).expect("rename");
        let e = j.recheck().expect_err("another inode");
        assert!(e.what.starts_with("it was file"), "{e}");
    }

    #[test]
    fn a_missing_target_under_a_flipped_directory_link_is_seen() {
        let d = tempfile::tempdir().expect("tempdir");
        let (x, y) = (d.path().join("x"), d.path().join("y"));
        std::fs::create_dir(&x).expect("mkdir");
        std::fs::create_dir(&y).expect("mkdir");
        let dir = d.path().join("dir");
        symlink(&x, &dir).expect("symlink");
        let j = judged(&op("dd", Kind::Overwrite, &[&dir.join("new")]), d.path());
        assert_eq!(j.recheck(), Ok(()), "missing both times, same directory");
        std::fs::remove_file(&dir).expect("rm");
        symlink(&y, &dir).expect("symlink");
        let e = j.recheck().expect_err("the directory moved");
        assert!(e.what.starts_with("the directory it is in"), "{e}");
    }

    #[test]
    fn rm_of_a_link_judges_the_link_and_its_target() {
        let d = tempfile::tempdir().expect("tempdir");
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::write(&a, b"a").expect("write");
        std::fs::write(&b, b"b").expect("write");
        let link = d.path().join("link");
        symlink(&a, &link).expect("symlink");
        let o = op("rm", Kind::Delete, &[&link]);
        let f = Facts::live(&o, d.path().to_path_buf(), PathBuf::from("/"));
        let s = &f.subjects(Role::Target)[0];
        let memo = identity::of(&f, s).expect("stat").expect("there");
        let j = Judged::of(&f);
        assert!(
            matches!(j.paths[0].then.name, Seen::Object { ino, what: "symlink", .. } if ino == memo.ino),
            "the link itself, from the memo: {:?}",
            j.paths[0].then
        );
        assert_eq!(j.recheck(), Ok(()));
        // The target replaced under the same link is a change too.
        std::fs::remove_file(&a).expect("rm");
        std::fs::rename(&b, &a).expect("rename");
        let e = j.recheck().expect_err("what the link reaches changed");
        assert!(e.what.starts_with("it reached"), "{e}");
    }

    #[test]
    fn the_memo_is_what_was_judged() {
        // A probe resolved the identity; the path changes before `Judged::of` looks: the change
        // is still seen, because the memo (what the decision used) is kept.
        let d = tempfile::tempdir().expect("tempdir");
        let (t, other) = (d.path().join("t"), d.path().join("other"));
        std::fs::write(&t, b"t").expect("write");
        std::fs::write(&other, b"o").expect("write");
        let o = op("dd", Kind::Overwrite, &[&t]);
        let f = Facts::live(&o, d.path().to_path_buf(), PathBuf::from("/"));
        let s = &f.subjects(Role::Target)[0];
        let _ = identity::of(&f, s);
        std::fs::rename(&other, &t).expect("rename");
        let j = Judged::of(&f);
        assert!(j.recheck().is_err());
    }

    #[test]
    fn no_paths_nothing_kept() {
        let o = Operation::new("reboot", vec!["reboot".into()]);
        let j = judged(&o, Path::new("/"));
        assert!(j.is_empty());
        assert_eq!(j.recheck(), Ok(()));
    }
}
