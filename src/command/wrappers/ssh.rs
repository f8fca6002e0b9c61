//! `ssh [OPTIONS] DESTINATION [COMMAND [ARG…]]`: the command runs on DESTINATION. ssh joins the
//! command's words with spaces and the remote login shell reads the line, so `ssh db1 rm -rf /`
//! and `ssh db1 'rm -rf /'` are the same shell text, read here by the shell front end as `sh -c`
//! is, and judged as commands that run **there**: every operation from it carries
//! [`Imposed::Elsewhere`] (flag `elsewhere`, rule `runs-where-safeop-cannot-look`), and no fact
//! of this machine is read for it (`facts::Facts::live` answers "unknown" for such an
//! operation: the rules' `unknown:` decide), while the rules that read only the argv still apply
//! (`rm -rf /` is refused wherever it runs). Nothing of the remote command is expanded here: its
//! globs and `~` are the remote filesystem's, and the remote environment is not this one's.
//!
//! Options as OpenSSH 9 reads them (`ssh.c`: BSD getopt, no permutation): the options, the
//! destination (`[user@]host`, `ssh://[user@]host[:port]`), then one more round of options
//! right after it unless `--` came before it (`ssh db1 -p 2222 uptime` is port 2222; `ssh -G
//! db1 -p 2222` shows it), then the command. What runs nothing remote: `-N`, `-W`, `-G`, `-V`,
//! `-O CTL`, `-o SessionType=none`, and no command with a terminal on standard input (an
//! interactive login). No command with standard input not a terminal ([`Scope::stdin_script`],
//! `ssh db1 < script`) runs the remote shell on that input, which safeop does not see: opaque.
//! `-o RemoteCommand=…` is the command when the line has none. Options that run code on this
//! machine (`-o ProxyCommand=`, `LocalCommand=`, `KnownHostsCommand=`, `PKCS11Provider=`,
//! `SecurityKeyProvider=`, `Include=`, `-I`) make the operation `runs_code` (or opaque when the
//! remote command is nothing safeop guards). ssh's configuration files (`-F FILE`, else
//! `~/.ssh/config` and `/etc/ssh/ssh_config`) are read by the door when it hands in a reader
//! ([`Scope::ssh`], `facts::ssh_config`): an option there that runs code on this machine (a
//! `ProxyCommand`, a `LocalCommand` with `PermitLocalCommand yes`, a `KnownHostsCommand`, a
//! `PKCS11Provider`, a `SecurityKeyProvider`, `Match exec`), a file ssh would read that cannot
//! be read, or a user whose files are not known ([`SshUser::Unknown`]) counts as such an option
//! on the line; a `RemoteCommand` there is the remote command when the line has none. Without a
//! reader (pure tests, `policy test`) the files are not read.

use super::super::options::{Getopt, Reader, POSIX};
use super::super::SshQuery;
use super::{impose, Arg, Imposed, Operation, Scope};

/// OpenSSH 9's getopt string `46ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy`.
const SSH: Getopt = Getopt {
    short_arg: "BbcDEeFIiJLlmOoPpQRSWw",
    short_flag: "46AaCfGgKkMNnqsTtVvXxYy",
    ..POSIX
};

/// `-o` keys (lower case) whose value runs a program, or loads code, on this machine.
const LOCAL_CODE: &[&str] = &[
    "proxycommand",
    "localcommand",
    "knownhostscommand",
    "pkcs11provider",
    "securitykeyprovider",
    "include",
];

#[derive(Default)]
struct Opts {
    /// Why nothing runs on the remote side (`-N`, `-G` …).
    nothing: Option<String>,
    subsystem: bool,
    stdin_null: bool,
    remote_command: Option<String>,
    /// What runs on this machine (`-o ProxyCommand=…`).
    local_code: Option<String>,
    /// `-l USER`, `-F FILE`, and every `-o` (and `-I`) as `(key, value)`, for the
    /// configuration reader.
    user: Option<String>,
    file: Option<String>,
    line: Vec<(String, String)>,
}

impl Opts {
    fn take(&mut self, name: &str, value: Option<String>) {
        let v = value.unwrap_or_default();
        match name {
            "N" => self.nothing = Some("`-N` runs no remote command".into()),
            "W" => self.nothing = Some(format!("`-W {v}` only forwards a connection")),
            "G" => self.nothing = Some("`-G` only prints the configuration".into()),
            "V" => self.nothing = Some("`-V` only prints the version".into()),
            "O" => self.nothing = Some(format!("`-O {v}` only talks to the master connection")),
            "s" => self.subsystem = true,
            "n" => self.stdin_null = true,
            "I" => {
                self.line.push(("pkcs11provider".into(), v.clone()));
                self.local_code
                    .get_or_insert(format!("`-I {v}` loads a PKCS#11 library"));
            }
            "l" => self.user = Some(v),
            "F" => self.file = Some(v),
            "o" => self.option(&v),
            _ => {}
        }
    }

