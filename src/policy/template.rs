//! Message templates: `"{target.path} is disk {target.vm.disk} of running domain '{target.vm.name}'"`.
//! Placeholders are fact names (checked when the policy loads); `{{` and `}}` are literal braces.

use crate::facts::FactError;
use serde_json::Value;

/// The fact names a template reads.
pub fn placeholders(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    any_placeholder(t, |name| {
        out.push(name.to_string());
        false
    });
    out
}

/// Whether `test` holds for one of the fact names a template reads (without collecting them).
pub fn any_placeholder(t: &str, mut test: impl FnMut(&str) -> bool) -> bool {
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        if rest[i..].starts_with("{{") {
            rest = &rest[i + 2..];
            continue;
        }
        match rest[i + 1..].find('}') {
            Some(j) => {
                if test(rest[i + 1..i + 1 + j].trim()) {
                    return true;
                }
                rest = &rest[i + 2 + j..];
            }
            None => break,
        }
    }
    false
}

/// Renders a template; facts that cannot be read show as `unknown (why)`, facts that do not apply
/// as `unknown`.
pub fn render(t: &str, get: &mut dyn FnMut(&str) -> Result<Value, FactError>) -> String {
    let mut out = String::new();
    let mut rest = t;
    loop {
        let Some(i) = rest.find(['{', '}']) else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        match tail[1..].find('}') {
            Some(j) => {
                let name = tail[1..1 + j].trim();
                match get(name) {
                    Ok(v) => out.push_str(&show(&v)),
                    Err(e) => out.push_str(&format!("unknown ({})", e.why)),
                }
                rest = &tail[2 + j..];
            }
            None => {
                out.push_str(tail);
                return out;
            }
        }
    }
}

pub use crate::text::show::show;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders() {
        assert_eq!(placeholders("{a.b} x {{lit}} {c}"), vec!["a.b", "c"]);
    }

    #[test]
    fn renders_numbers_and_lists() {
        let mut get = |n: &str| -> Result<Value, FactError> {
            Ok(match n {
                "n" => 1221.into(),
                "l" => serde_json::json!(["/a", "/b"]),
                "f" => 4.25.into(),
                _ => {
                    return Err(FactError {
                        fact: n.into(),
                        why: "gone".into(),
                    })
                }
            })
        };
        assert_eq!(
            render("creates {n} inodes on {l} ({f}%) {x} {{ok}}", &mut get),
            "creates 1,221 inodes on /a, /b (4.2%) unknown (gone) {ok}"
        );
        assert_eq!(show(&Value::from(1000000)), "1,000,000");
        assert_eq!(show(&Value::from(-12345)), "-12,345");
    }
}
