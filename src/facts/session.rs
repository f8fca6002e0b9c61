//! Who is asking and from where: hostname, the user (and the sudo caller), whether the session
//! came over ssh, whether a terminal is there to answer a challenge.

use super::{answer, FactDef, Facts, Probe, ProbeFn, ProbeResult, Scope};
use serde_json::Value;

static HOST: Probe = Probe {
    id: "host",
    run: ProbeFn::Whole(host_probe),
    pure: false,
};
static SESSION: Probe = Probe {
    id: "session",
    run: ProbeFn::Whole(session_probe),
    pure: false,
};

fn host_probe(_f: &Facts) -> ProbeResult {
    let name = nix::unistd::gethostname().map_err(|e| format!("gethostname: {e}"))?;
    Ok(answer([(
        "hostname",
        name.to_string_lossy().into_owned().into(),
    )]))
}

/// True when this process's environment says it came in over ssh.
pub fn ssh_env() -> bool {
    ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

fn session_probe(_f: &Facts) -> ProbeResult {
    let uid = nix::unistd::getuid();
    let user = nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| Value::from(u.name))
        .unwrap_or_else(|| uid.as_raw().to_string().into());
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok();
    Ok(answer([
        ("session.ssh", ssh_env().into()),
        ("session.tty", tty.into()),
        ("session.user", user),
        ("session.uid", uid.as_raw().into()),
        (
            "session.sudo_user",
            std::env::var("SUDO_USER")
                .map(Value::from)
                .unwrap_or(Value::Null),
        ),
    ]))
}

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "hostname", scope: Scope::Host, probe: &HOST, ty: "string", doc: "## What it tells\nThis machine's host name, the word a `type-hostname` challenge asks for.\n## How it is found\ngethostname(2).\n## When it is unknown\nWhen gethostname fails: a fact error.\n## Example\n`mail1`." },
    FactDef { name: "session.ssh", scope: Scope::Host, probe: &SESSION, ty: "bool", doc: "## What it tells\nWhether the caller came in over ssh.\n## How it is found\n`SSH_CONNECTION`, `SSH_CLIENT` or `SSH_TTY` in the environment.\n## When it is unknown\nNever.\n## Example\n`true` in an ssh login shell." },
    FactDef { name: "session.tty", scope: Scope::Host, probe: &SESSION, ty: "bool", doc: "## What it tells\nWhether a terminal is there to answer a challenge.\n## How it is found\nOpening /dev/tty for reading and writing.\n## When it is unknown\nNever.\n## Example\n`false` under cron or CI." },
    FactDef { name: "session.user", scope: Scope::Host, probe: &SESSION, ty: "string", doc: "## What it tells\nThe user running the command.\n## How it is found\ngetuid(2) and the user database.\n## When it is unknown\nThe numeric uid is given when the name cannot be found.\n## Example\n`root`." },
    FactDef { name: "session.uid", scope: Scope::Host, probe: &SESSION, ty: "number", doc: "## What it tells\nThe numeric user id running the command.\n## How it is found\ngetuid(2).\n## When it is unknown\nNever.\n## Example\n`0`." },
    FactDef { name: "session.sudo_user", scope: Scope::Host, probe: &SESSION, ty: "string", doc: "## What it tells\nThe user who called sudo, when the command runs under sudo.\n## How it is found\n`SUDO_USER`.\n## When it is unknown\n`null` when not under sudo.\n## Example\n`alice`." },
];
