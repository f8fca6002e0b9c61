//! The reader itself, table entry by table entry (the parsers' tests show it per tool).
//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use super::*;

fn words(line: &str) -> Vec<String> {
    shell_words::split(line).expect("test line splits")
}

fn o(name: &str, value: Option<&str>) -> Arg {
    Arg::Opt(name.to_string(), value.map(str::to_string))
}

fn p(s: &str) -> Arg {
    Arg::Operand(s.to_string())
}

/// A tar-like table: `-C DIR`, flags `rfv`, `--directory=DIR`, `--dry-run`, `--dir-mode` …
const T: Getopt = Getopt {
    short_arg: "Cf",
    short_flag: "rfvx",
    long_arg: &["directory", "dir-mode", "file"],
    long_opt: &["preserve-root", "color"],
    long_flag: &["dry-run", "recursive", "force", "verbose"],
    ..GNU
};

fn read_t(line: &str) -> Result<Vec<Arg>, String> {
    T.parse(&words(line))
}

#[test]
fn bundles_split_into_letters() {
    assert_eq!(
        read_t("-rxv a").unwrap(),
        [o("r", None), o("x", None), o("v", None), p("a")]
    );
    // A value letter ends the bundle and takes the rest of the word.
    assert_eq!(
        read_t("-vCdir").unwrap(),
        [o("v", None), o("C", Some("dir"))]
    );
    assert_eq!(
        read_t("-vC dir").unwrap(),
        [o("v", None), o("C", Some("dir"))]
    );
    // Getopt keeps an `=` after a short letter: `-C=d` is the directory `=d`.
    assert_eq!(read_t("-C=d").unwrap(), [o("C", Some("=d"))]);
    // The value may look like an option.
    assert_eq!(read_t("-C -r").unwrap(), [o("C", Some("-r"))]);
}

#[test]
fn short_values_attached_and_separate() {
    for line in ["-C DIR", "-CDIR"] {
        assert_eq!(read_t(line).unwrap(), [o("C", Some("DIR"))], "{line}");
    }
    assert_eq!(
        read_t("-C").unwrap_err(),
        "option requires an argument -- 'C'"
    );
    assert_eq!(read_t("-q").unwrap_err(), "invalid option -- 'q'");
    assert_eq!(read_t("-rq").unwrap_err(), "invalid option -- 'q'");
}

#[test]
fn long_values_with_equals_and_separate() {
    for line in ["--directory=D", "--directory D", "--dire D", "--direc=D"] {
        assert_eq!(read_t(line).unwrap(), [o("directory", Some("D"))], "{line}");
    }
    // An empty value is a value.
    assert_eq!(read_t("--directory=").unwrap(), [o("directory", Some(""))]);
    assert_eq!(
        read_t("--directory").unwrap_err(),
        "option '--directory' requires an argument"
    );
    assert_eq!(
        read_t("--dry-run=yes").unwrap_err(),
        "option '--dry-run' doesn't allow an argument"
    );
    assert_eq!(
        read_t("--bogus").unwrap_err(),
        "unrecognized option '--bogus'"
    );
    assert_eq!(
        read_t("--bogus=1").unwrap_err(),
        "unrecognized option '--bogus=1'"
    );
}

#[test]
fn prefixes_and_ambiguity() {
    assert_eq!(read_t("--dry").unwrap(), [o("dry-run", None)]);
    assert_eq!(read_t("--rec").unwrap(), [o("recursive", None)]);
    assert_eq!(
        read_t("--pres=all").unwrap(),
        [o("preserve-root", Some("all"))]
    );
    // An exact name wins over the longer names it begins.
    const E: Getopt = Getopt {
        long_flag: &["list", "list-free", "list-types"],
        ..GNU
    };
    assert_eq!(E.parse(&words("--list")).unwrap(), [o("list", None)]);
    assert_eq!(E.parse(&words("--list-f")).unwrap(), [o("list-free", None)]);
    assert_eq!(
        E.parse(&words("--list-")).unwrap_err(),
        "option '--list-' is ambiguous; possibilities: '--list-free' '--list-types'"
    );
    assert_eq!(
        read_t("--d x").unwrap_err(),
        "option '--d' is ambiguous; possibilities: '--directory' '--dir-mode' '--dry-run'"
    );
    // Without abbreviations (popt, pflag) a prefix is an unknown option.
    let strict = Getopt {
        long_flag: &["dry-run"],
        ..POPT
    };
    assert_eq!(
        strict.parse(&words("--dry")).unwrap_err(),
        "--dry: unknown option"
    );
}

