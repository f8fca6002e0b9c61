//! Facts given from elsewhere — a `--facts` snapshot, a rule's `examples:`, a `policy test`
//! case — are read through here: every name must be one the registry knows and every value of
//! the fact's type (or `null`, not applicable), or the reading fails where the name stands.
//! A misspelt name would otherwise be a fact never given, and the rule reading it would quietly
//! see "not applicable" or "unknown".
//!
//! The checks run inside deserialization, so YAML errors carry the line and column of the name
//! or value (serde_json's the position just after it).

use super::{lookup, registry, FactDef, Role, Scope, Snapshot};
use crate::text::suggest;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Checks a fact name as policies write it (`target.kind`, `hostname`,
/// `operation.option.fstype`); the error says what was meant.
pub fn check_name(name: &str) -> Result<&'static FactDef, String> {
    if let Some((d, _)) = lookup(name) {
        return Ok(d);
    }
    if let Some(opt) = name.strip_prefix("operation.option.") {
        let names = crate::command::OPTIONS
            .iter()
            .map(|o| format!("operation.option.{o}"));
        return Err(format!(
            "unknown fact `{name}`: no parser sets an option `{opt}`{}",
            suggest::did_you_mean(name, names)
        ));
    }
    let hint = match super::suggest(name) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None if is_path_fact(name) => format!(" (did you mean `target.{name}`?)"),
        None => " (`safeop explain --list` lists the facts)".to_string(),
    };
    Err(format!("unknown fact `{name}`{hint}"))
}

fn is_path_fact(rel: &str) -> bool {
    registry().any(|d| d.scope == Scope::Path && d.name == rel)
}

/// Checks a name inside a `paths:` entry: a path fact, bare (`kind`) or with its side
/// (`target.kind`).
pub fn check_path_name(name: &str) -> Result<&'static FactDef, String> {
    if let Some(d) = registry().find(|d| d.scope == Scope::Path && d.name == name) {
        return Ok(d);
    }
    match lookup(name) {
        Some((d, Role::Target | Role::Source)) => return Ok(d),
        Some(_) => {
            return Err(format!(
                "`{name}` is not a fact about a path: give it under `facts:`"
            ))
        }
        None => {}
    }
    let names = registry()
        .filter(|d| d.scope == Scope::Path)
        .map(|d| d.name);
    Err(format!(
        "unknown path fact `{name}`{}",
        suggest::did_you_mean(name, names)
    ))
}

/// Is `v` a value of the fact's type? `null` (not applicable) always is.
pub fn check_type(name: &str, def: &FactDef, v: &Value) -> Result<(), String> {
    if crate::facts::failure_of(v).is_some() {
        return Ok(()); // `{ $unknown: WHY }`: a failed value of any type
    }
    let fits = matches!(
        (def.ty, v),
        (_, Value::Null)
            | ("bool", Value::Bool(_))
            | ("number", Value::Number(_))
            | ("string" | "path", Value::String(_))
            | ("list", Value::Array(_))
    );
    if fits {
        return Ok(());
    }
    let got = match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    };
    Err(format!("fact `{name}` is a {}, not {got} (`{v}`)", def.ty))
}

impl Snapshot {
    /// Reads a JSON snapshot (`safeop facts --json`); the error is (line, column, what).
    pub fn from_json(text: &str) -> Result<Snapshot, (usize, usize, String)> {
        serde_json::from_str(text).map_err(|e| {
            let mut m = e.to_string();
            if let Some(i) = m.rfind(" at line ") {
                m.truncate(i);
            }
            (e.line(), e.column(), m)
        })
    }
}

/// `deserialize_with` for a map of fact names (as policies write them) to values.
pub fn facts_map<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    d.deserialize_map(FactsVisitor { paths: false })
}

/// `deserialize_with` for `paths:`: path → map of path facts to values.
pub fn paths_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Map<String, Value>>, D::Error> {
    struct PathsVisitor;
    impl<'de> Visitor<'de> for PathsVisitor {
        type Value = BTreeMap<String, Map<String, Value>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping of paths to their facts")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(path) = map.next_key::<String>()? {
                let facts = map.next_value_seed(PathFacts)?;
                out.insert(path, facts);
            }
            Ok(out)
        }
    }
    d.deserialize_map(PathsVisitor)
}

struct PathFacts;

impl<'de> DeserializeSeed<'de> for PathFacts {
    type Value = Map<String, Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(FactsVisitor { paths: true })
    }
}

/// A map of fact names to values; `paths` reads the names of a `paths:` entry.
struct FactsVisitor {
    paths: bool,
}

impl<'de> Visitor<'de> for FactsVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of fact names to values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some((name, def)) = map.next_key_seed(FactName { paths: self.paths })? {
            let v = map.next_value_seed(Typed { name: &name, def })?;
            out.insert(name, v);
        }
        Ok(out)
    }
}

/// One fact name, checked where it stands.
struct FactName {
    paths: bool,
}

impl<'de> DeserializeSeed<'de> for FactName {
    type Value = (String, &'static FactDef);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FactName {
    type Value = (String, &'static FactDef);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a fact name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let def = if self.paths {
            check_path_name(v)
        } else {
            check_name(v)
        };
        def.map(|d| (v.to_string(), d)).map_err(E::custom)
    }
}

