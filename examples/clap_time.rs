use clap::Parser;
fn main() {
    let args: Vec<String> = ["safeop", "run", "--", "rm", "-f", "/tmp/x"].iter().map(|s| s.to_string()).collect();
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(safeop::cli::Cli::try_parse_from(&args).is_ok());
    }
    println!("clap parse: {:?}", t.elapsed() / n);
    let t = std::time::Instant::now();
    let p = safeop::policy::Policy::embedded().expect("loads");
    println!("first policy load (cold): {:?}", t.elapsed());
    let op = safeop::command::parse(&args[3..]);
    let t = std::time::Instant::now();
    let d = safeop::app::decide_live(&p, &op);
    println!("first decide (cold): {:?} {:?}", t.elapsed(), d.verdict);
}