#[test]
fn double_dash_ends_options() {
    assert_eq!(
        read_t("-r -- -v --dry-run").unwrap(),
        [o("r", None), p("-v"), p("--dry-run")]
    );
    // `-` alone is an operand, and `--` a second time too.
    assert_eq!(read_t("- -- --").unwrap(), [p("-"), p("--")]);
}

#[test]
fn permutation_and_stopping_at_the_first_operand() {
    assert_eq!(
        read_t("a -r b --dry-run").unwrap(),
        [p("a"), o("r", None), p("b"), o("dry-run", None)]
    );
    let posix = Getopt {
        permute: false,
        ..T
    };
    assert_eq!(
        posix.parse(&words("-r a -v --dry-run -- x")).unwrap(),
        [
            o("r", None),
            p("a"),
            p("-v"),
            p("--dry-run"),
            p("--"),
            p("x")
        ]
    );
    // What comes after the first operand is never read as options, so no error there.
    assert!(posix.parse(&words("a --bogus -q")).is_ok());
    let argv = words("-v rm -rf /");
    let mut r = Reader::new(std::slice::from_ref(&posix), &argv);
    assert_eq!(r.next(), Some(Ok(o("v", None))));
    assert_eq!(r.next(), Some(Ok(p("rm"))));
    assert_eq!(r.rest(), ["-rf", "/"]);
}

#[test]
fn optional_values() {
    const U: Getopt = Getopt {
        short_opt: "cL",
        short_flag: "l",
        long_opt: &["color"],
        ..GNU
    };
    // getopt's `c::`: attached or absent; a separate word is an operand.
    assert_eq!(U.parse(&words("-cdos")).unwrap(), [o("c", Some("dos"))]);
    assert_eq!(U.parse(&words("-c dos")).unwrap(), [o("c", None), p("dos")]);
    assert_eq!(
        U.parse(&words("-lLnever")).unwrap(),
        [o("l", None), o("L", Some("never"))]
    );
    assert_eq!(
        U.parse(&words("--color=auto")).unwrap(),
        [o("color", Some("auto"))]
    );
    assert_eq!(
        U.parse(&words("--color auto")).unwrap(),
        [o("color", None), p("auto")]
    );
    // pflag's count: the value only after `=`; otherwise the bundle goes on.
    let count = Getopt {
        short_opt: "v",
        short_flag: "q",
        ..PFLAG
    };
    assert_eq!(count.parse(&words("-v=2")).unwrap(), [o("v", Some("2"))]);
    assert_eq!(
        count.parse(&words("-vvq")).unwrap(),
        [o("v", None), o("v", None), o("q", None)]
    );
    // argparse's `nargs='?'`: the next word when it is no option.
    let arg = Getopt {
        long_opt: &["recompress"],
        long_flag: &["list"],
        ..ARGPARSE
    };
    assert_eq!(
        arg.parse(&words("--recompress always x")).unwrap(),
        [o("recompress", Some("always")), p("x")]
    );
    assert_eq!(
        arg.parse(&words("--recompress --list")).unwrap(),
        [o("recompress", None), o("list", None)]
    );
}

#[test]
fn pairs_report_the_long_name() {
    const R: Getopt = Getopt {
        short_arg: "e",
        short_flag: "aD",
        long_arg: &["rsh"],
        long_flag: &["archive"],
        pairs: &[('e', "rsh"), ('a', "archive")],
        ..POPT
    };
    assert_eq!(
        R.parse(&words("-aDessh")).unwrap(),
        [o("archive", None), o("D", None), o("rsh", Some("ssh"))]
    );
    // popt drops the `=` of a short value.
    assert_eq!(R.parse(&words("-e=ssh")).unwrap(), [o("rsh", Some("ssh"))]);
    assert_eq!(R.parse(&words("-Q")).unwrap_err(), "-Q: unknown option");
    assert_eq!(R.parse(&words("-aQ")).unwrap_err(), "-aQ: unknown option");
    assert_eq!(R.parse(&words("-e")).unwrap_err(), "-e: missing argument");
    assert_eq!(
        R.parse(&words("--archive=1")).unwrap_err(),
        "--archive=1: option does not take an argument"
    );
}

#[test]
fn negations_are_the_tables_own() {
    const R: Getopt = Getopt {
        short_flag: "rp",
        long_flag: &["recursive", "perms", "delete"],
        pairs: &[('r', "recursive"), ('p', "perms")],
        negatable: &["recursive", "r", "perms"],
        ..POPT
    };
    assert_eq!(
        R.parse(&words("--no-r --no-perms --no-recursive")).unwrap(),
        [
            o("no-recursive", None),
            o("no-perms", None),
            o("no-recursive", None)
        ]
    );
    // `--no-p` and `--no-delete` are not in the table's list: refused, as rsync refuses them.
    assert!(R.parse(&words("--no-p")).is_err());
    assert!(R.parse(&words("--no-delete")).is_err());
}

