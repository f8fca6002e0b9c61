//! The front end on every construct the issue lists, in the shape [`show`] prints: `line:col`,
//! the words (a dynamic word as `<as written>`, a word the shell will still expand as
//! `pattern~`), the redirections, the contexts, what was peeled and what is unseen.
//! Test code only (declared `#[cfg(test)]` beside its module; said again here for readers
//! and linters): its `unwrap()`/`expect()` are test assertions.
#![cfg(test)]

use super::*;

pub(super) fn show(f: &Found) -> String {
    let mut s = format!("{}:{}", f.line, f.col);
    if f.negated {
        s.push_str(" !");
    }
    for (k, v) in &f.assignments {
        s.push_str(&format!(" {k}={}", show_word(v)));
    }
    for w in &f.words {
        s.push(' ');
        s.push_str(&show_word(w));
    }
    for r in &f.redirects {
        let fd = r.fd.map(|d| d.to_string()).unwrap_or_default();
        s.push_str(&format!(" {:?}{fd}({})", r.op, show_word(&r.target)));
    }
    for c in &f.context {
        s.push_str(&match c {
            Context::Function(n) => format!(" [fn {n}]"),
            Context::Heredoc(r) => format!(" [heredoc {}]", r.words.join(" ")),
            Context::Piped(r) => format!(" [piped {}]", r.words.join(" ")),
            c => format!(" [{c:?}]"),
        });
    }
    if !f.peeled.is_empty() {
        s.push_str(&format!(" peeled={}", f.peeled.join(",")));
    }
    if let Some(u) = &f.unseen {
        s.push_str(&format!(" unseen: {u}"));
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

fn cmds(text: &str) -> Vec<String> {
    let s = commands(text);
    assert!(s.errors.is_empty(), "{text:?}: {:?}", s.errors);
    s.commands.iter().map(show).collect()
}

fn errors(text: &str) -> Vec<String> {
    commands(text)
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn the_issue_lines() {
    assert_eq!(
        cmds("echo hi && ls"),
        ["1:1 echo hi [AndOr]", "1:12 ls [AndOr]"]
    );
    assert_eq!(cmds("kill -TERM $$"), ["1:1 kill -TERM <$$>"]);
    assert_eq!(cmds("rm -rf /[a-z]*"), ["1:1 rm -rf /[a-z]*~"]);
    assert_eq!(cmds("rm -rf /{usr,etc}"), ["1:1 rm -rf /{usr,etc}~"]);
    assert_eq!(cmds("rm -rf ~"), ["1:1 rm -rf ~~"]);
    assert_eq!(cmds("rm -rf /usr/*"), ["1:1 rm -rf /usr/*~"]);
    assert_eq!(cmds("wipefs -a /dev/v*"), ["1:1 wipefs -a /dev/v*~"]);
    assert_eq!(
        cmds("eval rm -rf /usr"),
        ["1:1 eval rm -rf /usr", "1:6 rm -rf /usr [Eval]"]
    );
    assert_eq!(
        cmds("builtin exec rm -rf /usr"),
        ["1:1 rm -rf /usr peeled=builtin,exec"]
    );
    assert_eq!(cmds("! rm -rf /"), ["1:3 ! rm -rf /"]);
    assert_eq!(cmds("cat img > /dev/vda"), ["1:1 cat img Write(/dev/vda)"]);
    assert_eq!(
        cmds("echo b > /proc/sysrq-trigger"),
        ["1:1 echo b Write(/proc/sysrq-trigger)"]
    );
}

#[test]
fn text_is_not_code() {
    assert_eq!(cmds("echo \"rm -rf /\""), ["1:1 echo rm -rf /"]);
    assert_eq!(cmds("grep 'rm -rf' Makefile"), ["1:1 grep rm -rf Makefile"]);
    assert_eq!(
        cmds("printf '%s\\n' 'rm -rf /'"),
        ["1:1 printf %s\\n rm -rf /"]
    );
    assert_eq!(cmds("command -v rm"), ["1:1 command -v rm"]);
    assert_eq!(cmds("command -V rm"), ["1:1 command -V rm"]);
    assert_eq!(cmds("# rm -rf /\nls # rm -rf /"), ["2:1 ls"]);
    assert_eq!(
        cmds("cat > f <<'EOF'\nrm -rf /\nEOF\n"),
        ["1:1 cat Write(f) Heredoc(rm -rf /\n)"]
    );
    assert_eq!(
        cmds("tee /etc/x <<EOF\nrm -rf /\nEOF"),
        ["1:1 tee /etc/x Heredoc(rm -rf /\n)"]
    );
    assert_eq!(cmds("X=1"), Vec::<String>::new());
}

#[test]
fn quote_removal_and_positions() {
    assert_eq!(
        cmds("rm  -rf 'a b' \"c d\" e\\ f $'g\\th' \"x\\\"y\\$z\\q\" ab\"cd\"'ef'"),
        ["1:1 rm -rf a b c d e f g\th x\"y$z\\q abcdef"]
    );
    let s = commands("x\n  dd if=/a \\\n     of=/dev/sda");
    let dd = &s.commands[1];
    let at: Vec<(u32, u32)> = dd.words.iter().map(|w| (w.line, w.col)).collect();
    assert_eq!(at, [(2, 3), (2, 6), (3, 6)]);
    // quoted glob characters are not patterns; a quoted part keeps its quotes in the pattern
    assert_eq!(cmds("ls '*' \"/u\"* a\\?"), ["1:1 ls * \\/\\u*~ a?"]);
    assert_eq!(
        commands("ls \"/u\"*").commands[0].words[1]
            .pattern
            .as_deref(),
        Some("\\/\\u*")
    );
    // a word with a braced part and a quoted part touching it is one word
    assert_eq!(
        cmds("x {a,b}'c' {a,'b,c'}"),
        ["1:1 x {a,b}\\c~ {a,\\b\\,\\c}~"]
    );
}

#[test]
fn dynamic_words_say_why() {
    let s = commands("rm -rf \"$DIR\"/x ${Y:-/} $(pwd) `pwd` $((1+2)) <(ls) ${#a} $1");
    let why: Vec<Option<Dynamic>> = s.commands[0]
        .words
        .iter()
        .map(|w| w.dynamic.clone())
        .collect();
    assert_eq!(
        why[2..],
        [
            Some(Dynamic::Parameter("DIR".into())),
            Some(Dynamic::Parameter("Y".into())),
            Some(Dynamic::Command),
            Some(Dynamic::Command),
            Some(Dynamic::Arithmetic),
            Some(Dynamic::Process),
            Some(Dynamic::Parameter("a".into())),
            Some(Dynamic::Parameter("1".into())),
        ]
    );
    assert_eq!(s.commands[0].words[2].text, "\"$DIR\"/x");
    assert_eq!(
        cmds("$CMD -rf /"),
        ["1:1 <$CMD> -rf / unseen: the command name is known only at run time"]
    );
}

#[test]
fn lists_pipelines_subshells_groups() {
    assert_eq!(
        cmds("a | b |& c; d || e && f & g"),
        [
            "1:1 a [Pipeline]",
            "1:5 b [Pipeline]",
            "1:10 c [Pipeline]",
            "1:13 d [Background] [AndOr]",
            "1:18 e [Background] [AndOr]",
            "1:23 f [Background] [AndOr]",
            "1:27 g",
        ]
    );
    assert_eq!(
        cmds("(cd /; rm -rf x)"),
        ["1:2 cd / [Subshell]", "1:8 rm -rf x [Subshell]"]
    );
    assert_eq!(
        cmds("{ rm a; } > /dev/sda"),
        ["1:3 rm a [Group]", "1:11 Write(/dev/sda)"]
    );
    assert_eq!(
        cmds("! a | b"),
        ["1:3 ! a [Pipeline]", "1:7 ! b [Pipeline]"]
    );
    let long = vec!["true"; 900].join(" && ");
    assert_eq!(commands(&long).commands.len(), 900);
}

#[test]
fn substitutions_run_wherever_they_are() {
    assert_eq!(
        cmds("echo \"$(rm -rf /a)\" `rm -rf /b` ${x:-$(rm -rf /c)} $(( $(rm /d) + 1 ))"),
        [
            "1:1 echo <\"$(rm -rf /a)\"> <`rm -rf /b`> <${x:-$(rm -rf /c)}> <$(( $(rm /d) + 1 ))>",
            "1:9 rm -rf /a [CmdSubst]",
            "1:22 rm -rf /b [CmdSubst]",
            "1:40 rm -rf /c [CmdSubst]",
            "1:58 rm /d [CmdSubst]",
        ]
    );
    assert_eq!(
        cmds("diff <(rm a) >(rm b) f"),
        [
            "1:1 diff <<(rm a)> <>(rm b)> f",
            "1:8 rm a [ProcSubst]",
            "1:16 rm b [ProcSubst]"
        ]
    );
    assert_eq!(
        cmds("X=$(rm a) Y=b env"),
        ["1:1 X=<$(rm a)> Y=b env", "1:5 rm a [CmdSubst]"]
    );
    assert_eq!(cmds("local x=$(rm a)"), ["1:11 rm a [CmdSubst]"]);
    assert_eq!(
        cmds("[[ -f $(rm a) ]] && (( $(rm b) ))"),
        [
            "1:9 rm a [AndOr] [CmdSubst]",
            "1:26 rm b [AndOr] [CmdSubst]"
        ]
    );
    assert_eq!(
        cmds("cat > f <<EOF\n$(rm -rf /z)\nEOF"),
        [
            "1:1 cat Write(f) Heredoc(<$(rm -rf /z)\n>)",
            "2:3 rm -rf /z [CmdSubst]"
        ]
    );
    assert_eq!(cmds("case $(rm a) in b) ;; esac"), ["1:8 rm a [CmdSubst]"]);
}

#[test]
fn functions_loops_if_case() {
    assert_eq!(
        cmds("f() { rm -rf \"$1\"; }\nfunction g { dd of=/dev/sda; }"),
        [
            "1:7 rm -rf <\"$1\"> [fn f] [Group]",
            "2:14 dd of=/dev/sda [fn g] [Group]"
        ]
    );
    assert_eq!(
        cmds("for i in $(ls); do rm $i; done; while read l; do :; done < f; until x; do y; done"),
        [
            "1:12 ls [CmdSubst]",
            "1:20 rm <$i> [Loop]",
            "1:39 read l [Loop]",
            "1:50 : [Loop]",
            "1:58 Read(f)",
            "1:69 x [Loop]",
            "1:75 y [Loop]",
        ]
    );
    assert_eq!(
        cmds("if a; then b; elif c; then d; else e; fi"),
        [
            "1:4 a [If]",
            "1:12 b [If]",
            "1:20 c [If]",
            "1:28 d [If]",
            "1:36 e [If]"
        ]
    );
    assert_eq!(
        cmds("case $x in a|b) rm a;; *) rm b;; esac"),
        ["1:17 rm a [Case]", "1:27 rm b [Case]"]
    );
    assert_eq!(
        cmds("select x in a b; do rm $x; done"),
        ["1:21 rm <$x> [Loop]"]
    );
    assert_eq!(
        cmds("for ((i=0; i<3; i++)); do rm $i; done"),
        ["1:27 rm <$i> [Loop]"]
    );
}

#[test]
fn shell_prefixes_are_peeled() {
    assert_eq!(cmds("builtin rm x"), ["1:1 rm x peeled=builtin"]);
    assert_eq!(cmds("exec -a name rm x"), ["1:1 rm x peeled=exec"]);
    assert_eq!(cmds("exec -cl -- rm x"), ["1:1 rm x peeled=exec"]);
    assert_eq!(cmds("command -p rm x"), ["1:1 rm x peeled=command"]);
    assert_eq!(
        cmds("command exec builtin rm x"),
        ["1:1 rm x peeled=command,exec,builtin"]
    );
    assert_eq!(cmds("coproc rm -rf /x"), ["1:8 rm -rf /x peeled=coproc"]);
    assert_eq!(
        cmds("coproc NAME { rm -rf /x; }"),
        ["1:15 rm -rf /x peeled=coproc [Group]"]
            .map(|s| s.replace(" peeled=coproc [Group]", " [Group] peeled=coproc"))
    );
    assert_eq!(cmds("time rm x"), ["1:6 rm x peeled=time"]);
    assert_eq!(cmds("time -p rm x"), ["1:9 rm x peeled=time"]);
    assert_eq!(
        cmds("builtin eval 'rm -rf /'"),
        ["1:1 eval rm -rf / peeled=builtin", "1:15 rm -rf / [Eval]"]
    );
    assert_eq!(
        cmds("exec > /dev/sda 3<>/dev/vda"),
        ["1:1 Write(/dev/sda) ReadWrite3(/dev/vda) peeled=exec"]
    );
}

#[test]
fn eval_is_read_again() {
    assert_eq!(
        cmds("eval 'rm -rf /usr; dd of=/dev/sda'"),
        [
            "1:1 eval rm -rf /usr; dd of=/dev/sda",
            "1:7 rm -rf /usr [Eval]",
            "1:20 dd of=/dev/sda [Eval]"
        ]
    );
    assert_eq!(
        cmds("eval \"rm -rf \\\"/a b\\\"\""),
        ["1:1 eval rm -rf \"/a b\"", "1:6 rm -rf /a b [Eval]"]
    );
    assert_eq!(
        cmds("eval \"$x\""),
        ["1:1 eval <\"$x\"> unseen: eval of text known only at run time"]
    );
    assert_eq!(
        cmds("eval eval rm x"),
        [
            "1:1 eval eval rm x",
            "1:6 eval rm x [Eval]",
            "1:11 rm x [Eval] [Eval]"
        ]
    );
    let mut s = "rm -rf /deep".to_string();
    for _ in 0..12 {
        s = format!("eval '{}'", s.replace('\'', "'\\''"));
    }
    let got = commands(&s);
    assert!(
        got.commands.iter().all(|f| f.program() == Some("eval")),
        "{:?}",
        got.commands
    );
    assert!(
        got.errors[0].message.contains("nests more than"),
        "{:?}",
        got.errors
    );
}

#[test]
fn heredocs_and_herestrings_fed_to_a_shell_are_code() {
    assert_eq!(
        cmds("bash <<EOF\nrm -rf /srv\nEOF\ncat <<'X' | sh\n  dd of=/dev/sda\nX"),
        [
            "1:1 bash Heredoc(rm -rf /srv\n)",
            "2:1 rm -rf /srv [heredoc bash]",
            "4:1 cat Heredoc(  dd of=/dev/sda\n) [Pipeline]",
            "4:13 sh [Pipeline]",
            "5:3 dd of=/dev/sda [Pipeline] [heredoc sh]",
        ]
    );
    assert_eq!(
        cmds("sudo -i <<E\nreboot\nE")[1],
        "2:1 reboot [heredoc sudo -i]"
    );
    assert_eq!(
        cmds("sudo -u root bash -s <<E\nreboot\nE")[1],
        "2:1 reboot [heredoc sudo -u root bash -s]"
    );
    assert_eq!(
        cmds("bash -x <<-E\n\treboot\n\tE")[1],
        "2:2 reboot [heredoc bash -x]"
    );
    assert_eq!(cmds("bash script.sh <<E\nreboot\nE").len(), 1);
    assert_eq!(cmds("bash -c 'x' <<E\nreboot\nE").len(), 1);
    assert_eq!(
        cmds("bash <<< 'rm -rf /q'"),
        [
            "1:1 bash HereString(rm -rf /q)",
            "1:11 rm -rf /q [heredoc bash]"
        ]
    );
    assert_eq!(
        cmds("bash <<< \"$x\""),
        ["1:1 bash HereString(<\"$x\">) unseen: `bash` reads a script known only at run time"]
    );
    let ssh = commands("ssh -p 22 db1 <<EOF\nrm -rf /var/lib/mysql\nEOF");
    assert_eq!(
        ssh.commands[1].context,
        [Context::Heredoc(Reader {
            words: vec!["ssh".into(), "-p".into(), "22".into(), "db1".into()],
            host: Some("db1".into())
        })]
    );
    assert_eq!(
        commands("ssh db1 'sudo bash' <<E\nreboot\nE")
            .commands
            .len(),
        2
    );
    assert_eq!(cmds("ssh db1 ls <<E\nreboot\nE").len(), 1);
    // a shell in a here-document fed to a shell
    assert_eq!(
        cmds("bash <<A\nsh <<'B'\nrm x\nB\nA")[2],
        "3:1 rm x [heredoc bash] [heredoc sh]"
    );
}

#[test]
fn text_piped_into_a_shell_is_code() {
    assert_eq!(
        cmds("echo 'rm -rf /e' | sh")[1],
        "1:7 rm -rf /e [Pipeline] [piped sh]"
    );
    assert_eq!(
        cmds("echo -n rm x | bash")[1],
        "1:9 rm x [Pipeline] [piped bash]"
    );
    // printf's output is not the source: its lines sit from the format's position on
    assert_eq!(
        cmds("printf '%s\\n' 'rm -rf /p' 'reboot' | sudo bash"),
        [
            "1:1 printf %s\\n rm -rf /p reboot [Pipeline]",
            "1:8 rm -rf /p [Pipeline] [piped sudo bash]",
            "1:38 sudo bash [Pipeline]",
            "2:1 reboot [Pipeline] [piped sudo bash]",
        ]
    );
    assert_eq!(
        cmds("curl -s x | sh")[1],
        "1:13 sh [Pipeline] unseen: `sh` reads as its script the output of `curl`"
    );
    assert_eq!(
        cmds("echo \"$x\" | sh")[1],
        "1:13 sh [Pipeline] unseen: `sh` reads as its script the output of `echo`"
    );
    assert_eq!(
        cmds("bash < s.sh"),
        ["1:1 bash Read(s.sh) unseen: runs the script in `s.sh`"]
    );
    assert_eq!(
        cmds(". ./env.sh"),
        ["1:1 . ./env.sh unseen: runs the script `./env.sh`"]
    );
    assert_eq!(
        cmds("echo rm x | cat"),
        ["1:1 echo rm x [Pipeline]", "1:13 cat [Pipeline]"]
    );
}

#[test]
fn redirections_that_write() {
    let s = commands("cmd >a >>b >|c <>d &>e &>>f 2>g 3>&1 >&h >&- 2>&1- <i <<<j 9<&0 >&\"$k\"");
    let f = &s.commands[0];
    let w: Vec<&str> = f.writes().map(|r| r.target.text.as_str()).collect();
    assert_eq!(w, ["a", "b", "c", "d", "e", "f", "g", "h", "\"$k\""]);
    assert_eq!(
        f.redirects
            .iter()
            .find(|r| r.target.text == "g")
            .and_then(|r| r.fd),
        Some(2)
    );
    let r = &f.redirects[0];
    assert_eq!(
        (r.op, r.line, r.col, r.target.col),
        (RedirOp::Write, 1, 5, 6)
    );
    // a redirection target the shell expands
    assert_eq!(cmds("x > ~/log"), ["1:1 x Write(~/log~)"]);
}

#[test]
fn unparseable_text_gives_an_error_and_the_rest_is_still_read() {
    let s = commands("echo ok\necho \"unterminated\nrm -rf /x\n");
    assert_eq!(
        s.commands.iter().map(show).collect::<Vec<_>>(),
        ["1:1 echo ok", "3:1 rm -rf /x"]
    );
    assert_eq!(
        errors("echo ok\necho \"unterminated\nrm -rf /x\n"),
        ["line 2 column 6: syntax error: unterminated double quote"]
    );
    let s = commands("rm -rf /opt/a\nfor x in 1; do\ndone done\nmkfs.xfs /dev/sdd\n");
    assert_eq!(
        s.commands.iter().map(show).collect::<Vec<_>>(),
        ["1:1 rm -rf /opt/a", "4:1 mkfs.xfs /dev/sdd"]
    );
    assert_eq!(s.errors.len(), 1);
    let s = commands("cat <<EOF\nno end\n");
    assert_eq!(s.commands.len(), 1);
    assert!(!s.errors.is_empty());
    let s = commands("a 'x\nb\n'y 'z\nc");
    assert!(!s.errors.is_empty());
    assert_eq!(
        commands("if then fi\nreboot")
            .commands
            .last()
            .map(show)
            .as_deref(),
        Some("2:1 reboot")
    );
    // many errors: a bounded number of re-reads
    let junk = "fi\n".repeat(200);
    let s = commands(&junk);
    assert!(
        s.errors.iter().any(|e| e.message.contains("parse errors")),
        "{:?}",
        s.errors.last()
    );
}

#[test]
fn deep_nesting_fails_closed_without_overflowing_the_stack() {
    let cases = [
        format!("{}rm{}", "(".repeat(5000), ")".repeat(5000)),
        format!("echo {}rm -rf /{}", "$(".repeat(3000), ")".repeat(3000)),
        format!("{}rm{}", "{ ".repeat(3000), "; }".repeat(3000)),
        format!("{}rm x{}", "if a; then ".repeat(2000), "; fi".repeat(2000)),
        format!("x {}{}", "${a:-".repeat(3000), "}".repeat(3000)),
        "a | ".repeat(5000) + "b",
        "a && ".repeat(5000) + "b",
    ];
    let t = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            cases
                .iter()
                .map(|c| {
                    let s = commands(c);
                    // an error, or (`${a:-${a:-…}}`, kept as text by shuck past its depth) a
                    // word that is dynamic anyway
                    !s.errors.is_empty()
                        || s.commands
                            .iter()
                            .any(|f| f.words.iter().any(|w| w.dynamic.is_some()))
                })
                .collect::<Vec<_>>()
        })
        .expect("thread");
    let closed = t.join().expect("no stack overflow");
    assert_eq!(closed, [true; 7]);
}

#[test]
fn a_nesting_budget_error_keeps_the_rest_of_the_text() {
    let text = format!(
        "ls a\nls b\n{}rm{}\nrm x\nrm y",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let t = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || commands(&text))
        .expect("thread");
    let s = t.join().expect("no stack overflow");
    assert_eq!(
        s.commands.iter().map(show).collect::<Vec<_>>(),
        ["1:1 ls a", "2:1 ls b", "4:1 rm x", "5:1 rm y"]
    );
    assert_eq!(s.errors.len(), 1);
    assert_eq!((s.errors[0].line, s.errors[0].col), (3, 1));
    assert!(s.errors[0].message.contains("nesting too deep"));
}

#[test]
fn never_panics_on_garbage() {
    let alphabet: Vec<char> = "ab $(){}[]'\"`\\|&;<>*?~#!=\n\t-{,}..0é".chars().collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..2000 {
        let len = (seed % 40) as usize;
        let s: String = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        let script = commands(&s);
        for f in &script.commands {
            let _ = expand::argv(&f.words, &expand::RealFs);
        }
    }
}

#[test]
fn found_helpers() {
    let s = commands("FOO=1 sudo rm x; $X y; > f");
    assert_eq!(s.commands[0].program(), Some("sudo"));
    assert_eq!(s.commands[0].assignments[0].0, "FOO");
    assert_eq!(s.commands[1].program(), None);
    assert_eq!(s.commands[2].program(), None);
    assert!(commands("(a)").commands[0].within(&Context::Subshell));
    assert!(commands("f() { a; }").commands[0].within(&Context::Function(String::new())));
}
