//! `truncate` argv → Operation (GNU coreutils truncate 9.x).
//!
//! [`Kind::Resize`] of every file operand. `-s SIZE` is kept in options["size"] as written;
//! `-r RFILE` in options["reference"] (and RFILE is a source). Flag `shrink` whenever the
//! command CAN make a file smaller: a size starting with `-`, `<`, `/` or `%`, a plain absolute
//! size (`-s 0`, `-s 10G`: any file larger than that is cut), and any use of `--reference`
//! (the new size comes from RFILE, whatever the file's own size). Only `+N` and `>N` never
//! shrink. `-c`/`--no-create` → flag `no_create`; `-o`/`--io-blocks` → flag `io_blocks`.
//! A size truncate would reject (`1x`, `1b`, empty) makes the line opaque, like the tool's own
//! "Invalid number".

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "rs",
    short_flag: "co",
    long_arg: &["reference", "size"],
    long_opt: &[],
    long_flag: &["no-create", "io-blocks", "help", "version"],
    ..GNU
};

/// Does truncate's `xstrtoimax(…, "EgGkKmMPQRtTYZ0")` accept this number (after the prefix)?
fn valid_number(n: &str) -> bool {
    let n = n.trim_start();
    let digits = n.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let suffix = &n[digits..];
    let mut chars = suffix.chars();
    match chars.next() {
        None => true,
        Some(c) if "EgGkKmMPQRtTYZ".contains(c) => matches!(chars.as_str(), "" | "B" | "iB"),
        Some(_) => false,
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("truncate: {e}")),
    };
    let mut size: Option<String> = None;
    let mut reference: Option<String> = None;
    let mut files = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(f) => files.push(f),
            Arg::Opt(name, value) => match name.as_str() {
                "help" | "version" => {
                    op.kind = Kind::Read;
                    return;
                }
                "s" | "size" => size = value,
                "r" | "reference" => reference = value,
                "c" | "no-create" => op.flag("no_create"),
                "o" | "io-blocks" => op.flag("io_blocks"),
                _ => {}
            },
        }
    }
    let mut relative = false;
    if let Some(s) = &size {
        let (prefix, number) = match s.trim_start().chars().next() {
            Some(c @ ('+' | '-' | '<' | '>' | '/' | '%')) => {
                (Some(c), &s.trim_start()[c.len_utf8()..])
            }
            _ => (None, s.as_str()),
        };
        if !valid_number(number) {
            return op.opaque(format!("truncate: Invalid number: '{s}'"));
        }
        relative = matches!(prefix, Some('+' | '-'));
        if !matches!(prefix, Some('+' | '>')) {
            op.flag("shrink");
        }
        op.opt("size", s);
    }
    match (&size, &reference) {
        (None, None) => {
            return op.opaque("truncate: you must specify either '--size' or '--reference'")
        }
        (Some(_), Some(_)) if !relative => {
            return op.opaque("truncate: you must specify a relative '--size' with '--reference'")
        }
        _ => {}
    }
    if op.has("io_blocks") && size.is_none() {
        return op.opaque("truncate: '--io-blocks' was specified but '--size' was not");
    }
    if let Some(r) = reference {
        op.flag("shrink");
        op.opt("reference", &r);
        op.sources.push(r);
    }
    if files.is_empty() {
        op.sources.clear();
        return op.opaque("truncate: missing file operand");
    }
    op.targets = files;
    op.kind = Kind::Resize;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn size_spellings() {
        for line in [
            "truncate -s 10G a.img",
            "truncate -s10G a.img",
            "truncate --size=10G a.img",
            "truncate --size 10G a.img",
            "truncate --si=10G a.img",
            "truncate a.img -s 10G",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Resize, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["a.img"], "{line}");
            assert_eq!(
                op.options.get("size").map(String::as_str),
                Some("10G"),
                "{line}"
            );
        }
    }

    #[test]
    fn shrink_flag() {
        for (size, shrinks) in [
            ("0", true),
            ("10G", true),
            ("-1G", true),
            ("<5M", true),
            ("/4K", true),
            ("%4K", true),
            ("+1G", false),
            (">5M", false),
            ("1KiB", true),
            ("+1kB", false),
        ] {
            let op = parse_str(&format!("truncate -s '{size}' x"));
            assert_eq!(op.kind, Kind::Resize, "{size}");
            assert_eq!(op.has("shrink"), shrinks, "{size}");
        }
        let op = parse_str("truncate -s-1G x");
        assert!(op.has("shrink"));
        assert_eq!(op.options.get("size").map(String::as_str), Some("-1G"));
    }

    #[test]
    fn reference() {
        let op = parse_str("truncate -r ref.img a b");
        assert_eq!(op.kind, Kind::Resize);
        assert_eq!(op.targets, vec!["a", "b"]);
        assert_eq!(op.sources, vec!["ref.img"]);
        assert!(op.has("shrink"));
        let op = parse_str("truncate --reference=ref -s +1M a");
        assert_eq!(op.kind, Kind::Resize);
        assert!(op.has("shrink"));
        assert_eq!(parse_str("truncate -r ref -s 5 a").kind, Kind::Opaque);
    }

    #[test]
    fn flags() {
        let op = parse_str("truncate -co -s 1 a");
        assert!(op.has("no_create") && op.has("io_blocks"));
        assert!(parse_str("truncate --no-create -s 1 a").has("no_create"));
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "truncate a",
            "truncate -s 1",
            "truncate -s 1x a",
            "truncate -s 1b a",
            "truncate -s '' a",
            "truncate -s -- a",
            "truncate -q -s 1 a",
            "truncate -s",
            "truncate -o -r ref a",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("truncate: "),
                "{line}"
            );
        }
    }

    #[test]
    fn help_is_harmless() {
        assert_eq!(parse_str("truncate --help").kind, Kind::Read);
        assert_eq!(parse_str("truncate --version").kind, Kind::Read);
    }

    /// The size grammar checked against truncate itself on a scratch file.
    #[test]
    fn agrees_with_gnu_truncate() {
        use std::process::Command;
        if Command::new("truncate").arg("--version").output().is_err() {
            eprintln!("SKIP agrees_with_gnu_truncate: truncate not installed");
            return;
        }
        let f = std::env::temp_dir().join(format!("safeop-truncate-{}", std::process::id()));
        for size in [
            "10", "1KiB", "1kB", "1g", "+3", "-1", "<4", "1x", "1b", "", "%2", " 5",
        ] {
            let ok = Command::new("truncate")
                .args(["-s", size])
                .arg(&f)
                .stderr(std::process::Stdio::null())
                .status()
                .expect("truncate")
                .success();
            let op = parse_str(&format!("truncate -s '{size}' f"));
            assert_eq!(ok, op.kind == Kind::Resize, "size {size:?}");
        }
        let _ = std::fs::remove_file(&f);
    }
}
