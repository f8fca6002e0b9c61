fn main() {
    let n = 200;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let _ = safeop::policy::Policy::embedded().expect("loads");
    }
    println!("embedded policy load: {:?} per load", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        let _: serde_json::Value =
            yaml_serde::from_str(safeop::policy::DEFAULT_POLICY).expect("yaml");
    }
    println!("yaml to Value: {:?}", t.elapsed() / n);
}
