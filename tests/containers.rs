//! Container engines' volumes through the binary. docker and podman are not installed here and
//! no daemon runs: stand-in `docker`/`podman` scripts first on PATH print real captures from the
//! tools' own documentation (tests/fixtures/container/README) for the commands safeop asks.
//! Everything that would destroy a volume is only given to `check`; `run` gets only commands
//! that are allowed, and the stand-in merely notes that it ran.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn check(args: &[&str]) -> Test {
    Test::new()
        .args(["check", "--all-findings", "--"])
        .args(args)
}

/// A stand-in engine CLI: `volume inspect myvolume` prints the docs' capture (any other name:
/// docker's "no such volume"), `ps -a --filter volume=myvolume --format json` prints `ps` (the
/// daemon's filter result), `volume ls --format json …` prints `ls`; anything else is noted in
/// `ran` and exits 0.
fn engine(dir: &Path, name: &str, inspect: &str, volume: &str, ps: &str, ls: &str) -> PathBuf {
    let ran = dir.join("ran");
    let ran_s = ran.display().to_string();
    let script = format!(
        r#"case "$*" in
  "volume inspect {volume}") cat '{inspect}' ;;
  "volume inspect "*) echo "Error response from daemon: get $3: no such volume" >&2; exit 1 ;;
  "ps -a --filter volume={volume} --format json") printf '%s' '{ps}' ;;
  "ps -a --filter volume="*) ;;
  "volume ls --format json"*) printf '%s' '{ls}' ;;
  *) echo "$*" >> '{ran_s}' ;;
esac"#,
    );
    stand_in(dir, name, &script);
    ran
}

fn capture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).expect("fixture")
}

fn docker(s: &Scratch, ps: &str, ls: &str) -> (PathBuf, PathBuf) {
    let bin = s.path("bin");
    let inspect = fixture("container/docker-volume-inspect-myvolume.json");
    let ran = engine(
        &bin,
        "docker",
        &inspect.display().to_string(),
        "myvolume",
        ps,
        ls,
    );
    (bin, ran)
}

#[test]
fn removing_a_volume_a_running_container_uses_is_denied() {
    let s = Scratch::new();
    let (bin, _) = docker(&s, &capture("container/docker-ps-format-json.txt"), "");
    for line in [
        vec!["docker", "volume", "rm", "myvolume"],
        vec!["docker", "volume", "rm", "-f", "myvolume"],
        vec!["sudo", "docker", "volume", "remove", "--force", "myvolume"],
    ] {
        check(&line)
            .path_first(&bin)
            .go()
            .status(4)
            .stdout_has("container-volume-in-use")
            .stdout_has("boring_keldysh (a762a2b37a1d, running)")
            .stdout_has("/var/lib/docker/volumes/8140a838303144125b4f54653b47ede0486282c623c3551fbc7f390cdc3e9cf5/_data");
    }
}

