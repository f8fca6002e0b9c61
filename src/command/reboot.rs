//! `reboot`, `poweroff`, `halt`, `shutdown`, `systemctl`, `init`, `telinit` argv → Operation
//! (systemd 252+ spellings, and the sysvinit ones that still work).
//!
//! Everything that takes the machine down is [`Kind::Reboot`] with options["action"] one of
//! `reboot`, `poweroff`, `halt`, `kexec`, `soft-reboot`, `rescue` (`rescue`/`emergency` and
//! runlevel 1/s/S stop every service but a shell: as disruptive as a reboot for a server).
//! There are no targets: what is affected is this machine (or `-H HOST` → flag `remote_host`,
//! options["host"]; `-M NAME` → flag `other_machine`, options["machine"]).
//! - `--help` only prints; so does `--version` — systemd's halt and shutdown do not have it and
//!   refuse it, which stops them just the same → [`Kind::Read`].
//! - reboot/poweroff/halt: the program name gives the action, `--reboot`, `-p`/`--poweroff`,
//!   `--halt` change it; `-w`/`--wtmp-only` only writes wtmp → [`Kind::Read`]; `-f` → flag
//!   `force` (options["force_count"]: `-ff` skips even the service manager); `-n` → `no_sync`.
//! - shutdown: default poweroff; `-r` reboot, `-H` halt, `-P`/`-h` poweroff; `-c` (cancel),
//!   `-k` (wall only) and `--show` → Read. The first operand is the time (`now`, `+5`,
//!   `hh:mm`) → options["when"] (systemd's default `+1` when absent); the rest is the wall
//!   message (options["message"]). An operand that is not a time makes the line opaque, as
//!   shutdown refuses it.
//! - systemctl: verbs `reboot`, `poweroff`, `halt`, `kexec`, `soft-reboot`, `rescue`,
//!   `emergency`, and `start`/`restart`/`isolate` of `reboot.target`, `poweroff.target`,
//!   `halt.target`, `kexec.target`, `soft-reboot.target`, `rescue.target`, `emergency.target`
//!   (also `ctrl-alt-del.target`, `shutdown.target`) → Reboot. Options: `--force`/`-f` (counted),
//!   `--no-wall`, `--message=`, `--when=` (`--when=cancel` → Read), `--dry-run` → flag
//!   `dry_run`, `-i` → flag `ignore_inhibitors`, `--check-inhibitors=`, `--firmware-setup`,
//!   `--boot-loader-entry=`, `--boot-loader-menu=`, `--reboot-argument=`. Every other verb is
//!   [`Kind::Unknown`] (not safeop's business), and so is a line whose options cannot be read
//!   unless it mentions one of the verbs above (then it is opaque).
//! - init/telinit: `0` → poweroff, `6` → reboot, `1`/`s`/`S` → rescue; other runlevels, `q`,
//!   `u` → Unknown.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "shutdown" => shutdown(op, args),
        "systemctl" => systemctl(op, args),
        "init" | "telinit" => init(op, args),
        _ => halt(op, args),
    }
}

fn count_force(op: &mut Operation) {
    let n = op
        .options
        .get("force_count")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    op.flag("force");
    op.opt("force_count", &n.to_string());
}

pub(super) const HALT_SPEC: Getopt = Getopt {
    short_arg: "",
    short_flag: "pfwdnhi",
    long_arg: &[],
    long_opt: &[],
    long_flag: &[
        "help",
        "version",
        "halt",
        "poweroff",
        "reboot",
        "force",
        "wtmp-only",
        "no-wtmp",
        "no-sync",
        "no-wall",
    ],
    ..GNU
};

