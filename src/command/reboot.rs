//! `reboot`, `poweroff`, `halt`, `shutdown`, `init`, `telinit` argv → Operation (systemd 252+
//! spellings, and the sysvinit ones that still work), and what every way to take the machine down
//! has in common. `systemctl` is [`super::systemctl`], `kexec` [`super::kexec`], `loginctl`,
//! `busctl` and `dbus-send` [`super::logind`].
//!
//! Everything that takes the machine down is [`Kind::Reboot`] with options["action"] one of
//! `reboot`, `poweroff`, `halt`, `kexec`, `soft-reboot`; `rescue` and `emergency` (flag
//! `stops_services`: every service stops, ssh and the guests' with them, but nothing boots);
//! `suspend`, `hibernate`, `hybrid-sleep`, `suspend-then-hibernate`, `sleep` (flag `suspend`:
//! the machine is gone until someone wakes it, but it does not boot). There are no targets: what
//! is affected is this machine (or `-H HOST` → flag `remote_host`, options["host"]; `-M NAME` →
//! flag `other_machine`, options["machine"]). An immediate one (no service manager, nothing
//! unmounted: `reboot -f`, `systemctl -ff reboot`, `kexec -e`) has flag `force` and
//! options["force_count"] `2`.
//! - `--help` only prints; so does `--version` — systemd's halt and shutdown do not have it and
//!   refuse it, which stops them just the same → [`Kind::Read`].
//! - reboot/poweroff/halt (systemd's `halt_parse_argv`): the program name gives the action,
//!   `--reboot`, `--halt` change it, `-p`/`--poweroff` too except for a reboot ("ignored when
//!   reboot is invoked"); `-w`/`--wtmp-only` only writes wtmp → [`Kind::Read`]; `-f` is
//!   immediate (force_count 2); `-n` → `no_sync`. An operand is the reboot argument, and only a
//!   reboot takes one.
//! - shutdown (`shutdown_parse_argv`): default poweroff; `-r` reboot, `-K`/`--kexec` kexec, `-H`
//!   halt, `-P` poweroff, `-h` poweroff unless halt was asked; `-c` (cancel) and `--show` are
//!   actions too, and the last action given wins (`shutdown -c -r now` reboots); `-k` only sends
//!   the wall message (flag `wall_only`) → [`Kind::Read`]. The first operand is the time as
//!   [`is_shutdown_time`] reads it → options["when"] (systemd's default `+1` when absent); the
//!   rest is the wall message (options["message"]). An operand that is not a time makes the line
//!   opaque, as shutdown refuses it.
//! - init/telinit: `0` → poweroff, `6` → reboot, `1`/`s`/`S` → rescue; other runlevels, `q`,
//!   `u` → Unknown.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "shutdown" => shutdown(op, args),
        "init" | "telinit" => init(op, args),
        _ => halt(op, args),
    }
}

/// One more `--force` (`systemctl -ff` is immediate: the service manager is skipped).
pub(super) fn count_force(op: &mut Operation) {
    let n = op
        .options
        .get("force_count")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    op.flag("force");
    op.opt("force_count", &n.to_string());
}

/// Immediate: no service manager, nothing unmounted (`reboot -f`, `kexec -e`).
pub(super) fn immediate(op: &mut Operation) {
    op.flag("force");
    op.opt("force_count", "2");
}

