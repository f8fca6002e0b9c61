//! Facts about how a path was written in shell text: what the word becomes when its variables
//! are empty or unset, whether the shell expands a glob in it, whether a variable gives it.
//! Computed from the script's words alone ([`crate::shell::unset`]), never from the machine:
//! pure, so they hold the same with a facts snapshot of another host or with none.
//!
//! Only `safeop preflight` has shell words to give ([`Facts::set_shell_words`]); for `check` and
//! `run` the shell has expanded everything before safeop sees the argv, and these facts are
//! not applicable (`null`).

use super::{answer, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope};
use crate::shell::unset::WordInfo;
use serde_json::Value;

static SHELL: Probe = Probe {
    id: "shell",
    run: ProbeFn::Path(probe),
    pure: true,
};

/// The word a path of the operation was written as: the argv string that is the path, or that
/// ends in `=PATH` (`of=$DEV`, `--target=$DIR`).
fn word_of<'a>(words: &'a [(String, WordInfo)], arg: &str) -> Option<&'a WordInfo> {
    words
        .iter()
        .find(|(a, _)| a == arg)
        .or_else(|| {
            words.iter().find(|(a, _)| {
                a.strip_suffix(arg)
                    .is_some_and(|head| !head.is_empty() && head.ends_with('='))
            })
        })
        .map(|(_, w)| w)
}

fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let words = f.shell_words();
    let Some(w) = word_of(&words, &s.arg) else {
        return Ok(Default::default());
    };
    Ok(answer([
        (
            "shell.if_empty",
            w.if_empty.clone().map(Value::from).unwrap_or(Value::Null),
        ),
        (
            "shell.empty_vars",
            if w.empty_vars.is_empty() {
                Value::Null
            } else {
                w.empty_vars.clone().into()
            },
        ),
        ("shell.glob", w.glob.into()),
        ("shell.from_variable", w.from_variable.into()),
    ]))
}

pub(crate) static FACTS: &[FactDef] = &[
    FactDef {
        name: "shell.if_empty",
        scope: Scope::Path,
        probe: &SHELL,
        ty: "path",
        doc: "## What it tells\nThe path as the shell leaves it when each variable in the word that may be empty or unset expands to nothing: `\"$STEAMROOT/\"*` → `/*`, `$DIR/` → `/`, `\"$DIR\"/etc` → `/etc` (repeated `/` squeezed, a trailing `/` dropped but for `/`). A variable may be empty unless the script rules it out before the word, in the same shell: `${DIR:?}`, `${DIR:-x}`/`${DIR:=x}`, `set -u`/`set -o nounset` (or `-u` on the `#!` line), or an assignment of text that is never empty (`DIR=/srv/app`, `export DIR=…`, a loop over non-empty words). A command substitution may always be empty, `set -u` or not.\n## How it is found\nFrom the word as written in the script (`shell::unset`), with the assignments and `set` commands before it; nothing of the machine.\n## When it is unknown\n`null` when no part of the word may be empty, or a part of it is unknown but never empty (`$$`, a variable set from a command with text of its own); `null` outside `safeop preflight` (the shell has expanded the word before `check` or `run` see it), and for a path that is not one word of the command.\n## Example\n`rm -rf \"$STEAMROOT/\"*` → `/*`; after `set -u` → `null`.",
    },
    FactDef {
        name: "shell.empty_vars",
        scope: Scope::Path,
        probe: &SHELL,
        ty: "list",
        doc: "## What it tells\nThe variables (and `$(…)` command substitutions) of the word that may be empty or unset, as written: `[$STEAMROOT]`. They are what `shell.if_empty` leaves out.\n## How it is found\nAs `shell.if_empty`.\n## When it is unknown\n`null` when there are none; as `shell.if_empty`.\n## Example\n`rm -rf \"$STEAMROOT/\"*` → `[$STEAMROOT]`.",
    },
    FactDef {
        name: "shell.glob",
        scope: Scope::Path,
        probe: &SHELL,
        ty: "bool",
        doc: "## What it tells\nWhether the word holds an unquoted `*`, `?` or `[`: the shell replaces it with the names that match where the script runs, which safeop cannot list for another host (`rm -rf /srv/*`, `rm -rf $DIR/*`).\n## How it is found\nFrom the word as written (`'/srv/*'` and `\"$DIR/*\"` are quoted: no glob).\n## When it is unknown\n`null` outside `safeop preflight`.\n## Example\n`rm -rf /srv/*` → `true`.",
    },
    FactDef {
        name: "shell.from_variable",
        scope: Scope::Path,
        probe: &SHELL,
        ty: "bool",
        doc: "## What it tells\nWhether part of the word comes from a variable or a command substitution whose value the script does not give (`dd of=$DEV`, `mkfs.ext4 \"$DISK\"`): the device or file is whatever the variable holds when it runs. A variable the script sets to static text earlier (`DEV=/dev/sdb`) is spelt out instead and this is `false`.\n## How it is found\nFrom the word as written.\n## When it is unknown\n`null` outside `safeop preflight`.\n## Example\n`wipefs -a $DEV` → `true`.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_finds_its_word() {
        let w = |t: &str| WordInfo {
            text: t.into(),
            ..Default::default()
        };
        let words = vec![
            ("rm".to_string(), w("rm")),
            ("\"$D/\"*".to_string(), w("\"$D/\"*")),
            ("of=$DEV".to_string(), w("of=$DEV")),
        ];
        assert_eq!(
            word_of(&words, "\"$D/\"*").map(|w| w.text.as_str()),
            Some("\"$D/\"*")
        );
        assert_eq!(
            word_of(&words, "$DEV").map(|w| w.text.as_str()),
            Some("of=$DEV")
        );
        assert!(word_of(&words, "DEV").is_none());
    }
}
