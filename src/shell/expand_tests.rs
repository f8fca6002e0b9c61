//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use super::*;
use std::collections::BTreeMap;

/// A filesystem of paths (a trailing `/` marks a directory); `~` is /root, `~web` is /srv/web.
struct Fake(BTreeMap<String, bool>);

fn fake(paths: &[&str]) -> Fake {
    let mut m = BTreeMap::new();
    for p in paths {
        let dir = p.ends_with('/');
        let p = p.trim_end_matches('/');
        // every parent is a directory
        let mut acc = String::new();
        for (i, part) in p.split('/').enumerate() {
            if i > 0 {
                acc.push('/');
            }
            acc.push_str(part);
            if !acc.is_empty() && acc != p {
                m.insert(acc.clone(), true);
            }
        }
        m.insert(p.to_string(), dir);
    }
    Fake(m)
}

impl Fs for Fake {
    fn list(&self, dir: &Path) -> Vec<String> {
        let d = dir.to_string_lossy();
        let prefix = match d.as_ref() {
            "/" => "/".to_string(),
            "." => String::new(),
            d => format!("{}/", d.trim_end_matches('/')),
        };
        self.0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(String::from)
            .collect()
    }
    fn is_dir(&self, p: &Path) -> bool {
        let p = p.to_string_lossy();
        p == "/" || self.0.get(p.trim_end_matches('/')) == Some(&true)
    }
    fn exists(&self, p: &Path) -> bool {
        let p = p.to_string_lossy();
        p == "/" || self.0.contains_key(p.trim_end_matches('/'))
    }
    fn home(&self, user: Option<&str>) -> Option<String> {
        match user {
            None => Some("/root".into()),
            Some("web") => Some("/srv/web".into()),
            Some("odd") => Some("/h/*".into()),
            _ => None,
        }
    }
    fn var(&self, name: &str) -> Option<String> {
        (name == "PWD").then(|| "/work".into())
    }
}

fn root() -> Fake {
    fake(&[
        "/usr/bin/",
        "/usr/lib/",
        "/etc/",
        "/etc/fstab",
        "/var/",
        "/boot/",
        "/.hidden/",
        "/dev/vda",
        "/dev/vdb",
        "/dev/sda",
        "/h/*",
        "a.txt",
        "b.txt",
        ".dot",
        "sub/x.img",
    ])
}

/// `text` parsed as one shell word and expanded.
fn ex(text: &str) -> Vec<String> {
    let s = crate::shell::commands(&format!("x {text}"));
    assert!(s.errors.is_empty(), "{text}: {:?}", s.errors);
    argv(&s.commands[0].words[1..], &root())
        .into_iter()
        .map(|a| match a {
            Arg::Known(s) => s,
            Arg::Dynamic { text, .. } => format!("<{text}>"),
        })
        .collect()
}

#[test]
fn globs_match_against_the_filesystem() {
    assert_eq!(
        ex("/[a-z]*"),
        ["/boot", "/dev", "/etc", "/h", "/usr", "/var"]
    );
    assert_eq!(ex("/usr/*"), ["/usr/bin", "/usr/lib"]);
    assert_eq!(ex("/dev/v*"), ["/dev/vda", "/dev/vdb"]);
    assert_eq!(ex("/dev/vd?"), ["/dev/vda", "/dev/vdb"]);
    assert_eq!(ex("/dev/[!v]d[a-c]"), ["/dev/sda"]);
    assert_eq!(ex("/dev/[[:alpha:]]da"), ["/dev/sda", "/dev/vda"]);
    assert_eq!(ex("*.txt"), ["a.txt", "b.txt"]);
    assert_eq!(ex("*/*.img"), ["sub/x.img"]);
    assert_eq!(
        ex("/*/"),
        ["/boot/", "/dev/", "/etc/", "/h/", "/usr/", "/var/"]
    );
    assert_eq!(ex("/*/fstab"), ["/etc/fstab"]);
    assert_eq!(ex("/**"), ex("/*"));
}

#[test]
fn dot_files_need_a_leading_dot_and_never_give_dot_or_dotdot() {
    assert_eq!(ex("*"), ["a.txt", "b.txt", "sub"]);
    assert_eq!(ex(".*"), [".dot"]);
    assert_eq!(ex("/.*"), ["/.hidden"]);
}

#[test]
fn no_match_leaves_the_word_as_it_is() {
    assert_eq!(ex("/nope/*"), ["/nope/*"]);
    assert_eq!(ex("/dev/x[yz]"), ["/dev/x[yz]"]);
    assert_eq!(ex("'['"), ["["]);
    assert_eq!(ex("a[b"), ["a[b"]);
}

