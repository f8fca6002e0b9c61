//! YAML policies → a validated [`Policy`]: rules that match operations and test facts.
//!
//! Layers, later ones on top: the embedded default (`policies/default.yaml`), then the system
//! layers in `/etc/safeop/`, then `--policy FILE` or `SAFEOP_POLICY`, else the user's
//! `$XDG_CONFIG_HOME/safeop/` ([`layers`] says where and how far each is trusted: a layer that
//! is not a root-owned system layer may only tighten). A layer adds rules, replaces a rule by id,
//! switches rules off (`disable:`), or starts from nothing (`defaults: false`). Every mistake is
//! an error naming file, line and column; nothing here ever lets a command through because a
//! policy could not be read.

pub mod condition;
pub mod layers;
pub mod protected;
pub mod template;
pub mod vocab;
pub use crate::text::yaml;

use crate::error::Error;
use condition::Cond;
pub use layers::{layer_files, Layer, Trust};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::path::PathBuf;
use vocab::{Flags, Names, Tools};
pub use vocab::{KindList, Note};

/// The embedded default policy, compiled into the binary.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yaml");
pub const DEFAULT_NAME: &str = "<embedded default policy>";
/// The BLAKE3 of [`DEFAULT_POLICY`] (`build.rs`).
pub const DEFAULT_POLICY_BLAKE3: &str =
    include_str!(concat!(env!("OUT_DIR"), "/default_policy_blake3.txt"));
/// The same policy converted to JSON by `build.rs`, the form read at run time.
const DEFAULT_POLICY_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/default_policy.json"));

/// Read with "did you mean" ([`vocab`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Warn,
    Confirm,
    Deny,
}

impl Verdict {
    /// The verdict a policy names `name` (`allow` … `deny`).
    pub fn from_name(name: &str) -> Option<Verdict> {
        [
            Verdict::Allow,
            Verdict::Warn,
            Verdict::Confirm,
            Verdict::Deny,
        ]
        .into_iter()
        .find(|v| v.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::Confirm => "confirm",
            Verdict::Deny => "deny",
        }
    }
}

/// How a `confirm` asks. Read with "did you mean" ([`vocab`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Challenge {
    /// A plain yes/no question.
    YesNo,
    /// Type the target's path as the finding names it (`target.path`), exactly.
    TypeTarget,
    /// Type this machine's host name.
    TypeHostname,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// What a probe failure counts as in a rule that needed it (default `confirm`).
    #[serde(default)]
    pub on_fact_error: Option<Verdict>,
    /// What a needed confirmation becomes without a terminal (default `deny`).
    #[serde(default)]
    pub no_tty: Option<NoTty>,
    /// `safeop preflight` without a facts snapshot: the most a rule whose facts only the
    /// target host has may give (default `warn`; its `unknown:` or `on_fact_error` when milder).
    #[serde(default)]
    pub preflight_without_facts: Option<Verdict>,
    /// What a command that needs a confirmation or an override does when its audit record
    /// cannot be written (default `refuse`; allowed and warned commands always run, with a
    /// warning; in sudo mode nothing runs unrecorded).
    #[serde(default)]
    pub audit_failure: Option<AuditFailure>,
    /// Paths the site protects, each with the verdicts it wants ([`protected`]).
    #[serde(default)]
    pub protected: Option<Vec<protected::EntrySpec>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditFailure {
    Refuse,
    Run,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoTty {
    Deny,
    Allow,
}

/// Which operations a rule looks at. Every given list must match; an empty list matches all.
/// Kinds and flags must be ones safeop knows; tools need not be ([`vocab`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default)]
    pub operation: KindList,
    #[serde(default)]
    pub tool: Names<Tools>,
    /// All of these flags must be set (`recursive`, `no_preserve_root` …).
    #[serde(default)]
    pub flags: Names<Flags>,
    /// None of these flags may be set (`dry_run`, `remote_host` …).
    #[serde(default)]
    pub not_flags: Names<Flags>,
    /// `true`: only effects that reach the whole tree below their path (`rm -r`, `rsync
    /// --delete`'s delete, a move-away, `chmod -R`); `false`: only those that do not.
    #[serde(default)]
    pub tree: Option<bool>,
}

/// `argv` plus facts, and the verdict this rule alone must give (`allow` = the rule stays silent).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub argv: Vec<String>,
    /// Checked like a facts snapshot: known names, values of their type.
    #[serde(default, deserialize_with = "crate::facts::snapshot::facts_map")]
    pub facts: Map<String, Value>,
    #[serde(default, deserialize_with = "crate::facts::snapshot::paths_map")]
    pub paths: std::collections::BTreeMap<String, Map<String, Value>>,
    #[serde(default)]
    pub cwd: Option<String>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub summary: String,
    #[serde(default)]
    pub why: Option<String>,
    /// What would make the command acceptable ("stop domain web1 first").
    #[serde(default)]
    pub fix: Option<String>,
    #[serde(rename = "match", default)]
    pub matches: Match,
    #[serde(default)]
    pub when: Option<Cond>,
    pub verdict: Verdict,
    /// A fact whose value is a verdict name (`target.protected.tree`): each finding gets that
    /// verdict, never stricter than `verdict`; `null` or `allow` keeps the rule silent.
    #[serde(default)]
    pub verdict_from: Option<String>,
    /// The verdict when the rule needed a fact that could not be determined (a probe failed;
    /// not a fact that is merely not applicable). Default: the policy's `on_fact_error`.
    /// `allow` keeps the rule silent then.
    #[serde(default)]
    pub unknown: Option<Verdict>,
    #[serde(default)]
    pub challenge: Option<Challenge>,
    #[serde(default)]
    pub message: Option<String>,
    /// A final deny cannot be overridden with `--override`.
    #[serde(rename = "final", default)]
    pub is_final: bool,
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Where the rule was defined: file and line of its `id:`.
    #[serde(skip)]
    pub origin: String,
    /// What [`Rule::probed_condition`] found, worked out once.
    #[serde(skip)]
    probed: Memo<Option<ProbedCondition>>,
}

/// A rule's `when:` that reads only probed facts (none a parser or the script's text gives):
/// which sides it reads, and the fact whose error is the answer when none can be had.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbedCondition {
    pub first: String,
    pub target: bool,
    pub source: bool,
}

