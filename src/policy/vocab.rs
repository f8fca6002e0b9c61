//! The words a policy takes from safeop's own vocabularies — operation kinds, flags, tool
//! names, challenges, verdicts — checked while the YAML is read, so a typo is an error at the
//! line and column where it stands (with "did you mean"), never a rule that silently cannot
//! fire; rule ids in `disable:` and `exceptions:` get the same "did you mean". (Fact names,
//! option names and the facts of examples are checked by [`crate::facts::snapshot`].)
//!
//! Facts whose values are such names (`operation.flags`, `operation.kind`, `operation.tool`,
//! `operation.wrappers`) have the values their tests compare with checked the same way.
//!
//! Tools are the exception: a rule may name a tool safeop does not parse (sites guard `find`
//! that way), so an unknown tool is not an error but a [`Note`] that `policy lint` prints.
//! A name safeop parses but calls otherwise (`mkfs.ext4`, `mke2fs`, `/bin/rm`) is an error:
//! such a rule can never match.

use super::{Challenge, Cond, NoTty, Policy, Verdict};
use crate::command::{self, Kind};
use crate::policy::condition::Test;
use crate::text::suggest;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

thread_local! {
    static TRUSTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the name checks of this module and of fact names switched off: for the
/// embedded default's rules, which the test suite reads with every check on
/// (`Policy::embedded`), so `run` does not pay for checking them again.
pub(crate) fn trusting<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            TRUSTING.with(|t| t.set(self.0));
        }
    }
    let _reset = Reset(TRUSTING.with(|t| t.replace(true)));
    f()
}

/// Whether names are checked as they are read (everything but the embedded rules).
pub(crate) fn checking() -> bool {
    !TRUSTING.with(|t| t.get())
}

/// One vocabulary: how a name of it is checked.
pub trait Vocab {
    fn check(name: &str) -> Result<(), String>;
}

/// Operation kinds (`match.operation`, `operation.kind`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Kinds;

impl Vocab for Kinds {
    fn check(name: &str) -> Result<(), String> {
        if Kind::from_name(name).is_some() {
            return Ok(());
        }
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        Err(format!(
            "unknown operation `{name}`{}, expected one of {}",
            suggest::did_you_mean(name, &names),
            names.join(", ")
        ))
    }
}

/// Flags a parser sets (`match.flags`, `match.not_flags`, `operation.flags`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flags;

impl Vocab for Flags {
    fn check(name: &str) -> Result<(), String> {
        let landing = command::effect::LANDING_FLAGS;
        if command::FLAGS.contains(&name) || landing.contains(&name) {
            return Ok(());
        }
        let all: Vec<&str> = command::FLAGS.iter().chain(&landing).copied().collect();
        let hint = suggest::did_you_mean(name, &all);
        if hint.is_empty() {
            return Err(format!("unknown flag `{name}`: no parser sets it"));
        }
        Err(format!("unknown flag `{name}`{hint}"))
    }
}

/// Tool names (`match.tool`, `operation.tool`): any name is allowed but one safeop parses
/// under another name, which could never match.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tools;

impl Vocab for Tools {
    fn check(name: &str) -> Result<(), String> {
        let as_parsed = command::tool_name(name);
        if as_parsed == name || !command::is_tool_name(&as_parsed) {
            return Ok(());
        }
        let why = if name.contains('/') {
            "tools are named without their directory".to_string()
        } else if as_parsed == "mkfs" {
            "safeop names every mkfs program `mkfs` (`operation.option.fstype` tells them apart)"
                .to_string()
        } else {
            format!("safeop names it `{as_parsed}`")
        };
        Err(format!(
            "tool `{name}` never matches (did you mean `{as_parsed}`?): {why}"
        ))
    }
}

/// Wrappers safeop peels (`operation.wrappers`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wrappers;

impl Vocab for Wrappers {
    fn check(name: &str) -> Result<(), String> {
        let all = command::wrappers::WRAPPERS;
        if all.contains(&name) {
            return Ok(());
        }
        let hint = suggest::did_you_mean(name, all);
        if hint.is_empty() {
            return Err(format!(
                "unknown wrapper `{name}`: safeop peels {}",
                all.join(", ")
            ));
        }
        Err(format!("unknown wrapper `{name}`{hint}"))
    }
}

