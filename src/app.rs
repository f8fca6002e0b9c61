//! The door: argv in, exit status out (shims, the bare form, the fast path), and what the verbs
//! share (the working directory, the PATH to resolve programs from, reading the command line as
//! this machine's programs are). Each verb lives in `verbs/`, one file each.
//! Exit statuses follow DESIGN.md.

use crate::cli::{AuditVerb, Cli, PolicyVerb, RunArgs, Verb, VERBS};
use crate::command::{self, Operation};
use crate::confirm::{self};
use crate::engine::{self, Decision};
use crate::error::Error;
use crate::exec;
use crate::facts::{self, Facts};
use crate::policy::{self, Policy, Sources};
use crate::report::out;
use crate::text::bytes;
use clap::Parser;
use std::path::PathBuf;

pub const REFUSED: u8 = 126;
pub const FAILED: u8 = 125;
pub const NOT_FOUND: u8 = 127;

pub use crate::context::sudo_mode;

/// A `safeop: ` message on stderr, best effort: for errors before a failure status and for
/// `run`'s messages, whose exit status does not depend on them (`report::out`).
pub(crate) fn eprint(msg: &str) {
    out::note(&format!("safeop: {msg}\n"));
}

/// A verb's exit status, or 125 when its output could not be written.
fn written(r: Result<u8, Error>) -> u8 {
    r.unwrap_or_else(|e| out::unwritten(&e))
}

/// safeop's whole life for one command line: the exit status (the guarded command's own when it
/// ran and safeop waited for it; on the allow path the command replaces safeop instead).
pub fn main(mut args: Vec<String>) -> u8 {
    // Called through a shim (a link named `rm` to safeop): `safeop run -- rm …`.
    if let Some(tool) = args.first().and_then(|a0| crate::shims::called_as(a0)) {
        args.splice(
            0..1,
            ["safeop".to_string(), "run".into(), "--".into(), tool],
        );
    }
    let args = bare_form(args);
    let verb = args.get(1).map(String::as_str).unwrap_or("");
    let usage_code = if matches!(verb, "check" | "preflight") {
        2
    } else {
        FAILED
    };
    // The fast path: a command no rule can match is run before clap or the policy are touched.
    if verb == "run" {
        if let Some(code) = fast_path(&args) {
            return code;
        }
    }
    // The guarded path skips clap (about 0.2 ms cold) when the line is in its plain form.
    if let Some((policy, run_args)) = quick_run(&args) {
        return crate::verbs::run::run(&sources_for(policy), run_args);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { usage_code } else { 0 };
            // Help or a version that did not reach stdout is a failure; a usage error stays one.
            return match e.print() {
                Err(why) if code == 0 => out::unwritten(&Error::Write {
                    stream: "stdout",
                    why: why.to_string(),
                }),
                _ => code,
            };
        }
    };
    let strict = sudo_mode();
    let sources = sources_for(cli.policy.clone());
    let code = match cli.verb {
        Verb::Run(a) => crate::verbs::run::run(&sources, a),
        Verb::Check(a) => written(crate::verbs::check::check(&sources, a)),
        Verb::Preflight(a) => written(crate::verbs::preflight::preflight(&sources, a)),
        Verb::Policy(PolicyVerb::Lint { files }) => {
            written(crate::verbs::policy::lint(&sources, &files))
        }
        Verb::Policy(PolicyVerb::Show) => written(crate::verbs::policy::policy_show(&sources)),
        Verb::Policy(PolicyVerb::Test { files }) => {
            written(crate::verbs::policy::policy_test(&sources, &files))
        }
        Verb::Explain(a) => written(crate::verbs::explain::explain(
            &sources,
            a.name.as_deref(),
            a.list,
        )),
        Verb::Audit(AuditVerb::Verify { logs }) => {
            written(crate::verbs::audit::audit_verify(logs, strict))
        }
        Verb::Audit(AuditVerb::Show(a)) => written(crate::verbs::audit::audit_show(a, strict)),
        Verb::Facts { json, paths } => {
            written(crate::verbs::facts::show_facts(&sources, json, paths))
        }
        Verb::Init { shell } => written(crate::verbs::install::init(&sources, &shell)),
        Verb::Shims(v) => written(crate::verbs::install::shims(&sources, v)),
        Verb::Completions { shell } => written(crate::verbs::install::completions(&shell)),
        Verb::Man { dir } => written(crate::verbs::install::man_pages(&dir)),
    };
    code
}

