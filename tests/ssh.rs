//! `ssh [OPTS] HOST 'cmd …'` judged as a command that runs on HOST: the rules that read only the
//! argv apply (`rm -rf /` is refused wherever it runs), no fact of this machine is read for it
//! (a path that is a loop-attached image here and one that does not exist here get the same
//! verdict: asks), and `run` never executes a remote command it could only have judged on this
//! machine's facts. A stand-in `ssh` on PATH records that it ran; no real host is reached.

mod common;
use common::*;
use serde_json::Value;

fn rules(j: &Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn check(argv: &[&str]) -> Value {
    Test::new()
        .args(["check", "--format", "json", "--"])
        .args(argv)
        .go()
        .json()
}

const ELSEWHERE: &str = "runs-where-safeop-cannot-look";

#[rustfmt::skip]
const TABLE: &[(&[&str], &str, Option<&str>, &str)] = &[
    (&["ssh", "-p", "22", "-i", "k", "root@db1", "rm -rf /"], "deny", Some("rm-recursive-root"),
        "`/` is refused wherever it is"),
    (&["ssh", "db1", "rm", "-rf", "/"], "deny", Some("rm-recursive-root"),
        "ssh joins its words: the remote shell reads `rm -rf /`"),
    (&["ssh", "db1", "sudo rm -rf /etc"], "deny", Some("rm-recursive-system-dir"),
        "sudo is peeled there too; `/etc` is a system directory by its name"),
    (&["ssh", "db1", "sh", "-c", "'rm -rf /'"], "deny", Some("rm-recursive-root"),
        "the remote shell reads `sh -c 'rm -rf /'`"),
    (&["ssh", "-t", "db1", "sudo", "dd", "of=/dev/sda"], "confirm", Some(ELSEWHERE),
        "what /dev/sda is on db1 safeop cannot see"),
    (&["ssh", "db1", "dd if=x of=/dev/sda"], "confirm", Some(ELSEWHERE),
        "the same, never allowed on this machine's facts"),
    (&["ssh", "db1", "rm -rf /usr/*"], "confirm", Some(ELSEWHERE),
        "the glob is db1's: not expanded here"),
    (&["ssh", "db1", "uptime"], "allow", None, "nothing safeop guards"),
    (&["ssh", "-N", "-L", "8080:x:80", "db1"], "allow", None, "-N: no remote command"),
    (&["ssh", "-f", "-N", "db1"], "allow", None, "-N: no remote command"),
    (&["ssh", "-G", "db1"], "allow", None, "-G only prints the configuration"),
    (&["ssh", "db1"], "allow", None,
        "an interactive login with standard input /dev/null: nothing is read from it"),
    (&["ssh", "-o", "ProxyCommand=nc %h %p", "db1", "ls"], "confirm", Some("command-not-understood"),
        "ProxyCommand runs a command on this machine that safeop does not read"),
    (&["ssh", "-o", "RemoteCommand=rm -rf /", "db1"], "deny", Some("rm-recursive-root"),
        "RemoteCommand is the remote command"),
];

#[test]
fn ssh_spellings() {
    let mut wrong = Vec::new();
    for (argv, verdict, rule, why) in TABLE {
        let j = check(argv);
        let found = rules(&j);
        if j["verdict"] != *verdict || rule.is_some_and(|r| !found.iter().any(|f| f == r)) {
            wrong.push(format!(
                "{argv:?} ({why}): want {verdict} {rule:?}, got {} {found:?}",
                j["verdict"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `ssh HOST` with a script on standard input (`ssh host < script`) is code safeop cannot see,
/// as `bash < script` is.
#[test]
fn a_script_on_standard_input_asks() {
    let s = Scratch::new();
    let script = s.write("script.sh", "rm -rf /srv/data\n");
    for argv in [
        &["ssh", "db1"][..],
        &["ssh", "-T", "db1"],
        &["bash"],
        &["ssh", "db1", "bash"],
    ] {
        let f = std::fs::File::open(&script).expect("open");
        let j = Test::new()
            .stdin(f)
            .args(["check", "--format", "json", "--"])
            .args(argv)
            .go()
            .json();
        assert_eq!(j["verdict"], "confirm", "{argv:?}");
        assert!(
            rules(&j).contains(&"command-not-understood".to_string()),
            "{argv:?}"
        );
    }
    // With -n ssh reads /dev/null instead.
    let f = std::fs::File::open(&script).expect("open");
    let j = Test::new()
        .stdin(f)
        .args(["check", "--format", "json", "--", "ssh", "-n", "db1"])
        .go()
        .json();
    assert_eq!(j["verdict"], "allow");
}

/// At a terminal, `ssh db1` is an interactive login: allowed.
#[test]
fn an_interactive_login_is_allowed() {
    let mut c = std::process::Command::new(BIN);
    c.env("SAFEOP_POLICY", fixture("empty-policy.yaml"));
    c.args(["check", "--", "ssh", "db1"]);
    let mut p = rexpect::session::spawn_command(c, Some(15_000)).expect("spawn in a pty");
    p.exp_string("allow: ssh db1")
        .expect("allowed at a terminal");
}

/// The proof that a remote step is never judged on this machine's facts: a path that is a
/// loop-attached image here and one that does not exist here get the same verdict and the
/// same rules, while here the image is refused.
#[test]
fn a_remote_step_is_never_judged_on_this_machines_facts() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("disk.img", 1 << 20);
    let _loop = LoopDev::attach(&img);
    let img_s = img.display().to_string();
    let absent = s.p("absent.img");
    for (here, there) in [
        (
            vec!["rm", "-f", img_s.as_str()],
            vec!["rm", "-f", absent.as_str()],
        ),
        (vec!["dd", "if=/dev/zero"], vec!["dd", "if=/dev/zero"]),
    ] {
        let of_img = format!("of={img_s}");
        let of_absent = format!("of={absent}");
        let (mut a, mut b) = (here.clone(), there.clone());
        if a[0] == "dd" {
            a.push(&of_img);
            b.push(&of_absent);
        }
        // Here, the image is what it is.
        let j = check(&a);
        assert_eq!(j["verdict"], "deny", "{a:?}");
        assert!(rules(&j).contains(&"loop-backing-file-in-use".to_string()));
        // On db1, neither path is anything safeop knows.
        let ssh = |cmd: &[&str]| {
            let mut v = vec!["ssh", "db1"];
            v.extend_from_slice(cmd);
            check(&v)
        };
        let (ja, jb) = (ssh(&a), ssh(&b));
        assert_eq!(ja["verdict"], "confirm", "{a:?}: {}", ja["findings"]);
        assert_eq!(ja["verdict"], jb["verdict"]);
        assert_eq!(rules(&ja), rules(&jb), "{a:?}");
        assert!(rules(&ja).contains(&ELSEWHERE.to_string()));
        // The loop rule speaks only as "could not determine": a fact error, never its deny.
        for f in ja["findings"].as_array().into_iter().flatten() {
            assert_ne!(f["verdict"], "deny", "{f}");
            if f["rule"] == "loop-backing-file-in-use" {
                assert!(f["fact_error"].is_object(), "{f}");
            }
        }
    }
    // `run` refuses it (no terminal to ask): the stand-in ssh never runs, the image is intact.
    let bin = s.path("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let marker = s.path("ssh-ran");
    stand_in(
        &bin,
        "ssh",
        &format!("#!/bin/sh\necho \"$@\" >> '{}'\n", marker.display()),
    );
    let before = blake3_of(&img);
    Test::new()
        .no_tty()
        .path_first(&bin)
        .args(["run", "--", "ssh", "db1", "rm", "-f", &img_s])
        .go()
        .status(126);
    assert!(!marker.exists(), "the remote command was run");
    assert_eq!(blake3_of(&img), before);
    // An allowed remote command does run (through the stand-in).
    Test::new()
        .no_tty()
        .path_first(&bin)
        .args(["run", "--", "ssh", "db1", "uptime"])
        .go()
        .status(0);
    assert_eq!(
        std::fs::read_to_string(&marker).expect("ran"),
        "db1 uptime\n"
    );
}
