//! Loads the embedded policy in a loop, for profiling (`perf record`).
fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            safeop::policy::Policy::embedded()
                .map(|p| p.rules.len())
                .unwrap_or(0),
        );
    }
    println!("{:?} per load", t.elapsed() / n);
}
