//! The commands inside compound commands (`if`, loops, `case`, groups, `time`, `coproc`) and
//! inside words: `$(…)`, `` `…` ``, `<(…)`, and the operands of `${…}`, `$((…))`, `[[ … ]]`.

use super::Walker;
use crate::shell::Context;
use shuck_ast as ast;
use shuck_ast::{
    ArithmeticExpr, ArithmeticExprNode, BourneParameterExpansion, CompoundCommand, ConditionalExpr,
    ParameterExpansionSyntax, ParameterOp, Pattern, PatternPart, WordPart, WordPartNode,
};

impl Walker<'_> {
    pub(super) fn compound(&mut self, c: &CompoundCommand) {
        match c {
            CompoundCommand::If(i) => self.within(Context::If, |w| {
                w.seq(&i.condition);
                w.seq(&i.then_branch);
                for (cond, body) in &i.elif_branches {
                    w.seq(cond);
                    w.seq(body);
                }
                if let Some(e) = &i.else_branch {
                    w.seq(e);
                }
            }),
            CompoundCommand::For(f) => {
                f.words.iter().flatten().for_each(|x| self.subst(x));
                self.within(Context::Loop, |w| {
                    for t in &f.targets {
                        if let Some(n) = &t.name {
                            w.bind_loop(n.as_ref(), f.words.as_deref(), f.span.start);
                        }
                    }
                    w.seq(&f.body)
                });
            }
            CompoundCommand::Repeat(r) => {
                self.subst(&r.count);
                self.within(Context::Loop, |w| w.seq(&r.body));
            }
            CompoundCommand::Foreach(f) => {
                f.words.iter().for_each(|x| self.subst(x));
                self.within(Context::Loop, |w| {
                    w.bind_loop(f.variable.as_ref(), Some(&f.words), f.span.start);
                    w.seq(&f.body)
                });
            }
            CompoundCommand::ArithmeticFor(f) => {
                for e in [&f.init_ast, &f.condition_ast, &f.step_ast]
                    .into_iter()
                    .flatten()
                {
                    self.arith(e);
                }
                self.within(Context::Loop, |w| w.seq(&f.body));
            }
            CompoundCommand::While(l) => self.within(Context::Loop, |w| {
                w.seq(&l.condition);
                w.seq(&l.body);
            }),
            CompoundCommand::Until(l) => self.within(Context::Loop, |w| {
                w.seq(&l.condition);
                w.seq(&l.body);
            }),
            CompoundCommand::Case(k) => {
                self.subst(&k.word);
                for item in &k.cases {
                    item.patterns.iter().for_each(|p| self.pattern(p));
                    self.within(Context::Case, |w| w.seq(&item.body));
                }
            }
            CompoundCommand::Select(s) => {
                s.words.iter().for_each(|x| self.subst(x));
                self.within(Context::Loop, |w| {
                    w.bind_loop(s.variable.as_ref(), Some(&s.words), s.span.start);
                    w.seq(&s.body)
                });
            }
            CompoundCommand::Subshell(s) => self.within(Context::Subshell, |w| w.seq(s)),
            CompoundCommand::BraceGroup(s) => self.within(Context::Group, |w| w.seq(s)),
            CompoundCommand::Arithmetic(a) => {
                if let Some(e) = &a.expr_ast {
                    self.arith(e);
                }
            }
            CompoundCommand::Time(t) => {
                if let Some(cmd) = &t.command {
                    self.prefix.push("time".into());
                    self.stmt(cmd);
                    self.prefix.clear();
                }
            }
            CompoundCommand::Conditional(k) => self.cond(&k.expression),
            CompoundCommand::Coproc(k) => {
                self.prefix.push("coproc".into());
                self.stmt(&k.body);
                self.prefix.clear();
            }
            CompoundCommand::Always(a) => {
                self.seq(&a.body);
                self.seq(&a.always_body);
            }
        }
    }

    /// The commands inside a word: `$(…)`, `` `…` ``, `<(…)`, and inside `${x:-$(…)}`.
    pub(super) fn subst(&mut self, w: &ast::Word) {
        self.subst_parts(&w.parts);
    }

    fn subst_parts(&mut self, parts: &[WordPartNode]) {
        for p in parts {
            match &p.kind {
                WordPart::DoubleQuoted { parts, .. } => self.subst_parts(parts),
                WordPart::CommandSubstitution { body, .. } => {
                    self.within(Context::CmdSubst, |w| w.seq(body))
                }
                WordPart::ProcessSubstitution { body, .. } => {
                    self.within(Context::ProcSubst, |w| w.seq(body))
                }
                WordPart::ArithmeticExpansion {
                    expression_word_ast,
                    ..
                } => self.subst(expression_word_ast),
                WordPart::Parameter(pe) => {
                    if let ParameterExpansionSyntax::Bourne(b) = &pe.syntax {
                        self.bourne(b);
                    }
                }
                WordPart::ParameterExpansion {
                    operator,
                    operand_word_ast,
                    ..
                } => {
                    self.param_op(operator);
                    if let Some(w) = operand_word_ast {
                        self.subst(w);
                    }
                }
                WordPart::IndirectExpansion {
                    operator,
                    operand_word_ast,
                    ..
                } => {
                    if let Some(o) = operator {
                        self.param_op(o);
                    }
                    if let Some(w) = operand_word_ast {
                        self.subst(w);
                    }
                }
                WordPart::Substring {
                    offset_word_ast,
                    length_word_ast,
                    ..
                }
                | WordPart::ArraySlice {
                    offset_word_ast,
                    length_word_ast,
                    ..
                } => {
                    self.subst(offset_word_ast);
                    if let Some(w) = length_word_ast {
                        self.subst(w);
                    }
                }
                _ => {}
            }
        }
    }

    fn bourne(&mut self, b: &BourneParameterExpansion) {
        if let BourneParameterExpansion::Operation { operator, .. }
        | BourneParameterExpansion::Indirect {
            operator: Some(operator),
            ..
        } = b
        {
            self.param_op(operator);
        }
        for w in [
            b.operand_word_ast(),
            b.offset_word_ast(),
            b.length_word_ast(),
        ]
        .into_iter()
        .flatten()
        {
            self.subst(w);
        }
    }

    fn param_op(&mut self, op: &ParameterOp) {
        match op {
            ParameterOp::RemovePrefixShort { pattern }
            | ParameterOp::RemovePrefixLong { pattern }
            | ParameterOp::RemoveSuffixShort { pattern }
            | ParameterOp::RemoveSuffixLong { pattern } => self.pattern(pattern),
            ParameterOp::ReplaceFirst {
                pattern,
                replacement_word_ast,
                ..
            }
            | ParameterOp::ReplaceAll {
                pattern,
                replacement_word_ast,
                ..
            } => {
                self.pattern(pattern);
                self.subst(replacement_word_ast);
            }
            _ => {}
        }
    }

    pub(super) fn pattern(&mut self, p: &Pattern) {
        for part in &p.parts {
            match &part.kind {
                PatternPart::Word(w) => self.subst(w),
                PatternPart::Group { patterns, .. } => {
                    patterns.iter().for_each(|p| self.pattern(p))
                }
                _ => {}
            }
        }
    }

    fn arith(&mut self, e: &ArithmeticExprNode) {
        match &e.kind {
            ArithmeticExpr::ShellWord(w) => self.subst(w),
            ArithmeticExpr::Indexed { index, .. } => self.arith(index),
            ArithmeticExpr::Parenthesized { expression } => self.arith(expression),
            ArithmeticExpr::Unary { expr, .. } | ArithmeticExpr::Postfix { expr, .. } => {
                self.arith(expr)
            }
            ArithmeticExpr::Binary { left, right, .. } => {
                self.arith(left);
                self.arith(right);
            }
            ArithmeticExpr::Conditional {
                condition,
                then_expr,
                else_expr,
            } => {
                self.arith(condition);
                self.arith(then_expr);
                self.arith(else_expr);
            }
            ArithmeticExpr::Assignment { target, value, .. } => {
                if let ast::ArithmeticLvalue::Indexed { index, .. } = target {
                    self.arith(index);
                }
                self.arith(value);
            }
            ArithmeticExpr::Number(_) | ArithmeticExpr::Variable(_) => {}
        }
    }

    fn cond(&mut self, e: &ConditionalExpr) {
        match e {
            ConditionalExpr::Binary(b) => {
                self.cond(&b.left);
                self.cond(&b.right);
            }
            ConditionalExpr::Unary(u) => self.cond(&u.expr),
            ConditionalExpr::Parenthesized(p) => self.cond(&p.expr),
            ConditionalExpr::Word(w) | ConditionalExpr::Regex(w) => self.subst(w),
            ConditionalExpr::Pattern(p) => self.pattern(p),
            ConditionalExpr::VarRef(_) => {}
        }
    }

    pub(super) fn heredoc_substs(&mut self, body: &ast::HeredocBody) {
        for p in &body.parts {
            if let ast::HeredocBodyPart::CommandSubstitution { body, .. } = &p.kind {
                self.within(Context::CmdSubst, |w| w.seq(body));
            }
        }
    }
}
