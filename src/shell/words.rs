//! shuck's words → our [`Word`]: quote removal done here from the source text (the shell's
//! rules for unquoted text, double quotes, `'…'`, `$'…'` and here-document bodies), the
//! pattern the shell will still expand, and why a word is dynamic.

use super::{Dynamic, Word};
use shuck_ast as ast;
use shuck_ast::{HeredocBody, HeredocBodyPart, LiteralText, Position, WordPart, WordPartNode};

/// Where line 1, column 1 of the text being parsed sits in the outer text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Base {
    pub line: u32,
    pub col: u32,
}

impl Base {
    pub const TOP: Base = Base { line: 1, col: 1 };

    /// `p` (a position in the parsed text) as a line and column of the outer text.
    pub fn at(self, p: Position) -> (u32, u32) {
        let line = u32::try_from(p.line()).unwrap_or(u32::MAX);
        let col = u32::try_from(p.column()).unwrap_or(u32::MAX);
        if line <= 1 {
            (self.line, self.col.saturating_add(col.saturating_sub(1)))
        } else {
            (self.line.saturating_add(line - 1), col)
        }
    }
}

/// The text a literal part stands for in the source (escapes still in it), or its cooked text
/// when the parser made it up.
fn literal_source<'a>(t: &'a LiteralText, span: ast::Span, src: &'a str) -> (&'a str, bool) {
    if t.is_source_backed() {
        (span.slice(src), true)
    } else {
        (t.as_str(src, span), false)
    }
}

#[derive(Default)]
struct Builder {
    text: String,
    pat: String,
    /// An unquoted `*`, `?`, `[` or `{` was seen, or `~` first.
    active: bool,
    dynamic: Option<Dynamic>,
}

impl Builder {
    fn unquoted(&mut self, c: char) {
        if matches!(c, '*' | '?' | '[' | '{') || (c == '~' && self.text.is_empty()) {
            self.active = true;
        }
        self.text.push(c);
        self.pat.push(c);
    }

    fn quoted(&mut self, c: char) {
        self.text.push(c);
        self.pat.push('\\');
        self.pat.push(c);
    }

    fn quoted_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.quoted(c));
    }

    /// Unquoted source text: `\c` quotes c, `\` newline is removed. shuck leaves quotes inside
    /// a brace expression in its literal (`{a,'b,c'}`): they are read here as the shell does.
    fn unquoted_source(&mut self, s: &str) {
        let mut it = s.chars();
        while let Some(c) = it.next() {
            match c {
                '\\' => match it.next() {
                    Some('\n') => {}
                    Some(n) => self.quoted(n),
                    None => self.quoted('\\'),
                },
                '\'' => {
                    for q in it.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        self.quoted(q);
                    }
                }
                '"' => {
                    let mut inner = String::new();
                    let mut esc = false;
                    for q in it.by_ref() {
                        if q == '"' && !esc {
                            break;
                        }
                        esc = q == '\\' && !esc;
                        inner.push(q);
                    }
                    self.dquoted_source(&inner, true);
                }
                c => self.unquoted(c),
            }
        }
    }

    /// Source text inside double quotes (or an expanding here-document, with `"` not special
    /// there): `\` keeps its meaning only before `$`, `` ` ``, `"`, `\` and newline.
    fn dquoted_source(&mut self, s: &str, quote_special: bool) {
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.peek().copied() {
                    Some('\n') => {
                        it.next();
                    }
                    Some(n @ ('$' | '`' | '\\')) => {
                        it.next();
                        self.quoted(n);
                    }
                    Some('"') if quote_special => {
                        it.next();
                        self.quoted('"');
                    }
                    _ => self.quoted('\\'),
                }
            } else {
                self.quoted(c);
            }
        }
    }

    fn dynamic(&mut self, d: Dynamic) {
        if self.dynamic.is_none() {
            self.dynamic = Some(d);
        }
    }

    fn parts(&mut self, parts: &[WordPartNode], src: &str, in_dq: bool) {
        for p in parts {
            match &p.kind {
                WordPart::Literal(t) => {
                    let (s, raw) = literal_source(t, p.span, src);
                    match (raw, in_dq) {
                        (true, false) => self.unquoted_source(s),
                        (true, true) => self.dquoted_source(s, true),
                        (false, false) => s.chars().for_each(|c| self.unquoted(c)),
                        (false, true) => self.quoted_str(s),
                    }
                }
                WordPart::SingleQuoted { value, .. } => self.quoted_str(value.slice(src)),
                WordPart::DoubleQuoted { parts, .. } => self.parts(parts, src, true),
                WordPart::ZshQualifiedGlob(_) => {
                    self.active = true;
                    self.unquoted_source(p.span.slice(src));
                }
                WordPart::Variable(n) => self.dynamic(Dynamic::Parameter(n.to_string())),
                WordPart::CommandSubstitution { .. } => self.dynamic(Dynamic::Command),
                WordPart::ArithmeticExpansion { .. } => self.dynamic(Dynamic::Arithmetic),
                WordPart::ProcessSubstitution { .. } => self.dynamic(Dynamic::Process),
                WordPart::Parameter(_)
                | WordPart::ParameterExpansion { .. }
                | WordPart::Length(_)
                | WordPart::ArrayAccess(_)
                | WordPart::ArrayLength(_)
                | WordPart::ArrayIndices(_)
                | WordPart::Substring { .. }
                | WordPart::ArraySlice { .. }
                | WordPart::IndirectExpansion { .. }
                | WordPart::PrefixMatch { .. }
                | WordPart::Transformation { .. } => {
                    self.dynamic(Dynamic::Parameter(parameter_name(p.span.slice(src))))
                }
            }
        }
    }

    fn finish(self, raw: impl FnOnce() -> String, line: u32, col: u32) -> Word {
        match self.dynamic {
            Some(d) => Word {
                text: raw(),
                line,
                col,
                dynamic: Some(d),
                pattern: None,
            },
            None => Word {
                pattern: self.active.then_some(self.pat),
                text: self.text,
                line,
                col,
                dynamic: None,
            },
        }
    }
}

