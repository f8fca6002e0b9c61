//! `when:` conditions: `all`/`any`/`not` over fact tests.
//!
//! ```yaml
//! when:
//!   any:
//!     - target.loop.attached: true              # shorthand for equals
//!     - target.path: { in: [/, /boot] }
//!     - restore.free_inodes_after_pct: { below: 5 }
//!     - not: { target.kind: file }
//! ```
//! Fact names and operators are checked while the YAML is read, so a typo is reported with the
//! line and column where it stands.

use crate::facts::{self, FactError};
use crate::policy::vocab::NameCheck;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Test { fact: String, test: Test },
}

/// One operator applied to a fact's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(Value),
    In(Vec<Value>),
    Above(f64),
    Below(f64),
    AtLeast(f64),
    AtMost(f64),
    NotEmpty(bool),
    Contains(Value),
    Glob(Vec<String>),
    Under(Vec<String>),
    /// `known: true` holds when the fact has a value (not null, no probe error).
    Known(bool),
}

pub const OPERATORS: &[&str] = &[
    "equals",
    "in",
    "above",
    "below",
    "at_least",
    "at_most",
    "not_empty",
    "contains",
    "glob",
    "under",
    "known",
];

impl Cond {
    /// Every fact name this condition reads.
    pub fn facts(&self, out: &mut Vec<String>) {
        match self {
            Cond::All(v) | Cond::Any(v) => v.iter().for_each(|c| c.facts(out)),
            Cond::Not(c) => c.facts(out),
            Cond::Test { fact, .. } => out.push(fact.clone()),
        }
    }

    /// Whether `test` holds for one of the facts the condition reads.
    pub fn any_fact(&self, test: &mut dyn FnMut(&str) -> bool) -> bool {
        match self {
            Cond::All(v) | Cond::Any(v) => v.iter().any(|c| c.any_fact(test)),
            Cond::Not(c) => c.any_fact(test),
            Cond::Test { fact, .. } => test(fact),
        }
    }

    /// The fact whose error `eval` returns when every fact it reads fails: the first in
    /// reading order. `None` when a failed fact does not make the whole condition fail (a
    /// `known:` test answers then).
    pub fn first_failing(&self) -> Option<&str> {
        match self {
            Cond::All(v) | Cond::Any(v) => {
                let mut first = None;
                for c in v {
                    let f = c.first_failing()?;
                    first = first.or(Some(f));
                }
                first
            }
            Cond::Not(c) => c.first_failing(),
            Cond::Test {
                test: Test::Known(_),
                ..
            } => None,
            Cond::Test { fact, .. } => Some(fact),
        }
    }

    /// Evaluates lazily, left to right: `any` stops at the first true, `all` at the first false.
    /// A fact error decides only when the answer depends on it.
    pub fn eval(
        &self,
        get: &mut dyn FnMut(&str) -> Result<Value, FactError>,
    ) -> Result<bool, FactError> {
        match self {
            Cond::All(list) => {
                let mut err = None;
                for c in list {
                    match c.eval(get) {
                        Ok(false) => return Ok(false),
                        Ok(true) => {}
                        Err(e) => err = err.or(Some(e)),
                    }
                }
                err.map_or(Ok(true), Err)
            }
            Cond::Any(list) => {
                let mut err = None;
                for c in list {
                    match c.eval(get) {
                        Ok(true) => return Ok(true),
                        Ok(false) => {}
                        Err(e) => err = err.or(Some(e)),
                    }
                }
                err.map_or(Ok(false), Err)
            }
            Cond::Not(c) => c.eval(get).map(|b| !b),
            Cond::Test { fact, test } => match get(fact) {
                Ok(v) => Ok(test.holds(&v)),
                Err(_) if matches!(test, Test::Known(_)) => Ok(*test == Test::Known(false)),
                Err(e) => Err(e),
            },
        }
    }
}

impl Cond {
    /// The condition as the policy language writes it, indented by `indent` (`explain`).
    pub fn describe(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        match self {
            Cond::All(v) | Cond::Any(v) => {
                let word = if matches!(self, Cond::All(_)) {
                    "all"
                } else {
                    "any"
                };
                let mut s = format!("{pad}{word}:\n");
                for c in v {
                    let inner = c.describe(indent + 4);
                    s.push_str(&format!("{pad}  - {}\n", inner.trim_start().trim_end()));
                }
                s
            }
            Cond::Not(c) => format!(
                "{pad}not: {}\n",
                c.describe(0).trim_end().replace('\n', " ")
            ),
            Cond::Test { fact, test } => format!("{pad}{fact}: {}\n", test.describe()),
        }
    }
}

