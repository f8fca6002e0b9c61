//! `kubeadm reset` argv → Operation (kubeadm 1.27–1.33: cobra and pflag, global flags anywhere,
//! no prefixes, `--flag=false`).
//!
//! `kubeadm reset` is "a best effort revert of changes made to this host by `kubeadm init` or
//! `kubeadm join`", in three phases (kubeadm's reference, "kubeadm reset"):
//! - `preflight` checks;
//! - `remove-etcd-member`: on a control-plane node with a local (stacked) etcd, removes this
//!   node's member from the etcd cluster and queues its data directory (`/var/lib/etcd`, unless
//!   the etcd manifest says otherwise) for deletion;
//! - `cleanup-node`: stops the kubelet, removes the containers, unmounts what is mounted below
//!   `/var/lib/kubelet` and deletes what is in `/etc/kubernetes/manifests`, `/var/lib/kubelet`,
//!   `/var/run/kubernetes`, the certificate directory (`--cert-dir`, default
//!   `/etc/kubernetes/pki`), the queued etcd data directory, `/etc/kubernetes/tmp` with
//!   `--cleanup-tmp-dir`, and the kubeconfig files `admin.conf`, `super-admin.conf`,
//!   `kubelet.conf`, `bootstrap-kubelet.conf`, `controller-manager.conf`, `scheduler.conf` in
//!   `/etc/kubernetes`.
//!
//! So: [`Kind::Delete`] of each of those paths, each reaching its whole tree (flag `node_reset`,
//! which is also what tells the effects that they are trees: kubeadm empties the directories, it
//! is not an `rm` that a `recursive` flag would describe). `--skip-phases
//! remove-etcd-member` keeps `/var/lib/etcd`; `--skip-phases cleanup-node` deletes no file (only
//! the etcd member goes: flag `pathless`, an effect with no path). `kubeadm reset phase NAME`
//! runs that phase alone (`cleanup-node` alone deletes no etcd data: the etcd phase queues it).
//! `--rootfs PATH` makes kubeadm chroot there first: the paths are re-rooted under it.
//! `--config FILE` may set the certificate directory, the phases to skip and a dry run:
//! safeop does not read it (flag `unseen_arguments`). `--dry-run` only prints what it would do
//! ([`Operation::dry_run`]). `-f`/`--force` skips kubeadm's own y/N question → flag `force`.
//! Other `kubeadm` commands are not judged ([`Kind::Unknown`]); `-h`/`--help`, `version` only
//! print.

use super::options::PFLAG;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "v",
    short_flag: "fh",
    long_arg: &[
        "cert-dir",
        "config",
        "cri-socket",
        "ignore-preflight-errors",
        "kubeconfig",
        "skip-phases",
        "rootfs",
        "v",
    ],
    long_flag: &["cleanup-tmp-dir", "dry-run", "force", "help", "version"],
    pairs: &[('f', "force"), ('h', "help"), ('v', "v")],
    ..PFLAG
};

/// The kubeconfig files `cleanup-node` deletes from `/etc/kubernetes`.
const KUBECONFIGS: &[&str] = &[
    "admin.conf",
    "super-admin.conf",
    "kubelet.conf",
    "bootstrap-kubelet.conf",
    "controller-manager.conf",
    "scheduler.conf",
];

/// Where a stacked etcd keeps its data unless its manifest says otherwise.
pub const ETCD_DATA_DIR: &str = "/var/lib/etcd";

