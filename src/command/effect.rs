//! What a command does to the machine, one [`Effect`] at a time.
//!
//! An [`Operation`] keeps a main `kind` and its `targets` (what scripts reading `check --format
//! json` already rely on); its `effects` list says everything the command does: `rsync -a
//! --delete S/ D/` creates into `D/` *and* deletes below it, `mv A B` takes `A` away *and* writes
//! `B` (or `B/A`), `tar -c --remove-files P` reads and deletes `P`, `cp -a img /dev/vda` writes
//! `/dev/vda`. Rules match effects (`match: { operation: delete }` is "an effect that deletes"),
//! and their `target.*` facts are asked of each matching effect's path.
//!
//! Pure like the parsers: where the real path depends on the machine (`cp x DIR/` writes `DIR/x`
//! when `DIR` is a directory; the members of an archive that already exist are written over), an
//! effect says so in its [`Lands`] and `facts::effects` resolves it against the machine.

use super::{Kind, Operation};
use serde::Serialize;
use std::collections::BTreeSet;

/// One thing a command does to one path (or to the whole machine: `path` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// What it does. Named as in policies, with two names of its own: a restore *creates into*
    /// its path (`create`), a move takes its path *away* (`move-away`).
    #[serde(serialize_with = "kind_name")]
    pub kind: Kind,
    /// The path it acts on, as written (encoded: `text::bytes`), re-rooted under a `chroot`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// It reaches the whole tree below `path` (`rm -r`, `mv DIR`, a restore into `DIR`).
    pub tree: bool,
    /// What qualifies it, in the names `match: { flags: … }` tests: an effect that carries out
    /// the command's main kind has the command's flags; one that comes with it has its own
    /// (`rsync --delete`'s delete: `delete`; `tar --remove-files`' delete: `remove_files`).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub flags: BTreeSet<String>,
    /// Where the written path depends on the machine, the rule `facts::effects` resolves.
    #[serde(skip_serializing_if = "Lands::is_here")]
    pub lands: Lands,
    /// Why the effect is there, when it was found on the machine (`DIR is a directory: cp
    /// writes DIR/x`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

/// How the path an effect really writes is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Lands {
    /// At `path` itself.
    #[default]
    Here,
    /// A copy or move of `names` (the sources, as written) to `path`: when `path` is a directory
    /// (and `into` is not `Some(false)`, cp/mv `-T`), each lands at `path/NAME` (its last
    /// component; an empty name, rsync's `src/`, lands its content in `path` itself); otherwise
    /// `path` itself is written. What already exists there is written over in place
    /// (`in_place`: cp, `rsync --inplace`) or replaced by a new file (mv, rsync).
    Copy {
        names: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        into: Option<bool>,
        in_place: bool,
    },
    /// Archive members or snapshot nodes extracted below `path`: those that already exist are
    /// written over in place (`tar --overwrite`) or unlinked and replaced (tar's default, restic,
    /// borg).
    Members { in_place: bool },
}

/// The flags an effect gains when `facts::effects` resolves where it lands (beside the command's
/// own): `in_place` for a copy that writes over what is there, `replaced` for a move or copy
/// that unlinks it and puts a new file in its place. `match: { flags: … }` may name them.
pub const LANDING_FLAGS: [&str; 2] = ["in_place", "replaced"];

impl Lands {
    pub fn is_here(&self) -> bool {
        *self == Lands::Here
    }
}

fn kind_name<S: serde::Serializer>(k: &Kind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(effect_name(*k))
}

/// The name of an effect kind: a policy's kind name, except `create` for a restore and
/// `move-away` for a move.
pub fn effect_name(k: Kind) -> &'static str {
    match k {
        Kind::Restore => "create",
        Kind::Move => "move-away",
        k => k.name(),
    }
}

impl Effect {
    pub fn new(kind: Kind, path: Option<&str>) -> Effect {
        Effect {
            kind,
            path: path.map(str::to_string),
            tree: false,
            flags: BTreeSet::new(),
            lands: Lands::Here,
            because: None,
        }
    }

    fn tree(mut self, tree: bool) -> Effect {
        self.tree = tree;
        self
    }

    pub(crate) fn flags(mut self, flags: &BTreeSet<String>) -> Effect {
        self.flags = flags.clone();
        self
    }

    fn flag(mut self, f: &str) -> Effect {
        self.flags.insert(f.to_string());
        self
    }

    fn lands(mut self, l: Lands) -> Effect {
        self.lands = l;
        self
    }