impl Test {
    fn describe(&self) -> String {
        let list = |v: &[String]| format!("[{}]", v.join(", "));
        match self {
            Test::Equals(v) => v.to_string(),
            Test::In(v) => format!(
                "{{ in: [{}] }}",
                v.iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Test::Above(n) => format!("{{ above: {n} }}"),
            Test::Below(n) => format!("{{ below: {n} }}"),
            Test::AtLeast(n) => format!("{{ at_least: {n} }}"),
            Test::AtMost(n) => format!("{{ at_most: {n} }}"),
            Test::NotEmpty(b) => format!("{{ not_empty: {b} }}"),
            Test::Contains(v) => format!("{{ contains: {v} }}"),
            Test::Glob(v) => format!("{{ glob: {} }}", list(v)),
            Test::Under(v) => format!("{{ under: {} }}", list(v)),
            Test::Known(b) => format!("{{ known: {b} }}"),
        }
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Test {
    pub fn holds(&self, v: &Value) -> bool {
        match self {
            Test::Equals(x) => loose_eq(v, x),
            Test::In(list) => list.iter().any(|x| loose_eq(v, x)),
            Test::Above(n) => as_f64(v).is_some_and(|x| x > *n),
            Test::Below(n) => as_f64(v).is_some_and(|x| x < *n),
            Test::AtLeast(n) => as_f64(v).is_some_and(|x| x >= *n),
            Test::AtMost(n) => as_f64(v).is_some_and(|x| x <= *n),
            Test::NotEmpty(want) => {
                let non_empty = match v {
                    Value::Null => false,
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    Value::String(s) => !s.is_empty(),
                    _ => true,
                };
                non_empty == *want
            }
            Test::Contains(x) => match v {
                Value::Array(a) => a.iter().any(|e| loose_eq(e, x)),
                Value::String(s) => x.as_str().is_some_and(|x| s.contains(x)),
                _ => false,
            },
            Test::Glob(pats) => v
                .as_str()
                .is_some_and(|s| pats.iter().any(|p| glob_match(p, s))),
            Test::Under(dirs) => v
                .as_str()
                .is_some_and(|s| dirs.iter().any(|d| std::path::Path::new(s).starts_with(d))),
            Test::Known(want) => v.is_null() != *want,
        }
    }
}

pub use crate::text::glob::glob_match;

// ---- reading from YAML -------------------------------------------------------------------------

impl<'de> Deserialize<'de> for Cond {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(CondVisitor)
    }
}

struct CondVisitor;

impl<'de> Visitor<'de> for CondVisitor {
    type Value = Cond;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a condition: a mapping of fact names to tests, or `all:`/`any:`/`not:`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cond, A::Error> {
        let mut parts = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "all" => parts.push(Cond::All(map.next_value::<CondList>()?.0)),
                "any" => parts.push(Cond::Any(map.next_value::<CondList>()?.0)),
                "not" => parts.push(Cond::Not(Box::new(map.next_value::<Cond>()?))),
                fact => {
                    if crate::policy::vocab::checking() {
                        check_fact_name(fact).map_err(de::Error::custom)?;
                    }
                    let check = crate::policy::vocab::value_check(fact);
                    let tests = map.next_value_seed(TestsSeed(check))?.0;
                    for test in tests {
                        parts.push(Cond::Test {
                            fact: fact.to_string(),
                            test,
                        });
                    }
                }
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::All(parts)
        })
    }
}

/// Checks that a policy may read `name`; the error says what was meant.
pub fn check_fact_name(name: &str) -> Result<(), String> {
    facts::snapshot::check_name(name).map(|_| ())
}

struct CondList(Vec<Cond>);

impl<'de> Deserialize<'de> for CondList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CondList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of conditions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CondList, A::Error> {
                let mut v = Vec::new();
                while let Some(c) = seq.next_element::<Cond>()? {
                    v.push(c);
                }
                Ok(CondList(v))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The right-hand side of `fact: …`: a scalar (equals) or a mapping of operators.
struct Tests(Vec<Test>);

/// How the names a test compares with are checked, for facts whose values are one of safeop's
/// vocabularies (`operation.flags: { contains: recursive }`).
struct TestsSeed(Option<NameCheck>);

impl<'de> DeserializeSeed<'de> for TestsSeed {
    type Value = Tests;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tests, D::Error> {
        d.deserialize_any(TestsVisitor(self.0))
    }
}

struct TestsVisitor(Option<NameCheck>);

impl TestsVisitor {
    fn scalar<E>(v: Value) -> Result<Tests, E> {
        Ok(Tests(vec![Test::Equals(v)]))
    }

    /// The value of `equals:` or `contains:`, its names checked.
    fn value<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<Value, A::Error> {
        match self.0 {
            Some(check) => map.next_value_seed(Checked(check)),
            None => map.next_value(),
        }
    }

    /// The list of `in:`, its names checked.
    fn list<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<Vec<Value>, A::Error> {
        match self.0 {
            Some(check) => map.next_value_seed(CheckedList(check)),
            None => map.next_value(),
        }
    }
}

/// A value that, when a string, must be a name of a vocabulary.
#[derive(Clone, Copy)]
struct Checked(NameCheck);

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        (self.0)(v).map_err(E::custom)?;
        Ok(v.into())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        CheckedList(self.0).visit_seq(seq).map(Value::Array)
    }
}

/// A list of [`Checked`] values.
struct CheckedList(NameCheck);

