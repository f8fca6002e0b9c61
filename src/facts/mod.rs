//! What is true on this machine: a registry of named facts, each answered by a probe that runs
//! only when a rule reads it, at most once per run and subject.
//!
//! Fact names are the public contract of the policy language. Three scopes:
//! - **host** facts (`hostname`, `session.ssh`) are about the machine or the caller;
//! - **operation** facts (`operation.kind`, `restore.inodes`) are about the command as a whole;
//! - **path** facts are about one path the operation touches. They are registered once without a
//!   prefix and read as `target.NAME` (each path written to) or `source.NAME` (each path read).
//!
//! A probe that fails gives a [`FactError`], never a panic and never a silent `false`; the policy
//! setting `on_fact_error` decides what that means. All facts a run computed can be written out as
//! a [`Snapshot`] and loaded back instead of probing (`policy test`, `preflight --facts`).
//!
//! Probes read `/proc`, `/sys` and `/dev` below [`Facts::sys_root`] so tests can lay out sysfs trees
//! the way the kernel documents them; sudo mode never honours a different root.
//!
//! Paths are bytes. The operation's strings are encoded (`text::bytes`): a probe stats and opens
//! their decoding (a [`PathSubject`]'s `abs` holds the exact bytes), and a path a probe reads from
//! the system or hands back as a fact value is encoded the same way, so comparisons with argv
//! paths compare bytes and a snapshot (keyed by encoded paths) reads back exactly.

use crate::command::Operation;
use crate::text::bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub mod container;
pub mod dir;
pub mod disk;
pub mod effects;
pub mod expansion;
pub mod fsck;
pub mod helper;
pub mod inuse;
pub mod judged;
pub mod mounts;
pub mod operation;
pub mod path;
pub mod proc_view;
pub mod program;
pub mod protected;
pub mod recheck;
pub mod restore;
pub mod scale;
pub mod session;
pub mod shell;
pub mod smart;
pub mod snapshot;
pub mod ssh_config;
pub mod tree;
pub mod volume;
pub mod write;