/// Where the policy comes from: `--policy` or `SAFEOP_POLICY`, never in sudo mode.
fn sources_for(flag: Option<PathBuf>) -> Sources {
    let strict = sudo_mode();
    let explicit = if strict {
        if flag.is_some() || std::env::var_os("SAFEOP_POLICY").is_some() {
            eprint("sudo mode: --policy and SAFEOP_POLICY are ignored; /etc/safeop is used");
        }
        None
    } else {
        flag.or_else(|| {
            std::env::var_os("SAFEOP_POLICY")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
    };
    Sources { explicit, strict }
}

/// `safeop run [--policy F] [--override R] [--] CMD …` read without clap. Anything else
/// (`--help`, an unknown option, a missing command) is left to clap and its messages.
fn quick_run(args: &[String]) -> Option<(Option<PathBuf>, RunArgs)> {
    if args.get(1).map(String::as_str) != Some("run") {
        return None;
    }
    let (mut policy, mut over) = (None, None);
    let mut i = 2;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--" => {
                i += 1;
                break;
            }
            "--policy" | "--override" => {
                let v = args.get(i + 1)?.clone();
                if a == "--policy" {
                    policy = Some(bytes::path(&v).into_owned());
                } else {
                    // A reason too thin is left to clap, which says why (the same check).
                    over = Some(confirm::override_reason(&v).ok()?);
                }
                i += 2;
            }
            _ if a.starts_with("--policy=") => {
                policy = Some(bytes::path(&a["--policy=".len()..]).into_owned());
                i += 1;
            }
            _ if a.starts_with("--override=") => {
                over = Some(confirm::override_reason(&a["--override=".len()..]).ok()?);
                i += 1;
            }
            _ if a.starts_with('-') => return None,
            _ => break,
        }
    }
    let command = args.get(i..).filter(|c| !c.is_empty())?.to_vec();
    Some((
        policy,
        RunArgs {
            r#override: over,
            command,
        },
    ))
}

/// `safeop dd …` is `safeop run -- dd …`. `safeop init 6` is the `init` command, not the verb.
fn bare_form(mut args: Vec<String>) -> Vec<String> {
    let Some(first) = args.get(1).cloned() else {
        return args;
    };
    let init_cmd = first == "init"
        && args
            .get(2)
            .is_some_and(|a| !["bash", "zsh", "fish"].contains(&a.as_str()) && !a.starts_with('-'));
    if (!first.starts_with('-') && !VERBS.contains(&first.as_str())) || init_cmd {
        args.splice(1..1, ["run".to_string(), "--".to_string()]);
    }
    args
}

pub(crate) fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

pub(crate) fn path_for_exec(strict: bool) -> (Option<std::ffi::OsString>, Option<&'static str>) {
    if strict {
        (Some(exec::SECURE_PATH.into()), Some(exec::SECURE_PATH))
    } else {
        (std::env::var_os("PATH"), None)
    }
}

/// `safeop run -- CMD` where CMD is not a tool safeop knows (nor a wrapper of one) and no policy
/// layer exists: no rule can match it, so it is exec'd at once. With a layer present, any rule of
/// it might (`match: { tool: crontab }`), so the layer is read and the command decided like any other.
/// A name safeop does not know may still reach a tool it does (a symlink `zz` to dd): the file
/// exec would run is looked at once (`facts::program`), and run as found when it is no tool.
fn fast_path(args: &[String]) -> Option<u8> {
    let cmd_start = args.iter().position(|a| a == "--")? + 1;
    // Only the plain form `safeop run -- CMD …` (no safeop options before `--`).
    if cmd_start != 3 {
        return None;
    }
    let program = args.get(cmd_start)?;
    if command::is_guarded_program(program) || !policy::layer_files(&sources_for(None)).is_empty() {
        return None;
    }
    let (path_var, path_override) = path_for_exec(sudo_mode());
    let found = match exec::resolve(program, path_var.clone()) {
        Ok(p) => p,
        Err(e) => {
            eprint(&e.to_string());
            return Some(NOT_FOUND);
        }
    };
    if facts::program::binary_of(program, &found, path_var.as_deref()).is_some() {
        return None;
    }
    Some(crate::verbs::run::exec_path(
        &found,
        &args[cmd_start..],
        path_override,
    ))
}

