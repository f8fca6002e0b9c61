//! Container engines' volumes: where a volume lives, which containers use it (running or
//! stopped), and which volumes a prune would take. Asked of the engine's own CLI, the one the
//! command names (`docker`, `podman`, `nerdctl`; `docker-compose` is docker's), with the same
//! environment: the daemon it reaches is the daemon the command would reach.
//!
//! What the CLI prints (captures in tests/fixtures/container/README):
//! - `CLI volume inspect NAME`: a JSON array of one object with `Mountpoint` (docker, podman
//!   and nerdctl alike); exit 1 with "no such volume" on stderr for a volume that is not there;
//! - `CLI ps -a --filter volume=NAME --format json`: docker and nerdctl print one JSON object a
//!   line (`State`, `Names`, `ID`), podman one JSON array (`State`, `Names` a list, `Id`); the
//!   daemon applies the filter;
//! - `CLI volume ls --format json [--filter dangling=true] [--filter label=…]`: the volumes, in
//!   the same two shapes.
//!
//! A CLI that is not installed, a daemon that does not answer, output that is not what these
//! print, a command pointed at another daemon (flag `elsewhere`: its options or environment,
//! `command/container.rs`; or docker's current context, below) and prune filters safeop does
//! not apply are *failed* facts (the rule's `unknown:` decides; the default asks), never "no
//! containers" or "no volumes".
//!
//! docker (and compose, which uses docker's contexts) also takes its daemon from the current
//! context of its config file, `DIR/config.json` (`docker context use prod` writes
//! `"currentContext": "prod"` there), DIR being `--config DIR`, `$DOCKER_CONFIG` or
//! `~/.docker`; under `sudo`/`doas`/`su`/`runuser` root's `~/.docker` may be the one read, so
//! both are looked at. A current context other than `default` makes the facts unknown, as do a
//! config file that cannot be read or is not JSON (docker itself refuses to run then) — unless
//! the command line or the environment chose the daemon (`-H`, `--context`, `DOCKER_HOST`,
//! `DOCKER_CONTEXT`), which then wins over the file.

use super::{answer, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope};
use serde_json::Value;

/// The engine CLI the command runs.
fn cli(f: &Facts) -> &'static str {
    match f.op.tool.as_str() {
        "podman" => "podman",
        "nerdctl" => "nerdctl",
        _ => "docker",
    }
}

