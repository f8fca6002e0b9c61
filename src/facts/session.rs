//! Who is asking and from where: hostname, the user (and the sudo caller), whether the session
//! came over ssh (environment, an sshd ancestor, a tmux/screen server started over ssh), whether a
//! terminal is there to answer a challenge, who else is logged in (utmp), and which guests run on
//! this host (what a reboot takes down with it).
//!
//! `/proc` is read below [`Facts::sys`]; utmp is `/run/utmp` (the test hook `SAFEOP_UTMP` (`context`)).

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

/// The name of user `uid`: `/etc/passwd` first; for users only NSS knows (LDAP, sssd),
/// `getent passwd UID` — the static binary does not load NSS modules itself, as they must come
/// from the very glibc it was built with — else the number.
pub fn user_name(uid: nix::unistd::Uid) -> String {
    passwd_name(uid.as_raw())
        .or_else(|| getent_name(uid.as_raw()))
        .unwrap_or_else(|| uid.to_string())
}

/// The name `getent passwd UID` prints, if getent is there and knows the user.
fn getent_name(uid: u32) -> Option<String> {
    let exe = crate::facts::helper::find("getent")?;
    let out = crate::facts::helper::run(
        &exe,
        &["passwd", &uid.to_string()],
        std::time::Duration::from_secs(5),
    )
    .ok()?;
    if out.status != Some(0) {
        return None;
    }
    let name = out.stdout.split(':').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The name `/etc/passwd` gives `uid`, if it lists it.
fn passwd_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let mut f = line.split(':');
        let (name, _, id) = (f.next()?, f.next()?, f.next()?);
        (id.parse::<u32>().ok()? == uid).then(|| name.to_string())
    })
}

