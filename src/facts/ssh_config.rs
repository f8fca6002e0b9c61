//! ssh's own configuration, read as OpenSSH 9 reads it (`readconf.c`, ssh_config(5)), for the
//! one thing safeop needs of it: does ssh run code on this machine for this command line, and
//! does it set the remote command? (`command::SshConfig`, used by `command/wrappers/ssh.rs`.)
//!
//! - Files: `-F FILE` alone (`-F none`: none), else `~/.ssh/config` of the user ssh runs as
//!   (its password-database home, as ssh takes it, not `$HOME`) then `/etc/ssh/ssh_config`.
//!   A missing default file is no configuration; a `-F` file that is missing, or any file ssh
//!   would read that cannot be read, is "cannot tell" (ssh itself stops on a `-F` file it
//!   cannot open): safeop asks.
//! - The command line's own options come first; for each keyword the first value obtained
//!   wins.
//! - `Host PATTERN…` matches the host as written on the command line: `*` and `?` wildcards,
//!   `!` negating (a negated match excludes the block whatever else matches); case matters
//!   (`ssh -G DB2` does not match `Host db*`).
//! - `Match`: `all`, `host` (the host after any `Hostname` obtained so far, `%h` expanded),
//!   `originalhost`, `user` (the remote user: `-l`/`USER@`, a `User` obtained so far, else the
//!   local user), `localuser`, each possibly negated with `!`, comma-separated pattern lists.
//!   `exec CMD` runs CMD on this machine to decide: code safeop does not read, so it counts as
//!   local code wherever ssh would run it (ssh skips it once an earlier criterion on its line
//!   failed). Other criteria (`canonical`, `final`, `tagged`, `localnetwork`, `address` …) are
//!   not decided here: a block under one of them that would run code, or set the remote
//!   command, makes the reading "cannot tell".
//! - `Include FILE…` (globs allowed): relative names are below `~/.ssh/` in a user file (and a
//!   `-F` file), below `/etc/ssh/` in the system file; read where the `Include` stands, only in
//!   an active block; at most 16 deep, as ssh.
//!
//! Options that run or load code here: `ProxyCommand`, `LocalCommand` when `PermitLocalCommand`
//! is `yes`, `KnownHostsCommand`, `PKCS11Provider`, `SecurityKeyProvider` (other than
//! `internal`), and `Match exec`. Nothing is run and nothing is written.

use crate::command::{SshConfig, SshQuery, SshSeen, SshUser};
use crate::text::bytes;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The door's reader. It holds nothing, so that making one costs the allow path nothing: a
/// relative `-F FILE` is read from the working directory when an `ssh` command is judged.
#[derive(Debug, Default)]
pub struct Reader;

impl SshConfig for Reader {
    fn read(&self, q: &SshQuery) -> SshSeen {
        let home = match q.as_user {
            SshUser::Caller => home_of(nix::unistd::getuid()),
            SshUser::Root => home_of(nix::unistd::Uid::from_raw(0)),
            SshUser::Unknown => {
                return SshSeen {
                    local_code: Some(
                        "`ssh` runs as another user or in another root there: safeop cannot tell which configuration files it reads, nor what they make it run on this machine".into(),
                    ),
                    remote_command: None,
                }
            }
        };
        let local_user = nix::unistd::User::from_uid(nix::unistd::geteuid())
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_default();
        let files = match q.file.as_deref() {
            Some("none") => Vec::new(),
            Some(f) => {
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
                vec![(cwd.join(bytes::path(f)), true, true)]
            }
            None => vec![
                (home.join(".ssh/config"), false, true),
                (PathBuf::from("/etc/ssh/ssh_config"), false, false),
            ],
        };
        read_files(q, &files, &home, &local_user)
    }
}

fn home_of(uid: nix::unistd::Uid) -> PathBuf {
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.dir)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Yes, no, or not decided here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

/// The reading so far.
struct State<'q> {
    q: &'q SshQuery,
    home: PathBuf,
    local_user: String,
    /// First value of each keyword (lower case), with where it came from.
    first: HashMap<String, (String, String)>,
    /// Why the reading cannot tell (kept: the first reason).
    unclear: Option<String>,
    /// `Match exec` that ssh would run.
    exec: Option<String>,
}

/// Keywords whose value runs, or loads, code on this machine.
const CODE: &[&str] = &[
    "proxycommand",
    "localcommand",
    "knownhostscommand",
    "pkcs11provider",
    "securitykeyprovider",
];

fn read_files(
    q: &SshQuery,
    files: &[(PathBuf, bool, bool)],
    home: &Path,
    local_user: &str,
) -> SshSeen {
    let mut st = State {
        q,
        home: home.to_path_buf(),
        local_user: local_user.to_string(),
        first: HashMap::new(),
        unclear: None,
        exec: None,
    };
    for (k, v) in &q.line {
        st.first
            .entry(k.clone())
            .or_insert_with(|| (v.clone(), "the command line".into()));
    }
    for (path, must, user_file) in files {
        st.file(path, *must, *user_file, Tri::Yes, 0);
    }
    st.seen()
}