/// A value worked out once and cached; invisible to `Debug` and equal to any other, so two
/// readings of a rule compare by what the rule says.
#[derive(Clone, Default)]
struct Memo<T>(std::cell::OnceCell<T>);

impl<T> fmt::Debug for Memo<T> {
    fn fmt(&self, _: &mut fmt::Formatter) -> fmt::Result {
        Ok(())
    }
}

impl Rule {
    /// Every fact the rule reads, in its condition and its message.
    pub fn facts(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = &self.when {
            c.facts(&mut out);
        }
        if let Some(m) = &self.message {
            out.extend(template::placeholders(m));
        }
        if let Some(m) = &self.fix {
            out.extend(template::placeholders(m));
        }
        if let Some(f) = &self.verdict_from {
            out.push(f.clone());
        }
        out
    }

    /// The rule's `when:` when it reads only probed facts and no `known:` test answers a failed
    /// one: then, with no host to probe, it fails on its first fact whatever the command.
    pub fn probed_condition(&self) -> Option<&ProbedCondition> {
        self.probed
            .0
            .get_or_init(|| {
                let c = self.when.as_ref()?;
                let first = c.first_failing()?;
                let mut probed_only = true;
                let (mut target, mut source) = (false, false);
                c.any_fact(&mut |n| {
                    match crate::facts::lookup(n) {
                        Some((d, _)) if !d.probe.pure => {}
                        _ => probed_only = false,
                    }
                    match crate::facts::split_role(n).0 {
                        crate::facts::Role::Target => target = true,
                        crate::facts::Role::Source => source = true,
                        crate::facts::Role::Whole => {}
                    }
                    false
                });
                probed_only.then(|| ProbedCondition {
                    first: first.to_string(),
                    target,
                    source,
                })
            })
            .as_ref()
    }

    /// Whether the rule reads a fact whose name starts with `prefix` (`target.`), in its
    /// condition, its message, its way out or `verdict_from`: [`Rule::facts`] without the list.
    pub fn reads(&self, prefix: &str) -> bool {
        let mut test = |n: &str| n.starts_with(prefix);
        self.when.as_ref().is_some_and(|c| c.any_fact(&mut test))
            || [&self.message, &self.fix]
                .into_iter()
                .flatten()
                .any(|t| template::any_placeholder(t, &mut test))
            || self.verdict_from.as_deref().is_some_and(&mut test)
    }

    /// Whether the rule can have something to say about the operation as parsed: one of its
    /// effects matches, or may once the machine says where it lands ([`Effect::could_be`]).
    /// Cheap; the engine then asks [`Rule::matching_effects`] of the resolved effects.
    ///
    /// [`Effect::could_be`]: crate::command::Effect::could_be
    pub fn matches_op(&self, op: &crate::command::Operation) -> bool {
        if op.effects.is_empty() {
            return self.matches_kind_only(op);
        }
        op.effects.iter().any(|e| self.matches_effect(op, e, true))
    }

    /// The effects the rule is about: those of a kind its `match.operation` names (any kind
    /// when it names none), by a tool it names, carrying all its `flags` and none of its
    /// `not_flags` (which the command's own flags exclude too).
    pub fn matching_effects<'e>(
        &self,
        op: &crate::command::Operation,
        effects: &'e [crate::command::Effect],
    ) -> Vec<&'e crate::command::Effect> {
        effects
            .iter()
            .filter(|e| self.matches_effect(op, e, false))
            .collect()
    }

    /// An operation with no effects at all (a tool safeop does not know) is matched by its kind.
    pub fn matches_kind_only(&self, op: &crate::command::Operation) -> bool {
        let m = &self.matches;
        (m.operation.0.is_empty() || m.operation.0.contains(&op.kind))
            && (m.tool.0.is_empty() || m.tool.0.contains(&op.tool))
            && m.flags.0.iter().all(|f| op.has(f))
            && !m.not_flags.0.iter().any(|f| op.has(f))
            && m.tree.is_none()
    }

    fn matches_effect(
        &self,
        op: &crate::command::Operation,
        e: &crate::command::Effect,
        could: bool,
    ) -> bool {
        let m = &self.matches;
        let kind = m.operation.0.is_empty()
            || m.operation
                .0
                .iter()
                .any(|k| if could { e.could_be(*k) } else { e.kind == *k });
        kind && (m.tool.0.is_empty() || m.tool.0.contains(&op.tool))
            && tree_fits(m.tree, e, could)
            && m.flags.0.iter().all(|f| flag_fits(f, e, could))
            && !m
                .not_flags
                .0
                .iter()
                .any(|f| e.flags.contains(f) || op.has(f))
    }
}

/// `match: { tree: … }` against an effect; an effect that may turn into another once the
/// machine says where it lands ([`Effect::could_be`]) may turn into one of either reach.
///
/// [`Effect::could_be`]: crate::command::Effect::could_be
fn tree_fits(want: Option<bool>, e: &crate::command::Effect, could: bool) -> bool {
    match want {
        None => true,
        Some(t) => e.tree == t || (could && !e.lands.is_here()),
    }
}

/// `match: { flags: … }` against an effect; one that may land elsewhere once the machine is
/// asked may gain the landing flags (`replaced`, `in_place`) then.
fn flag_fits(f: &str, e: &crate::command::Effect, could: bool) -> bool {
    e.flags.contains(f)
        || (could && !e.lands.is_here() && crate::command::effect::LANDING_FLAGS.contains(&f))
}

#[derive(Debug, Clone)]
pub struct Disable {
    pub rule: String,
    pub reason: Option<String>,
}