#[test]
fn quoted_glob_characters_are_literal() {
    assert_eq!(ex("'/usr/*'"), ["/usr/*"]);
    assert_eq!(ex("/usr/\\*"), ["/usr/*"]);
    assert_eq!(ex("\"/h/\"*"), ["/h/*"]);
    assert_eq!(ex("/h/\\*"), ["/h/*"]);
    assert_eq!(ex("\"/dev/v\"*"), ["/dev/vda", "/dev/vdb"]);
}

#[test]
fn braces_expand_before_globs() {
    assert_eq!(ex("/{usr,etc}"), ["/usr", "/etc"]);
    assert_eq!(ex("/{usr,etc}/*"), ["/usr/bin", "/usr/lib", "/etc/fstab"]);
    assert_eq!(ex("a{b,c{d,e}}f"), ["abf", "acdf", "acef"]);
    assert_eq!(ex("{1..3}"), ["1", "2", "3"]);
    assert_eq!(ex("{3..1}"), ["3", "2", "1"]);
    assert_eq!(ex("{01..3}"), ["01", "02", "03"]);
    assert_eq!(ex("{1..7..3}"), ["1", "4", "7"]);
    assert_eq!(ex("{a..e..2}"), ["a", "c", "e"]);
    assert_eq!(ex("/dev/vd{a..b}"), ["/dev/vda", "/dev/vdb"]);
    assert_eq!(ex("{x}"), ["{x}"]);
    assert_eq!(ex("{}"), ["{}"]);
    assert_eq!(ex("'{a,b}'"), ["{a,b}"]);
    assert_eq!(ex("{a\\,b}"), ["{a,b}"]);
    assert_eq!(ex("{a,'b,c'}"), ["a", "b,c"]);
    assert_eq!(ex("{,a}b"), ["b", "ab"]);
    assert_eq!(ex("{1..2..9223372036854775807}"), ["1"]);
    assert_eq!(ex("{-3..-1}"), ["-3", "-2", "-1"]);
    assert_eq!(ex("{-03..1}"), ["-03", "-02", "-01", "000", "001"]);
    assert_eq!(ex("{z..x}"), ["z", "y", "x"]);
    assert_eq!(ex("{a..z..30}"), ["a"]);
    assert_eq!(ex("{1..a}"), ["{1..a}"]);
}

#[test]
fn brace_bombs_are_unknowable() {
    assert_eq!(ex("{1..100000000}"), ["<{1..100000000}>"]);
    let bomb = "{a,b}".repeat(20);
    assert_eq!(ex(&bomb), [format!("<{bomb}>")]);
}

#[test]
fn tilde_is_home() {
    assert_eq!(ex("~"), ["/root"]);
    assert_eq!(ex("~/x"), ["/root/x"]);
    assert_eq!(ex("~web/data"), ["/srv/web/data"]);
    assert_eq!(ex("~nobody-here/x"), ["~nobody-here/x"]);
    assert_eq!(ex("~+/a"), ["/work/a"]);
    assert_eq!(ex("'~'"), ["~"]);
    assert_eq!(ex("\\~"), ["~"]);
    assert_eq!(ex("~'web'"), ["~web"]);
    assert_eq!(ex("a~"), ["a~"]);
    // a home with glob characters is not a pattern
    assert_eq!(ex("~odd"), ["/h/*"]);
}

#[test]
fn dynamic_words_stay_dynamic() {
    assert_eq!(ex("$HOME/*"), ["<$HOME/*>"]);
    assert_eq!(ex("\"$(ls)\""), ["<\"$(ls)\">"]);
    assert_eq!(ex("-rf"), ["-rf"]);
}

#[test]
fn per_word_results() {
    let s = crate::shell::commands("rm -rf \"$D\" /usr/*");
    let w = words(&s.commands[0].words, &root());
    assert_eq!(w[0], Ok(vec!["rm".to_string()]));
    assert_eq!(w[2], Err(Dynamic::Parameter("D".into())));
    assert_eq!(
        w[3],
        Ok(vec!["/usr/bin".to_string(), "/usr/lib".to_string()])
    );
}

#[test]
fn real_fs_reads_this_machine() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("one.img"), b"").expect("write");
    std::fs::write(d.path().join("two.img"), b"").expect("write");
    let p = format!("{}/*.img", d.path().display());
    let got = pattern_words(&p, &RealFs).expect("words");
    assert_eq!(got.len(), 2);
    assert!(got[0].ends_with("/one.img") && got[1].ends_with("/two.img"));
}
