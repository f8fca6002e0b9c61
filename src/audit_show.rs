//! `safeop audit show`: the audit log read back for a person, filtered. Reads what `audit`
//! wrote; never writes. A record that cannot be read as one is shown as such, not skipped.

use serde_json::Value;

/// Which records to show (all of the given tests must hold).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Records at or after this time.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Records before this time.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    pub verdict: Option<String>,
    /// The user or the sudo user.
    pub user: Option<String>,
    /// A finding of this rule.
    pub rule: Option<String>,
    /// Refusals only.
    pub refused: bool,
}

/// Reads a time as a person writes it: RFC 3339 (`2026-12-01T09:00:00Z`), a day (`2026-12-01`,
/// midnight UTC), or an age before `now` (`30m`, `12h`, `7d`).
pub fn parse_time(
    s: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a time: write 2026-12-01, 2026-12-01T09:00:00Z, or an age like 30m, 12h, 7d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{s}`: an age ends in s, m, h or d")),
    };
    Ok(now - chrono::Duration::seconds(secs))
}

impl Filter {
    pub fn keeps(&self, r: &Value) -> bool {
        let ts = r["ts"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc));
        if let Some(since) = self.since {
            if ts.is_none_or(|t| t < since) {
                return false;
            }
        }
        if let Some(until) = self.until {
            if ts.is_none_or(|t| t >= until) {
                return false;
            }
        }
        if let Some(v) = &self.verdict {
            if r["verdict"].as_str() != Some(v) {
                return false;
            }
        }
        if let Some(u) = &self.user {
            if r["user"].as_str() != Some(u) && r["sudo_user"].as_str() != Some(u) {
                return false;
            }
        }
        if let Some(rule) = &self.rule {
            let has = r["findings"]
                .as_array()
                .is_some_and(|a| a.iter().any(|f| f["rule"].as_str() == Some(rule)));
            if !has {
                return false;
            }
        }
        if self.refused && r["action"] != "refused" {
            return false;
        }
        true
    }
}

/// One record as a line: time, user (and sudo user), action, verdict, the command; a refusal
/// says why (its reason and the rules that refused it), an outcome its status.
pub fn line(r: &Value) -> String {
    let user = match r["sudo_user"].as_str() {
        Some(s) => format!("{} (sudo by {s})", r["user"].as_str().unwrap_or("?")),
        None => r["user"].as_str().unwrap_or("?").to_string(),
    };
    let what = match r["torn_bytes"].as_u64() {
        Some(n) => format!("({n} bytes of a torn write before this record)"),
        None => crate::audit::shown_argv(r),
    };
    let mut s = format!(
        "{} {:<8} {:<10} {:<8} {}",
        r["ts"].as_str().unwrap_or("?"),
        user,
        r["action"].as_str().unwrap_or("?"),
        r["verdict"].as_str().unwrap_or("?"),
        what,
    );
    if let Some(st) = r["status"].as_i64() {
        s.push_str(&format!(" (status {st})"));
    }
    if r["action"] == "refused" {
        let rules: Vec<&str> = r["findings"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["rule"].as_str()).collect())
            .unwrap_or_default();
        s.push_str(&format!(
            "\n    refused: {}{}",
            r["reason"].as_str().unwrap_or("no reason recorded"),
            if rules.is_empty() {
                String::new()
            } else {
                format!(" [{}]", rules.join(", "))
            }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_people_write_them() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .expect("t")
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_time("2h", now).expect("age").to_rfc3339(),
            "2026-12-01T10:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-11-30", now).expect("day").to_rfc3339(),
            "2026-11-30T00:00:00+00:00"
        );
        assert!(parse_time("yesterday", now).is_err());
    }

    #[test]
    fn filters_and_refusals_say_why() {
        let r: Value = serde_json::json!({"ts":"2026-12-01T10:00:00.000Z","user":"root","sudo_user":"alice","action":"refused","verdict":"deny","argv":["rm","-rf","/"],"findings":[{"rule":"rm-recursive-root"}],"reason":"denied by policy"});
        let f = Filter {
            user: Some("alice".into()),
            rule: Some("rm-recursive-root".into()),
            refused: true,
            ..Filter::default()
        };
        assert!(f.keeps(&r));
        let f = Filter {
            verdict: Some("allow".into()),
            ..Filter::default()
        };
        assert!(!f.keeps(&r));
        let l = line(&r);
        assert!(
            l.contains("root (sudo by alice)")
                && l.contains("refused: denied by policy [rm-recursive-root]"),
            "{l}"
        );
    }
}