impl<'de> Deserialize<'de> for Disable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            rule: String,
            reason: String,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Disable;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rule id, or `{ rule: ID, reason: WHY }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Disable, E> {
                Ok(Disable {
                    rule: v.to_string(),
                    reason: None,
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Disable, A::Error> {
                let f = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Disable {
                    rule: f.rule,
                    reason: Some(f.reason),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A rule switched off for some paths, with a reason and an expiry date.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub rule: String,
    /// Glob on the resolved target path.
    pub path: String,
    pub reason: String,
    /// `YYYY-MM-DD`: the exception holds until the end of that day (UTC).
    pub expires: chrono::NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: u32,
    #[serde(default)]
    defaults: Option<bool>,
    #[serde(default)]
    settings: Option<Settings>,
    #[serde(default)]
    rules: Vec<Rule>,
    #[serde(default)]
    disable: Vec<Disable>,
    #[serde(default)]
    exceptions: Vec<Exception>,
}

/// The effective policy after all layers.
#[derive(Debug, Clone)]
pub struct Policy {
    pub rules: Vec<Rule>,
    pub on_fact_error: Verdict,
    pub no_tty: NoTty,
    pub audit_failure: AuditFailure,
    /// `settings.preflight_without_facts` ([`Settings`]).
    pub preflight_without_facts: Verdict,
    pub exceptions: Vec<(Exception, String)>,
    /// The files that made it, in order, with how far each was trusted.
    pub layers: Vec<(String, Trust)>,
    /// The BLAKE3 of each layer's text, in the order of `layers` (for the audit record).
    pub layer_hashes: Vec<String>,
    /// Rules switched off, with the file and reason.
    pub disabled: Vec<(String, String, Option<String>)>,
    /// The rules switched off that had been read, kept so that `check` can say when one of
    /// them would have looked at the command.
    pub disabled_rules: Vec<Rule>,
    /// Where each setting in effect was set (`on_fact_error`, `no_tty` → `file:line`).
    pub settings_from: Vec<(&'static str, String)>,
    /// The paths the site protects, every layer's and safe-rm's lists' stacked ([`protected`]).
    pub protected: Vec<protected::Protected>,
    /// The layers that are safe-rm lists (`/etc/safe-rm.conf` …), by name.
    pub safe_rm_lists: Vec<String>,
    /// Embedded rules left unread because they cannot match the command at hand
    /// ([`Policy::embedded_for`]): their ids and whether they are final, so that a layer's
    /// `disable:` and `exceptions:` are checked as if they had been read.
    unread: Vec<(&'static str, bool)>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            rules: Vec::new(),
            on_fact_error: Verdict::Confirm,
            no_tty: NoTty::Deny,
            audit_failure: AuditFailure::Refuse,
            preflight_without_facts: Verdict::Warn,
            exceptions: Vec::new(),
            layers: Vec::new(),
            layer_hashes: Vec::new(),
            disabled: Vec::new(),
            disabled_rules: Vec::new(),
            settings_from: Vec::new(),
            protected: Vec::new(),
            safe_rm_lists: Vec::new(),
            unread: Vec::new(),
        }
    }
}

/// Where policy files are looked for.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `--policy FILE` or `SAFEOP_POLICY` (ignored in sudo mode).
    pub explicit: Option<PathBuf>,
    /// Sudo mode: only root-owned files not writable by others, only system locations.
    pub strict: bool,
}

/// Each embedded rule's `match:` (operations, tools, flags, not_flags, tree), extracted by
/// `build.rs`.
type MatchSpec = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    Option<bool>,
);
const DEFAULT_MATCHES: &[MatchSpec] = include!(concat!(env!("OUT_DIR"), "/default_matches.rs"));
/// Each embedded rule as its own JSON text, in order (`build.rs`).
const DEFAULT_RULES: &[&str] = include!(concat!(env!("OUT_DIR"), "/default_rules.rs"));
/// Each embedded rule's id and whether it is final, in order (`build.rs`).
const DEFAULT_RULE_IDS: &[(&str, bool)] =
    include!(concat!(env!("OUT_DIR"), "/default_rule_ids.rs"));
/// The embedded default's `settings.protected` (`build.rs`): each entry's path as written, the
/// verdicts it names (`tree`, `delete`, `overwrite`, `permissions`), and where it stands.
const DEFAULT_PROTECTED: &[(&str, [Option<&str>; 4], &str)] =
    include!(concat!(env!("OUT_DIR"), "/default_protected.rs"));
/// Line and column of each embedded rule's `id:`, extracted by `build.rs`.
const DEFAULT_RULE_LINES: &[(&str, usize, usize)] =
    include!(concat!(env!("OUT_DIR"), "/default_rule_lines.rs"));
/// Whether each rule (in the order of [`DEFAULT_RULES`]) reads `target.shell.*`, what the shell
/// makes of a script's words: facts only `preflight` has (`build.rs`).
const DEFAULT_PREFLIGHT_ONLY: &[bool] =
    include!(concat!(env!("OUT_DIR"), "/default_preflight_only.rs"));
/// The line of each rule's `id:`, in the order of [`DEFAULT_RULES`] (`build.rs`).
const DEFAULT_RULE_AT: &[usize] = include!(concat!(env!("OUT_DIR"), "/default_rule_at.rs"));

/// Rule id → (line, column) of each of its `id:` entries, in file order.
type Positions = std::collections::HashMap<String, Vec<(usize, usize)>>;

fn default_positions() -> Positions {
    let mut positions: Positions = Positions::with_capacity(DEFAULT_RULE_LINES.len());
    for (id, line, col) in DEFAULT_RULE_LINES {
        positions
            .entry(id.to_string())
            .or_default()
            .push((*line, *col));
    }
    positions
}

/// [`Rule::matches_op`] on a rule's `match:` as `build.rs` extracted it (the rule unread).
fn spec_matches(spec: &MatchSpec, op: &crate::command::Operation) -> bool {
    let (kinds, tools, flags, not_flags, tree) = spec;
    if !(tools.is_empty() || tools.contains(&op.tool.as_str())) {
        return false;
    }
    if op.effects.is_empty() {
        return (kinds.is_empty() || kinds.contains(&op.kind.name()))
            && flags.iter().all(|f| op.has(f))
            && !not_flags.iter().any(|f| op.has(f))
            && tree.is_none();
    }
    op.effects.iter().any(|e| {
        (kinds.is_empty()
            || kinds
                .iter()
                .filter_map(|k| crate::command::Kind::from_name(k))
                .any(|k| e.could_be(k)))
            && tree_fits(*tree, e, true)
            && flags.iter().all(|f| flag_fits(f, e, true))
            && !not_flags.iter().any(|f| e.flags.contains(*f) || op.has(f))
    })
}

impl Policy {
    /// Could any rule of the embedded default match this operation? When not, and no policy
    /// layer exists on this machine, the policy need not be loaded at all.
    pub fn embedded_could_match(op: &crate::command::Operation) -> bool {
        DEFAULT_MATCHES.iter().any(|m| spec_matches(m, op))
    }

    /// The embedded default with only the rules whose `match:` selects `op` (the others are
    /// never read): what `run` uses when no policy layer exists. Decides exactly like
    /// [`Policy::embedded`], since a rule that does not match contributes nothing.
    pub fn embedded_for(op: &crate::command::Operation) -> Result<Policy, Error> {
        let err = |e: serde_json::Error| Error::policy(DEFAULT_NAME, 0, 0, e.to_string());
        let mut p = Policy::default();
        // The embedded rules are the ones `Policy::embedded` reads and validates (names of
        // facts, flags, kinds; templates; ids): the test suite does that for every rule, so a
        // run reads its few rules without checking each name again.
        vocab::trusting(|| {
            for ((((raw, spec), id), line), shell_only) in DEFAULT_RULES
                .iter()
                .zip(DEFAULT_MATCHES)
                .zip(DEFAULT_RULE_IDS)
                .zip(DEFAULT_RULE_AT)
                .zip(DEFAULT_PREFLIGHT_ONLY)
            {
                // A rule on a script's words says nothing of an argv (`run`, `check`): its
                // `target.shell.*` facts are null there (`preflight` reads the whole policy).
                if spec_matches(spec, op) && !shell_only {
                    let mut rule = serde_json::from_str::<Rule>(raw).map_err(err)?;
                    rule.origin = format!("{DEFAULT_NAME}:{line}");
                    p.rules.push(rule);
                } else {
                    p.unread.push(*id);
                }
            }
            Ok::<(), Error>(())
        })?;
        // The embedded settings are the defaults of `Policy::default()` (a test checks it), but
        // for the protected paths, which come from their table.
        p.layers.push((DEFAULT_NAME.to_string(), Trust::System));
        p.layer_hashes.push(DEFAULT_POLICY_BLAKE3.to_string());
        p.protected = protected::embedded(DEFAULT_PROTECTED);
        Ok(p)
    }

    /// This policy with every layer found from `sources` on top, in order.
    fn with_layers(self, sources: &Sources) -> Result<Policy, Error> {
        self.with_files(&layer_files(sources), sources.strict)
    }

    /// This policy with the policy files `files` ([`layer_files`]) on top, in order. On
    /// [`Policy::embedded_for`] it decides that command exactly like the whole policy would
    /// (what `run` uses: the layer search is done once).
    pub fn with_files(mut self, files: &[Layer], strict: bool) -> Result<Policy, Error> {
        for file in files {
            let (text, trust) = layers::read_layer(file, strict)?;
            self.add_layer_as(&file.path.display().to_string(), &text, true, trust)?;
        }
        self.with_safe_rm(strict)
    }

    /// The embedded default alone, as the run-time path reads it: from JSON, without the
    /// inline examples (the test suite checks those).
    pub fn embedded() -> Result<Policy, Error> {
        let file: PolicyFile = serde_json::from_str(DEFAULT_POLICY_JSON)
            .map_err(|e| Error::policy(DEFAULT_NAME, 0, 0, e.to_string()))?;
        let mut p = Policy::default();
        p.apply(
            DEFAULT_NAME,
            DEFAULT_POLICY,
            file,
            default_positions(),
            false,
            Trust::System,
        )?;
        Ok(p)
    }

    /// The embedded default read from its YAML, examples included (`explain`, the tests).
    pub fn embedded_full() -> Result<Policy, Error> {
        let mut p = Policy::default();
        p.add_layer(DEFAULT_NAME, DEFAULT_POLICY, false)?;
        Ok(p)
    }

    /// Like [`Policy::load`], with the embedded default's examples (for `explain`).
    pub fn load_full(sources: &Sources) -> Result<Policy, Error> {
        Policy::embedded_full()?.with_layers(sources)
    }

    /// The embedded default plus every layer found from `sources`.
    pub fn load(sources: &Sources) -> Result<Policy, Error> {
        Policy::embedded()?.with_layers(sources)
    }

    /// Reads one policy text on top of this policy. `check_examples` runs the rules' inline
    /// examples (the embedded default's are checked by the test suite instead, not on every run).
    pub fn add_layer(&mut self, name: &str, text: &str, check_examples: bool) -> Result<(), Error> {
        self.add_layer_as(name, text, check_examples, Trust::System)
    }

    /// [`Policy::add_layer`] for a layer trusted as `trust` ([`layers`]): a [`Trust::User`]
    /// layer may only tighten.
    pub fn add_layer_as(
        &mut self,
        name: &str,
        text: &str,
        check_examples: bool,
        trust: Trust,
    ) -> Result<(), Error> {
        if check_examples {
            yaml::check_syntax(text)
                .map_err(|e| Error::policy(name, e.line, e.column, e.message))?;
        }
        let file: PolicyFile =
            yaml::from_str(text).map_err(|e| Error::policy(name, e.line, e.column, e.message))?;
        self.apply(
            name,
            text,
            file,
            rule_positions(text),
            check_examples,
            trust,
        )
    }

    /// Puts one parsed layer on top; `text` is its source, for positions in errors.
    fn apply(
        &mut self,
        name: &str,
        text: &str,
        mut file: PolicyFile,
        mut positions: Positions,
        check_examples: bool,
        trust: Trust,
    ) -> Result<(), Error> {
        if file.version != 1 {
            let (l, c) = locate(text, "version:", 0);
            return Err(Error::policy(
                name,
                l,
                c,
                format!(
                    "unsupported version {} (this safeop reads version 1)",
                    file.version
                ),
            ));
        }
        if trust == Trust::User {
            self.check_tightens(name, text, &file)?;
        }
        if file.defaults == Some(false) {
            let layers = std::mem::take(&mut self.layers);
            let hashes = std::mem::take(&mut self.layer_hashes);
            *self = Policy::default();
            self.layers = layers;
            self.layer_hashes = hashes;
        }
        if let Some(s) = file.settings.take() {
            if let Some(v) = s.on_fact_error {
                self.on_fact_error = v;
                let (l, _) = locate(text, "on_fact_error", 0);
                self.settings_from
                    .push(("on_fact_error", format!("{name}:{l}")));
            }
            if let Some(v) = s.no_tty {
                self.no_tty = v;
                let (l, _) = locate(text, "no_tty", 0);
                self.settings_from.push(("no_tty", format!("{name}:{l}")));
            }
            if let Some(v) = s.preflight_without_facts {
                self.preflight_without_facts = v;
                let (l, _) = locate(text, "preflight_without_facts", 0);
                self.settings_from
                    .push(("preflight_without_facts", format!("{name}:{l}")));
            }
            if let Some(v) = s.audit_failure {
                self.audit_failure = v;
                let (l, _) = locate(text, "audit_failure", 0);
                self.settings_from
                    .push(("audit_failure", format!("{name}:{l}")));
            }
            if let Some(list) = s.protected {
                let origins: Option<Vec<&str>> = (name == DEFAULT_NAME)
                    .then(|| DEFAULT_PROTECTED.iter().map(|(_, _, o)| *o).collect());
                self.add_protected(name, text, list, trust, origins.as_deref())?;
            }
        }
        let mut seen = std::collections::HashSet::new();
        for rule in &mut file.rules {
            let (line, col) = positions
                .get_mut(&rule.id)
                .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
                .unwrap_or((0, 0));
            rule.origin = format!("{name}:{line}");
            if !seen.insert(rule.id.clone()) {
                return Err(Error::policy(
                    name,
                    line,
                    col,
                    format!("rule `{}` is defined twice in this file", rule.id),
                ));
            }
            validate_rule(rule).map_err(|m| Error::policy(name, line, col, m))?;
        }
        for d in &file.disable {
            if let Some(u) = self.unread.iter().position(|(id, _)| *id == d.rule) {
                self.unread.remove(u);
                self.disabled
                    .push((d.rule.clone(), name.to_string(), d.reason.clone()));
                continue;
            }
            let Some(i) = self.rules.iter().position(|r| r.id == d.rule) else {
                let (l, c) = locate(text, &d.rule, text.find("disable:").unwrap_or(0));
                return Err(Error::policy(
                    name,
                    l,
                    c,
                    format!(
                        "`disable` names rule `{}`, which no earlier layer defines{}",
                        d.rule,
                        self.rule_hint(&d.rule)
                    ),
                ));
            };
            self.disabled_rules.push(self.rules.remove(i));
            self.disabled
                .push((d.rule.clone(), name.to_string(), d.reason.clone()));
        }
        for rule in file.rules {
            // A layer's rule of the same id replaces an unread embedded one too.
            self.unread.retain(|(id, _)| *id != rule.id);
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(old) => *old = rule,
                None => self.rules.push(rule),
            }
        }
        for e in file.exceptions {
            let is_final = self.is_final(&e.rule);
            let problem = match is_final {
                None => Some(format!(
                    "exception names rule `{}`, which no layer defines{}",
                    e.rule,
                    self.rule_hint(&e.rule)
                )),
                Some(true) => Some(format!(
                    "exception names rule `{}`, which is final: exceptions cannot lift final rules",
                    e.rule
                )),
                Some(false) => None,
            };
            if let Some(m) = problem {
                let (l, c) = locate(text, &e.rule, text.find("exceptions:").unwrap_or(0));
                return Err(Error::policy(name, l, c, m));
            }
            self.exceptions.push((e, name.to_string()));
        }
        self.layers.push((name.to_string(), trust));
        self.layer_hashes.push(if name == DEFAULT_NAME {
            DEFAULT_POLICY_BLAKE3.to_string()
        } else {
            blake3::hash(text.as_bytes()).to_hex().to_string()
        });
        if check_examples {
            self.check_examples(name, text)?;
        }
        Ok(())
    }

    /// Whether rule `id` is defined (read or not) and final.
    pub fn is_final(&self, id: &str) -> Option<bool> {
        match self.rules.iter().find(|r| r.id == id) {
            Some(r) => Some(r.is_final),
            None => self.unread.iter().find(|(u, _)| *u == id).map(|(_, f)| *f),
        }
    }

    /// A layer that is not a root-owned system layer may only tighten ([`layers`]): the first
    /// thing in it that would loosen the policy below is an error at its line.
    fn check_tightens(&self, name: &str, text: &str, file: &PolicyFile) -> Result<(), Error> {
        const WHO: &str = "only a root-owned layer in /etc/safeop/ may do that; this layer may add rules and tighten";
        if file.defaults == Some(false) {
            let (l, c) = locate(text, "defaults:", 0);
            return Err(Error::policy(
                name,
                l,
                c,
                format!("`defaults: false` would switch off every rule below: {WHO}"),
            ));
        }
        if let Some(s) = &file.settings {
            if let Some(v) = s.on_fact_error {
                if v < self.on_fact_error {
                    let (l, c) = locate(text, "on_fact_error", 0);
                    return Err(Error::policy(
                        name,
                        l,
                        c,
                        format!(
                            "`on_fact_error: {}` is milder than the `{}` in effect: {WHO}",
                            v.name(),
                            self.on_fact_error.name()
                        ),
                    ));
                }
            }
            if let Some(v) = s.preflight_without_facts {
                if v < self.preflight_without_facts {
                    let (l, c) = locate(text, "preflight_without_facts", 0);
                    return Err(Error::policy(
                        name,
                        l,
                        c,
                        format!(
                            "`preflight_without_facts: {}` is milder than the `{}` in effect: {WHO}",
                            v.name(),
                            self.preflight_without_facts.name()
                        ),
                    ));
                }
            }
            if s.no_tty == Some(NoTty::Allow) && self.no_tty == NoTty::Deny {
                let (l, c) = locate(text, "no_tty", 0);
                return Err(Error::policy(
                    name,
                    l,
                    c,
                    format!("`no_tty: allow` would run commands nobody confirmed: {WHO}"),
                ));
            }
            if s.audit_failure == Some(AuditFailure::Run)
                && self.audit_failure == AuditFailure::Refuse
            {
                let (l, c) = locate(text, "audit_failure", 0);
                return Err(Error::policy(
                    name,
                    l,
                    c,
                    format!(
                        "`audit_failure: run` would run confirmed commands with no record: {WHO}"
                    ),
                ));
            }
        }
        for d in &file.disable {
            if self.is_final(&d.rule) == Some(true) {
                let (l, c) = locate(text, &d.rule, text.find("disable:").unwrap_or(0));
                return Err(Error::policy(
                    name,
                    l,
                    c,
                    format!("`disable` names rule `{}`, which is final: {WHO}", d.rule),
                ));
            }
        }
        for r in &file.rules {
            if self.is_final(&r.id) == Some(true) {
                let (l, c) = locate_rule(text, &r.id);
                return Err(Error::policy(
                    name,
                    l,
                    c,
                    format!(
                        "rule `{}` would replace a final rule of the same id: {WHO} (give your rule another id)",
                        r.id
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Runs every inline example of the rules defined in `name`; the first failure is an error
    /// at the example's line.
    pub fn check_examples(&self, name: &str, text: &str) -> Result<(), Error> {
        for rule in self
            .rules
            .iter()
            .filter(|r| r.origin.starts_with(&format!("{name}:")))
        {
            for (i, ex) in rule.examples.iter().enumerate() {
                let got = crate::engine::example_verdict(self, rule, ex);
                if got != ex.verdict {
                    let (rl, _) = locate_rule(text, &rule.id);
                    let (l, c) = locate_nth(text, "argv:", rl, i);
                    return Err(Error::policy(
                        name,
                        l,
                        c,
                        format!(
                            "example {} of rule `{}` expects `{}` but the rule gives `{}` for {}",
                            i + 1,
                            rule.id,
                            ex.verdict.name(),
                            got.name(),
                            shell_words::join(&ex.argv)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn validate_rule(rule: &Rule) -> Result<(), String> {
    if rule.id.is_empty()
        || !rule
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(format!(
            "rule id `{}` must be letters, digits, `-`, `_` or `.`",
            rule.id
        ));
    }
    for f in template_facts(rule) {
        condition::check_fact_name(&f).map_err(|e| format!("rule `{}`: message {e}", rule.id))?;
    }
    if rule.challenge.is_some() && rule.verdict < Verdict::Confirm {
        return Err(format!(
            "rule `{}`: a challenge needs `verdict: confirm` or `deny`",
            rule.id
        ));
    }
    if let Some(f) = &rule.verdict_from {
        let def = crate::facts::snapshot::check_name(f)
            .map_err(|e| format!("rule `{}`: verdict_from: {e}", rule.id))?;
        if def.ty != "string" {
            return Err(format!(
                "rule `{}`: verdict_from: fact `{f}` is a {}, not a verdict name",
                rule.id, def.ty
            ));
        }
    }
    if rule.is_final && rule.verdict != Verdict::Deny {
        return Err(format!(
            "rule `{}`: `final: true` only makes sense with `verdict: deny`",
            rule.id
        ));
    }
    Ok(())
}

fn template_facts(rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    for t in [&rule.message, &rule.fix].into_iter().flatten() {
        out.extend(template::placeholders(t));
    }
    out
}

/// 1-based (line, column) of the first `needle` at or after byte `from`.
fn locate(text: &str, needle: &str, from: usize) -> (usize, usize) {
    let from = from.min(text.len());
    match text[from..].find(needle) {
        Some(i) => line_col(text, from + i),
        None => (0, 0),
    }
}

fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let col = byte - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Line and column of a rule's `id:` entry.
fn locate_rule(text: &str, id: &str) -> (usize, usize) {
    rule_positions(text)
        .get(id)
        .and_then(|v| v.first().copied())
        .unwrap_or((0, 0))
}

/// Line and column of every `id:` entry, in one pass over the text (in file order per id).
fn rule_positions(text: &str) -> Positions {
    let mut out: Positions = Default::default();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
        if let Some(rest) = t.strip_prefix("id:") {
            let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            out.entry(v.to_string())
                .or_default()
                .push((n + 1, line.len() - line.trim_start().len() + 1));
        }
    }
    out
}

/// The `nth` occurrence of `needle` after line `after_line`.
fn locate_nth(text: &str, needle: &str, after_line: usize, nth: usize) -> (usize, usize) {
    let mut count = 0;
    for (n, line) in text.lines().enumerate().skip(after_line) {
        if let Some(c) = line.find(needle) {
            if count == nth {
                return (n + 1, c + 1);
            }
            count += 1;
        }
    }
    (after_line, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_loads() {
        let p = Policy::embedded().expect("default policy loads");
        assert!(!p.rules.is_empty());
    }

    #[test]
    fn match_index_agrees_with_the_rules() {
        let p = Policy::embedded().expect("loads");
        assert_eq!(DEFAULT_MATCHES.len(), p.rules.len());
        for line in [
            "rm -rf /x",
            "rm -f x",
            "dd of=x",
            "ls",
            "mkfs.ext4 /dev/sdb",
            "sh -c 'a $b'",
            "tar -xf a.tar",
            "systemctl --dry-run reboot",
            "reboot",
        ] {
            let op = crate::command::parse(&shell_words::split(line).expect("split"));
            let any = p.rules.iter().any(|r| r.matches_op(&op));
            assert_eq!(Policy::embedded_could_match(&op), any, "{line}");
        }
    }

    #[test]
    fn embedded_for_keeps_exactly_the_matching_rules() {
        let all = Policy::embedded().expect("loads");
        // Every rule's own examples, so each embedded rule is read both ways at least once
        // (`embedded_for` reads them without the name checks, `embedded` with them).
        let mut lines: Vec<Vec<String>> = [
            "rm -f x",
            "rm -rf /srv",
            "dd of=/dev/sdb",
            "tar -xf a.tar -C /srv",
            "reboot",
            "ls",
        ]
        .iter()
        .map(|l| shell_words::split(l).expect("split"))
        .collect();
        let full = Policy::embedded_full().expect("loads");
        lines.extend(
            full.rules
                .iter()
                .flat_map(|r| r.examples.iter().map(|e| e.argv.clone())),
        );
        let mut seen = std::collections::HashSet::new();
        for argv in &lines {
            let line = argv.join(" ");
            let op = crate::command::parse(argv);
            let lazy = Policy::embedded_for(&op).expect("loads");
            seen.extend(lazy.rules.iter().map(|r| r.id.clone()));
            assert_eq!(lazy.layers, all.layers, "{line}");
            assert_eq!(lazy.layer_hashes, all.layer_hashes, "{line}");
            assert_eq!(
                format!("{:?}", lazy.protected),
                format!("{:?}", all.protected)
            );
            let want: Vec<String> = all
                .rules
                .iter()
                .filter(|r| r.matches_op(&op) && !r.reads("target.shell."))
                .map(|r| format!("{r:?}"))
                .collect();
            let got: Vec<String> = lazy.rules.iter().map(|r| format!("{r:?}")).collect();
            assert_eq!(got, want, "{line}");
            assert_eq!(lazy.on_fact_error, all.on_fact_error);
            assert_eq!(lazy.no_tty, all.no_tty);
        }
        let never: Vec<&String> = all
            .rules
            .iter()
            .filter(|r| !r.reads("target.shell."))
            .map(|r| &r.id)
            .filter(|id| !seen.contains(*id))
            .collect();
        assert!(
            never.is_empty(),
            "rules no example selects, so never read lazily here: {never:?}"
        );
    }

    /// The rules `run` and `check` leave unread as preflight's own are exactly the embedded
    /// rules that read `target.shell.*`, and those facts are null outside preflight (so nothing
    /// is lost): a `sh -c` payload's rm of an empty-variable path is judged on its expanded words.
    #[test]
    fn only_the_rules_on_a_scripts_words_are_left_to_preflight() {
        let all = Policy::embedded().expect("loads");
        let shell: Vec<&str> = all
            .rules
            .iter()
            .filter(|r| r.reads("target.shell."))
            .map(|r| r.id.as_str())
            .collect();
        let table: Vec<&str> = DEFAULT_RULE_IDS
            .iter()
            .zip(DEFAULT_PREFLIGHT_ONLY)
            .filter(|(_, only)| **only)
            .map(|((id, _), _)| *id)
            .collect();
        assert_eq!(shell, table);
        assert!(
            shell.contains(&"rm-empty-variable-reaches-system-dir"),
            "{shell:?}"
        );
        let op = crate::command::parse(&["rm".to_string(), "-rf".into(), "/srv/x".into()]);
        let lazy = Policy::embedded_for(&op).expect("loads");
        assert!(lazy.rules.iter().all(|r| !r.reads("target.shell.")));
        assert!(lazy
            .unread
            .iter()
            .any(|(id, _)| *id == "rm-empty-variable-reaches-system-dir"));
    }

    /// What the engine takes for a probed-only condition without a host (`first_failing`) is
    /// what evaluating it gives when every fact fails, for every embedded rule; and a rule whose
    /// condition reads what a parser gives (`operation.*`) or has a `known:` test is not one.
    #[test]
    fn a_condition_that_fails_on_every_fact_fails_on_its_first_failing_one() {
        let mut probed = 0;
        for r in Policy::embedded_full().expect("loads").rules {
            let Some(c) = &r.when else { continue };
            let all_fail = c.eval(&mut |n: &str| {
                Err(crate::facts::FactError {
                    fact: n.to_string(),
                    why: "no host".into(),
                })
            });
            if let Some(first) = c.first_failing() {
                assert_eq!(
                    all_fail.map_err(|e| e.fact),
                    Err(first.to_string()),
                    "{}",
                    r.id
                );
            }
            if let Some(p) = r.probed_condition() {
                probed += 1;
                assert_eq!(Some(p.first.as_str()), c.first_failing(), "{}", r.id);
                assert!(
                    !c.any_fact(&mut |n| n == "operation.flags" || n == "target.arg"),
                    "{}: its condition reads what the command line says",
                    r.id
                );
            }
        }
        assert!(probed >= 10, "only {probed} probed-only conditions");
    }

    /// `Rule::reads` (what the engine asks to know which sides a rule needs) says what the list
    /// of `Rule::facts` says, for every embedded rule and both sides.
    #[test]
    fn reads_agrees_with_the_list_of_facts() {
        for r in Policy::embedded_full().expect("loads").rules {
            for prefix in ["target.", "source.", "restore.", "operation."] {
                let listed = r.facts().iter().any(|n| n.starts_with(prefix));
                assert_eq!(r.reads(prefix), listed, "{} {prefix}", r.id);
            }
        }
    }

    /// A layer on the lazily read default decides like the same layer on the whole default:
    /// the same rules select each command (in the same order, but for rules redefined by the
    /// layer), the same exceptions apply, and the same layer mistakes are errors.
    #[test]
    fn a_layer_on_the_lazy_default_is_the_layer_on_the_whole_default() {
        let with_layer =
            |mut p: Policy, text: &str| p.add_layer("site.yaml", text, true).map(|_| p);
        // (The rules on a script's words are preflight's: the lazy default leaves them unread.)
        let ids = |p: &Policy, op: &crate::command::Operation| {
            let mut v: Vec<String> = p
                .rules
                .iter()
                .filter(|r| r.matches_op(op) && !r.reads("target.shell."))
                .map(|r| format!("{} {} {:?}", r.id, r.origin, r.verdict))
                .collect();
            v.sort();
            v
        };
        let layer = "version: 1\n\
            disable:\n  - rule: whole-disk-write\n    reason: lab machine\n\
            exceptions:\n  - rule: restore-nearly-exhausts-inodes\n    path: /scratch\n    reason: scratch fills up by design\n    expires: 2099-12-31\n\
            rules:\n  - id: reboot-over-ssh\n    summary: site version\n    match: { operation: [reboot, delete] }\n    when: { session.ssh: true }\n    verdict: deny\n";
        for line in [
            "rm -f x",
            "dd of=/dev/sdb",
            "tar -xf a.tar -C /srv",
            "reboot",
            "mkfs.ext4 /dev/sdc",
        ] {
            let op = crate::command::parse(&shell_words::split(line).expect("split"));
            let full = with_layer(Policy::embedded().expect("loads"), layer).expect("layer loads");
            let lazy = with_layer(Policy::embedded_for(&op).expect("loads"), layer)
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(ids(&lazy, &op), ids(&full, &op), "{line}");
            let ex = |p: &Policy| {
                p.exceptions
                    .iter()
                    .map(|(e, _)| e.rule.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(ex(&lazy), ex(&full), "{line}");
            let off = |p: &Policy| p.disabled.iter().map(|d| d.0.clone()).collect::<Vec<_>>();
            assert_eq!(off(&lazy), off(&full), "{line}");
        }
        // mistakes: unknown rule disabled, exception to a final rule (read or not), unknown one
        for (bad, why) in [
            ("version: 1\ndisable:\n  - rule: no-such-rule\n    reason: r\n", "no earlier layer defines"),
            ("version: 1\nexceptions:\n  - rule: rm-recursive-root\n    path: /x\n    reason: r\n    expires: 2099-12-31\n", "which is final"),
            ("version: 1\nexceptions:\n  - rule: swap-in-use\n    path: /x\n    reason: r\n    expires: 2099-12-31\n", "which is final"),
            ("version: 1\nexceptions:\n  - rule: no-such-rule\n    path: /x\n    reason: r\n    expires: 2099-12-31\n", "no layer defines"),
        ] {
            for line in ["tar -xf a.tar -C /srv", "rm -rf /x"] {
                let op = crate::command::parse(&shell_words::split(line).expect("split"));
                let full = with_layer(Policy::embedded().expect("loads"), bad).map(|_| ());
                let lazy = with_layer(Policy::embedded_for(&op).expect("loads"), bad).map(|_| ());
                let (f, l) = (full.unwrap_err().to_string(), lazy.unwrap_err().to_string());
                assert!(f.contains(why), "{f}");
                assert_eq!(l, f, "{line}");
            }
        }
    }

    /// The protected paths read three ways (lazily from JSON, the whole JSON, the YAML) are the
    /// same, each with the line it stands on.
    #[test]
    fn embedded_protected_paths_are_the_same_every_way_they_are_read() {
        let op = crate::command::parse(&["rm".into(), "-f".into(), "x".into()]);
        let lazy = Policy::embedded_for(&op).expect("loads").protected;
        let json = Policy::embedded().expect("loads").protected;
        let yaml = Policy::embedded_full().expect("loads").protected;
        assert!(lazy.len() > 60, "{}", lazy.len());
        assert_eq!(lazy, json);
        assert_eq!(lazy, yaml);
        assert_eq!(DEFAULT_PROTECTED.len(), lazy.len());
        let lines: Vec<&str> = DEFAULT_POLICY.lines().collect();
        for e in &lazy {
            assert!(e.from.starts_with(DEFAULT_NAME), "{}", e.from);
            let line: usize = e
                .from
                .rsplit(':')
                .next()
                .and_then(|l| l.parse().ok())
                .expect("a line");
            assert!(
                lines[line - 1].contains(e.shown().as_str()),
                "{} is not on line {line}: {}",
                e.shown(),
                lines[line - 1]
            );
        }
    }

    #[test]
    fn verdict_from_must_name_a_fact_of_verdict_names() {
        let e = err("version: 1\nrules:\n  - id: x\n    summary: s\n    verdict: deny\n    verdict_from: target.protected.tre\n");
        assert!(
            e.contains("verdict_from: unknown fact `target.protected.tre`"),
            "{e}"
        );
        let e = err("version: 1\nrules:\n  - id: x\n    summary: s\n    verdict: deny\n    verdict_from: target.size\n");
        assert!(e.contains("is a number, not a verdict name"), "{e}");
    }

    #[test]
    fn embedded_json_form_is_the_yaml() {
        let from_json = Policy::embedded().expect("JSON form loads");
        let mut from_yaml = Policy::embedded_full().expect("YAML form loads");
        for r in &mut from_yaml.rules {
            r.examples.clear();
            r.why = None;
        }
        assert_eq!(
            format!("{:?}", from_json.rules),
            format!("{:?}", from_yaml.rules)
        );
    }

    #[test]
    fn embedded_examples_hold() {
        let p = Policy::embedded_full().expect("default policy loads");
        p.check_examples(DEFAULT_NAME, DEFAULT_POLICY)
            .expect("every example of the default policy holds");
        let with_examples = p.rules.iter().filter(|r| !r.examples.is_empty()).count();
        assert!(
            with_examples * 2 >= p.rules.len(),
            "most default rules carry examples"
        );
    }

    fn layer(text: &str) -> Result<Policy, Error> {
        let mut p = Policy::embedded()?;
        p.add_layer("t.yaml", text, true)?;
        Ok(p)
    }

    fn err(text: &str) -> String {
        match layer(text) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let e = err(
            "version: 1\nrules:\n  - id: x\n    summary: s\n    verdict: deny\n    acton: refuse\n",
        );
        assert!(e.starts_with("policy `t.yaml` line 6 column 5:"), "{e}");
        assert!(e.contains("unknown field `acton`"), "{e}");
    }

    #[test]
    fn unknown_fact_is_reported_where_it_stands() {
        let e = err("version: 1\nrules:\n  - id: x\n    summary: s\n    when:\n      target.vm.runing: true\n    verdict: deny\n");
        assert!(e.contains("line 6"), "{e}");
        assert!(e.contains("unknown fact `target.vm.runing`"), "{e}");
    }

    #[test]
    fn unknown_operator_and_kind() {
        let e = err("version: 1\nrules:\n  - id: x\n    summary: s\n    when:\n      target.size: { bigger: 3 }\n    verdict: deny\n");
        assert!(
            e.contains("unknown operator `bigger`") && e.contains("line 6"),
            "{e}"
        );
        let e = err("version: 1\nrules:\n  - id: x\n    summary: s\n    match: { operation: [erase] }\n    verdict: deny\n");
        assert!(
            e.contains("unknown operation `erase`") && e.contains("line 5"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error() {
        let e = err("version: 1\nrules:\n  - id: x\n    when: [a, b\n    verdict: deny\n");
        assert!(e.contains("line 5") || e.contains("line 4"), "{e}");
    }

    #[test]
    fn failing_example_names_its_line() {
        let e = err("version: 1\nrules:\n  - id: x\n    summary: s\n    match: { operation: delete }\n    verdict: deny\n    examples:\n      - argv: [rm, a]\n        verdict: deny\n      - argv: [dd, of=a]\n        verdict: deny\n");
        assert!(e.contains("line 10 column 9"), "{e}");
        assert!(e.contains("example 2 of rule `x`"), "{e}");
    }

    #[test]
    fn layers_replace_and_disable() {
        let p = layer("version: 1\ndisable:\n  - { rule: rm-no-preserve-root, reason: testing }\nrules:\n  - id: rm-recursive-system-dir\n    summary: replaced\n    verdict: warn\n").expect("loads");
        assert!(p.rules.iter().all(|r| r.id != "rm-no-preserve-root"));
        let r = p
            .rules
            .iter()
            .find(|r| r.id == "rm-recursive-system-dir")
            .expect("kept");
        assert_eq!(r.summary, "replaced");
        let e = err("version: 1\ndisable: [no-such-rule]\n");
        assert!(e.contains("no earlier layer defines"), "{e}");
        let p = layer("version: 1\ndefaults: false\n").expect("loads");
        assert!(p.rules.is_empty());
    }

    #[test]
    fn wrong_type() {
        let e = err("version: one\n");
        assert!(
            e.contains("line 1 column 10") && e.contains("invalid type"),
            "{e}"
        );
        let e = err("version: 2\n");
        assert!(e.contains("unsupported version 2"), "{e}");
    }
}
