//! Arguments are bytes: how safeop carries them in `String`s without losing or changing one.
//!
//! On Linux an argument, a file name or a mount point is any sequence of non-NUL bytes; it need
//! not be UTF-8. safeop's parsers work on `String`s, so every argument is **encoded** at the door
//! (`main.rs`) into a `String` that says exactly which bytes it stands for, and **decoded** back
//! wherever a string becomes a path to stat or open, or an argument to exec.
//!
//! ## The encoding
//! In the spirit of Python's surrogateescape (PEP 383), which Rust cannot use because a `String`
//! holds no lone surrogates. The last 256 code points of plane 16 (private use),
//! U+10FF00..=U+10FFFF, stand for the 256 byte values: U+10FF00 + b is the byte b.
//! - `encode(x)`: each run of valid UTF-8 in `x` is kept char by char, except a char that is
//!   itself in U+10FF00..=U+10FFFF: its four UTF-8 bytes are written as four escapes (so such a
//!   char can never be mistaken for an escaped byte). Each byte b of a sequence that is not valid
//!   UTF-8 becomes the char U+10FF00 + b.
//! - `decode(s)`: each char U+10FF00 + b becomes the byte b; every other char its UTF-8 bytes.
//!
//! So `decode(encode(x)) == x` for every byte string `x` (and `encode` is injective), and an
//! argument that is valid UTF-8 without those 256 chars — every argument anyone types — is its
//! own encoding: the allow path pays one UTF-8 validation and one scan for the byte 0xF4 (the
//! lead byte of every char from U+100000 up), and copies nothing.
//!
//! The parsers under `command/` split arguments at ASCII characters (`=`, `/`, `,`, `:`), and
//! an ASCII byte is never part of a multi-byte sequence, so the pieces of an encoded argument are
//! the encodings of the pieces of its bytes (tested below). Strings that did not come from
//! `encode` (policy text) decode too; they are only compared, never executed.
//!
//! ## The forms, and where each is used
//! - **encoded** — what flows through the pipeline: argv, operations, fact values, snapshots
//!   (`safeop facts --json` writes fact values encoded, so a snapshot read back is exact). Paths
//!   read from the system (mountinfo, loop backing files, helper output, tar member names) are
//!   encoded the same way, so comparing them with argv paths compares bytes.
//! - **decoded** ([`decode`], [`path`]) — wherever a string becomes a filesystem path or an exec
//!   argument: the exact bytes.
//! - **display** ([`display`]) — for people: each escaped byte is shown as `\xNN` (`DIR/\xff`).
//!   Messages, finding texts, `check` text and JSON, and the audit record's `argv` use it.
//! - **shell** ([`shell_join`]) — a command line shown to people: a word holding an escaped byte
//!   or a control character is written in bash's `$'…'` quoting (`rm -f $'DIR/\xff'`), which
//!   shows the bytes and gives them back exactly when pasted into bash or zsh.
//! - **hex** ([`hex`]) — where a record must keep the exact bytes beside the display form
//!   (the audit record's and the JSON report's `argv_hex`, present only when an argument is not
//!   plain UTF-8).

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// U+10FF00: the escape for byte 0; U+10FF00 + b for byte b.
const BASE: u32 = 0x10FF00;
/// The UTF-8 lead byte of every char from U+100000 up, the escapes among them.
const LEAD: u8 = 0xF4;

/// The escape char of each byte value (built at compile time: a wrong entry cannot compile).
const ESCAPES: [char; 256] = {
    let mut t = ['\0'; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match char::from_u32(BASE + i as u32) {
            Some(c) => c,
            None => panic!("U+10FF00..=U+10FFFF are chars"),
        };
        i += 1;
    }
    t
};

/// The byte an escape char stands for.
fn escaped(c: char) -> Option<u8> {
    // Chars end at U+10FFFF, so the difference always fits a byte.
    u8::try_from(u32::from(c).checked_sub(BASE)?).ok()
}

/// True when `s` holds no escaped byte: its decoding is its own UTF-8.
pub fn is_plain(s: &str) -> bool {
    !s.as_bytes().contains(&LEAD) || !s.chars().any(|c| escaped(c).is_some())
}

