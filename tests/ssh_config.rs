//! ssh's own configuration files, read by safeop as ssh reads them, against the oracle: for
//! each configuration in the table, `ssh -G -F FILE HOST` (OpenSSH's own effective
//! configuration, real; openssh-client is installed by .ci/run) says which option that runs
//! code on this machine applies and which `RemoteCommand`; `safeop check` of `ssh -F FILE HOST`
//! must see the same. Nothing connects anywhere: `-G` only prints, and `check` only decides.

mod common;
use common::*;
use std::collections::HashMap;

/// `ssh -G` output as keyword → value (lower-case keywords, as it prints them).
fn oracle(file: &str, extra: &[&str], host: &str) -> Option<HashMap<String, String>> {
    let out = std::process::Command::new("ssh")
        .arg("-G")
        .args(["-F", file])
        .args(extra)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssh -G");
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// The option that runs code here, as ssh -G shows it, in safeop's order.
fn code_of(g: &HashMap<String, String>) -> Option<(&'static str, String)> {
    let order = [
        ("proxycommand", "ProxyCommand"),
        ("localcommand", "LocalCommand"),
        ("knownhostscommand", "KnownHostsCommand"),
        ("pkcs11provider", "PKCS11Provider"),
        ("securitykeyprovider", "SecurityKeyProvider"),
    ];
    for (k, name) in order {
        let Some(v) = g.get(k) else { continue };
        let runs = match k {
            "localcommand" => g.get("permitlocalcommand").map(String::as_str) == Some("yes"),
            "securitykeyprovider" => v != "internal",
            _ => v != "none",
        };
        if runs {
            return Some((name, v.clone()));
        }
    }
    None
}

/// What safeop makes of `ssh [extra] -F file host` with no command (standard input not a
/// script): the operation's note, tool and argv.
fn safeop(file: &str, extra: &[&str], host: &str) -> (String, String, Vec<String>) {
    let mut args = vec!["check", "--format", "json", "--", "ssh", "-F", file];
    args.extend_from_slice(extra);
    args.push(host);
    let r = Test::new().args(args).go();
    let j = r.json();
    let op = &j["operation"];
    let argv = op["argv"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    (
        op["note"].as_str().unwrap_or("").to_string(),
        op["tool"].as_str().unwrap_or("").to_string(),
        argv,
    )
}

struct Case {
    config: &'static str,
    hosts: &'static [&'static str],
    extra: &'static [&'static str],
}