/// `x` of `${x:-d}`, `${#x}`, `${!x}`: the name, for messages.
fn parameter_name(raw: &str) -> String {
    let body = raw.trim_start_matches('$').trim_start_matches('{');
    let body = body.trim_start_matches(['#', '!']);
    let end = body
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let name = &body[..end];
    if name.is_empty() {
        body.chars().next().map(String::from).unwrap_or_default()
    } else {
        name.to_string()
    }
}

/// `w` with quotes removed, positioned in the outer text.
pub(super) fn word(w: &ast::Word, src: &str, base: Base) -> Word {
    group(&[w], src, base)
}

/// Words that touch in the source as one word: shuck splits `{a,b}'c'` after the brace.
pub(super) fn group(ws: &[&ast::Word], src: &str, base: Base) -> Word {
    let mut b = Builder::default();
    for w in ws {
        b.parts(&w.parts, src, false);
    }
    let (first, last) = match ws {
        [] => return plain("", base.line, base.col),
        [w] => {
            return b.finish(
                || raw(w, src),
                base.at(w.span.start).0,
                base.at(w.span.start).1,
            )
        }
        [f, .., l] => (f, l),
    };
    let (line, col) = base.at(first.span.start);
    let whole = ast::Span::from_positions(first.span.start, last.span.end);
    b.finish(|| whole.slice(src).to_string(), line, col)
}

/// Splits `ws` into runs of words that touch in the source.
pub(super) fn touching<'a, 'b>(ws: &'b [&'a ast::Word]) -> Vec<&'b [&'a ast::Word]> {
    let mut out = Vec::new();
    let mut from = 0;
    for i in 1..=ws.len() {
        let joined = ws.get(i).is_some_and(|n| {
            let p = ws[i - 1];
            p.span.start.offset() < p.span.end.offset()
                && n.span.start.offset() < n.span.end.offset()
                && p.span.end.offset() == n.span.start.offset()
        });
        if !joined {
            out.push(&ws[from..i]);
            from = i;
        }
    }
    out
}

/// The word as written.
pub(super) fn raw(w: &ast::Word, src: &str) -> String {
    let s = w.span.slice(src);
    if s.is_empty() && !w.parts.is_empty() {
        w.render_syntax(src)
    } else {
        s.to_string()
    }
}

/// A here-document body as a word: static when it has no expansions (always, for a quoted
/// delimiter).
pub(super) fn heredoc(body: &HeredocBody, src: &str, base: Base) -> Word {
    let mut b = Builder::default();
    for p in &body.parts {
        match &p.kind {
            HeredocBodyPart::Literal(t) => {
                let (s, raw) = literal_source(t, p.span, src);
                if raw && body.mode.expands() {
                    b.dquoted_source(s, false);
                } else {
                    b.quoted_str(s);
                }
            }
            HeredocBodyPart::Variable(n) => b.dynamic(Dynamic::Parameter(n.to_string())),
            HeredocBodyPart::CommandSubstitution { .. } => b.dynamic(Dynamic::Command),
            HeredocBodyPart::ArithmeticExpansion { .. } => b.dynamic(Dynamic::Arithmetic),
            HeredocBodyPart::Parameter(_) => {
                b.dynamic(Dynamic::Parameter(parameter_name(p.span.slice(src))))
            }
        }
    }
    b.active = false;
    let (line, col) = base.at(body.span.start);
    b.finish(|| body.span.slice(src).to_string(), line, col)
}

/// A word made up (a synthetic target), quoted.
pub(super) fn plain(text: &str, line: u32, col: u32) -> Word {
    Word {
        text: text.to_string(),
        line,
        col,
        dynamic: None,
        pattern: None,
    }
}

/// Where the text of `w` starts in the source when `w` is one quoted string written verbatim
/// (`'…'`, or `"…"` with no escapes): text parsed again from it then has exact positions.
pub(super) fn verbatim_start(w: &ast::Word, src: &str) -> Option<Position> {
    let [part] = w.parts.as_slice() else {
        return None;
    };
    let inner = match &part.kind {
        WordPart::SingleQuoted {
            value,
            dollar: false,
        } if value.is_source_backed() => value.slice(src),
        WordPart::DoubleQuoted {
            parts,
            dollar: false,
        } => match parts.as_slice() {
            [ast::WordPartNode {
                kind: WordPart::Literal(t),
                span,
            }] if t.is_source_backed() && !span.slice(src).contains('\\') => span.slice(src),
            _ => return None,
        },
        WordPart::Literal(t) if t.is_source_backed() && !part.span.slice(src).contains('\\') => {
            return Some(part.span.start);
        }
        _ => return None,
    };
    let whole = w.span.slice(src);
    let quote = whole.chars().next()?;
    (whole.len() >= inner.len() + 2).then(|| w.span.start.advanced_by(&quote.to_string()))
}
