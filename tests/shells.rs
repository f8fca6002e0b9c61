//! `safeop init` proven in real shells: bash, zsh and fish (installed by `.ci/run`) source the
//! init text in a pseudo-terminal, and then `dd` and `rm` typed at the prompt go through safeop
//! (a deny shows), arguments with spaces, quotes, globs, newlines and non-UTF-8 bytes reach the
//! tool unchanged, `command rm` and `\rm` are the documented bypasses, and `sudo rm …` expands
//! to `sudo safeop rm …` through the `sudo ` alias (seen by a stand-in `sudo` that records its
//! arguments: real sudo is the sudo-mode tests' business).
//!
//! Every command typed acts on files in the test's scratch directory.

mod common;
use common::*;
use rexpect::session::PtySession;
use std::path::Path;
use std::process::Command;

struct Shell {
    p: PtySession,
    n: usize,
}

impl Shell {
    /// `name` started interactively with no rc files, `safeop` (this build) first on PATH,
    /// the init text sourced.
    fn start(name: &str, s: &Scratch) -> Shell {
        let bin = s.path("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::os::unix::fs::symlink(BIN, bin.join("safeop")).expect("link safeop");
        stand_in(
            &bin,
            "sudo",
            &format!(
                "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'",
                s.path("sudo-argv").display()
            ),
        );
        let mut cmd = Command::new(name);
        match name {
            "bash" => cmd.args(["--norc", "--noprofile", "-i"]),
            "zsh" => cmd.args(["-f", "-i"]),
            _ => cmd.args(["-N", "-i"]),
        };
        for v in [
            "SAFEOP_SYSROOT",
            "SUDO_UID",
            "SUDO_USER",
            "SSH_CONNECTION",
            "SSH_TTY",
        ] {
            cmd.env_remove(v);
        }
        cmd.env(
            "PATH",
            format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display()),
        )
        .env("TERM", "dumb")
        .env("HOME", s.dir.path())
        .env("XDG_CONFIG_HOME", s.path("config"))
        .env("SAFEOP_POLICY", fixture("challenge-policy.yaml"))
        .env("SAFEOP_AUDIT_LOG", s.path("audit.jsonl"))
        .current_dir(s.dir.path());
        let p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn shell");
        let mut sh = Shell { p, n: 0 };
        let init = match name {
            "fish" => "safeop init fish | source".to_string(),
            _ => format!("eval \"$(safeop init {name})\""),
        };
        sh.type_line(&init);
        sh
    }

    /// Types one command line and waits until it has finished (a marker printed after it; the
    /// marker is typed split in two so that the echo of the line never matches it).
    fn type_line(&mut self, line: &str) -> String {
        self.n += 1;
        let n = self.n;
        self.p
            .send_line(&format!("{line}; echo __E''ND{n}__"))
            .expect("type");
        self.p
            .exp_string(&format!("__END{n}__"))
            .unwrap_or_else(|e| panic!("`{line}` did not finish: {e}"))
    }
}

fn records(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("log line")["r"].clone())
        .collect()
}

/// The names the scratch files get: what a person types in each shell for them.
fn awkward_names(shell: &str) -> Vec<(&'static [u8], String)> {
    // fish reads escapes outside quotes (`\n`, `\Xff` for a raw byte), bash and zsh in `$'…'`
    let nl = if shell == "fish" {
        "new\\nline".to_string()
    } else {
        "$'new\\nline'".to_string()
    };
    let ff = if shell == "fish" {
        "\\Xff".to_string()
    } else {
        "$'\\xff'".to_string()
    };
    vec![
        (b"a b".as_slice(), "'a b'".to_string()),
        (b"q\"uo'te", "q\\\"uo\\'te".to_string()),
        (b"new\nline", nl),
        (b"\xff", ff),
    ]
}