/// Every fact area's table, in the order `safeop explain --list` shows them.
pub fn registry() -> impl Iterator<Item = &'static FactDef> {
    [
        operation::FACTS,
        path::FACTS,
        mounts::FACTS,
        session::FACTS,
        disk::FACTS,
        smart::FACTS,
        fsck::FACTS,
        scale::FACTS,
        tree::FACTS,
        protected::FACTS,
        restore::FACTS,
        write::FACTS,
        volume::FACTS,
        volume::thin::FACTS,
        dir::FACTS,
        container::FACTS,
        shell::FACTS,
    ]
    .into_iter()
    .flatten()
    .chain(inuse::TABLES.iter().flat_map(|t| t.iter()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Host,
    Operation,
    Path,
}

/// A probe's answer: fact name (relative, without `target.`/`source.`) → value. A name the probe
/// does not return is "not applicable" (`null`).
pub type ProbeResult = Result<Map<String, Value>, String>;

#[derive(Clone, Copy)]
pub enum ProbeFn {
    Whole(fn(&Facts) -> ProbeResult),
    Path(fn(&Facts, &PathSubject) -> ProbeResult),
}

/// One probe answers one or more facts with one look at the machine.
pub struct Probe {
    pub id: &'static str,
    pub run: ProbeFn,
    /// Pure probes only read the argv (and the cwd): they run even when facts come from a snapshot.
    pub pure: bool,
}

/// One named fact and its manual (what it tells, how it is found, when it is unknown, example).
pub struct FactDef {
    /// Full name for host/operation facts; name without `target.`/`source.` for path facts.
    pub name: &'static str,
    pub scope: Scope,
    pub probe: &'static Probe,
    /// `bool`, `number`, `string`, `list`, `path`.
    pub ty: &'static str,
    pub doc: &'static str,
}

impl FactDef {
    /// The names a policy uses for this fact.
    pub fn policy_names(&self) -> Vec<String> {
        match self.scope {
            Scope::Path => vec![
                format!("target.{}", self.name),
                format!("source.{}", self.name),
            ],
            _ => vec![self.name.to_string()],
        }
    }
}

/// Names with a suffix (`operation.option.NAME`): the prefix is registered. An option's name
/// must be one a parser sets ([`crate::command::OPTIONS`]); an environment variable's is free.
const OPEN_PREFIXES: &[&str] = &["operation.option.", "operation.env."];

/// Is a policy allowed to read `name`? Returns the definition (for suffixed names, the prefix's).
pub fn lookup(name: &str) -> Option<(&'static FactDef, Role)> {
    let (role, rel) = split_role(name);
    if let Some(d) = registry().find(|d| match role {
        Role::Whole => d.scope != Scope::Path && d.name == rel,
        _ => d.scope == Scope::Path && d.name == rel,
    }) {
        return Some((d, role));
    }
    let prefix = OPEN_PREFIXES.iter().find(|p| name.starts_with(**p))?;
    if let Some(opt) = name.strip_prefix("operation.option.") {
        if !crate::command::OPTIONS.contains(&opt) {
            return None;
        }
    }
    registry()
        .find(|d| d.name == prefix.trim_end_matches('.'))
        .map(|d| (d, Role::Whole))
}

/// A close match for an unknown fact name, for "did you mean …" (up to three edits away).
pub fn suggest(name: &str) -> Option<String> {
    crate::text::suggest::closest(name, registry().flat_map(|d| d.policy_names()), 3)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Whole,
    Target,
    Source,
}

pub fn split_role(name: &str) -> (Role, &str) {
    if let Some(rel) = name.strip_prefix("target.") {
        (Role::Target, rel)
    } else if let Some(rel) = name.strip_prefix("source.") {
        (Role::Source, rel)
    } else {
        (Role::Whole, name)
    }
}

/// One path of the operation, as a probe sees it.
#[derive(Debug, Clone)]
pub struct PathSubject {
    pub role: Role,
    /// As written on the command line (encoded: `text::bytes`).
    pub arg: String,
    /// Absolute, lexically normalized against the command's working directory (no symlinks
    /// resolved: that is the `path` fact's job). The exact bytes of the argument.
    pub abs: PathBuf,
}

/// Why a fact is missing when there is no host to ask ([`Facts::without_host`]).
pub const NEEDS_HOST: &str = "needs facts from the target host";

/// The key of a value that stands for "this probe could not find out" ([`failed`]).
pub const FAILED_KEY: &str = "$unknown";

/// A fact value meaning "the probe could not determine this", with the reason: a probe that
/// answers several facts at once marks one of them failed this way, and a facts snapshot, an
/// inline example or a policy test case writes `{ $unknown: "why" }` for the same. [`Facts::get`]
/// turns it into a [`FactError`], so the rule's `unknown:` decides. Not to be confused with
/// `null`: *not applicable* (a virtio disk has no SMART), about which rules say nothing.
pub fn failed(why: impl Into<String>) -> Value {
    let mut m = Map::new();
    m.insert(FAILED_KEY.into(), Value::from(why.into()));
    Value::Object(m)
}

/// The reason, when `v` is a [`failed`] value.
pub fn failure_of(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) if m.len() == 1 => m.get(FAILED_KEY).map(|w| {
            w.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| w.to_string())
        }),
        _ => None,
    }
}

/// A probe failure, carried to the policy as a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactError {
    pub fact: String,
    pub why: String,
}

impl std::fmt::Display for FactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not determine `{}`: {}", self.fact, self.why)
    }
}

/// Facts taken elsewhere (another host, a test case). Flat names apply everywhere (`target.X`
/// to every target); `paths` give values for one path. Reading one checks every name and the
/// type of every value ([`snapshot`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        deserialize_with = "snapshot::facts_map"
    )]
    pub facts: Map<String, Value>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "snapshot::paths_map"
    )]
    pub paths: BTreeMap<String, Map<String, Value>>,
}

type CacheKey = (&'static str, String);
type Cache = HashMap<CacheKey, Result<Map<String, Value>, String>>;

/// The facts of one run: probes on demand, cached, or read from a snapshot.
pub struct Facts<'a> {
    pub op: &'a Operation,
    /// The caller's working directory joined with any wrapper's (`env -C`, `sudo -D`).
    pub cwd: PathBuf,
    /// Where `/proc`, `/sys` and `/dev` are read from (normally `/`).
    pub sys_root: PathBuf,
    snapshot: Option<Snapshot>,
    /// The operation runs elsewhere: no live fact is read (see [`Facts::live`]).
    elsewhere: bool,
    missing_is_null: bool,
    /// No facts of the host the command is meant for ([`Facts::without_host`]).
    no_host: bool,
    /// The words of the command as shell text wrote them (`preflight`), for [`shell`].
    shell_words: RefCell<Rc<Vec<(String, crate::shell::unset::WordInfo)>>>,
    cache: RefCell<Cache>,
    seen: RefCell<BTreeMap<String, Value>>,
    seen_paths: RefCell<BTreeMap<String, Map<String, Value>>>,
    /// Intermediate results several probes share within one run (one `/proc` scan for all targets).
    memo: RefCell<HashMap<&'static str, Rc<dyn Any>>>,
    /// The same per path of the operation (its resolved path, its identity).
    subject_memo: RefCell<HashMap<SubjectKey, Rc<dyn Any>>>,
    /// The paths the policy protects ([`protected`]), handed in by whoever holds the policy.
    protected: RefCell<Rc<Vec<protected::Entry>>>,
}

