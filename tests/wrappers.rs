//! Every wrapper that runs a command, through the built binary (issue 11): each spelling is
//! judged as the command it runs (`check --format json`: the inner tool, kind and targets, the
//! verdict and the rules), the way the real wrapper reads its argv. Anything that touches a
//! system path is only ever `check`ed; `run` acts on scratch files alone.

mod common;
use common::*;

/// The rule ids of a `check --format json` run.
fn rules(j: &serde_json::Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// One line of the table: the command, then what it is judged as.
struct Row {
    argv: &'static [&'static str],
    tool: &'static str,
    kind: &'static str,
    targets: &'static [&'static str],
    verdict: &'static str,
    /// A rule that must be among the findings.
    rule: Option<&'static str>,
}

const fn row(
    argv: &'static [&'static str],
    tool: &'static str,
    kind: &'static str,
    targets: &'static [&'static str],
    verdict: &'static str,
    rule: Option<&'static str>,
) -> Row {
    Row {
        argv,
        tool,
        kind,
        targets,
        verdict,
        rule,
    }
}

const ROOT: Option<&str> = Some("rm-recursive-root");
const SYSDIR: Option<&str> = Some("rm-recursive-system-dir");
const UNSEEN: Option<&str> = Some("arguments-safeop-cannot-see");
const ELSEWHERE: Option<&str> = Some("runs-where-safeop-cannot-look");

