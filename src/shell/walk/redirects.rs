//! A statement's redirections as [`Redirect`]s, and those of a compound command as a
//! [`Found`] of their own; a here-document that is never closed is reported.

use super::Walker;
use crate::shell::{words, Found, RedirOp, Redirect};
use shuck_ast as ast;
use shuck_ast::{RedirectKind, RedirectTarget, Stmt};

impl Walker<'_> {
    /// A statement's own redirections as [`Redirect`]s (the ones shuck makes up dropped).
    pub(super) fn redirects(&mut self, s: &Stmt) -> Vec<Redirect> {
        let mut unclosed = Vec::new();
        let out = s
            .redirects
            .iter()
            .filter(|r| {
                r.span.start.line() > 0 && r.word_target().is_none_or(|w| w.span.start.line() > 0)
            })
            .map(|r| {
                let (line, col) = self.at(r.span.start);
                let op = match r.kind {
                    RedirectKind::Output => RedirOp::Write,
                    RedirectKind::Clobber => RedirOp::Clobber,
                    RedirectKind::Append => RedirOp::Append,
                    RedirectKind::Input => RedirOp::Read,
                    RedirectKind::ReadWrite => RedirOp::ReadWrite,
                    RedirectKind::HereDoc | RedirectKind::HereDocStrip => RedirOp::Heredoc,
                    RedirectKind::HereString => RedirOp::HereString,
                    RedirectKind::DupOutput => RedirOp::DupOut,
                    RedirectKind::DupInput => RedirOp::DupIn,
                    RedirectKind::OutputBoth => RedirOp::WriteBoth,
                };
                let target = match &r.target {
                    RedirectTarget::Word(w) => words::word(w, self.src, self.base),
                    RedirectTarget::Heredoc(h) => words::heredoc(&h.body, self.src, self.base),
                };
                if let RedirectTarget::Heredoc(h) = &r.target {
                    if !heredoc_closed(h, self.src) {
                        unclosed.push((r.span.start, h.delimiter.cooked.to_string()));
                    }
                }
                Redirect {
                    op,
                    fd: r.fd,
                    target,
                    line,
                    col,
                }
            })
            .collect();
        for (p, d) in unclosed {
            self.error(
                p,
                format!("here-document not closed by `{d}`: it runs to the end of the text"),
            );
        }
        out
    }

    /// The redirections of a compound command (or a declaration): a `Found` with no words.
    pub(super) fn redirects_only(&mut self, s: &Stmt) {
        let redirects = self.redirects(s);
        for r in s.redirects.iter() {
            match &r.target {
                RedirectTarget::Word(w) => self.subst(w),
                RedirectTarget::Heredoc(h) => self.heredoc_substs(&h.body),
            }
        }
        let Some(first) = redirects.first() else {
            return;
        };
        let (line, col) = (first.line, first.col);
        let f = Found {
            words: Vec::new(),
            assignments: Vec::new(),
            redirects,
            line,
            col,
            context: self.ctx.clone(),
            negated: self.negated > 0,
            peeled: Vec::new(),
            unseen: None,
            scopes: self.scopes.clone(),
        };
        self.emit(f);
    }
}

/// Whether the line after a here-document's body is its delimiter.
fn heredoc_closed(h: &ast::Heredoc, src: &str) -> bool {
    let rest = src.get(h.body.span.end.offset()..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    let line = if h.delimiter.strip_tabs {
        line.trim_start_matches('\t')
    } else {
        line
    };
    line == h.delimiter.cooked.as_str()
}
