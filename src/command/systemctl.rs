//! `systemctl` argv → Operation: every verb and every unit that takes the machine down (systemd
//! 252–257, `systemctl-main.c`'s verb table and `systemctl-start-unit.c`'s unit handling). What
//! an action means, and its flags, is said in [`super::reboot`].
//!
//! - Verbs `reboot` (one operand: the reboot argument), `poweroff`, `halt`, `kexec`,
//!   `soft-reboot`; `rescue`, `emergency` (they isolate their targets: every service stops);
//!   `suspend`, `hibernate`, `hybrid-sleep`, `suspend-then-hibernate`, `sleep`; `exit` (the
//!   system manager's exit is a poweroff outside a container) → [`Kind::Reboot`].
//! - `start`, `restart`, `reload-or-restart` of a unit that does it, and `isolate` of one target:
//!   `reboot.target` (and its aliases `ctrl-alt-del.target`, `runlevel6.target`),
//!   `poweroff.target` (`runlevel0.target`), `shutdown.target`, `exit.target`, `halt.target`,
//!   `kexec.target`, `soft-reboot.target`, the sleep targets, and the services behind them
//!   (`systemd-reboot.service` …); `isolate` of `rescue.target` (`runlevel1.target`) or
//!   `emergency.target`. Unit names are completed as systemctl does: `.target` for `isolate`,
//!   `.service` otherwise (`systemctl start reboot` is `reboot.service`, which is no reboot); a
//!   glob (`'reboot*'`) counts when it matches one of them. Several units on one line: the first
//!   that takes the machine down (before any that only suspends it) is options["unit"].
//!   `try-restart` and the other try-/cond- verbs restart only what runs: none of these does.
//!   `enable --now` starts what it enables (`verb_enable`): the same units count.
//! - Options: `--force`/`-f` (counted: twice is immediate), `--no-wall`, `--message=`, `--when=`
//!   (`cancel` and `show` → Read), `--dry-run` → flag `dry_run`, `-i`/`--check-inhibitors=no` →
//!   flag `ignore_inhibitors`, `--firmware-setup`, `--boot-loader-entry=`,
//!   `--boot-loader-menu=`, `--reboot-argument=`, `-H`/`--host` → `remote_host`, `-M`/`--machine`
//!   and `-C`/`--capsule` → `other_machine`. `--user`/`--global` speak to a user's manager: it
//!   refuses the power verbs ("Bad action for user mode") → Read, and has none of these units →
//!   Unknown. `--root=`/`--image=` make systemctl refuse every verb that needs the running
//!   manager → Read.
//! - Every other verb is [`Kind::Unknown`] (not safeop's business), and so is a line whose
//!   options cannot be read unless it mentions one of the verbs or units above (then it is
//!   opaque). Too many operands for a verb that takes at most one: opaque, as systemctl refuses.

use super::reboot::{count_force, takes_down};
use super::{options::GNU, Arg, Getopt, Kind, Operation};
use crate::text::glob::glob_match;