/// Marks the operation as taking the machine down with `action`, with the flag its class has
/// (`suspend` for the sleep states, `stops_services` for rescue and emergency).
pub(super) fn takes_down(op: &mut Operation, action: &str) {
    match action {
        "suspend" | "hibernate" | "hybrid-sleep" | "suspend-then-hibernate" | "sleep" => {
            op.flag("suspend")
        }
        "rescue" | "emergency" => op.flag("stops_services"),
        _ => {}
    }
    op.opt("action", action);
    op.kind = Kind::Reboot;
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
                "p" | "poweroff" if action != "reboot" => action = "poweroff".into(),
                "reboot" => action = "reboot".into(),
                "f" | "force" => immediate(op),
                "w" | "wtmp-only" => wtmp_only = true,
                "d" | "no-wtmp" => op.flag("no_wtmp"),
                "n" | "no-sync" => op.flag("no_sync"),
                "no-wall" => op.flag("no_wall"),
                _ => {}
            },
        }
    }
    match (action.as_str(), operands.as_slice()) {
        // A reboot's operand goes to the kernel's reboot() (e.g. a recovery partition).
        ("reboot", [arg]) => op.opt("reboot_argument", arg),
        (_, []) => {}
        (_, [_, extra, ..]) | (_, [extra]) => {
            return op.opaque(format!("{tool}: Too many arguments ('{extra}')"))
        }
    }
    takes_down(op, &action);
    if wtmp_only {
        op.kind = Kind::Read;
    }
}

pub(super) const SHUTDOWN_SPEC: Getopt = Getopt {
    short_arg: "t",
    short_flag: "HPrhkKacfFn",
    long_arg: &[],
    long_opt: &[],
    long_flag: &[
        "help", "version", "halt", "poweroff", "reboot", "kexec", "no-wall", "show",
    ],
    ..GNU
};

/// Leading white space, an optional sign and digits, as C's strtol reads them: the value (None
/// when it does not fit) and the rest. No digits at all reads as 0 and consumes nothing.
fn strtol(s: &str) -> (Option<i64>, &str) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return (Some(0), s);
    }
    let n = body[..digits]
        .parse::<i64>()
        .ok()
        .map(|n| if neg { -n } else { n });
    (n, &body[digits..])
}

/// A time the way systemd's `parse_shutdown_time_spec` reads it: `now`; without a `:` a number
/// of minutes from now (`safe_atou64`: `5`, `+5`, `0`); else `HH:MM` read with strtol (`0:05`,
/// `23:5`, `7:` is 07:00), hours 0–23, minutes 0–59.
pub(super) fn is_shutdown_time(t: &str) -> bool {
    if t == "now" {
        return true;
    }
    if !t.contains(':') {
        let n = t.trim_start_matches([' ', '\t', '\n', '\r']);
        let (neg, digits) = match n.as_bytes().first() {
            Some(b'+') => (false, &n[1..]),
            Some(b'-') => (true, &n[1..]),
            _ => (false, n),
        };
        let ok = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u64>().is_ok();
        // safe_atou64 refuses a minus sign unless the value is zero.
        return ok && (!neg || digits.bytes().all(|b| b == b'0'));
    }
    let (hour, rest) = strtol(t);
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let (minute, end) = strtol(rest);
    end.is_empty()
        && hour.is_some_and(|h| (0..=23).contains(&h))
        && minute.is_some_and(|m| (0..=59).contains(&m))
}

