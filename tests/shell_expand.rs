//! Issue 12, "expansion the way the shell will do it": the words of a `sh -c` string (and `su
//! -c`, `bash <<EOF`) with a glob, a brace or a `~` are expanded at the door, against this
//! filesystem and with the shell's rule for no match, and the command is judged as the argv the
//! program will get.
//!
//! Safety: commands on the machine's own paths (`/usr`, `/etc`, `~` as `/root`, `/dev/v*`) are
//! only ever `check`ed. `run` acts only on scratch trees made here; a refused run must leave
//! its targets as they were, byte for byte.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

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

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `check --format json -- ARGV` with `HOME` as given (and the test's clean environment).
fn check(home: &str, argv: &[&str]) -> Value {
    Test::new()
        .env("HOME", home)
        .args(["check", "--format", "json", "--"])
        .args(argv)
        .go()
        .json()
}

/// One of issue 12's lines, the verdict the facts of this machine justify, a rule among those
/// that must speak (`None`: none needs to), and why.
struct Row {
    argv: &'static [&'static str],
    verdict: &'static str,
    rule: Option<&'static str>,
    why: &'static str,
}

const fn row(
    argv: &'static [&'static str],
    verdict: &'static str,
    rule: Option<&'static str>,
    why: &'static str,
) -> Row {
    Row {
        argv,
        verdict,
        rule,
        why,
    }
}

const SYSDIR: Option<&str> = Some("rm-recursive-system-dir");

#[rustfmt::skip]
const ISSUE: &[Row] = &[
    row(&["bash", "-c", "echo hi && ls"], "allow", None,
        "two commands, neither one safeop guards"),
    row(&["sh", "-c", "kill -TERM $$"], "allow", None,
        "`$$` is dynamic, but kill is no tool safeop guards: a dynamic word there does not matter"),
    row(&["sh", "-c", "rm -rf /[a-z]*"], "deny", SYSDIR,
        "expands to /bin /boot /etc /usr …: system directories, deleted recursively"),
    row(&["bash", "-c", "rm -rf /{usr,etc}"], "deny", SYSDIR,
        "bash's braces give `rm -rf /usr /etc`"),
    row(&["sh", "-c", "rm -rf /usr/*"], "deny", SYSDIR,
        "expands to /usr/bin, /usr/lib …, each a system directory"),
    row(&["sh", "-c", "eval rm -rf /usr"], "deny", SYSDIR,
        "eval of static words is read again as the command it runs"),
    row(&["sh", "-c", "builtin exec rm -rf /usr"], "deny", SYSDIR,
        "`builtin exec` runs rm itself"),
    row(&["sh", "-c", "! rm -rf /"], "deny", Some("rm-recursive-root"),
        "`!` inverts the status; rm still runs"),
    row(&["sh", "-c", "echo b > /proc/sysrq-trigger"], "deny", Some("sysrq-trigger-write"),
        "a redirection that writes is an overwrite of its target: here the kernel's command file"),
];