#[test]
fn removing_an_unused_or_stopped_volume_asks_and_names_where_it_lives() {
    let s = Scratch::new();
    let (bin, _) = docker(&s, "", "");
    check(&["docker", "volume", "rm", "myvolume"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("container-volume-destroyed")
        .stdout_has("everything in /var/lib/docker/volumes/8140a838")
        .stdout_lacks("container-volume-in-use");
    // The capture's container, stopped (its `State` as docker prints it for an exited one).
    let stopped = capture("container/docker-ps-format-json.txt")
        .replace("\"State\":\"running\"", "\"State\":\"exited\"");
    let s2 = Scratch::new();
    let (bin, _) = docker(&s2, &stopped, "");
    check(&["docker", "volume", "rm", "myvolume"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("stopped containers that use it: boring_keldysh (a762a2b37a1d, exited)")
        .stdout_lacks("container-volume-in-use");
    // A volume the engine does not have: docker says so itself.
    check(&["docker", "volume", "rm", "nosuch"])
        .path_first(&bin)
        .go()
        .status(0);
}

#[test]
fn an_engine_that_cannot_answer_is_not_no_containers() {
    let s = Scratch::new();
    // Not installed: a PATH with no docker on it.
    check(&["docker", "volume", "rm", "myvolume"])
        .env("PATH", "/usr/bin:/bin")
        .go()
        .status(3)
        .stdout_has("`docker` is not installed here");
    // The daemon is down.
    let down = s.path("down");
    stand_in(
        &down,
        "docker",
        "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1",
    );
    check(&["docker", "volume", "rm", "myvolume"])
        .path_first(&down)
        .go()
        .status(3)
        .stdout_has("Cannot connect to the Docker daemon");
    check(&["docker", "volume", "prune", "-a", "-f"])
        .path_first(&down)
        .go()
        .status(3)
        .stdout_has("container-volumes-pruned");
}

#[test]
fn another_daemon_asks_whatever_this_one_says() {
    let s = Scratch::new();
    let (bin, _) = docker(&s, &capture("container/docker-ps-format-json.txt"), "");
    for line in [
        vec![
            "docker",
            "-H",
            "ssh://admin@db1",
            "volume",
            "rm",
            "myvolume",
        ],
        vec!["docker", "--context", "prod", "volume", "rm", "myvolume"],
    ] {
        check(&line)
            .path_first(&bin)
            .go()
            .status(3)
            .stdout_has("runs-where-safeop-cannot-look")
            .stdout_has("another daemon")
            .stdout_lacks("deny");
    }
}

#[test]
fn prunes_ask_with_the_volumes_they_take() {
    let s = Scratch::new();
    let (bin, ran) = docker(
        &s,
        "",
        &capture("container/docker-volume-ls-format-json.txt"),
    );
    for line in [
        vec!["docker", "volume", "prune", "-a", "-f"],
        vec!["docker", "volume", "prune", "--force"],
        vec!["docker", "system", "prune", "--volumes", "-f"],
    ] {
        check(&line)
            .path_first(&bin)
            .go()
            .status(3)
            .stdout_has("container-volumes-pruned")
            .stdout_has("1 volumes go: docker-cli-dev-cache");
    }
    check(&["docker", "volume", "prune", "-f", "--filter", "label=tmp"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("does not apply them");
    check(&["docker", "compose", "down", "-v"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("compose removes the project's own volumes");
    // Nothing to prune: allowed, and `run` runs it (the stand-in notes it).
    let s2 = Scratch::new();
    let (empty, ran2) = docker(&s2, "", "");
    check(&["docker", "volume", "prune", "-f"])
        .path_first(&empty)
        .go()
        .status(0);
    Test::new()
        .args(["run", "--", "docker", "volume", "prune", "-f"])
        .path_first(&empty)
        .go()
        .status(0);
    assert_eq!(
        std::fs::read_to_string(&ran2).expect("ran"),
        "volume prune -f\n"
    );
    Test::new()
        .args(["run", "--", "docker", "volume", "ls"])
        .path_first(&bin)
        .go()
        .status(0);
    assert_eq!(std::fs::read_to_string(&ran).expect("ran"), "volume ls\n");
    // Without a terminal, what needs a yes is refused and nothing runs.
    Test::new()
        .args(["run", "--", "docker", "volume", "prune", "-a", "-f"])
        .path_first(&bin)
        .no_tty()
        .go()
        .status(126);
    assert_eq!(std::fs::read_to_string(&ran).expect("ran"), "volume ls\n");
}

#[test]
fn podman_volumes_and_system_reset() {
    let s = Scratch::new();
    let bin = s.path("bin");
    let inspect = fixture("container/podman-volume-inspect-myvol.json");
    engine(
        &bin,
        "podman",
        &inspect.display().to_string(),
        "myvol",
        "[]",
        "[]",
    );
    check(&["podman", "volume", "rm", "myvol"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("/home/myusername/.local/share/containers/storage/volumes/myvol/_data");
    check(&["podman", "system", "reset", "-f"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("container-storage-reset");
    check(&["podman", "--remote", "volume", "rm", "myvol"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("runs-where-safeop-cannot-look");
}

/// The daemon named by the environment, or by docker's current context, is another daemon:
/// safeop asks, and never judges this machine's volumes as that daemon's (here the stand-in
/// says a running container uses `myvolume`, which would deny).
#[test]
fn a_daemon_named_by_the_environment_is_another_daemon() {
    let s = Scratch::new();
    let (bin, _) = docker(&s, &capture("container/docker-ps-format-json.txt"), "");
    let home = s.path("home");
    std::fs::create_dir_all(&home).expect("home");
    let rm = ["docker", "volume", "rm", "myvolume"];
    // This machine's daemon, for comparison: the running container denies.
    check(&rm)
        .path_first(&bin)
        .env("HOME", &home)
        .go()
        .status(4)
        .stdout_has("container-volume-in-use");
    for (k, v) in [
        ("DOCKER_HOST", "ssh://admin@db1"),
        ("DOCKER_HOST", "tcp://10.0.0.5:2376"),
        ("DOCKER_CONTEXT", "prod"),
    ] {
        for line in [
            &rm[..],
            &["docker", "volume", "prune", "-a", "-f"],
            &["docker", "compose", "down", "-v"],
        ] {
            check(line)
                .path_first(&bin)
                .env("HOME", &home)
                .env(k, v)
                .go()
                .status(3)
                .stdout_has("runs-where-safeop-cannot-look")
                .stdout_has(&format!("the environment sets {k}={v}"))
                .stdout_lacks("boring_keldysh")
                .stdout_lacks("/var/lib/docker/volumes/8140a838")
                .stdout_lacks("deny");
        }
    }
    // The default socket and the default context are this machine's daemon.
    for (k, v) in [
        ("DOCKER_HOST", "unix:///var/run/docker.sock"),
        ("DOCKER_CONTEXT", "default"),
        ("CONTAINER_HOST", "ssh://db1"),
    ] {
        check(&rm)
            .path_first(&bin)
            .env("HOME", &home)
            .env(k, v)
            .go()
            .status(4)
            .stdout_has("container-volume-in-use");
    }
    // `env -u` takes the variable away again.
    check(&[
        "env",
        "-u",
        "DOCKER_HOST",
        "docker",
        "volume",
        "rm",
        "myvolume",
    ])
    .path_first(&bin)
    .env("HOME", &home)
    .env("DOCKER_HOST", "ssh://db1")
    .go()
    .status(4);
}

#[test]
fn podmans_and_nerdctls_daemon_variables() {
    let s = Scratch::new();
    let bin = s.path("bin");
    let podman_inspect = fixture("container/podman-volume-inspect-myvol.json");
    engine(
        &bin,
        "podman",
        &podman_inspect.display().to_string(),
        "myvol",
        "[]",
        "[]",
    );
    // nerdctl prints docker's shapes; the docker capture stands in for it.
    let docker_inspect = fixture("container/docker-volume-inspect-myvolume.json");
    engine(
        &bin,
        "nerdctl",
        &docker_inspect.display().to_string(),
        "myvolume",
        "",
        "",
    );
    check(&["podman", "volume", "rm", "myvol"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("storage/volumes/myvol/_data")
        .stdout_lacks("runs-where-safeop-cannot-look");
    for (k, v) in [
        ("CONTAINER_HOST", "ssh://core@db1:22/run/podman/podman.sock"),
        ("CONTAINER_CONNECTION", "prod"),
    ] {
        check(&["podman", "volume", "rm", "myvol"])
            .path_first(&bin)
            .env(k, v)
            .go()
            .status(3)
            .stdout_has("runs-where-safeop-cannot-look")
            .stdout_has(&format!("the environment sets {k}={v}"))
            .stdout_lacks("storage/volumes/myvol/_data");
    }
    check(&["nerdctl", "volume", "rm", "myvolume"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("/var/lib/docker/volumes/8140a838")
        .stdout_lacks("runs-where-safeop-cannot-look");
    for (k, v) in [
        ("CONTAINERD_ADDRESS", "/run/k3s/containerd/containerd.sock"),
        ("CONTAINERD_NAMESPACE", "k8s.io"),
    ] {
        check(&["nerdctl", "volume", "rm", "myvolume"])
            .path_first(&bin)
            .env(k, v)
            .go()
            .status(3)
            .stdout_has("runs-where-safeop-cannot-look")
            .stdout_has(&format!("the environment sets {k}={v}"))
            .stdout_lacks("/var/lib/docker/volumes/8140a838");
    }
    check(&["nerdctl", "-n", "k8s.io", "volume", "rm", "myvolume"])
        .path_first(&bin)
        .go()
        .status(3)
        .stdout_has("runs-where-safeop-cannot-look");
}

/// `docker context use prod` leaves `"currentContext": "prod"` in the config file; the command
/// line and the environment win over it.
#[test]
fn dockers_current_context_in_its_config_file_is_another_daemon() {
    let s = Scratch::new();
    let (bin, _) = docker(&s, &capture("container/docker-ps-format-json.txt"), "");
    let home = s.path("home");
    let cfg = s.path("cfg");
    for dir in [home.join(".docker"), cfg.clone()] {
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join("config.json"),
            "{\n\t\"auths\": {},\n\t\"currentContext\": \"prod\"\n}",
        )
        .expect("config");
    }
    let rm = ["docker", "volume", "rm", "myvolume"];
    let asked = |t: Test, shown: &Path| {
        t.path_first(&bin)
            .go()
            .status(3)
            .stdout_has("docker's current context is `prod`")
            .stdout_has(&shown.join("config.json").display().to_string())
            .stdout_lacks("boring_keldysh")
            .stdout_lacks("deny");
    };
    asked(check(&rm).env("HOME", &home), &home.join(".docker"));
    let empty = s.path("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    asked(
        check(&rm).env("HOME", &empty).env("DOCKER_CONFIG", &cfg),
        &cfg,
    );
    asked(
        check(&[
            "docker",
            "--config",
            &cfg.display().to_string(),
            "volume",
            "rm",
            "myvolume",
        ])
        .env("HOME", &empty),
        &cfg,
    );
    // Chosen on the line or in the environment, the file does not decide.
    check(&["docker", "--context", "default", "volume", "rm", "myvolume"])
        .path_first(&bin)
        .env("HOME", &home)
        .go()
        .status(4)
        .stdout_has("container-volume-in-use");
    check(&rm)
        .path_first(&bin)
        .env("HOME", &home)
        .env("DOCKER_HOST", "unix:///var/run/docker.sock")
        .go()
        .status(4);
    // `default`, or no context at all: this machine's daemon.
    std::fs::write(
        home.join(".docker/config.json"),
        "{\"currentContext\": \"default\"}",
    )
    .expect("config");
    check(&rm)
        .path_first(&bin)
        .env("HOME", &home)
        .go()
        .status(4);
    // A config docker could not read either: unknown, not this machine's daemon.
    std::fs::write(home.join(".docker/config.json"), "{\"currentContext\": ").expect("config");
    check(&rm)
        .path_first(&bin)
        .env("HOME", &home)
        .go()
        .status(3)
        .stdout_has("is not JSON")
        .stdout_lacks("boring_keldysh");
}
