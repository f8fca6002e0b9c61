//! `safeop preflight` through the built binary: runbooks in both forms (shell and Markdown) with
//! the exact place of each finding, the shell constructs whose commands are judged and the text
//! that only mentions one, the static rules on what the shell expands, the facts of the target
//! host (none, one snapshot, a snapshot per `ssh` host), bad input, the four report formats and
//! the exit statuses. The incidents' runbooks are in `tests/preflight_incidents.rs`.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

/// `preflight --format json FILES…` run in `dir`.
fn json_of(dir: &Path, args: &[&str]) -> (Value, i32) {
    let r = Test::new()
        .cwd(dir)
        .args(["preflight", "--format", "json"])
        .args(args)
        .go();
    (r.json(), r.code())
}

/// Every command as `LINE:COL WORDS`.
fn steps(v: &Value) -> Vec<String> {
    v["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| {
            let argv: Vec<&str> = c["argv"]
                .as_array()
                .expect("argv")
                .iter()
                .map(|a| a.as_str().expect("a string"))
                .collect();
            format!("{}:{} {}", c["line"], c["col"], argv.join(" "))
        })
        .collect()
}

/// `LINE:COL verdict[rule]` of every finding.
fn findings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in v["commands"].as_array().expect("commands") {
        for f in c["findings"].as_array().expect("findings") {
            out.push(format!(
                "{}:{} {}[{}]",
                c["line"],
                c["col"],
                f["verdict"].as_str().expect("verdict"),
                f["rule"].as_str().expect("rule")
            ));
        }
    }
    out
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|l| l == want)
}

const RUNBOOK_MD: &str = "# Replace the cache disk

1. Stop the service and clear its cache:

   ```bash
   # a comment: rm -rf /
   systemctl stop web
   rm -rf \"$CACHE/\"*
   ```

> ```sh
> dd if=/dev/zero of=/dev/sdb bs=1M
> ```

```console
$ lsblk
NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS
sdb      8:16   0   20G  0 disk
# wipefs -a /dev/sdb
$ echo \"rm -rf /\"
rm -rf /
```

```console
rm -rf /
```

```python
import shutil; shutil.rmtree('/')
```
";

#[test]
fn markdown_findings_stand_at_their_line_and_column() {
    let s = Scratch::new();
    s.write("runbook.md", RUNBOOK_MD);
    let (v, code) = json_of(s.dir.path(), &["runbook.md"]);
    assert_eq!(
        steps(&v),
        [
            "7:4 systemctl stop web",
            "8:4 rm -rf \"$CACHE/\"*",
            "12:3 dd if=/dev/zero of=/dev/sdb bs=1M",
            "16:3 lsblk",
            "19:3 wipefs -a /dev/sdb",
            "20:3 echo rm -rf /",
            "25:1 rm -rf /",
        ],
        "comments, console output and python are no commands; `# ` is a root prompt in console"
    );
    let f = findings(&v);
    assert!(
        has(&f, "8:4 deny[rm-empty-variable-reaches-system-dir]"),
        "{f:?}"
    );
    assert!(has(&f, "8:4 confirm[rm-recursive-unquoted-glob]"), "{f:?}");
    assert!(has(&f, "12:3 warn[needs-host-facts]"), "{f:?}");
    assert!(has(&f, "19:3 warn[needs-host-facts]"), "{f:?}");
    assert!(
        has(&f, "25:1 deny[rm-recursive-root]"),
        "a console block with no prompt is commands: {f:?}"
    );
    assert!(
        !f.iter().any(|l| l.starts_with("20:")),
        "echo only prints: {f:?}"
    );
    assert_eq!(code, 4);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["verdict"], "deny");
    assert_eq!(v["commands"][1]["file"], "runbook.md");
}

#[test]
fn the_text_report_reads_like_a_compiler() {
    let s = Scratch::new();
    s.write("runbook.md", RUNBOOK_MD);
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "runbook.md"])
        .go()
        .status(4)
        .stdout_has("runbook.md:25:1: deny[rm-recursive-root]: recursive delete of `/`")
        .stdout_has("25 | rm -rf /\n   | ^\n   = fix: name the directory you meant")
        .stdout_has("runbook.md:8:4: deny[rm-empty-variable-reaches-system-dir]: `\"$CACHE/\"*` is `/*` when $CACHE is empty or unset")
        .stdout_has("\n8 |    rm -rf \"$CACHE/\"*\n  |    ^\n")
        .stdout_has("preflight: 1 file, 7 commands: 2 denied, 0 to confirm, 2 warned; 4 lack facts of the host they run on: denied");
}