fn encode_slow(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 8);
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            if escaped(c).is_some() {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push(ESCAPES[usize::from(byte)]);
                }
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            out.push(ESCAPES[usize::from(*byte)]);
        }
    }
    out
}

/// The encoding of a byte string (borrowed when it is plain UTF-8).
pub fn encode_bytes(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) if is_plain(s) => Cow::Borrowed(s),
        _ => Cow::Owned(encode_slow(b)),
    }
}

/// The encoding of an argument, a file name or a path.
pub fn encode(os: &OsStr) -> Cow<'_, str> {
    encode_bytes(os.as_bytes())
}

/// [`encode`] taking ownership: no copy when the bytes are plain UTF-8.
pub fn encode_owned(os: OsString) -> String {
    encode_vec(os.into_vec())
}

/// [`encode`] of bytes read from the system (a file, a helper's output).
pub fn encode_vec(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) if is_plain(&s) => s,
        Ok(s) => encode_slow(s.as_bytes()),
        Err(e) => encode_slow(e.as_bytes()),
    }
}

/// The encoding of a path, for a fact value or a key.
pub fn encode_path(p: &Path) -> String {
    encode(p.as_os_str()).into_owned()
}

/// The exact bytes an encoded string stands for.
pub fn decode_bytes(s: &str) -> Cow<'_, [u8]> {
    if is_plain(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match escaped(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// The exact bytes, as an exec argument.
pub fn decode(s: &str) -> Cow<'_, OsStr> {
    match decode_bytes(s) {
        Cow::Borrowed(b) => Cow::Borrowed(OsStr::from_bytes(b)),
        Cow::Owned(v) => Cow::Owned(OsString::from_vec(v)),
    }
}

/// The exact bytes, as a path to stat or open.
pub fn path(s: &str) -> Cow<'_, Path> {
    match decode(s) {
        Cow::Borrowed(o) => Cow::Borrowed(Path::new(o)),
        Cow::Owned(o) => Cow::Owned(PathBuf::from(o)),
    }
}

/// Reads a file the system writes (mountinfo, a sysfs attribute) as an encoded string: bytes that
/// are not UTF-8 are kept, never replaced.
pub fn read(p: &Path) -> std::io::Result<String> {
    use std::io::Read;
    // /proc and /sys files say they are empty: with room for 16 KiB up front the whole of a
    // mountinfo or /proc/swaps comes in one read, not a dozen growing ones.
    let mut f = std::fs::File::open(p)?;
    let mut v = Vec::with_capacity(16 * 1024);
    f.read_to_end(&mut v)?;
    Ok(encode_vec(v))
}

/// For people: each escaped byte as `\xNN` (`DIR/\xff`); a plain string as it is.
pub fn display(s: &str) -> Cow<'_, str> {
    escape_with(s, "\\x")
}

/// [`display`] applied to every string inside JSON text (serde_json writes these chars raw):
/// each escaped byte becomes `\\xNN`, which a JSON reader reads as the four characters `\xNN`.
pub fn display_json(text: &str) -> Cow<'_, str> {
    escape_with(text, "\\\\x")
}

