//! Every way to reboot, halt, power off, kexec, suspend or drop into rescue mode, and every
//! wrapper around them, in one table, each decided by `safeop check` (never `run`: nothing here
//! takes the machine down) against two hosts given as facts snapshots:
//!
//! - a quiet host: no ssh session, nobody else logged in, no guests, no fsck due. Every spelling
//!   is allowed, except what safeop cannot follow (confirm) and writes to /proc/sysrq-trigger
//!   (deny);
//! - a host where everything is true: over ssh, another user logged in, two guests running, a
//!   forced fsck due. Each spelling gets the reboot rules its class justifies: a boot all four; a
//!   sleep state the two about losing the host (ssh, users), not the boot's fsck nor the guests
//!   (they pause and resume); rescue/emergency mode (every service stops, nothing boots) all but
//!   the fsck one.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// Boots (or halts) this machine.
    Boot,
    /// Suspends or hibernates this machine.
    Sleep,
    /// Stops every service on this machine (rescue, emergency).
    Services,
    /// Takes down another host or container, or is a dry run: operation `reboot`, no finding.
    Elsewhere,
    /// Reads, cancels, loads, or is none of safeop's business: allowed.
    Harmless,
    /// safeop cannot follow it: it asks.
    Unclear,
    /// Writes a kernel command safeop cannot see: refused.
    Sysrq,
    /// A shell redirection onto /proc/sysrq-trigger: never allowed (asked while safeop cannot
    /// read the redirection, refused once it can).
    ShellSysrq,
}
use Class::*;

const M: &str = "org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager";
const S: &str =
    "org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager";
const DBUS: &str = "dbus-send --system --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager";

