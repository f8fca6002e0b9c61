//! "Did you mean …?": the closest name of a vocabulary to a misspelt one, by edit distance.
//!
//! One helper for every vocabulary safeop checks (fact names, operation kinds, flags, options,
//! tools, challenges): callers pass the candidates and how many edits they forgive.

/// Edit distance between `a` and `b` in characters: insertions, deletions, substitutions and
/// swaps of two neighbours (`dney` is one edit from `deny`) each count one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j] (optimal string alignment).
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(edit_distance("dney", "deny"), 1);
        assert_eq!(edit_distance("recursvie", "recursive"), 1);
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