fn halt(op: &mut Operation, args: &[String]) {
    let tool = op.tool.clone();
    let parsed = match HALT_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{tool}: {e}")),
    };
    let mut action = tool.clone();
    let mut wtmp_only = false;
    let mut operands = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(o) => operands.push(o),
            Arg::Opt(name, _) => match name.as_str() {
                "help" | "version" => return op.prints_only(),
                "halt" => action = "halt".into(),
                "p" | "poweroff" => action = "poweroff".into(),
                "reboot" => action = "reboot".into(),
                "f" | "force" => count_force(op),
                "w" | "wtmp-only" => wtmp_only = true,
                "d" | "no-wtmp" => op.flag("no_wtmp"),
                "n" | "no-sync" => op.flag("no_sync"),
                "no-wall" => op.flag("no_wall"),
                _ => {}
            },
        }
    }
    match (tool.as_str(), operands.as_slice()) {
        // `reboot ARG` passes ARG to the kernel's reboot() (e.g. a recovery partition).
        ("reboot", [arg]) => op.opt("reboot_argument", arg),
        (_, []) => {}
        (_, [_, extra, ..]) | (_, [extra]) => {
            return op.opaque(format!("{tool}: Too many arguments ('{extra}')"))
        }
    }
    op.opt("action", &action);
    op.kind = if wtmp_only { Kind::Read } else { Kind::Reboot };
}

pub(super) const SHUTDOWN_SPEC: Getopt = Getopt {
    short_arg: "t",
    short_flag: "HPrhkKacfFn",
    long_arg: &[],
    long_opt: &[],
    long_flag: &[
        "help", "version", "halt", "poweroff", "reboot", "no-wall", "show",
    ],
    ..GNU
};

/// systemd's parse_shutdown_time_spec: `now`, `+MINUTES`, `HH:MM`.
fn is_shutdown_time(t: &str) -> bool {
    if t == "now" {
        return true;
    }
    if let Some(m) = t.strip_prefix('+') {
        return !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit());
    }
    match t.split_once(':') {
        Some((h, m)) => {
            let ok = |s: &str, max: u32| {
                !s.is_empty()
                    && s.len() <= 2
                    && s.bytes().all(|b| b.is_ascii_digit())
                    && s.parse::<u32>().is_ok_and(|n| n <= max)
            };
            ok(h, 23) && ok(m, 59)
        }
        None => false,
    }
}

fn shutdown(op: &mut Operation, args: &[String]) {
    let parsed = match SHUTDOWN_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("shutdown: {e}")),
    };
    let mut action = "poweroff";
    let mut read_only = false;
    let mut cancel = false;
    let mut operands = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(o) => operands.push(o),
            Arg::Opt(name, _) => match name.as_str() {
                "help" | "version" => return op.prints_only(),
                "H" | "halt" => action = "halt",
                "P" | "poweroff" => action = "poweroff",
                "h" if action != "halt" => action = "poweroff",
                "r" | "reboot" => action = "reboot",
                "k" => {
                    read_only = true;
                    op.flag("wall_only");
                }
                "c" => {
                    cancel = true;
                    read_only = true;
                    op.flag("cancel");
                }
                "show" => read_only = true,
                "no-wall" => op.flag("no_wall"),
                "f" | "F" | "n" | "a" | "K" => {}
                _ => {}
            },
        }
    }
    let mut wall: &[String] = &operands;
    if !cancel {
        if let Some((first, rest)) = operands.split_first() {
            if !is_shutdown_time(first) {
                return op.opaque(format!(
                    "shutdown: Failed to parse time specification: {first}"
                ));
            }
            op.opt("when", first);
            wall = rest;
        } else {
            op.opt("when", "+1");
        }
    }
    if !wall.is_empty() {
        op.opt("message", &wall.join(" "));
    }
    op.opt("action", action);
    op.kind = if read_only { Kind::Read } else { Kind::Reboot };
}