type SubjectKey = (&'static str, Role, String);

impl<'a> Facts<'a> {
    /// This machine's facts, probed as rules read them. An operation that runs where safeop
    /// cannot look (flag `elsewhere`: `ssh HOST …`, `nsenter -m`, `systemd-run -M`/`-H`) gets
    /// none of them: what this machine says of `/dev/sda` or `/srv/x` is about other files, so
    /// every fact that is not read off the argv is unknown there, as in an empty snapshot of
    /// another host, and the rules' `unknown:` decide.
    pub fn live(op: &'a Operation, caller_cwd: PathBuf, sys_root: PathBuf) -> Facts<'a> {
        let cwd = match &op.cwd {
            Some(c) => normalize(&caller_cwd.join(bytes::path(c))),
            None => caller_cwd,
        };
        let elsewhere = op.has("elsewhere");
        Facts {
            op,
            cwd,
            sys_root,
            snapshot: elsewhere.then(Snapshot::default),
            elsewhere,
            missing_is_null: false,
            no_host: false,
            shell_words: RefCell::default(),
            cache: RefCell::default(),
            seen: RefCell::default(),
            seen_paths: RefCell::default(),
            memo: RefCell::default(),
            subject_memo: RefCell::default(),
            protected: RefCell::default(),
        }
    }

    /// The protected paths the `protected.*` facts judge by (the policy's `settings.protected`
    /// and safe-rm's lists): set by the engine from the policy it decides with.
    pub fn set_protected(&self, list: Rc<Vec<protected::Entry>>) {
        *self.protected.borrow_mut() = list;
    }

    /// The protected paths handed in by [`Facts::set_protected`] (none until then).
    pub fn protected(&self) -> Rc<Vec<protected::Entry>> {
        self.protected.borrow().clone()
    }

    /// Facts taken on another host: a fact the snapshot lacks is unknown (a fact error), as on
    /// a host whose probe could not answer.
    pub fn from_snapshot(op: &'a Operation, cwd: PathBuf, snapshot: Snapshot) -> Facts<'a> {
        let mut f = Facts::live(op, cwd, PathBuf::from("/"));
        f.snapshot = Some(snapshot);
        f
    }

    /// Facts for `preflight`: a runbook is for another machine, and this one is never probed.
    /// With a snapshot of the target host its values are used, a failed probe it records
    /// (`{ $unknown: … }`) is unknown as in `check --facts`, and a fact it does not hold at all
    /// is one that host was never asked; without one, nothing but the pure facts (the argv,
    /// the shell words) is known. Either way a fact not given is a [`FactError`] whose reason
    /// is [`NEEDS_HOST`], which [`Facts::needs_host`] tells apart from a probe that failed.
    pub fn without_host(op: &'a Operation, cwd: PathBuf, snapshot: Option<Snapshot>) -> Facts<'a> {
        let mut f = Facts::from_snapshot(op, cwd, snapshot.unwrap_or_default());
        f.no_host = true;
        f
    }

    /// Whether every fact a probe answers is one this run cannot have: no host to ask and no
    /// snapshot of it (`preflight` without `--facts`). Then a probed fact's value is the same
    /// error whatever the path.
    pub fn knows_no_host_fact(&self) -> bool {
        self.no_host
            && self
                .snapshot
                .as_ref()
                .is_none_or(|s| s.facts.is_empty() && s.paths.is_empty())
    }

    /// Whether `e` is a fact this run could not have because it has no host to ask.
    pub fn needs_host(&self, e: &FactError) -> bool {
        self.no_host && e.why == NEEDS_HOST
    }

    /// Hands in the words of the command as the shell text wrote them: each argv string with
    /// what [`crate::shell::unset`] made of its word.
    pub fn set_shell_words(&self, words: Rc<Vec<(String, crate::shell::unset::WordInfo)>>) {
        *self.shell_words.borrow_mut() = words;
    }

    /// The words handed in by [`Facts::set_shell_words`] (none outside `preflight`).
    pub fn shell_words(&self) -> Rc<Vec<(String, crate::shell::unset::WordInfo)>> {
        self.shell_words.borrow().clone()
    }

    /// Facts of a made-up situation (inline examples, policy test cases): a fact the case does
    /// not give is not applicable (`null`), so a case names only the facts it is about.
    pub fn hypothetical(op: &'a Operation, cwd: PathBuf, snapshot: Snapshot) -> Facts<'a> {
        let mut f = Facts::from_snapshot(op, cwd, snapshot);
        f.missing_is_null = true;
        f
    }

    pub fn is_live(&self) -> bool {
        self.snapshot.is_none()
    }

    /// A path under the system root: `sys("/proc/self/mountinfo")` (`p` is encoded, as a mount
    /// source read from mountinfo is).
    pub fn sys(&self, p: &str) -> PathBuf {
        if self.sys_root == Path::new("/") {
            bytes::path(p).into_owned()
        } else {
            self.sys_root.join(bytes::path(p.trim_start_matches('/')))
        }
    }

    /// A value computed once per run and shared by the probes that need it (`key` names it).
    pub fn memo<T: 'static>(&self, key: &'static str, make: impl FnOnce(&Facts) -> T) -> Rc<T> {
        let hit = self.memo.borrow().get(key).cloned();
        if let Some(v) = hit.and_then(|v| v.downcast::<T>().ok()) {
            return v;
        }
        let v = Rc::new(make(self));
        self.memo.borrow_mut().insert(key, v.clone());
        v
    }

    /// A value computed once per run for one path of the operation (`key` names it).
    pub fn memo_for<T: 'static>(
        &self,
        key: &'static str,
        s: &PathSubject,
        make: impl FnOnce(&Facts) -> T,
    ) -> Rc<T> {
        let k = (key, s.role, s.arg.clone());
        let hit = self.subject_memo.borrow().get(&k).cloned();
        if let Some(v) = hit.and_then(|v| v.downcast::<T>().ok()) {
            return v;
        }
        let v = Rc::new(make(self));
        self.subject_memo.borrow_mut().insert(k, v.clone());
        v
    }

    /// The operation's effects, resolved against the machine (`effects`): once per run.
    pub fn effects(&self) -> Rc<Vec<crate::command::Effect>> {
        effects::resolved(self)
    }

    /// One path of the operation (encoded, as written) as a subject of `role`.
    pub fn subject(&self, role: Role, arg: &str) -> PathSubject {
        PathSubject {
            role,
            arg: arg.to_string(),
            abs: normalize(&self.cwd.join(bytes::path(arg))),
        }
    }

    /// The paths of one role, as subjects.
    pub fn subjects(&self, role: Role) -> Vec<PathSubject> {
        let list = match role {
            Role::Target => &self.op.targets,
            Role::Source => &self.op.sources,
            Role::Whole => return Vec::new(),
        };
        list.iter()
            .map(|arg| PathSubject {
                role,
                arg: arg.clone(),
                abs: normalize(&self.cwd.join(bytes::path(arg))),
            })
            .collect()
    }

    /// The value of a fact (full policy name) for a subject (`None` for host/operation facts).
    pub fn get(&self, name: &str, subject: Option<&PathSubject>) -> Result<Value, FactError> {
        let err = |why: String| FactError {
            fact: name.to_string(),
            why,
        };
        let (role, rel) = split_role(name);
        let Some((def, _)) = lookup(name) else {
            return Err(err("no such fact".into()));
        };
        let subject = match (role, subject) {
            (Role::Whole, _) => None,
            (_, Some(s)) => Some(s),
            (_, None) => return Err(err("the operation has no such path".into())),
        };
        // Preflight computes the pure facts from the step itself: a snapshot taken of another
        // command (its `operation.flags`, its `shell.*`) says nothing of this one.
        let from_snapshot = self
            .snapshot
            .as_ref()
            .filter(|_| !(self.no_host && def.probe.pure));
        if let Some(snap) = from_snapshot {
            if let Some(v) = snapshot_value(snap, name, rel, subject) {
                return match failure_of(&v) {
                    Some(why) => Err(err(why)),
                    None => Ok(v),
                };
            }
        }
        if self.snapshot.is_some() && !def.probe.pure {
            if self.missing_is_null {
                return Ok(Value::Null);
            }
            if self.no_host {
                return Err(err(NEEDS_HOST.into()));
            }
            if self.elsewhere {
                return Err(err(
                    "the command runs where safeop cannot look; this machine's facts are \
                     not about its paths"
                        .into(),
                ));
            }
            return Err(err("not in the facts snapshot".into()));
        }
        let key = (
            def.probe.id,
            subject
                .map(|s| bytes::encode_path(&s.abs))
                .unwrap_or_default(),
        );
        let cached = self.cache.borrow().get(&key).cloned();
        let answer = match cached {
            Some(a) => a,
            None => {
                let a = match (def.probe.run, subject) {
                    (ProbeFn::Whole(f), _) => f(self),
                    (ProbeFn::Path(f), Some(s)) => f(self, s),
                    (ProbeFn::Path(_), None) => Err("the operation has no such path".into()),
                };
                self.cache.borrow_mut().insert(key, a.clone());
                a
            }
        };
        let map = answer.map_err(err)?;
        let lookup_name = if role == Role::Whole { name } else { rel };
        let v = map.get(lookup_name).cloned().unwrap_or(Value::Null);
        // A failed value is recorded as such (a snapshot taken here says so elsewhere).
        match subject {
            Some(s) => {
                self.seen_paths
                    .borrow_mut()
                    .entry(bytes::encode_path(&s.abs))
                    .or_default()
                    .insert(rel.to_string(), v.clone());
            }
            None => {
                self.seen.borrow_mut().insert(name.to_string(), v.clone());
            }
        }
        match failure_of(&v) {
            Some(why) => Err(err(why)),
            None => Ok(v),
        }
    }

    /// Everything this run looked at, as a snapshot that [`Facts::from_snapshot`] reads back.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            version: Some(1),
            facts: self.seen.borrow().clone().into_iter().collect(),
            paths: self.seen_paths.borrow().clone(),
        }
    }
}

fn snapshot_value(
    snap: &Snapshot,
    name: &str,
    rel: &str,
    subject: Option<&PathSubject>,
) -> Option<Value> {
    if let Some(s) = subject {
        for key in [bytes::encode_path(&s.abs), s.arg.clone()] {
            if let Some(v) = snap
                .paths
                .get(&key)
                .and_then(|m| m.get(rel).or_else(|| m.get(name)))
            {
                return Some(v.clone());
            }
        }
    }
    snap.facts.get(name).cloned()
}

/// Lexical normalization: `.` and `..` removed, no symlinks resolved, never above `/`.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

/// Builds a probe answer: `answer([("exists", true.into()), …])`.
pub fn answer<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_has_a_manual() {
        for d in registry() {
            assert!(
                d.doc.contains("## What it tells"),
                "fact `{}` lacks docs",
                d.name
            );
            assert!(d.doc.contains("## When it is unknown"), "fact `{}`", d.name);
        }
    }

    #[test]
    fn fact_names_are_unique() {
        let mut names: Vec<String> = registry().flat_map(|d| d.policy_names()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn normalize_never_escapes_root() {
        assert_eq!(
            normalize(Path::new("/a/../../b/./c")),
            PathBuf::from("/b/c")
        );
    }

    #[test]
    fn a_path_that_is_not_utf8_is_judged_by_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let d = tempfile::tempdir().expect("tempdir");
        let raw = |b: &[u8]| d.path().join(std::ffi::OsStr::from_bytes(b));
        std::fs::create_dir(raw(b"\xfe")).expect("mkdir");
        std::fs::write(raw(b"\xfe/\xff"), b"12345").expect("write");
        std::fs::write(raw(b"\xfe/\xef\xbf\xbd"), b"1").expect("write");
        let ff = bytes::encode_bytes(b"\xff").into_owned();
        let mut op = Operation::new("truncate", vec!["truncate".into(), ff.clone()]);
        op.kind = crate::command::Kind::Overwrite;
        op.targets = vec![ff, "\u{FFFD}".into()];
        op.cwd = Some(bytes::encode_bytes(b"\xfe").into_owned());
        let f = Facts::live(&op, d.path().to_path_buf(), PathBuf::from("/"));
        assert_eq!(f.cwd, raw(b"\xfe"));
        let s = f.subjects(Role::Target);
        assert_eq!(s[0].abs, raw(b"\xfe/\xff"));
        assert_eq!(s[1].abs, raw(b"\xfe/\xef\xbf\xbd"));
        let get = |name: &str, s: &PathSubject| f.get(name, Some(s)).expect(name);
        assert_eq!(
            get("target.size", &s[0]),
            5,
            "the \\xff file is stat'ed, not U+FFFD"
        );
        assert_eq!(get("target.size", &s[1]), 1);
        assert_eq!(get("target.name", &s[0]), "\u{10FFFF}");
        assert_eq!(get("target.name", &s[1]), "\u{FFFD}");
        let path = get("target.path", &s[0]);
        let path = path.as_str().expect("a string");
        assert_eq!(bytes::path(path), raw(b"\xfe/\xff"));
        // The snapshot keeps the two paths apart and exact.
        let snap = f.snapshot();
        assert_eq!(snap.paths.len(), 2);
        assert!(snap.paths.contains_key(path));
    }

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(suggest("target.pth").as_deref(), Some("target.path"));
    }
}
