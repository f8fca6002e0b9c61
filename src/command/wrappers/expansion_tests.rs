//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use super::super::{parse_at, Here, Kind, Operation};
use crate::shell::expand::Fs;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::rc::Rc;

/// A filesystem of paths (a trailing `/` marks a directory), every parent a directory; `~web`
/// is `/srv/web`; listing `/locked` is a trouble (it exists but cannot be read).
struct Fake {
    paths: BTreeSet<String>,
    dirs: BTreeSet<String>,
    trouble: RefCell<Option<String>>,
}

fn fake(paths: &[&str]) -> Fake {
    let mut f = Fake {
        paths: BTreeSet::new(),
        dirs: BTreeSet::new(),
        trouble: RefCell::new(None),
    };
    for p in paths {
        let dir = p.ends_with('/');
        let p = p.trim_end_matches('/');
        let mut acc = String::new();
        for part in p.split('/').filter(|s| !s.is_empty()) {
            if !acc.is_empty() || p.starts_with('/') {
                f.dirs.insert(if acc.is_empty() {
                    "/".into()
                } else {
                    acc.clone()
                });
            }
            acc = format!("{acc}/{part}");
            f.paths.insert(acc.clone());
        }
        if dir {
            f.dirs.insert(p.to_string());
        }
    }
    f.dirs.insert("/".into());
    f
}

impl Fs for Fake {
    fn list(&self, dir: &Path) -> Vec<String> {
        let d = dir.to_string_lossy();
        if d == "/locked" {
            *self.trouble.borrow_mut() = Some("`/locked` cannot be listed: denied".into());
            return Vec::new();
        }
        let prefix = if d == "/" {
            "/".to_string()
        } else {
            format!("{}/", d.trim_end_matches('/'))
        };
        self.paths
            .iter()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(String::from)
            .collect()
    }
    fn is_dir(&self, p: &Path) -> bool {
        self.dirs
            .contains(p.to_string_lossy().trim_end_matches('/'))
            || p == Path::new("/")
    }
    fn exists(&self, p: &Path) -> bool {
        self.paths
            .contains(p.to_string_lossy().trim_end_matches('/'))
    }
    fn home(&self, user: Option<&str>) -> Option<String> {
        match user {
            Some("web") => Some("/srv/web".into()),
            _ => None,
        }
    }
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn take_trouble(&self) -> Option<String> {
        self.trouble.borrow_mut().take()
    }
}

const TREE: &[&str] = &[
    "/usr/bin/",
    "/usr/lib/",
    "/etc/",
    "/srv/a.log",
    "/srv/b.log",
    "/srv/.hidden.log",
    "/srv/web/",
    "/home/alice/",
    "/locked/",
];

fn here(sh: Option<&str>, inherited: &[(&str, &str)]) -> Here {
    Here {
        inherited: inherited
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        fs: Some(Rc::new(fake(TREE))),
        sh: sh.map(str::to_string),
        stdin_script: false,
        ssh: None,
    }
}

fn at(here: &Here, line: &str) -> Operation {
    let argv = shell_words::split(line).expect("splits");
    parse_at(&argv, here)
}

const HOME: (&str, &str) = ("HOME", "/home/alice");

/// `(targets, asks)`: what the command acts on, and whether safeop cannot see all of it.
fn judged(h: &Here, line: &str) -> (Vec<String>, bool) {
    let op = at(h, line);
    (
        op.targets.clone(),
        op.has("unseen_arguments") || op.kind == Kind::Opaque,
    )
}

fn sees(h: &Here, line: &str, want: &[&str]) {
    let (t, asks) = judged(h, line);
    assert_eq!(t, want, "{line}");
    assert!(!asks, "{line}: {:?}", at(h, line).note);
}

fn asks(h: &Here, line: &str) {
    let (_, asks) = judged(h, line);
    assert!(asks, "{line}: {:?}", at(h, line));
}

#[test]
fn braces_are_the_shells_own() {
    let dash = here(Some("dash"), &[HOME]);
    let bash = here(Some("bash"), &[HOME]);
    let unknown = here(None, &[HOME]);
    sees(&bash, "bash -c 'rm -rf /{usr,etc}'", &["/usr", "/etc"]);
    sees(&dash, "bash -c 'rm -rf /{usr,etc}'", &["/usr", "/etc"]);
    // dash has no brace expansion: rm gets the word as it is.
    sees(&dash, "sh -c 'rm -rf /{usr,etc}'", &["/{usr,etc}"]);
    sees(&dash, "dash -c 'rm -rf /{usr,etc}'", &["/{usr,etc}"]);
    sees(&bash, "sh -c 'rm -rf /{usr,etc}'", &["/usr", "/etc"]);
    sees(&dash, "mksh -c 'rm -rf /{usr,etc}'", &["/usr", "/etc"]);
    asks(&unknown, "sh -c 'rm -rf /{usr,etc}'");
    // su runs the user's login shell under the name sh: which one, safeop does not know.
    asks(&dash, "su -c 'rm -rf /{usr,etc}'");
    sees(
        &dash,
        "su -s /bin/bash -c 'rm -rf /{usr,etc}'",
        &["/usr", "/etc"],
    );
    // busybox's sh is its own ash, not the machine's dash.
    asks(&dash, "busybox sh -c 'rm -rf /{usr,etc}'");
    sees(&dash, "busybox sh -c 'rm /srv/a*'", &["/srv/a.log"]);
    // Shells not modelled: as written, asking.
    asks(&dash, "yash -c 'rm -rf /{usr,etc}'");
    asks(&dash, "csh -c 'rm -rf /*'");
}