impl State<'_> {
    fn seen(&self) -> SshSeen {
        let get = |k: &str| {
            self.first
                .get(k)
                .filter(|(v, _)| !v.eq_ignore_ascii_case("none"))
        };
        let mut code = None;
        for k in CODE {
            let Some((v, at)) = get(k) else { continue };
            let runs = match *k {
                "localcommand" => self
                    .first
                    .get("permitlocalcommand")
                    .is_some_and(|(p, _)| p.eq_ignore_ascii_case("yes")),
                "securitykeyprovider" => !v.eq_ignore_ascii_case("internal"),
                _ => true,
            };
            if runs && at != "the command line" {
                code = Some(format!(
                    "ssh's configuration ({at}) sets `{}` for `{}`: ssh runs `{v}` on this machine, which safeop does not read",
                    keyword_name(k),
                    self.q.host
                ));
                break;
            }
        }
        let remote = get("remotecommand")
            .filter(|(_, at)| at != "the command line")
            .map(|(v, _)| self.expand(v));
        SshSeen {
            local_code: self.exec.clone().or(code).or(self.unclear.clone()),
            remote_command: remote,
        }
    }

    /// `%h`, `%n`, `%r`, `%u`, `%%` in a `RemoteCommand`, as ssh expands them.
    fn expand(&self, v: &str) -> String {
        let mut out = String::new();
        let mut it = v.chars();
        while let Some(c) = it.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match it.next() {
                Some('%') => out.push('%'),
                Some('h') => out.push_str(&self.hostname()),
                Some('n') => out.push_str(&self.q.host),
                Some('r') => out.push_str(&self.remote_user()),
                Some('u') => out.push_str(&self.local_user),
                Some(o) => {
                    out.push('%');
                    out.push(o);
                }
                None => out.push('%'),
            }
        }
        out
    }

    fn hostname(&self) -> String {
        match self.first.get("hostname") {
            Some((h, _)) => h.replace("%h", &self.q.host).replace("%%", "%"),
            None => self.q.host.clone(),
        }
    }

    fn remote_user(&self) -> String {
        self.q
            .user
            .clone()
            .or_else(|| self.first.get("user").map(|(u, _)| u.clone()))
            .unwrap_or_else(|| self.local_user.clone())
    }

    fn cannot_tell(&mut self, why: String) {
        self.unclear.get_or_insert(why);
    }

    /// Reads one file with `cap` the activity of the block that includes it.
    fn file(&mut self, path: &Path, must: bool, user_file: bool, cap: Tri, depth: usize) {
        let shown = bytes::show_path(path);
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must => return,
            Err(e) => {
                return self.cannot_tell(format!(
                    "ssh would read its configuration `{shown}`, which safeop cannot read ({e}): what it makes ssh run on this machine is not known"
                ))
            }
        };
        let mut active = cap;
        for (n, raw) in text.lines().enumerate() {
            let at = format!("`{shown}` line {}", n + 1);
            let Some((key, args, rest)) = split_line(raw) else {
                continue;
            };
            let value = if WHOLE_LINE.contains(&key.as_str()) {
                rest
            } else {
                args.join(" ")
            };
            match key.as_str() {
                "host" => active = cap.and(self.host_line(&args)),
                "match" => active = cap.and(self.match_line(&args, &at)),
                "include" => {
                    if active == Tri::No {
                        continue;
                    }
                    if depth >= 16 {
                        self.cannot_tell(format!("{at}: `Include` nested deeper than ssh reads"));
                        continue;
                    }
                    for a in &args {
                        for p in self.include_paths(a, user_file) {
                            self.file(&p, false, user_file, active, depth + 1);
                        }
                    }
                }
                _ => match active {
                    Tri::No => {}
                    Tri::Yes => {
                        self.first.entry(key).or_insert((value, at));
                    }
                    Tri::Maybe => {
                        let unset = !self.first.contains_key(&key);
                        let matters = CODE.contains(&key.as_str()) || key == "remotecommand";
                        if unset && matters && !value.eq_ignore_ascii_case("none") {
                            self.cannot_tell(format!(
                                "{at} sets `{}` under a `Match` safeop does not decide: whether ssh runs it for `{}` is not known",
                                keyword_name(&key),
                                self.q.host
                            ));
                        }
                    }
                },
            }
        }
    }

    fn include_paths(&self, arg: &str, user_file: bool) -> Vec<PathBuf> {
        let arg = match arg.strip_prefix("~/") {
            Some(rest) => self.home.join(rest).display().to_string(),
            None => arg.to_string(),
        };
        let full = if arg.starts_with('/') {
            arg
        } else if user_file {
            self.home.join(".ssh").join(&arg).display().to_string()
        } else {
            format!("/etc/ssh/{arg}")
        };
        expand_glob(Path::new(&full))
    }

    fn host_line(&self, args: &[String]) -> Tri {
        let host = self.q.host.as_str();
        let mut hit = false;
        for a in args {
            let (neg, pat) = match a.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, a.as_str()),
            };
            if wild(pat, host) {
                if neg {
                    return Tri::No;
                }
                hit = true;
            }
        }
        if hit {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    fn match_line(&mut self, args: &[String], at: &str) -> Tri {
        let mut result = Tri::Yes;
        let mut i = 0;
        while i < args.len() {
            let (neg, crit) = match args[i].strip_prefix('!') {
                Some(c) => (true, c.to_ascii_lowercase()),
                None => (false, args[i].to_ascii_lowercase()),
            };
            i += 1;
            let this = match crit.as_str() {
                "all" => Tri::Yes,
                "canonical" | "final" => Tri::Maybe,
                _ => {
                    let Some(arg) = args.get(i).cloned() else {
                        self.cannot_tell(format!("{at}: `Match {crit}` without its argument"));
                        return Tri::Maybe;
                    };
                    i += 1;
                    match crit.as_str() {
                        "host" => list(&arg, &self.hostname()),
                        "originalhost" => list(&arg, &self.q.host),
                        "user" => list(&arg, &self.remote_user()),
                        "localuser" => list(&arg, &self.local_user),
                        "exec" => {
                            if result != Tri::No {
                                self.exec.get_or_insert(format!(
                                    "ssh's configuration ({at}) has `Match exec {arg}`: ssh runs `{arg}` on this machine to decide, which safeop does not read"
                                ));
                            }
                            Tri::Maybe
                        }
                        _ => Tri::Maybe,
                    }
                }
            };
            result = result.and(if neg { this.not() } else { this });
        }
        result
    }
}