const CONSTRUCTS: &str = r#"#!/bin/bash
tar -c /srv | gzip > /backup/srv.tgz
for d in /srv/a /srv/b; do rm -rf "$d"; done
echo "$(rm -rf /opt/old)"
bash <<EOF
rm -rf /
EOF
eval "rm -rf /"
ssh db1 'systemctl stop db && rm -rf /var/lib/db/*'
cat > /etc/motd <<'EOF'
rm -rf /
EOF
echo "rm -rf /"
grep 'rm -rf' Makefile
# rm -rf /
"#;

#[test]
fn commands_in_every_construct_are_judged_and_mentions_are_not() {
    let s = Scratch::new();
    s.write("steps.sh", CONSTRUCTS);
    let (v, code) = json_of(s.dir.path(), &["steps.sh"]);
    let st = steps(&v);
    for want in [
        "2:1 tar -c /srv",
        "2:15 gzip",
        "2:20 gzip >/backup/srv.tgz",
        "3:28 rm -rf \"$d\"",
        "4:9 rm -rf /opt/old",
        "6:1 rm -rf /",
        "8:7 rm -rf /",
        "9:10 systemctl stop db",
        "9:31 rm -rf /var/lib/db/*",
        "13:1 echo rm -rf /",
        "14:1 grep rm -rf Makefile",
    ] {
        assert!(has(&st, want), "{want} missing from {st:#?}");
    }
    // the heredoc written to /etc/motd is data; the comment is nothing
    let rm_root: Vec<&String> = st
        .iter()
        .filter(|l| l.split(' ').nth(1) == Some("rm") && l.ends_with(" rm -rf /"))
        .collect();
    assert_eq!(rm_root, ["6:1 rm -rf /", "8:7 rm -rf /"], "{st:#?}");
    let f = findings(&v);
    assert!(has(&f, "6:1 deny[rm-recursive-root]"), "{f:?}");
    assert!(has(&f, "8:7 deny[rm-recursive-root]"), "{f:?}");
    assert!(has(&f, "9:31 confirm[rm-recursive-unquoted-glob]"), "{f:?}");
    // the loop variable runs over non-empty words: no empty-variable finding
    assert!(!f.iter().any(|l| l.starts_with("3:28 deny")), "{f:?}");
    // the ssh step is db1's
    let ssh = &v["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["line"] == 9 && c["col"] == 31)
        .expect("the remote rm")["host"];
    assert_eq!(ssh, "db1");
    assert_eq!(code, 4);
}

#[test]
fn the_steam_line_is_denied_and_its_guarded_spellings_pass() {
    let s = Scratch::new();
    let cases = [
        (
            "steam.sh",
            "STEAMROOT=\"$(cd \"${0%/*}\" && echo $PWD)\"\nrm -rf \"$STEAMROOT/\"*\n",
            true,
        ),
        ("slash.sh", "rm -rf $DIR/\n", true),
        ("etc.sh", "rm -rf \"$PREFIX\"/etc\n", true),
        ("empty.sh", "set -u\nDIR=\nrm -rf \"$DIR/\"*\n", true),
        ("nounset.sh", "set -u\nrm -rf \"$DIR/\"*\n", false),
        ("guard.sh", "rm -rf \"${DIR:?}/\"*\n", false),
        (
            "guard-before.sh",
            ": \"${DIR:?DIR is not set}\"\nrm -rf \"$DIR/\"*\n",
            false,
        ),
        ("default.sh", "rm -rf \"${TMPDIR:-/tmp}/x\"\n", false),
        (
            "static.sh",
            "DIR=/srv/app/cache\nrm -rf \"$DIR/\"*\n",
            false,
        ),
        ("build.sh", "rm -rf \"$TMPDIR/build\"\n", false),
        ("shebang.sh", "#!/bin/bash -eu\nrm -rf \"$DIR/\"*\n", false),
    ];
    for (name, text, denied) in cases {
        s.write(name, text);
        let (v, _) = json_of(s.dir.path(), &[name]);
        let f = findings(&v);
        let hit = f
            .iter()
            .any(|l| l.contains("deny[rm-empty-variable-reaches-system-dir]"));
        assert_eq!(hit, denied, "{name}: {f:?}");
    }
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "steam.sh"])
        .go()
        .status(4)
        .stdout_has("`\"$STEAMROOT/\"*` is `/*` when $STEAMROOT is empty or unset")
        .stdout_has("fix: make the shell stop when it is empty: write `${VAR:?}`");
    // `${TMPDIR:-/tmp}/x` is spelt out: judged as /tmp/x
    let (v, code) = json_of(s.dir.path(), &["default.sh"]);
    assert_eq!(steps(&v), ["1:1 rm -rf /tmp/x"]);
    assert_eq!(code, 0);
}

