//! The variables shell text sets ([`crate::shell::Script::bindings`]): commands of assignments
//! only, declarations and loop variables, with the scopes they are made in.

use super::words;
use super::Walker;
use crate::shell::{BindKind, Binding, Dynamic, Word};
use shuck_ast as ast;

impl Walker<'_> {
    /// The value an assignment gives, as a word (a compound `NAME=(…)` as a dynamic one).
    pub(super) fn assigned(&self, a: &ast::Assignment) -> Word {
        match &a.value {
            ast::AssignmentValue::Scalar(w) => words::word(w, self.src, self.base),
            ast::AssignmentValue::Compound(_) => {
                let (l, c) = self.at(a.span.start);
                let mut w = words::plain(a.span.slice(self.src), l, c);
                w.dynamic = Some(Dynamic::Parameter(a.target.name.to_string()));
                w
            }
        }
    }

    /// Records that `name` is set here ([`Script::bindings`]).
    pub(super) fn bind(&mut self, name: &str, kind: BindKind, p: ast::Position) {
        let (line, col) = self.at(p);
        if self.past_limit(line) {
            return;
        }
        self.out.bindings.push(Binding {
            name: name.to_string(),
            kind,
            line,
            col,
            context: self.ctx.clone(),
            scopes: self.scopes.clone(),
        });
    }

    /// A loop's variable: it takes each of `words` in turn (the positional parameters if none).
    pub(super) fn bind_loop(&mut self, name: &str, words: Option<&[ast::Word]>, p: ast::Position) {
        let ws = words.map(|ws| {
            ws.iter()
                .map(|w| words::word(w, self.src, self.base))
                .collect()
        });
        self.bind(name, BindKind::Loop(ws), p);
    }
}
