//! `in_use` and `in_use.reasons`: every in-use fact read once and put in one sentence list, so
//! a rule or a message can say "in use" without naming each cause. Each part is read through the
//! fact cache, so nothing is probed twice.

use super::super::{answer, FactError, Facts, PathSubject, ProbeResult, Role};
use crate::text::show::show;
use serde_json::Value;

pub(super) fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let prefix = if s.role == Role::Source {
        "source"
    } else {
        "target"
    };
    let get = |rel: &str| f.get(&format!("{prefix}.{rel}"), Some(s));
    let mut reasons: Vec<String> = Vec::new();
    let mut errors: Vec<FactError> = Vec::new();
    let mut check = |rel: &str, reason: &dyn Fn(&Value) -> Option<String>| match get(rel) {
        Ok(v) => reasons.extend(reason(&v)),
        Err(e) => errors.push(e),
    };
    let non_empty = |v: &Value| v.as_array().is_some_and(|a| !a.is_empty());
    check("loop.devices", &|v| {
        non_empty(v).then(|| format!("backs loop device {}", show(v)))
    });
    check("loop.mountpoints", &|v| {
        non_empty(v).then(|| format!("its loop device is mounted on {}", show(v)))
    });
    check("device.mounted", &|v| {
        (v == &Value::Bool(true)).then(|| "is mounted".to_string())
    });
    check("device.holders", &|v| {
        non_empty(v).then(|| format!("is a member of {}", show(v)))
    });
    check("device.swap", &|v| {
        (v == &Value::Bool(true)).then(|| "is active swap".to_string())
    });
    check("qemu.locked", &|v| {
        (v == &Value::Bool(true)).then(|| "carries QEMU's image locks".to_string())
    });
    let vm = |v: &Value| {
        let part = |rel: &str| get(rel).map(|v| show(&v)).unwrap_or_default();
        (v == &Value::Bool(true)).then(|| {
            format!(
                "is disk {} of running {} domain '{}'",
                part("vm.disk"),
                part("vm.hypervisor"),
                part("vm.name")
            )
        })
    };
    check("vm.running", &vm);
    check("open.writers", &|v| {
        non_empty(v).then(|| format!("is open for writing by {}", show(v)))
    });
    check("open.unseen_writer", &|v| {
        (v == &Value::Bool(true))
            .then(|| "is open for writing by a process safeop cannot see".to_string())
    });
    if reasons.is_empty() {
        if let Some(e) = errors.into_iter().next() {
            return Err(e.to_string());
        }
        // A hypervisor stack that could not answer leaves "in use" open.
        if let Ok(Value::Array(vm_errors)) = get("vm.errors") {
            if !vm_errors.is_empty() {
                return Err(format!(
                    "could not tell whether a running domain uses it: {}",
                    show(&Value::Array(vm_errors))
                ));
            }
        }
    }
    Ok(answer([
        ("in_use", (!reasons.is_empty()).into()),
        (
            "in_use.reasons",
            reasons
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>()
                .into(),
        ),
    ]))
}