/// (command line, class, the `action` it is read as).
fn table() -> Vec<(String, Class, Option<&'static str>)> {
    let rows: &[(&str, Class, Option<&str>)] = &[
        // halt, reboot, poweroff (systemd's halt_parse_argv)
        ("reboot", Boot, Some("reboot")),
        ("/sbin/reboot", Boot, Some("reboot")),
        ("poweroff", Boot, Some("poweroff")),
        ("halt", Boot, Some("halt")),
        ("reboot -f", Boot, Some("reboot")),
        ("reboot -ff --no-wall", Boot, Some("reboot")),
        ("halt -p", Boot, Some("poweroff")),
        ("reboot -p", Boot, Some("reboot")),
        ("poweroff --reboot", Boot, Some("reboot")),
        ("reboot recovery", Boot, Some("reboot")),
        ("poweroff -f -n", Boot, Some("poweroff")),
        // shutdown, times as systemd reads them
        ("shutdown", Boot, Some("poweroff")),
        ("shutdown -r now", Boot, Some("reboot")),
        ("shutdown now -r", Boot, Some("reboot")),
        ("shutdown -r 5", Boot, Some("reboot")),
        ("shutdown -r +5", Boot, Some("reboot")),
        ("shutdown -r 0", Boot, Some("reboot")),
        ("shutdown -h now", Boot, Some("poweroff")),
        ("shutdown -h 10 'disk swap'", Boot, Some("poweroff")),
        ("shutdown -P 23:30", Boot, Some("poweroff")),
        ("shutdown -H now", Boot, Some("halt")),
        ("shutdown -r 0:05 'back soon'", Boot, Some("reboot")),
        ("shutdown -K now", Boot, Some("kexec")),
        ("shutdown -c -r now", Boot, Some("reboot")),
        // sysvinit runlevels
        ("init 0", Boot, Some("poweroff")),
        ("init 6", Boot, Some("reboot")),
        ("telinit 6", Boot, Some("reboot")),
        ("telinit -t 5 0", Boot, Some("poweroff")),
        // systemctl verbs
        ("systemctl reboot", Boot, Some("reboot")),
        ("systemctl poweroff", Boot, Some("poweroff")),
        ("systemctl halt", Boot, Some("halt")),
        ("systemctl kexec", Boot, Some("kexec")),
        ("systemctl soft-reboot", Boot, Some("soft-reboot")),
        ("systemctl exit", Boot, Some("poweroff")),
        ("systemctl --force reboot", Boot, Some("reboot")),
        ("systemctl -ff poweroff", Boot, Some("poweroff")),
        ("systemctl -i reboot", Boot, Some("reboot")),
        (
            "systemctl --ignore-inhibitors --no-wall reboot",
            Boot,
            Some("reboot"),
        ),
        (
            "systemctl --check-inhibitors=no reboot",
            Boot,
            Some("reboot"),
        ),
        ("systemctl --no-block reboot", Boot, Some("reboot")),
        (
            "systemctl --message='disk swap' reboot",
            Boot,
            Some("reboot"),
        ),
        ("systemctl reboot --when=+5min", Boot, Some("reboot")),
        ("systemctl reboot --firmware-setup", Boot, Some("reboot")),
        (
            "systemctl reboot --boot-loader-entry=old.conf",
            Boot,
            Some("reboot"),
        ),
        ("systemctl --user --system reboot", Boot, Some("reboot")),
        // systemctl units
        ("systemctl start reboot.target", Boot, Some("reboot")),
        ("systemctl start poweroff.target", Boot, Some("poweroff")),
        ("systemctl start halt.target", Boot, Some("halt")),
        ("systemctl start kexec.target", Boot, Some("kexec")),
        (
            "systemctl start soft-reboot.target",
            Boot,
            Some("soft-reboot"),
        ),
        ("systemctl restart reboot.target", Boot, Some("reboot")),
        (
            "systemctl reload-or-restart reboot.target",
            Boot,
            Some("reboot"),
        ),
        (
            "systemctl --no-block start reboot.target",
            Boot,
            Some("reboot"),
        ),
        ("systemctl isolate reboot.target", Boot, Some("reboot")),
        ("systemctl isolate reboot", Boot, Some("reboot")),
        ("systemctl isolate poweroff", Boot, Some("poweroff")),
        ("systemctl isolate halt", Boot, Some("halt")),
        ("systemctl isolate runlevel0", Boot, Some("poweroff")),
        ("systemctl isolate runlevel0.target", Boot, Some("poweroff")),
        ("systemctl isolate runlevel6", Boot, Some("reboot")),
        ("systemctl isolate runlevel6.target", Boot, Some("reboot")),
        ("systemctl start runlevel6.target", Boot, Some("reboot")),
        ("systemctl start ctrl-alt-del.target", Boot, Some("reboot")),
        ("systemctl start shutdown.target", Boot, Some("poweroff")),
        (
            "systemctl start systemd-reboot.service",
            Boot,
            Some("reboot"),
        ),
        ("systemctl start systemd-reboot", Boot, Some("reboot")),
        (
            "systemctl restart systemd-reboot.service",
            Boot,
            Some("reboot"),
        ),
        (
            "systemctl start systemd-poweroff.service",
            Boot,
            Some("poweroff"),
        ),
        ("systemctl start systemd-halt.service", Boot, Some("halt")),
        ("systemctl start systemd-kexec.service", Boot, Some("kexec")),
        (
            "systemctl start nginx.service reboot.target",
            Boot,
            Some("reboot"),
        ),
        ("systemctl start 'reboot*'", Boot, Some("reboot")),
        ("systemctl enable --now reboot.target", Boot, Some("reboot")),
        // kexec
        ("kexec -e", Boot, Some("kexec")),
        ("kexec --exec", Boot, Some("kexec")),
        ("kexec -y -e", Boot, Some("kexec")),
        ("kexec -f /boot/vmlinuz", Boot, Some("kexec")),
        (
            "kexec /boot/vmlinuz --initrd=/boot/initrd.img --reuse-cmdline",
            Boot,
            Some("kexec"),
        ),
        // elogind's loginctl
        ("loginctl reboot", Boot, Some("reboot")),
        ("loginctl poweroff", Boot, Some("poweroff")),
        (
            "loginctl -i reboot +5 'kernel update'",
            Boot,
            Some("reboot"),
        ),
        // wrappers
        ("sudo reboot", Boot, Some("reboot")),
        ("sudo systemctl reboot", Boot, Some("reboot")),
        (
            "sudo -u root systemctl isolate runlevel6",
            Boot,
            Some("reboot"),
        ),
        ("doas shutdown -r now", Boot, Some("reboot")),
        ("env LANG=C shutdown -r now", Boot, Some("reboot")),
        ("nohup shutdown -r +1", Boot, Some("reboot")),
        ("nice -n 10 reboot", Boot, Some("reboot")),
        ("timeout 10 systemctl reboot", Boot, Some("reboot")),
        ("setsid -f systemctl poweroff", Boot, Some("poweroff")),
        ("command reboot", Boot, Some("reboot")),
        ("busybox reboot", Boot, Some("reboot")),
        ("busybox poweroff", Boot, Some("poweroff")),
        ("sh -c 'systemctl reboot'", Boot, Some("reboot")),
        ("bash -c 'shutdown -r now'", Boot, Some("reboot")),
        // the shell front end reads lists: the one guarded command is judged
        ("sh -c 'reboot; echo done'", Boot, Some("reboot")),
        ("sudo sh -c 'kexec -e'", Boot, Some("kexec")),
        ("sudo env -i /usr/sbin/reboot", Boot, Some("reboot")),
        // sleep states
        ("systemctl suspend", Sleep, Some("suspend")),
        ("systemctl hibernate", Sleep, Some("hibernate")),
        ("systemctl hybrid-sleep", Sleep, Some("hybrid-sleep")),
        (
            "systemctl suspend-then-hibernate",
            Sleep,
            Some("suspend-then-hibernate"),
        ),
        ("systemctl sleep", Sleep, Some("sleep")),
        ("systemctl -i suspend", Sleep, Some("suspend")),
        ("systemctl start suspend.target", Sleep, Some("suspend")),
        ("systemctl start hibernate.target", Sleep, Some("hibernate")),
        (
            "systemctl start systemd-suspend.service",
            Sleep,
            Some("suspend"),
        ),
        ("sudo systemctl suspend", Sleep, Some("suspend")),
        ("loginctl suspend", Sleep, Some("suspend")),
        ("loginctl hibernate", Sleep, Some("hibernate")),
        ("loginctl hybrid-sleep", Sleep, Some("hybrid-sleep")),
        (
            "loginctl suspend-then-hibernate",
            Sleep,
            Some("suspend-then-hibernate"),
        ),
        // rescue and emergency: every service stops, ssh with them
        ("systemctl rescue", Services, Some("rescue")),
        ("systemctl emergency", Services, Some("emergency")),
        ("systemctl isolate rescue.target", Services, Some("rescue")),
        ("systemctl isolate rescue", Services, Some("rescue")),
        (
            "systemctl isolate emergency.target",
            Services,
            Some("emergency"),
        ),
        ("systemctl isolate emergency", Services, Some("emergency")),
        ("systemctl isolate runlevel1", Services, Some("rescue")),
        (
            "systemctl isolate runlevel1.target",
            Services,
            Some("rescue"),
        ),
        ("init 1", Services, Some("rescue")),
        ("telinit s", Services, Some("rescue")),
        ("init S", Services, Some("rescue")),
        // another host, a container, a dry run
        ("systemctl -H db1 reboot", Elsewhere, Some("reboot")),
        (
            "systemctl --host=admin@db1 poweroff",
            Elsewhere,
            Some("poweroff"),
        ),
        ("systemctl -M web reboot", Elsewhere, Some("reboot")),
        ("systemctl -H db1 suspend", Elsewhere, Some("suspend")),
        ("systemctl -H db1 isolate rescue", Elsewhere, Some("rescue")),
        ("systemctl --dry-run reboot", Elsewhere, Some("reboot")),
        ("systemctl --dry-run suspend", Elsewhere, Some("suspend")),
        (
            "systemctl --dry-run start reboot.target",
            Elsewhere,
            Some("reboot"),
        ),
        ("loginctl -H db1 reboot", Elsewhere, Some("reboot")),
        ("loginctl --dry-run poweroff", Elsewhere, Some("poweroff")),
        // what only reads, cancels, loads, or is not safeop's business
        ("shutdown -c", Harmless, None),
        ("shutdown -c 'never mind'", Harmless, None),
        ("shutdown -r -c", Harmless, None),
        ("shutdown -k now", Harmless, None),
        ("shutdown --show", Harmless, None),
        ("shutdown --help", Harmless, None),
        ("reboot --help", Harmless, None),
        ("reboot -w", Harmless, None),
        ("halt --wtmp-only", Harmless, None),
        ("systemctl reboot --when=cancel", Harmless, None),
        ("systemctl reboot --when=show", Harmless, None),
        ("systemctl reboot --help", Harmless, None),
        ("systemctl --user reboot", Harmless, None),
        ("systemctl --root=/mnt reboot", Harmless, None),
        ("systemctl status reboot.target", Harmless, None),
        ("systemctl start reboot", Harmless, None),
        ("systemctl stop reboot.target", Harmless, None),
        ("systemctl try-restart reboot.target", Harmless, None),
        ("systemctl isolate multi-user.target", Harmless, None),
        ("systemctl isolate graphical", Harmless, None),
        ("systemctl isolate runlevel3", Harmless, None),
        ("systemctl default", Harmless, None),
        ("systemctl start rescue.target", Harmless, None),
        ("systemctl --user exit", Harmless, None),
        ("systemctl restart nginx", Harmless, None),
        ("systemctl enable reboot.target", Harmless, None),
        ("init 3", Harmless, None),
        ("telinit q", Harmless, None),
        (
            "kexec -l /boot/vmlinuz --initrd=/boot/initrd.img --reuse-cmdline",
            Harmless,
            None,
        ),
        (
            "kexec -p /boot/vmlinuz-crash --append=irqpoll",
            Harmless,
            None,
        ),
        ("kexec -e -l /boot/vmlinuz", Harmless, None),
        ("kexec -u", Harmless, None),
        ("kexec -S", Harmless, None),
        ("kexec --help", Harmless, None),
        ("loginctl -c", Harmless, None),
        ("loginctl cancel-shutdown", Harmless, None),
        ("loginctl list-sessions", Harmless, None),
        ("loginctl terminate-session 4", Harmless, None),
        ("tee", Harmless, None),
        ("tee --help", Harmless, None),
        // what safeop cannot follow
        ("shutdown -r tomorrow", Unclear, None),
        ("shutdown -r 5m", Unclear, None),
        ("shutdown -r 24:00", Unclear, None),
        ("reboot -x", Unclear, None),
        ("halt now", Unclear, None),
        ("systemctl --bogus reboot", Unclear, None),
        ("systemctl poweroff now", Unclear, None),
        ("systemctl isolate rescue reboot", Unclear, None),
        ("kexec --bogus -e", Unclear, None),
        ("loginctl reboot tomorrow", Unclear, None),
        // two commands that safeop guards in one string are more than it judges at once
        ("sh -c 'reboot; reboot -f'", Unclear, None),
        // the kernel's own button
        ("tee /proc/sysrq-trigger", Sysrq, None),
        ("tee -a /proc/sysrq-trigger", Sysrq, None),
        ("sudo tee /proc/sysrq-trigger", Sysrq, None),
        ("tee /srv/copy.log /proc/sysrq-trigger", Sysrq, None),
        ("dd of=/proc/sysrq-trigger", Sysrq, None),
        (
            "dd if=/root/letter of=/proc/sysrq-trigger bs=1 count=1",
            Sysrq,
            None,
        ),
        ("sudo dd of=/proc/sysrq-trigger", Sysrq, None),
        ("sh -c 'tee /proc/sysrq-trigger'", Sysrq, None),
        ("sh -c 'echo b > /proc/sysrq-trigger'", ShellSysrq, None),
        (
            "bash -c 'echo o | tee /proc/sysrq-trigger'",
            ShellSysrq,
            None,
        ),
    ];
    let mut out: Vec<(String, Class, Option<&'static str>)> = rows
        .iter()
        .map(|(l, c, a)| (l.to_string(), *c, *a))
        .collect();
    // logind and the service manager over D-Bus
    for (call, class, action) in [
        (format!("busctl call {M} Reboot b true"), Boot, "reboot"),
        (
            format!("busctl call {M} PowerOff b false"),
            Boot,
            "poweroff",
        ),
        (format!("busctl call {M} Halt b true"), Boot, "halt"),
        (
            format!("busctl call {M} RebootWithFlags t 0"),
            Boot,
            "reboot",
        ),
        (
            format!("busctl call {M} ScheduleShutdown st reboot 0"),
            Boot,
            "reboot",
        ),
        (
            format!("busctl --system -q call {M} PowerOff b true"),
            Boot,
            "poweroff",
        ),
        (format!("busctl call {S} Reboot"), Boot, "reboot"),
        (format!("busctl call {S} KExec"), Boot, "kexec"),
        (
            format!("busctl call {S} StartUnit ss reboot.target replace-irreversibly"),
            Boot,
            "reboot",
        ),
        (
            format!("sudo busctl call {M} Reboot b true"),
            Boot,
            "reboot",
        ),
        (format!("{DBUS}.Reboot boolean:true"), Boot, "reboot"),
        (format!("{DBUS}.PowerOff boolean:false"), Boot, "poweroff"),
        (format!("busctl call {M} Suspend b true"), Sleep, "suspend"),
        (
            format!("busctl call {M} Hibernate b true"),
            Sleep,
            "hibernate",
        ),
        (
            format!("busctl call {M} HybridSleep b true"),
            Sleep,
            "hybrid-sleep",
        ),
        (
            format!("busctl call {M} SuspendThenHibernate b true"),
            Sleep,
            "suspend-then-hibernate",
        ),
        (format!("{DBUS}.Suspend boolean:true"), Sleep, "suspend"),
        (
            format!("busctl -H db1 call {M} Reboot b true"),
            Elsewhere,
            "reboot",
        ),
        (
            format!("busctl -M web call {M} PowerOff b true"),
            Elsewhere,
            "poweroff",
        ),
    ] {
        out.push((call, class, Some(action)));
    }
    for call in [
        format!("busctl call {M} CanReboot"),
        format!("busctl call {M} ScheduleShutdown st dry-reboot 0"),
        format!("busctl call {M} CancelScheduledShutdown"),
        format!("busctl --user call {M} Reboot b true"),
        format!("busctl call {S} StartUnit ss nginx.service replace"),
        // the session bus (dbus-send's default) and a signal (its default type) ask logind nothing
        "dbus-send --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot boolean:true".to_string(),
        "dbus-send --system --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot boolean:true".to_string(),
    ] {
        out.push((call, Harmless, None));
    }
    out.push((
        format!("busctl --bogus call {M} Reboot b true"),
        Unclear,
        None,
    ));
    out
}

/// The quiet host and the host where everything the reboot rules ask about is true. What the
/// lines read (a kexec kernel, dd's `if=`) is one small file (`scale.*`), as a kernel is.
const QUIET: &str = r#"{"version": 1, "facts": {"scale.bytes": 12582912, "scale.entries": 1, "scale.entries_capped": false, "hostname": "mail1", "session.ssh": false, "session.ssh_evidence": null, "session.other_users": [], "host.running_vms": 0, "host.vm_names": [], "fsck.due": false, "fsck.count": 0, "fsck.filesystems": []}}"#;
const EVERYTHING: &str = r#"{"version": 1, "facts": {"scale.bytes": 12582912, "scale.entries": 1, "scale.entries_capped": false, "hostname": "mail1", "session.ssh": true, "session.ssh_evidence": "`SSH_CONNECTION` is set", "session.other_users": ["bob on pts/1 from 10.0.0.5"], "host.running_vms": 2, "host.vm_names": ["web01 (libvirt)", "db02 (libvirt)"], "fsck.due": true, "fsck.count": 1, "fsck.filesystems": ["/var/mail (/dev/sdb1, ext4, 1.8 TiB, 41,000,000 inodes in use): mounted 38 times, check forced at 35"]}}"#;

const SSH: &str = "reboot-over-ssh";
const FSCK: &str = "fsck-due-on-reboot";
const GUESTS: &str = "reboot-stops-running-guests";
const USERS: &str = "reboot-cuts-off-users";

fn check(snapshot: &std::path::Path, line: &str) -> (i32, Value) {
    let argv = shell_words::split(line).expect("table line splits");
    let ran = Test::new()
        .args(["check", "--format", "json", "--facts"])
        .arg(snapshot)
        .arg("--")
        .args(&argv)
        .go();
    let code = ran.code();
    (code, ran.json())
}

fn rules(out: &Value) -> BTreeSet<String> {
    out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str().map(String::from))
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// What the table says about one line on one host: exit status and rule ids (None: any).
fn expected(class: Class, everything: bool) -> (i32, Option<BTreeSet<String>>) {
    match (class, everything) {
        (Boot, true) => (3, Some(set(&[SSH, FSCK, GUESTS, USERS]))),
        (Sleep, true) => (3, Some(set(&[SSH, USERS]))),
        (Services, true) => (3, Some(set(&[SSH, GUESTS, USERS]))),
        (Boot | Sleep | Services | Elsewhere | Harmless, _) => (0, Some(BTreeSet::new())),
        (Unclear, _) => (3, Some(set(&["command-not-understood"]))),
        (Sysrq, _) => (4, None),
        (ShellSysrq, _) => (-1, None),
    }
}

#[test]
fn every_way_to_take_the_machine_down_gets_the_verdict_its_facts_justify() {
    let s = Scratch::new();
    let quiet = s.write("quiet.json", QUIET);
    let everything = s.write("everything.json", EVERYTHING);
    let mut failures = Vec::new();
    for (line, class, action) in table() {
        for (host, snap, all) in [("quiet", &quiet, false), ("everything", &everything, true)] {
            let (code, out) = check(snap, &line);
            let got = rules(&out);
            let op = &out["operation"];
            let kind = op["kind"].as_str().unwrap_or_default();
            let (want_code, want_rules) = expected(class, all);
            let mut wrong = Vec::new();
            let allowed_codes: &[i32] = if class == ShellSysrq {
                &[3, 4]
            } else {
                &[want_code]
            };
            if !allowed_codes.contains(&code) {
                wrong.push(format!("exit {code}, want {allowed_codes:?}"));
            }
            if let Some(want) = &want_rules {
                if &got != want {
                    wrong.push(format!("rules {got:?}, want {want:?}"));
                }
            }
            match class {
                Boot | Sleep | Services | Elsewhere if kind != "reboot" => {
                    wrong.push(format!("operation {kind}, want reboot"))
                }
                Harmless if kind == "reboot" => wrong.push("operation reboot".into()),
                Unclear if kind != "opaque" => wrong.push(format!("operation {kind}, want opaque")),
                Sysrq if !got.contains("sysrq-trigger-write") => {
                    wrong.push(format!("no sysrq-trigger-write in {got:?}"))
                }
                _ => {}
            }
            if let Some(a) = action {
                let got_action = op["options"]["action"].as_str().unwrap_or_default();
                if got_action != a {
                    wrong.push(format!("action {got_action:?}, want {a:?}"));
                }
            }
            // Every reboot finding asks for the host name.
            for f in out["findings"].as_array().into_iter().flatten() {
                let id = f["rule"].as_str().unwrap_or_default();
                if [SSH, FSCK, GUESTS, USERS].contains(&id) && f["challenge"] != "type-hostname" {
                    wrong.push(format!("{id} does not ask for the host name: {f}"));
                }
            }
            if !wrong.is_empty() {
                failures.push(format!("{line}  [{host}, {class:?}]: {}", wrong.join("; ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the table's lines decided wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The reboot rules' messages name what they found, whichever spelling took the host down.
#[test]
fn the_findings_say_what_goes_down() {
    let s = Scratch::new();
    let everything = s.write("everything.json", EVERYTHING);
    let (code, out) = check(&everything, "systemctl suspend");
    assert_eq!(code, 3);
    let ssh = out["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == SSH))
        .expect("ssh finding");
    assert!(
        ssh["message"]
            .as_str()
            .is_some_and(|m| m.contains("`suspend` takes it down")),
        "{ssh}"
    );
    let (code, out) = check(&everything, "kexec -e");
    assert_eq!(code, 3);
    assert_eq!(out["operation"]["options"]["force_count"], "2", "immediate");
    let fsck = out["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == FSCK))
        .expect("fsck finding: kexec skips the firmware, not the boot's fsck");
    assert!(
        fsck["message"]
            .as_str()
            .is_some_and(|m| m.contains("/var/mail")),
        "{fsck}"
    );
    let (code, out) = check(&everything, "tee /proc/sysrq-trigger");
    assert_eq!(code, 4);
    let f = out["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "sysrq-trigger-write"))
        .expect("sysrq finding");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("`b` reboots without syncing")),
        "{f}"
    );
    assert_eq!(out["operation"]["effects"][0]["kind"], "overwrite");
}