#[test]
fn globs_match_this_filesystem_with_the_shells_rule_for_no_match() {
    let h = here(Some("dash"), &[HOME]);
    sees(&h, "sh -c 'rm /srv/*.log'", &["/srv/a.log", "/srv/b.log"]);
    sees(&h, "sh -c 'rm -rf /usr/*'", &["/usr/bin", "/usr/lib"]);
    sees(&h, "sh -c 'rm /srv/.*.log'", &["/srv/.hidden.log"]);
    // No match: the word stays as it is (bash's and POSIX's default).
    sees(&h, "sh -c 'rm /srv/*.txt'", &["/srv/*.txt"]);
    // Quoted: no glob at all.
    sees(&h, "sh -c 'rm \"/srv/*.log\"'", &["/srv/*.log"]);
    // A directory that exists but cannot be read is not "no match".
    asks(&h, "sh -c 'rm -rf /locked/*'");
    // Without an expander (check --facts, policy test): as written, asking.
    let none = Here::default();
    asks(&none, "sh -c 'rm /srv/*.log'");
    assert_eq!(at(&none, "sh -c 'rm -rf /usr/*'").targets, ["/usr/*"]);
}

#[test]
fn bash_settings_in_the_string_and_on_its_line() {
    let h = here(Some("dash"), &[HOME]);
    sees(
        &h,
        "bash -c 'shopt -s nullglob; rm -f /srv/*.txt /srv/a.log'",
        &["/srv/a.log"],
    );
    sees(
        &h,
        "bash -O nullglob -c 'rm -f /srv/*.txt /srv/a.log'",
        &["/srv/a.log"],
    );
    sees(
        &h,
        "bash +O nullglob -c 'rm -f /srv/*.txt'",
        &["/srv/*.txt"],
    );
    // dash has no shopt: the line fails there and changes nothing.
    sees(
        &h,
        "sh -c 'shopt -s nullglob; rm -f /srv/*.txt'",
        &["/srv/*.txt"],
    );
    // failglob: the command does not run (bash stops the string there).
    let op = at(&h, "bash -c 'shopt -s failglob; rm -rf /srv/*.txt'");
    assert!(!op.is_guarded(), "{op:?}");
    // Set where safeop cannot tell whether it ran: a glob that matches nothing asks.
    asks(
        &h,
        "bash -c 'if [ -d /x ]; then shopt -s nullglob; fi; rm -f /srv/*.txt'",
    );
    asks(&h, "bash -c 'true && shopt -s nullglob; rm -f /srv/*.txt'");
    // … one that matches is the same either way.
    sees(
        &h,
        "bash -c 'if x; then shopt -s nullglob; fi; rm /srv/a*'",
        &["/srv/a.log"],
    );
    // set -f: no globs at all.
    sees(&h, "sh -c 'set -f; rm /srv/*.log'", &["/srv/*.log"]);
    sees(&h, "bash -f -c 'rm /srv/*.log'", &["/srv/*.log"]);
    sees(&h, "sh -c 'set -f; set +f; rm /srv/a*'", &["/srv/a.log"]);
    // Settings safeop does not model.
    asks(&h, "bash -c 'shopt -s dotglob; rm /srv/*'");
    asks(&h, "bash -O globstar -c 'rm /srv/**'");
    asks(&h, "bash -c 'GLOBIGNORE=a.log; rm /srv/*'");
    let env = here(Some("dash"), &[HOME, ("BASH_ENV", "/etc/bashenv")]);
    asks(&env, "bash -c 'rm /srv/*.log'");
    sees(
        &env,
        "dash -c 'rm /srv/*.log'",
        &["/srv/a.log", "/srv/b.log"],
    );
    // A loop's or function's body runs at another time than where it is written.
    asks(&h, "bash -c 'f() { rm /srv/*; }; shopt -s nullglob; f'");
    asks(
        &h,
        "bash -c 'for i in 1 2; do rm /srv/*.log; shopt -s dotglob; done'",
    );
    sees(
        &h,
        "bash -c 'for i in 1 2; do rm /srv/a*; done'",
        &["/srv/a.log"],
    );
}

#[test]
fn zsh_asks_where_its_rules_differ() {
    let h = here(Some("dash"), &[HOME]);
    sees(&h, "zsh -c 'rm /srv/*.log'", &["/srv/a.log", "/srv/b.log"]);
    // NOMATCH is an error unless a startup file turned it off: safeop cannot tell.
    asks(&h, "zsh -c 'rm /srv/*.txt'");
    asks(&h, "zsh -c 'rm -rf /srv/**/x'");
    asks(&h, "zsh -c 'rm /srv/*(.)'");
    asks(&h, "zsh -c 'setopt dotglob; rm /srv/*'");
}