const PHASES: &[&str] = &["preflight", "remove-etcd-member", "cleanup-node"];

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("kubeadm: {e}")),
    };
    let mut words = Vec::new();
    let mut cert_dir = "/etc/kubernetes/pki".to_string();
    let mut skip: Vec<String> = Vec::new();
    let mut rootfs: Option<String> = None;
    let (mut tmp, mut dry, mut help, mut config) = (false, false, false, false);
    for a in parsed {
        match a {
            Arg::Operand(w) => words.push(w),
            Arg::Opt(n, v) => {
                let v = v.unwrap_or_default();
                match n.as_str() {
                    // kubeadm has no `--version` (cobra refuses it): either way nothing is written.
                    "help" | "version" => help = true,
                    "cert-dir" => cert_dir = v,
                    "cleanup-tmp-dir" => tmp = true,
                    "no-cleanup-tmp-dir" => tmp = false,
                    "dry-run" => dry = true,
                    "no-dry-run" => dry = false,
                    "force" => op.flag("force"),
                    "skip-phases" => skip.extend(v.split(',').map(|p| p.trim().to_string())),
                    "rootfs" => rootfs = Some(v),
                    "config" => config = true,
                    _ => {}
                }
            }
        }
    }
    if help || words.first().is_none_or(|w| w == "version" || w == "help") {
        return op.prints_only();
    }
    if words.first().map(String::as_str) != Some("reset") {
        return;
    }
    op.opt("subcommand", "reset");
    // `kubeadm reset phase NAME`: that phase alone.
    let (etcd, cleanup) = match (words.get(1).map(String::as_str), words.get(2)) {
        (Some("phase"), None) => return op.prints_only(),
        (Some("phase"), Some(p)) if PHASES.contains(&p.as_str()) => {
            op.opt("verb", p);
            (p == "remove-etcd-member", p == "cleanup-node")
        }
        (Some(w), _) => return op.opaque(format!("kubeadm reset: unknown command `{w}`")),
        (None, _) => (
            !skip.iter().any(|p| p == "remove-etcd-member"),
            !skip.iter().any(|p| p == "cleanup-node"),
        ),
    };
    if !etcd && !cleanup {
        // The preflight checks only look.
        op.kind = Kind::Read;
        return;
    }
    op.kind = Kind::Delete;
    op.flag("node_reset");
    if cleanup {
        let mut dirs = vec![
            "/etc/kubernetes/manifests".to_string(),
            "/var/lib/kubelet".to_string(),
            "/var/run/kubernetes".to_string(),
            cert_dir,
        ];
        // The etcd data directory is queued by its phase and deleted by this one.
        if etcd {
            dirs.push(ETCD_DATA_DIR.to_string());
        }
        if tmp {
            dirs.push("/etc/kubernetes/tmp".to_string());
        }
        dirs.extend(KUBECONFIGS.iter().map(|f| format!("/etc/kubernetes/{f}")));
        op.targets = dirs;
    } else {
        op.flag("pathless");
        op.note = Some("removes this node's member from the etcd cluster".into());
    }
    if let Some(root) = rootfs {
        let root = root.trim_end_matches('/').to_string();
        op.targets = op.targets.iter().map(|t| format!("{root}{t}")).collect();
    }
    if config {
        op.unseen_arguments(
            "`--config` may name another certificate directory, phases to skip or a dry run: safeop does not read the file",
        );
    }
    if dry {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    fn has(line: &str, path: &str) -> bool {
        parse_str(line).targets.iter().any(|t| t == path)
    }

    /// The forms of kubeadm's reference page and of the runbooks that quote it.
    #[test]
    fn reset_deletes_the_node_s_state() {
        for line in [
            "kubeadm reset",
            "kubeadm reset -f",
            "kubeadm reset --force",
            "sudo kubeadm reset -f --cleanup-tmp-dir",
            "kubeadm reset --cri-socket unix:///run/containerd/containerd.sock -f",
            "kubeadm reset --ignore-preflight-errors=all --force",
            "kubeadm -v 5 reset",
            "kubeadm reset --v=5",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Delete, "{line}: {:?}", op.note);
            for p in [
                "/etc/kubernetes/manifests",
                "/var/lib/kubelet",
                "/var/lib/etcd",
                "/etc/kubernetes/pki",
                "/etc/kubernetes/admin.conf",
            ] {
                assert!(op.targets.iter().any(|t| t == p), "{line}: {p}");
            }
            assert!(
                op.effects.iter().all(|e| e.tree),
                "{line}: every path as a tree"
            );
        }
        assert!(parse_str("kubeadm reset -f").has("force"));
        assert!(has(
            "kubeadm reset --cleanup-tmp-dir",
            "/etc/kubernetes/tmp"
        ));
        assert!(!has("kubeadm reset", "/etc/kubernetes/tmp"));
        assert!(has("kubeadm reset --cert-dir /srv/pki", "/srv/pki"));
        assert!(!has(
            "kubeadm reset --cert-dir=/srv/pki",
            "/etc/kubernetes/pki"
        ));
    }

    #[test]
    fn phases_and_skips() {
        assert!(!has(
            "kubeadm reset --skip-phases remove-etcd-member",
            "/var/lib/etcd"
        ));
        assert!(!has("kubeadm reset phase cleanup-node", "/var/lib/etcd"));
        assert!(has("kubeadm reset phase cleanup-node", "/var/lib/kubelet"));
        let op = parse_str("kubeadm reset --skip-phases=cleanup-node");
        assert_eq!(op.kind, Kind::Delete);
        assert!(op.targets.is_empty() && op.has("pathless"));
        assert_eq!(op.effects.len(), 1, "{:?}", op.effects);
        assert!(op.effects[0].path.is_none());
        let op = parse_str("kubeadm reset phase remove-etcd-member");
        assert!(op.targets.is_empty() && op.has("pathless"));
        assert_eq!(
            parse_str("kubeadm reset --skip-phases remove-etcd-member,cleanup-node").kind,
            Kind::Read
        );
        assert_eq!(parse_str("kubeadm reset phase preflight").kind, Kind::Read);
    }

    #[test]
    fn rootfs_re_roots_every_path() {
        let op = parse_str("kubeadm reset --rootfs /host -f");
        assert!(
            op.targets.iter().all(|t| t.starts_with("/host/")),
            "{:?}",
            op.targets
        );
        assert!(op.targets.iter().any(|t| t == "/host/var/lib/etcd"));
    }

    #[test]
    fn dry_runs_help_and_other_commands() {
        for line in ["kubeadm reset --dry-run", "kubeadm reset -f --dry-run"] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}");
            assert!(op.has("dry_run") && op.targets.is_empty(), "{line}");
        }
        for line in [
            "kubeadm reset -h",
            "kubeadm reset --help",
            "kubeadm version",
            "kubeadm",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Read, "{line}");
        }
        assert_eq!(parse_str("kubeadm init").kind, Kind::Unknown);
        assert_eq!(parse_str("kubeadm join 10.0.0.1:6443").kind, Kind::Unknown);
        assert_eq!(parse_str("kubeadm reset --bogus").kind, Kind::Opaque);
        assert!(parse_str("kubeadm reset --config r.yaml").has("unseen_arguments"));
    }
}
