//! The walk over shuck's tree: every simple command becomes a [`Found`], with the constructs it
//! sits in; text that the shell reads again (eval, here-documents fed to a shell) is queued and
//! parsed after the walk, from the top of the stack, so nesting never stacks parsers.

use super::words::{self, Base};
use super::{
    peel, BindKind, Context, Found, Reader, RedirOp, Script, ShellError, Word, MAX_NESTING,
    MAX_RECOVERIES,
};
use shuck_ast as ast;
use shuck_ast::{BinaryOp, Command, RedirectKind, RedirectTarget, Stmt, StmtSeq, StmtTerminator};
use shuck_parser::parser::{ParseStatus, Parser};

mod binds;
mod inner;
mod redirects;
use std::collections::VecDeque;

/// How deep the walk may go into compound commands (shuck stops at 100 already).
const MAX_WALK_DEPTH: usize = 256;

/// Text to read again as shell.
struct Nested {
    text: String,
    base: Base,
    context: Vec<Context>,
    negated: bool,
    depth: usize,
    scopes: Vec<u32>,
}

pub(super) fn script(text: &str) -> Script {
    let mut out = Script::default();
    let mut queue = VecDeque::new();
    let mut scope_ids = 0;
    parse(
        &mut out,
        &mut queue,
        &mut scope_ids,
        Nested {
            text: text.to_string(),
            base: Base::TOP,
            context: Vec::new(),
            negated: false,
            depth: 0,
            scopes: Vec::new(),
        },
    );
    while let Some(n) = queue.pop_front() {
        parse(&mut out, &mut queue, &mut scope_ids, n);
    }
    out.commands.sort_by_key(|f| (f.line, f.col));
    out.bindings.sort_by_key(|b| (b.line, b.col));
    out.errors.sort_by_key(|e| (e.line, e.col));
    out.errors.dedup();
    out
}

/// Parses one text, and after a fatal error the rest of it from the line after the error.
fn parse(out: &mut Script, queue: &mut VecDeque<Nested>, scope_ids: &mut u32, n: Nested) {
    if n.depth > MAX_NESTING {
        out.errors.push(ShellError {
            line: n.base.line,
            col: n.base.col,
            message: format!(
                "text read again as shell nests more than {MAX_NESTING} levels: not read"
            ),
        });
        return;
    }
    let mut rest: &str = &n.text;
    let mut base = n.base;
    for _ in 0..MAX_RECOVERIES {
        let r = Parser::new(rest).parse();
        let placeless = match &r.terminal_error {
            Some(shuck_parser::Error::Parse {
                message, line: 0, ..
            }) => Some(message.as_str()),
            _ => None,
        };
        for d in &r.diagnostics {
            // shuck repeats a budget error as a diagnostic at the start: it is reported once
            if placeless == Some(d.message.as_str()) {
                continue;
            }
            let (line, col) = base.at(d.span.start);
            out.errors.push(ShellError {
                line,
                col,
                message: d.message.clone(),
            });
        }
        // After a fatal error at a place: the commands up to its line are kept, and reading
        // goes on from the next line. An error without a place (a nesting or fuel budget) does
        // not stop shuck: everything it read is kept, and the error is put on the first line no
        // statement covers.
        let fatal = match &r.terminal_error {
            Some(shuck_parser::Error::Parse {
                message,
                line,
                column,
            }) => Some((message.clone(), *line, *column)),
            None if r.status == ParseStatus::Fatal => {
                Some(("the shell text could not be read".to_string(), 0, 0))
            }
            None => None,
        };
        let mut cut = None;
        if let Some((message, line, column)) = fatal {
            let at = if line > 0 {
                cut = Some(line);
                ast::Position::at(line, column.max(1), 0)
            } else {
                // shuck's diagnostic of the same error has its place, when there is one
                r.diagnostics
                    .iter()
                    .find(|d| d.message == message && d.span.start.line() > 0)
                    .map(|d| d.span.start)
                    .unwrap_or_else(|| ast::Position::at(uncovered_line(rest, &r.file.body), 1, 0))
            };
            let (line, col) = base.at(at);
            out.errors.push(ShellError { line, col, message });
        }
        let limit = cut.map(|keep| base.at(ast::Position::at(keep, 1, 0)).0);
        let mut w = Walker {
            src: rest,
            base,
            out,
            queue,
            ctx: n.context.clone(),
            scopes: n.scopes.clone(),
            scope_ids: &mut *scope_ids,
            negated: usize::from(n.negated),
            depth: n.depth,
            walk_depth: 0,
            limit,
            feeds: None,
            unseen_next: None,
            prefix: Vec::new(),
        };
        w.seq(&r.file.body);
        let Some(line) = cut else {
            return;
        };
        let Some(next) = nth_line_start(rest, line) else {
            return;
        };
        base = base_of_line(base, line + 1);
        rest = &rest[next..];
        if rest.trim().is_empty() {
            return;
        }
    }
    out.errors.push(ShellError {
        line: base.line,
        col: base.col,
        message: format!("more than {MAX_RECOVERIES} parse errors: the rest is not read"),
    });
}

