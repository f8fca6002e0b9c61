//! What a directory holds, counted without descending: whether a directory a command empties
//! has anything in it. `kubeadm reset` deletes what is in `/var/lib/etcd`: on a control plane
//! with a stacked etcd that is the cluster's whole state (its `member/` directory), on a worker
//! it is empty or missing. One `read_dir` of the path itself, stopped at [`CAP`] entries; never a
//! walk (the tree facts do that, bounded by their own budget).

use super::{answer, FactDef, Facts, PathSubject, Probe, ProbeFn, ProbeResult, Scope};
use serde_json::Value;

/// Counting stops here: the number is then a floor ("at least this many").
pub const CAP: usize = 10_000;

fn probe(f: &Facts, s: &PathSubject) -> ProbeResult {
    let abs = super::path::resolve(f, s);
    let entries = match std::fs::read_dir(&abs) {
        Ok(rd) => {
            let mut n = 0usize;
            for e in rd {
                e.map_err(|e| format!("cannot list `{}`: {e}", abs.display()))?;
                n += 1;
                if n >= CAP {
                    break;
                }
            }
            Value::from(n)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
        Err(e) if e.raw_os_error() == Some(nix::libc::ENOTDIR) => Value::Null,
        Err(e) => return Err(format!("cannot list `{}`: {e}", abs.display())),
    };
    Ok(answer([("dir.entries", entries)]))
}

static DIR: Probe = Probe {
    id: "dir_entries",
    run: ProbeFn::Path(probe),
    pure: false,
};

pub(crate) static FACTS: &[FactDef] = &[FactDef {
    name: "dir.entries",
    scope: Scope::Path,
    probe: &DIR,
    ty: "number",
    doc: "## What it tells\nHow many entries a directory holds directly (not counting below them), up to 10,000 (then 10,000: at least that many). A directory a command empties that holds something is data going: `kubeadm reset` deleting `/var/lib/etcd` with etcd's `member/` in it takes the cluster's state stored on this node.\n## How it is found\nOne `read_dir` of the path (symlinks resolved as the command would), stopped at 10,000 entries; nothing below it is read.\n## When it is unknown\n`null` when the path does not exist or is not a directory; a fact error when the directory cannot be listed (no permission, an I/O error).\n## Example\n`/var/lib/etcd` of a control-plane node → `1` (`member`).",
}];

#[cfg(test)]
mod tests {
    use crate::command::parse;
    use crate::facts::{Facts, Role};
    use std::path::PathBuf;

    #[test]
    fn counts_what_is_directly_inside() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(d.path().join("etcd/member/snap")).expect("mkdir");
        std::fs::create_dir(d.path().join("empty")).expect("mkdir");
        std::fs::write(d.path().join("file"), b"x").expect("write");
        let argv: Vec<String> = ["rm", "-r", "etcd", "empty", "file", "missing"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let op = parse(&argv);
        let f = Facts::live(&op, d.path().to_path_buf(), PathBuf::from("/"));
        let got: Vec<serde_json::Value> = f
            .subjects(Role::Target)
            .iter()
            .map(|s| f.get("target.dir.entries", Some(s)).expect("answers"))
            .collect();
        assert_eq!(
            got,
            [
                1.into(),
                0.into(),
                serde_json::Value::Null,
                serde_json::Value::Null
            ]
        );
    }
}
