//! `loginctl`, `busctl call`, `dbus-send` argv → Operation: asking logind (or the service
//! manager) over D-Bus to take the machine down. What an action means is said in
//! [`super::reboot`].
//!
//! - loginctl: systemd's has no power verbs (it refuses them); elogind's (the logind of
//!   distributions without systemd) has `reboot [TIME] [WALL…]`, `poweroff [TIME] [WALL…]`,
//!   `suspend`, `hibernate`, `hybrid-sleep`, `suspend-then-hibernate` → [`Kind::Reboot`] (safeop
//!   cannot tell which loginctl it is, and a refused verb harms nothing). `-c` alone and
//!   `cancel-shutdown` → Read. Options as systemctl's: `-H`, `-M`, `-i`, `--no-wall`,
//!   `--dry-run`, `--firmware-setup`. Every other verb (sessions, users, seats:
//!   `terminate-session` and friends are out of this module's scope) is [`Kind::Unknown`].
//! - busctl: `call SERVICE OBJECT INTERFACE METHOD [SIGNATURE [ARGUMENT…]]` (and `--system`,
//!   the default; `--user` reaches no logind → Unknown). The methods that do it, by
//!   [`bus_method`]: `org.freedesktop.login1.Manager.{Reboot,PowerOff,Halt,Suspend,Hibernate,
//!   HybridSleep,SuspendThenHibernate,Sleep}` and their `…WithFlags` forms, `ScheduleShutdown`
//!   (its first argument names the action; `dry-*` → Read); `org.freedesktop.systemd1.Manager.
//!   {Reboot,PowerOff,Halt,KExec,SoftReboot}` (immediate, as `systemctl --force`) and
//!   `StartUnit`/`RestartUnit`/`ReloadOrRestartUnit`/`EnqueueUnitJob` of a unit that takes the
//!   machine down (`reboot.target` …). options["method"] is `INTERFACE.METHOD`.
//! - dbus-send: `[--system|--session|--bus=A|--peer=A] [--dest=NAME] [--print-reply[=literal]]
//!   [--type=method_call|signal] OBJECT INTERFACE.METHOD [TYPE:VALUE…]`, options only before the
//!   object path. A method is only called with `--type=method_call` or `--print-reply` (the
//!   default type is a signal, which asks nothing), and logind is on the system bus (the default
//!   is the session bus): otherwise the line is Unknown.
//!
//! `-H`/`--host` → `remote_host`, `-M`/`--machine` (and busctl's `-C`) → `other_machine`,
//! everywhere.

use super::reboot::{count_force, is_shutdown_time, takes_down};
use super::systemctl::unit_action;
use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "loginctl" => loginctl(op, args),
        "busctl" => busctl(op, args),
        _ => dbus_send(op, args),
    }
}

pub(super) const LOGINCTL_SPEC: Getopt = Getopt {
    short_arg: "pPsHMno",
    short_flag: "halcij",
    long_arg: &[
        "property",
        "json",
        "kill-whom",
        "signal",
        "host",
        "machine",
        "lines",
        "output",
        "boot-loader-menu",
        "boot-loader-entry",
    ],
    long_opt: &[],
    long_flag: &[
        "help",
        "version",
        "all",
        "value",
        "full",
        "no-pager",
        "no-wall",
        "dry-run",
        "no-legend",
        "no-ask-password",
        "ignore-inhibitors",
        "firmware-setup",
    ],
    ..GNU
};

fn remote(op: &mut Operation, name: &str, value: &str) {
    match name {
        "H" | "host" => {
            op.flag("remote_host");
            op.opt("host", value);
        }
        "M" | "machine" | "C" | "capsule" => {
            op.flag("other_machine");
            op.opt("machine", value);
        }
        _ => {}
    }
}

fn not_ours(op: &mut Operation) {
    op.flags.clear();
    op.options.clear();
    op.kind = Kind::Unknown;
}