/// The first line with something on it that no top-level statement covers (1 if none).
fn uncovered_line(text: &str, body: &StmtSeq) -> usize {
    let covered = |n: usize| {
        body.stmts
            .iter()
            .any(|s| s.span.start.line() <= n && n <= s.span.end.line())
    };
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_start()))
        .find(|(n, l)| !l.is_empty() && !l.starts_with('#') && !covered(*n))
        .map_or(1, |(n, _)| n)
}

/// Byte offset of the start of line `line + 1` (1-based `line`).
fn nth_line_start(s: &str, line: usize) -> Option<usize> {
    s.match_indices('\n')
        .nth(line.checked_sub(1)?)
        .map(|(i, _)| i + 1)
}

fn base_of_line(base: Base, line: usize) -> Base {
    let (line, col) = base.at(ast::Position::at(line, 1, 0));
    Base { line, col }
}

struct Walker<'a> {
    src: &'a str,
    base: Base,
    out: &'a mut Script,
    queue: &'a mut VecDeque<Nested>,
    ctx: Vec<Context>,
    /// The scope numbers of `ctx` ([`Found::scopes`]), and the last number given out.
    scopes: Vec<u32>,
    scope_ids: &'a mut u32,
    /// How many enclosing statements are under `!`.
    negated: usize,
    /// How many times the text being walked was read again from inside text.
    depth: usize,
    walk_depth: usize,
    /// After a fatal error: commands past this line (outer text) are left to the re-read.
    limit: Option<u32>,
    /// Set by a pipeline for the stage whose output a shell reads as its script.
    feeds: Option<Reader>,
    /// Set by a pipeline for a shell stage whose script safeop cannot see.
    unseen_next: Option<String>,
    /// `time`, `coproc` around the next simple command.
    prefix: Vec<String>,
}

