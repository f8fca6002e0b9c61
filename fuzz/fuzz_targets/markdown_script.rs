//! `shell::markdown::script` on any text: it never panics, and every command and error it
//! reports stands on a line of the Markdown file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(md) = std::str::from_utf8(data) else {
        return;
    };
    let lines = md.split('\n').count() as u32;
    let s = safeop::shell::markdown::script(md);
    for f in &s.commands {
        assert!(f.line >= 1 && f.line <= lines, "command at line {} of {lines}", f.line);
    }
    for e in &s.errors {
        assert!(e.line >= 1 && e.line <= lines, "error at line {} of {lines}", e.line);
    }
});