/// True when this process's environment says it came in over ssh.
pub fn ssh_env() -> bool {
    ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

fn session_probe(f: &Facts) -> ProbeResult {
    let uid = nix::unistd::getuid();
    let user = Value::from(user_name(uid));
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok();
    let evidence = ssh_evidence(f);
    Ok(answer([
        ("session.ssh", evidence.is_some().into()),
        (
            "session.ssh_evidence",
            evidence.map(Value::from).unwrap_or(Value::Null),
        ),
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
    FactDef { name: "session.ssh", scope: Scope::Host, probe: &SESSION, ty: "bool", doc: "## What it tells\nWhether the caller came in over ssh, so that taking the machine down also cuts the caller off.\n## How it is found\n`SSH_CONNECTION`, `SSH_CLIENT` or `SSH_TTY` in the environment; else an ancestor process (the ppid chain of /proc/PID/stat) whose name starts with `sshd` (`sshd`, `sshd-session`), which survives `sudo`'s environment reset; else an ancestor tmux or screen server whose own environment (/proc/PID/environ) has `SSH_CONNECTION` or `SSH_CLIENT` (a re-attached session started over ssh). Best effort: a tmux server started locally and attached later over ssh is not seen.\n## When it is unknown\nNever (`false` when no sign is found).\n## Example\n`true` in an ssh login shell, also after `sudo -i`." },
    FactDef { name: "session.ssh_evidence", scope: Scope::Host, probe: &SESSION, ty: "string", doc: "## What it tells\nWhat made `session.ssh` true, for messages.\n## How it is found\nAs `session.ssh`.\n## When it is unknown\n`null` when `session.ssh` is false.\n## Example\n`sshd-session (pid 812) is an ancestor`." },
    FactDef { name: "session.tty", scope: Scope::Host, probe: &SESSION, ty: "bool", doc: "## What it tells\nWhether a terminal is there to answer a challenge.\n## How it is found\nOpening /dev/tty for reading and writing.\n## When it is unknown\nNever.\n## Example\n`false` under cron or CI." },
    FactDef { name: "session.user", scope: Scope::Host, probe: &SESSION, ty: "string", doc: "## What it tells\nThe user running the command.\n## How it is found\ngetuid(2) and the user database.\n## When it is unknown\nThe numeric uid is given when the name cannot be found.\n## Example\n`root`." },
    FactDef { name: "session.uid", scope: Scope::Host, probe: &SESSION, ty: "number", doc: "## What it tells\nThe numeric user id running the command.\n## How it is found\ngetuid(2).\n## When it is unknown\nNever.\n## Example\n`0`." },
    FactDef { name: "session.sudo_user", scope: Scope::Host, probe: &SESSION, ty: "string", doc: "## What it tells\nThe user who called sudo, when the command runs under sudo.\n## How it is found\n`SUDO_USER`.\n## When it is unknown\n`null` when not under sudo.\n## Example\n`alice`." },
    FactDef { name: "session.other_users", scope: Scope::Host, probe: &USERS, ty: "list", doc: "## What it tells\nWho else is logged in: every login a reboot or halt would cut off, other than the caller's own terminal.\n## How it is found\nThe USER_PROCESS records (type 7) of utmp (`/run/utmp`; the test hook `SAFEOP_UTMP` (`context`)), glibc's 384-byte `struct utmp`; records whose terminal is one of this process's standard descriptors are left out, and so are stale records whose process is gone. A process missing from /proc is gone only when safeop runs in the initial PID namespace and kill(PID, 0) says there is no such process; a live one that /proc does not show (`hidepid`), and under a private /proc (a container, `unshare --pid --mount-proc`) any one, counts as a login marked `(a session safeop cannot see: …)`: a login safeop cannot see is still a login.\n## When it is unknown\nA fact error when utmp exists but cannot be read; empty when there is no utmp (some systems no longer write it).\n## Example\n`[\"bob on pts/1 from 10.0.0.5\", \"carol on pts/2 from 10.0.0.6 (a session safeop cannot see: pid 4242 is not in this /proc: /proc shows only the processes of one PID namespace (safeop runs in a container or under `unshare --pid`))\"]`." },
    FactDef { name: "host.running_vms", scope: Scope::Host, probe: &VMS, ty: "number", doc: "## What it tells\nHow many guests run on this host and go down with it.\n## How it is found\n`virsh list --name` (libvirt, running domains) and `xl list` (Xen, without Domain-0), each only when the tool is installed (PATH; the secure PATH in sudo mode), 10 s limit each.\n## When it is unknown\nA fact error when every installed tool failed; when one of two failed the other's count is given and `host.vm_errors` says what failed. 0 when neither tool is installed.\n## Example\n`2`." },
    FactDef { name: "host.vm_names", scope: Scope::Host, probe: &VMS, ty: "list", doc: "## What it tells\nThe running guests, each with its hypervisor.\n## How it is found\nAs `host.running_vms`.\n## When it is unknown\nAs `host.running_vms`.\n## Example\n`[\"web01 (libvirt)\", \"db02 (libvirt)\"]`." },
    FactDef { name: "host.vm_errors", scope: Scope::Host, probe: &VMS, ty: "list", doc: "## What it tells\nHypervisor tools that are installed but did not answer, with their first line of stderr.\n## How it is found\nAs `host.running_vms`.\n## When it is unknown\nEmpty when every installed tool answered.\n## Example\n`[\"`virsh list --name` failed: error: failed to connect to the hypervisor\"]`." },
];

/// `comm` and parent pid from the text of /proc/PID/stat (`1234 (tmux: server) S 1 …`).
pub fn parse_stat(text: &str) -> Option<(String, u32)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let _state = rest.next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((comm, ppid))
}

/// The variables of a NUL-separated environment block that say "ssh".
fn environ_says_ssh(block: &[u8]) -> Option<String> {
    block
        .split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok())
        .find(|kv| kv.starts_with("SSH_CONNECTION=") || kv.starts_with("SSH_CLIENT="))
        .and_then(|kv| kv.split('=').next().map(str::to_string))
}

/// Why this session counts as remote, if it does.
fn ssh_evidence(f: &Facts) -> Option<String> {
    if let Some(v) = ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .find(|v| std::env::var_os(v).is_some())
    {
        return Some(format!("`{v}` is set"));
    }
    let mut pid = "self".to_string();
    for _ in 0..64 {
        let stat = std::fs::read_to_string(f.sys(&format!("/proc/{pid}/stat"))).ok()?;
        let (comm, ppid) = parse_stat(&stat)?;
        if pid != "self" {
            if comm.starts_with("sshd") {
                return Some(format!("{comm} (pid {pid}) is an ancestor"));
            }
            let lc = comm.to_ascii_lowercase();
            if lc.starts_with("tmux") || lc.starts_with("screen") {
                if let Ok(env) = std::fs::read(f.sys(&format!("/proc/{pid}/environ"))) {
                    if let Some(v) = environ_says_ssh(&env) {
                        return Some(format!(
                            "{comm} (pid {pid}) was started over ssh (its `{v}`)"
                        ));
                    }
                }
            }
        }
        if ppid <= 1 {
            return None;
        }
        pid = ppid.to_string();
    }
    None
}

/// One login record from utmp.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    pub user: String,
    pub line: String,
    pub host: String,
    pub pid: i32,
}

/// Size of `struct utmp` on x86_64 (and aarch64) glibc.
pub const UTMP_RECORD: usize = 384;
const USER_PROCESS: i16 = 7;

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The USER_PROCESS records of a utmp file: ut_type i16 @0, ut_pid i32 @4, ut_line [32] @8,
/// ut_user [32] @44, ut_host [256] @76 (glibc `struct utmp`, 384 bytes).
pub fn parse_utmp(data: &[u8]) -> Vec<Login> {
    data.chunks_exact(UTMP_RECORD)
        .filter(|r| i16::from_le_bytes([r[0], r[1]]) == USER_PROCESS)
        .map(|r| Login {
            pid: i32::from_le_bytes([r[4], r[5], r[6], r[7]]),
            line: cstr(&r[8..40]),
            user: cstr(&r[44..76]),
            host: cstr(&r[76..332]),
        })
        .filter(|l| !l.user.is_empty())
        .collect()
}

/// Where utmp is read from: the test hook `SAFEOP_UTMP` (`context`), else `/run/utmp`.
pub fn utmp_path() -> std::path::PathBuf {
    match crate::context::test_hook("SAFEOP_UTMP") {
        Some(p) => p.into(),
        None => "/run/utmp".into(),
    }
}

/// The terminals this process is attached to (`pts/3`), from its standard descriptors.
fn own_ttys(f: &Facts) -> Vec<String> {
    (0..3)
        .filter_map(|fd| std::fs::read_link(f.sys(&format!("/proc/self/fd/{fd}"))).ok())
        .filter_map(|p| {
            p.to_str()
                .and_then(|s| s.strip_prefix("/dev/"))
                .map(str::to_string)
        })
        .collect()
}

/// Whether the process of a login record is still there.
#[derive(Debug, Clone, PartialEq)]
enum Alive {
    /// In /proc (or a record without a pid).
    Seen,
    /// Maybe alive, but this /proc does not show it, and why.
    Hidden(String),
    /// Gone: a stale record.
    Gone,
}

fn login_alive(f: &Facts, pid: i32) -> Alive {
    if pid <= 0 || f.sys(&format!("/proc/{pid}")).exists() {
        return Alive::Seen;
    }
    // A test tree's /proc is the whole machine.
    if f.sys_root != std::path::Path::new("/") {
        return Alive::Gone;
    }
    let hidden = |why: Option<String>| {
        Alive::Hidden(format!(
            "pid {pid} is not in this /proc: {}",
            why.unwrap_or_else(|| "it is hidden from this user".into())
        ))
    };
    // In the initial PID namespace, utmp's pid is the pid kill(2) takes: ESRCH is "gone",
    // anything else a process this /proc does not show (`hidepid`). Elsewhere (a container, a
    // private /proc) nothing here can tell a stale record from a login outside, and a pid that
    // is listed may even be another process: it counts as a login either way.
    if super::proc_view::in_initial_pid_namespace(f) {
        return match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
            Err(nix::errno::Errno::ESRCH) => Alive::Gone,
            _ => hidden(super::proc_view::blind_spot(f)),
        };
    }
    hidden(super::proc_view::blind_spot(f))
}

