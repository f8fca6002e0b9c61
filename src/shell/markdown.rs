//! The shell in a Markdown runbook: fenced code blocks tagged `sh`, `bash`, `shell`, `zsh`,
//! `console` or `shell-session`, with their lines' positions in the file, read the way people
//! publish runbooks (DESIGN decision 16):
//!
//! - fences inside list items and blockquotes count (pulldown-cmark strips the `> ` and the
//!   indentation; every line keeps its own line and column in the file);
//! - in a `console`/`shell-session` block that has prompt lines, only the commands count: a line
//!   starting `$ ` or `# ` (a root prompt there) has its prompt stripped, `> ` lines and lines after
//!   a trailing `\` continue it, everything else is output and skipped. A `console` block with no
//!   prompt at all is a block of commands;
//! - in `sh`/`bash`, `# ` is a comment, as the shell has it;
//! - a fence that is never closed runs to the end of the file, and says so.
//!
//! [`script`] reads every block as shell and gives the commands with positions in the Markdown
//! file.

use super::{Script, ShellError};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// One fenced block of shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The first word of the info string, lower case (`bash`, `console` …).
    pub lang: String,
    /// The line of the opening fence.
    pub line: u32,
    /// The shell text: the block's command lines joined with `\n`.
    pub text: String,
    /// For each line of `text`, where it starts in the file (line, column).
    pub origin: Vec<(u32, u32)>,
    /// Whether the fence was closed.
    pub closed: bool,
}

const SHELL_TAGS: &[&str] = &[
    "sh",
    "bash",
    "shell",
    "zsh",
    "console",
    "shell-session",
    "shellsession",
];

fn is_console(lang: &str) -> bool {
    matches!(lang, "console" | "shell-session" | "shellsession")
}