#[test]
fn the_issue_lines_get_the_verdict_of_what_the_shell_runs() {
    let mut wrong = Vec::new();
    for r in ISSUE {
        let j = check("/root", r.argv);
        let found = rules(&j);
        let verdict = j["verdict"].as_str().unwrap_or("");
        if verdict != r.verdict || r.rule.is_some_and(|id| !found.iter().any(|f| f == id)) {
            wrong.push(format!(
                "{:?} ({}): want {} {:?}, got {verdict} {found:?}; argv {}",
                r.argv, r.why, r.verdict, r.rule, j["operation"]["argv"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // What the expansions were, as the JSON shows them.
    let j = check("/root", &["bash", "-c", "rm -rf /{usr,etc}"]);
    assert_eq!(
        strings(&j["operation"]["argv"]),
        ["rm", "-rf", "/usr", "/etc"]
    );
    let j = check("/root", &["sh", "-c", "rm -rf /usr/*"]);
    let argv = strings(&j["operation"]["argv"]);
    assert!(argv.contains(&"/usr/bin".to_string()), "{argv:?}");
    assert!(!argv.contains(&"/usr/*".to_string()), "{argv:?}");
}

/// `~` is the HOME the command inherits: `/root` here (check only), a system directory.
#[test]
fn tilde_as_roots_home_is_a_system_directory() {
    let j = check("/root", &["sh", "-c", "rm -rf ~"]);
    assert_eq!(j["verdict"], "deny");
    assert_eq!(strings(&j["operation"]["targets"]), ["/root"]);
    assert!(rules(&j).contains(&"rm-recursive-system-dir".to_string()));
    // `~root` from the user database, whatever HOME says.
    let j = check("/tmp", &["sh", "-c", "rm -rf ~root"]);
    assert_eq!(strings(&j["operation"]["targets"]), ["/root"]);
    assert_eq!(j["verdict"], "deny");
    // As another user, `~` is what sudo's configuration makes HOME: not known, it asks.
    let j = check("/root", &["sudo", "sh", "-c", "rm -rf ~"]);
    assert_eq!(j["verdict"], "confirm");
    assert!(rules(&j).contains(&"arguments-safeop-cannot-see".to_string()));
}

/// `wipefs -a /dev/v*` and `cat img > /dev/vda`: whole disks of this machine (check only).
#[test]
fn globs_over_devices_are_the_devices() {
    let mut disks: Vec<String> = std::fs::read_dir("/dev")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('v'))
                .map(|n| format!("/dev/{n}"))
                .collect()
        })
        .unwrap_or_default();
    disks.sort();
    if disks.is_empty() {
        eprintln!("SKIPPED part of globs_over_devices_are_the_devices: no /dev/v* here");
    } else {
        let j = check("/root", &["sh", "-c", "wipefs -a /dev/v*"]);
        assert_eq!(strings(&j["operation"]["targets"]), disks);
        assert_ne!(j["verdict"], "allow", "{}", j["findings"]);
    }
    let j = check("/root", &["sh", "-c", "cat img > /dev/vda"]);
    assert_eq!(j["operation"]["kind"], "overwrite");
    assert_eq!(strings(&j["operation"]["targets"]), ["/dev/vda"]);
    assert_ne!(j["verdict"], "allow");
}

/// A glob over ordinary scratch files is those files: allowed, and `run` deletes exactly them.
#[test]
fn a_glob_over_ordinary_files_is_allowed_and_runs() {
    let s = Scratch::new();
    s.write("logs/a.log", "a\n");
    s.write("logs/b.log", "b\n");
    s.write("logs/keep.txt", "keep\n");
    let d = s.p("logs");
    let line = format!("rm -f {d}/*.log");
    let j = check("/root", &["sh", "-c", &line]);
    assert_eq!(j["verdict"], "allow", "{}", j["findings"]);
    let want = [format!("{d}/a.log"), format!("{d}/b.log")];
    assert_eq!(
        strings(&j["operation"]["argv"]),
        ["rm", "-f", &want[0], &want[1]]
    );
    let effects: Vec<&str> = j["operation"]["effects"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(effects, [want[0].as_str(), want[1].as_str()]);
    // Relative to the directory safeop is called in, as the shell's would be.
    let ran = Test::new()
        .cwd(&s.path("logs"))
        .args([
            "check",
            "--format",
            "json",
            "--",
            "bash",
            "-c",
            "rm -f {a,b}.log",
        ])
        .go();
    assert_eq!(
        strings(&ran.json()["operation"]["targets"]),
        ["a.log", "b.log"]
    );
    // Run for real: the two logs go, the rest stays.
    Test::new()
        .args(["run", "--", "sh", "-c", &line])
        .go()
        .status(0);
    assert!(!s.path("logs/a.log").exists() && !s.path("logs/b.log").exists());
    assert!(s.path("logs/keep.txt").exists());
}

/// No match: the word stays as it is (bash's default); `shopt -s nullglob` drops it; a setting
/// safeop cannot be sure of asks.
#[test]
fn no_match_follows_the_shells_rule() {
    let s = Scratch::new();
    s.write("logs/a.log", "a\n");
    let d = s.p("logs");
    let j = check("/root", &["sh", "-c", &format!("rm -f {d}/*.txt")]);
    assert_eq!(
        strings(&j["operation"]["argv"]),
        ["rm", "-f", &format!("{d}/*.txt")]
    );
    assert_eq!(j["verdict"], "allow");
    let line = format!("shopt -s nullglob; rm -f {d}/*.txt {d}/a.log");
    let j = check("/root", &["bash", "-c", &line]);
    assert_eq!(
        strings(&j["operation"]["argv"]),
        ["rm", "-f", &format!("{d}/a.log")]
    );
    assert_eq!(j["verdict"], "allow");
    let j = check(
        "/root",
        &["bash", "-O", "nullglob", "-c", &format!("rm -f {d}/*.txt")],
    );
    assert_eq!(strings(&j["operation"]["argv"]), ["rm", "-f"]);
    let line = format!("if [ -t 0 ]; then shopt -s nullglob; fi; rm -f {d}/*.txt");
    let j = check("/root", &["bash", "-c", &line]);
    assert_eq!(j["verdict"], "confirm");
    assert!(rules(&j).contains(&"arguments-safeop-cannot-see".to_string()));
    // Another host's facts (`--facts`): this filesystem is not that one's, nothing is expanded.
    std::fs::write(s.path("facts.json"), "{\"version\": 1}").expect("snapshot");
    let ran = Test::new()
        .args(["check", "--format", "json", "--facts"])
        .arg(s.path("facts.json"))
        .args(["--", "sh", "-c", &format!("rm -f {d}/*.log")])
        .go();
    let j = ran.json();
    assert_eq!(
        strings(&j["operation"]["argv"]),
        ["rm", "-f", &format!("{d}/*.log")]
    );
    assert!(rules(&j).contains(&"arguments-safeop-cannot-see".to_string()));
    assert_ne!(j["verdict"], "allow");
}

/// `~` as a home directory the policy protects (`/home/*/` in the default policy; here a scratch
/// home under a layer protecting it the same way): the protected-tree rule (check only).
#[test]
fn tilde_as_a_protected_home_takes_the_home_rule() {
    let s = Scratch::new();
    s.write("home/alice/notes", "n\n");
    let layer = format!(
        "version: 1\nsettings:\n  protected:\n    - \"{}/home/*/\"\n",
        s.p("").trim_end_matches('/')
    );
    std::fs::write(s.path("layer.yaml"), layer).expect("layer");
    let ran = Test::new()
        .env("SAFEOP_POLICY", s.path("layer.yaml"))
        .env("HOME", s.path("home/alice"))
        .args(["check", "--format", "json", "--", "sh", "-c", "rm -rf ~"])
        .go();
    let j = ran.json();
    assert_eq!(strings(&j["operation"]["targets"]), [s.p("home/alice")]);
    assert_eq!(j["verdict"], "deny", "{}", j["findings"]);
    assert!(rules(&j).contains(&"protected-tree-deleted".to_string()));
}

/// A glob that reaches a file backing a real loop device: denied, and a refused `run` leaves
/// every file it matched as it was.
#[test]
fn a_glob_over_a_loop_attached_image_is_denied() {
    need_root!();
    let s = Scratch::new();
    let img = s.file("imgs/disk.img", 1 << 20);
    let other = s.file("imgs/other.img", 4096);
    let _loop = LoopDev::attach(&img);
    let line = format!("rm -f {}/*.img", s.p("imgs"));
    let j = check("/root", &["sh", "-c", &line]);
    assert_eq!(j["verdict"], "deny", "{}", j["findings"]);
    assert!(rules(&j).contains(&"loop-backing-file-in-use".to_string()));
    assert_eq!(
        strings(&j["operation"]["targets"]),
        [img.display().to_string(), other.display().to_string()]
    );
    let before = (blake3_of(&img), blake3_of(&other));
    let ran = Test::new()
        .no_tty()
        .args(["run", "--", "sh", "-c", &line])
        .go();
    ran.status(126);
    assert_eq!((blake3_of(&img), blake3_of(&other)), before);
    // The same through `su -c` and a here-document read by bash.
    for argv in [
        vec!["su".to_string(), "-c".into(), line.clone()],
        vec!["sh".into(), "-c".into(), format!("bash <<EOF\n{line}\nEOF")],
    ] {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let j = check("/root", &argv);
        assert_eq!(j["verdict"], "deny", "{argv:?}: {}", j["findings"]);
    }
}

/// More words than the cap: safeop asks instead of judging ten thousand paths.
#[test]
fn a_glob_past_the_cap_asks() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("many")).expect("mkdir");
    for i in 0..10_001 {
        std::fs::write(s.path(&format!("many/f{i}")), "").expect("file");
    }
    let j = check("/root", &["sh", "-c", &format!("rm -f {}/*", s.p("many"))]);
    assert_eq!(j["verdict"], "confirm");
    let note = j["operation"]["note"].as_str().unwrap_or("");
    assert!(note.contains("more than 10000"), "{note}");
    assert!(Path::new(&s.p("many/f0")).exists());
}