fn loginctl(op: &mut Operation, args: &[String]) {
    const VERBS: &[&str] = &[
        "reboot",
        "poweroff",
        "suspend",
        "hibernate",
        "hybrid-sleep",
        "suspend-then-hibernate",
    ];
    let parsed = match LOGINCTL_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => {
            if args.iter().any(|a| VERBS.contains(&a.as_str())) {
                return op.opaque(format!("loginctl: {e}"));
            }
            return not_ours(op);
        }
    };
    let mut operands = Vec::new();
    let mut cancel = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "h" | "help" | "version" => return op.prints_only(),
            "c" => cancel = true,
            "i" | "ignore-inhibitors" => op.flag("ignore_inhibitors"),
            "no-wall" => op.flag("no_wall"),
            "dry-run" => op.flag("dry_run"),
            "firmware-setup" => op.flag("firmware_setup"),
            "boot-loader-entry" => op.opt("boot_loader_entry", &value),
            "boot-loader-menu" => op.opt("boot_loader_menu", &value),
            n => remote(op, n, &value),
        }
    }
    let Some((verb, rest)) = operands.split_first() else {
        if cancel {
            op.flag("cancel");
            op.kind = Kind::Read;
            return;
        }
        return not_ours(op);
    };
    if verb == "cancel-shutdown" {
        op.flag("cancel");
        op.kind = Kind::Read;
        return;
    }
    if !VERBS.contains(&verb.as_str()) {
        return not_ours(op);
    }
    if verb == "reboot" || verb == "poweroff" {
        if let Some((when, wall)) = rest.split_first() {
            if !is_shutdown_time(when) {
                return op.opaque(format!(
                    "loginctl {verb}: Failed to parse time specification: {when}"
                ));
            }
            op.opt("when", when);
            if !wall.is_empty() {
                op.opt("message", &wall.join(" "));
            }
        }
    } else if let Some(extra) = rest.first() {
        return op.opaque(format!("loginctl {verb}: Too many arguments ('{extra}')"));
    }
    op.opt("verb", verb);
    takes_down(op, verb);
}

/// What a D-Bus method call does to the machine: (action, immediate). `args` are the call's
/// arguments, plain (`reboot.target`, not `string:reboot.target`). `Some(None)` is a call that
/// only asks or cancels (Read).
pub(super) fn bus_method(
    service: &str,
    interface: &str,
    method: &str,
    args: &[String],
) -> Option<Option<(&'static str, bool)>> {
    const LOGIN1: &[(&str, &str)] = &[
        ("Reboot", "reboot"),
        ("PowerOff", "poweroff"),
        ("Halt", "halt"),
        ("Suspend", "suspend"),
        ("Hibernate", "hibernate"),
        ("HybridSleep", "hybrid-sleep"),
        ("SuspendThenHibernate", "suspend-then-hibernate"),
        ("Sleep", "sleep"),
    ];
    const SYSTEMD1: &[(&str, &str)] = &[
        ("Reboot", "reboot"),
        ("PowerOff", "poweroff"),
        ("Halt", "halt"),
        ("KExec", "kexec"),
        ("SoftReboot", "soft-reboot"),
    ];
    match (service, interface) {
        ("org.freedesktop.login1", "org.freedesktop.login1.Manager") => {
            let plain = method.strip_suffix("WithFlags").unwrap_or(method);
            if let Some((_, a)) = LOGIN1.iter().find(|(m, _)| *m == plain) {
                return Some(Some((a, false)));
            }
            match method {
                "ScheduleShutdown" => {
                    let kind = args.first().map(String::as_str).unwrap_or("");
                    if kind.starts_with("dry-") {
                        return Some(None);
                    }
                    let action = match kind {
                        "reboot" => "reboot",
                        "halt" => "halt",
                        "kexec" => "kexec",
                        "soft-reboot" => "soft-reboot",
                        _ => "poweroff",
                    };
                    Some(Some((action, false)))
                }
                "CancelScheduledShutdown" => Some(None),
                _ => None,
            }
        }
        ("org.freedesktop.systemd1", "org.freedesktop.systemd1.Manager") => {
            if let Some((_, a)) = SYSTEMD1.iter().find(|(m, _)| *m == method) {
                return Some(Some((a, true)));
            }
            let verb = match method {
                "StartUnit" | "StartUnitReplace" => "start",
                "RestartUnit" => "restart",
                "ReloadOrRestartUnit" => "reload-or-restart",
                "EnqueueUnitJob" => match args.get(1).map(String::as_str) {
                    Some("start" | "restart" | "reload-or-restart") => "start",
                    _ => return None,
                },
                _ => return None,
            };
            // StartUnitReplace(old, new, mode): the new unit is the second.
            let units = if method == "StartUnitReplace" {
                args.get(1..2).unwrap_or_default()
            } else {
                args.get(..1).unwrap_or_default()
            };
            // D-Bus takes full unit names: no completion, no globs.
            let full: Vec<String> = units
                .iter()
                .filter(|u| u.contains('.') && !u.contains(['*', '?', '[']))
                .cloned()
                .collect();
            unit_action(verb, &full).map(|(_, a)| Some((a, false)))
        }
        _ => None,
    }
}

/// Marks `op` by what [`bus_method`] found.
fn judged(op: &mut Operation, interface: &str, method: &str, found: Option<(&str, bool)>) {
    op.opt("method", &format!("{interface}.{method}"));
    match found {
        None => op.kind = Kind::Read,
        Some((action, immediate)) => {
            if immediate {
                count_force(op);
            }
            takes_down(op, action);
        }
    }
}