impl Walker<'_> {
    fn at(&self, p: ast::Position) -> (u32, u32) {
        self.base.at(p)
    }

    fn past_limit(&self, line: u32) -> bool {
        self.limit.is_some_and(|l| line > l)
    }

    fn emit(&mut self, f: Found) {
        if !self.past_limit(f.line) {
            self.out.commands.push(f);
        }
    }

    fn error(&mut self, p: ast::Position, message: String) {
        let (line, col) = self.at(p);
        self.out.errors.push(ShellError { line, col, message });
    }

    /// Queues `text` (which starts at `p` here) to be read as shell inside `extra`.
    fn again(&mut self, text: String, p: ast::Position, extra: Context) {
        let (line, col) = self.at(p);
        if self.past_limit(line) {
            return;
        }
        let mut context = self.ctx.clone();
        context.push(extra);
        let mut scopes = self.scopes.clone();
        scopes.push(self.new_scope());
        self.queue.push_back(Nested {
            text,
            base: Base { line, col },
            context,
            negated: self.negated > 0,
            depth: self.depth + 1,
            scopes,
        });
    }

    fn new_scope(&mut self) -> u32 {
        *self.scope_ids = self.scope_ids.saturating_add(1);
        *self.scope_ids
    }

    fn enter(&mut self, c: Context) {
        self.ctx.push(c);
        let id = self.new_scope();
        self.scopes.push(id);
    }

    fn leave(&mut self) {
        self.ctx.pop();
        self.scopes.pop();
    }

    fn within<T>(&mut self, c: Context, f: impl FnOnce(&mut Self) -> T) -> T {
        self.enter(c);
        let r = f(self);
        self.leave();
        r
    }

    fn seq(&mut self, s: &StmtSeq) {
        for st in &s.stmts {
            self.stmt(st);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        if self.walk_depth >= MAX_WALK_DEPTH {
            self.error(s.span.start, "commands nest too deeply: not read".into());
            return;
        }
        self.walk_depth += 1;
        let bg = matches!(s.terminator, Some(StmtTerminator::Background(_)));
        if bg {
            self.enter(Context::Background);
        }
        if s.negated {
            self.negated += 1;
        }
        match &s.command {
            Command::Simple(c) => self.simple(c, s),
            Command::Builtin(b) => {
                let (code, extra, assigns) = match b {
                    ast::BuiltinCommand::Break(c) => (&c.depth, &c.extra_args, &c.assignments),
                    ast::BuiltinCommand::Continue(c) => (&c.depth, &c.extra_args, &c.assignments),
                    ast::BuiltinCommand::Return(c) => (&c.code, &c.extra_args, &c.assignments),
                    ast::BuiltinCommand::Exit(c) => (&c.code, &c.extra_args, &c.assignments),
                };
                code.iter().chain(extra).for_each(|w| self.subst(w));
                assigns.iter().for_each(|a| self.assignment(a));
                self.redirects_only(s);
            }
            Command::Decl(d) => {
                d.assignments.iter().for_each(|a| self.assignment(a));
                for o in &d.operands {
                    match o {
                        ast::DeclOperand::Flag(w) | ast::DeclOperand::Dynamic(w) => self.subst(w),
                        ast::DeclOperand::Assignment(a) => {
                            self.assignment(a);
                            let value = self.assigned(a);
                            self.bind(
                                a.target.name.as_ref(),
                                BindKind::Assign(value),
                                a.span.start,
                            );
                        }
                        ast::DeclOperand::Name(_) => {}
                    }
                }
                self.redirects_only(s);
            }
            Command::Binary(b) => self.binary(b),
            Command::Compound(c) => {
                self.redirects_only(s);
                self.compound(c);
            }
            Command::Function(f) => {
                let name = f
                    .header
                    .static_names()
                    .next()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                self.within(Context::Function(name), |w| w.stmt(&f.body));
            }
            Command::AnonymousFunction(f) => {
                f.args.iter().for_each(|a| self.subst(a));
                self.within(Context::Function(String::new()), |w| w.stmt(&f.body));
            }
        }
        if s.negated {
            self.negated -= 1;
        }
        if bg {
            self.leave();
        }
        self.walk_depth -= 1;
    }

    /// `a && b || c`, `a | b |& c`: the chain flattened without recursing down its left side.
    fn binary(&mut self, b: &ast::BinaryCommand) {
        let pipe = |op: BinaryOp| matches!(op, BinaryOp::Pipe | BinaryOp::PipeAll);
        let class = pipe(b.op);
        let mut stages: Vec<&Stmt> = vec![&b.right];
        let mut left: &Stmt = &b.left;
        loop {
            match &left.command {
                Command::Binary(l)
                    if pipe(l.op) == class
                        && !left.negated
                        && left.redirects.is_empty()
                        && left.terminator.is_none() =>
                {
                    stages.push(&l.right);
                    left = &l.left;
                }
                _ => {
                    stages.push(left);
                    break;
                }
            }
        }
        stages.reverse();
        if !class {
            for st in stages {
                self.within(Context::AndOr, |w| w.stmt(st));
            }
            return;
        }
        // Which stages read their input as a script, and whether safeop sees that input.
        let readers: Vec<Option<Reader>> = stages.iter().map(|st| self.reader_of(st)).collect();
        for (i, st) in stages.iter().enumerate() {
            if let Some(Some(r)) = readers.get(i + 1) {
                if visible_feed(st, self.src) {
                    self.feeds = Some(r.clone());
                }
            }
            if let (Some(r), Some(prev)) = (&readers[i], i.checked_sub(1).map(|p| stages[p])) {
                if !visible_feed(prev, self.src) {
                    self.unseen_next = Some(format!(
                        "`{}` reads as its script the output of {}",
                        r.words.join(" "),
                        describe(prev, self.src)
                    ));
                }
            }
            self.within(Context::Pipeline, |w| w.stmt(st));
            self.feeds = None;
            self.unseen_next = None;
        }
    }

    /// The reader of a pipeline stage that reads its stdin as a script (and has no `<` of its own).
    fn reader_of(&self, st: &Stmt) -> Option<Reader> {
        let Command::Simple(c) = &st.command else {
            return None;
        };
        if st.redirects.iter().any(reads_stdin) {
            return None;
        }
        let mut ws = self.command_words(c);
        peel::builtins(&mut ws, &mut Vec::new());
        peel::stdin_reader(&ws)
    }

    fn command_words(&self, c: &ast::SimpleCommand) -> Vec<Word> {
        command_words(c, self.src, self.base)
    }

    fn simple(&mut self, c: &ast::SimpleCommand, s: &Stmt) {
        let feeds = self.feeds.take();
        let mut unseen = self.unseen_next.take();
        let mut peeled = std::mem::take(&mut self.prefix);
        let mut ws = self.command_words(c);
        self.subst(&c.name);
        c.args.iter().for_each(|a| self.subst(a));
        let assignments: Vec<(String, Word)> = c
            .assignments
            .iter()
            .map(|a| {
                self.assignment(a);
                (a.target.name.to_string(), self.assigned(a))
            })
            .collect();
        let redirects = self.redirects(s);
        peel::builtins(&mut ws, &mut peeled);
        let own = peel::stdin_reader(&ws);
        let reader = own.clone().or(feeds);
        // Here-documents and here-strings: a script when a shell reads them, data otherwise
        // (whose command substitutions still run).
        let mut fed = false;
        for r in s.redirects.iter() {
            match (&r.target, &reader) {
                (RedirectTarget::Heredoc(h), Some(rd)) => {
                    fed = true;
                    let text = h.body.span.slice(self.src).to_string();
                    self.again(text, h.body.span.start, Context::Heredoc(rd.clone()));
                }
                (RedirectTarget::Heredoc(h), None) => self.heredoc_substs(&h.body),
                (RedirectTarget::Word(w), Some(rd)) if r.kind == RedirectKind::HereString => {
                    fed = true;
                    self.subst(w);
                    let word = words::word(w, self.src, self.base);
                    if word.dynamic.is_some() {
                        unseen.get_or_insert_with(|| {
                            format!(
                                "`{}` reads a script known only at run time",
                                rd.words.join(" ")
                            )
                        });
                    } else {
                        let at = words::verbatim_start(w, self.src).unwrap_or(w.span.start);
                        self.again(word.text, at, Context::Heredoc(rd.clone()));
                    }
                }
                (RedirectTarget::Word(w), _) => self.subst(w),
            }
        }
        if let (Some(rd), None, false) = (&reader, &own, fed) {
            self.echoed(&ws, c, rd);
        }
        if own.is_some() && !fed {
            if let Some(r) = redirects
                .iter()
                .find(|r| r.op == RedirOp::Read && r.fd.is_none_or(|f| f == 0))
            {
                unseen = Some(format!("runs the script in `{}`", r.target.text));
            }
        }
        if let Some(first) = ws.first() {
            match first.literal() {
                None if first.dynamic.is_some() => {
                    unseen.get_or_insert_with(|| {
                        "the command name is known only at run time".to_string()
                    });
                }
                Some("eval") => self.eval(&ws, c, &mut unseen),
                Some("source" | ".") => {
                    let f = ws.get(1).map(|w| w.text.as_str()).unwrap_or("");
                    unseen.get_or_insert_with(|| format!("runs the script `{f}`"));
                }
                _ => {}
            }
        }
        if ws.is_empty() {
            // `DIR=/srv` alone sets DIR in this shell (with a command it is its environment).
            for (a, (name, value)) in c.assignments.iter().zip(&assignments) {
                self.bind(name, BindKind::Assign(value.clone()), a.span.start);
            }
        }
        if ws.is_empty() && redirects.is_empty() {
            return;
        }
        let (line, col) = self.at(c.span.start);
        let f = Found {
            words: ws,
            assignments,
            redirects,
            line,
            col,
            context: self.ctx.clone(),
            negated: self.negated > 0,
            peeled,
            unseen,
            scopes: self.scopes.clone(),
        };
        self.emit(f);
    }

    /// `eval WORDS`: static words are joined and read again.
    fn eval(&mut self, ws: &[Word], c: &ast::SimpleCommand, unseen: &mut Option<String>) {
        let args = &ws[1..];
        if args.is_empty() {
            return;
        }
        if args.iter().any(|w| w.dynamic.is_some()) {
            unseen.get_or_insert_with(|| "eval of text known only at run time".to_string());
            return;
        }
        let text = args
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // Only `eval` itself is peeled from the command's words, so the AST's first argument
        // after the name is the first of `args` unless builtin/command came first.
        let first = c.args.iter().find(|a| {
            let (l, col) = self.at(a.span.start);
            (l, col) == (args[0].line, args[0].col)
        });
        let at = match (args.len(), first) {
            (1, Some(a)) => words::verbatim_start(a, self.src).unwrap_or(a.span.start),
            (_, Some(a)) => a.span.start,
            _ => c.span.start,
        };
        self.again(text, at, Context::Eval);
    }

    /// `echo …`/`printf …` piped into a shell: their output is its script.
    fn echoed(&mut self, ws: &[Word], c: &ast::SimpleCommand, rd: &Reader) {
        let Some(text) = peel::printed(ws) else {
            return;
        };
        // Exact positions when one argument is printed as written (`echo 'rm -rf /x' | sh`).
        let printed: Vec<&ast::Word> = c
            .args
            .iter()
            .filter(|a| !a.span.slice(self.src).starts_with('-'))
            .collect();
        let at = match printed.as_slice() {
            [a] if ws.first().and_then(Word::literal) == Some("echo") => {
                words::verbatim_start(a, self.src).unwrap_or(a.span.start)
            }
            _ => printed
                .first()
                .map(|a| a.span.start)
                .unwrap_or(c.span.start),
        };
        self.again(text, at, Context::Piped(rd.clone()));
    }

    fn assignment(&mut self, a: &ast::Assignment) {
        match &a.value {
            ast::AssignmentValue::Scalar(w) => self.subst(w),
            ast::AssignmentValue::Compound(arr) => {
                for e in &arr.elements {
                    self.subst(e.value());
                }
            }
        }
    }
}

