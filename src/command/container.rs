//! Container engines' volume commands argv → Operation: `docker`, `podman`, `nerdctl` (the same
//! command line as docker's) and `docker-compose` (cobra and pflag: no prefixes, global options
//! before the command).
//!
//! A volume is data with no path on the command line: the engine names it and keeps it under its
//! own root (`/var/lib/docker/volumes/NAME/_data`, podman's `…/storage/volumes/NAME/_data`).
//! No effect kind of its own fits better than [`Kind::Delete`]: removing a volume deletes a tree
//! of files, which is what `delete` means to every rule; it is not a backup (`destroy-backup`)
//! and writes no device (`format`). So:
//! - `volume rm|remove [-f] NAME…` → [`Kind::Delete`] of each volume, by its name as written
//!   (like ZFS datasets: the facts ask the engine where it lives and who uses it, by name);
//!   podman's `volume rm --all` → every volume (flags `all`, `pathless`, `volumes`);
//! - `volume prune [-a] [-f] [--filter F]` → [`Kind::Delete`] with no path (flag `pathless`: the
//!   engine picks the volumes) and flags `prune`, `volumes`, `all` with `-a` (docker 23+ prunes
//!   only anonymous volumes without it; podman prunes every unused one);
//! - `system prune [-a] [-f] [--volumes]` → the same with flag `system` (stopped containers,
//!   unused networks, dangling images and the build cache go; volumes only with `--volumes`);
//! - podman's `system reset` → every container, image, volume and network (flags `reset`,
//!   `all`, `volumes`, `system`);
//! - `compose down -v|--volumes` (and `docker-compose down -v`) → the project's named volumes and
//!   its containers' anonymous ones (flags `compose`, `volumes`, `pathless`); `down` without
//!   `-v` keeps the volumes and is not judged.
//!
//! `-f`/`--force` (flag `force`) skips the engine's own y/N question of a prune: safeop asks
//! instead. Global options that point the CLI at another daemon — docker's `-H`/`--host`,
//! `-c`/`--context` (other than `default`), podman's `-r`/`--remote`, `-c`/`--connection`,
//! `--url`, nerdctl's `-H`/`-a`/`--host`/`--address` (another containerd) and `-n`/`--namespace`
//! (another containerd namespace, whose volumes are apart) — make every fact about the volumes
//! another daemon's: flag `elsewhere` (a person looks there). So does the environment the engine
//! reads the same from ([`super::INHERITED`]): `DOCKER_HOST` (other than the default socket) and
//! `DOCKER_CONTEXT` (other than `default`) for docker and compose, `CONTAINER_HOST` and
//! `CONTAINER_CONNECTION` for podman, `CONTAINERD_ADDRESS` and `CONTAINERD_NAMESPACE` for
//! nerdctl. docker's current context in its config file (`currentContext` in
//! `DIR/config.json`, DIR from `--config`, `DOCKER_CONFIG` or `~/.docker`) is the facts' to read
//! (`facts::container`): the parser records where the file is (option `docker_config`) and
//! whether the line or the environment chose the daemon already (flag `daemon_chosen`), which
//! the file then does not decide. `--help`/`-h` and `--version` only print; other commands are
//! not judged ([`Kind::Unknown`]).

use super::options::PFLAG;
use super::{Arg, Getopt, Kind, Operation, Scope};

/// docker's global options.
pub(super) const DOCKER_GLOBAL: Getopt = Getopt {
    short_arg: "Hcl",
    short_flag: "Dhv",
    long_arg: &[
        "host",
        "context",
        "config",
        "log-level",
        "tlscacert",
        "tlscert",
        "tlskey",
    ],
    long_flag: &["debug", "help", "version", "tls", "tlsverify"],
    pairs: &[
        ('H', "host"),
        ('c', "context"),
        ('l', "log-level"),
        ('D', "debug"),
        ('h', "help"),
        ('v', "version"),
    ],
    permute: false,
    ..PFLAG
};

/// nerdctl's global options (its docs/config.md and command reference): `-H`/`-a`/`--host`/
/// `--address` name the containerd socket, `-n`/`--namespace` its namespace.
pub(super) const NERDCTL_GLOBAL: Getopt = Getopt {
    short_arg: "Han",
    short_flag: "hv",
    long_arg: &[
        "host",
        "address",
        "namespace",
        "snapshotter",
        "storage-driver",
        "cni-path",
        "cni-netconfpath",
        "data-root",
        "cgroup-manager",
        "hosts-dir",
        "host-gateway-ip",
        "bridge-ip",
    ],
    long_flag: &[
        "debug",
        "debug-full",
        "help",
        "version",
        "experimental",
        "insecure-registry",
        "kube-hide-dupe",
    ],
    pairs: &[
        ('H', "host"),
        ('a', "address"),
        ('n', "namespace"),
        ('h', "help"),
        ('v', "version"),
    ],
    permute: false,
    ..PFLAG
};