fn users_probe(f: &Facts) -> ProbeResult {
    let path = utmp_path();
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        // No utmp at all: nobody is recorded as logged in (systems without utmp support).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("read `{}`: {e}", path.display())),
    };
    let mine = own_ttys(f);
    let others: Vec<Value> = parse_utmp(&data)
        .into_iter()
        .filter(|l| !mine.contains(&l.line))
        .filter_map(|l| {
            let hidden = match login_alive(f, l.pid) {
                Alive::Gone => return None,
                Alive::Seen => None,
                Alive::Hidden(why) => Some(why),
            };
            let mut who = if l.host.is_empty() {
                format!("{} on {}", l.user, l.line)
            } else {
                format!("{} on {} from {}", l.user, l.line, l.host)
            };
            if let Some(why) = hidden {
                who.push_str(&format!(" (a session safeop cannot see: {why})"));
            }
            Some(Value::from(who))
        })
        .collect();
    Ok(answer([("session.other_users", others.into())]))
}

/// Running guests from one hypervisor tool: `Ok(None)` when the tool is not installed.
fn guests(
    tool: &str,
    args: &[&str],
    parse: fn(&str) -> Vec<String>,
) -> Result<Option<Vec<String>>, String> {
    let Some(bin) = super::helper::find(tool) else {
        return Ok(None);
    };
    let o = super::helper::run(&bin, args, std::time::Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    if o.status != Some(0) {
        let why = o
            .stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message")
            .trim()
            .to_string();
        return Err(format!("`{tool} {}` failed: {why}", args.join(" ")));
    }
    Ok(Some(parse(&o.stdout)))
}

/// `virsh list --name`: one running domain per line, a blank line at the end.
pub fn parse_virsh_names(out: &str) -> Vec<String> {
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `xl list`: a header, then `Name ID Mem VCPUs State Time(s)` rows; dom0 is the host itself.
pub fn parse_xl_list(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.starts_with("Name"))
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "Domain-0")
        .map(str::to_string)
        .collect()
}