#[test]
fn unquoted_globs_and_devices_from_variables_ask() {
    let s = Scratch::new();
    s.write(
        "disks.sh",
        "rm -rf /srv/*\nrm -rf '/srv/*'\ndd if=/dev/zero of=$DEV bs=1M\nmkfs.ext4 \"$DISK\"\nwipefs -a $DEV\nDEV=/dev/sdb\nwipefs -a $DEV\ncp app.conf \"$DEST\"\n",
    );
    let (v, code) = json_of(s.dir.path(), &["disks.sh"]);
    let f = findings(&v);
    assert!(has(&f, "1:1 confirm[rm-recursive-unquoted-glob]"), "{f:?}");
    assert!(
        !f.iter().any(|l| l.starts_with("2:1 confirm")),
        "quoted: {f:?}"
    );
    assert!(has(&f, "3:1 confirm[device-from-variable]"), "{f:?}");
    assert!(has(&f, "4:1 confirm[device-from-variable]"), "{f:?}");
    assert!(has(&f, "5:1 confirm[device-from-variable]"), "{f:?}");
    assert!(
        !f.iter().any(|l| l.starts_with("7:1 confirm")),
        "spelt out as /dev/sdb: {f:?}"
    );
    assert!(
        !f.iter().any(|l| l.starts_with("8:1 confirm")),
        "cp is no raw write: {f:?}"
    );
    assert!(has(&steps(&v), "7:1 wipefs -a /dev/sdb"));
    assert_eq!(code, 3);
}

/// A runbook that changes directory: relative paths after the `cd` are not judged against
/// preflight's own directory (nor the `cd`'s: it may fail and the script goes on), so they ask;
/// absolute paths and what runs before the first `cd` are judged as written.
#[test]
fn relative_paths_after_a_cd_ask() {
    let s = Scratch::new();
    s.write(
        "cd.sh",
        "rm -rf build\ncd /\nrm -rf usr\nrm -rf /usr\ncd /srv || true\necho x > passwd\n",
    );
    let (v, code) = json_of(s.dir.path(), &["cd.sh"]);
    let f = findings(&v);
    assert!(
        !f.iter()
            .any(|l| l.starts_with("1:1 confirm") || l.starts_with("1:1 deny")),
        "before the cd: {f:?}"
    );
    assert!(has(&f, "3:1 confirm[command-not-understood]"), "{f:?}");
    assert!(has(&f, "4:1 deny[rm-recursive-system-dir]"), "{f:?}");
    assert!(
        has(&f, "6:8 confirm[command-not-understood]"),
        "a redirection after the cd: {f:?}"
    );
    assert_eq!(code, 4);
}

