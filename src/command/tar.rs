//! `tar` argv → Operation (GNU tar 1.34 rules).
//!
//! Three option styles are read, as GNU tar reads them:
//! - old style: a first argument without a dash is a bundle of letters (`tar xzvf a.tgz`); every
//!   letter that takes a value takes the next word, in the order the letters appear
//!   (`tar xfC a.tar d` → `-f a.tar -C d`). The rest of the line is then read normally.
//! - short options (`-xzf a.tgz`, `-x -f a.tgz`, `-fa.tgz`), bundling as getopt does;
//! - long options (`--extract --file=a.tgz`, `--file a.tgz`, unambiguous prefixes `--extr`).
//!
//! Options and member names may be mixed (argp permutes), except that `-C`/`--directory` is
//! positional: GNU tar changes directory in the order `-C` and names appear.
//!
//! Where an extraction writes (verified against GNU tar 1.34):
//! - no member names: the directory in effect after the LAST `-C` (`-C d1 -C ../d2` → `d1/../d2`:
//!   a relative `-C` is taken relative to the previous one), `.` without any `-C`;
//! - member names given: each member lands in the directory in effect when its name appears; a
//!   `-C` after the last member applies to nothing (`tar -xf a.tar m1 -C d` extracts m1 into `.`).
//!   Targets are then the distinct directories that apply to members, in order;
//!   options["members"] names the members one a line and options["member_dirs"] the directory
//!   each one lands in, line for line.
//! - `--one-top-level[=DIR]` (flag `one_top_level`, options["one_top_level"] = DIR when given):
//!   members land in DIR below the directory in effect (GNU tar 1.34: a member already named
//!   `DIR/…` is not put in a second DIR; without `=DIR` it is the archive's base name less its
//!   compression suffix, `facts/restore` works that out).
//!
//! Without `-f` the archive is `-` and flag `default_archive` says so: GNU tar then reads the
//! archive named by `$TAPE` when set, else standard input (`tar --show-defaults`: `-f-`).
//!
//! Kinds: `-x` → Restore (sources = archive, targets = directories); with `-O`/`--to-stdout`
//! or `--to-command` → Read. `-c` → Overwrite of the archive (sources = inputs, each joined to the
//! `-C` directory in effect); without `-f` (or `-f -`) the archive goes to standard output → Read.
//! `-r`/`-u`/`-A`/`--delete` rewrite the archive in place → Overwrite. `-t`/`-d`/`--test-label`
//! → Read. `--remove-files` (create) deletes the inputs afterwards: flag `remove_files`.
//! `-P`/`--absolute-names` on extraction lets members land outside the target: flag
//! `absolute_names`. Compression is only informational: options["compression"] is `gzip`,
//! `bzip2`, `xz`, `lzma`, `lzip`, `lzop`, `zstd`, `compress`, `auto`, or the `-I` program.
//!
//! Options that make tar run a program safeop cannot see into set flag `runs_code` (kind and
//! targets stay) with a note naming the option and the program:
//! - `--to-command=CMD` on extraction (every member is piped into CMD);
//! - `-I PROG` / `--use-compress-program=PROG` (any mode);
//! - `--checkpoint-action=exec=CMD` (only `exec=`: `dot`, `echo`, `ttyout=`, `sleep=` … run
//!   nothing);
//! - `-F F` / `--info-script=F` / `--new-volume-script=F` (run at each end of volume);
//! - a remote archive: `-f host:path` (a colon after the first character with no `/` before it)
//!   without `--force-local` makes tar run `rsh` (or `--rsh-command=CMD`) to reach `host` and
//!   `rmt` there; flag `remote_archive` too. `--rsh-command` alone, with a local archive, runs
//!   nothing and is not flagged.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "bCfFgHIKLNTVX",
    short_flag: "AcdrtuxGnSkUWOmpsajJzZhPlRvwoMBi?",
    long_arg: &[
        "listed-incremental",
        "hole-detection",
        "level",
        "sparse-version",
        "add-file",
        "directory",
        "exclude",
        "exclude-ignore",
        "exclude-ignore-recursive",
        "exclude-tag",
        "exclude-tag-all",
        "exclude-tag-under",
        "files-from",
        "exclude-from",
        "to-command",
        "group",
        "group-map",
        "mode",
        "mtime",
        "owner",
        "owner-map",
        "sort",
        "xattrs-exclude",
        "xattrs-include",
        "file",
        "info-script",
        "new-volume-script",
        "tape-length",
        "rmt-command",
        "rsh-command",
        "volno-file",
        "blocking-factor",
        "record-size",
        "format",
        "pax-option",
        "label",
        "use-compress-program",
        "starting-file",
        "newer-mtime",
        "newer",
        "after-date",
        "suffix",
        "strip-components",
        "transform",
        "xform",
        "checkpoint-action",
        "index-file",
        "no-quote-chars",
        "quote-chars",
        "quoting-style",
        "warning",
    ],
    long_opt: &[
        "occurrence",
        "one-top-level",
        "atime-preserve",
        "backup",
        "checkpoint",
        "totals",
    ],
    long_flag: &[
        "catenate",
        "concatenate",
        "create",
        "delete",
        "diff",
        "compare",
        "append",
        "test-label",
        "list",
        "update",
        "extract",
        "get",
        "check-device",
        "incremental",
        "ignore-failed-read",
        "no-check-device",
        "no-seek",
        "seek",
        "sparse",
        "exclude-backups",
        "exclude-caches",
        "exclude-caches-all",
        "exclude-caches-under",
        "exclude-vcs",
        "exclude-vcs-ignores",
        "no-null",
        "no-recursion",
        "no-unquote",
        "no-verbatim-files-from",
        "null",
        "recursion",
        "unquote",
        "verbatim-files-from",
        "anchored",
        "ignore-case",
        "no-anchored",
        "no-ignore-case",
        "no-wildcards",
        "no-wildcards-match-slash",
        "wildcards",
        "wildcards-match-slash",
        "keep-directory-symlink",
        "keep-newer-files",
        "keep-old-files",
        "no-overwrite-dir",
        "overwrite",
        "overwrite-dir",
        "recursive-unlink",
        "remove-files",
        "skip-old-files",
        "unlink-first",
        "verify",
        "ignore-command-error",
        "no-ignore-command-error",
        "to-stdout",
        "clamp-mtime",
        "delay-directory-restore",
        "touch",
        "no-delay-directory-restore",
        "no-same-owner",
        "no-same-permissions",
        "numeric-owner",
        "preserve-permissions",
        "same-permissions",
        "same-owner",
        "preserve-order",
        "same-order",
        "acls",
        "no-acls",
        "no-selinux",
        "no-xattrs",
        "selinux",
        "xattrs",
        "force-local",
        "multi-volume",
        "read-full-records",
        "ignore-zeros",
        "old-archive",
        "portability",
        "posix",
        "auto-compress",
        "bzip2",
        "xz",
        "lzip",
        "lzma",
        "lzop",
        "no-auto-compress",
        "zstd",
        "gzip",
        "gunzip",
        "ungzip",
        "compress",
        "uncompress",
        "hard-dereference",
        "dereference",
        "one-file-system",
        "absolute-names",
        "full-time",
        "check-links",
        "block-number",
        "show-defaults",
        "show-omitted-dirs",
        "show-snapshot-field-ranges",
        "show-transformed-names",
        "show-stored-names",
        "utc",
        "verbose",
        "interactive",
        "confirmation",
        "help",
        "restrict",
        "usage",
        "version",
    ],
    // `tar xzf a.tgz`: the first word is a bundle of letters (tar's old style).
    old_style: true,
    ..GNU
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Extract,
    Create,
    Append,
    List,
    Diff,
    TestLabel,
}