#[test]
fn pflag_booleans_and_equals() {
    const F: Getopt = Getopt {
        short_arg: "t",
        short_flag: "n",
        long_arg: &["target"],
        long_flag: &["dry-run"],
        pairs: &[('t', "target"), ('n', "dry-run")],
        ..PFLAG
    };
    assert_eq!(
        F.parse(&words("-t=/srv")).unwrap(),
        [o("target", Some("/srv"))]
    );
    assert_eq!(
        F.parse(&words("-t/srv")).unwrap(),
        [o("target", Some("/srv"))]
    );
    assert_eq!(
        F.parse(&words("--dry-run=true")).unwrap(),
        [o("dry-run", None)]
    );
    assert_eq!(
        F.parse(&words("--dry-run=false")).unwrap(),
        [o("no-dry-run", None)]
    );
    assert_eq!(
        F.parse(&words("-n=false")).unwrap(),
        [o("no-dry-run", None)]
    );
    assert_eq!(
        F.parse(&words("--dry-run=maybe")).unwrap_err(),
        "invalid argument \"maybe\" for \"-n, --dry-run\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
    );
    assert_eq!(F.parse(&words("--dry")).unwrap_err(), "unknown flag: --dry");
    assert_eq!(
        F.parse(&words("-nq")).unwrap_err(),
        "unknown shorthand flag: 'q' in -nq"
    );
    assert_eq!(
        F.parse(&words("--target")).unwrap_err(),
        "flag needs an argument: --target"
    );
    assert_eq!(
        F.parse(&words("-t")).unwrap_err(),
        "flag needs an argument: 't' in -t"
    );
}

#[test]
fn argparse_refuses_values_that_look_like_options() {
    const A: Getopt = Getopt {
        short_arg: "e",
        short_flag: "n",
        long_arg: &["exclude", "keep-daily"],
        long_flag: &["dry-run", "debug", "debug-topic"],
        pairs: &[('e', "exclude"), ('n', "dry-run")],
        ..ARGPARSE
    };
    assert_eq!(
        A.parse(&words("-e -x")).unwrap_err(),
        "argument -e/--exclude: expected one argument"
    );
    assert_eq!(
        A.parse(&words("-e=*.o")).unwrap(),
        [o("exclude", Some("*.o"))]
    );
    // A negative number may be a value.
    assert_eq!(
        A.parse(&words("--keep-daily -1")).unwrap(),
        [o("keep-daily", Some("-1"))]
    );
    assert_eq!(
        A.parse(&words("--de")).unwrap_err(),
        "ambiguous option: --de could match --debug, --debug-topic"
    );
    assert_eq!(
        A.parse(&words("-q")).unwrap_err(),
        "unrecognized arguments: -q"
    );
    assert_eq!(
        A.parse(&words("--dry-run=1")).unwrap_err(),
        "argument -n/--dry-run: ignored explicit argument '1'"
    );
}

#[test]
fn several_tables_and_a_command() {
    const G: Getopt = Getopt {
        short_arg: "r",
        short_flag: "v",
        long_arg: &["repo"],
        ..PFLAG
    };
    const C: Getopt = Getopt {
        short_flag: "n",
        long_flag: &["dry-run"],
        pairs: &[('n', "dry-run")],
        ..PFLAG
    };
    let argv = words("-r /r -v forget -n --repo /s x");
    let (before, cmd) = split_command(&[G], &argv).unwrap();
    assert_eq!(before, [o("r", Some("/r")), o("v", None)]);
    let (cmd, rest) = cmd.unwrap();
    assert_eq!(cmd, "forget");
    assert_eq!(
        read(&[G, C], rest).unwrap(),
        [o("dry-run", None), o("repo", Some("/s")), p("x")]
    );
    // The command's own options are not the global ones.
    assert!(split_command(&[G], &words("-n forget")).is_err());
    assert_eq!(split_command(&[G], &words("-v")).unwrap().1, None);
}

