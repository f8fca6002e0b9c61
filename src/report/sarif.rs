//! `preflight --format sarif`: SARIF 2.1.0 (OASIS), the format GitHub code scanning reads
//! (`github/codeql-action/upload-sarif`). One run; `tool.driver.rules` describes every rule a
//! result cites (id, short and full description, help: the rule's way out); each finding is a
//! result with its `ruleId`, `level` (deny → `error`, confirm → `warning`, warn → `note`), the
//! message and where it stands (`artifactLocation.uri` relative to the working directory,
//! `region.startLine`/`startColumn`). Hand-written structs: these few fields are all we emit.

use super::preflight::{FileReport, RuleMeta};
use crate::policy::Verdict;
use serde::Serialize;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    #[serde(rename = "semanticVersion")]
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct ReportingDescriptor<'a> {
    id: &'a str,
    #[serde(rename = "shortDescription")]
    short_description: Text<'a>,
    #[serde(rename = "fullDescription")]
    full_description: Text<'a>,
    help: Text<'a>,
}

#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
struct PhysicalLocation<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "startLine")]
    start_line: u32,
    #[serde(rename = "startColumn")]
    start_column: u32,
}

fn level(v: Verdict) -> &'static str {
    match v {
        Verdict::Deny => "error",
        Verdict::Confirm => "warning",
        Verdict::Warn | Verdict::Allow => "note",
    }
}

/// The SARIF log of `files`; `rules` describes the rules (those not cited are left out).
pub fn sarif(files: &[FileReport], rules: &[RuleMeta]) -> String {
    let mut cited: Vec<&str> = Vec::new();
    let mut results = Vec::new();
    for f in files {
        for st in &f.steps {
            for fd in &st.findings {
                let index = match cited.iter().position(|r| *r == fd.rule) {
                    Some(i) => i,
                    None => {
                        cited.push(&fd.rule);
                        cited.len() - 1
                    }
                };
                results.push(SarifResult {
                    rule_id: &fd.rule,
                    rule_index: index,
                    level: level(fd.verdict),
                    message: Text { text: &fd.message },
                    locations: vec![Location {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation { uri: &f.uri },
                            region: Region {
                                start_line: st.line.max(1),
                                start_column: st.col.max(1),
                            },
                        },
                    }],
                });
            }
        }
    }
    let descriptors = cited
        .iter()
        .map(|id| {
            let meta = rules.iter().find(|r| r.id == *id);
            let summary = meta.map_or(*id, |m| m.summary.as_str());
            ReportingDescriptor {
                id,
                short_description: Text { text: summary },
                full_description: Text {
                    text: meta.and_then(|m| m.why.as_deref()).unwrap_or(summary),
                },
                help: Text {
                    text: meta.and_then(|m| m.fix.as_deref()).unwrap_or(summary),
                },
            }
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "safeop",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: descriptors,
                },
            },
            results,
            // Columns count characters, as the shell front end does.
            column_kind: "unicodeCodePoints",
        }],
    };
    match serde_json::to_string_pretty(&log) {
        Ok(t) => crate::text::bytes::display_json(&t).into_owned(),
        Err(e) => format!("{{\"error\":\"{e}\"}}"),
    }
}
