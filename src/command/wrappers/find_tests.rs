//! find's unit tests: what `-delete` and `-exec` reach, and what only reads.
//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use crate::command::{parse_str, Kind};

/// find: what `-delete` and `-exec` reach, and what only reads.
#[test]
fn find_deletes_what_it_selects() {
    struct Want {
        tool: &'static str,
        kind: Kind,
        targets: &'static [&'static str],
        flags: &'static [&'static str],
        not: &'static [&'static str],
    }
    let all = |tool, targets| Want {
        tool,
        kind: Kind::Delete,
        targets,
        flags: &["recursive"],
        not: &["filtered", "unseen_arguments"],
    };
    let some = |tool, targets| Want {
        tool,
        kind: Kind::Delete,
        targets,
        flags: &["filtered", "unseen_arguments"],
        not: &["recursive"],
    };
    for (line, want) in [
        ("find / -delete", all("find", &["/"])),
        ("find /srv/x -delete", all("find", &["/srv/x"])),
        ("find -delete", all("find", &["."])),
        ("find /a /b -delete", all("find", &["/a", "/b"])),
        ("find -L /srv -xdev -depth -delete", all("find", &["/srv"])),
        ("find /etc -type f -delete", all("find", &["/etc"])),
        ("find /etc -name '*' -delete", all("find", &["/etc"])),
        ("find / -path /proc -prune -o -delete", all("find", &["/"])),
        ("find /etc ! -name x -delete", all("find", &["/etc"])),
        ("find /etc -name x -o -delete", all("find", &["/etc"])),
        ("find /etc -delete -name x", all("find", &["/etc"])),
        ("find /etc -name x -delete", some("find", &["/etc"])),
        (
            "find /var/log -name '*.gz' -mtime +30 -delete",
            some("find", &["/var/log"]),
        ),
        (
            "find /etc ( -name a -o -name b ) -delete",
            some("find", &["/etc"]),
        ),
        ("find /etc -maxdepth 1 -delete", some("find", &["/etc"])),
        (
            "find /etc -newermt 2020-01-01 -delete",
            some("find", &["/etc"]),
        ),
        ("find /etc -empty -a -delete", some("find", &["/etc"])),
        ("find -files0-from list -delete", some("find", &[])),
        ("find / -exec rm -rf {} +", all("rm", &["/"])),
        ("find / -exec rm -rf {} ';'", all("rm", &["/"])),
        ("find /srv -type f -exec rm {} +", all("rm", &["/srv"])),
        ("find /srv -exec sudo rm -rf {} +", all("rm", &["/srv"])),
        (
            "find /srv -exec sh -c 'rm -rf {}' ';'",
            all("rm", &["/srv"]),
        ),
        ("find /a /b -execdir rm -f {} +", all("rm", &["/a", "/b"])),
        (
            "find /etc -name '*.bak' -exec rm {} ';'",
            some("rm", &["/etc"]),
        ),
        (
            "find /etc -name '*.bak' -execdir rm -f {} +",
            some("rm", &["/etc"]),
        ),
        (
            "find /etc -name '*.bak' -ok rm {} ';'",
            some("rm", &["/etc"]),
        ),
        (
            "find /etc -name '*.bak' -okdir rm -rf {} ';'",
            some("rm", &["/etc"]),
        ),
    ] {
        let op = parse_str(line);
        assert_eq!(
            (op.tool.as_str(), op.kind, op.targets.clone()),
            (
                want.tool,
                want.kind,
                want.targets.iter().map(|t| t.to_string()).collect()
            ),
            "{line}: {:?}",
            op.note
        );
        for f in want.flags {
            assert!(op.has(f), "{line}: {f} {:?}", op.flags);
        }
        for f in want.not {
            assert!(!op.has(f), "{line}: not {f} {:?}", op.flags);
        }
        let tree = op.effects.iter().any(|e| e.tree);
        assert!(tree || want.targets.is_empty(), "{line}: {:?}", op.effects);
    }
    assert_eq!(
        parse_str("find /srv -exec sudo rm -rf {} +").wrappers,
        ["find", "sudo"]
    );
    let note = parse_str("find /var/log -name '*.gz' -mtime +30 -delete")
        .note
        .unwrap_or_default();
    assert!(
        note.contains("`/var/log`") && note.contains("`-name`, `-mtime`"),
        "{note}"
    );
    // Other commands on what find selects.
    let op = parse_str("find / -exec mv {} /tmp ';'");
    assert_eq!(
        (op.kind, op.sources.clone()),
        (Kind::Move, vec!["/".to_string()])
    );
    let op = parse_str("find /var/log -name x -exec mv {} /archive ';'");
    assert_eq!(op.kind, Kind::Move);
    assert!(
        op.sources.is_empty() && op.has("unseen_arguments"),
        "{op:?}"
    );
    let op = parse_str("find /srv -exec dd if=/dev/zero of={} ';'");
    assert_eq!(
        (op.tool.as_str(), op.targets.clone()),
        ("dd", vec!["/srv".to_string()])
    );
    let op = parse_str("find / -exec reboot ';'");
    assert_eq!(op.kind, Kind::Reboot);
    let op = parse_str("find / -fprint /etc/passwd");
    assert_eq!(
        (op.tool.as_str(), op.kind, op.targets.clone()),
        ("find", Kind::Overwrite, vec!["/etc/passwd".to_string()])
    );
    // Only reading.
    for line in [
        "find / -name x",
        "find / -name x -print",
        "find . -name '*.c' -exec grep x {} +",
        "find / -type f -ls",
        "find",
    ] {
        assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
    }
    // What find refuses, and what one operation cannot say.
    for line in [
        "find / -exec rm {} ';' -delete",
        "find / -exec rm {}",
        "find / -exec ';'",
        "find / -frobnicate",
        "find / -name",
        "find / ( -name x",
        "find / -name x y",
    ] {
        assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
    }
}