#[test]
fn unknown_options_may_stop_or_be_passed_over() {
    const STOP: Getopt = Getopt {
        short_arg: "t",
        short_flag: "V",
        permute: false,
        unknown: Unknown::Stop,
        ..GNU
    };
    assert_eq!(
        STOP.parse(&words("-V -t ext4 -F -q /dev/sdb")).unwrap(),
        [
            o("V", None),
            o("t", Some("ext4")),
            p("-F"),
            p("-q"),
            p("/dev/sdb")
        ]
    );
    assert_eq!(
        STOP.parse(&words("-VF x")).unwrap(),
        [o("V", None), p("-VF"), p("x")]
    );
    const SKIP: Getopt = Getopt {
        short_arg: "r",
        long_arg: &["repo"],
        unknown: Unknown::Skip,
        ..PFLAG
    };
    assert_eq!(
        SKIP.parse(&words("--exclude-caches -x --repo /r -qr/s a"))
            .unwrap(),
        [o("repo", Some("/r")), p("a")]
    );
}

#[test]
fn old_style_first_word() {
    const TAR: Getopt = Getopt {
        short_arg: "fC",
        short_flag: "xzv",
        long_flag: &["verbose"],
        old_style: true,
        ..GNU
    };
    assert_eq!(
        TAR.parse(&words("xzfC a.tgz d m --verbose")).unwrap(),
        [
            o("x", None),
            o("z", None),
            o("f", Some("a.tgz")),
            o("C", Some("d")),
            p("m"),
            o("verbose", None)
        ]
    );
    assert_eq!(
        TAR.parse(&words("xf")).unwrap_err(),
        "option requires an argument -- 'f'"
    );
    assert_eq!(
        TAR.parse(&words("xq")).unwrap_err(),
        "invalid option -- 'q'"
    );
    // Only the first word: later bundles are read the usual way.
    assert_eq!(TAR.parse(&words("-x m")).unwrap(), [o("x", None), p("m")]);
}

#[test]
fn digits_options() {
    const NICE: Getopt = Getopt {
        short_arg: "n",
        long_arg: &["adjustment"],
        digits: Some("adjustment"),
        ..POSIX
    };
    for (line, n) in [("-10 rm", "10"), ("--5 rm", "-5"), ("-+3 rm", "+3")] {
        assert_eq!(
            NICE.parse(&words(line)).unwrap(),
            [o("adjustment", Some(n)), p("rm")],
            "{line}"
        );
    }
    assert_eq!(
        NICE.parse(&words("-n 5 rm")).unwrap(),
        [o("n", Some("5")), p("rm")]
    );
}

#[test]
fn shell_options() {
    let sh = Getopt {
        short_arg: "oO",
        short_flag: "ceilx",
        long_arg: &["rcfile"],
        ..SHELL
    };
    // The value of `-o` is the next word even inside a bundle, and the bundle goes on.
    assert_eq!(
        sh.parse(&words("-cox posix 'rm -rf /'")).unwrap(),
        [
            o("c", None),
            o("o", Some("posix")),
            o("x", None),
            p("rm -rf /")
        ]
    );
    assert_eq!(
        sh.parse(&words("+e +o posix -c x")).unwrap(),
        [o("e", None), o("o", Some("posix")), o("c", None), p("x")]
    );
    assert_eq!(
        sh.parse(&words("--rcfile /dev/null -c x")).unwrap(),
        [o("rcfile", Some("/dev/null")), o("c", None), p("x")]
    );
    // `-` ends the options like `--`.
    assert_eq!(
        sh.parse(&words("-e - -c")).unwrap(),
        [o("e", None), p("-c")]
    );
}

#[test]
fn keep_records_flags_values_and_repeats() {
    const K: Getopt = Getopt {
        long_arg: &["exclude", "repo"],
        long_flag: &["dry-run", "no-motd"],
        repeated: &["exclude"],
        ..GNU
    };
    let mut op = Operation::new("t", Vec::new());
    keep(&[K], &mut op, "dry-run", None);
    keep(&[K], &mut op, "exclude", Some("a"));
    keep(&[K], &mut op, "exclude", Some("b"));
    keep(&[K], &mut op, "repo", Some("/r"));
    keep(&[K], &mut op, "repo", Some("/s"));
    keep(&[K], &mut op, "no-motd", None);
    assert!(op.has("dry_run") && op.has("no_motd"));
    assert_eq!(op.option("exclude"), Some("a\nb"));
    assert_eq!(op.option("repo"), Some("/s"));
    // A negation (not a name of the table) takes the flag back.
    keep(&[K], &mut op, "no-dry-run", None);
    assert!(!op.has("dry_run"));
}

#[test]
fn non_ascii_words_do_not_split_inside_a_letter() {
    assert_eq!(read_t("-Cé").unwrap(), [o("C", Some("é"))]);
    assert_eq!(read_t("-ré").unwrap_err(), "invalid option -- 'é'");
    assert_eq!(read_t("é -r").unwrap(), [p("é"), o("r", None)]);
}