    /// Whether the effect may turn out to be of `kind` once the machine is asked: a copy onto a
    /// path that is a file or a device writes it (an overwrite), and a move or a replacing copy
    /// onto one unlinks what was there (a delete).
    pub fn could_be(&self, kind: Kind) -> bool {
        self.kind == kind
            || (!self.lands.is_here() && matches!(kind, Kind::Overwrite | Kind::Delete))
    }
}

/// Every effect of a parsed operation (its nested `parts` have their own).
pub fn derive(op: &Operation) -> Vec<Effect> {
    let mut out = Vec::new();
    let flags = &op.flags;
    let each = |list: &[String], kind: Kind, tree: bool, out: &mut Vec<Effect>| {
        for p in list {
            out.push(Effect::new(kind, Some(p)).tree(tree).flags(flags));
        }
    };
    // A dry run (`rsync -n`, `mkfs -n`) and a listing only read what they name.
    if op.has("dry_run") || op.has("list_only") {
        for p in op.targets.iter().chain(&op.sources) {
            out.push(Effect::new(Kind::Read, Some(p)).flags(flags));
        }
        if op.has("runs_code") {
            out.push(Effect::new(Kind::RunCode, None).flag("runs_code"));
        }
        return out;
    }
    match op.kind {
        Kind::Unknown => return out,
        Kind::Opaque => out.push(Effect::new(Kind::Opaque, None).flags(flags)),
        Kind::Reboot => out.push(Effect::new(Kind::Reboot, None).flags(flags)),
        Kind::Read | Kind::RunCode => {}
        // find's `-delete` of what its tests pick (`filtered`) reaches into the tree too.
        // kubeadm reset empties whole directories (`node_reset`).
        Kind::Delete => {
            let tree = op.has("recursive") || op.has("filtered") || op.has("node_reset");
            each(&op.targets, Kind::Delete, tree, &mut out)
        }
        Kind::Permissions => each(
            &op.targets,
            Kind::Permissions,
            op.has("recursive"),
            &mut out,
        ),
        Kind::Move => {
            each(&op.sources, Kind::Move, true, &mut out);
            for t in &op.targets {
                out.push(Effect::new(Kind::Restore, Some(t)).flags(flags).lands(copy(
                    op,
                    &op.sources,
                    false,
                )));
            }
        }
        Kind::Restore => {
            let lands = match op.tool.as_str() {
                "cp" => copy(op, &op.sources, !op.has("remove_destination")),
                "rsync" => {
                    let names: Vec<String> = op
                        .sources
                        .iter()
                        .map(|s| {
                            if s.ends_with('/') || s.ends_with("/.") {
                                String::new()
                            } else {
                                s.clone()
                            }
                        })
                        .collect();
                    let in_place = op.has("inplace") || op.has("write_devices");
                    copy(op, &names, in_place)
                }
                _ => Lands::Members {
                    in_place: op.has("overwrite"),
                },
            };
            for t in &op.targets {
                out.push(
                    Effect::new(Kind::Restore, Some(t))
                        .tree(true)
                        .flags(flags)
                        .lands(lands.clone()),
                );
            }
        }
        Kind::Overwrite if op.tool == "cp" => {
            for t in &op.targets {
                out.push(
                    Effect::new(Kind::Overwrite, Some(t))
                        .flags(flags)
                        .lands(copy(op, &op.sources, !op.has("remove_destination"))),
                );
            }
        }
        k => each(&op.targets, k, false, &mut out),
    }
    if op.kind != Kind::Move {
        for s in &op.sources {
            out.push(Effect::new(Kind::Read, Some(s)));
        }
    }
    // What comes with the main kind.
    let dry = op.has("dry_run") || op.has("list_only");
    let deletes_extraneous = match op.tool.as_str() {
        "rsync" => op.has("delete") && !op.has("remote_destination"),
        "restic" => op.kind == Kind::Restore && op.has("delete"),
        _ => false,
    };
    if deletes_extraneous && !dry {
        for t in &op.targets {
            out.push(Effect::new(Kind::Delete, Some(t)).tree(true).flag("delete"));
        }
    }
    for (flag, tree) in [("remove_files", true), ("remove_source_files", true)] {
        if op.has(flag) && !dry && matches!(op.tool.as_str(), "tar" | "rsync") {
            for s in &op.sources {
                out.push(Effect::new(Kind::Delete, Some(s)).tree(tree).flag(flag));
            }
        }
    }
    if op.has("runs_code") {
        out.push(Effect::new(Kind::RunCode, None).flag("runs_code"));
    }
    // What it destroys has no path here (a container engine's volumes by prune, an etcd
    // member): one effect of its kind with no path, carrying the command's flags.
    if op.has("pathless") && op.targets.is_empty() && !dry {
        out.push(Effect::new(op.kind, None).tree(true).flags(flags));
    }
    // What the command also does to the paths safeop cannot see (`xargs rm`: deletes what it
    // reads): an effect of its kind with no path, carrying the command's flags.
    if op.has("unseen_arguments") {
        out.push(Effect::new(op.kind, None).flags(flags));
    }
    out
}

