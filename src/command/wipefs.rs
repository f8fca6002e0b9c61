//! `wipefs` argv → Operation (util-linux 2.38 wipefs: getopt_long, permuted, long prefixes).
//!
//! With `-a`/`--all` or `-o`/`--offset` wipefs erases signatures → [`Kind::Format`] of every
//! device operand; with neither it only lists them → [`Kind::Read`]. `-n`/`--no-act` ("causes
//! everything to be done except for the write(2) call") makes an erase a dry run: [`Kind::Read`]
//! with flag `dry_run` and the devices as sources ([`Operation::dry_run`]), in any order or
//! bundle (`-an`, `-a /dev/sdb -n`). (`-n -b` still writes the backup files into `$HOME`.)
//! `-h`/`--help`, `-V`/`--version` only print. Flags `all`, `force`, `backup`; options `offset`
//! (several `-o` one a line), `types`.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "oOt",
    short_flag: "abfiJnpqhV",
    long_arg: &["offset", "output", "types"],
    long_opt: &["lock"],
    long_flag: &[
        "all",
        "backup",
        "force",
        "noheadings",
        "json",
        "no-act",
        "parsable",
        "quiet",
        "help",
        "version",
    ],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("wipefs: {e}")),
    };
    let mut erase = false;
    for a in parsed {
        match a {
            Arg::Operand(d) => op.targets.push(d),
            Arg::Opt(name, value) => {
                let v = value.unwrap_or_default();
                match name.as_str() {
                    "h" | "help" | "V" | "version" => return op.prints_only(),
                    "a" | "all" => {
                        erase = true;
                        op.flag("all");
                    }
                    "o" | "offset" => {
                        erase = true;
                        match op.options.get_mut("offset") {
                            Some(o) => {
                                o.push('\n');
                                o.push_str(&v);
                            }
                            None => op.opt("offset", &v),
                        }
                    }
                    "t" | "types" => op.opt("types", &v),
                    "n" | "no-act" => op.flag("dry_run"),
                    "f" | "force" => op.flag("force"),
                    "b" | "backup" => op.flag("backup"),
                    _ => {}
                }
            }
        }
    }
    if op.targets.is_empty() {
        return op.opaque("wipefs: no device specified");
    }
    op.kind = if erase { Kind::Format } else { Kind::Read };
    if erase && op.has("dry_run") {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn erase_all() {
        for line in [
            "wipefs -a /dev/sdb",
            "wipefs --all /dev/sdb",
            "wipefs --al /dev/sdb",
            "wipefs /dev/sdb -a",
            "wipefs -af /dev/sdb",
            "wipefs -fab /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
            assert!(op.has("all"), "{line}");
        }
    }

    #[test]
    fn offsets_and_types() {
        let op = parse_str("wipefs -o 0x438 --offset=0x1fe -t ext4,dos /dev/sdb /dev/sdc");
        assert_eq!(op.kind, Kind::Format);
        assert_eq!(
            op.options.get("offset").map(String::as_str),
            Some("0x438\n0x1fe")
        );
        assert_eq!(
            op.options.get("types").map(String::as_str),
            Some("ext4,dos")
        );
        assert_eq!(op.targets, vec!["/dev/sdb", "/dev/sdc"]);
        let op = parse_str("wipefs -o0x438 /dev/sdb");
        assert_eq!(op.kind, Kind::Format);
    }

    #[test]
    fn dry_run_only_reads() {
        for line in [
            "wipefs -n -a /dev/sdb",
            "wipefs --no-act --all /dev/sdb",
            "wipefs --no-a --all /dev/sdb",
            "wipefs -an /dev/sdb",
            "wipefs -na /dev/sdb",
            "wipefs -afn /dev/sdb",
            "wipefs -a /dev/sdb -n",
            "wipefs /dev/sdb --all --no-act",
            "wipefs -n -o 0x438 /dev/sdb",
            "wipefs -no 0x438 /dev/sdb",
            "wipefs -n -a -t ext4 -b /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.has("dry_run"), "{line}");
            assert!(op.targets.is_empty(), "{line}");
            assert_eq!(op.sources, vec!["/dev/sdb"], "{line}");
        }
        let op = parse_str("wipefs -n -a /dev/sdb /dev/sdc");
        assert_eq!(op.sources, vec!["/dev/sdb", "/dev/sdc"]);
        // `-o n`: the n is the offset's value, not --no-act.
        let op = parse_str("wipefs -a -o n /dev/sdb");
        assert_eq!(op.kind, Kind::Format);
        assert!(!op.has("dry_run"));
    }

    #[test]
    fn listing_is_read() {
        for line in [
            "wipefs /dev/sdb",
            "wipefs -J /dev/sdb",
            "wipefs -p -i -O DEVICE,TYPE /dev/sdb",
            "wipefs --lock=no -t ext4 /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["/dev/sdb"], "{line}");
        }
        for line in [
            "wipefs -h",
            "wipefs --help",
            "wipefs -V",
            "wipefs --version",
            "wipefs -a --help /dev/sdb",
            "wipefs -aV /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty() && op.flags.is_empty(), "{line}");
        }
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "wipefs",
            "wipefs -a",
            "wipefs -z /dev/sdb",
            "wipefs -o",
            "wipefs --bogus /dev/sdb",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("wipefs: "),
                "{line}"
            );
        }
    }

    /// `wipefs -n -a` on a scratch ext4 image: the tool sees a signature where we see a target.
    #[test]
    fn agrees_with_wipefs() {
        use std::process::Command;
        let have = |p: &str| Command::new(p).arg("-V").output().is_ok();
        if !have("wipefs") || !have("mkfs.ext4") {
            eprintln!("SKIP agrees_with_wipefs: wipefs or mkfs.ext4 not installed");
            return;
        }
        let img = std::env::temp_dir().join(format!("safeop-wipefs-{}.img", std::process::id()));
        let path = img.to_string_lossy().to_string();
        let made = Command::new("truncate").args(["-s", "4M", &path]).status();
        if !made.map(|s| s.success()).unwrap_or(false) {
            eprintln!("SKIP agrees_with_wipefs: cannot make a scratch image");
            return;
        }
        let ok = Command::new("mkfs.ext4")
            .args(["-q", "-F", &path])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            let line = format!("wipefs -n -a {path}");
            let op = parse_str(&line);
            let out = Command::new("wipefs")
                .args(["-n", "-a", &path])
                .output()
                .expect("wipefs");
            let said = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(said.contains(&path), "{said}");
            assert_eq!(
                (op.kind, op.sources.clone()),
                (Kind::Read, vec![path.clone()])
            );
            assert!(op.has("dry_run") && op.targets.is_empty());
            // The image is untouched: a listing still finds ext4.
            let out = Command::new("wipefs")
                .args(["-p", &path])
                .output()
                .expect("wipefs");
            assert!(String::from_utf8_lossy(&out.stdout).contains("ext4"));
        } else {
            eprintln!("SKIP agrees_with_wipefs: mkfs.ext4 failed on a scratch image");
        }
        let _ = std::fs::remove_file(&img);
    }
}