#[test]
fn without_facts_only_the_command_line_decides() {
    let s = Scratch::new();
    s.write("root.sh", "rm -rf /\n");
    s.write("dd.sh", "dd if=/dev/zero of=/dev/sda\n");
    // the same argv as `check` judges it with no facts at all
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "root.sh"])
        .go()
        .status(4)
        .stdout_has("deny[rm-recursive-root]");
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "dd.sh"])
        .go()
        .status(0)
        .stdout_has("dd.sh:1:1: warn[needs-host-facts]: needs facts from the target host:")
        .stdout_lacks("deny")
        .stdout_lacks("confirm[");
    // a layer raises the setting: the rules' `unknown:` then decide, up to it
    let confirm = s.write(
        "strict.yaml",
        "version: 1\nsettings:\n  preflight_without_facts: confirm\n",
    );
    Test::new()
        .cwd(s.dir.path())
        .env("SAFEOP_POLICY", &confirm)
        .args(["preflight", "dd.sh"])
        .go()
        .status(3)
        .stdout_has("confirm[needs-host-facts]");
    // and may not lower it
    let lax = s.write(
        "lax.yaml",
        "version: 1\nsettings:\n  preflight_without_facts: allow\n",
    );
    Test::new()
        .cwd(s.dir.path())
        .env("SAFEOP_POLICY", &lax)
        .args(["preflight", "dd.sh"])
        .go()
        .status(125)
        .stderr_has("`preflight_without_facts: allow` is milder than the `warn` in effect");
}

#[test]
fn text_the_parser_cannot_read_is_a_finding_and_the_rest_is_judged() {
    let s = Scratch::new();
    s.write(
        "broken.sh",
        "rm -rf /srv/ok\necho 'never closed\nrm -rf /\n",
    );
    let (v, code) = json_of(s.dir.path(), &["broken.sh"]);
    let f = findings(&v);
    assert!(has(&f, "2:6 confirm[command-not-understood]"), "{f:?}");
    let msg = v["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["line"] == 2)
        .expect("the error")["findings"][0]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(msg.contains("unterminated single quote"), "{msg}");
    assert!(has(&steps(&v), "1:1 rm -rf /srv/ok"), "{:?}", steps(&v));
    // the shell front end reads on from the line after the error
    assert!(has(&f, "3:1 deny[rm-recursive-root]"), "{f:?}");
    assert_eq!(code, 4);
    s.write(
        "heredoc.md",
        "```bash\ncat <<EOF | bash\nrm -rf /srv\n```\n\n```bash\nrm -rf /\n```\n",
    );
    let (v, code) = json_of(s.dir.path(), &["heredoc.md"]);
    let f = findings(&v);
    assert!(has(&f, "2:5 confirm[command-not-understood]"), "{f:?}");
    assert!(
        has(&f, "7:1 deny[rm-recursive-root]"),
        "the next block is still judged: {f:?}"
    );
    assert_eq!(code, 4);
}

#[test]
fn files_that_are_not_runbooks_are_refused_clearly() {
    let s = Scratch::new();
    s.file("blob.sh", 4096);
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "blob.sh"])
        .go()
        .status(125)
        .stderr_has("`blob.sh` is not text (a NUL byte at offset 0)");
    let huge = s.path("huge.sh");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(17 << 20))
        .expect("sparse file");
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "huge.sh"])
        .go()
        .status(125)
        .stderr_has("`huge.sh` is larger than 16 MiB");
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "missing.md"])
        .go()
        .status(2)
        .stderr_has("`missing.md`: no such file or directory");
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "--format", "yaml", "x.sh"])
        .go()
        .status(2);
    Test::new()
        .cwd(s.dir.path())
        .args(["preflight"])
        .go()
        .status(2);
}

#[test]
fn a_directory_is_walked_for_scripts_and_runbooks() {
    let s = Scratch::new();
    s.write("docs/a.sh", "rm -rf /srv/a\n");
    s.write("docs/b.md", "```sh\nrm -rf /srv/b\n```\n");
    s.write("docs/sub/c", "#!/usr/bin/env bash\nrm -rf /srv/c\n");
    s.write("docs/sub/d.markdown", "```shell\nrm -rf /srv/d\n```\n");
    s.write("docs/e.txt", "rm -rf /\n");
    s.write("docs/.git/hooks/f.sh", "rm -rf /\n");
    s.write("docs/g.py", "#!/usr/bin/python3\nimport os\n");
    let (v, code) = json_of(s.dir.path(), &["docs"]);
    assert_eq!(
        v["files"],
        serde_json::json!([
            "docs/a.sh",
            "docs/b.md",
            "docs/sub/c",
            "docs/sub/d.markdown"
        ])
    );
    assert_eq!(code, 0);
}