const fn case(config: &'static str, hosts: &'static [&'static str]) -> Case {
    Case {
        config,
        hosts,
        extra: &[],
    }
}

/// `@D` in a configuration is the scratch directory (for absolute `Include`s).
fn table() -> Vec<Case> {
    vec![
        case("Host db*\n  ProxyCommand nc %h %p\n", &["db1", "DB2", "web1"]),
        case("Host * !db9\n  ProxyCommand ssh -W %h:%p bastion\n", &["db1", "db9"]),
        case("Host db1\n  ProxyCommand none\nHost *\n  ProxyCommand nc %h 22\n", &["db1", "db2"]),
        case("Host *\n  LocalCommand logger hi\n", &["db1"]),
        case("Host db1\n  LocalCommand logger hi\nHost *\n  PermitLocalCommand yes\n", &["db1", "db2"]),
        case("Host db?\n  KnownHostsCommand /usr/local/bin/kh %H\n", &["db1", "db12"]),
        case("Host hsm\n  PKCS11Provider /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\n", &["hsm", "db1"]),
        case("Host *\n  SecurityKeyProvider internal\nHost sk\n  SecurityKeyProvider /usr/lib/sk.so\n", &["sk"]),
        case("Host sk\n  SecurityKeyProvider /usr/lib/sk.so\n", &["sk", "db1"]),
        case("Host db1\n  Hostname db1.internal\nMatch host *.internal\n  ProxyCommand nc %h %p\n", &["db1", "db2"]),
        case("Match originalhost db1,db2 !host db2\n  ProxyCommand nc %h %p\n", &["db1", "db2", "db3"]),
        case("Match user root\n  ProxyCommand nc %h %p\n", &["db1"]),
        case("Match user nobody\n  ProxyCommand nc %h %p\n", &["db1"]),
        case("Match localuser root host db*\n  ProxyCommand nc %h %p\n", &["db1", "web1"]),
        case("Match all\n  ProxyCommand nc %h %p\n", &["anything"]),
        case("Match !host db1\n  ProxyCommand nc %h %p\n", &["db1", "db2"]),
        case("Host db1\n  RemoteCommand rm -rf /srv/data\n", &["db1", "db2"]),
        case("Host db1\n  RemoteCommand \"rm -rf /var/lib/mysql\"\nHost *\n  RemoteCommand uptime\n", &["db1"]),
        case("Host = db1\nproxycommand=nc %h %p\n", &["db1", "db2"]),
        case("Include @D/inc/*.conf\nHost *\n  User deploy\n", &["db1", "web1"]),
        case("Host web*\n  Include @D/inc/a.conf\n", &["db1", "web1"]),
        Case {
            config: "Host *\n  ProxyCommand nc %h %p\n",
            hosts: &["db1"],
            extra: &["-o", "ProxyCommand=none"],
        },
        Case {
            config: "Host db1\n  LocalCommand logger hi\n",
            hosts: &["db1"],
            extra: &["-o", "PermitLocalCommand=yes"],
        },
    ]
}

#[test]
fn safeop_reads_ssh_config_as_ssh_does() {
    need_tool!("ssh");
    let s = Scratch::new();
    let d = s.dir.path().display().to_string();
    s.write("inc/a.conf", "Host db*\n  ProxyCommand nc %h %p\n");
    s.write("inc/b.conf", "Host web*\n  RemoteCommand rm -rf /srv/www\n");
    s.write("inc/ignored.txt", "Host *\n  ProxyCommand nc x\n");
    let mut compared = 0;
    for (i, c) in table().iter().enumerate() {
        let file = s.write(&format!("config{i}"), &c.config.replace("@D", &d));
        let file = file.display().to_string();
        for host in c.hosts {
            let g = oracle(&file, c.extra, host).expect("ssh -G reads the configuration");
            let (note, tool, argv) = safeop(&file, c.extra, host);
            let what = format!("case {i} ({:?}) host {host}: note {note:?}", c.config);
            match code_of(&g) {
                Some((name, value)) => {
                    let from_line = c.extra.iter().any(|e| e.starts_with(&format!("{name}=")));
                    if !from_line {
                        assert!(
                            note.contains(&format!("sets `{name}`")),
                            "{what}: ssh -G has {name} {value}"
                        );
                        assert!(note.contains(&format!("runs `{value}`")), "{what}");
                    } else {
                        assert!(!note.contains("ssh's configuration"), "{what}");
                    }
                }
                None => assert!(
                    !note.contains("ssh's configuration"),
                    "{what}: ssh -G has no option that runs code here"
                ),
            }
            match (g.get("remotecommand"), code_of(&g)) {
                (Some(rc), None) => {
                    let want = shell_words::split(rc).expect("split");
                    assert_eq!(argv, want, "{what}: ssh -G's remotecommand {rc}");
                    assert_ne!(tool, "ssh", "{what}");
                }
                (None, _) => assert_eq!(tool, "ssh", "{what}: no remote command"),
                (Some(_), Some(_)) => {}
            }
            compared += 1;
        }
    }
    assert!(compared >= 40, "{compared} readings compared");
}

/// `Match exec` runs its command on this machine whenever ssh reaches it; ssh skips it once an
/// earlier criterion on its line failed (the oracle shows both: its own run leaves a file).
#[test]
fn match_exec_is_code_on_this_machine_where_ssh_would_run_it() {
    need_tool!("ssh");
    let s = Scratch::new();
    let ran = s.path("ran");
    let reached = s.write(
        "reached",
        &format!(
            "Match exec \"touch {}\"\n  ProxyCommand none\n",
            ran.display()
        ),
    );
    let skipped = s.write(
        "skipped",
        &format!(
            "Match host nomatch exec \"touch {}\"\n  ProxyCommand none\n",
            ran.display()
        ),
    );
    let skipped = skipped.display().to_string();
    oracle(&skipped, &[], "db1").expect("ssh -G");
    assert!(!ran.exists(), "ssh skips the exec after a failed criterion");
    let (note, _, _) = safeop(&skipped, &[], "db1");
    assert!(!note.contains("Match exec"), "{note}");
    let reached = reached.display().to_string();
    oracle(&reached, &[], "db1").expect("ssh -G");
    assert!(ran.exists(), "ssh ran the exec command");
    std::fs::remove_file(&ran).expect("rm");
    let (note, _, _) = safeop(&reached, &[], "db1");
    assert!(note.contains("has `Match exec touch"), "{note}");
    assert!(!ran.exists(), "safeop never runs it");
    // With a guarded remote command, the code is said beside it and asked for.
    Test::new()
        .args([
            "check", "--", "ssh", "-F", &reached, "db1", "rm", "-rf", "/srv/x",
        ])
        .go()
        .status(3)
        .stdout_has("runs-code-safeop-cannot-see")
        .stdout_has("Match exec touch");
}

/// A file ssh would read that cannot be read: ssh stops (`-F`), safeop asks.
#[test]
fn an_unreadable_configuration_asks() {
    need_tool!("ssh");
    let s = Scratch::new();
    let missing = s.p("missing");
    assert!(
        oracle(&missing, &[], "db1").is_none(),
        "ssh -G refuses it too"
    );
    let dir = s.path("adir");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for f in [missing, dir.display().to_string()] {
        Test::new()
            .args(["check", "--", "ssh", "-F", &f, "db1", "uptime"])
            .go()
            .status(3)
            .stdout_has("which safeop cannot read");
    }
    // `-F none` reads nothing at all.
    Test::new()
        .args(["check", "--", "ssh", "-F", "none", "db1", "uptime"])
        .go()
        .status(0);
}

/// A `RemoteCommand` from the configuration is judged like one on the line.
#[test]
fn a_remote_command_from_the_configuration_is_judged() {
    let s = Scratch::new();
    let f = s.write("config", "Host db1\n  RemoteCommand rm -rf /\n");
    Test::new()
        .args(["check", "--", "ssh", "-F"])
        .arg(&f)
        .arg("db1")
        .go()
        .status(4)
        .stdout_has("rm-recursive-root");
    Test::new()
        .args(["check", "--", "ssh", "-F"])
        .arg(&f)
        .arg("db2")
        .go()
        .status(0);
}