/// Guests a reboot of this host would take down: libvirt and Xen, each asked only when its tool
/// is installed. Kept small on purpose: the in-use facts own the details of domains and disks.
fn vms_probe(_f: &Facts) -> ProbeResult {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    let (mut installed, mut answered) = (false, false);
    for (label, tool, args, parse) in [
        (
            "libvirt",
            "virsh",
            &["list", "--name"][..],
            parse_virsh_names as fn(&str) -> Vec<String>,
        ),
        ("xen", "xl", &["list"][..], parse_xl_list),
    ] {
        match guests(tool, args, parse) {
            Ok(Some(list)) => {
                installed = true;
                answered = true;
                names.extend(
                    list.into_iter()
                        .map(|n| Value::from(format!("{n} ({label})"))),
                );
            }
            Ok(None) => {}
            Err(e) => {
                installed = true;
                errors.push(Value::from(e));
            }
        }
    }
    if installed && !answered {
        return Err(errors
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "));
    }
    Ok(answer([
        ("host.running_vms", names.len().into()),
        ("host.vm_names", names.into()),
        ("host.vm_errors", errors.into()),
    ]))
}

static USERS: Probe = Probe {
    id: "users",
    run: ProbeFn::Whole(users_probe),
    pure: false,
};
static VMS: Probe = Probe {
    id: "vms",
    run: ProbeFn::Whole(vms_probe),
    pure: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_comm() {
        assert_eq!(
            parse_stat("812 (sshd-session) S 700 812 812 0 -1"),
            Some(("sshd-session".into(), 700))
        );
        assert_eq!(
            parse_stat("9 (tmux: server) S 1 9 9 0"),
            Some(("tmux: server".into(), 1))
        );
        assert_eq!(parse_stat("10 (a) b) R 4 1"), Some(("a) b".into(), 4)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn environ_ssh() {
        assert_eq!(
            environ_says_ssh(b"HOME=/root\0SSH_CONNECTION=1 2 3 4\0"),
            Some("SSH_CONNECTION".into())
        );
        assert_eq!(environ_says_ssh(b"HOME=/root\0TERM=xterm\0"), None);
    }

    fn record(kind: i16, pid: i32, line: &str, user: &str, host: &str) -> Vec<u8> {
        let mut r = vec![0u8; UTMP_RECORD];
        r[0..2].copy_from_slice(&kind.to_le_bytes());
        r[4..8].copy_from_slice(&pid.to_le_bytes());
        r[8..8 + line.len()].copy_from_slice(line.as_bytes());
        r[44..44 + user.len()].copy_from_slice(user.as_bytes());
        r[76..76 + host.len()].copy_from_slice(host.as_bytes());
        r
    }

    #[test]
    fn utmp_records() {
        let mut data = record(2, 0, "~", "reboot", "6.1.0");
        data.extend(record(7, 812, "pts/1", "bob", "10.0.0.5"));
        data.extend(record(8, 813, "pts/2", "", ""));
        data.extend(record(7, 900, "tty1", "alice", ""));
        data.extend(&[1, 2, 3]); // a torn last record is ignored
        let l = parse_utmp(&data);
        assert_eq!(l.len(), 2);
        assert_eq!(
            l[0],
            Login {
                user: "bob".into(),
                line: "pts/1".into(),
                host: "10.0.0.5".into(),
                pid: 812
            }
        );
        assert_eq!(l[1].user, "alice");
        assert_eq!(l[1].host, "");
    }

    #[test]
    fn hypervisor_lists() {
        assert_eq!(parse_virsh_names("web01\ndb02\n\n"), vec!["web01", "db02"]);
        let xl = "Name                                        ID   Mem VCPUs\tState\tTime(s)\nDomain-0                                     0  4096     4     r-----     123.4\nweb1                                         3  1024     1     -b----      12.0\n";
        assert_eq!(parse_xl_list(xl), vec!["web1"]);
    }
}
