//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use super::super::{parse_at, parse_str, Here, Kind, Operation};

fn stdin_script() -> Here {
    Here {
        stdin_script: true,
        ..Here::default()
    }
}

fn on(line: &str, here: &Here) -> Operation {
    parse_at(&shell_words::split(line).expect("splits"), here)
}

/// The remote command is read as shell text, ssh's words joined with spaces, and everything it
/// does happens on the host.
#[test]
fn the_remote_command_is_judged_as_running_there() {
    for line in [
        "ssh db1 rm -rf /",
        "ssh db1 'rm -rf /'",
        "ssh -p 22 -i k root@db1 'rm -rf /'",
        "ssh ssh://root@db1:2222 rm -rf /",
        "ssh -t db1 sudo rm -rf /",
        "ssh db1 -p 2222 rm -rf /",
        "ssh -- db1 rm -rf /",
        "ssh db1 \"sh -c 'rm -rf /'\"",
        "ssh -l root -o StrictHostKeyChecking=no db1 'cd /tmp; rm -rf /'",
    ] {
        let op = parse_str(line);
        assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete), "{line}");
        assert_eq!(op.targets, ["/"], "{line}");
        assert!(op.has("elsewhere"), "{line}");
        assert_eq!(op.wrappers[0], "ssh", "{line}");
    }
    let op = parse_str("ssh -t db1 sudo dd of=/dev/sda");
    assert_eq!((op.tool.as_str(), op.kind), ("dd", Kind::Overwrite));
    assert_eq!(op.targets, ["/dev/sda"]);
    assert!(op.has("elsewhere"));
    assert!(op.note.as_deref().is_some_and(|n| n.contains("`db1`")));
    // The host's own shell reads `sh -c rm -rf /x`: sh runs `rm` with $0 = -rf.
    let op = parse_str("ssh db1 sh -c rm -rf /x");
    assert!(op.targets.is_empty(), "{op:?}");
}

#[test]
fn commands_safeop_does_not_guard_run_there_untouched() {
    for line in [
        "ssh db1 uptime",
        "ssh db1 'ls -l /srv; df -h'",
        "ssh -f db1 sleep 10",
    ] {
        let op = parse_str(line);
        assert!(!op.is_guarded(), "{line}: {op:?}");
        assert!(!op.has("elsewhere"), "{line}");
    }
}

/// The remote filesystem is not this one: its globs are not expanded here.
#[test]
fn remote_globs_are_not_expanded_here() {
    let here = Here {
        fs: Some(std::rc::Rc::new(crate::shell::expand::RealFs)),
        ..Here::default()
    };
    let op = on("ssh db1 'rm -rf /usr/*'", &here);
    assert_eq!(op.targets, ["/usr/*"]);
    assert!(op.has("unseen_arguments") && op.has("elsewhere"));
}

#[test]
fn what_runs_nothing_remote() {
    for line in [
        "ssh -N -L 8080:x:80 db1",
        "ssh -f -N db1",
        "ssh -G db1",
        "ssh -G db1 rm -rf /",
        "ssh -V",
        "ssh -O exit db1",
        "ssh -W x:22 bastion",
        "ssh -o SessionType=none db1",
        "ssh db1",
        "ssh -t db1",
    ] {
        let op = parse_str(line);
        assert_eq!(
            (op.tool.as_str(), op.kind),
            ("ssh", Kind::Unknown),
            "{line}"
        );
    }
}

/// No command and standard input not a terminal: the remote login shell reads it.
#[test]
fn a_script_on_standard_input_is_code_safeop_cannot_see() {
    let s = stdin_script();
    assert_eq!(on("ssh db1", &s).kind, Kind::Opaque);
    assert_eq!(on("ssh -T root@db1", &s).kind, Kind::Opaque);
    // -n: standard input is /dev/null; -N: no shell at all.
    assert_eq!(on("ssh -n db1", &s).kind, Kind::Unknown);
    assert_eq!(on("ssh -N db1", &s).kind, Kind::Unknown);
    // A command that reads its script from there: the same.
    assert_eq!(on("ssh db1 bash", &s).kind, Kind::Opaque);
    assert_eq!(on("ssh db1 sudo sh -s", &s).kind, Kind::Opaque);
    assert_eq!(on("ssh -n db1 bash", &s).kind, Kind::Unknown);
    // The same for a shell here (`bash < script`).
    assert_eq!(on("bash", &s).kind, Kind::Opaque);
    assert_eq!(on("sudo bash -s", &s).kind, Kind::Opaque);
    assert_eq!(on("bash script.sh", &s).kind, Kind::Unknown);
    assert_eq!(on("bash", &Here::default()).kind, Kind::Unknown);
}

#[test]
fn options_that_run_code_here_ask() {
    let op = parse_str("ssh -o 'ProxyCommand=nc %h %p' db1 ls");
    assert_eq!(op.kind, Kind::Opaque);
    assert!(op.note.as_deref().is_some_and(|n| n.contains("nc %h %p")));
    let op = parse_str("ssh -oProxyCommand=x db1 'rm -rf /'");
    assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete));
    assert!(op.has("runs_code") && op.has("elsewhere"));
    assert_eq!(
        parse_str("ssh -o 'LocalCommand touch x' db1").kind,
        Kind::Opaque
    );
    assert_eq!(parse_str("ssh -I /lib/pkcs11.so db1 ls").kind, Kind::Opaque);
    assert_eq!(
        parse_str("ssh -o ProxyCommand=none db1 ls").kind,
        Kind::Unknown
    );
    // The option round after the destination is read too.
    assert_eq!(parse_str("ssh db1 -o ProxyCommand=x ls").kind, Kind::Opaque);
}