fn proven_in(shell: &str) {
    if !have(shell) {
        eprintln!("SKIPPED shell init in {shell}: {shell} is not installed (.ci/run installs it)");
        return;
    }
    let s = Scratch::new();
    let mut sh = Shell::start(shell, &s);
    let log = s.path("audit.jsonl");
    // 1. a deny shows, and nothing is written
    let img = s.file("disk.deny", 4096);
    let before = blake3_of(&img);
    let out = sh.type_line("dd if=/dev/zero of=disk.deny count=1 conv=notrunc status=none");
    assert!(out.contains("refused (denied by policy)"), "{shell}: {out}");
    assert_eq!(
        blake3_of(&img),
        before,
        "{shell}: the denied dd wrote nothing"
    );
    // 2. awkward arguments arrive unchanged: exactly those files go, their look-alikes stay
    use std::os::unix::ffi::OsStrExt;
    let names = awkward_names(shell);
    for (bytes, _) in &names {
        std::fs::write(s.dir.path().join(std::ffi::OsStr::from_bytes(bytes)), "x").expect("make");
    }
    for keep in ["a", "b", "new", "line", "quote"] {
        s.write(keep, "keep");
    }
    for i in 0..3 {
        s.write(&format!("g{i}.tmp"), "glob");
    }
    let typed: Vec<&str> = names.iter().map(|(_, t)| t.as_str()).collect();
    sh.type_line(&format!("rm -f {} g*.tmp", typed.join(" ")));
    for (bytes, typed) in &names {
        let p = s.dir.path().join(std::ffi::OsStr::from_bytes(bytes));
        assert!(
            !p.exists(),
            "{shell}: `{typed}` reached rm as the file it names"
        );
    }
    for keep in ["a", "b", "new", "line", "quote"] {
        assert!(
            s.path(keep).exists(),
            "{shell}: `{keep}` was not named and stays"
        );
    }
    assert!(!s.path("g0.tmp").exists(), "{shell}: the glob expanded");
    let recs = records(&log);
    let rm = recs
        .iter()
        .find(|r| r["argv"][0] == "rm")
        .unwrap_or_else(|| panic!("{shell}: rm went through safeop: {recs:?}"));
    assert_eq!(
        rm["argv"].as_array().map(Vec::len),
        Some(2 + names.len() + 3),
        "{shell}: {rm}"
    );
    // 3. the documented bypasses reach the raw tool: no record
    let n = records(&log).len();
    s.write("bypass1", "x");
    s.write("bypass2", "x");
    sh.type_line("command rm -f bypass1");
    if shell != "fish" {
        sh.type_line("\\rm -f bypass2");
        assert!(!s.path("bypass2").exists(), "{shell}: \\rm ran");
    }
    assert!(!s.path("bypass1").exists(), "{shell}: command rm ran");
    assert_eq!(
        records(&log).len(),
        n,
        "{shell}: the bypasses do not go through safeop"
    );
    // 4. `sudo rm …` becomes `sudo safeop rm …` (bash and zsh: the `sudo ` alias)
    if shell != "fish" {
        sh.type_line("sudo rm -f nothing-here");
        let argv = std::fs::read_to_string(s.path("sudo-argv")).expect("the stand-in sudo ran");
        assert_eq!(argv, "safeop\nrm\n-f\nnothing-here\n", "{shell}");
    }
    sh.p.send_line("exit").expect("exit");
}

#[test]
fn init_routes_commands_through_safeop_in_bash() {
    proven_in("bash");
}

#[test]
fn init_routes_commands_through_safeop_in_zsh() {
    proven_in("zsh");
}

#[test]
fn init_routes_commands_through_safeop_in_fish() {
    proven_in("fish");
}

#[test]
fn init_also_covers_init_and_the_tools_a_layer_guards() {
    let s = Scratch::new();
    let layer = s.write(
        "layer.yaml",
        "version: 1\nrules:\n  - id: site-find\n    summary: find is guarded here\n    match: { tool: find }\n    verdict: confirm\n",
    );
    let r = Test::new()
        .env("SAFEOP_POLICY", &layer)
        .args(["init", "bash"])
        .go();
    r.status(0)
        .stdout_has("alias init='safeop init'")
        .stdout_has("alias find='safeop find'")
        .stdout_has("alias dd='safeop dd'")
        .stdout_has("alias sudo='sudo '");
    let r = Test::new()
        .env("SAFEOP_POLICY", &layer)
        .args(["init", "fish"])
        .go();
    r.status(0)
        .stdout_has("function find --wraps find; command safeop find $argv; end");
}
