//! Where code runs that safeop cannot see (issue 10), through the built binary with `check`
//! only (nothing here is ever run): options that run a program are confirmed by
//! `runs-code-safeop-cannot-see` with the program named, and qemu-img's file names are judged
//! by the path qemu opens.

mod common;
use common::*;

/// The rule ids of a `check --format json` run.
fn rules(r: &Ran) -> Vec<String> {
    r.json()["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn tar_to_command_needs_confirmation_naming_the_command() {
    let s = Scratch::new();
    Test::new()
        .cwd(s.path("").as_path())
        .args([
            "check",
            "--",
            "tar",
            "-xf",
            "a.tar",
            r#"--to-command=sh -c "rm -rf /""#,
        ])
        .go()
        .status(3)
        .stdout_has("confirm [runs-code-safeop-cannot-see]")
        .stdout_has(r#"`--to-command` runs `sh -c "rm -rf /"` for every member"#)
        .stdout_has("safeop cannot see what this runs");
}

#[test]
fn tar_decompressing_through_a_program_needs_confirmation_and_plain_listing_does_not() {
    let s = Scratch::new();
    let cwd = s.path("");
    Test::new()
        .cwd(&cwd)
        .args(["check", "--", "tar", "-tf", "a.tar"])
        .go()
        .status(0);
    Test::new()
        .cwd(&cwd)
        .args(["check", "--", "tar", "-tf", "a.tar", "-I", "sh -c x"])
        .go()
        .status(3)
        .stdout_has("`-I` runs `sh -c x`");
}

#[test]
fn rsync_with_a_remote_shell_command_needs_confirmation() {
    let s = Scratch::new();
    let cwd = s.path("");
    Test::new()
        .cwd(&cwd)
        .args([
            "check",
            "--",
            "rsync",
            "-a",
            "-e",
            "ssh -i k",
            "src/",
            "host:dst/",
        ])
        .go()
        .status(3)
        .stdout_has("confirm [runs-code-safeop-cannot-see]")
        .stdout_has("`--rsh` (`-e`) runs `ssh -i k` to reach the other host");
    // The same transfer with rsync's own remote shell: nothing safeop cannot see.
    Test::new()
        .cwd(&cwd)
        .args(["check", "--", "rsync", "-a", "src/", "host:dst/"])
        .go()
        .status(0);
}

#[test]
fn qemu_img_host_device_prefix_is_judged_as_the_device() {
    let s = Scratch::new();
    let cwd = s.path("");
    let prefixed = Test::new()
        .cwd(&cwd)
        .args([
            "check",
            "--format",
            "json",
            "--",
            "qemu-img",
            "convert",
            "-O",
            "raw",
            "x.qcow2",
            "host_device:/dev/vda",
        ])
        .go();
    let j = prefixed.json();
    assert_eq!(j["operation"]["kind"], "overwrite");
    assert_eq!(j["operation"]["targets"], serde_json::json!(["/dev/vda"]));
    // Exactly what the device rules say about the device written plainly.
    let plain = Test::new()
        .cwd(&cwd)
        .args([
            "check",
            "--format",
            "json",
            "--",
            "dd",
            "if=x.qcow2",
            "of=/dev/vda",
        ])
        .go();
    assert_eq!(prefixed.code(), plain.code());
    assert_eq!(rules(&prefixed), rules(&plain));
    assert_eq!(j["verdict"], plain.json()["verdict"]);
    // On a machine whose root filesystem is on /dev/vda (this test VM): denied, naming it.
    if sh("findmnt -no SOURCE /").trim().starts_with("/dev/vda") {
        prefixed.status(4);
        assert!(rules(&prefixed).contains(&"device-holds-root".to_string()));
        let msg = j["findings"][0]["message"].as_str().unwrap_or("");
        assert!(msg.contains("/dev/vda"), "{msg}");
    }
}

#[test]
fn qemu_img_target_behind_another_protocol_needs_confirmation_with_the_reason() {
    let s = Scratch::new();
    Test::new()
        .cwd(s.path("").as_path())
        .args([
            "check",
            "--",
            "qemu-img",
            "convert",
            "-O",
            "raw",
            "x.qcow2",
            "nbd:backup1:10809",
        ])
        .go()
        .status(3)
        .stdout_has("confirm [command-not-understood]")
        .stdout_has("qemu reads `nbd:backup1:10809` as protocol `nbd:`");
}

#[test]
fn qemu_img_convert_of_plain_names_is_unchanged() {
    let s = Scratch::new();
    let r = Test::new()
        .cwd(s.path("").as_path())
        .args([
            "check", "--format", "json", "--", "qemu-img", "convert", "-O", "raw", "a", "b",
        ])
        .go();
    r.status(0);
    let j = r.json();
    assert_eq!(j["verdict"], "allow");
    assert_eq!(j["operation"]["kind"], "overwrite");
    assert_eq!(j["operation"]["targets"], serde_json::json!(["b"]));
    assert_eq!(j["operation"]["sources"], serde_json::json!(["a"]));
    assert_eq!(j["operation"]["note"], serde_json::Value::Null);
    assert_eq!(rules(&r), Vec::<String>::new());
}
