//! `preflight --format junit`: JUnit XML as CI systems read it (GitLab's
//! `artifacts:reports:junit`, Jenkins): one `<testsuite>` per file, one `<testcase>` per
//! command (`name` = `line L: the command`, `classname` = the file), a `<failure>` for each
//! command denied or needing confirmation (its `type` the first rule, its body every finding
//! with the way out); a warning is the case's `<system-out>`. Written by hand: a few elements,
//! every attribute and text escaped.

use super::preflight::FileReport;
use crate::policy::Verdict;
use crate::text::bytes;

/// `s` escaped for XML text and attribute values; characters XML 1.0 cannot hold at all
/// (control characters other than tab, newline, carriage return) become `\u{…}`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

pub fn junit(files: &[FileReport]) -> String {
    let count = |f: &FileReport| {
        (
            f.steps.len(),
            f.steps
                .iter()
                .filter(|s| s.verdict >= Verdict::Confirm)
                .count(),
        )
    };
    let (tests, failures) = files
        .iter()
        .map(count)
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"safeop-preflight\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n"
    ));
    for f in files {
        let (t, fl) = count(f);
        let path = esc(&f.path);
        x.push_str(&format!(
            "  <testsuite name=\"{path}\" tests=\"{t}\" failures=\"{fl}\" errors=\"0\" skipped=\"0\">\n"
        ));
        for st in &f.steps {
            // The command as the file has it, from its column to the end of the line.
            let written: String = f
                .text
                .lines()
                .nth(st.line.saturating_sub(1) as usize)
                .unwrap_or("")
                .chars()
                .skip(st.col.saturating_sub(1) as usize)
                .collect();
            let cmd = match written.trim() {
                "" => bytes::shell_join(&st.argv),
                w => w.to_string(),
            };
            let on = st
                .host
                .as_deref()
                .map(|h| format!(" (on {h})"))
                .unwrap_or_default();
            let name = esc(&format!("line {}:{}: {cmd}{on}", st.line, st.col));
            let body: Vec<String> = st
                .findings
                .iter()
                .map(|fd| {
                    let fix = fd
                        .fix
                        .as_deref()
                        .map(|x| format!("\n  fix: {x}"))
                        .unwrap_or_default();
                    format!("{}[{}]: {}{fix}", fd.verdict.name(), fd.rule, fd.message)
                })
                .collect();
            let open = format!("    <testcase name=\"{name}\" classname=\"{path}\"");
            match (st.verdict, st.findings.first()) {
                (Verdict::Deny | Verdict::Confirm, Some(first)) => {
                    x.push_str(&format!(
                        "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        esc(&format!("{}: {}", st.verdict.name(), first.message)),
                        esc(&first.rule),
                        esc(&body.join("\n"))
                    ));
                }
                (Verdict::Warn, Some(_)) => {
                    x.push_str(&format!(
                        "{open}>\n      <system-out>{}</system-out>\n    </testcase>\n",
                        esc(&body.join("\n"))
                    ));
                }
                _ => x.push_str(&format!("{open}/>\n")),
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&apos;");
        assert_eq!(esc("x\u{1}y"), "x\\u{1}y");
    }
}
