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
//! `-c`/`--context`, podman's `-r`/`--remote`, `-c`/`--connection`, `--url` — make every fact
//! about the volumes another host's: flag `elsewhere` (a person looks there). `--help`/`-h` and
//! `--version` only print; other commands are not judged ([`Kind::Unknown`]).

use super::options::PFLAG;
use super::{Arg, Getopt, Kind, Operation};

/// docker's and nerdctl's global options.
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
        // nerdctl
        "namespace",
        "address",
        "snapshotter",
        "cni-path",
        "data-root",
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

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    if op.tool == "docker-compose" {
        return compose(op, args);
    }
    let global = if op.tool == "podman" {
        PODMAN_GLOBAL
    } else {
        DOCKER_GLOBAL
    };
    let (before, command) = match super::options::split_command(&[global], args) {
        Ok(x) => x,
        Err(e) => return op.opaque(format!("{}: {e}", op.tool)),
    };
    let mut elsewhere = Vec::new();
    for a in &before {
        if let Arg::Opt(n, v) = a {
            match n.as_str() {
                "help" | "version" => return op.prints_only(),
                "host" | "context" | "connection" | "url" => {
                    elsewhere.push(format!("--{n} {}", v.clone().unwrap_or_default()))
                }
                "remote" => elsewhere.push("--remote".into()),
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
    if !elsewhere.is_empty() && op.is_guarded() && op.kind != Kind::Read {
        op.elsewhere(format!(
            "`{} {}` talks to another daemon: its volumes and containers are not this machine's",
            op.tool,
            elsewhere.join(" ")
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
mod tests {
    use crate::command::{parse_str, Kind};

    /// The forms of docker's, podman's and nerdctl's references for `volume rm`.
    #[test]
    fn volume_rm_deletes_each_named_volume() {
        let cases: &[(&str, &[&str], bool)] = &[
            ("docker volume rm pgdata", &["pgdata"], false),
            ("docker volume rm -f pgdata", &["pgdata"], true),
            ("docker volume remove --force a b", &["a", "b"], true),
            ("docker volume rm hello", &["hello"], false),
            ("podman volume rm myvol", &["myvol"], false),
            ("podman volume rm --force myvol", &["myvol"], true),
            ("podman volume rm -t 5 -f myvol", &["myvol"], true),
            ("nerdctl volume rm myvol", &["myvol"], false),
            ("sudo docker volume rm pgdata", &["pgdata"], false),
            (
                "docker --log-level error volume rm pgdata",
                &["pgdata"],
                false,
            ),
        ];
        for (line, targets, force) in cases {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert_eq!(op.targets, *targets, "{line}");
            assert_eq!(op.has("force"), *force, "{line}");
            assert!(!op.has("elsewhere") && !op.has("pathless"), "{line}");
        }
        let op = parse_str("podman volume rm --all");
        assert!(op.targets.is_empty() && op.has("pathless") && op.has("all"));
        assert_eq!(op.effects.len(), 1);
        assert_eq!(parse_str("docker volume rm").kind, Kind::Opaque);
    }

    #[test]
    fn prunes_let_the_engine_pick() {
        for (line, flags) in [
            ("docker volume prune", &["prune", "volumes"][..]),
            ("docker volume prune -f", &["prune", "volumes", "force"]),
            (
                "docker volume prune -a -f",
                &["prune", "volumes", "all", "force"],
            ),
            (
                "docker volume prune --all --force",
                &["prune", "all", "force"],
            ),
            (
                "podman volume prune --force",
                &["prune", "volumes", "force"],
            ),
            ("nerdctl volume prune -a -f", &["prune", "all"]),
            (
                "docker system prune --volumes -f",
                &["system", "volumes", "force"],
            ),
            (
                "docker system prune -a --volumes",
                &["system", "volumes", "all"],
            ),
            ("docker system prune", &["system", "prune"]),
            (
                "podman system prune --all --volumes --force",
                &["system", "volumes", "all"],
            ),
            ("podman system reset", &["reset", "all", "volumes"]),
            ("podman system reset -f", &["reset", "force"]),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty() && op.has("pathless"), "{line}");
            for f in flags {
                assert!(op.has(f), "{line}: {f}");
            }
            assert_eq!(op.effects.len(), 1, "{line}: {:?}", op.effects);
            assert!(op.effects[0].path.is_none(), "{line}");
        }
        assert!(!parse_str("docker system prune -f").has("volumes"));
        let op = parse_str("docker volume prune --filter label=tmp --filter label!=keep");
        assert_eq!(op.option("filter"), Some("label=tmp\nlabel!=keep"));
    }

    #[test]
    fn compose_down_with_volumes() {
        for line in [
            "docker compose down -v",
            "docker compose down --volumes",
            "docker compose -p shop down -v --remove-orphans",
            "docker compose -f prod.yml down --volumes --rmi all",
            "docker-compose down -v",
            "docker-compose -f a.yml -p x down --volumes",
            "nerdctl compose down -v",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert!(op.has("compose") && op.has("pathless"), "{line}");
        }
        for line in [
            "docker compose down",
            "docker-compose down --remove-orphans",
            "docker compose up -d",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        let op = parse_str("docker compose --dry-run down -v");
        assert_eq!(op.kind, Kind::Read);
    }

    #[test]
    fn another_daemon_is_elsewhere() {
        for line in [
            "docker -H ssh://admin@db1 volume rm pgdata",
            "docker --host=tcp://10.0.0.5:2376 volume prune -f",
            "docker --context prod system prune --volumes -f",
            "docker -c prod volume rm pgdata",
            "podman --remote volume rm myvol",
            "podman -r volume prune -f",
            "podman --connection prod volume rm myvol",
            "podman --url unix:///run/podman/podman.sock volume rm myvol",
            "docker -H ssh://db1 compose down -v",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            assert!(op.has("elsewhere"), "{line}");
        }
    }

    #[test]
    fn listings_help_and_other_commands() {
        for line in [
            "docker volume ls",
            "docker volume inspect pgdata",
            "docker --help",
            "docker --version",
            "podman -v",
            "docker volume rm --help",
            "docker volume prune -h",
            "docker",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        for line in [
            "docker run -v pgdata:/data postgres",
            "docker ps -a",
            "podman system df",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Unknown, "{line}");
        }
        assert_eq!(parse_str("docker volume rm --bogus x").kind, Kind::Opaque);
    }
}
