//! The one place YAML is read: `yaml_serde` (the maintained continuation of serde_yaml) behind
//! a small interface, so swapping the YAML crate touches this file only.

use serde::de::DeserializeOwned;

/// A YAML or schema error at a position (1-based line and column; 0 when the parser gave none).
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    yaml_serde::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let mut message = e.to_string();
        if let Some(i) = message.rfind(" at line ") {
            message.truncate(i);
        }
        YamlError {
            line,
            column,
            message,
        }
    })
}

/// Reads the text as plain YAML first, so a syntax error is reported where it is, not as the
/// type error it causes earlier in the typed read.
pub fn check_syntax(text: &str) -> Result<(), YamlError> {
    from_str::<yaml_serde::Value>(text).map(|_| ())
}
