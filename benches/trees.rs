//! What the tree facts of a recursive delete cost on their own (issue 10; DESIGN decision 17:
//! timed apart from the capped walk, not hidden behind it).
//!
//! The scene: a directory of 100,000 entries (1,000 directories of 99 empty files), with a tmpfs
//! and a bind mount inside it and a loop-attached 1 MiB image among the files. Measured per
//! fresh run of facts (as one `safeop check -- rm -rf DIR` would):
//! - `walk`: `scale.entries`, the walk the SMART rule (`degraded-disk-bulk-delete`) already does;
//! - `tree facts after the walk`: `tree.mounts`, `tree.mounts_same_fs`, `tree.in_use` and
//!   `is_system_dir` of the same tree, the walk already done (target: under 10 ms);
//! - `decide, every rule`: the whole default policy with `--all-findings`.
//!
//! Needs root (mount, losetup); without it, it says so and measures nothing. Run with
//! `cargo bench --bench trees`; the figures are in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use safeop::facts::{Facts, Role};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Scene {
    dir: PathBuf,
    mounts: Vec<PathBuf>,
    loop_dev: Option<String>,
}

fn sh(cmd: &str) {
    let ok = Command::new("sh")
        .args(["-c", cmd])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "`{cmd}` failed");
}

impl Scene {
    fn build() -> Scene {
        let dir = std::env::temp_dir().join(format!("safeop-bench-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for d in 0..1000 {
            let sub = dir.join(format!("d{d:04}"));
            std::fs::create_dir_all(&sub).expect("mkdir");
            for f in 0..99 {
                std::fs::File::create(sub.join(format!("f{f:02}"))).expect("create");
            }
        }
        let img = dir.join("d0500/vm.img");
        std::fs::write(&img, vec![0u8; 1 << 20]).expect("image");
        let mut mounts = Vec::new();
        let t = dir.join("d0100/mnt");
        std::fs::create_dir_all(&t).expect("mkdir");
        sh(&format!(
            "mount -t tmpfs -o size=1M bench '{}'",
            t.display()
        ));
        mounts.push(t);
        let b = dir.join("d0200/bind");
        std::fs::create_dir_all(&b).expect("mkdir");
        std::fs::create_dir_all(dir.join("d0300/src")).expect("mkdir");
        sh(&format!(
            "mount --bind '{}' '{}'",
            dir.join("d0300/src").display(),
            b.display()
        ));
        mounts.push(b);
        let out = Command::new("losetup")
            .args(["--find", "--show"])
            .arg(&img)
            .output()
            .expect("losetup");
        let loop_dev = out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string());
        Scene {
            dir,
            mounts,
            loop_dev,
        }
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        if let Some(l) = &self.loop_dev {
            let _ = Command::new("losetup").args(["-d", l]).status();
        }
        for m in self.mounts.iter().rev() {
            let _ = Command::new("umount").arg(m).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn argv(dir: &Path) -> Vec<String> {
    vec!["rm".into(), "-rf".into(), dir.display().to_string()]
}

const TREE_FACTS: [&str; 4] = [
    "target.tree.mounts",
    "target.tree.mounts_same_fs",
    "target.tree.in_use",
    "target.is_system_dir",
];

fn bench(c: &mut Criterion) {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIPPED: the tree benchmark mounts and attaches a loop device: run it as root");
        return;
    }
    let scene = Scene::build();
    let op = safeop::command::parse(&argv(&scene.dir));
    let arg = scene.dir.display().to_string();
    let mut g = c.benchmark_group("rm -rf of 100,000 entries, 2 mounts, 1 loop image");
    g.sample_size(20).measurement_time(Duration::from_secs(20));
    g.bench_function("walk (scale.entries)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let facts = Facts::live(&op, PathBuf::from("/"), PathBuf::from("/"));
                let t = Instant::now();
                let n = facts.get("scale.entries", None).expect("walk");
                total += t.elapsed();
                std::hint::black_box(n);
            }
            total
        })
    });
    g.bench_function("tree facts after the walk", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let facts = Facts::live(&op, PathBuf::from("/"), PathBuf::from("/"));
                let s = facts.subject(Role::Target, &arg);
                facts.get("scale.entries", None).expect("walk");
                let t = Instant::now();
                for name in TREE_FACTS {
                    let v = facts.get(name, Some(&s)).expect(name);
                    std::hint::black_box(v);
                }
                total += t.elapsed();
            }
            total
        })
    });
    let policy = safeop::policy::Policy::embedded().expect("loads");
    g.bench_function("decide, every rule (check --all-findings)", |b| {
        b.iter(|| std::hint::black_box(safeop::app::decide_live(&policy, &op)))
    });
    g.finish();
    // The facts must be the ones the scene holds, or the timing measured nothing.
    let facts = Facts::live(&op, PathBuf::from("/"), PathBuf::from("/"));
    let s = facts.subject(Role::Target, &arg);
    let mounts = facts.get("target.tree.mounts", Some(&s)).expect("mounts");
    assert_eq!(mounts.as_array().map(Vec::len), Some(2), "{mounts}");
    if scene.loop_dev.is_some() {
        let in_use = facts.get("target.tree.in_use", Some(&s)).expect("in use");
        assert_eq!(in_use.as_array().map(Vec::len), Some(1), "{in_use}");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