/// The files a glob names (ssh uses glob(3)): each component with `*`, `?` or `[` matched
/// against the directory's entries, sorted; a name without wildcards as it is.
fn expand_glob(p: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from("/")];
    for c in p.components().skip(1) {
        let name = c.as_os_str().to_string_lossy().into_owned();
        if !name.contains(['*', '?', '[']) {
            found.iter_mut().for_each(|f| f.push(&name));
            continue;
        }
        let mut next = Vec::new();
        for dir in &found {
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = rd
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') || name.starts_with('.'))
                .filter(|n| crate::text::glob::glob_match(&name, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        found = next;
    }
    found
}

/// A comma-separated pattern list (`a*,!b`): matched when one pattern matches and no negated
/// one does.
fn list(patterns: &str, s: &str) -> Tri {
    let mut hit = false;
    for p in patterns.split(',').filter(|p| !p.is_empty()) {
        let (neg, p) = match p.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, p),
        };
        if wild(p, s) {
            if neg {
                return Tri::No;
            }
            hit = true;
        }
    }
    if hit {
        Tri::Yes
    } else {
        Tri::No
    }
}

/// ssh's `match_pattern`: `*` any run, `?` any one character.
fn wild(p: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `Keyword args…` or `Keyword=args…`, comments and blank lines skipped; double quotes group
/// an argument (ssh's `argv_split`). The keyword in lower case, and the rest of the line as
/// written: ssh takes the commands (`ProxyCommand`, `LocalCommand`, `RemoteCommand`,
/// `KnownHostsCommand`) from it whole, quotes and all.
fn split_line(raw: &str) -> Option<(String, Vec<String>, String)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let key = line[..end].to_ascii_lowercase();
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let mut args = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in rest.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    args.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        args.push(cur);
    }
    Some((key, args, rest.trim_end().to_string()))
}

/// Keywords whose value is the rest of the line.
const WHOLE_LINE: &[&str] = &[
    "proxycommand",
    "localcommand",
    "remotecommand",
    "knownhostscommand",
];

/// The keyword as ssh_config(5) spells it, for messages.
fn keyword_name(k: &str) -> &str {
    match k {
        "proxycommand" => "ProxyCommand",
        "localcommand" => "LocalCommand",
        "knownhostscommand" => "KnownHostsCommand",
        "pkcs11provider" => "PKCS11Provider",
        "securitykeyprovider" => "SecurityKeyProvider",
        "remotecommand" => "RemoteCommand",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_as_ssh_matches_them() {
        assert!(wild("db*", "db1"));
        assert!(wild("*.example.com", "a.example.com"));
        assert!(!wild("*.example.com", "example.com"));
        assert!(wild("db?", "db1") && !wild("db?", "db12"));
        assert!(wild("*", ""));
        assert_eq!(list("db*,!db9", "db1"), Tri::Yes);
        assert_eq!(list("db*,!db9", "db9"), Tri::No);
        assert_eq!(list("web*", "db1"), Tri::No);
    }

    #[test]
    fn lines_split_as_ssh_splits_them() {
        let (k, a, rest) = split_line("  ProxyCommand=nc %h %p").expect("line");
        assert_eq!((k.as_str(), rest.as_str()), ("proxycommand", "nc %h %p"));
        assert_eq!(a, ["nc", "%h", "%p"]);
        let (k, a, rest) = split_line("Host \"db 1\" web").expect("line");
        assert_eq!((k.as_str(), rest.as_str()), ("host", "\"db 1\" web"));
        assert_eq!(a, ["db 1", "web"]);
        assert_eq!(split_line("# ProxyCommand x"), None);
        assert_eq!(split_line("   "), None);
    }
}