impl<'de> DeserializeSeed<'de> for CheckedList {
    type Value = Vec<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Value>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CheckedList {
    type Value = Vec<Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of names")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Value>, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Checked(self.0))? {
            out.push(v);
        }
        Ok(out)
    }
}

impl<'de> Visitor<'de> for TestsVisitor {
    type Value = Tests;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value to compare with, or a mapping of operators (equals, in, above, below, at_least, at_most, not_empty, contains, glob, under, known)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Tests, E> {
        Self::scalar(v.into())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tests, E> {
        Self::scalar(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tests, E> {
        Self::scalar(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tests, E> {
        Self::scalar(v.into())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Tests, E> {
        if let Some(check) = self.0 {
            check(v).map_err(E::custom)?;
        }
        Self::scalar(v.into())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Tests, E> {
        Self::scalar(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Tests, A::Error> {
        Err(de::Error::custom(
            "a list is not a test: write `{ in: [a, b] }` for one of several values",
        ))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tests, A::Error> {
        let mut tests = Vec::new();
        while let Some(op) = map.next_key::<String>()? {
            let t = match op.as_str() {
                "equals" => Test::Equals(self.value(&mut map)?),
                "in" => Test::In(self.list(&mut map)?),
                "above" => Test::Above(map.next_value()?),
                "below" => Test::Below(map.next_value()?),
                "at_least" => Test::AtLeast(map.next_value()?),
                "at_most" => Test::AtMost(map.next_value()?),
                "not_empty" => Test::NotEmpty(map.next_value()?),
                "contains" => Test::Contains(self.value(&mut map)?),
                "known" => Test::Known(map.next_value()?),
                "glob" => Test::Glob(map.next_value::<OneOrMany>()?.0),
                "under" => Test::Under(map.next_value::<OneOrMany>()?.0),
                other => {
                    return Err(de::Error::custom(format!(
                        "unknown operator `{other}`, expected one of {}",
                        OPERATORS.join(", ")
                    )))
                }
            };
            tests.push(t);
        }
        if tests.is_empty() {
            return Err(de::Error::custom("an empty mapping tests nothing"));
        }
        Ok(Tests(tests))
    }
}

/// A string or a list of strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut v = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(s);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("/dev/sd*", "/dev/sda"));
        assert!(glob_match("/dev/sd[a-z]", "/dev/sdb"));
        assert!(!glob_match("/dev/sd[a-z]", "/dev/sdb1"));
        assert!(glob_match("/*", "/*"));
        assert!(glob_match("/*", "/etc"));
        assert!(glob_match("*.img", "/srv/x/web1.img"));
        assert!(!glob_match("/dev/nvme*n?", "/dev/nvme0n1p1"));
        assert!(glob_match("/dev/nvme*n?", "/dev/nvme0n1"));
        assert!(glob_match("[!a]b", "cb"));
    }

    #[test]
    fn lazy_any_ignores_errors_once_true() {
        let c = Cond::Any(vec![
            Cond::Test {
                fact: "x".into(),
                test: Test::Equals(true.into()),
            },
            Cond::Test {
                fact: "y".into(),
                test: Test::Equals(true.into()),
            },
        ]);
        let mut calls = Vec::new();
        let mut get = |n: &str| {
            calls.push(n.to_string());
            if n == "x" {
                Ok(Value::Bool(true))
            } else {
                Err(FactError {
                    fact: n.into(),
                    why: "boom".into(),
                })
            }
        };
        assert_eq!(c.eval(&mut get), Ok(true));
        assert_eq!(calls, vec!["x"]);
    }

    #[test]
    fn errors_decide_only_when_needed() {
        let c = Cond::All(vec![
            Cond::Test {
                fact: "y".into(),
                test: Test::Equals(true.into()),
            },
            Cond::Test {
                fact: "x".into(),
                test: Test::Equals(true.into()),
            },
        ]);
        let mut get = |n: &str| {
            if n == "x" {
                Ok(Value::Bool(false))
            } else {
                Err(FactError {
                    fact: n.into(),
                    why: "boom".into(),
                })
            }
        };
        assert_eq!(c.eval(&mut get), Ok(false));
        let mut get2 = |n: &str| -> Result<Value, FactError> {
            Err(FactError {
                fact: n.into(),
                why: "boom".into(),
            })
        };
        assert!(c.eval(&mut get2).is_err());
    }

    #[test]
    fn operators() {
        assert!(Test::Below(5.0).holds(&Value::from(4.9)));
        assert!(!Test::Below(5.0).holds(&Value::Null));
        assert!(Test::In(vec!["/".into(), "/boot".into()]).holds(&"/boot".into()));
        assert!(Test::NotEmpty(true).holds(&serde_json::json!([1])));
        assert!(!Test::NotEmpty(true).holds(&serde_json::json!([])));
        assert!(
            Test::Contains("recursive".into()).holds(&serde_json::json!(["force", "recursive"]))
        );
        assert!(Test::Under(vec!["/srv".into()]).holds(&"/srv/a".into()));
        assert!(!Test::Under(vec!["/srv".into()]).holds(&"/srvx".into()));
        assert!(Test::Equals(1.into()).holds(&Value::from(1.0)));
    }
}