/// A name or a list of names of one vocabulary, each checked where it stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names<V>(pub Vec<String>, PhantomData<V>);

impl<V> Names<V> {
    pub fn new(names: Vec<String>) -> Names<V> {
        Names(names, PhantomData)
    }
}

/// One checked name.
struct Name<V>(String, PhantomData<V>);

impl<'de, V: Vocab> Deserialize<'de> for Name<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor<V>(PhantomData<V>);
        impl<V: Vocab> Visitor<'_> for NameVisitor<V> {
            type Value = Name<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<V>, E> {
                if checking() {
                    V::check(v).map_err(E::custom)?;
                }
                Ok(Name(v.to_string(), PhantomData))
            }
        }
        d.deserialize_str(NameVisitor(PhantomData))
    }
}

impl<'de, V: Vocab> Deserialize<'de> for Names<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NamesVisitor<V>(PhantomData<V>);
        impl<'de, V: Vocab> Visitor<'de> for NamesVisitor<V> {
            type Value = Names<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a list of names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Names<V>, E> {
                if checking() {
                    V::check(v).map_err(E::custom)?;
                }
                Ok(Names::new(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names<V>, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Name<V>>()? {
                    out.push(n.0);
                }
                Ok(Names::new(out))
            }
        }
        d.deserialize_any(NamesVisitor(PhantomData))
    }
}

/// `match.operation`: operation kinds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindList(pub Vec<Kind>);

impl<'de> Deserialize<'de> for KindList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Names::<Kinds>::deserialize(d)?;
        Ok(KindList(
            names.0.iter().filter_map(|n| Kind::from_name(n)).collect(),
        ))
    }
}

/// Checks one name of a vocabulary.
pub(crate) type NameCheck = fn(&str) -> Result<(), String>;

/// The check for the values a `when:` test compares a fact with, for facts whose values are
/// one of safeop's vocabularies.
pub(crate) fn value_check(fact: &str) -> Option<NameCheck> {
    if !checking() {
        return None;
    }
    match fact {
        "operation.flags" => Some(Flags::check),
        "operation.kind" => Some(Kinds::check),
        "operation.tool" => Some(Tools::check),
        "operation.wrappers" => Some(Wrappers::check),
        _ => None,
    }
}

/// Reads one of a fixed set of words (`deny`, `type-target` …), with "did you mean".
fn variant<'de, D: Deserializer<'de>, T: Copy>(
    d: D,
    what: &'static str,
    all: &'static [(&'static str, T)],
) -> Result<T, D::Error> {
    struct WordVisitor<T: 'static> {
        what: &'static str,
        all: &'static [(&'static str, T)],
    }
    impl<T: Copy> Visitor<'_> for WordVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a {}", self.what)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            if let Some((_, t)) = self.all.iter().find(|(n, _)| *n == v) {
                return Ok(*t);
            }
            let names: Vec<&str> = self.all.iter().map(|(n, _)| *n).collect();
            let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            Err(E::custom(format!(
                "unknown {} `{v}`{}, expected one of {}",
                self.what,
                suggest::did_you_mean(v, &names),
                listed.join(", ")
            )))
        }
    }
    d.deserialize_str(WordVisitor { what, all })
}

impl<'de> Deserialize<'de> for Verdict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        variant(
            d,
            "verdict",
            &[
                ("allow", Verdict::Allow),
                ("warn", Verdict::Warn),
                ("confirm", Verdict::Confirm),
                ("deny", Verdict::Deny),
            ],
        )
    }
}

impl<'de> Deserialize<'de> for Challenge {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        variant(
            d,
            "challenge",
            &[
                ("yes-no", Challenge::YesNo),
                ("type-target", Challenge::TypeTarget),
                ("type-hostname", Challenge::TypeHostname),
            ],
        )
    }
}