/// podman's global options.
pub(super) const PODMAN_GLOBAL: Getopt = Getopt {
    short_arg: "c",
    short_flag: "rhv",
    long_arg: &[
        "connection",
        "url",
        "identity",
        "root",
        "runroot",
        "storage-driver",
        "storage-opt",
        "log-level",
        "cgroup-manager",
        "events-backend",
        "network-backend",
        "runtime",
        "tmpdir",
        "volumepath",
        "imagestore",
        "module",
        "config",
    ],
    long_flag: &["remote", "help", "version", "syslog", "noout"],
    pairs: &[
        ('c', "connection"),
        ('r', "remote"),
        ('h', "help"),
        ('v', "version"),
    ],
    permute: false,
    ..PFLAG
};

/// `volume rm`, `volume prune`, `system prune`, `system reset`: the union of their options.
pub(super) const VOLUME: Getopt = Getopt {
    short_arg: "t",
    short_flag: "afh",
    long_arg: &["filter", "time"],
    long_flag: &["all", "force", "help", "volumes", "external", "build"],
    pairs: &[('a', "all"), ('f', "force"), ('h', "help"), ('t', "time")],
    ..PFLAG
};

/// `compose [OPTIONS] COMMAND`: compose's own options, before its command.
pub(super) const COMPOSE: Getopt = Getopt {
    short_arg: "fp",
    short_flag: "hv",
    long_arg: &[
        "file",
        "project-name",
        "project-directory",
        "env-file",
        "profile",
        "ansi",
        "progress",
        "parallel",
    ],
    long_flag: &[
        "dry-run",
        "help",
        "version",
        "compatibility",
        "all-resources",
    ],
    pairs: &[
        ('f', "file"),
        ('p', "project-name"),
        ('h', "help"),
        ('v', "version"),
    ],
    permute: false,
    ..PFLAG
};

/// `compose down [OPTIONS]`.
pub(super) const DOWN: Getopt = Getopt {
    short_arg: "t",
    short_flag: "vh",
    long_arg: &["rmi", "timeout"],
    long_flag: &["volumes", "remove-orphans", "help"],
    pairs: &[('t', "timeout"), ('v', "volumes"), ('h', "help")],
    ..PFLAG
};

/// The daemons docker's CLI reaches when `DOCKER_HOST` names these: its own default sockets.
const DOCKER_DEFAULT_HOSTS: &[&str] = &["unix:///var/run/docker.sock", "unix:///run/docker.sock"];

/// What of the environment points the engine elsewhere: `(variable, value)`. `chosen`: the
/// environment picks docker's daemon itself (its config file's current context does not count).
fn env_elsewhere(tool: &str, env: &Scope) -> (Vec<String>, bool) {
    let names: &[&str] = match tool {
        "podman" => &["CONTAINER_HOST", "CONTAINER_CONNECTION"],
        "nerdctl" => &["CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE"],
        _ => &["DOCKER_HOST", "DOCKER_CONTEXT"],
    };
    let mut out = Vec::new();
    let mut chosen = false;
    for n in names {
        let Some(v) = env.get(n).filter(|v| !v.is_empty()) else {
            continue;
        };
        chosen = true;
        let local = match *n {
            "DOCKER_HOST" => DOCKER_DEFAULT_HOSTS.contains(&v),
            "DOCKER_CONTEXT" => v == "default",
            _ => false,
        };
        if !local {
            out.push(format!("{n}={v}"));
        }
    }
    (out, chosen)
}

pub(crate) fn parse(op: &mut Operation, args: &[String], env: &Scope) {
    let (from_env, env_chose) = env_elsewhere(&op.tool, env);
    if let Some(dir) = env.get("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        op.opt("docker_config", dir);
    }
    if env_chose {
        op.flag("daemon_chosen");
    }
    if op.tool == "docker-compose" {
        compose(op, args);
        return mark_elsewhere(op, &[], &from_env);
    }
    let global = match op.tool.as_str() {
        "podman" => PODMAN_GLOBAL,
        "nerdctl" => NERDCTL_GLOBAL,
        _ => DOCKER_GLOBAL,
    };
    let (before, command) = match super::options::split_command(&[global], args) {
        Ok(x) => x,
        Err(e) => return op.opaque(format!("{}: {e}", op.tool)),
    };
    let mut elsewhere = Vec::new();
    for a in &before {
        if let Arg::Opt(n, v) = a {
            let v = v.clone().unwrap_or_default();
            match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "context" if v == "default" => op.flag("daemon_chosen"),
                "host" | "context" | "connection" | "url" | "address" => {
                    op.flag("daemon_chosen");
                    elsewhere.push(format!("--{n} {v}"))
                }
                "namespace" if op.tool == "nerdctl" => elsewhere.push(format!("--{n} {v}")),
                "remote" => elsewhere.push("--remote".into()),
                "config" if op.tool == "docker" => op.opt("docker_config", &v),
                _ => {}
            }
        }
    }
    let Some((group, rest)) = command else {
        return op.prints_only();
    };
    op.opt("subcommand", &group);
    match (group.as_str(), rest.split_first()) {
        ("volume", Some((verb, rest))) => volume(op, verb, rest),
        ("system", Some((verb, rest))) if verb == "prune" || verb == "reset" => {
            system(op, verb, rest)
        }
        ("compose", _) => compose(op, rest),
        _ => return,
    }
    mark_elsewhere(op, &elsewhere, &from_env);
}

