//! Tests of `shell::unset`: what words become when their variables are empty.
#![cfg(test)]

use super::*;
use crate::shell;

/// The info of word `n` of the last command whose program is `prog`.
fn info(text: &str, prog: &str, n: usize) -> WordInfo {
    let s = shell::commands(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let all = annotate(&s, text);
    let i = s
        .commands
        .iter()
        .rposition(|f| f.program() == Some(prog))
        .expect("the command is there");
    all[i][n].clone()
}

fn if_empty(text: &str) -> Option<String> {
    info(text, "rm", 2).if_empty
}

#[test]
fn the_steam_line_is_root_when_its_variable_is_empty() {
    let i = info("rm -rf \"$STEAMROOT/\"*", "rm", 2);
    assert_eq!(i.if_empty.as_deref(), Some("/*"));
    assert_eq!(i.empty_vars, ["$STEAMROOT"]);
    assert!(i.glob && i.from_variable);
    assert_eq!(if_empty("rm -rf $DIR/").as_deref(), Some("/"));
    assert_eq!(if_empty("rm -rf \"${DIR}\"/etc/").as_deref(), Some("/etc"));
    assert_eq!(if_empty("rm -rf \"$A/$B/\"").as_deref(), Some("/"));
    assert_eq!(if_empty("rm -rf \"$1/\"*").as_deref(), Some("/*"));
    assert_eq!(
        if_empty("rm -rf \"$(git rev-parse --show-toplevel)/\"*").as_deref(),
        Some("/*")
    );
    assert_eq!(
        if_empty("rm -rf \"$TMPDIR/build\"").as_deref(),
        Some("/build")
    );
}

#[test]
fn what_rules_the_empty_value_out() {
    for text in [
        "rm -rf \"${DIR:?}/\"*",
        ": \"${DIR:?set DIR}\"\nrm -rf \"$DIR/\"*",
        "set -u\nrm -rf \"$DIR/\"*",
        "set -euo pipefail\nrm -rf \"$DIR/\"*",
        "set -o errexit -o nounset\nrm -rf \"$DIR/\"*",
        "#!/bin/bash -eu\nrm -rf \"$DIR/\"*",
        "DIR=/srv/app\nrm -rf \"$DIR/\"*",
        "export DIR=/srv/app\nrm -rf \"$DIR/\"*",
        "for DIR in /srv/a /srv/b; do rm -rf \"$DIR/\"*; done",
        "for DIR in $(ls -d /srv/*); do rm -rf \"$DIR/\"*; done",
        "DIR=\"$BASE/app\"\nrm -rf \"$DIR/\"*",
    ] {
        assert_eq!(if_empty(text), None, "{text}");
    }
    assert_eq!(
        info("rm -rf \"${TMPDIR:-/tmp}/x\"", "rm", 2)
            .known
            .as_deref(),
        Some("/tmp/x")
    );
    assert_eq!(
        info("DIR=/srv/app\nrm -rf \"$DIR/\"*", "rm", 2)
            .known
            .as_deref(),
        Some("/srv/app/*")
    );
    // `DIR="$BASE/app"`: at worst `/app`, so the delete is at worst `/app/*`, not `/*`.
    assert_eq!(
        info("DIR=\"$BASE/app\"\nrm -rf \"$DIR/\"*", "rm", 2).known,
        None
    );
}

#[test]
fn what_does_not() {
    for (text, want) in [
        // set but empty: `set -u` does not help
        ("set -u\nDIR=\nrm -rf \"$DIR/\"*", "/*"),
        ("set -u\nrm -rf \"$(cat /etc/app-dir)/\"*", "/*"),
        // the colon matters
        ("rm -rf \"${DIR-/srv}/\"*", "/*"),
        ("rm -rf \"${DIR?}/\"*", "/*"),
        // set only inside an `if`, or in a subshell: not after it
        ("if true; then DIR=/srv; fi\nrm -rf \"$DIR/\"*", "/*"),
        ("(DIR=/srv)\nrm -rf \"$DIR/\"*", "/*"),
        ("f() { set -u; }\nrm -rf \"$DIR/\"*", "/*"),
        // reset
        ("DIR=/srv\nunset DIR\nrm -rf \"$DIR/\"*", "/*"),
        ("DIR=/srv\nread DIR\nrm -rf \"$DIR/\"*", "/*"),
        ("set -u\nset +u\nrm -rf \"$DIR/\"*", "/*"),
        // assigned from a command: may be empty (Steam's `$(cd … && pwd)`)
        (
            "STEAMROOT=\"$(cd \"${0%/*}\" && echo $PWD)\"\nrm -rf \"$STEAMROOT/\"*",
            "/*",
        ),
        // a loop over words that may be empty
        ("for d in \"$A\"; do rm -rf \"$d/\"*; done", "/*"),
        ("for d; do rm -rf \"$d/\"*; done", "/*"),
    ] {
        assert_eq!(if_empty(text).as_deref(), Some(want), "{text}");
    }
    // inside the same `if`, the assignment counts
    assert_eq!(
        if_empty("if true; then DIR=/srv; rm -rf \"$DIR/\"*; fi"),
        None
    );
}

#[test]
fn globs_and_variables_as_the_shell_has_them() {
    let i = info("rm -rf /srv/*", "rm", 2);
    assert!(i.glob && !i.from_variable && i.if_empty.is_none());
    assert!(!info("rm -rf '/srv/*'", "rm", 2).glob);
    assert!(!info("rm -rf \"$DIR/*\"", "rm", 2).glob);
    assert!(info("rm -rf $DIR/*", "rm", 2).glob);
    assert!(!info("rm -rf /srv/a", "rm", 2).glob);
    let dd = info("dd if=/dev/zero of=$DEV", "dd", 2);
    assert!(dd.from_variable && !dd.glob);
    assert_eq!(dd.if_empty.as_deref(), Some("of="));
    assert!(!info("rm -rf \"/tmp/x.$$\"", "rm", 2).glob);
    assert_eq!(info("rm -rf \"/tmp/x.$$\"", "rm", 2).if_empty, None);
}

#[test]
fn squeezing() {
    assert_eq!(squeeze("//srv///x/"), "/srv/x");
    assert_eq!(squeeze("/"), "/");
    assert_eq!(squeeze("//"), "/");
    assert_eq!(squeeze(""), "");
}

#[test]
fn scanning_never_panics_on_broken_text() {
    for s in [
        "${", "$(", "\"", "'", "`", "${#}", "${!}", "$", "\\", "${a:-${b", "$((1+",
    ] {
        let _ = scan(s);
    }
}