pub(super) const SYSTEMCTL_SPEC: Getopt = Getopt {
    short_arg: "tpPsHMCno",
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
        "capsule",
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

/// The action of a verb that takes the machine down by itself, and how many operands it takes.
fn verb_action(verb: &str) -> Option<(&'static str, usize)> {
    Some(match verb {
        "reboot" => ("reboot", 1),
        "poweroff" => ("poweroff", 0),
        "halt" => ("halt", 0),
        "kexec" => ("kexec", 0),
        "soft-reboot" => ("soft-reboot", 0),
        "rescue" => ("rescue", 0),
        "emergency" => ("emergency", 0),
        "suspend" => ("suspend", 0),
        "hibernate" => ("hibernate", 0),
        "hybrid-sleep" => ("hybrid-sleep", 0),
        "suspend-then-hibernate" => ("suspend-then-hibernate", 0),
        "sleep" => ("sleep", 0),
        "exit" => ("poweroff", 1),
        _ => return None,
    })
}

/// Units whose start takes the machine down, with the action. `rescue`/`emergency` only
/// isolated (started beside everything else they only open a console shell).
const UNITS: &[(&str, &str)] = &[
    ("reboot.target", "reboot"),
    ("ctrl-alt-del.target", "reboot"),
    ("runlevel6.target", "reboot"),
    ("systemd-reboot.service", "reboot"),
    ("poweroff.target", "poweroff"),
    ("runlevel0.target", "poweroff"),
    ("shutdown.target", "poweroff"),
    ("exit.target", "poweroff"),
    ("systemd-poweroff.service", "poweroff"),
    ("systemd-exit.service", "poweroff"),
    ("halt.target", "halt"),
    ("systemd-halt.service", "halt"),
    ("kexec.target", "kexec"),
    ("systemd-kexec.service", "kexec"),
    ("soft-reboot.target", "soft-reboot"),
    ("systemd-soft-reboot.service", "soft-reboot"),
    ("suspend.target", "suspend"),
    ("systemd-suspend.service", "suspend"),
    ("hibernate.target", "hibernate"),
    ("systemd-hibernate.service", "hibernate"),
    ("hybrid-sleep.target", "hybrid-sleep"),
    ("systemd-hybrid-sleep.service", "hybrid-sleep"),
    ("suspend-then-hibernate.target", "suspend-then-hibernate"),
    (
        "systemd-suspend-then-hibernate.service",
        "suspend-then-hibernate",
    ),
];

const ISOLATE_ONLY: &[(&str, &str)] = &[
    ("rescue.target", "rescue"),
    ("runlevel1.target", "rescue"),
    ("emergency.target", "emergency"),
];

const UNIT_TYPES: &[&str] = &[
    ".service",
    ".socket",
    ".target",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".timer",
    ".path",
    ".slice",
    ".scope",
];

/// The unit name systemctl asks for (`unit_name_mangle_with_suffix`): a name without a unit
/// type gets `suffix`; a glob stays a glob.
fn mangle(unit: &str, suffix: &str) -> String {
    let glob = unit.contains(['*', '?', '[']);
    if glob || UNIT_TYPES.iter().any(|t| unit.ends_with(t)) {
        unit.to_string()
    } else {
        format!("{unit}{suffix}")
    }
}

/// The first unit of `units` that takes the machine down under `verb` (a sleep state only when
/// nothing else does), as (unit as written, action).
pub(super) fn unit_action<'a>(verb: &str, units: &'a [String]) -> Option<(&'a str, &'static str)> {
    let isolate = verb == "isolate";
    let suffix = if isolate { ".target" } else { ".service" };
    let mut found: Vec<(&str, &'static str)> = Vec::new();
    for u in units {
        let name = mangle(u, suffix);
        let table = UNITS.iter().chain(ISOLATE_ONLY.iter().filter(|_| isolate));
        for (known, action) in table {
            if isolate && known.ends_with(".service") {
                continue;
            }
            if name == *known || (name.contains(['*', '?', '[']) && glob_match(&name, known)) {
                found.push((u.as_str(), action));
                break;
            }
        }
    }
    let sleeps = |a: &str| {
        matches!(
            a,
            "suspend" | "hibernate" | "hybrid-sleep" | "suspend-then-hibernate"
        )
    };
    found
        .iter()
        .find(|(_, a)| !sleeps(a))
        .or(found.first())
        .copied()
}

fn mentions_a_power_verb(args: &[String]) -> bool {
    args.iter().any(|a| {
        verb_action(a).is_some()
            || unit_action("isolate", std::slice::from_ref(a)).is_some()
            || unit_action("start", std::slice::from_ref(a)).is_some()
    })
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SYSTEMCTL_SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => {
            if mentions_a_power_verb(args) {
                return op.opaque(format!("systemctl: {e}"));
            }
            op.kind = Kind::Unknown;
            return;
        }
    };
    let mut operands = Vec::new();
    let mut read_only = false;
    let mut user_scope = false;
    let mut offline = false;
    let mut now = false;
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
            "M" | "machine" | "C" | "capsule" => {
                op.flag("other_machine");
                op.opt("machine", &value);
            }
            "user" | "global" => user_scope = true,
            "system" => user_scope = false,
            "now" => now = true,
            "when" => {
                if value == "cancel" || value == "show" {
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
            "root" | "image" => {
                offline = true;
                op.opt("root", &value);
            }
            "job-mode" => op.opt("job_mode", &value),
            _ => {}
        }
    }
    let Some((verb, rest)) = operands.split_first() else {
        return not_ours(op);
    };
    let action = if let Some((action, max)) = verb_action(verb) {
        if verb == "exit" && user_scope {
            return not_ours(op);
        }
        if rest.len() > max {
            return op.opaque(format!("systemctl {verb}: Too many arguments."));
        }
        if let (Some(arg), "reboot") = (rest.first(), verb.as_str()) {
            op.opt("reboot_argument", arg);
        }
        if user_scope {
            op.note = Some(format!(
                "systemctl --user {verb}: refused (\"Bad action for user mode\")"
            ));
            read_only = true;
        }
        action
    } else if matches!(
        verb.as_str(),
        "start" | "restart" | "reload-or-restart" | "isolate"
    ) || (now && verb == "enable")
    {
        if user_scope {
            return not_ours(op);
        }
        let Some((unit, action)) = unit_action(verb, rest) else {
            return not_ours(op);
        };
        if verb == "isolate" && rest.len() > 1 {
            return op.opaque("systemctl isolate: Too many arguments.");
        }
        op.opt("unit", unit);
        action
    } else {
        return not_ours(op);
    };
    if offline {
        op.note = Some(format!(
            "systemctl {verb}: refused with --root=/--image= (\"cannot be used with --root= or --image=\")"
        ));
        read_only = true;
    }
    op.opt("verb", verb);
    takes_down(op, action);
    if read_only {
        op.kind = Kind::Read;
    }
}