/// Flag `elsewhere` for a judged command pointed at another daemon by its options or its
/// environment.
fn mark_elsewhere(op: &mut Operation, options: &[String], env: &[String]) {
    if !op.is_guarded() || op.kind == Kind::Read {
        return;
    }
    if !options.is_empty() {
        op.elsewhere(format!(
            "`{} {}` talks to another daemon: its volumes and containers are not this machine's",
            op.tool,
            options.join(" ")
        ));
    } else if !env.is_empty() {
        op.elsewhere(format!(
            "`{}` talks to another daemon (the environment sets {}): its volumes and containers are not this machine's",
            op.tool,
            env.join(", ")
        ));
    }
}

fn read(op: &mut Operation, what: &str, spec: &Getopt, args: &[String]) -> Option<Vec<Arg>> {
    match spec.parse(args) {
        Ok(p) => {
            if p.iter().any(|a| matches!(a, Arg::Opt(n, _) if n == "help")) {
                op.prints_only();
                return None;
            }
            Some(p)
        }
        Err(e) => {
            op.opaque(format!("{} {what}: {e}", op.tool));
            None
        }
    }
}

fn flags_of(op: &mut Operation, parsed: &[Arg]) -> Vec<String> {
    let mut names = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(n) => names.push(n.clone()),
            Arg::Opt(n, v) => match n.as_str() {
                "all" => op.flag("all"),
                "force" => op.flag("force"),
                "volumes" => op.flag("volumes"),
                "filter" => {
                    let v = v.clone().unwrap_or_default();
                    let joined = match op.option("filter") {
                        Some(old) => format!("{old}\n{v}"),
                        None => v,
                    };
                    op.opt("filter", &joined);
                }
                _ => {}
            },
        }
    }
    names
}

fn volume(op: &mut Operation, verb: &str, args: &[String]) {
    op.opt("verb", verb);
    match verb {
        "rm" | "remove" => {
            let Some(parsed) = read(op, "volume rm", &VOLUME, args) else {
                return;
            };
            let names = flags_of(op, &parsed);
            op.kind = Kind::Delete;
            op.flag("volumes");
            if op.has("all") {
                op.flag("pathless");
            } else if names.is_empty() {
                op.opaque(format!("{} volume rm: no volume named", op.tool));
            } else {
                op.targets = names;
            }
        }
        "prune" => {
            let Some(parsed) = read(op, "volume prune", &VOLUME, args) else {
                return;
            };
            flags_of(op, &parsed);
            op.kind = Kind::Delete;
            for f in ["prune", "volumes", "pathless"] {
                op.flag(f);
            }
        }
        "ls" | "list" | "inspect" | "exists" => op.kind = Kind::Read,
        _ => {}
    }
}

fn system(op: &mut Operation, verb: &str, args: &[String]) {
    op.opt("verb", verb);
    let Some(parsed) = read(op, &format!("system {verb}"), &VOLUME, args) else {
        return;
    };
    flags_of(op, &parsed);
    op.kind = Kind::Delete;
    for f in ["prune", "system", "pathless"] {
        op.flag(f);
    }
    if verb == "reset" {
        for f in ["reset", "all", "volumes"] {
            op.flag(f);
        }
    }
}

fn compose(op: &mut Operation, args: &[String]) {
    let (before, command) = match super::options::split_command(&[COMPOSE], args) {
        Ok(x) => x,
        Err(e) => return op.opaque(format!("{} compose: {e}", op.tool)),
    };
    let mut dry = false;
    for a in &before {
        if let Arg::Opt(n, _) = a {
            match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "dry-run" => dry = true,
                _ => {}
            }
        }
    }
    let Some((verb, rest)) = command else {
        return op.prints_only();
    };
    if verb != "down" {
        return;
    }
    op.opt("verb", "down");
    let Some(parsed) = read(op, "compose down", &DOWN, rest) else {
        return;
    };
    let mut volumes = false;
    for a in parsed {
        if let Arg::Opt(n, _) = a {
            match n.as_str() {
                "volumes" => volumes = true,
                "no-volumes" => volumes = false,
                _ => {}
            }
        }
    }
    if !volumes {
        return;
    }
    op.kind = Kind::Delete;
    for f in ["compose", "volumes", "pathless"] {
        op.flag(f);
    }
    if dry {
        op.dry_run();
    }
}

#[cfg(test)]
#[path = "container_tests.rs"]
mod tests;