/// A Python with the `jsonschema` module (4.x): `python3` first, then Debian's.
fn python_with_jsonschema() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import jsonschema"])
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let s = Scratch::new();
    s.write("docs/runbook.md", RUNBOOK_MD);
    s.write("steps.sh", CONSTRUCTS);
    let r = Test::new()
        .cwd(s.dir.path())
        .args([
            "preflight",
            "--format",
            "sarif",
            "docs/runbook.md",
            "steps.sh",
        ])
        .go();
    r.status(4);
    let out = s.write("out.sarif", &r.stdout);
    let Some(py) = python_with_jsonschema() else {
        panic!("python3 with jsonschema is needed (.ci/run installs python3-jsonschema)");
    };
    let check = std::process::Command::new(py)
        .args([
            "-c",
            "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1]))); print('valid')",
        ])
        .arg(fixture("sarif-schema-2.1.0.json"))
        .arg(&out)
        .output()
        .expect("run python");
    assert!(
        check.status.success(),
        "not valid SARIF 2.1.0:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert!(rules.contains(&"rm-recursive-root") && rules.contains(&"needs-host-facts"));
    let root = &run["tool"]["driver"]["rules"][rules
        .iter()
        .position(|r| *r == "rm-recursive-root")
        .expect("cited")];
    assert_eq!(
        root["shortDescription"]["text"],
        "Never delete the root directory recursively."
    );
    assert!(root["help"]["text"]
        .as_str()
        .expect("help")
        .contains("`/` is never it"));
    let results = run["results"].as_array().expect("results");
    let deny = results
        .iter()
        .find(|x| {
            x["ruleId"] == "rm-recursive-root"
                && x["locations"][0]["physicalLocation"]["region"]["startLine"] == 25
        })
        .expect("the markdown deny");
    assert_eq!(deny["level"], "error");
    let loc = &deny["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "docs/runbook.md");
    assert_eq!(loc["region"]["startColumn"], 1);
    let levels: Vec<(&str, &str)> = results
        .iter()
        .map(|x| {
            (
                x["ruleId"].as_str().expect("id"),
                x["level"].as_str().expect("level"),
            )
        })
        .collect();
    assert!(levels.contains(&("rm-recursive-unquoted-glob", "warning")));
    assert!(levels.contains(&("needs-host-facts", "note")));
}

#[test]
fn junit_has_a_suite_per_file_and_a_case_per_command() {
    let s = Scratch::new();
    s.write("runbook.md", RUNBOOK_MD);
    s.write("ok.sh", "systemctl status web\nls -l /srv\n");
    let r = Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "--format", "junit", "runbook.md", "ok.sh"])
        .go();
    r.status(4);
    let doc = roxmltree::Document::parse(&r.stdout).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("9"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[0].attribute("name"), Some("runbook.md"));
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 7);
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").expect("name"))
        .collect();
    assert_eq!(
        failed,
        ["line 8:4: rm -rf \"$CACHE/\"*", "line 25:1: rm -rf /"],
        "deny and confirm fail; warnings do not"
    );
    let f = cases[6]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure");
    assert_eq!(f.attribute("type"), Some("rm-recursive-root"));
    assert_eq!(suites[1].attribute("failures"), Some("0"));
}

#[test]
fn the_clean_example_runbook_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = Test::new()
        .cwd(root)
        .args(["preflight", "examples/runbooks/clean-rotate-logs.md"])
        .go();
    r.status(0).stdout_lacks("deny[").stdout_lacks("confirm[");
}

/// Every rule a SARIF report lists (the policy's, and preflight's own `needs-host-facts`) has a
/// manual page: what a code-scanning alert links to is `safeop explain RULE`.
#[test]
fn every_rule_in_a_sarif_report_is_explained() {
    let s = Scratch::new();
    s.write("r.sh", "rm -rf /srv/x\n");
    let r = Test::new()
        .cwd(s.dir.path())
        .args(["preflight", "--format", "sarif", "r.sh"])
        .go();
    let v = r.json();
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect::<Vec<_>>();
    assert!(rules.iter().any(|r| r == "needs-host-facts"), "{rules:?}");
    for id in &rules {
        let e = Test::new().args(["explain", id]).go();
        assert_eq!(e.code(), 0, "explain {id}: {}", e.stderr);
        assert!(e.stdout.contains(id.as_str()), "explain {id}: {}", e.stdout);
    }
}
