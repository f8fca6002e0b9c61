//! Times the decision path in-process, for profiling: `load_loop [N] [CMD…]` loads the embedded
//! policy and decides CMD (default `rm -f /tmp/safeop-load-loop`) N times with live facts.
fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut argv: Vec<String> = args.collect();
    if argv.is_empty() {
        argv = vec!["rm".into(), "-f".into(), "/tmp/safeop-load-loop".into()];
    }
    let op = safeop::command::parse(&argv);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            safeop::policy::Policy::embedded()
                .map(|p| p.rules.len())
                .unwrap_or(0),
        );
    }
    println!("load embedded policy: {:?}", t.elapsed() / n);
    let policy = safeop::policy::Policy::embedded().expect("loads");
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(safeop::app::decide_live(&policy, &op).verdict);
    }
    println!("decide {}: {:?}", argv.join(" "), t.elapsed() / n);
}
