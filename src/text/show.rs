//! Values as people read them: integers with thousands separators, lists joined, paths that
//! are not UTF-8 escaped.

use serde_json::Value;

/// A value as a person reads it: integers with thousands separators, lists joined.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "unknown".to_string(),
        // Paths are bytes (`text::bytes`): people see those that are not UTF-8 as `\xNN`.
        Value::String(s) => crate::text::bytes::display(s).into_owned(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => group(u.to_string()),
            (_, Some(i)) if i < 0 => format!("-{}", group(i.unsigned_abs().to_string())),
            _ => {
                let f = n.as_f64().unwrap_or(0.0);
                format!("{f:.1}")
            }
        },
        Value::Bool(b) => b.to_string(),
        Value::Array(a) => a.iter().map(show).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
    }
}

fn group(digits: String) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(show(&Value::from(1000000)), "1,000,000");
        assert_eq!(show(&Value::from(-12345)), "-12,345");
        assert_eq!(show(&serde_json::json!(["/a", "/b"])), "/a, /b");
    }
}
