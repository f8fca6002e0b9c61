use super::*;

/// One line per command: `line:col words…` with dynamic words as `<text>`, glob patterns as
/// `pattern~`, then redirections and contexts.
pub(super) fn show(f: &Found) -> String {
    let mut s = format!("{}:{}", f.line, f.col);
    if f.negated {
        s.push_str(" !");
    }
    for w in &f.words {
        s.push(' ');
        s.push_str(&show_word(w));
    }
    for r in &f.redirects {
        s.push_str(&format!(" {:?}{}({})", r.op, r.fd.map(|d| d.to_string()).unwrap_or_default(), show_word(&r.target)));
    }
    if !f.context.is_empty() {
        s.push_str(&format!(" {:?}", f.context));
    }
    if !f.peeled.is_empty() {
        s.push_str(&format!(" peeled={:?}", f.peeled));
    }
    if let Some(u) = &f.unseen {
        s.push_str(&format!(" unseen={u:?}"));
    }
    s
}

fn show_word(w: &Word) -> String {
    match (&w.dynamic, &w.pattern) {
        (Some(_), _) => format!("<{}>", w.text),
        (None, Some(p)) => format!("{p}~"),
        (None, None) => w.text.clone(),
    }
}

#[test]
fn zz_dump() {
    let t = std::env::var("SHELL_DUMP").unwrap_or_default();
    let s = commands(&t);
    for f in &s.commands {
        println!("{}", show(f));
    }
    for e in &s.errors {
        println!("ERR {e}");
    }
}

#[test]
fn zz_parts() {
    let t = std::env::var("SHELL_DUMP").unwrap_or_default();
    let r = shuck_parser::parser::Parser::new(&t).parse();
    for st in r.file.body.iter() {
        if let shuck_ast::Command::Simple(c) = &st.command {
            for a in &c.args {
                let kinds: Vec<String> = a.parts.iter().map(|p| format!("{:?}={:?}", std::mem::discriminant(&p.kind), p.span.slice(&t))).collect();
                println!("{:?} {:?}", a.span.slice(&t), kinds);
            }
        }
    }
}