/// A copy or move of `names` onto the operation's destination: into it when `-t` or several
/// sources say it must be a directory, onto it with `-T`, else as the machine says.
fn copy(op: &Operation, names: &[String], in_place: bool) -> Lands {
    let into = if op.has("no_target_directory") {
        Some(false)
    } else if op.has("target_is_directory") {
        Some(true)
    } else {
        None
    };
    Lands::Copy {
        names: names.to_vec(),
        into,
        in_place,
    }
}

/// Fills in the effects of an operation and of the operations nested in it.
pub fn fill(op: &mut Operation) {
    op.effects = derive(op);
    for p in &mut op.parts {
        fill(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::parse_str;

    fn shown(line: &str) -> Vec<String> {
        parse_str(line)
            .effects
            .iter()
            .map(|e| {
                format!(
                    "{} {}{}",
                    effect_name(e.kind),
                    e.path.as_deref().unwrap_or("-"),
                    if e.tree { " (tree)" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn each_command_says_everything_it_does() {
        let cases: &[(&str, &[&str])] = &[
            (
                "rsync -a --delete empty/ /",
                &["create / (tree)", "read empty/", "delete / (tree)"],
            ),
            (
                "restic -r /srv/repo restore latest --target / --delete",
                &["create / (tree)", "read /srv/repo", "delete / (tree)"],
            ),
            (
                "mv /usr /usr.old",
                &["move-away /usr (tree)", "create /usr.old"],
            ),
            (
                "mv -t /tmp /etc /usr",
                &[
                    "move-away /etc (tree)",
                    "move-away /usr (tree)",
                    "create /tmp",
                ],
            ),
            (
                "tar -cf x.tar --remove-files /etc",
                &["overwrite x.tar", "read /etc", "delete /etc (tree)"],
            ),
            (
                "rsync -a --remove-source-files /etc/ d/",
                &["create d/ (tree)", "read /etc/", "delete /etc/ (tree)"],
            ),
            (
                "cp -a img /dev/vda",
                &["create /dev/vda (tree)", "read img"],
            ),
            ("cp img /dev/vda", &["overwrite /dev/vda", "read img"]),
            ("rm -rf images/", &["delete images/ (tree)"]),
            ("rm -f a b", &["delete a", "delete b"]),
            ("dd if=a of=/dev/sdb", &["overwrite /dev/sdb", "read a"]),
            ("mkfs.ext4 -n /dev/loop0", &["read /dev/loop0"]),
            ("reboot", &["reboot -"]),
            ("ls -l", &[]),
            (
                "tar -x --to-command=sh -f a.tar",
                &["read a.tar", "run-code -"],
            ),
            ("rsync -an --delete empty/ /", &["read /", "read empty/"]),
        ];
        for (line, want) in cases {
            assert_eq!(shown(line), *want, "{line}");
        }
    }

    #[test]
    fn a_copy_says_where_it_lands() {
        let op = parse_str("cp -a img vm.qcow2 images/");
        let Lands::Copy {
            names,
            into,
            in_place,
        } = &op.effects[0].lands
        else {
            panic!("{:?}", op.effects[0]);
        };
        assert_eq!(names, &["img", "vm.qcow2"]);
        assert_eq!(
            *into,
            Some(true),
            "two sources: the destination is a directory"
        );
        assert!(*in_place, "cp writes over what is there");
        let op = parse_str("mv -T a b");
        let Lands::Copy { into, in_place, .. } = &op.effects[1].lands else {
            panic!("{:?}", op.effects[1]);
        };
        assert_eq!((*into, *in_place), (Some(false), false));
        let op = parse_str("tar -xf a.tar -C images --overwrite");
        assert_eq!(op.effects[0].lands, Lands::Members { in_place: true });
        let op = parse_str("rsync -a src/ one dst/");
        let Lands::Copy { names, .. } = &op.effects[0].lands else {
            panic!("{:?}", op.effects[0]);
        };
        assert_eq!(names, &["", "one"], "src/ lands its content in dst/ itself");
    }

    #[test]
    fn effects_serialize_with_their_own_names() {
        let op = parse_str("mv a b");
        let v = serde_json::to_value(&op.effects).expect("serializes");
        assert_eq!(v[0]["kind"], "move-away");
        assert_eq!(v[1]["kind"], "create");
        assert_eq!(v[1]["lands"]["rule"], "copy");
        assert_eq!(v[0]["tree"], true);
    }
}
