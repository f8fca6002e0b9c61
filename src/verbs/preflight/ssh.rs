//! `ssh [OPTIONS] HOST [COMMAND…]` in a runbook: the host the command runs on and the command
//! string (ssh joins its words with spaces and the remote shell reads them again). Read from
//! the shell words themselves, with OpenSSH 9's option letters: those that take a value and
//! those that do not. `user@host` is `host`; `ssh://user@host:port` is `host`.

use crate::shell::Word;

/// `ssh`'s options that take a value (`-p 22`, `-p22`, `-o Opt=x`).
const WITH_VALUE: &str = "plioFJEbcDeLmOQRSWwB";
/// Its flags (`-t`, `-tt`, `-4`, bundled `-tA`).
const FLAGS: &str = "tTnNfqvxXYAaCgKkMsG46V";

/// An ssh step: the host, and the remote command's words (none: an interactive login, or a
/// script fed on standard input, which the shell front end reads as a here-document).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ssh<'a> {
    pub host: String,
    pub command: &'a [Word],
}

/// Reads `words` (the program first) as an ssh invocation; `None` when it is not one safeop
/// can read (an option it does not know, a host known only at run time).
pub(crate) fn parse(words: &[Word]) -> Option<Ssh<'_>> {
    let prog = words.first()?.literal()?;
    if prog.rsplit('/').next() != Some("ssh") {
        return None;
    }
    let mut i = 1;
    while let Some(w) = words.get(i) {
        let t = w.literal()?;
        if t == "--" {
            i += 1;
            break;
        }
        let Some(letters) = t.strip_prefix('-') else {
            break;
        };
        if letters.is_empty() {
            return None;
        }
        let mut takes_next = false;
        for (k, c) in letters.char_indices() {
            if WITH_VALUE.contains(c) {
                // the value is the rest of the word, or the next word
                takes_next = k + c.len_utf8() == letters.len();
                break;
            }
            if !FLAGS.contains(c) {
                return None;
            }
        }
        i += if takes_next { 2 } else { 1 };
    }
    let host = host_of(words.get(i)?.literal()?)?;
    Some(Ssh {
        host,
        command: &words[(i + 1).min(words.len())..],
    })
}

/// `user@host`, `ssh://user@host:2222` → `host`.
fn host_of(dest: &str) -> Option<String> {
    let d = dest.strip_prefix("ssh://").unwrap_or(dest);
    let d = d.rsplit_once('@').map_or(d, |(_, h)| h);
    let d = if dest.starts_with("ssh://") {
        d.split(':').next().unwrap_or(d)
    } else {
        d
    };
    (!d.is_empty()).then(|| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Word> {
        let s = crate::shell::commands(line);
        s.commands[0].words.clone()
    }

    fn read(line: &str) -> Option<(String, Vec<String>)> {
        let ws = words(line);
        parse(&ws).map(|s| {
            (
                s.host,
                s.command.iter().map(|w| w.text.clone()).collect::<Vec<_>>(),
            )
        })
    }

    #[test]
    fn hosts_and_commands() {
        assert_eq!(
            read("ssh db1 'rm -rf /srv/x'"),
            Some(("db1".into(), vec!["rm -rf /srv/x".into()]))
        );
        assert_eq!(
            read("ssh -p 2222 -i ~/.ssh/k -tt root@web1.example.com dd of=/dev/vda"),
            Some((
                "web1.example.com".into(),
                vec!["dd".into(), "of=/dev/vda".into()]
            ))
        );
        assert_eq!(
            read("ssh -oBatchMode=yes -A -J bastion xen1 -- ls"),
            Some(("xen1".into(), vec!["--".into(), "ls".into()]))
        );
        assert_eq!(read("ssh -p2222 h").map(|r| r.0), Some("h".into()));
        assert_eq!(read("ssh ssh://u@h:22 ls").map(|r| r.0), Some("h".into()));
        assert_eq!(read("ssh -- h ls").map(|r| r.0), Some("h".into()));
        assert_eq!(read("ssh h"), Some(("h".into(), vec![])));
        assert_eq!(read("ssh -Z h ls"), None, "an option safeop does not know");
        assert_eq!(
            read("ssh \"$HOST\" ls"),
            None,
            "a host known only at run time"
        );
        assert_eq!(read("scp a h:b"), None);
    }
}