impl<'de> Deserialize<'de> for NoTty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        variant(
            d,
            "`no_tty` setting",
            &[("deny", NoTty::Deny), ("allow", NoTty::Allow)],
        )
    }
}

/// Something `policy lint` points out that is not an error: a rule that works, but perhaps not
/// as its author thinks.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub file: String,
    /// 1-based; 0 when the place could not be found.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{} line {} column {}: note: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: note: {}", self.file, self.message)
        }
    }
}

impl Policy {
    /// The notes on the rules that layer `name` (source `text`) defines: tools they name that
    /// safeop does not parse.
    pub fn notes(&self, name: &str, text: &str) -> Vec<Note> {
        let mut id_lines: Vec<usize> = super::rule_positions(text)
            .values()
            .flatten()
            .map(|(l, _)| *l)
            .collect();
        id_lines.sort_unstable();
        let mut out = Vec::new();
        for rule in &self.rules {
            let Some(start) = rule
                .origin
                .strip_prefix(name)
                .and_then(|o| o.strip_prefix(':'))
                .and_then(|l| l.parse::<usize>().ok())
            else {
                continue;
            };
            let end = id_lines
                .iter()
                .copied()
                .find(|l| *l > start)
                .unwrap_or(usize::MAX);
            let mut named: Vec<(&str, &str)> = rule
                .matches
                .tool
                .0
                .iter()
                .map(|t| ("tool", t.as_str()))
                .collect();
            if let Some(c) = &rule.when {
                cond_tools(c, &mut named);
            }
            for (key, tool) in named {
                if command::is_tool_name(tool) {
                    continue;
                }
                let (line, column) = locate_value(text, start, end, key, tool);
                out.push(Note {
                    file: name.to_string(),
                    line,
                    column,
                    message: unparsed_tool(tool),
                });
            }
        }
        out
    }
}

impl Policy {
    /// ` (did you mean `ID`?)` for a rule id no layer defines: the nearest id of the rules
    /// read or left unread (sorted, so the lazily read default suggests the same).
    pub(super) fn rule_hint(&self, id: &str) -> String {
        let mut ids: Vec<&str> = self.rules.iter().map(|r| r.id.as_str()).collect();
        ids.extend(self.unread.iter().map(|(id, _)| *id));
        ids.sort_unstable();
        suggest::did_you_mean(id, ids)
    }
}

fn unparsed_tool(tool: &str) -> String {
    let hint = match suggest::closest(tool, command::tool_names(), 1) {
        Some(t) => format!(" (did you mean `{t}`?)"),
        None => String::new(),
    };
    format!(
        "tool `{tool}` is not one safeop parses{hint}: the rule matches it by name only \
         (its arguments are not read: `operation.kind` is `unknown` and there are no targets)"
    )
}

/// The tools a condition compares `operation.tool` with, as (key, tool).
fn cond_tools<'a>(c: &'a Cond, out: &mut Vec<(&'static str, &'a str)>) {
    match c {
        Cond::All(v) | Cond::Any(v) => v.iter().for_each(|c| cond_tools(c, out)),
        Cond::Not(c) => cond_tools(c, out),
        Cond::Test { fact, test } if fact == "operation.tool" => {
            let values: Vec<&Value> = match test {
                Test::Equals(v) => vec![v],
                Test::In(v) => v.iter().collect(),
                _ => Vec::new(),
            };
            out.extend(
                values
                    .into_iter()
                    .filter_map(Value::as_str)
                    .map(|t| ("operation.tool", t)),
            );
        }
        Cond::Test { .. } => {}
    }
}