#[test]
fn tilde_is_the_home_the_command_inherits() {
    let h = here(Some("dash"), &[HOME]);
    sees(&h, "sh -c 'rm -rf ~'", &["/home/alice"]);
    sees(&h, "sh -c 'rm -rf ~/'", &["/home/alice/"]);
    sees(&h, "sh -c 'rm -rf ~web'", &["/srv/web"]);
    // A user that does not exist: the word stays.
    sees(&h, "sh -c 'rm -rf ~nobody-here'", &["~nobody-here"]);
    sees(&h, "env HOME=/srv sh -c 'rm -rf ~'", &["/srv"]);
    // Another user's, or no HOME at all, or a string that sets it: not known.
    asks(&h, "sudo sh -c 'rm -rf ~'");
    asks(&h, "su -c 'rm -rf ~'");
    asks(&h, "env -i sh -c 'rm -rf ~'");
    asks(&h, "env -u HOME sh -c 'rm -rf ~'");
    asks(&h, "sh -c 'HOME=/; rm -rf ~'");
    asks(&h, "sh -c 'rm -rf ~+/x'");
    asks(&here(Some("dash"), &[]), "sh -c 'rm -rf ~'");
    // `$HOME` is a parameter: dynamic, as every other.
    asks(&h, "sh -c 'rm -rf $HOME'");
    // A redirection's `~` too.
    let op = at(&h, "sh -c 'cat img > ~/disk.img'");
    assert_eq!(op.targets, ["/home/alice/disk.img"]);
    assert_eq!(op.kind, Kind::Overwrite);
    // … but not its glob, which a POSIX shell does not expand there.
    assert_eq!(at(&h, "sh -c 'cat img > /srv/a*'").kind, Kind::Opaque);
}

#[test]
fn another_directory_place_or_time_is_not_expanded_here() {
    let h = here(Some("dash"), &[HOME]);
    asks(&h, "sh -c 'cd /srv && rm *.log'");
    sees(&h, "sh -c 'cd /tmp && rm /srv/a*'", &["/srv/a.log"]);
    asks(&h, "env -C /srv sh -c 'rm /srv/*.log'");
    asks(&h, "chroot /mnt sh -c 'rm /srv/*.log'");
    asks(&h, "sudo -D /srv sh -c 'rm /srv/*.log'");
    asks(&h, "watch 'rm /srv/*.log'");
    asks(&h, "flock /run/x -c 'rm /srv/*.log'");
    asks(&h, "xargs sh -c 'rm /srv/*.log'");
    // Through the wrappers that run it here and now, it is expanded.
    sees(
        &h,
        "sudo sh -c 'rm /srv/*.log'",
        &["/srv/a.log", "/srv/b.log"],
    );
    sees(&h, "nice -n 5 sh -c 'rm /srv/a*'", &["/srv/a.log"]);
    sees(&h, "sh -c \"sh -c 'rm /srv/a*'\"", &["/srv/a.log"]);
    sees(&h, "runuser -u web -- sh -c 'rm /srv/a*'", &["/srv/a.log"]);
    sees(&h, "su -c 'rm /srv/a*'", &["/srv/a.log"]);
}

#[test]
fn here_documents_are_expanded_by_the_shell_that_reads_them() {
    let h = here(Some("dash"), &[HOME]);
    sees(
        &h,
        "sh -c 'bash <<EOF\nrm -rf /{usr,etc}\nEOF'",
        &["/usr", "/etc"],
    );
    sees(
        &h,
        "bash -c 'dash <<EOF\nrm -rf /{usr,etc}\nEOF'",
        &["/{usr,etc}"],
    );
    asks(&h, "sh -c 'sudo bash <<EOF\nrm -rf ~\nEOF'");
    sees(
        &h,
        "sh -c 'sudo bash <<EOF\nrm /srv/a*\nEOF'",
        &["/srv/a.log"],
    );
}

#[test]
fn more_words_than_the_cap_ask() {
    let names: Vec<String> = (0..super::expansion::MAX_EXPANDED + 1)
        .map(|i| format!("/big/f{i:05}"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let h = Here {
        fs: Some(Rc::new(fake(&refs))),
        ..here(Some("dash"), &[HOME])
    };
    let op = at(&h, "sh -c 'rm /big/*'");
    assert!(op.has("unseen_arguments"), "{:?}", op.note);
    assert!(op
        .note
        .as_deref()
        .is_some_and(|n| n.contains("more than 10000")));
    let op = at(&h, "sh -c 'rm /big/f0000*'");
    assert_eq!(
        op.targets.len(),
        10,
        "a smaller glob of the same tree is expanded"
    );
}

#[test]
fn the_note_says_what_the_shell_made_of_the_words() {
    let h = here(Some("bash"), &[HOME]);
    let op = at(&h, "sh -c 'rm -rf /usr/*'");
    assert_eq!(op.argv, ["rm", "-rf", "/usr/bin", "/usr/lib"]);
    assert_eq!(
        op.note.as_deref(),
        Some("`sh` expands `/usr/*` to `/usr/bin`, `/usr/lib`")
    );
}