/// `S/` in an argv or a target is the test's scratch directory.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    // sudo: `-k`, `--reset-timestamp`, `-n` and their bundles still run the command.
    row(&["sudo", "-k", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["sudo", "-kn", "-u", "root", "--", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["sudo", "--reset-timestamp", "--non-interactive", "rm", "-rf", "/etc"], "rm", "delete", &["/etc"], "deny", SYSDIR),
    // As another user: su and runuser hand `-c` to the shell; runuser -u, pkexec and doas run it.
    row(&["su", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["su", "-", "root", "-c", "rm -rf /etc"], "rm", "delete", &["/etc"], "deny", SYSDIR),
    row(&["su", "--session-command", "rm -rf /", "root"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["su", "root", "--", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["runuser", "-u", "root", "--", "rm", "-rf", "/usr"], "rm", "delete", &["/usr"], "deny", SYSDIR),
    row(&["runuser", "-l", "root", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["pkexec", "--user", "root", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["doas", "-n", "-u", "root", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    // util-linux and friends.
    row(&["setpriv", "--reuid=0", "--init-groups", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["chrt", "-f", "50", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["taskset", "-c", "0", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["flock", "-n", "S/lock", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["flock", "S/lock", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["unshare", "-m", "--propagation", "private", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["unshare", "-R", "S/", "rm", "-rf", "/old"], "rm", "delete", &["S/old"], "allow", None),
    row(&["nsenter", "-t", "1", "-n", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["systemd-run", "--scope", "-p", "Nice=5", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["systemd-run", "--wait", "rm", "-rf", "etc"], "rm", "delete", &["etc"], "deny", SYSDIR),
    row(&["eatmydata", "--", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["nocache", "-n", "2", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["ionice", "-c", "3", "-t", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["time", "-v", "-o", "S/t", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["/usr/bin/time", "--portability", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["watch", "-n", "5", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["watch", "-x", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    // The tracers run the traced command.
    row(&["strace", "-f", "-o", "/dev/null", "-e", "trace=file", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["strace", "--follow-forks", "--output=/dev/null", "--", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["ltrace", "-f", "-S", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    // Multi-call binaries: the name they run decides the tool.
    row(&["toybox", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["coreutils", "--coreutils-prog=rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["busybox", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    // The shells with `-c`, and bash's and zsh's options before it.
    row(&["ash", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["dash", "-ec", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["ksh", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["mksh", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["zsh", "-fc", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["zsh", "-o", "noglob", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["fish", "--no-config", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["tcsh", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["csh", "-fc", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["busybox", "sh", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["bash", "-lc", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["bash", "-xc", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["bash", "--rcfile", "S/rc", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["bash", "--init-file", "S/rc", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["bash", "--norc", "--login", "-o", "pipefail", "-O", "extglob", "-c", "rm -rf /"], "rm", "delete", &["/"], "deny", ROOT),
    // xargs: the command on arguments from input asks, unless it is harmless whatever they are.
    row(&["xargs", "rm"], "rm", "delete", &[], "confirm", UNSEEN),
    row(&["xargs", "-0", "rm", "-f"], "rm", "delete", &[], "confirm", UNSEEN),
    row(&["xargs", "-I", "{}", "rm", "-rf", "{}"], "rm", "delete", &[], "confirm", UNSEEN),
    row(&["xargs", "-a", "S/list", "rm"], "rm", "delete", &[], "confirm", UNSEEN),
    row(&["xargs", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["xargs", "echo"], "echo", "unknown", &[], "allow", None),
    row(&["xargs", "-0", "echo"], "echo", "unknown", &[], "allow", None),
    row(&["xargs", "grep", "x"], "grep", "unknown", &[], "allow", None),
    row(&["parallel", "rm", "-rf", "{}", ":::", "a", "b"], "rm", "delete", &[], "confirm", UNSEEN),
    row(&["parallel", "echo", ":::", "a"], "echo", "unknown", &[], "allow", None),
    // find: `-delete` and `-exec` on what it selects.
    row(&["find", "/", "-delete"], "find", "delete", &["/"], "deny", ROOT),
    row(&["find", "/etc", "-delete"], "find", "delete", &["/etc"], "deny", SYSDIR),
    row(&["find", "/etc", "-type", "f", "-delete"], "find", "delete", &["/etc"], "deny", SYSDIR),
    row(&["find", "/", "-path", "/proc", "-prune", "-o", "-delete"], "find", "delete", &["/"], "deny", ROOT),
    row(&["find", "/etc", "-name", "x", "-delete"], "find", "delete", &["/etc"], "confirm", UNSEEN),
    row(&["find", "/var/log", "-name", "*.gz", "-mtime", "+30", "-delete"], "find", "delete", &["/var/log"], "confirm", UNSEEN),
    row(&["find", "/", "-exec", "rm", "-rf", "{}", "+"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["find", "/usr", "-type", "f", "-exec", "rm", "{}", ";"], "rm", "delete", &["/usr"], "deny", SYSDIR),
    row(&["find", "/", "-execdir", "sudo", "rm", "-rf", "{}", ";"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["find", "S/d", "-delete"], "find", "delete", &["S/d"], "allow", None),
    row(&["find", "S/d", "-name", "*.o", "-delete"], "find", "delete", &["S/d"], "confirm", UNSEEN),
    row(&["find", "S/d", "-name", "*.o", "-ok", "rm", "{}", ";"], "rm", "delete", &["S/d"], "confirm", UNSEEN),
    row(&["find", "/", "-name", "core"], "find", "unknown", &[], "allow", None),
    row(&["find", ".", "-name", "*.c", "-exec", "grep", "x", "{}", "+"], "grep", "unknown", &[], "allow", None),
    row(&["find", "/", "-exec", "rm", "{}", ";", "-delete"], "find", "opaque", &[], "confirm", Some("command-not-understood")),
    // Paths of another mount namespace, container or host.
    row(&["nsenter", "-t", "1", "-m", "rm", "-rf", "S/x"], "rm", "delete", &["S/x"], "confirm", ELSEWHERE),
    row(&["nsenter", "-t", "1", "-m", "rm", "-rf", "/"], "rm", "delete", &["/"], "deny", ROOT),
    row(&["systemd-run", "-M", "web1", "rm", "-rf", "S/x"], "rm", "delete", &["S/x"], "confirm", ELSEWHERE),
    // What safeop cannot follow stays opaque, and asks.
    row(&["su", "-c", "rm -rf $TARGET"], "sh", "opaque", &[], "confirm", Some("command-not-understood")),
    // The shell front end reads the list: the rm is judged, its glob seen as unexpanded.
    row(&["watch", "rm -rf /srv/*; ls"], "rm", "delete", &["/srv/*"], "confirm", Some("arguments-safeop-cannot-see")),
    row(&["watch", "rm -rf /srv/a; rm -rf /srv/b"], "sh", "opaque", &[], "confirm", Some("command-not-understood")),
    row(&["systemd-run", "rm", "-rf", "$HOME"], "systemd-run", "opaque", &[], "confirm", Some("command-not-understood")),
    // Harmless commands behind the wrappers stay harmless.
    row(&["sudo", "-k", "ls"], "ls", "unknown", &[], "allow", None),
    row(&["su", "-c", "ls /"], "ls", "unknown", &[], "allow", None),
    row(&["nsenter", "-t", "1", "-m", "ls"], "ls", "unknown", &[], "allow", None),
    row(&["strace", "-f", "ls"], "ls", "unknown", &[], "allow", None),
    row(&["watch", "df", "-h"], "df", "unknown", &[], "allow", None),
];

#[test]
fn every_wrapper_spelling_is_judged_as_the_command_it_runs() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("d")).expect("mkdir");
    let scratch = s.path("").display().to_string();
    let scratch = scratch.trim_end_matches('/');
    let here = |w: &str| match w.strip_prefix("S/") {
        Some("") => format!("{scratch}/"),
        Some(rest) => format!("{scratch}/{rest}"),
        None => w.to_string(),
    };
    let mut wrong = Vec::new();
    for r in TABLE {
        let argv: Vec<String> = r.argv.iter().map(|w| here(w)).collect();
        let ran = Test::new()
            .cwd(s.path("").as_path())
            .args(["check", "--format", "json", "--"])
            .args(&argv)
            .go();
        let j = ran.json();
        let op = &j["operation"];
        let targets: Vec<String> = r.targets.iter().map(|t| here(t)).collect();
        let got = (
            op["tool"].as_str().unwrap_or("").to_string(),
            op["kind"].as_str().unwrap_or("").to_string(),
            op["targets"].clone(),
            j["verdict"].as_str().unwrap_or("").to_string(),
        );
        let want = (
            r.tool.to_string(),
            r.kind.to_string(),
            serde_json::json!(targets),
            r.verdict.to_string(),
        );
        let found = rules(&j);
        let rule_ok = r.rule.is_none_or(|id| found.iter().any(|f| f == id));
        let code = match r.verdict {
            "deny" => 4,
            "confirm" => 3,
            _ => 0,
        };
        if got != want || !rule_ok || ran.code() != code {
            wrong.push(format!(
                "{argv:?}\n  want {want:?} {:?}\n  got  {got:?} {found:?} (exit {}) note {}",
                r.rule,
                ran.code(),
                op["note"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rows judged otherwise:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// `run` on scratch files only: an unfiltered `find -delete` of a scratch tree runs; a filtered
/// one and `xargs rm` need a confirmation, which no terminal can give: refused, files kept.
#[test]
fn run_deletes_a_scratch_tree_and_refuses_what_it_cannot_see() {
    let s = Scratch::new();
    let keep = s.file("tree/a.o", 16);
    s.file("tree/sub/b.o", 16);
    Test::new()
        .args(["run", "--", "find"])
        .arg(s.path("tree"))
        .args(["-name", "*.o", "-delete"])
        .no_tty()
        .go()
        .status(126)
        .stderr_has("arguments-safeop-cannot-see");
    assert!(keep.exists(), "a refused find deleted nothing");
    let list = s.write("list", &format!("{}\n", keep.display()));
    Test::new()
        .args(["run", "--", "xargs", "-a"])
        .arg(&list)
        .arg("rm")
        .no_tty()
        .go()
        .status(126);
    assert!(keep.exists(), "a refused xargs rm deleted nothing");
    Test::new()
        .args(["run", "--", "find"])
        .arg(s.path("tree"))
        .arg("-delete")
        .go()
        .status(0);
    assert!(
        !s.path("tree").exists(),
        "find -delete of a scratch tree ran"
    );
    // A find that only reads runs as it is.
    Test::new()
        .args(["run", "--", "find"])
        .arg(s.path(""))
        .args(["-name", "nothing-here"])
        .go()
        .status(0);
}