/// One value, checked against its fact's type where it stands.
struct Typed<'a> {
    name: &'a str,
    def: &'static FactDef,
}

impl Typed<'_> {
    fn check<E: de::Error>(&self, v: Value) -> Result<Value, E> {
        check_type(self.name, self.def, &v)
            .map(|_| v)
            .map_err(E::custom)
    }
}

impl<'de> DeserializeSeed<'de> for Typed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Typed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} (the type of `{}`)", self.def.ty, self.name)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.check(v.into())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.check(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.check(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.check(v.into())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.check(v.into())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        if self.def.ty != "list" {
            return Err(de::Error::custom(format!(
                "fact `{}` is a {}, not a list",
                self.name, self.def.ty
            )));
        }
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        // The only mapping a fact takes: `{ $unknown: WHY }`, a probe that failed.
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if crate::facts::failure_of(&v).is_some() {
            return Ok(v);
        }
        Err(de::Error::custom(format!(
            "fact `{}` is a {}, not a mapping (a failed probe is written `{{ {}: \"why\" }}`)",
            self.name,
            self.def.ty,
            crate::facts::FAILED_KEY
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Given {
        #[serde(default, deserialize_with = "facts_map")]
        facts: Map<String, Value>,
        #[serde(default, deserialize_with = "paths_map")]
        paths: BTreeMap<String, Map<String, Value>>,
    }

    fn yaml(text: &str) -> Result<Given, String> {
        crate::text::yaml::from_str::<Given>(text)
            .map_err(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
    }

    #[test]
    fn known_names_and_typed_values_read() {
        let g = yaml("facts:\n  target.device.mounted: true\n  target.device.mountpoints: [/srv]\n  hostname: mail1\n  operation.option.fstype: ext4\n  operation.env.X: y\n  restore.inodes: 12\n  target.vm.name: ~\npaths:\n  /dev/sdb:\n    device.whole_disk: true\n    target.kind: block_device\n").expect("reads");
        assert_eq!(g.facts.len(), 7);
        assert_eq!(g.paths["/dev/sdb"].len(), 2);
    }

    #[test]
    fn unknown_names_are_errors_where_they_stand() {
        let e = yaml("facts:\n  target.device.mounted: true\n  target.devce.mounted: true\n")
            .unwrap_err();
        assert!(e.starts_with("line 3 column 3:"), "{e}");
        assert!(
            e.contains(
                "unknown fact `target.devce.mounted` (did you mean `target.device.mounted`?)"
            ),
            "{e}"
        );
        let e = yaml("facts:\n  kind: file\n").unwrap_err();
        assert!(e.contains("did you mean `target.kind`"), "{e}");
        let e = yaml("facts:\n  operation.option.fstyp: ext4\n").unwrap_err();
        assert!(
            e.contains(
                "no parser sets an option `fstyp` (did you mean `operation.option.fstype`?)"
            ),
            "{e}"
        );
        let e = yaml("paths:\n  /dev/sdb:\n    device.mountd: true\n").unwrap_err();
        assert!(e.starts_with("line 3 column 5:"), "{e}");
        assert!(
            e.contains("unknown path fact `device.mountd` (did you mean `device.mounted`?)"),
            "{e}"
        );
        let e = yaml("paths:\n  /dev/sdb:\n    hostname: x\n").unwrap_err();
        assert!(e.contains("not a fact about a path"), "{e}");
    }

    #[test]
    fn wrong_types_are_errors_where_they_stand() {
        let e = yaml("facts:\n  target.device.mounted: yes please\n").unwrap_err();
        assert!(e.starts_with("line 2 column 26:"), "{e}");
        assert!(
            e.contains("fact `target.device.mounted` is a bool, not a string"),
            "{e}"
        );
        let e = yaml("facts:\n  restore.inodes: [1]\n").unwrap_err();
        assert!(e.contains("is a number, not a list"), "{e}");
        let e = yaml("paths:\n  /x:\n    device.mountpoints: /srv\n").unwrap_err();
        assert!(
            e.contains("`device.mountpoints` is a list, not a string"),
            "{e}"
        );
    }

    #[test]
    fn json_snapshots_are_checked_too() {
        let (l, c, m) =
            Snapshot::from_json("{\"version\": 1,\n \"facts\": {\"hostnme\": \"x\"}}").unwrap_err();
        assert_eq!(l, 2);
        assert!(c > 0);
        assert!(
            m.contains("unknown fact `hostnme` (did you mean `hostname`?)"),
            "{m}"
        );
        assert!(!m.contains(" at line "), "{m}");
        let (_, _, m) = Snapshot::from_json(r#"{"paths": {"/x": {"kind": 3}}}"#).unwrap_err();
        assert!(m.contains("fact `kind` is a string, not a number"), "{m}");
        let s = Snapshot::from_json(
            r#"{"version":1,"facts":{"hostname":"h"},"paths":{"/x":{"kind":"file"}}}"#,
        )
        .expect("reads");
        assert_eq!(s.facts["hostname"], "h");
    }
}