pub(super) const BUSCTL_SPEC: Getopt = Getopt {
    short_arg: "HMCN",
    short_flag: "hlqj",
    long_arg: &[
        "host",
        "machine",
        "capsule",
        "address",
        "match",
        "size",
        "json",
        "expect-reply",
        "auto-start",
        "allow-interactive-authorization",
        "timeout",
        "augment-creds",
        "watch-bind",
        "destination",
        "limit-messages",
    ],
    long_opt: &[],
    long_flag: &[
        "help",
        "version",
        "no-pager",
        "no-legend",
        "full",
        "system",
        "user",
        "show-machine",
        "unique",
        "acquired",
        "activatable",
        "list",
        "quiet",
        "verbose",
        "xml-interface",
    ],
    ..GNU
};

fn busctl(op: &mut Operation, args: &[String]) {
    let parsed = match BUSCTL_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => {
            let mentions = args.iter().any(|a| a == "org.freedesktop.login1")
                || args.iter().any(|a| a == "org.freedesktop.systemd1");
            if mentions && args.iter().any(|a| a == "call") {
                return op.opaque(format!("busctl: {e}"));
            }
            return not_ours(op);
        }
    };
    let mut operands = Vec::new();
    let mut user = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "h" | "help" | "version" => return op.prints_only(),
            "user" => user = true,
            "system" => user = false,
            n => remote(op, n, &value),
        }
    }
    let [verb, service, _object, interface, method, rest @ ..] = operands.as_slice() else {
        return not_ours(op);
    };
    if verb != "call" || user {
        return not_ours(op);
    }
    // After the signature, the arguments.
    let call_args = rest.get(1..).unwrap_or_default();
    match bus_method(service, interface, method, call_args) {
        Some(found) => judged(op, interface, method, found),
        None => not_ours(op),
    }
}

