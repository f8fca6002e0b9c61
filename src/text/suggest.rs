//! "Did you mean …?": the closest name of a vocabulary to a misspelt one, by edit distance.
//!
//! One helper for every vocabulary safeop checks (fact names, operation kinds, flags, options,
//! tools, challenges): callers pass the candidates and how many edits they forgive.

/// Levenshtein distance between `a` and `b`, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// How many edits a name of this length forgives: one per three characters, from 1 to 3 (so
/// `rmm` finds `rm` but `xz` does not find `dd`'s every neighbour).
pub fn tolerance(name: &str) -> usize {
    (name.chars().count() / 3).clamp(1, 3)
}

/// The candidate nearest to `name` within `max` edits; the first one listed wins a tie. `name`
/// itself is never suggested.
pub fn closest<I, S>(name: &str, candidates: I, max: usize) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut best: Option<(usize, String)> = None;
    for c in candidates {
        let c = c.as_ref();
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        if d <= max && best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, c.to_string()));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `x`?)` for the nearest candidate within [`tolerance`], or the empty string.
pub fn did_you_mean<I, S>(name: &str, candidates: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    match closest(name, candidates, tolerance(name)) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("recursiv", "recursive"), 1);
        assert_eq!(edit_distance("rmm", "rm"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_within_tolerance() {
        let flags = ["recursive", "force", "dry_run"];
        assert_eq!(
            closest("recursiv", flags, tolerance("recursiv")).as_deref(),
            Some("recursive")
        );
        assert_eq!(closest("rmm", ["dd", "rm", "mv"], 1).as_deref(), Some("rm"));
        assert_eq!(closest("zzzzzz", flags, 3), None);
        assert_eq!(did_you_mean("dry-run", flags), " (did you mean `dry_run`?)");
        assert_eq!(did_you_mean("force", flags), "");
    }
}