/// `-C` semantics: an absolute directory replaces, a relative one is taken from the current one.
pub(super) fn join_dir(cur: &str, dir: &str) -> String {
    if dir.starts_with('/') || cur == "." {
        dir.to_string()
    } else {
        format!("{}/{}", cur.trim_end_matches('/'), dir)
    }
}

/// `host:path` archives are remote for GNU tar (unless `--force-local`): a colon after at least
/// one character and before any slash (tar's `_remdev`).
fn is_remote_archive(name: &str) -> bool {
    match name.find(':') {
        Some(0) | None => false,
        Some(colon) => !name[..colon].contains('/'),
    }
}

/// An option as the user may have written it: `-I` for a letter, `--name` for a long name.
fn spelled(name: &str) -> String {
    if name.chars().count() == 1 {
        format!("-{name}")
    } else {
        format!("--{name}")
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("tar: {e}")),
    };
    let mut mode: Option<Mode> = None;
    let mut dir = ".".to_string();
    let mut archives: Vec<String> = Vec::new();
    // (member, directory in effect when it appeared)
    let mut members: Vec<(String, String)> = Vec::new();
    let mut to_stdout = false;
    let mut to_command = None;
    let mut rsh_command = None;
    let mut force_local = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(m) => {
                members.push((m, dir.clone()));
                continue;
            }
            Arg::Opt(n, v) => (n, v),
        };
        let v = value.unwrap_or_default();
        let set_mode = match name.as_str() {
            "x" | "extract" | "get" => Some(Mode::Extract),
            "c" | "create" => Some(Mode::Create),
            "r" | "append" | "u" | "update" | "A" | "catenate" | "concatenate" | "delete" => {
                if name == "delete" {
                    op.flag("delete_members");
                }
                Some(Mode::Append)
            }
            "t" | "list" => Some(Mode::List),
            "d" | "diff" | "compare" => Some(Mode::Diff),
            "test-label" => Some(Mode::TestLabel),
            _ => None,
        };
        if let Some(m) = set_mode {
            if mode.is_some_and(|old| old != m) || (mode.is_some() && name == "delete") {
                return op.opaque(
                    "tar: You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option",
                );
            }
            mode = Some(m);
            continue;
        }
        match name.as_str() {
            "help" | "?" | "usage" | "version" | "show-defaults" => {
                op.kind = Kind::Read;
                op.targets.clear();
                op.sources.clear();
                return;
            }
            "C" | "directory" => dir = join_dir(&dir, &v),
            "f" | "file" => archives.push(v),
            "z" | "gzip" | "gunzip" | "ungzip" => op.opt("compression", "gzip"),
            "j" | "bzip2" => op.opt("compression", "bzip2"),
            "J" | "xz" => op.opt("compression", "xz"),
            "lzma" => op.opt("compression", "lzma"),
            "lzip" => op.opt("compression", "lzip"),
            "lzop" => op.opt("compression", "lzop"),
            "zstd" => op.opt("compression", "zstd"),
            "Z" | "compress" | "uncompress" => op.opt("compression", "compress"),
            "a" | "auto-compress" => op.opt("compression", "auto"),
            "I" | "use-compress-program" => {
                op.opt("compression", &v);
                op.runs_code(format!(
                    "`{}` runs `{v}` to compress or decompress the archive",
                    spelled(&name)
                ));
            }
            "checkpoint-action" if v.starts_with("exec=") => op.runs_code(format!(
                "`--checkpoint-action=exec` runs `{}` at every checkpoint",
                &v[5..]
            )),
            "F" | "info-script" | "new-volume-script" => op.runs_code(format!(
                "`{}` runs `{v}` at the end of each volume",
                spelled(&name)
            )),
            "rsh-command" => rsh_command = Some(v),
            "strip-components" => op.opt("strip_components", &v),
            "O" | "to-stdout" => to_stdout = true,
            "to-command" => to_command = Some(v),
            "overwrite" => op.flag("overwrite"),
            "overwrite-dir" => op.flag("overwrite_dir"),
            "k" | "keep-old-files" => op.flag("keep_old_files"),
            "skip-old-files" => op.flag("skip_old_files"),
            "keep-newer-files" => op.flag("keep_newer_files"),
            "U" | "unlink-first" => op.flag("unlink_first"),
            "recursive-unlink" => op.flag("recursive_unlink"),
            "remove-files" => op.flag("remove_files"),
            "P" | "absolute-names" => op.flag("absolute_names"),
            "S" | "sparse" => op.flag("sparse"),
            "one-file-system" => op.flag("one_file_system"),
            "force-local" => force_local = true,
            "one-top-level" => {
                op.flag("one_top_level");
                if !v.is_empty() {
                    op.opt("one_top_level", &v);
                }
            }
            "transform" | "xform" => op.flag("transform"),
            "T" | "files-from" => op.opt("files_from", &v),
            "X" | "exclude-from" => op.opt("exclude_from", &v),
            "exclude" => match op.options.get_mut("exclude") {
                Some(e) => {
                    e.push('\n');
                    e.push_str(&v)
                }
                None => op.opt("exclude", &v),
            },
            "backup" => op.flag("backup"),
            "w" | "interactive" | "confirmation" => op.flag("interactive"),
            "M" | "multi-volume" => op.flag("multi_volume"),
            "g" | "listed-incremental" => op.opt("listed_incremental", &v),
            "G" | "incremental" => op.flag("incremental"),
            _ => {}
        }
    }
    let Some(mode) = mode else {
        return op.opaque(
            "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
        );
    };
    let archive = match archives.last() {
        Some(a) => a.clone(),
        None => {
            // GNU tar then reads $TAPE, else standard input (`--show-defaults`: `-f-`).
            op.flag("default_archive");
            "-".to_string()
        }
    };
    op.opt("archive", &archive);
    let to_stdio = archive == "-";
    if !force_local {
        if let Some(remote) = archives.iter().find(|a| is_remote_archive(a)) {
            op.flag("remote_archive");
            let via = match &rsh_command {
                Some(c) => format!("`--rsh-command` runs `{c}`"),
                None => "tar runs `rsh`".to_string(),
            };
            op.runs_code(format!(
                "archive `{remote}` is on another host: {via} to reach it and `rmt` there (`--force-local` if it is a local file)"
            ));
        }
    }
    if !members.is_empty() {
        let names: Vec<&str> = members.iter().map(|(m, _)| m.as_str()).collect();
        op.opt("members", &names.join("\n"));
        let dirs: Vec<&str> = members.iter().map(|(_, d)| d.as_str()).collect();
        op.opt("member_dirs", &dirs.join("\n"));
    }
    let subcommand = match mode {
        Mode::Extract => "extract",
        Mode::Create => "create",
        Mode::Append => "update",
        Mode::List => "list",
        Mode::Diff => "diff",
        Mode::TestLabel => "test-label",
    };
    op.opt("subcommand", subcommand);
    match mode {
        Mode::Extract => {
            op.sources = archives.into_iter().filter(|a| a != "-").collect();
            if to_stdout || to_command.is_some() {
                if let Some(c) = to_command {
                    op.flag("to_command");
                    op.opt("to_command", &c);
                    op.runs_code(format!("`--to-command` runs `{c}` for every member"));
                }
                op.kind = Kind::Read;
                return;
            }
            op.kind = Kind::Restore;
            if members.is_empty() {
                op.targets.push(dir);
            } else {
                for (_, d) in members {
                    if !op.targets.contains(&d) {
                        op.targets.push(d);
                    }
                }
            }
        }
        Mode::Create => {
            op.sources = members.into_iter().map(|(m, d)| join_dir(&d, &m)).collect();
            if to_stdio {
                op.kind = Kind::Read;
            } else {
                op.kind = Kind::Overwrite;
                op.targets = archives.into_iter().filter(|a| a != "-").collect();
            }
        }
        Mode::Append => {
            op.sources = members.into_iter().map(|(m, d)| join_dir(&d, &m)).collect();
            if to_stdio {
                // GNU tar refuses to update an archive on standard input/output.
                op.kind = Kind::Read;
            } else {
                op.kind = Kind::Overwrite;
                op.targets = archives.into_iter().filter(|a| a != "-").collect();
            }
        }
        Mode::List | Mode::Diff | Mode::TestLabel => {
            op.kind = Kind::Read;
            op.sources = archives.into_iter().filter(|a| a != "-").collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn extract_in_every_style() {
        for line in [
            "tar xzf a.tgz -C /d",
            "tar xzfC a.tgz /d",
            "tar xCzf /d a.tgz",
            "tar -xzf a.tgz -C /d",
            "tar -x -z -f a.tgz -C /d",
            "tar -xzfa.tgz -C/d",
            "tar -C /d -xzf a.tgz",
            "tar -xz -C /d -f a.tgz",
            "tar --extract --gzip --file=a.tgz --directory=/d",
            "tar --extract --gzip --file a.tgz --directory /d",
            "tar --extr --gun --file=a.tgz --dir=/d",
            "tar --get -z --file=a.tgz -C /d",
            "tar -f a.tgz -C /d -xz",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}: {:?}", op.note);
            assert_eq!(op.sources, vec!["a.tgz"], "{line}");
            assert_eq!(op.targets, vec!["/d"], "{line}");
            assert_eq!(op.option("compression"), Some("gzip"), "{line}");
            assert_eq!(op.option("archive"), Some("a.tgz"), "{line}");
            assert_eq!(op.option("subcommand"), Some("extract"), "{line}");
        }
    }

    #[test]
    fn extract_without_directory_is_cwd() {
        for line in [
            "tar xf a.tar",
            "tar -xf a.tar",
            "tar --extract -f a.tar",
            "tar xvf a.tar",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Restore, "{line}");
            assert_eq!(op.targets, vec!["."], "{line}");
        }
    }

    #[test]
    fn missing_file_means_stdin() {
        let op = parse_str("tar -xz -C /srv");
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.option("archive"), Some("-"));
        assert!(op.sources.is_empty());
        assert_eq!(op.targets, vec!["/srv"]);
        assert!(op.has("default_archive"), "tar reads $TAPE then");
        let op = parse_str("tar -xf - -C /srv");
        assert_eq!(op.option("archive"), Some("-"));
        assert!(op.sources.is_empty());
        assert!(!op.has("default_archive"));
    }

    #[test]
    fn directory_is_positional() {
        // Each member lands where the -C in effect before it points.
        let op = parse_str("tar -xf a.tar -C d1 m1 -C ../d2 m2");
        assert_eq!(op.targets, vec!["d1", "d1/../d2"]);
        assert_eq!(op.option("members"), Some("m1\nm2"));
        assert_eq!(op.option("member_dirs"), Some("d1\nd1/../d2"));
        let op = parse_str("tar -xf a.tar -C d1 m1 m2 -C /d2 m3");
        assert_eq!(op.option("member_dirs"), Some("d1\nd1\n/d2"));
        // A trailing -C after the last member applies to nothing.
        let op = parse_str("tar -xf a.tar m1 -C d1");
        assert_eq!(op.targets, vec!["."]);
        let op = parse_str("tar -xf a.tar -C d1 m1 m2 -C /x");
        assert_eq!(op.targets, vec!["d1"]);
        // Without members the last -C wins, relative ones chain.
        let op = parse_str("tar -xf a.tar -C d1 -C ../d2");
        assert_eq!(op.targets, vec!["d1/../d2"]);
        let op = parse_str("tar -xf a.tar -C d1 -C /abs");
        assert_eq!(op.targets, vec!["/abs"]);
        let op = parse_str("tar -C /srv/ -C www -xf a.tar");
        assert_eq!(op.targets, vec!["/srv/www"]);
    }

    #[test]
    fn old_style_letters_take_values_in_order() {
        let op = parse_str("tar xfC a.tar /d");
        assert_eq!(op.sources, vec!["a.tar"]);
        assert_eq!(op.targets, vec!["/d"]);
        let op = parse_str("tar xCf /d a.tar m1");
        assert_eq!(op.sources, vec!["a.tar"]);
        assert_eq!(op.targets, vec!["/d"]);
        assert_eq!(op.option("members"), Some("m1"));
        let op = parse_str("tar xf");
        assert_eq!(op.kind, Kind::Opaque);
        assert!(op
            .note
            .as_deref()
            .unwrap_or("")
            .contains("requires an argument"));
    }

    #[test]
    fn old_style_then_more_options() {
        let op = parse_str("tar xvf a.tar --strip-components=2 -C /opt app/");
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["/opt"]);
        assert_eq!(op.option("strip_components"), Some("2"));
        assert_eq!(op.option("members"), Some("app/"));
    }

    #[test]
    fn compression_spellings() {
        for (line, c) in [
            ("tar xjf a.tbz", "bzip2"),
            ("tar -xJf a.txz", "xz"),
            ("tar --zstd -xf a.tzst", "zstd"),
            ("tar -xaf a.tar.xz", "auto"),
            ("tar --xz -xf a", "xz"),
            ("tar --bzip2 -xf a", "bzip2"),
            ("tar --lzma -xf a", "lzma"),
            ("tar -xZf a.Z", "compress"),
            ("tar -I pigz -xf a", "pigz"),
            ("tar --use-compress-program='zstd -d' -xf a", "zstd -d"),
            ("tar --gzip -xf a", "gzip"),
        ] {
            assert_eq!(
                parse_str(line)
                    .option("compression")
                    .map(str::to_string)
                    .as_deref(),
                Some(c),
                "{line}"
            );
        }
    }

    #[test]
    fn one_top_level_with_and_without_a_name() {
        let op = parse_str("tar -xf a.tar.gz --one-top-level -C /d");
        assert!(op.has("one_top_level"));
        assert_eq!(op.option("one_top_level"), None);
        assert_eq!(op.targets, vec!["/d"]);
        let op = parse_str("tar -xf a.tar --one-top-level=top");
        assert!(op.has("one_top_level"));
        assert_eq!(op.option("one_top_level"), Some("top"));
    }

    #[test]
    fn extraction_flags() {
        let op = parse_str("tar -xkUf a.tar --overwrite --skip-old-files --recursive-unlink");
        for f in [
            "keep_old_files",
            "unlink_first",
            "overwrite",
            "skip_old_files",
            "recursive_unlink",
        ] {
            assert!(op.has(f), "{f}");
        }
        assert!(parse_str("tar --keep-old-files -xf a").has("keep_old_files"));
        assert!(parse_str("tar --unlink-first -xf a").has("unlink_first"));
        assert!(parse_str("tar -xPf a").has("absolute_names"));
    }

    #[test]
    fn to_stdout_is_read() {
        for line in [
            "tar -xOf a.tar m",
            "tar xOf a.tar",
            "tar --to-stdout -xf a.tar",
            "tar -xf a.tar --to-command=cat",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn create_writes_the_archive() {
        let op = parse_str("tar -czf /backup/etc.tgz -C / etc var/lib");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["/backup/etc.tgz"]);
        assert_eq!(op.sources, vec!["/etc", "/var/lib"]);
        let op = parse_str("tar cf out.tar src");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["out.tar"]);
        assert_eq!(op.sources, vec!["src"]);
        let op = parse_str("tar --create --file=out.tar --remove-files src");
        assert!(op.has("remove_files"));
        // Issue 10's table: the removed sources as paths, `-C` taken in.
        let op = parse_str("tar -cf x.tar --remove-files /etc");
        assert!(op.has("remove_files"));
        assert_eq!(op.sources, vec!["/etc"]);
        let op = parse_str("tar -C / -cf x.tar --remove-files usr");
        assert!(op.has("remove_files"));
        assert_eq!(op.sources, vec!["/usr"]);
        // To standard output: nothing on disk is written.
        let op = parse_str("tar czf - /etc");
        assert_eq!(op.kind, Kind::Read);
        assert_eq!(op.option("archive"), Some("-"));
        assert_eq!(parse_str("tar -c /etc").kind, Kind::Read);
    }

    #[test]
    fn update_modes_rewrite_the_archive() {
        for line in [
            "tar -rf a.tar x",
            "tar uf a.tar x",
            "tar --delete -f a.tar x",
            "tar -Af a.tar b.tar",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}");
            assert_eq!(op.targets, vec!["a.tar"], "{line}");
        }
    }

    #[test]
    fn listing_is_read() {
        for line in [
            "tar tf a.tar",
            "tar -tvzf a.tar",
            "tar --list --file=a.tar",
            "tar -df a.tar",
            "tar --compare -f a.tar",
            "tar --test-label -f a.tar",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert_eq!(op.sources, vec!["a.tar"], "{line}");
            assert!(op.targets.is_empty());
        }
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "tar -xtf a.tar",
            "tar -f a.tar",
            "tar -xqf a",
            "tar --bogus -xf a",
            "tar --ex -f a",
            "tar -x -f",
            "tar --fil=a -x",
            "tar --preserve -xf a",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        assert_eq!(parse_str("tar -x --extract -f a").kind, Kind::Restore);
    }

    #[test]
    fn help_and_version() {
        for line in [
            "tar --help",
            "tar --version",
            "tar -?",
            "tar --usage",
            "tar --show-defaults",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.targets.is_empty());
        }
    }

    #[test]
    fn remote_archives() {
        assert!(parse_str("tar -xf host:/a.tar").has("remote_archive"));
        assert!(!parse_str("tar -xf ./a:b.tar").has("remote_archive"));
        assert!(!parse_str("tar --force-local -xf c:a.tar").has("remote_archive"));
    }

    #[test]
    fn options_that_run_code() {
        for (line, says) in [
            (
                "tar -xf a.tar --to-command=cat",
                "`--to-command` runs `cat` for every member",
            ),
            (
                "tar -xf a.tar --to-command cat",
                "`--to-command` runs `cat`",
            ),
            ("tar -x --to-c=cat -f a.tar", "`--to-command` runs `cat`"),
            (
                "tar -xf a.tar --to-command='sh -c \"rm -rf /\"'",
                "runs `sh -c \"rm -rf /\"`",
            ),
            (
                "tar -I pigz -xf a.tar",
                "`-I` runs `pigz` to compress or decompress",
            ),
            ("tar -xIpigz -f a.tar", "`-I` runs `pigz`"),
            ("tar -xI pigz -f a.tar", "`-I` runs `pigz`"),
            ("tar xIf pigz a.tar", "`-I` runs `pigz`"),
            (
                "tar --use-compress-program=pigz -xf a.tar",
                "`--use-compress-program` runs `pigz`",
            ),
            (
                "tar --use-compress-program pigz -xf a.tar",
                "`--use-compress-program` runs `pigz`",
            ),
            ("tar --use-comp='zstd -d' -tf a.tar", "runs `zstd -d`"),
            ("tar -I zstd -cf a.tzst src", "`-I` runs `zstd`"),
            (
                "tar -xf a.tar --checkpoint-action=exec=/bin/x",
                "`--checkpoint-action=exec` runs `/bin/x`",
            ),
            (
                "tar -xf a.tar --checkpoint-action exec='kill 1'",
                "runs `kill 1` at every checkpoint",
            ),
            (
                "tar -xf a.tar --checkpoint-a=exec=x",
                "runs `x` at every checkpoint",
            ),
            (
                "tar -xf a.tar -F s.sh",
                "`-F` runs `s.sh` at the end of each volume",
            ),
            ("tar -xFs.sh -f a.tar", "`-F` runs `s.sh`"),
            ("tar xFf s.sh a.tar", "`-F` runs `s.sh`"),
            (
                "tar -xf a.tar --info-script=s.sh",
                "`--info-script` runs `s.sh`",
            ),
            (
                "tar -xf a.tar --new-volume-script s.sh",
                "`--new-volume-script` runs `s.sh`",
            ),
            ("tar -xf a.tar --info=s.sh", "`--info-script` runs `s.sh`"),
            (
                "tar -xf host:/a.tar",
                "archive `host:/a.tar` is on another host: tar runs `rsh`",
            ),
            (
                "tar xf backup@host:a.tar",
                "archive `backup@host:a.tar` is on another host",
            ),
            (
                "tar -cf host:a.tar src",
                "archive `host:a.tar` is on another host",
            ),
            (
                "tar -xf h:a.tar --rsh-command=/usr/bin/ssh",
                "`--rsh-command` runs `/usr/bin/ssh` to reach it",
            ),
            (
                "tar -x --rsh /usr/bin/ssh -f h:a.tar",
                "`--rsh-command` runs `/usr/bin/ssh`",
            ),
        ] {
            let op = parse_str(line);
            assert!(op.has("runs_code"), "{line}: {op:?}");
            let note = op.note.as_deref().unwrap_or("");
            assert!(note.contains(says), "{line}: {note}");
            assert_ne!(op.kind, Kind::Opaque, "{line}");
        }
    }

    #[test]
    fn running_code_keeps_what_tar_does_to_its_paths() {
        let op = parse_str("tar -I pigz -xf a.tgz -C /srv");
        assert_eq!(op.kind, Kind::Restore);
        assert_eq!(op.targets, vec!["/srv"]);
        assert_eq!(op.sources, vec!["a.tgz"]);
        let op = parse_str("tar -cf out.tar --checkpoint-action=exec=x --remove-files src");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["out.tar"]);
        assert!(op.has("remove_files") && op.has("runs_code"));
        // Two such options: both are named.
        let op = parse_str("tar -I pigz -xf a.tgz --to-command=cat");
        let note = op.note.unwrap_or_default();
        assert!(note.contains("`-I` runs `pigz`") && note.contains("`--to-command` runs `cat`"));
    }

    #[test]
    fn options_that_run_nothing() {
        for line in [
            "tar -xf a.tar --checkpoint-action=dot",
            "tar -xf a.tar --checkpoint-action=echo=exec=x",
            "tar -xf a.tar --checkpoint-action=ttyout=exec",
            "tar -xf a.tar --checkpoint=10",
            "tar -xf ./a:b.tar",
            "tar -xf /srv/a:b.tar",
            "tar -xf :a.tar",
            "tar --force-local -xf c:a.tar",
            "tar -xf a.tar --rsh-command=/usr/bin/ssh",
            "tar -xf a.tar -- --to-command=x",
            "tar -xzf a.tgz",
            "tar -cf a.tar --to-command=x src",
        ] {
            let op = parse_str(line);
            assert!(!op.has("runs_code"), "{line}: {:?}", op.note);
            assert_ne!(op.kind, Kind::Opaque, "{line}: {:?}", op.note);
        }
    }

    #[test]
    fn double_dash_members() {
        let op = parse_str("tar -xf a.tar -C /d -- -odd");
        assert_eq!(op.option("members"), Some("-odd"));
        assert_eq!(op.targets, vec!["/d"]);
    }

    /// Checks the reading of `-C` against GNU tar itself: extract into a scratch directory and
    /// see where the members land.
    #[test]
    fn agrees_with_gnu_tar() {
        use std::process::Command;
        if Command::new("tar").arg("--version").output().is_err() {
            eprintln!("SKIP agrees_with_gnu_tar: tar not installed");
            return;
        }
        let base = std::env::temp_dir().join(format!("safeop-tar-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("src")).expect("mkdir");
        std::fs::write(base.join("src/m1"), "1").expect("write");
        std::fs::write(base.join("src/m2"), "2").expect("write");
        let st = Command::new("tar")
            .current_dir(&base)
            .args(["-cf", "a.tar", "-C", "src", "m1", "m2"])
            .status()
            .expect("tar -c");
        assert!(st.success());
        for line in [
            "tar xfC a.tar d1",
            "tar -C d1 -xf a.tar",
            "tar -xf a.tar m1 -C d1",
            "tar -xf a.tar -C d1 m1 -C ../d2 m2",
            "tar -xf a.tar -C d1 -C ../d2",
            "tar --extract --file=a.tar --dir=d2",
        ] {
            for d in ["d1", "d2"] {
                let _ = std::fs::remove_dir_all(base.join(d));
                std::fs::create_dir_all(base.join(d)).expect("mkdir");
            }
            let _ = std::fs::remove_file(base.join("m1"));
            let _ = std::fs::remove_file(base.join("m2"));
            let op = parse_str(line);
            let argv = shell_words::split(line).expect("split");
            let st = Command::new(&argv[0])
                .args(&argv[1..])
                .current_dir(&base)
                .status()
                .expect("tar -x");
            assert!(st.success(), "{line}");
            let mut landed: Vec<String> = Vec::new();
            for d in [".", "d1", "d2"] {
                for m in ["m1", "m2"] {
                    if base.join(d).join(m).is_file() {
                        landed.push(d.to_string());
                    }
                }
            }
            landed.dedup();
            let predicted: Vec<String> = op
                .targets
                .iter()
                .map(|t| {
                    if t == "d1/../d2" {
                        "d2".to_string()
                    } else {
                        t.clone()
                    }
                })
                .collect();
            assert_eq!(landed, predicted, "{line}");
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