pub(super) const SYSTEMCTL_SPEC: Getopt = Getopt {
    short_arg: "tpPsHMno",
    short_flag: "hiaqfrlT",
    long_arg: &[
        "type",
        "property",
        "state",
        "job-mode",
        "root",
        "image",
        "image-policy",
        "kill-whom",
        "kill-value",
        "signal",
        "what",
        "host",
        "machine",
        "lines",
        "output",
        "message",
        "preset-mode",
        "boot-loader-entry",
        "boot-loader-menu",
        "reboot-argument",
        "when",
        "check-inhibitors",
        "timestamp",
        "legend",
        "drop-in",
    ],
    long_opt: &[],
    long_flag: &[
        "help",
        "version",
        "all",
        "recursive",
        "reverse",
        "after",
        "before",
        "full",
        "value",
        "show-types",
        "ignore-inhibitors",
        "dry-run",
        "quiet",
        "no-block",
        "wait",
        "user",
        "system",
        "global",
        "no-wall",
        "no-reload",
        "no-ask-password",
        "force",
        "firmware-setup",
        "now",
        "runtime",
        "plain",
        "no-legend",
        "no-pager",
        "show-transaction",
        "read-only",
        "mkdir",
        "marked",
        "with-dependencies",
        "failed",
        "no-warn",
        "fail",
        "irreversible",
        "ignore-dependencies",
    ],
    ..GNU
};

/// The action of a systemctl verb (or of a started target), if it takes the machine down.
fn systemctl_action(word: &str) -> Option<&'static str> {
    Some(match word.strip_suffix(".target").unwrap_or(word) {
        "reboot" | "ctrl-alt-del" => "reboot",
        "poweroff" | "shutdown" => "poweroff",
        "halt" => "halt",
        "kexec" => "kexec",
        "soft-reboot" => "soft-reboot",
        "rescue" | "emergency" => "rescue",
        _ => return None,
    })
}

fn systemctl(op: &mut Operation, args: &[String]) {
    let parsed = match SYSTEMCTL_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => {
            let mentions = args.iter().any(|a| {
                let verb = a == "reboot"
                    || a == "poweroff"
                    || a == "halt"
                    || a == "kexec"
                    || a == "soft-reboot"
                    || a == "rescue"
                    || a == "emergency";
                verb || (a.ends_with(".target") && systemctl_action(a).is_some())
            });
            if mentions {
                return op.opaque(format!("systemctl: {e}"));
            }
            op.kind = Kind::Unknown;
            return;
        }
    };
    let mut operands = Vec::new();
    let mut read_only = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "h" | "help" | "version" => read_only = true,
            "f" | "force" => count_force(op),
            "no-wall" => op.flag("no_wall"),
            "message" => op.opt("message", &value),
            "H" | "host" => {
                op.flag("remote_host");
                op.opt("host", &value);
            }
            "M" | "machine" => {
                op.flag("other_machine");
                op.opt("machine", &value);
            }
            "when" => {
                if value == "cancel" {
                    read_only = true;
                }
                op.opt("when", &value);
            }
            "dry-run" => op.flag("dry_run"),
            "i" | "ignore-inhibitors" => op.flag("ignore_inhibitors"),
            "check-inhibitors" => {
                if value == "no" {
                    op.flag("ignore_inhibitors");
                }
                op.opt("check_inhibitors", &value);
            }
            "firmware-setup" => op.flag("firmware_setup"),
            "boot-loader-entry" => op.opt("boot_loader_entry", &value),
            "boot-loader-menu" => op.opt("boot_loader_menu", &value),
            "reboot-argument" => op.opt("reboot_argument", &value),
            "root" => op.opt("root", &value),
            "job-mode" => op.opt("job_mode", &value),
            _ => {}
        }
    }
    let Some(verb) = operands.first() else {
        op.kind = Kind::Unknown;
        return;
    };
    let action = match verb.as_str() {
        "reboot" | "poweroff" | "halt" | "kexec" | "soft-reboot" | "rescue" | "emergency" => {
            if verb == "reboot" {
                if let Some(arg) = operands.get(1) {
                    op.opt("reboot_argument", arg);
                }
            }
            systemctl_action(verb)
        }
        "start" | "restart" | "isolate" => operands[1..]
            .iter()
            .filter(|u| u.ends_with(".target"))
            .find_map(|u| systemctl_action(u)),
        _ => None,
    };
    let Some(action) = action else {
        op.flags.clear();
        op.options.clear();
        op.kind = Kind::Unknown;
        return;
    };
    op.opt("verb", verb);
    op.opt("action", action);
    op.kind = if read_only { Kind::Read } else { Kind::Reboot };
}