fn dbus_send(op: &mut Operation, args: &[String]) {
    let mut system = false;
    let mut method_call = false;
    let mut dest = None;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if !a.starts_with('-') {
            break;
        }
        i += 1;
        match a.as_str() {
            "--help" | "-h" => return op.prints_only(),
            "--system" => system = true,
            "--session" => system = false,
            "--print-reply" | "--print-reply=literal" => method_call = true,
            "--type=method_call" => method_call = true,
            "--type=signal" => method_call = false,
            _ if a.starts_with("--dest=") => dest = Some(a["--dest=".len()..].to_string()),
            // Another bus by address: it may be the system bus.
            _ if a.starts_with("--bus=")
                || a.starts_with("--peer=")
                || a.starts_with("--address=") =>
            {
                system = true
            }
            _ if a.starts_with("--reply-timeout=") || a.starts_with("--sender=") => {}
            // dbus-send refuses what it does not know (`--version` too): usage, exit 1.
            _ => return op.prints_only(),
        }
    }
    let (Some(_object), Some(name)) = (args.get(i), args.get(i + 1)) else {
        return not_ours(op);
    };
    let Some((interface, method)) = name.rsplit_once('.') else {
        return not_ours(op);
    };
    if !system || !method_call {
        return not_ours(op);
    }
    let Some(dest) = dest else {
        return not_ours(op);
    };
    // `string:reboot.target` → `reboot.target`.
    let call_args: Vec<String> = args[i + 2..]
        .iter()
        .map(|a| a.split_once(':').map_or(a.as_str(), |(_, v)| v).to_string())
        .collect();
    match bus_method(&dest, interface, method, &call_args) {
        Some(found) => judged(op, interface, method, found),
        None => not_ours(op),
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind, Operation};

    fn action(op: &Operation) -> Option<&str> {
        op.options.get("action").map(String::as_str)
    }

    #[test]
    fn loginctl_power_verbs() {
        for (line, a) in [
            ("loginctl reboot", "reboot"),
            ("loginctl poweroff", "poweroff"),
            ("loginctl suspend", "suspend"),
            ("loginctl hibernate", "hibernate"),
            ("loginctl hybrid-sleep", "hybrid-sleep"),
            ("loginctl suspend-then-hibernate", "suspend-then-hibernate"),
            ("loginctl -i reboot", "reboot"),
            ("loginctl --no-wall poweroff +5 'disk swap'", "poweroff"),
            ("loginctl reboot now", "reboot"),
            ("loginctl -c reboot", "reboot"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
        }
        let op = parse_str("loginctl --no-wall poweroff +5 'disk swap'");
        assert_eq!(op.options.get("when").map(String::as_str), Some("+5"));
        assert_eq!(
            op.options.get("message").map(String::as_str),
            Some("disk swap")
        );
        assert!(parse_str("loginctl suspend").has("suspend"));
        assert!(parse_str("loginctl -H db1 reboot").has("remote_host"));
        assert!(parse_str("loginctl --dry-run reboot").has("dry_run"));
        for line in ["loginctl -c", "loginctl cancel-shutdown", "loginctl --help"] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        for line in [
            "loginctl reboot tomorrow",
            "loginctl suspend now",
            "loginctl --bogus reboot",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        for line in [
            "loginctl",
            "loginctl list-sessions",
            "loginctl terminate-session 4",
            "loginctl kill-user bob",
            "loginctl --bogus list-users",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
    }

    #[test]
    fn busctl_calls() {
        const M: &str =
            "call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager";
        const S: &str = "call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager";
        let parse_str = |tail: &str| parse_str(&format!("busctl {tail}"));
        for (tail, a) in [
            (format!("{M} Reboot b true"), "reboot"),
            (format!("{M} PowerOff b false"), "poweroff"),
            (format!("{M} Halt b true"), "halt"),
            (format!("{M} Suspend b true"), "suspend"),
            (format!("{M} Hibernate b true"), "hibernate"),
            (format!("{M} HybridSleep b true"), "hybrid-sleep"),
            (
                format!("{M} SuspendThenHibernate b true"),
                "suspend-then-hibernate",
            ),
            (format!("{M} RebootWithFlags t 0"), "reboot"),
            (format!("{M} PowerOffWithFlags t 1"), "poweroff"),
            (format!("{M} ScheduleShutdown st reboot 0"), "reboot"),
            (
                format!("{M} ScheduleShutdown st poweroff 1700000000000000"),
                "poweroff",
            ),
            (format!("--system {M} Reboot b true"), "reboot"),
            (format!("-q {M} Reboot b true"), "reboot"),
            (format!("{S} Reboot"), "reboot"),
            (format!("{S} KExec"), "kexec"),
            (
                format!("{S} StartUnit ss reboot.target replace-irreversibly"),
                "reboot",
            ),
            (
                format!("{S} StartUnit ss poweroff.target replace"),
                "poweroff",
            ),
            (
                format!("{S} StartUnit ss systemd-suspend.service replace"),
                "suspend",
            ),
            (
                format!("{S} EnqueueUnitJob sss halt.target start replace"),
                "halt",
            ),
        ] {
            let op = parse_str(&tail);
            assert_eq!(op.kind, Kind::Reboot, "{tail}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{tail}");
        }
        let op = parse_str(&format!("{S} PowerOff"));
        assert!(
            op.has("force"),
            "Manager.PowerOff is `systemctl --force poweroff`"
        );
        assert_eq!(
            parse_str(&format!("{M} Reboot b true"))
                .options
                .get("method")
                .map(String::as_str),
            Some("org.freedesktop.login1.Manager.Reboot")
        );
        assert!(parse_str(&format!("-H db1 {M} Reboot b true")).has("remote_host"));
        assert!(parse_str(&format!("{M} Suspend b true")).has("suspend"));
        for tail in [
            format!("{M} ScheduleShutdown st dry-reboot 0"),
            format!("{M} CancelScheduledShutdown"),
            "--help".to_string(),
        ] {
            assert_eq!(parse_str(&tail).kind, Kind::Read, "{tail}");
        }
        for tail in [
            format!("{M} ListSessions"),
            format!("{M} CanReboot"),
            format!("--user {M} Reboot b true"),
            format!("{S} StartUnit ss nginx.service replace"),
            format!("{S} StartUnit ss reboot replace"),
            format!("{S} StopUnit ss reboot.target replace"),
            "tree org.freedesktop.login1".to_string(),
            String::new(),
            "introspect org.freedesktop.login1 /org/freedesktop/login1".to_string(),
        ] {
            assert_eq!(parse_str(&tail).kind, Kind::Unknown, "{tail}");
        }
        assert_eq!(
            parse_str(&format!("--bogus {M} Reboot b true")).kind,
            Kind::Opaque
        );
    }

    #[test]
    fn dbus_send_calls() {
        for (line, a) in [
            ("dbus-send --system --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot boolean:true", "reboot"),
            ("dbus-send --system --type=method_call --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.PowerOff boolean:false", "poweroff"),
            ("dbus-send --system --print-reply=literal --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Suspend boolean:true", "suspend"),
            ("dbus-send --system --print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager.StartUnit string:reboot.target string:replace-irreversibly", "reboot"),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
        }
        for line in [
            // a signal (the default type) and the session bus (the default bus) ask logind nothing
            "dbus-send --system --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot boolean:true",
            "dbus-send --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot boolean:true",
            "dbus-send --system --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.ListSessions",
            "dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.ListNames",
            "dbus-send",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        assert_eq!(parse_str("dbus-send --help").kind, Kind::Read);
        assert_eq!(parse_str("dbus-send --version").kind, Kind::Read);
    }
}