/// A systemctl line that does not take the machine down: no business of safeop's.
fn not_ours(op: &mut Operation) {
    op.flags.clear();
    op.options.clear();
    op.note = None;
    op.kind = Kind::Unknown;
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind, Operation};

    fn action(op: &Operation) -> Option<&str> {
        op.options.get("action").map(String::as_str)
    }

    #[test]
    fn power_verbs() {
        for (line, a) in [
            ("systemctl reboot", "reboot"),
            ("systemctl --force reboot", "reboot"),
            ("systemctl reboot --force", "reboot"),
            ("systemctl -f poweroff", "poweroff"),
            ("systemctl halt", "halt"),
            ("systemctl kexec", "kexec"),
            ("systemctl soft-reboot", "soft-reboot"),
            ("systemctl rescue", "rescue"),
            ("systemctl emergency", "emergency"),
            ("systemctl suspend", "suspend"),
            ("systemctl hibernate", "hibernate"),
            ("systemctl hybrid-sleep", "hybrid-sleep"),
            ("systemctl suspend-then-hibernate", "suspend-then-hibernate"),
            ("systemctl sleep", "sleep"),
            ("systemctl exit", "poweroff"),
            ("systemctl exit 3", "poweroff"),
            ("systemctl --no-block reboot", "reboot"),
            ("systemctl -i suspend", "suspend"),
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
        let op = parse_str("systemctl --force --force reboot");
        assert_eq!(op.options.get("force_count").map(String::as_str), Some("2"));
        assert_eq!(
            parse_str("systemctl -ff poweroff")
                .options
                .get("force_count")
                .map(String::as_str),
            Some("2")
        );
        for line in [
            "systemctl suspend",
            "systemctl hibernate",
            "systemctl sleep",
        ] {
            let op = parse_str(line);
            assert!(op.has("suspend") && !op.has("stops_services"), "{line}");
        }
        for line in ["systemctl rescue", "systemctl emergency"] {
            let op = parse_str(line);
            assert!(op.has("stops_services") && !op.has("suspend"), "{line}");
        }
        assert!(!parse_str("systemctl reboot").has("suspend"));
        let op = parse_str("systemctl reboot recovery");
        assert_eq!(
            op.options.get("reboot_argument").map(String::as_str),
            Some("recovery")
        );
    }

    #[test]
    fn units_that_take_the_machine_down() {
        for (line, a, unit) in [
            ("systemctl start reboot.target", "reboot", "reboot.target"),
            ("systemctl restart reboot.target", "reboot", "reboot.target"),
            (
                "systemctl reload-or-restart poweroff.target",
                "poweroff",
                "poweroff.target",
            ),
            (
                "systemctl isolate poweroff.target",
                "poweroff",
                "poweroff.target",
            ),
            ("systemctl isolate poweroff", "poweroff", "poweroff"),
            ("systemctl isolate reboot", "reboot", "reboot"),
            ("systemctl isolate halt", "halt", "halt"),
            ("systemctl isolate rescue.target", "rescue", "rescue.target"),
            ("systemctl isolate rescue", "rescue", "rescue"),
            ("systemctl isolate emergency", "emergency", "emergency"),
            ("systemctl isolate runlevel0", "poweroff", "runlevel0"),
            (
                "systemctl isolate runlevel0.target",
                "poweroff",
                "runlevel0.target",
            ),
            (
                "systemctl isolate runlevel1.target",
                "rescue",
                "runlevel1.target",
            ),
            ("systemctl isolate runlevel6", "reboot", "runlevel6"),
            (
                "systemctl start runlevel6.target",
                "reboot",
                "runlevel6.target",
            ),
            (
                "systemctl start ctrl-alt-del.target",
                "reboot",
                "ctrl-alt-del.target",
            ),
            (
                "systemctl --no-block start halt.target",
                "halt",
                "halt.target",
            ),
            ("systemctl start systemd-reboot", "reboot", "systemd-reboot"),
            (
                "systemctl start systemd-reboot.service",
                "reboot",
                "systemd-reboot.service",
            ),
            (
                "systemctl restart systemd-poweroff.service",
                "poweroff",
                "systemd-poweroff.service",
            ),
            ("systemctl start systemd-halt", "halt", "systemd-halt"),
            (
                "systemctl start systemd-kexec.service",
                "kexec",
                "systemd-kexec.service",
            ),
            ("systemctl start kexec.target", "kexec", "kexec.target"),
            (
                "systemctl start soft-reboot.target",
                "soft-reboot",
                "soft-reboot.target",
            ),
            (
                "systemctl start suspend.target",
                "suspend",
                "suspend.target",
            ),
            (
                "systemctl start systemd-hibernate",
                "hibernate",
                "systemd-hibernate",
            ),
            (
                "systemctl start nginx reboot.target",
                "reboot",
                "reboot.target",
            ),
            (
                "systemctl start suspend.target reboot.target",
                "reboot",
                "reboot.target",
            ),
            ("systemctl start 'reboot*'", "reboot", "reboot*"),
            (
                "systemctl start 'systemd-power*'",
                "poweroff",
                "systemd-power*",
            ),
            (
                "systemctl -i --no-block isolate reboot.target",
                "reboot",
                "reboot.target",
            ),
            (
                "systemctl start shutdown.target",
                "poweroff",
                "shutdown.target",
            ),
            (
                "systemctl enable --now reboot.target",
                "reboot",
                "reboot.target",
            ),
            (
                "systemctl --now enable systemd-reboot",
                "reboot",
                "systemd-reboot",
            ),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(action(&op), Some(a), "{line}");
            assert_eq!(
                op.options.get("unit").map(String::as_str),
                Some(unit),
                "{line}"
            );
        }
        assert!(parse_str("systemctl isolate rescue").has("stops_services"));
        assert!(parse_str("systemctl start suspend.target").has("suspend"));
    }

    #[test]
    fn remote_and_scheduled() {
        let op = parse_str("systemctl -H admin@db1 reboot");
        assert_eq!(op.kind, Kind::Reboot);
        assert!(op.has("remote_host"));
        assert_eq!(
            op.options.get("host").map(String::as_str),
            Some("admin@db1")
        );
        assert!(parse_str("systemctl --host=db1 reboot").has("remote_host"));
        assert!(parse_str("systemctl -M web reboot").has("other_machine"));
        assert!(parse_str("systemctl -M web isolate rescue").has("other_machine"));
        assert!(parse_str("systemctl -H db1 suspend").has("remote_host"));
        assert!(parse_str("systemctl --capsule=c poweroff").has("other_machine"));
        let op = parse_str("systemctl reboot --when=+5min --boot-loader-entry=old.conf --firmware-setup --check-inhibitors=no");
        assert_eq!(op.options.get("when").map(String::as_str), Some("+5min"));
        assert_eq!(
            op.options.get("boot_loader_entry").map(String::as_str),
            Some("old.conf")
        );
        assert!(op.has("firmware_setup") && op.has("ignore_inhibitors"));
        assert!(parse_str("systemctl --dry-run reboot").has("dry_run"));
        assert!(parse_str("systemctl --dry-run start reboot.target").has("dry_run"));
    }

    #[test]
    fn refused_or_read_only() {
        for line in [
            "systemctl reboot --when=cancel",
            "systemctl reboot --when=show",
            "systemctl reboot --help",
            "systemctl --user reboot",
            "systemctl --user suspend",
            "systemctl --root=/mnt reboot",
            "systemctl --image=x.raw poweroff",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        assert_eq!(
            parse_str("systemctl --user --system reboot").kind,
            Kind::Reboot
        );
        for line in [
            "systemctl poweroff now",
            "systemctl suspend 5",
            "systemctl isolate rescue reboot",
            "systemctl --bogus reboot",
            "systemctl --bogus isolate rescue.target",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }

    #[test]
    fn other_lines_are_unknown() {
        for line in [
            "systemctl restart nginx",
            "systemctl status",
            "systemctl",
            "systemctl --help",
            "systemctl start reboot",
            "systemctl start poweroff",
            "systemctl stop reboot.target",
            "systemctl try-restart reboot.target",
            "systemctl --bogus restart nginx",
            "systemctl isolate multi-user.target",
            "systemctl isolate graphical",
            "systemctl isolate runlevel3",
            "systemctl default",
            "systemctl start rescue.target",
            "systemctl start emergency.target",
            "systemctl isolate systemd-reboot.service",
            "systemctl --user exit",
            "systemctl --user start reboot.target",
            "systemctl status reboot.target",
            "systemctl cat systemd-reboot.service",
            "systemctl start 'nginx*'",
            "systemctl list-units --type=target",
            "systemctl enable reboot.target",
            "systemctl disable --now reboot.target",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Unknown, "{line}: {:?}", op.note);
            assert!(op.flags.is_empty(), "{line}");
        }
    }
}
