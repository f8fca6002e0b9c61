//! Tests of `container.rs`, the container engines' command lines (test code only: its
//! `expect()`s are test assertions).
#![cfg(test)]
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
        "nerdctl -H unix:///run/k3s/containerd/containerd.sock volume rm v",
        "nerdctl --address=/run/k3s/containerd/containerd.sock volume prune -f",
        "nerdctl -n k8s.io volume rm v",
        "nerdctl --namespace k8s.io volume rm v",
    ] {
        let op = parse_str(line);
        assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
        assert!(op.has("elsewhere"), "{line}");
    }
}

#[test]
fn the_environment_can_name_another_daemon() {
    use crate::command::parse_in;
    let argv = |l: &str| shell_words::split(l).expect("splits");
    let set = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    for (line, k, v) in [
        ("docker volume rm pgdata", "DOCKER_HOST", "ssh://admin@db1"),
        (
            "docker volume prune -f",
            "DOCKER_HOST",
            "tcp://10.0.0.5:2376",
        ),
        ("docker system prune --volumes", "DOCKER_CONTEXT", "prod"),
        ("docker compose down -v", "DOCKER_CONTEXT", "prod"),
        ("docker-compose down -v", "DOCKER_HOST", "ssh://db1"),
        ("sudo docker volume rm pgdata", "DOCKER_HOST", "ssh://db1"),
        (
            "podman volume rm myvol",
            "CONTAINER_HOST",
            "ssh://core@db1/run/podman/podman.sock",
        ),
        ("podman system reset -f", "CONTAINER_CONNECTION", "prod"),
        (
            "nerdctl volume rm v",
            "CONTAINERD_ADDRESS",
            "/run/k3s/containerd/containerd.sock",
        ),
        ("nerdctl volume rm v", "CONTAINERD_NAMESPACE", "k8s.io"),
    ] {
        let op = parse_in(&argv(line), &set(k, v));
        assert!(op.has("elsewhere"), "{line} with {k}={v}: {:?}", op.note);
        let note = op.note.clone().unwrap_or_default();
        assert!(note.contains(&format!("{k}={v}")), "{note}");
    }
    // The default daemon, another engine's variable, or the variable unset by a wrapper.
    for (line, k, v) in [
        (
            "docker volume rm pgdata",
            "DOCKER_HOST",
            "unix:///var/run/docker.sock",
        ),
        ("docker volume rm pgdata", "DOCKER_CONTEXT", "default"),
        ("podman volume rm myvol", "DOCKER_HOST", "ssh://db1"),
        ("docker volume rm pgdata", "CONTAINER_HOST", "ssh://db1"),
        (
            "env -u DOCKER_HOST docker volume rm pgdata",
            "DOCKER_HOST",
            "ssh://db1",
        ),
        ("env -i docker volume rm pgdata", "DOCKER_HOST", "ssh://db1"),
    ] {
        let op = parse_in(&argv(line), &set(k, v));
        assert_eq!(op.kind, Kind::Delete, "{line}");
        assert!(!op.has("elsewhere"), "{line} with {k}={v}");
    }
    // Set on the line itself.
    assert!(parse_str("env DOCKER_HOST=ssh://db1 docker volume rm pgdata").has("elsewhere"));
    assert!(parse_str("env DOCKER_CONTEXT=prod docker volume rm x").has("elsewhere"));
    assert!(parse_str("sudo CONTAINER_HOST=ssh://db1 podman volume rm x").has("elsewhere"));
    // Where docker's config is, and whether the daemon was chosen already.
    let op = parse_in(
        &argv("docker volume rm x"),
        &set("DOCKER_CONFIG", "/etc/ci/docker"),
    );
    assert_eq!(op.option("docker_config"), Some("/etc/ci/docker"));
    assert!(!op.has("daemon_chosen"));
    let op = parse_str("docker --config /srv/cfg volume rm x");
    assert_eq!(op.option("docker_config"), Some("/srv/cfg"));
    let op = parse_str("docker --context default volume rm x");
    assert!(op.has("daemon_chosen") && !op.has("elsewhere"));
    let op = parse_in(
        &argv("docker volume rm x"),
        &set("DOCKER_HOST", "unix:///var/run/docker.sock"),
    );
    assert!(op.has("daemon_chosen") && !op.has("elsewhere"));
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