#[test]
fn remote_command_option_and_subsystems() {
    let op = parse_str("ssh -o 'RemoteCommand=rm -rf /' db1");
    assert_eq!(
        (op.tool.as_str(), op.targets.clone()),
        ("rm", vec!["/".to_string()])
    );
    assert!(op.has("elsewhere"));
    assert_eq!(parse_str("ssh -s db1 sftp").kind, Kind::Opaque);
    assert_eq!(
        parse_str("ssh -o SessionType=subsystem db1 sftp").kind,
        Kind::Opaque
    );
}

#[test]
fn options_ssh_refuses_or_lacks_are_not_guessed() {
    for line in ["ssh", "ssh -p", "ssh -Z db1 ls", "ssh --foo db1 ls"] {
        assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
    }
}

/// Inside a shell string, `ssh HOST <<EOF` bodies run on HOST; `ssh HOST < f` is unseen.
#[test]
fn ssh_inside_a_shell_string() {
    let op = parse_str("sh -c 'ssh db1 <<EOF\nrm -rf /srv/data\nEOF'");
    assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete));
    assert!(op.has("elsewhere"));
    let op = parse_str("sh -c 'ssh db1 \"rm -rf /srv/data\"'");
    assert!(op.has("elsewhere"));
    assert_eq!(parse_str("sh -c 'ssh db1 < f'").kind, Kind::Opaque);
}

/// A stand-in for the door's configuration reader: answers `seen` and keeps the queries.
struct Fake {
    seen: crate::command::SshSeen,
    asked: std::cell::RefCell<Vec<crate::command::SshQuery>>,
}

impl crate::command::SshConfig for Fake {
    fn read(&self, q: &crate::command::SshQuery) -> crate::command::SshSeen {
        self.asked.borrow_mut().push(q.clone());
        self.seen.clone()
    }
}

fn with_config(local: Option<&str>, remote: Option<&str>) -> (Here, std::rc::Rc<Fake>) {
    let fake = std::rc::Rc::new(Fake {
        seen: crate::command::SshSeen {
            local_code: local.map(str::to_string),
            remote_command: remote.map(str::to_string),
        },
        asked: Default::default(),
    });
    let here = Here {
        ssh: Some(fake.clone()),
        ..Here::default()
    };
    (here, fake)
}

#[test]
fn what_the_configuration_runs_here_is_seen() {
    use crate::command::SshUser;
    let (here, fake) = with_config(Some("ProxyCommand from the config"), None);
    let op = on(
        "ssh -l admin -F /etc/ci/ssh -o ProxyJump=b db1 rm -rf /srv",
        &here,
    );
    assert_eq!(op.tool, "rm");
    assert!(op.has("runs_code") && op.has("elsewhere"), "{:?}", op.note);
    let q = fake.asked.borrow()[0].clone();
    assert_eq!(q.host, "db1");
    assert_eq!(q.user.as_deref(), Some("admin"));
    assert_eq!(q.file.as_deref(), Some("/etc/ci/ssh"));
    assert_eq!(q.line, [("proxyjump".to_string(), "b".to_string())]);
    assert_eq!(q.as_user, SshUser::Caller);
    // Nothing safeop guards remotely: the local code alone makes it opaque.
    let op = on("ssh db1 uptime", &here);
    assert_eq!(op.kind, Kind::Opaque);
    // An interactive login with such a configuration: opaque too.
    assert_eq!(on("ssh db1", &here).kind, Kind::Opaque);
    // Whose configuration: root's after sudo, not known after `sudo -u bob`, su, env -C.
    for (line, who) in [
        ("sudo ssh db1 uptime", SshUser::Root),
        ("sudo -u root ssh db1 uptime", SshUser::Root),
        ("sudo -u bob ssh db1 uptime", SshUser::Unknown),
        ("doas -u bob ssh db1 uptime", SshUser::Unknown),
        ("su -c 'ssh db1 uptime'", SshUser::Unknown),
        ("env -C /tmp ssh db1 uptime", SshUser::Unknown),
        ("nice ssh admin@db1 uptime", SshUser::Caller),
    ] {
        fake.asked.borrow_mut().clear();
        on(line, &here);
        let asked = fake.asked.borrow();
        assert_eq!(asked.first().map(|q| q.as_user), Some(who), "{line}");
    }
    // What runs nothing remote asks nothing of the configuration.
    fake.asked.borrow_mut().clear();
    on("ssh -G db1", &here);
    assert!(fake.asked.borrow().is_empty());
}

#[test]
fn a_remote_command_from_the_configuration_is_the_command() {
    let (here, _) = with_config(None, Some("rm -rf /srv/data"));
    let op = on("ssh db1", &here);
    assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete));
    assert!(op.has("elsewhere"));
    // The line's own command, or its own `-o RemoteCommand`, comes first.
    assert_eq!(on("ssh db1 uptime", &here).tool, "uptime");
    assert_eq!(on("ssh -o RemoteCommand=uptime db1", &here).tool, "uptime");
}