/// The operation a command line is, read on this machine (DESIGN decision 10): a program whose
/// name safeop does not know, however many wrappers stand before it, is looked up as exec would
/// find it and judged by what it is (`facts::program`: a symlink `zz` to dd is dd, and the
/// operation says so). argv is not changed. Not under `chroot` (the program lives in the new
/// root), and only for names not known: a known one costs nothing here.
/// The variables of this process's environment that the parsers read ([`command::INHERITED`]:
/// `BORG_RSH`, `RSYNC_RSH` … which make the command run code safeop cannot see).
fn inherited() -> Vec<(String, String)> {
    command::INHERITED
        .iter()
        .filter_map(|k| {
            std::env::var_os(k).map(|v| (k.to_string(), bytes::encode(&v).into_owned()))
        })
        .collect()
}

/// What the door knows of this machine for the parsers ([`command::Here`]): the inherited
/// variables, this filesystem and user database for the words a shell string expands (not
/// when the environment holds `BASHOPTS`, `SHELLOPTS` or `GLOBIGNORE`, which bash imports and
/// which change its globs; `sh` is looked up only when a string it runs is expanded),
/// whether standard input is a terminal, and ssh's configuration files (`facts::ssh_config`,
/// read only when an `ssh` command is judged).
fn here(inherited: Vec<(String, String)>, path_var: Option<&std::ffi::OsStr>) -> command::Here {
    use std::io::IsTerminal;
    let imported = ["BASHOPTS", "SHELLOPTS", "GLOBIGNORE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let fs: Option<std::rc::Rc<dyn crate::shell::expand::Fs>> =
        (!imported).then(|| std::rc::Rc::new(facts::expansion::HostFs::new(cwd(), path_var)) as _);
    command::Here {
        inherited,
        fs,
        sh: None,
        stdin_script: !std::io::stdin().is_terminal() && !stdin_is_null(),
        ssh: Some(std::rc::Rc::new(facts::ssh_config::Reader)),
    }
}

/// Standard input is `/dev/null` (a shell reading it runs nothing): the character device 1:3.
fn stdin_is_null() -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let (Ok(fd0), Ok(null)) = (
        std::fs::metadata("/proc/self/fd/0"),
        std::fs::metadata("/dev/null"),
    ) else {
        return false;
    };
    fd0.file_type().is_char_device() && fd0.rdev() == null.rdev()
}

pub(crate) fn parse_here(argv: &[String], path_var: Option<&std::ffi::OsStr>) -> Operation {
    let inherited = inherited();
    let mut op = command::parse_at(argv, &here(inherited.clone(), path_var));
    for _ in 0..8 {
        if op.is_guarded() || op.root.is_some() {
            break;
        }
        let Some(program) = op.argv.first() else {
            break;
        };
        if command::is_guarded_program(program) {
            break;
        }
        // A relative path after `env -C DIR` is relative to DIR.
        let program = match &op.cwd {
            Some(dir) if program.contains('/') && !program.starts_with('/') => {
                bytes::encode_path(&cwd().join(bytes::path(dir)).join(bytes::path(program)))
            }
            _ => program.clone(),
        };
        let Ok(found) = exec::resolve(&program, path_var.map(Into::into)) else {
            break;
        };
        let Some(binary) = facts::program::binary_of(&program, &found, path_var) else {
            break;
        };
        op = command::reread_as_in(&op, &bytes::encode_path(&binary), &inherited);
    }
    op
}

pub(crate) fn load(sources: &Sources) -> Result<Policy, u8> {
    Policy::load(sources).map_err(|e| {
        eprint(&e.to_string());
        eprint("the command was not run");
        FAILED
    })
}

/// Decides an operation with live facts. Used by benchmarks and embedders.
pub fn decide_live(policy: &Policy, op: &Operation) -> Decision {
    let facts = Facts::live(op, cwd(), PathBuf::from("/"));
    engine::decide(policy, &facts, true)
}