fn shutdown(op: &mut Operation, args: &[String]) {
    let parsed = match SHUTDOWN_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("shutdown: {e}")),
    };
    let mut action = "poweroff";
    let mut wall_only = false;
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
                "K" | "kexec" => action = "kexec",
                "c" => action = "cancel",
                "show" => action = "show",
                "k" => wall_only = true,
                "no-wall" => op.flag("no_wall"),
                _ => {}
            },
        }
    }
    let mut wall: &[String] = &operands;
    if action != "cancel" {
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
    match action {
        "cancel" | "show" => {
            if action == "cancel" {
                op.flag("cancel");
            }
            op.opt("action", action);
            op.kind = Kind::Read;
        }
        _ => takes_down(op, action),
    }
    if wall_only {
        op.flag("wall_only");
        op.kind = Kind::Read;
    }
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
            op.opt("runlevel", &operands[0]);
            takes_down(op, a);
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
            // "-p: ignored when reboot is invoked"
            ("reboot -p", "reboot"),
            ("halt --reboot -p", "reboot"),
            ("halt -p --reboot", "reboot"),
            ("poweroff --halt", "halt"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
            assert!(op.targets.is_empty());
        }
        let op = parse_str("reboot -ff --no-wall");
        assert!(op.has("force") && op.has("no_wall"));
        assert_eq!(op.options.get("force_count").map(String::as_str), Some("2"));
        // halt's `-f` alone is immediate already: it does not contact the service manager.
        for line in ["reboot -f", "halt --force", "poweroff -f -n"] {
            let op = parse_str(line);
            assert_eq!(
                op.options.get("force_count").map(String::as_str),
                Some("2"),
                "{line}"
            );
        }
        assert!(parse_str("poweroff -f -n").has("no_sync"));
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
        assert_eq!(parse_str("reboot a b").kind, Kind::Opaque);
        for line in ["reboot recovery", "halt --reboot recovery"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}");
            assert_eq!(
                op.options.get("reboot_argument").map(String::as_str),
                Some("recovery")
            );
        }
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
            ("shutdown -h -H now", "halt", "now"),
            ("shutdown -r -h now", "poweroff", "now"),
            ("shutdown", "poweroff", "+1"),
            ("shutdown -r", "reboot", "+1"),
            ("shutdown -r 0:05 'back soon' folks", "reboot", "0:05"),
            // A bare number is minutes from now, as systemd reads it; 0 is now.
            ("shutdown -r 5", "reboot", "5"),
            ("shutdown -r 0", "reboot", "0"),
            ("shutdown -r +0", "reboot", "+0"),
            ("shutdown -h 10 'disk swap'", "poweroff", "10"),
            ("shutdown -r 7:", "reboot", "7:"),
            ("shutdown -r 23:5", "reboot", "23:5"),
            ("shutdown -K now", "kexec", "now"),
            ("shutdown --kexec +2", "kexec", "+2"),
            // The last action wins: cancel, then reboot, reboots.
            ("shutdown -c -r now", "reboot", "now"),
            ("shutdown --show -r now", "reboot", "now"),
            ("shutdown -t 5 -r now", "reboot", "now"),
            ("shutdown -a -f -F -r now", "reboot", "now"),
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
    fn shutdown_times_as_systemd_reads_them() {
        use super::is_shutdown_time as t;
        for ok in [
            "now", "0", "5", "+5", "+0", "-0", "0005", " 5", "23:59", "0:0", "00:00", "7:", ":30",
            "+1:05", "1:+5", "1: 5",
        ] {
            assert!(t(ok), "{ok:?} is a time");
        }
        for bad in [
            "",
            "+",
            "-5",
            "5m",
            "+5min",
            "tomorrow",
            "24:00",
            "12:60",
            "-1:00",
            "1:-1",
            "1:5x",
            "x:5",
            "NOW",
            "1:2:3",
            "99999999999999999999999",
        ] {
            assert!(!t(bad), "{bad:?} is not a time");
        }
    }

    #[test]
    fn shutdown_harmless_forms() {
        for line in [
            "shutdown -c",
            "shutdown -c 'never mind'",
            "shutdown -r -c",
            "shutdown -k now",
            "shutdown -r -k +5",
            "shutdown --show",
            "shutdown --help",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        assert!(parse_str("shutdown -c").has("cancel"));
        assert!(parse_str("shutdown -k now").has("wall_only"));
        assert_eq!(
            parse_str("shutdown -c 'never mind'")
                .options
                .get("message")
                .map(String::as_str),
            Some("never mind")
        );
        assert_eq!(parse_str("shutdown -r tomorrow").kind, Kind::Opaque);
        assert_eq!(parse_str("shutdown -r 25:00").kind, Kind::Opaque);
        assert_eq!(parse_str("shutdown -r 5m").kind, Kind::Opaque);
        assert_eq!(parse_str("shutdown -z").kind, Kind::Opaque);
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
        assert!(parse_str("telinit 1").has("stops_services"));
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
        let op = parse_str("sudo -u root nice -n 5 shutdown -r 5");
        assert_eq!(action(&op), Some("reboot"));
    }
}
