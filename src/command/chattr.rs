//! `chattr` argv → Operation (e2fsprogs 1.47 chattr).
//!
//! chattr does not use getopt: it reads its arguments left to right while they start with `-`,
//! `+` or `=`, and the first one that does not is the first file. In an argument starting with
//! `-`, the letters `R` (recursive), `V` (verbose) and `f` (quiet) are options, `v` and `p` take
//! the next argument (a version, a project number), and every other letter is an attribute to
//! clear (`-i` clears immutable); `+ia` sets attributes and `=e` sets exactly those. `--` ends
//! the options.
//!
//! [`Kind::Permissions`] of every file; flag `recursive` for `-R`; option `attributes`: the
//! mode arguments as written, joined by spaces (`+i -a`). A letter chattr does not know, a
//! missing file or a missing mode is opaque (chattr prints its usage and changes nothing, but a
//! newer chattr may know a letter this one does not).

use super::{Kind, Operation};

/// The attribute letters chattr sets or clears (`chattr.c`'s `flags_array`).
const ATTRIBUTES: &str = "ASDacdeijPsutTCxFm";

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    // chattr has neither; both make it print its usage and change nothing.
    if matches!(
        args.first().map(String::as_str),
        Some("--help" | "--version")
    ) {
        return op.prints_only();
    }
    let mut modes: Vec<String> = Vec::new();
    let mut i = 0;
    let mut version_or_project = false;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        let mut chars = a.chars();
        let sign = match chars.next() {
            Some(c @ ('-' | '+' | '=')) if a.len() > 1 => c,
            Some('-') => return op.opaque("chattr: a lone `-` is not a mode"),
            _ => break,
        };
        i += 1;
        let mut letters = String::new();
        for c in chars {
            match (sign, c) {
                ('-', 'R') => op.flag("recursive"),
                ('-', 'V' | 'f') => {}
                ('-', 'v' | 'p') => {
                    if i >= args.len() {
                        return op.opaque(format!("chattr: `-{c}` needs a number"));
                    }
                    i += 1;
                    version_or_project = true;
                }
                (_, c) if ATTRIBUTES.contains(c) => letters.push(c),
                (_, c) => {
                    return op.opaque(format!("chattr: unknown attribute letter `{c}` in `{a}`"))
                }
            }
        }
        if !letters.is_empty() {
            modes.push(format!("{sign}{letters}"));
        }
    }
    let files = &args[i.min(args.len())..];
    if modes.is_empty() && !version_or_project {
        return op.opaque("chattr: Must use '-v', =, - or +");
    }
    if files.is_empty() {
        return op.opaque("chattr: no file operand");
    }
    if !modes.is_empty() {
        op.opt("attributes", &modes.join(" "));
    }
    op.targets = files.to_vec();
    op.kind = Kind::Permissions;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn modes_then_files() {
        let op = parse_str("chattr +i /etc/passwd");
        assert_eq!(op.kind, Kind::Permissions);
        assert_eq!(op.option("attributes"), Some("+i"));
        assert_eq!(op.targets, ["/etc/passwd"]);
        let op = parse_str("chattr -R -i +a /var/log/app");
        assert!(op.has("recursive"));
        assert_eq!(op.option("attributes"), Some("-i +a"));
        assert_eq!(op.targets, ["/var/log/app"]);
        let op = parse_str("chattr -Ri d");
        assert!(op.has("recursive"), "R in a bundle with a letter to clear");
        assert_eq!(op.option("attributes"), Some("-i"));
        let op = parse_str("chattr =e f g");
        assert_eq!(op.targets, ["f", "g"]);
        assert!(!op.has("recursive"));
    }

    #[test]
    fn the_first_argument_without_a_sign_is_the_first_file() {
        // chattr stops reading modes at the first file: `-R` after it is a file name.
        let op = parse_str("chattr +i f -R");
        assert!(!op.has("recursive"));
        assert_eq!(op.targets, ["f", "-R"]);
        let op = parse_str("chattr +i -- -f");
        assert_eq!(op.targets, ["-f"]);
    }

    #[test]
    fn version_and_project_take_the_next_argument() {
        let op = parse_str("chattr -v 7 f");
        assert_eq!(op.kind, Kind::Permissions);
        assert_eq!(op.targets, ["f"]);
        let op = parse_str("chattr -R -p 42 +P /srv/proj");
        assert!(op.has("recursive"));
        assert_eq!(op.targets, ["/srv/proj"]);
        assert_eq!(parse_str("chattr -p").kind, Kind::Opaque);
    }

    #[test]
    fn mistakes_are_opaque() {
        for line in [
            "chattr f",
            "chattr -R f",
            "chattr +i",
            "chattr +Q f",
            "chattr - f",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        assert_eq!(parse_str("chattr --help").kind, Kind::Read);
    }
}
