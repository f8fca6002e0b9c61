//! The whole of `safeop preflight` for one text, without facts (shell, then as Markdown): shell
//! front end, word reading, argv parsing, engine. It never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for markdown in [false, true] {
        if let Ok(steps) = safeop::verbs::preflight::judge_text(text, markdown) {
            for s in &steps {
                assert!(s.line >= 1);
            }
        }
    }
});
