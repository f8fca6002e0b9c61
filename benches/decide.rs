//! The in-process cost of the decision path: parsing an argv, loading the embedded policy, and
//! deciding with live facts. The side-by-side comparison with the raw commands is bench/core.sh.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn argv(line: &str) -> Vec<String> {
    shell_words::split(line).expect("benchmark command line splits")
}

fn bench(c: &mut Criterion) {
    let lines = [
        "sudo -u root env X=1 nice -n 5 /bin/rm -rf /",
        "tar --extract --file=/srv/backup/lists.tar.gz --directory=/var/lib/mailman --strip-components=1",
        "qemu-img convert -f raw -O qcow2 -o compat=1.1,lazy_refcounts=on a.raw b.qcow2",
    ];
    c.bench_function("parse argv (3 command lines)", |b| {
        let parsed: Vec<Vec<String>> = lines.iter().map(|l| argv(l)).collect();
        b.iter(|| {
            for a in &parsed {
                black_box(safeop::command::parse(black_box(a)));
            }
        })
    });
    c.bench_function("load embedded policy", |b| {
        b.iter(|| black_box(safeop::policy::Policy::embedded().expect("loads")))
    });
    let policy = safeop::policy::Policy::embedded().expect("loads");
    let op = safeop::command::parse(&argv("rm -rf /usr/local/lib/old"));
    c.bench_function("decide rm -rf (live facts)", |b| {
        b.iter(|| black_box(safeop::app::decide_live(&policy, &op)))
    });
    // One allowed command's record: open, lock, read the tail and the head, write the line,
    // rewrite the head (no fsync: allowed records are not synced), on a log that grows.
    let dir = std::env::temp_dir().join(format!("safeop-bench-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let log = dir.join("audit.jsonl");
    c.bench_function("audit append (an allowed rm's record, with head)", |b| {
        b.iter(|| {
            let rec = safeop::audit::Record {
                event: "decision".into(),
                action: "allowed".into(),
                verdict: "allow".into(),
                argv: vec!["rm".into(), "-f".into(), "/srv/x".into()],
                user: "root".into(),
                host: "bench".into(),
                ..Default::default()
            };
            black_box(safeop::audit::append(&log, rec).expect("append"))
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
