//! The shell front end: a typical `sh -c` payload (the issue's budget: under 50 µs added to the
//! allow path), its words expanded against this filesystem, a Markdown runbook, and a generated
//! 10,000-line script (against which `bash -n` is the comparison, DESIGN decision 17).

use criterion::{criterion_group, criterion_main, Criterion};
use std::fmt::Write;
use std::hint::black_box;

/// A script of `lines` lines: functions, loops, pipelines, here-documents, substitutions.
fn script(lines: usize) -> String {
    let mut s = String::from("#!/bin/bash\nset -euo pipefail\n");
    let mut i = 0;
    while s.lines().count() < lines {
        i += 1;
        let _ = write!(
            s,
            "backup_{i}() {{\n  local dir=\"/srv/data/{i}\"\n  tar -czf \"/backup/{i}.tar.gz\" -C \"$dir\" . 2>>/var/log/b.log\n}}\n\
             for f in /var/tmp/{i}/*.tmp; do\n  [ -e \"$f\" ] && rm -f -- \"$f\"\ndone\n\
             if mountpoint -q /mnt/{i}; then umount /mnt/{i} || echo \"busy $(date +%s)\" >&2; fi\n\
             cat <<'EOF' | ssh host{i} 'sudo bash'\nsystemctl restart app{i}\nEOF\n\
             rsync -a --delete /srv/{i}/ backup:/srv/{i}/ | tee -a /var/log/rsync.log\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let payload = "cd /var/lib/app && rm -rf cache/* tmp/{a,b} \"$OLD\" > /dev/null 2>&1 || true";
    c.bench_function("sh -c payload: commands", |b| {
        b.iter(|| black_box(safeop::shell::commands(black_box(payload))))
    });
    let simple = "rm -rf /var/lib/app/cache";
    c.bench_function("sh -c payload: one simple command", |b| {
        b.iter(|| black_box(safeop::shell::commands(black_box(simple))))
    });
    let parsed = safeop::shell::commands(payload);
    c.bench_function("sh -c payload: expand words (this filesystem)", |b| {
        b.iter(|| {
            for f in &parsed.commands {
                black_box(safeop::shell::expand::argv(
                    &f.words,
                    &safeop::shell::expand::RealFs,
                ));
            }
        })
    });
    // What `sh -c PAYLOAD` costs the parse of a guarded line beyond the argv of one command:
    // the payload read by the front end and each of its commands parsed (the issue's budget:
    // under 50 µs added to the allow path).
    let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let wrapped = argv(&["sh", "-c", payload]);
    let bare = argv(&["rm", "-rf", "/var/lib/app/cache"]);
    c.bench_function("command::parse of sh -c PAYLOAD", |b| {
        b.iter(|| black_box(safeop::command::parse(black_box(&wrapped))))
    });
    c.bench_function("command::parse of rm -rf DIR", |b| {
        b.iter(|| black_box(safeop::command::parse(black_box(&bare))))
    });
    let big = script(10_000);
    let mut g = c.benchmark_group("script");
    g.sample_size(10);
    g.bench_function("10,000-line script: commands", |b| {
        b.iter(|| black_box(safeop::shell::commands(black_box(&big))))
    });
    let md: String = (0..500)
        .map(|i| format!("## Step {i}\n\n1. Stop it:\n\n   ```bash\n   systemctl stop web{i}\n   rm -rf /srv/{i}/cache/*\n   ```\n\n```console\n$ dd if=/dev/zero of=/dev/sd{i} bs=1M\n1+0 records in\n```\n\n"))
        .collect();
    g.bench_function("500-step Markdown runbook: script", |b| {
        b.iter(|| black_box(safeop::shell::markdown::script(black_box(&md))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