/// Line starts of `md`, to turn byte offsets into lines and columns.
struct Lines<'a> {
    md: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(md: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(md.match_indices('\n').map(|(i, _)| i + 1));
        Lines { md, starts }
    }

    fn at(&self, offset: usize) -> (u32, u32) {
        let i = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[i];
        let col = self
            .md
            .get(start..offset.min(self.md.len()))
            .map_or(1, |s| s.chars().count() + 1);
        (
            u32::try_from(i + 1).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

/// A block being read: its lang, where its fence starts, and its lines with their offsets.
type Open = (String, usize, Vec<(String, usize)>);

/// Every fenced shell block of `md`, in order.
pub fn blocks(md: &str) -> Vec<Block> {
    let lines = Lines::new(md);
    let mut out = Vec::new();
    // (lang, fence line, raw lines with their offsets)
    let mut cur: Option<Open> = None;
    for (ev, range) in Parser::new_ext(md, Options::empty()).into_offset_iter() {
        match ev {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let lang = info
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                    .find(|s| !s.is_empty())
                    .unwrap_or("")
                    .trim_start_matches('.')
                    .to_ascii_lowercase();
                if SHELL_TAGS.contains(&lang.as_str()) {
                    cur = Some((lang, range.start, Vec::new()));
                }
            }
            Event::Text(t) => {
                if let Some((_, _, raw)) = &mut cur {
                    let verbatim = md.get(range.clone()) == Some(t.as_ref());
                    let mut off = 0;
                    for l in t.split_inclusive('\n') {
                        let at = if verbatim {
                            range.start + off
                        } else {
                            range.start
                        };
                        raw.push((l.strip_suffix('\n').unwrap_or(l).to_string(), at));
                        off += l.len();
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, start, raw)) = cur.take() {
                    let closed = closes(md.get(range.clone()).unwrap_or(""));
                    out.push(block(&lines, lang, start, raw, closed));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a fenced block's source ends in a closing fence.
fn closes(src: &str) -> bool {
    let mut ls = src.trim_end_matches('\n').lines();
    let first = ls.next().unwrap_or("");
    let Some(last) = ls.next_back() else {
        return false;
    };
    let strip = |l: &str| -> String { l.trim_start_matches([' ', '>', '\t']).to_string() };
    let (open, close) = (strip(first), strip(last));
    let fence = open.chars().next().unwrap_or('`');
    let n = open.chars().take_while(|&c| c == fence).count();
    close.trim_end().chars().all(|c| c == fence) && close.trim_end().chars().count() >= n
}

fn prompt(l: &str) -> Option<&str> {
    l.strip_prefix("$ ")
        .or_else(|| l.strip_prefix("# "))
        .or((l == "$" || l == "#").then_some(""))
}

/// The delimiter of a here-document that `cmd` opens (`<<EOF`, `<<-'EOF'`), if any.
fn heredoc_delimiter(cmd: &str) -> Option<String> {
    let mut rest = cmd;
    while let Some(i) = rest.find("<<") {
        let after = &rest[i + 2..];
        if let Some(stripped) = after.strip_prefix('<') {
            rest = stripped;
            continue;
        }
        let after = after.strip_prefix('-').unwrap_or(after).trim_start();
        let delim: String = after
            .trim_start_matches(['\'', '"', '\\'])
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !delim.is_empty() {
            return Some(delim);
        }
        rest = after;
    }
    None
}

fn block(
    lines: &Lines,
    lang: String,
    start: usize,
    raw: Vec<(String, usize)>,
    closed: bool,
) -> Block {
    let (line, _) = lines.at(start);
    // (text, offset of the line, characters skipped before the text)
    let mut kept: Vec<(&str, usize, usize)> = Vec::new();
    if is_console(&lang) && raw.iter().any(|(l, _)| prompt(l.trim_start()).is_some()) {
        // After a prompt: whether the next line continues it (`\`), and a here-document body.
        let mut continuing = false;
        let mut in_command = false;
        let mut body_until: Option<String> = None;
        for (l, at) in &raw {
            let t = l.trim_start();
            let indent = l.len() - t.len();
            if let Some(d) = &body_until {
                let stripped = t.strip_prefix("> ").unwrap_or(t);
                kept.push((stripped, *at, indent + t.len() - stripped.len()));
                if stripped.trim() == d {
                    body_until = None;
                }
                continue;
            }
            let cmd = if let Some(cmd) = prompt(t) {
                cmd
            } else if continuing {
                t
            } else if in_command && (t.starts_with("> ") || t == ">") {
                t.strip_prefix("> ").unwrap_or("")
            } else {
                in_command = false;
                continue;
            };
            in_command = true;
            kept.push((cmd, *at, indent + t.len() - cmd.len()));
            continuing = cmd.ends_with('\\');
            body_until = heredoc_delimiter(cmd);
        }
    } else {
        kept.extend(raw.iter().map(|(l, at)| (l.as_str(), *at, 0)));
    }
    let mut text = String::new();
    let mut origin = Vec::with_capacity(kept.len());
    for (i, (s, at, skip)) in kept.into_iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(s);
        let (l, c) = lines.at(at);
        origin.push((l, c.saturating_add(u32::try_from(skip).unwrap_or(0))));
    }
    Block {
        lang,
        line,
        text,
        origin,
        closed,
    }
}

/// Every command in the shell blocks of `md`, positioned in the file; an unclosed fence and
/// every parse error are errors.
pub fn script(md: &str) -> Script {
    let mut out = Script::default();
    for b in blocks(md) {
        if !b.closed {
            out.errors.push(ShellError {
                line: b.line,
                col: 1,
                message: format!(
                    "the `{}` code block is never closed: read to the end of the file",
                    b.lang
                ),
            });
        }
        let s = super::commands(&b.text);
        let map = |line: u32, col: u32| -> (u32, u32) {
            match b.origin.get(line.saturating_sub(1) as usize) {
                Some(&(l, c)) => (l, c + col.saturating_sub(1)),
                None => (b.line, col),
            }
        };
        for mut f in s.commands {
            (f.line, f.col) = map(f.line, f.col);
            for w in f
                .words
                .iter_mut()
                .chain(f.assignments.iter_mut().map(|(_, w)| w))
            {
                (w.line, w.col) = map(w.line, w.col);
            }
            for r in &mut f.redirects {
                (r.line, r.col) = map(r.line, r.col);
                (r.target.line, r.target.col) = map(r.target.line, r.target.col);
            }
            out.commands.push(f);
        }
        for mut e in s.errors {
            (e.line, e.col) = map(e.line, e.col);
            out.errors.push(e);
        }
        for mut b in s.bindings {
            (b.line, b.col) = map(b.line, b.col);
            if let super::BindKind::Assign(w) = &mut b.kind {
                (w.line, w.col) = map(w.line, w.col);
            }
            out.bindings.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNBOOK: &str = "# Restore

1. Stop the service:

   ```bash
   systemctl stop web
   rm -rf /var/lib/web/cache/*
   ```

> ```sh
> dd if=/dev/zero of=/dev/sdb bs=1M
> ```

~~~console title=\"restore\"
$ restic -r /srv/restic restore latest --target /
restoring <Snapshot 1a2b> to /
# wipefs -a /dev/sdc
$ cat <<EOF | sudo tee /etc/x
> hello
> EOF
some output
$ cat <<EOF > /etc/y
rm -rf /not-a-command
EOF
~~~

```console
mkfs.ext4 /dev/sdd
```

    rm -rf / (indented: not a fenced block)

```python
import os
```

```bash
cat <<EOF | bash
rm -rf /srv
";

    fn cmds(s: &Script) -> Vec<String> {
        s.commands
            .iter()
            .map(|f| {
                let w: Vec<&str> = f.words.iter().map(|w| w.text.as_str()).collect();
                format!("{}:{} {}", f.line, f.col, w.join(" "))
            })
            .collect()
    }

    #[test]
    fn blocks_in_lists_quotes_and_console_sessions() {
        let b = blocks(RUNBOOK);
        let langs: Vec<&str> = b.iter().map(|b| b.lang.as_str()).collect();
        assert_eq!(langs, ["bash", "sh", "console", "console", "bash"]);
        assert_eq!(b[0].line, 5);
        assert_eq!(b[0].origin[0], (6, 4));
        assert_eq!(b[1].origin[0], (11, 3));
        assert_eq!(b[2].text, "restic -r /srv/restic restore latest --target /\nwipefs -a /dev/sdc\ncat <<EOF | sudo tee /etc/x\nhello\nEOF\ncat <<EOF > /etc/y\nrm -rf /not-a-command\nEOF");
        assert_eq!(b[3].text, "mkfs.ext4 /dev/sdd");
        assert!(b[0].closed && b[2].closed && !b[4].closed);
    }

    #[test]
    fn commands_carry_file_positions() {
        let s = script(RUNBOOK);
        assert_eq!(
            cmds(&s),
            [
                "6:4 systemctl stop web",
                "7:4 rm -rf /var/lib/web/cache/*",
                "11:3 dd if=/dev/zero of=/dev/sdb bs=1M",
                "15:3 restic -r /srv/restic restore latest --target /",
                "17:3 wipefs -a /dev/sdc",
                "18:3 cat",
                "18:15 sudo tee /etc/x",
                "22:3 cat",
                "28:1 mkfs.ext4 /dev/sdd",
                "38:1 cat",
                "38:13 bash",
                "39:1 rm -rf /srv",
            ]
        );
        assert_eq!(s.errors.len(), 2, "{:?}", s.errors);
        assert_eq!((s.errors[0].line, s.errors[0].col), (37, 1));
        assert!(s.errors[0].message.contains("never closed"));
        assert_eq!((s.errors[1].line, s.errors[1].col), (38, 5));
        assert!(s.errors[1]
            .message
            .contains("here-document not closed by `EOF`"));
        // the word positions too
        let dd = &s.commands[2];
        assert_eq!((dd.words[2].line, dd.words[2].col), (11, 19));
    }

    #[test]
    fn a_heredoc_written_to_a_file_is_data() {
        let s = script("```bash\ncat > /etc/motd <<'EOF'\nrm -rf /\nEOF\n```\n");
        assert_eq!(cmds(&s), ["2:1 cat"]);
    }

    #[test]
    fn nothing_to_read_is_nothing() {
        assert_eq!(script(""), Script::default());
        assert_eq!(script("```bash\n```\n").commands, vec![]);
        assert_eq!(blocks("```\nrm -rf /\n```\n"), vec![]);
    }
}