/// init/telinit: systemd's `--help`, `--no-wall`; sysvinit's `-t SECONDS` (between TERM and
/// KILL) and `-e VAR=VALUE` (for the scripts).
pub(super) const INIT_SPEC: Getopt = Getopt {
    short_arg: "te",
    long_flag: &["help", "version", "no-wall"],
    ..GNU
};

fn init(op: &mut Operation, args: &[String]) {
    let tool = op.tool.clone();
    let parsed = match INIT_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("{tool}: {e}")),
    };
    let mut operands = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(o) => operands.push(o),
            Arg::Opt(n, _) if n == "help" || n == "version" => {
                op.kind = Kind::Read;
                return;
            }
            Arg::Opt(n, _) if n == "no-wall" => op.flag("no_wall"),
            Arg::Opt(..) => {}
        }
    }
    let action = match operands.as_slice() {
        [l] => match l.as_str() {
            "0" => Some("poweroff"),
            "6" => Some("reboot"),
            "1" | "s" | "S" => Some("rescue"),
            _ => None,
        },
        _ => None,
    };
    match action {
        Some(a) => {
            op.opt("action", a);
            op.opt("runlevel", &operands[0]);
            op.kind = Kind::Reboot;
        }
        None => {
            op.flags.clear();
            op.kind = Kind::Unknown;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind, Operation};

    fn action(op: &Operation) -> Option<&str> {
        op.options.get("action").map(String::as_str)
    }

    #[test]
    fn reboot_poweroff_halt() {
        for (line, a) in [
            ("reboot", "reboot"),
            ("/sbin/reboot", "reboot"),
            ("poweroff", "poweroff"),
            ("halt", "halt"),
            ("halt -p", "poweroff"),
            ("halt --poweroff", "poweroff"),
            ("reboot --halt", "halt"),
            ("poweroff --reboot", "reboot"),
            ("reboot -f", "reboot"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
            assert!(op.targets.is_empty());
        }
        let op = parse_str("reboot -ff --no-wall");
        assert!(op.has("force") && op.has("no_wall"));
        assert_eq!(op.options.get("force_count").map(String::as_str), Some("2"));
        let op = parse_str("reboot --force --force");
        assert_eq!(op.options.get("force_count").map(String::as_str), Some("2"));
    }

    #[test]
    fn reboot_harmless_forms() {
        for line in [
            "reboot --help",
            "reboot -w",
            "halt --wtmp-only",
            "poweroff -w",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        assert_eq!(parse_str("reboot -x").kind, Kind::Opaque);
        assert_eq!(parse_str("halt now").kind, Kind::Opaque);
        let op = parse_str("reboot recovery");
        assert_eq!(op.kind, Kind::Reboot);
        assert_eq!(
            op.options.get("reboot_argument").map(String::as_str),
            Some("recovery")
        );
    }

    #[test]
    fn shutdown() {
        for (line, a, when) in [
            ("shutdown -r now", "reboot", "now"),
            ("shutdown now -r", "reboot", "now"),
            ("shutdown --reboot +5", "reboot", "+5"),
            ("shutdown -h now", "poweroff", "now"),
            ("shutdown -P 23:30", "poweroff", "23:30"),
            ("shutdown -H now", "halt", "now"),
            ("shutdown --halt -h now", "halt", "now"),
            ("shutdown", "poweroff", "+1"),
            ("shutdown -r", "reboot", "+1"),
            ("shutdown -r 0:05 'back soon' folks", "reboot", "0:05"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
            assert_eq!(
                op.options.get("when").map(String::as_str),
                Some(when),
                "{line}"
            );
        }
        let op = parse_str("shutdown -r +10 'kernel update'");
        assert_eq!(
            op.options.get("message").map(String::as_str),
            Some("kernel update")
        );
    }

    #[test]
    fn shutdown_harmless_forms() {
        for line in [
            "shutdown -c",
            "shutdown -c 'never mind'",
            "shutdown -k now",
            "shutdown --show",
            "shutdown --help",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        assert!(parse_str("shutdown -c").has("cancel"));
        assert_eq!(parse_str("shutdown -r tomorrow").kind, Kind::Opaque);
        assert_eq!(parse_str("shutdown -r 25:00").kind, Kind::Opaque);
        assert_eq!(parse_str("shutdown -z").kind, Kind::Opaque);
    }

    #[test]
    fn systemctl_verbs() {
        for (line, a) in [
            ("systemctl reboot", "reboot"),
            ("systemctl --force reboot", "reboot"),
            ("systemctl reboot --force", "reboot"),
            ("systemctl -f poweroff", "poweroff"),
            ("systemctl halt", "halt"),
            ("systemctl kexec", "kexec"),
            ("systemctl soft-reboot", "soft-reboot"),
            ("systemctl rescue", "rescue"),
            ("systemctl emergency", "rescue"),
            ("systemctl start reboot.target", "reboot"),
            ("systemctl isolate poweroff.target", "poweroff"),
            ("systemctl isolate rescue.target", "rescue"),
            ("systemctl --no-block start halt.target", "halt"),
            (
                "systemctl -i --no-wall --message='disk swap' reboot",
                "reboot",
            ),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
        }
        let op = parse_str("systemctl -i --no-wall --message='disk swap' reboot");
        assert!(op.has("ignore_inhibitors") && op.has("no_wall"));
        assert_eq!(
            op.options.get("message").map(String::as_str),
            Some("disk swap")
        );
        assert!(parse_str("systemctl --force --force reboot").has("force"));
    }

    #[test]
    fn systemctl_options() {
        let op = parse_str("systemctl -H admin@db1 reboot");
        assert_eq!(op.kind, Kind::Reboot);
        assert!(op.has("remote_host"));
        assert_eq!(
            op.options.get("host").map(String::as_str),
            Some("admin@db1")
        );
        let op = parse_str("systemctl --host=db1 reboot");
        assert!(op.has("remote_host"));
        let op = parse_str("systemctl -M web reboot");
        assert!(op.has("other_machine"));
        let op = parse_str("systemctl reboot --when=+5min --boot-loader-entry=old.conf --firmware-setup --check-inhibitors=no");
        assert_eq!(op.options.get("when").map(String::as_str), Some("+5min"));
        assert_eq!(
            op.options.get("boot_loader_entry").map(String::as_str),
            Some("old.conf")
        );
        assert!(op.has("firmware_setup") && op.has("ignore_inhibitors"));
        assert_eq!(parse_str("systemctl reboot --when=cancel").kind, Kind::Read);
        assert!(parse_str("systemctl --dry-run reboot").has("dry_run"));
        assert_eq!(parse_str("systemctl reboot --help").kind, Kind::Read);
    }

    #[test]
    fn other_systemctl_verbs_are_unknown() {
        for line in [
            "systemctl restart nginx",
            "systemctl status",
            "systemctl",
            "systemctl start reboot",
            "systemctl stop reboot.target",
            "systemctl --bogus restart nginx",
            "systemctl suspend",
            "systemctl isolate multi-user.target",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Unknown, "{line}");
            assert!(op.flags.is_empty(), "{line}");
        }
        assert_eq!(parse_str("systemctl --bogus reboot").kind, Kind::Opaque);
    }

    #[test]
    fn init_runlevels() {
        for (line, a) in [
            ("init 0", "poweroff"),
            ("init 6", "reboot"),
            ("telinit 6", "reboot"),
            ("telinit 1", "rescue"),
            ("init s", "rescue"),
            ("init S", "rescue"),
            ("telinit -t 5 0", "poweroff"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}");
            assert_eq!(action(&op), Some(a), "{line}");
        }
        for line in [
            "init 3",
            "telinit q",
            "telinit u",
            "init",
            "init 5",
            "telinit Q",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        assert_eq!(parse_str("telinit --help").kind, Kind::Read);
    }

    #[test]
    fn through_wrappers() {
        let op = parse_str("sudo systemctl reboot");
        assert_eq!(op.kind, Kind::Reboot);
        let op = parse_str("sudo shutdown -r now");
        assert_eq!(action(&op), Some("reboot"));
    }
}
