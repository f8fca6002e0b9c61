//! xargs's and parallel's unit tests: the command as written, and what it reads.
//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use crate::command::{parse_str, Kind};

/// xargs and parallel: the command as written, and flag `unseen_arguments` for what it reads.
#[test]
fn commands_on_arguments_from_input() {
    for (line, targets) in [
        ("xargs rm", vec![]),
        ("xargs -0 rm -f", vec![]),
        ("xargs rm -rf /", vec!["/"]),
        ("xargs -I{} rm -rf {}", vec![]),
        ("xargs -I {} rm -rf /srv/{}", vec![]),
        ("xargs -i rm {}", vec![]),
        ("xargs --replace=X rm X", vec![]),
        ("xargs -n1 -P4 rm -rf", vec![]),
        ("xargs --null --max-args=1 rm", vec![]),
        ("xargs -r -t rm", vec![]),
        ("xargs -l rm", vec![]),
        ("xargs -L 1 rm", vec![]),
        ("xargs -d '\\n' rm", vec![]),
        ("xargs -E END rm", vec![]),
        ("xargs -e rm", vec![]),
        ("xargs -eEND rm", vec![]),
        ("xargs -a list.txt rm", vec![]),
        ("xargs --arg-file=list.txt -- rm", vec![]),
        ("xargs sudo rm", vec![]),
        ("parallel rm ::: a b", vec![]),
        ("parallel rm -rf {} ::: a", vec![]),
        ("parallel 'rm -rf {}' ::: a", vec![]),
        ("parallel -j4 rm", vec![]),
        ("parallel -q rm -rf {} ::: a", vec![]),
        ("parallel -I @ rm -rf /srv/@ :::: list", vec![]),
        (
            "parallel --jobs 2 --keep-order rm /srv/x ::: a",
            vec!["/srv/x"],
        ),
    ] {
        let op = parse_str(line);
        assert_eq!(
            (op.tool.as_str(), op.kind, op.targets.clone()),
            (
                "rm",
                Kind::Delete,
                targets.iter().map(|t| t.to_string()).collect()
            ),
            "{line}: {:?}",
            op.note
        );
        assert!(op.has("unseen_arguments"), "{line}");
        assert!(
            op.effects
                .iter()
                .any(|e| e.path.is_none() && e.flags.contains("unseen_arguments")),
            "{line}: {:?}",
            op.effects
        );
    }
    assert!(parse_str("xargs -a list.txt rm")
        .note
        .unwrap_or_default()
        .contains("`list.txt`"));
    assert!(parse_str("xargs rm")
        .note
        .unwrap_or_default()
        .contains("standard input"));
    // A command that is harmless whatever its arguments stays so.
    for line in [
        "xargs echo",
        "xargs -0 echo",
        "xargs",
        "xargs grep x",
        "parallel echo ::: a",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Unknown, "{line}");
        assert!(!op.has("unseen_arguments"), "{line}");
    }
    // What cannot be followed.
    for line in [
        "parallel ::: 'rm -rf /'",
        "parallel < cmds",
        "parallel --frobnicate rm",
        "xargs --frobnicate rm",
        "parallel 'rm $x' ::: a",
    ] {
        assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
    }
    let op = parse_str("parallel -S host rm {} ::: a");
    assert!(op.has("elsewhere") && op.has("unseen_arguments"));
}