/// Where `value` stands after the key `key:` between lines `start` and `end` (1-based,
/// `end` excluded): the first such key, then the first whole-word `value` from there.
fn locate_value(text: &str, start: usize, end: usize, key: &str, value: &str) -> (usize, usize) {
    let word = |c: char| c.is_ascii_alphanumeric() || "_-./+".contains(c);
    let lines: Vec<&str> = text.lines().collect();
    let last = end.saturating_sub(1).min(lines.len());
    let from = start.saturating_sub(1).min(last);
    let mut key_at = None;
    for (i, line) in lines.iter().enumerate().take(last).skip(from) {
        let mut search = 0;
        while let Some(p) = line[search..].find(&format!("{key}:")) {
            let at = search + p;
            let before = line[..at].chars().next_back();
            if before.is_none_or(|c| c.is_whitespace() || c == '{' || c == ',') {
                key_at = Some((i, at + key.len() + 1));
                break;
            }
            search = at + key.len() + 1;
        }
        if key_at.is_some() {
            break;
        }
    }
    let Some((key_line, key_end)) = key_at else {
        return (0, 0);
    };
    for (i, line) in lines.iter().enumerate().take(last).skip(key_line) {
        let from = if i == key_line { key_end } else { 0 };
        let mut search = from;
        while let Some(p) = line[search..].find(value) {
            let at = search + p;
            let before = line[..at].chars().next_back();
            let after = line[at + value.len()..].chars().next();
            if !before.is_some_and(word) && !after.is_some_and(word) {
                return (i + 1, line[..at].chars().count() + 1);
            }
            search = at + value.len().max(1);
        }
    }
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rules:` with one rule `x` whose body (indented four spaces) is `body`; the body starts
    /// on line 4.
    fn rule(body: &str) -> String {
        format!("version: 1\nrules:\n  - id: x\n{body}")
    }

    fn load(text: &str) -> Result<Policy, String> {
        let mut p = Policy::embedded().map_err(|e| e.to_string())?;
        p.add_layer("t.yaml", text, true)
            .map_err(|e| e.to_string())?;
        Ok(p)
    }

    fn err(text: &str) -> String {
        match load(text) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e,
        }
    }

    fn has(e: &str, parts: &[&str]) {
        for p in parts {
            assert!(e.contains(p), "{p:?} not in: {e}");
        }
    }

    #[test]
    fn operation_kinds() {
        let e = err(&rule(
            "    summary: s\n    match: { operation: [delete, formt] }\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "policy `t.yaml` line 5 column 34:",
                "unknown operation `formt` (did you mean `format`?)",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    when: { operation.kind: { in: [delete, formt] } }\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "line 5",
                "unknown operation `formt` (did you mean `format`?)",
            ],
        );
    }

    #[test]
    fn flags_in_match_and_when() {
        let e = err(&rule(
            "    summary: s\n    match: { flags: recursiv, tool: rm }\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "policy `t.yaml` line 5 column 21:",
                "unknown flag `recursiv` (did you mean `recursive`?)",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    match:\n      not_flags:\n        - dry_run\n        - dryrun\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "line 8 column 11:",
                "unknown flag `dryrun` (did you mean `dry_run`?)",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    when:\n      operation.flags: { contains: forse }\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "line 6 column 36:",
                "unknown flag `forse` (did you mean `force`?)",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    match: { flags: frobnicate }\n    verdict: deny\n",
        ));
        has(&e, &["unknown flag `frobnicate`: no parser sets it"]);
    }

    #[test]
    fn option_names() {
        let e = err(&rule(
            "    summary: s\n    when:\n      operation.option.fstyp: ext4\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "line 6",
                "unknown fact `operation.option.fstyp`: no parser sets an option `fstyp` (did you mean `operation.option.fstype`?)",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    verdict: deny\n    message: \"{operation.option.subcomand}\"\n",
        ));
        has(
            &e,
            &["line 3", "did you mean `operation.option.subcommand`?"],
        );
        // environment variables are the caller's: any name goes
        load(&rule(
            "    summary: s\n    when: { operation.env.RESTIC_REPOSITORY: /r }\n    verdict: deny\n",
        ))
        .expect("loads");
    }

    #[test]
    fn wrappers_and_rule_ids() {
        let e = err(&rule(
            "    summary: s\n    when: { operation.wrappers: { contains: sudoo } }\n    verdict: deny\n",
        ));
        has(
            &e,
            &["line 5", "unknown wrapper `sudoo` (did you mean `sudo`?)"],
        );
        let e = err("version: 1\ndisable:\n  - { rule: whole-disk-writ, reason: lab }\n");
        has(
            &e,
            &[
                "line 3",
                "which no earlier layer defines (did you mean `whole-disk-write`?)",
            ],
        );
        let e = err("version: 1\nexceptions:\n  - { rule: whole-disk-writ, path: /x, reason: r, expires: 2099-12-31 }\n");
        has(
            &e,
            &["which no layer defines (did you mean `whole-disk-write`?)"],
        );
    }

    #[test]
    fn challenges_and_verdicts() {
        let e = err(&rule(
            "    summary: s\n    verdict: confirm\n    challenge: type-targt\n",
        ));
        has(
            &e,
            &[
                "line 6 column 16:",
                "unknown challenge `type-targt` (did you mean `type-target`?), expected one of `yes-no`, `type-target`, `type-hostname`",
            ],
        );
        let e = err(&rule("    summary: s\n    verdict: dney\n"));
        has(
            &e,
            &[
                "line 5 column 14:",
                "unknown verdict `dney` (did you mean `deny`?)",
            ],
        );
        let e = err("version: 1\nsettings: { no_tty: alow }\n");
        has(&e, &["line 2", "`alow` (did you mean `allow`?)"]);
    }

    #[test]
    fn tools_parsed_under_another_name_are_errors() {
        let e = err(&rule(
            "    summary: s\n    match: { tool: [mkfs.ext4] }\n    verdict: deny\n",
        ));
        has(
            &e,
            &[
                "line 5 column 21:",
                "tool `mkfs.ext4` never matches (did you mean `mkfs`?): safeop names every mkfs program `mkfs`",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    when: { operation.tool: /bin/rm }\n    verdict: deny\n",
        ));
        has(
            &e,
            &["tool `/bin/rm` never matches (did you mean `rm`?): tools are named without their directory"],
        );
    }

    #[test]
    fn unparsed_tools_are_notes_where_they_stand() {
        let text = "version: 1\nrules:\n  - id: x\n    summary: s\n    match: { tool: [rmm, ls, rm] }\n    verdict: confirm\n  - id: y\n    summary: s\n    when:\n      any:\n        - operation.tool: { in: [dd, grep] }\n    verdict: warn\n";
        let p = load(text).expect("unknown tools load");
        let notes: Vec<String> = p
            .notes("t.yaml", text)
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(notes.len(), 3, "{notes:#?}");
        has(
            &notes[0],
            &[
                "t.yaml line 5 column 21: note: tool `rmm` is not one safeop parses (did you mean `rm`?): the rule matches it by name only",
            ],
        );
        has(
            &notes[1],
            &["t.yaml line 5 column 26: note: tool `ls` is not one safeop parses:"],
        );
        assert!(!notes[1].contains("did you mean"), "{}", notes[1]);
        has(&notes[2], &["t.yaml line 11 column 38: note: tool `grep`"]);
        // only the layer's own rules; the default has nothing to note
        let d = Policy::embedded_full().expect("loads");
        assert!(d.notes("t.yaml", text).is_empty());
        assert!(d
            .notes(super::super::DEFAULT_NAME, super::super::DEFAULT_POLICY)
            .is_empty());
    }

    #[test]
    fn example_facts_are_checked() {
        let e = err(&rule(
            "    summary: s\n    match: { operation: format }\n    when: { target.device.mounted: true }\n    verdict: deny\n    examples:\n      - argv: [mkfs.ext4, /dev/sdb1]\n        facts: { target.device.mountd: true }\n        verdict: deny\n",
        ));
        has(
            &e,
            &[
                "line 10 column 18:",
                "unknown fact `target.device.mountd` (did you mean `target.device.mounted`?)",
            ],
        );
        let e = err(&rule(
            "    summary: s\n    match: { operation: format }\n    when: { target.device.mounted: true }\n    verdict: deny\n    examples:\n      - argv: [mkfs.ext4, /dev/sdb1]\n        paths: { /dev/sdb1: { device.mounted: \"yes\" } }\n        verdict: deny\n",
        ));
        has(
            &e,
            &["line 10", "fact `device.mounted` is a bool, not a string"],
        );
    }
}
