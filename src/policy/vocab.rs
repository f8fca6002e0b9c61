//! The words a policy takes from safeop's own vocabularies — operation kinds, flags, tool
//! names, challenges, verdicts — checked while the YAML is read, so a typo is an error at the
//! line and column where it stands (with "did you mean"), never a rule that silently cannot
//! fire. (Fact names, option names and the facts of examples are checked by
//! [`crate::facts::snapshot`]; `when:` values naming flags or kinds by [`value_check`].)
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
        if command::FLAGS.contains(&name) {
            return Ok(());
        }
        let hint = suggest::did_you_mean(name, command::FLAGS);
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
        if as_parsed != name && command::is_tool_name(&as_parsed) {
            return Err(format!(
                "tool `{name}` never matches: safeop names it `{as_parsed}` (did you mean `{as_parsed}`?)"
            ));
        }
        Ok(())
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
                V::check(v).map_err(E::custom)?;
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
                V::check(v).map_err(E::custom)?;
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
    match fact {
        "operation.flags" => Some(Flags::check),
        "operation.kind" => Some(Kinds::check),
        "operation.tool" => Some(Tools::check),
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
