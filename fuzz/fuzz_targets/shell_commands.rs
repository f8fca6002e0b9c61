//! `shell::commands` on any text: it never panics, every position is 1-based, and the words the
//! empty-variable reading (`shell::unset`) gets are the commands' own.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let s = safeop::shell::commands(text);
    for f in &s.commands {
        assert!(f.line >= 1 && f.col >= 1);
    }
    let infos = safeop::shell::unset::annotate(&s, text);
    assert_eq!(infos.len(), s.commands.len());
    for (f, i) in s.commands.iter().zip(&infos) {
        assert_eq!(f.words.len(), i.len());
    }
});