/// The config files docker would read its current context from.
fn docker_configs(f: &Facts) -> Vec<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(dir) = f.op.option("docker_config") {
        return vec![f
            .cwd
            .join(crate::text::bytes::path(dir))
            .join("config.json")];
    }
    let mut out = Vec::new();
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        out.push(PathBuf::from(home).join(".docker/config.json"));
    }
    let elevated =
        f.op.wrappers
            .iter()
            .any(|w| matches!(w.as_str(), "sudo" | "doas" | "su" | "runuser" | "pkexec"));
    if elevated {
        if let Ok(Some(root)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(0)) {
            let p = root.dir.join(".docker/config.json");
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Why docker's config file points it at another daemon, if it does.
pub fn docker_context(f: &Facts) -> Result<(), String> {
    if !matches!(f.op.tool.as_str(), "docker" | "docker-compose") || f.op.has("daemon_chosen") {
        return Ok(());
    }
    for p in docker_configs(f) {
        let shown = crate::text::bytes::show_path(&p);
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(format!(
                    "cannot read docker's config `{shown}` ({e}): its current context, the daemon the command talks to, is unknown"
                ))
            }
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| {
            format!("docker's config `{shown}` is not JSON ({e}): the daemon the command talks to is unknown")
        })?;
        match v.get("currentContext").and_then(Value::as_str) {
            Some(c) if !c.is_empty() && c != "default" => {
                return Err(format!(
                    "docker's current context is `{c}` (`{shown}`, `docker context use`): the command talks to that context's daemon, whose volumes and containers are not this machine's"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn run(f: &Facts, args: &[&str]) -> Result<String, String> {
    if f.op.has("elsewhere") {
        return Err(f
            .op
            .note
            .clone()
            .unwrap_or_else(|| "the command talks to another daemon".into()));
    }
    docker_context(f)?;
    let name = cli(f);
    match super::inuse::helper::run(name, args) {
        Ok(Some(out)) => Ok(out),
        Ok(None) => Err(format!(
            "`{name}` is not installed here: safeop cannot ask the engine about its volumes"
        )),
        Err(e) => Err(e),
    }
}

/// JSON lines (docker, nerdctl) or one JSON array (podman), as a list of objects.
pub fn objects(text: &str) -> Result<Vec<Value>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    if t.starts_with('[') {
        return match serde_json::from_str::<Value>(t) {
            Ok(Value::Array(a)) => Ok(a),
            _ => Err("the engine printed a list that is not JSON".into()),
        };
    }
    t.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l.trim().trim_end_matches(','))
                .map_err(|e| format!("the engine printed a line that is not JSON ({e}): {l}"))
        })
        .collect()
}

/// One container as `NAME (ID)` and whether it is live (running, restarting or paused).
pub fn container(v: &Value) -> (String, bool) {
    let name = match v.get("Names") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    };
    let id = ["ID", "Id"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or("");
    let short: String = id.chars().take(12).collect();
    let state = v
        .get("State")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let live = matches!(state.as_str(), "running" | "restarting" | "paused");
    (format!("{name} ({short}, {state})"), live)
}

fn volume_probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let none = || {
        Ok(answer([
            ("container_volume.mountpoint", Value::Null),
            ("container_volume.running", Value::Null),
            ("container_volume.stopped", Value::Null),
        ]))
    };
    if !matches!(
        f.op.tool.as_str(),
        "docker" | "podman" | "nerdctl" | "docker-compose"
    ) || f.op.has("pathless")
    {
        return none();
    }
    let name = s.arg.as_str();
    let inspect = match run(f, &["volume", "inspect", name]) {
        Ok(out) => out,
        Err(e) if e.to_ascii_lowercase().contains("no such volume") => return none(),
        Err(e) => return Err(e),
    };
    let list = objects(&inspect)?;
    let mountpoint = list
        .first()
        .and_then(|v| v.get("Mountpoint"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{} volume inspect {name}` printed no Mountpoint", cli(f)))?
        .to_string();
    let filter = format!("volume={name}");
    let ps = run(f, &["ps", "-a", "--filter", &filter, "--format", "json"])?;
    let (mut running, mut stopped) = (Vec::new(), Vec::new());
    for c in objects(&ps)? {
        let (who, live) = container(&c);
        if live {
            running.push(Value::from(who));
        } else {
            stopped.push(Value::from(who));
        }
    }
    Ok(answer([
        ("container_volume.mountpoint", Value::from(mountpoint)),
        ("container_volume.running", Value::from(running)),
        ("container_volume.stopped", Value::from(stopped)),
    ]))
}

/// The `volume ls` filters that list what the command removes, or why that cannot be told.
fn prune_filters(f: &Facts) -> Result<Vec<String>, String> {
    let op = f.op;
    if op.has("compose") {
        return Err("compose removes the project's own volumes, which compose works out from the compose file: safeop does not read it".into());
    }
    if op.option("filter").is_some() {
        return Err(
            "the prune has `--filter`s: safeop does not apply them to count what goes".into(),
        );
    }
    if op.has("reset") || (op.has("all") && !op.has("prune")) {
        return Ok(Vec::new());
    }
    let mut filters = vec!["dangling=true".to_string()];
    // docker 23 and later prune only anonymous volumes unless `--all`; podman and nerdctl every
    // unused one.
    if cli(f) == "docker" && !op.has("all") {
        filters.push("label=com.docker.volume.anonymous".into());
    }
    Ok(filters)
}

fn prune_probe(f: &Facts) -> ProbeResult {
    let op = f.op;
    if !matches!(
        op.tool.as_str(),
        "docker" | "podman" | "nerdctl" | "docker-compose"
    ) || !op.has("pathless")
        || !op.has("volumes")
    {
        return Ok(answer([
            ("container.prune_volumes", Value::Null),
            ("container.prune_count", Value::Null),
        ]));
    }
    let filters = prune_filters(f)?;
    let mut args: Vec<&str> = vec!["volume", "ls", "--format", "json"];
    for flt in &filters {
        args.push("--filter");
        args.push(flt);
    }
    let names: Vec<Value> = objects(&run(f, &args)?)?
        .iter()
        .filter_map(|v| v.get("Name").and_then(Value::as_str).map(Value::from))
        .collect();
    Ok(answer([
        ("container.prune_count", Value::from(names.len())),
        ("container.prune_volumes", Value::from(names)),
    ]))
}

static VOLUME: Probe = Probe {
    id: "container_volume",
    run: ProbeFn::Path(volume_probe),
    pure: false,
};
static PRUNE: Probe = Probe {
    id: "container_prune",
    run: ProbeFn::Whole(prune_probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[
    FactDef { name: "container_volume.mountpoint", scope: Scope::Path, probe: &VOLUME, ty: "string", doc: "## What it tells\nWhere the container engine keeps the volume the command removes (`docker volume rm NAME`, `podman volume rm`, `nerdctl volume rm`): what is in that directory goes with it.\n## How it is found\n`CLI volume inspect NAME` (the CLI the command names, in the same environment), its `Mountpoint`.\n## When it is unknown\n`null` when the command names no volume or the engine has no such volume (it says \"no such volume\"); a fact error when the CLI is not installed, the daemon does not answer, the output is not JSON with a `Mountpoint`, or the command talks to another daemon (`-H`, `--context`, `--remote`, `--connection`, `--url`, nerdctl's `--address`/`--namespace`; `DOCKER_HOST`, `DOCKER_CONTEXT`, `CONTAINER_HOST`, `CONTAINER_CONNECTION`, `CONTAINERD_ADDRESS`, `CONTAINERD_NAMESPACE`; docker's `currentContext` other than `default` in `config.json` of `--config DIR`, `$DOCKER_CONFIG` or `~/.docker`, root's too under sudo — a config file that cannot be read or parsed is a fact error as well).\n## Example\n`docker volume rm pgdata` → `/var/lib/docker/volumes/pgdata/_data`." },
    FactDef { name: "container_volume.running", scope: Scope::Path, probe: &VOLUME, ty: "list", doc: "## What it tells\nThe live containers (running, restarting or paused) that use the volume, each as `NAME (ID, STATE)`: removing the volume takes the data from under them (podman's `volume rm -f` removes them first).\n## How it is found\n`CLI ps -a --filter volume=NAME --format json` (the daemon filters); each container's `State`, `Names` and `ID` (docker and nerdctl print JSON lines, podman a JSON array).\n## When it is unknown\nAs `container_volume.mountpoint`; an empty list when no live container uses it.\n## Example\n`[db-1 (3f0a1b2c3d4e, running)]`." },
    FactDef { name: "container_volume.stopped", scope: Scope::Path, probe: &VOLUME, ty: "list", doc: "## What it tells\nThe stopped (created, exited, dead) containers that use the volume: they would start again on empty data, and podman's `volume rm -f` removes them with it.\n## How it is found\nAs `container_volume.running`.\n## When it is unknown\nAs `container_volume.mountpoint`; an empty list when none.\n## Example\n`[backup-job (66c07cd4715b, exited)]`." },
    FactDef { name: "container.prune_volumes", scope: Scope::Operation, probe: &PRUNE, ty: "list", doc: "## What it tells\nThe volumes a prune or reset would remove, by name: `volume prune` and `system prune --volumes` take the unused ones (docker 23 and later only the anonymous ones unless `-a`), podman's `volume rm --all` and `system reset` every one.\n## How it is found\n`CLI volume ls --format json` with `--filter dangling=true` for a prune (and `--filter label=com.docker.volume.anonymous` for docker without `-a`), in the same environment as the command.\n## When it is unknown\n`null` for commands that remove no volume by prune; a fact error when the CLI is not installed or fails, when the prune has `--filter`s (safeop does not apply them), for `compose down -v` (compose works the volumes out from its file), and for another daemon (as `container_volume.mountpoint`).\n## Example\n`docker volume prune -a -f` → `[old-cache, pgdata-2023]`." },
    FactDef { name: "container.prune_count", scope: Scope::Operation, probe: &PRUNE, ty: "number", doc: "## What it tells\nHow many volumes `container.prune_volumes` lists: 0 means the prune takes no volume.\n## How it is found\nAs `container.prune_volumes`.\n## When it is unknown\nAs `container.prune_volumes`.\n## Example\n`2`." },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_of_listing_read_alike() {
        let lines = "{\"ID\":\"a762a2b37a1d\",\"Names\":\"boring_keldysh\",\"State\":\"running\"}\n{\"ID\":\"66c07cd4715b6da0\",\"Names\":\"job\",\"State\":\"exited\"}\n";
        let array = r#"[{"Id":"a762a2b37a1d99","Names":["boring_keldysh"],"State":"running"}]"#;
        let a = objects(lines).expect("lines");
        assert_eq!(
            container(&a[0]),
            ("boring_keldysh (a762a2b37a1d, running)".into(), true)
        );
        assert_eq!(
            container(&a[1]),
            ("job (66c07cd4715b, exited)".into(), false)
        );
        let b = objects(array).expect("array");
        assert_eq!(container(&b[0]).0, "boring_keldysh (a762a2b37a1d, running)");
        assert!(objects("").expect("empty").is_empty());
        assert!(objects("Cannot connect to the Docker daemon").is_err());
    }
}
