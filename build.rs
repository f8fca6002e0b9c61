//! Converts the embedded default policy from YAML to JSON at build time: the binary then reads
//! it with serde_json (about ten times faster than a YAML parse), which keeps the decision path
//! of a guarded command close to the cost of the raw command. A unit test checks that both
//! readings give the same policy.

use std::path::PathBuf;

/// Writes one generated file into cargo's OUT_DIR (a build error naming it if that fails).
fn write_out(name: &str, text: impl AsRef<[u8]>) {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(name);
    if let Err(e) = std::fs::write(&out, text) {
        panic!("write {}: {e}", out.display());
    }
}

/// Every `id:` line of the policy text: (id, 1-based line).
fn lines_of_ids(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
        if let Some(rest) = t.strip_prefix("id:") {
            let id = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            out.push((id.to_string(), n + 1));
        }
    }
    out
}

fn main() {
    println!("cargo:rerun-if-changed=policies/default.yaml");
    let text = std::fs::read_to_string("policies/default.yaml")
        .expect("policies/default.yaml is readable");
    let mut value: serde_json::Value = match yaml_serde::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("policies/default.yaml: {e}"),
    };
    // Inline examples are checked by the test suite, and `why` (the long explanation) is shown
    // only by `explain`, which reads the YAML: the run-time copy leaves both out.
    if let Some(rules) = value["rules"].as_array_mut() {
        for r in rules {
            if let Some(m) = r.as_object_mut() {
                m.remove("examples");
                m.remove("why");
            }
        }
    }
    // Each rule's JSON on its own, so `run` parses only the rules whose `match:` selects the
    // command, without first reading the whole policy.
    let mut one_by_one = String::from("&[\n");
    for r in value["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let json = serde_json::to_string(r).expect("JSON");
        one_by_one.push_str(&format!("    {json:?},\n"));
    }
    one_by_one.push_str("]\n");
    write_out("default_rules.rs", one_by_one);
    // The protected paths of `settings.protected` as a static table, so `run` has them without
    // reading anything: (path as written, the verdicts it names, where it stands). One entry per
    // line, as the file writes them; the line of each is found in the text.
    let mut plines = Vec::new();
    let mut inside: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        match inside {
            None if t == "protected:" => inside = Some(indent),
            Some(_) if t.is_empty() || t.starts_with('#') => {}
            Some(i) if indent > i && t.starts_with("- ") => plines.push(n + 1),
            Some(i) if indent > i => {}
            Some(_) => inside = None,
            None => {}
        }
    }
    let entries = value["settings"]["protected"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if entries.len() != plines.len() {
        panic!(
            "policies/default.yaml: {} protected entries on {} lines: write one entry per line",
            entries.len(),
            plines.len()
        );
    }
    let mut table = String::from("&[\n");
    for (e, line) in entries.iter().zip(&plines) {
        let (path, v) = match e {
            serde_json::Value::String(p) => (p.clone(), serde_json::Value::Null),
            m => (
                m["path"].as_str().unwrap_or_default().to_string(),
                m.clone(),
            ),
        };
        let kinds: Vec<String> = ["tree", "delete", "overwrite", "permissions"]
            .iter()
            .map(|k| match v[*k].as_str() {
                Some(s) => format!("Some({s:?})"),
                None => "None".to_string(),
            })
            .collect();
        table.push_str(&format!(
            "    ({path:?}, [{}], {:?}),\n",
            kinds.join(", "),
            format!("<embedded default policy>:{line}")
        ));
    }
    table.push_str("]\n");
    write_out("default_protected.rs", table);
    // Where each rule's `id:` stands, for "rule defined at" without scanning the text at run time.
    let mut lines = String::from("&[\n");
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
        if let Some(rest) = t.strip_prefix("id:") {
            let id = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            let col = line.len() - line.trim_start().len() + 1;
            lines.push_str(&format!("    ({id:?}, {}, {col}),\n", n + 1));
        }
    }
    lines.push_str("]\n");
    write_out("default_rule_lines.rs", lines);
    // The same line for each rule in the order of `default_rules.rs` (each id's first unused
    // `id:` line, as the positions of a policy read from YAML are given out), so `run` names a
    // rule's origin without building the table of every rule's position.
    let ids_at = lines_of_ids(&text);
    let mut taken = vec![false; ids_at.len()];
    let mut at = String::from("&[\n");
    for r in value["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let id = r["id"].as_str().unwrap_or_default();
        let line = ids_at
            .iter()
            .enumerate()
            .find(|(i, (rid, _))| !taken[*i] && rid == id)
            .map(|(i, (_, line))| {
                taken[i] = true;
                *line
            })
            .unwrap_or(0);
        at.push_str(&format!("    {line},\n"));
    }
    at.push_str("]\n");
    write_out("default_rule_at.rs", at);
    // The BLAKE3 of the embedded default as written, for the audit records' list of policy files.
    write_out(
        "default_policy_blake3.txt",
        blake3::hash(text.as_bytes()).to_hex().as_str(),
    );
    write_out(
        "default_policy.json",
        serde_json::to_string(&value).expect("JSON"),
    );

    // The `match:` of every rule, so a command no embedded rule can match skips the policy load.
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    // Each rule's id and whether it is final, so a policy layer that disables a rule or makes an
    // exception to it can be checked without reading rules that do not match the command.
    let mut ids = String::from("&[\n");
    for rule in value["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        ids.push_str(&format!(
            "    ({:?}, {}),\n",
            rule["id"].as_str().unwrap_or_default(),
            rule["final"].as_bool().unwrap_or(false)
        ));
    }
    ids.push_str("]\n");
    write_out("default_rule_ids.rs", ids);
    // Rules that read what the shell makes of a script's words (`target.shell.*`): only
    // `preflight` has those words; `run` and `check` get them already expanded, so there the
    // rules are silent and are not read at all.
    let mut only = String::from("&[\n");
    for rule in value["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let when = serde_json::to_string(&rule["when"]).unwrap_or_default();
        let reads = when.contains("\"target.shell.") || when.contains("\"source.shell.");
        only.push_str(&format!("    {reads},\n"));
    }
    only.push_str("]\n");
    write_out("default_preflight_only.rs", only);

    let mut rs = String::from("&[\n");
    for rule in value["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let m = &rule["match"];
        rs.push_str(&format!(
            "    ({:?}, {:?}, {:?}, {:?}, {:?}),\n",
            list(&m["operation"]),
            list(&m["tool"]),
            list(&m["flags"]),
            list(&m["not_flags"]),
            m["tree"].as_bool()
        ));
    }
    rs.push_str("]\n");
    let rs = rs.replace("[\"", "&[\"").replace("[]", "&[]");
    write_out("default_matches.rs", rs);
}