fn reads_stdin(r: &ast::Redirect) -> bool {
    matches!(
        r.kind,
        RedirectKind::Input
            | RedirectKind::ReadWrite
            | RedirectKind::HereDoc
            | RedirectKind::HereDocStrip
            | RedirectKind::HereString
            | RedirectKind::DupInput
    ) && r.fd.is_none_or(|f| f == 0)
}

/// Whether safeop can read what stage `st` writes into a pipe: a here-document or here-string
/// (passed through `cat` and the like), or `echo`/`printf` of static words.
fn visible_feed(st: &Stmt, src: &str) -> bool {
    let Command::Simple(c) = &st.command else {
        return false;
    };
    if st.redirects.iter().any(|r| {
        matches!(
            r.kind,
            RedirectKind::HereDoc | RedirectKind::HereDocStrip | RedirectKind::HereString
        )
    }) {
        return true;
    }
    let mut ws = command_words(c, src, Base::TOP);
    peel::builtins(&mut ws, &mut Vec::new());
    peel::printed(&ws).is_some()
}

/// A pipeline stage for a message: `curl` (its program) or "a compound command".
fn describe(st: &Stmt, src: &str) -> String {
    match &st.command {
        Command::Simple(c) => format!("`{}`", words::raw(&c.name, src)),
        _ => "a compound command".to_string(),
    }
}

/// A command's words (name first), with words that touch in the source joined.
fn command_words(c: &ast::SimpleCommand, src: &str, base: Base) -> Vec<Word> {
    let mut all: Vec<&ast::Word> = Vec::with_capacity(c.args.len() + 1);
    if c.name.span.start.offset() < c.name.span.end.offset() {
        all.push(&c.name);
    }
    all.extend(c.args.iter());
    words::touching(&all)
        .into_iter()
        .map(|g| words::group(g, src, base))
        .collect()
}