fn escape_with<'a>(s: &'a str, prefix: &str) -> Cow<'a, str> {
    if is_plain(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match escaped(c) {
            Some(b) => {
                out.push_str(prefix);
                out.push_str(&format!("{b:02x}"));
            }
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path for people (in a message): bytes that are not UTF-8 as `\xNN`.
pub fn show_path(p: &Path) -> String {
    display(&encode(p.as_os_str())).into_owned()
}

/// One word of a command line for people. Plain words are quoted as `shell_words` does; a word
/// with an escaped byte or a control character is written in bash's `$'…'` quoting, bytes as
/// `\xNN`, so it is both readable and, pasted back, the same bytes.
pub fn shell_quote(s: &str) -> Cow<'_, str> {
    if is_plain(s) && !s.chars().any(char::is_control) {
        return shell_words::quote(s);
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match (escaped(c), c) {
            (Some(b), _) => out.push_str(&format!("\\x{b:02x}")),
            (None, '\\') => out.push_str("\\\\"),
            (None, '\'') => out.push_str("\\'"),
            (None, '\n') => out.push_str("\\n"),
            (None, '\t') => out.push_str("\\t"),
            (None, c) if c.is_control() => {
                for b in c.encode_utf8(&mut [0u8; 4]).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            (None, c) => out.push(c),
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

/// A command line for people (see [`shell_quote`]).
pub fn shell_join<S: AsRef<str>>(words: &[S]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&shell_quote(w.as_ref()));
    }
    out
}

/// The exact bytes as lowercase hex (`ff2f41`), for records that must keep them.
pub fn hex(s: &str) -> String {
    decode_bytes(s).iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of [`hex`] text; `None` when it is not an even run of hex digits.
pub fn from_hex(h: &str) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    (0..h.len())
        .step_by(2)
        .map(|i| h.get(i..i + 2).and_then(|d| u8::from_str_radix(d, 16).ok()))
        .collect()
}

/// [`hex`] of each word when any is not plain UTF-8; `None` when display already says it all.
pub fn hex_if_needed<S: AsRef<str>>(words: &[S]) -> Option<Vec<String>> {
    words
        .iter()
        .any(|w| !is_plain(w.as_ref()))
        .then(|| words.iter().map(|w| hex(w.as_ref())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: a small deterministic PRNG, so a failure names a reproducible case.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// Bytes biased towards the interesting ones: ASCII, continuation bytes, lead bytes,
        /// and the bytes of the escape chars' own UTF-8 (F4 8F BC..BF 80..BF).
        fn bytes(&mut self, max: u64) -> Vec<u8> {
            let len = self.below(max + 1);
            (0..len)
                .map(|_| match self.below(8) {
                    0 => b"/=a\\'"[self.below(5) as usize],
                    1 => 0x80 + self.below(0x40) as u8,
                    2 => 0xC0 + self.below(0x40) as u8,
                    3 => [0xF4, 0x8F, 0xBC, 0xBF][self.below(4) as usize],
                    _ => self.below(256) as u8,
                })
                .collect()
        }
        /// A random char that is not an escape.
        fn char(&mut self) -> char {
            loop {
                let v = match self.below(4) {
                    0 => self.below(0x80) as u32,
                    1 => self.below(0x800) as u32,
                    2 => self.below(0x1_0000) as u32,
                    _ => self.below(0x11_0000) as u32,
                };
                if let Some(c) = char::from_u32(v).filter(|c| escaped(*c).is_none()) {
                    return c;
                }
            }
        }
    }

    fn enc(b: &[u8]) -> String {
        encode(OsStr::from_bytes(b)).into_owned()
    }

    #[test]
    fn arbitrary_bytes_round_trip() {
        let mut r = Rng(0x005A_FE0B_17E5);
        for case in 0..50_000 {
            let x = r.bytes(24);
            let e = enc(&x);
            assert_eq!(decode(&e).as_bytes(), &x[..], "case {case}: {x:x?} → {e:?}");
            assert_eq!(decode_bytes(&e).as_ref(), &x[..], "case {case}");
            assert_eq!(path(&e).as_os_str().as_bytes(), &x[..], "case {case}");
            assert_eq!(
                encode_owned(OsString::from_vec(x.clone())),
                e,
                "case {case}"
            );
            assert_eq!(from_hex(&hex(&e)).as_deref(), Some(&x[..]), "case {case}");
            // The encoding of a decoding is the same string: encoded strings are canonical.
            assert_eq!(enc(decode(&e).as_bytes()), e, "case {case}");
        }
    }

    #[test]
    fn every_one_and_two_byte_string_round_trips_and_none_collide() {
        let mut seen = std::collections::HashSet::new();
        for a in 0..=255u8 {
            let e = enc(&[a]);
            assert_eq!(decode(&e).as_bytes(), [a]);
            assert!(seen.insert(e));
            for b in 0..=255u8 {
                let e = enc(&[a, b]);
                assert_eq!(decode(&e).as_bytes(), [a, b]);
                assert!(seen.insert(e), "{a:02x} {b:02x} collides");
            }
        }
    }

    #[test]
    fn valid_utf8_without_escape_chars_is_unchanged_and_not_copied() {
        let mut r = Rng(42);
        for case in 0..20_000 {
            let len = r.below(16);
            let s: String = (0..len).map(|_| r.char()).collect();
            let e = encode(OsStr::new(&s));
            assert!(
                matches!(e, Cow::Borrowed(_)),
                "case {case}: {s:?} was copied"
            );
            assert_eq!(e, s.as_str(), "case {case}");
            assert!(is_plain(&s));
            assert!(matches!(decode(&s), Cow::Borrowed(_)));
            assert_eq!(display(&s), s.as_str());
        }
    }

    #[test]
    fn pieces_split_at_ascii_are_the_encodings_of_the_pieces() {
        // What lets the parsers split `of=X` or `DIR/NAME` on the encoded string.
        let mut r = Rng(7);
        for case in 0..20_000 {
            let (a, b) = (r.bytes(12), r.bytes(12));
            let sep = b"=/,:"[r.below(4) as usize];
            let joined: Vec<u8> = a.iter().chain([&sep]).chain(b.iter()).copied().collect();
            let want = format!("{}{}{}", enc(&a), sep as char, enc(&b));
            assert_eq!(enc(&joined), want, "case {case}: {a:x?} {sep} {b:x?}");
        }
    }

    #[test]
    fn the_replacement_char_and_escape_chars_stay_apart_from_raw_bytes() {
        let ff = enc(b"DIR/\xff");
        let fffd = enc("DIR/\u{FFFD}".as_bytes());
        assert_ne!(ff, fffd);
        assert_eq!(fffd, "DIR/\u{FFFD}");
        assert_eq!(ff, "DIR/\u{10FFFF}");
        // A name that really holds U+10FFFF is escaped byte by byte, never read as byte 0xFF.
        let real = enc("x\u{10FFFF}".as_bytes());
        assert_eq!(real, "x\u{10FFF4}\u{10FF8F}\u{10FFBF}\u{10FFBF}");
        assert_eq!(decode(&real).as_bytes(), "x\u{10FFFF}".as_bytes());
        assert_ne!(real, enc(b"x\xff"));
    }

    #[test]
    fn people_see_bytes_as_hex_escapes() {
        let e = enc(b"DIR/\xff\xfe");
        assert_eq!(display(&e), "DIR/\\xff\\xfe");
        let json = serde_json::to_string(&serde_json::json!({ &e: [&e] })).expect("json");
        let shown: serde_json::Value =
            serde_json::from_str(&display_json(&json)).expect("still JSON");
        assert_eq!(
            shown,
            serde_json::json!({"DIR/\\xff\\xfe": ["DIR/\\xff\\xfe"]})
        );
        assert_eq!(hex(&e), "4449522ffffe");
        assert_eq!(
            hex_if_needed(&["rm", &e]),
            Some(vec!["726d".into(), hex(&e)])
        );
        assert_eq!(hex_if_needed(&["rm", "-f"]), None);
        assert_eq!(shell_join(&["rm", "-f", &e]), "rm -f $'DIR/\\xff\\xfe'");
        assert_eq!(shell_join(&["a b", "c"]), "'a b' c");
        assert_eq!(shell_quote("it's\n"), "$'it\\'s\\n'");
        assert_eq!(from_hex("f"), None);
        assert_eq!(from_hex("zz"), None);
    }

    #[test]
    fn a_shell_word_pasted_into_bash_gives_the_same_bytes() {
        if !Path::new("/bin/bash").exists() {
            eprintln!("SKIPPED: no /bin/bash");
            return;
        }
        let mut r = Rng(99);
        let words: Vec<Vec<u8>> = (0..40)
            .map(|_| r.bytes(10).into_iter().filter(|b| *b != 0).collect())
            .chain([
                b"it's \\ \n\t\x1b[31m".to_vec(),
                "\u{85}é".as_bytes().to_vec(),
            ])
            .collect();
        for w in words {
            let q = shell_quote(&enc(&w)).into_owned();
            let out = std::process::Command::new("/bin/bash")
                .args(["-c", &format!("printf %s {q}")])
                .output()
                .expect("run bash");
            assert_eq!(out.stdout, w, "{q}");
        }
    }
}