    /// `-o Key=Value` or `-o "Key Value"` (keys are case-insensitive).
    fn option(&mut self, kv: &str) {
        let kv = kv.trim_start();
        let split = kv
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(kv.len());
        let key = kv[..split].to_ascii_lowercase();
        let value = kv[split..]
            .trim_start_matches(|c: char| c.is_whitespace())
            .trim_start_matches('=')
            .trim()
            .trim_matches('"');
        self.line.push((key.clone(), value.to_string()));
        match key.as_str() {
            k if LOCAL_CODE.contains(&k) && !value.eq_ignore_ascii_case("none") => {
                self.local_code.get_or_insert(format!(
                    "`-o {kv}` runs `{value}` on this machine, which safeop does not read"
                ));
            }
            "remotecommand" if !value.eq_ignore_ascii_case("none") => {
                self.remote_command = Some(value.to_string())
            }
            "sessiontype" => match value.to_ascii_lowercase().as_str() {
                "none" => self.nothing = Some("`SessionType none` runs no remote command".into()),
                "subsystem" => self.subsystem = true,
                _ => {}
            },
            "stdinnull" if value.eq_ignore_ascii_case("yes") => self.stdin_null = true,
            _ => {}
        }
    }
}

/// Reads one round of options from `args`: the index of the first operand, if any.
fn round(args: &[String], o: &mut Opts) -> Result<Option<usize>, String> {
    let mut reader = Reader::new(std::slice::from_ref(&SSH), args);
    while let Some(a) = reader.next() {
        match a? {
            Arg::Opt(n, v) => o.take(&n, v),
            Arg::Operand(_) => return Ok(Some(args.len() - reader.rest().len() - 1)),
        }
    }
    Ok(None)
}

/// The host of a destination: `user@host`, `ssh://user@host:port` → `host`.
fn host_of(dest: &str) -> String {
    let d = dest.strip_prefix("ssh://").unwrap_or(dest);
    let d = d.rsplit_once('@').map_or(d, |(_, h)| h);
    let d = if dest.starts_with("ssh://") {
        d.split_once(':').map_or(d, |(h, _)| h)
    } else {
        d
    };
    d.to_string()
}

pub(super) fn ssh(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let mut op = judge(argv, depth, scope);
    op.wrappers.insert(0, "ssh".into());
    op
}

fn judge(argv: &[String], depth: usize, scope: &Scope) -> Operation {
    let plain = || Operation::new("ssh", argv.to_vec());
    let unclear = |why: String| {
        let mut op = plain();
        op.opaque(format!("`ssh` options not understood: {why}"));
        op
    };
    let args = &argv[1..];
    let mut o = Opts::default();
    let dest_at = match round(args, &mut o) {
        Ok(Some(i)) => i,
        Ok(None) if o.nothing.is_some() => return plain(),
        Ok(None) => return unclear("no destination".into()),
        Err(e) => return unclear(e),
    };
    let host = host_of(&args[dest_at]);
    let dest_user = args[dest_at]
        .strip_prefix("ssh://")
        .unwrap_or(&args[dest_at])
        .rsplit_once('@')
        .map(|(u, _)| u.to_string());
    // ssh.c: options again right after the destination, unless `--` ended them before it.
    let terminated = dest_at > 0 && args[dest_at - 1] == "--";
    let after = &args[dest_at + 1..];
    let command = if terminated {
        after
    } else {
        match round(after, &mut o) {
            Ok(Some(i)) => &after[i..],
            Ok(None) => &[][..],
            Err(e) => return unclear(e),
        }
    };
    if o.nothing.is_some() {
        return plain();
    }
    if let Some(reader) = &scope.ssh {
        let seen = reader.0.read(&SshQuery {
            host: host.clone(),
            user: o.user.clone().or(dest_user),
            file: o.file.clone(),
            line: o.line.clone(),
            as_user: scope.ssh_user,
        });
        if o.local_code.is_none() {
            o.local_code = seen.local_code;
        }
        if o.remote_command.is_none() {
            o.remote_command = seen.remote_command;
        }
    }
    let line = match (command.is_empty(), &o.remote_command) {
        (false, _) => command.join(" "),
        (true, Some(rc)) => rc.clone(),
        (true, None) => {
            if scope.stdin_script && !o.stdin_null && o.local_code.is_none() {
                let mut op = plain();
                op.opaque(format!(
                    "`ssh {host}` with no command runs the login shell of `{host}` on what \
                     standard input holds, which safeop does not see"
                ));
                return op;
            }
            // An interactive login (or nothing at all): the person at the terminal decides.
            return match &o.local_code {
                Some(why) => {
                    let mut op = plain();
                    op.opaque(why.clone());
                    op
                }
                None => plain(),
            };
        }
    };
    if o.subsystem {
        let mut op = plain();
        op.opaque(format!(
            "`ssh -s` runs the subsystem `{line}` on `{host}`, driven by input safeop does not see"
        ));
        return op;
    }
    let remote = remote_scope(scope, o.stdin_null);
    let mut op = super::shell::string("ssh", argv, &line, depth + 1, &remote);
    on_host(&mut op, &host);
    if let Some(why) = o.local_code {
        if op.is_guarded() {
            op.runs_code(why);
        } else {
            let mut local = plain();
            local.opaque(why);
            return local;
        }
    }
    op
}

/// The scope of a command that runs on another host: nothing of this machine (no expansion,
/// none of the caller's environment: ssh sends only what `SendEnv` names, and the remote side
/// decides what it accepts); standard input is still the caller's unless `-n`.
pub(super) fn remote_scope(scope: &Scope, stdin_null: bool) -> Scope {
    Scope {
        stdin_script: scope.stdin_script && !stdin_null,
        ..Scope::default()
    }
}

/// Marks an operation as running on `host`.
pub(super) fn on_host(op: &mut Operation, host: &str) {
    impose(
        op,
        Imposed::Elsewhere(format!(
            "`ssh` runs it on `{host}`: its paths are that host's, and nothing safeop knows \
             of this machine says anything about them"
        )),
    );
}
