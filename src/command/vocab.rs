//! The names an [`Operation`](super::Operation) can carry: every flag and every option key a
//! parser sets, and every tool name. A policy that names anything else names nothing, so
//! `policy/` checks rules against these lists (did you mean …).
//!
//! The lists are written out, not computed, so they read as the policy language's reference;
//! the tests below parse a corpus built from every parser's option tables (and the spellings
//! the tables do not show) and fail when a parser sets a name missing here, or when a name
//! here is one no parser sets any more.

use super::{tool_name, wrappers, TOOLS};

/// Every flag a parser sets (`Operation::flags`), sorted: what `match: { flags: … }`,
/// `not_flags` and `operation.flags` may name. Most come from the tools' option names with `_`
/// for `-` (`--one-file-system` → `one_file_system`); dd's `conv=`, `iflag=`, `oflag=` symbols
/// are `conv_notrunc`, `oflag_direct` …; some say what the parser worked out (`remote_source`,
/// `device_guessed`, `whole_repository`).
#[rustfmt::skip]
pub const FLAGS: &[&str] = &[
    "8_bit_output", "absolute_names", "acls", "all", "append", "append_verify", "archive",
    "array_member", "assume_clean", "atimes", "attributes", "attributes_only", "backup",
    "batch_mode", "blocking_io", "bypass_lock", "byte_swap_name", "cache_only", "cancel",
    "change_name", "check_badblocks", "checksum", "cleanup_cache", "cleanup_commits", "clear",
    "compact", "compose", "compress", "consider_checkpoints", "consider_part_files", "continue",
    "conv_ascii", "conv_block", "conv_ebcdic", "conv_excl", "conv_fdatasync", "conv_fsync",
    "conv_ibm", "conv_lcase", "conv_nocreat", "conv_noerror", "conv_notrunc", "conv_sparse",
    "conv_swab", "conv_sync", "conv_ucase", "conv_unblock", "copy_contents", "copy_devices",
    "copy_dirlinks", "copy_links", "copy_unsafe_links", "create_file", "critical", "crtimes",
    "cvs_exclude", "daemon_chosen", "debug", "decrypt", "default", "default_archive", "default_device", "deferred",
    "delay_updates", "delete", "delete_after", "delete_before", "delete_delay", "delete_during",
    "delete_excluded", "delete_members", "delete_missing_args", "dependents", "dereference",
    "dereference_command_line", "descendants", "destroy", "device_guessed", "devices", "dir",
    "dirs", "disk_guid", "drop", "drop_D", "dry_run", "elsewhere", "encrypt", "erase", "error",
    "exact", "exchange", "exclude_caches", "executability", "existing", "fake_super", "filtered",
    "firmware_setup", "fix", "force", "force_share", "force_twice", "forget", "from0", "fsync",
    "fuzzy", "gpttombr", "group", "grow", "hard_links", "human_readable", "hybrid", "iec",
    "iflag_count_bytes", "iflag_direct", "iflag_directory", "iflag_dsync", "iflag_fullblock",
    "iflag_noatime", "iflag_nocache", "iflag_noctty", "iflag_nofollow", "iflag_nonblock",
    "iflag_skip_bytes", "iflag_sync", "ignore_errors", "ignore_existing", "ignore_inhibitors",
    "ignore_missing_args", "ignore_times", "implied_dirs", "inc_recursive", "incremental", "info",
    "inplace", "insecure_links", "insecure_no_password", "insecure_tls", "interactive", "io_blocks",
    "ipv4", "ipv6", "itemize_changes", "json", "keep_dirlinks", "keep_exclude_tags",
    "keep_newer_files", "keep_old_files", "keep_security_info", "largest_new", "later_clones",
    "later_snapshots", "link", "links", "list", "list_kept", "list_only", "list_pruned",
    "load_backup", "log_json", "machine", "mbrtogpt", "merge", "mkpath", "motd",
    "move_backup_table", "move_data", "move_main_table", "move_second_header", "msgs2stderr",
    "multi_volume", "multiple_sources", "munge_links", "new", "no_cache", "no_clobber", "no_copy",
    "no_create", "no_dereference", "no_extra_verify", "no_lock", "no_preserve_root", "no_sync",
    "no_target_directory", "no_wall", "no_wtmp", "noacls", "noauto_pt", "nobsdflags", "node_reset",
    "noflags", "non_destructive", "notrunc", "noxattrs", "numeric_ids", "numeric_owner",
    "oflag_append", "oflag_direct", "oflag_directory", "oflag_dsync", "oflag_noatime",
    "oflag_nocache", "oflag_noctty", "oflag_nofollow", "oflag_nonblock", "oflag_seek_bytes",
    "oflag_sync", "old_args", "old_dirs", "omit_dir_times", "omit_link_times", "one_file_system",
    "one_top_level", "oob_writes", "open_noatime", "other_machine", "overwrite", "overwrite_dir",
    "owner", "parents", "partial", "partition_guid", "pathless", "perms", "preallocate", "preen",
    "preserve_root", "preserve_root_all", "progress", "protect_boot", "prune", "prune_empty_dirs",
    "quick", "quiet", "randomize_guids", "recompress", "recompute_chs", "recursive",
    "recursive_unlink", "relative", "remote_archive", "remote_destination", "remote_host",
    "remote_source", "remove", "remove_all", "remove_default", "remove_destination", "remove_files",
    "remove_source_files", "repack_cacheable_only", "repack_small", "repack_uncompressed", "repair",
    "replicate", "repository", "reset", "resize_table", "resizefs", "restore", "run", "runs_code",
    "safe_links", "sanitize", "save_space", "script", "secluded_args", "secure", "security_erase",
    "show_rc", "show_version", "shrink", "size_only", "skip_old_files", "snapshot",
    "snapshot_summary", "sort", "sparse", "specials", "stats", "stdout", "stops_services", "super",
    "superblock_only", "suspend", "symbolic_link", "system", "target_is_directory",
    "target_is_zero", "times", "to_command", "transform", "transform_bsd", "transpose", "trim",
    "truncate", "trust_sender", "typecode", "unlink_first", "unsafe", "unsafe_allow_remove_all",
    "unseen_arguments", "update", "verbose", "verify", "volumes", "wall_only", "warning",
    "whole_file", "whole_repository", "wipe_table", "write", "write_devices", "write_sector",
    "writes_backing", "xattrs", "yes", "zap", "zap_all", "zero", "zero_log", "zeroout",
];

/// Every option key a parser sets (`Operation::options`), sorted: the `NAME` of the fact
/// `operation.option.NAME`.
#[rustfmt::skip]
pub const OPTIONS: &[&str] = &[
    "acl", "action", "address", "align", "archive", "arguments", "array", "attributes", "backing",
    "backing_format", "backup", "backup_dir", "base", "bitmap", "block_size", "boot_loader_entry",
    "boot_loader_menu", "bs", "bwlimit", "byte_swap_name", "bytes_per_inode", "cacert", "cache",
    "cache_dir", "cbs", "change_name", "check_inhibitors", "checkpoint_interval", "checksum_choice",
    "checksum_seed", "chmod", "chown", "chunker_params", "command", "commands", "comment",
    "compare_dest", "compress_choice", "compress_level", "compress_threads", "compression",
    "confine_root", "contimeout", "copy_as", "copy_dest", "count", "data_device", "debug",
    "debug_profile", "debug_topic", "delete", "destroys", "disk_guid", "docker_config", "early_input", "exclude",
    "exclude_file", "exclude_from", "exclude_if_present", "exclude_xattr", "extended", "features",
    "files_from", "filter", "first", "force_count", "format", "format_b", "from", "fstype",
    "glob_archives", "gpttombr", "group", "group_by", "groupmap", "host", "http_user_agent",
    "hybrid", "ibs", "iconv", "iexclude", "iexclude_file", "iinclude", "iinclude_file", "include",
    "include_file", "include_from", "include_xattr", "info", "inodes", "iseek", "iterations",
    "job_mode", "keep_daily", "keep_hourly", "keep_last", "keep_minutely", "keep_monthly",
    "keep_secondly", "keep_tag", "keep_weekly", "keep_within", "keep_within_daily",
    "keep_within_hourly", "keep_within_monthly", "keep_within_weekly", "keep_within_yearly",
    "keep_yearly", "key_hint", "label", "largest_new", "last", "length", "limit_download",
    "limit_upload", "link_dest", "listed_incremental", "load_backup", "lock_wait", "log_file",
    "log_file_format", "machine", "match_archives", "max_alloc", "max_delete", "max_repack_size",
    "max_size", "max_unused", "member_dirs", "members", "merge", "message", "method", "min_size",
    "mode", "modify_window", "move_backup_table", "move_main_table", "new", "new_host", "new_time",
    "no_preserve", "obs", "offset", "one_top_level", "only_write_batch", "option", "options",
    "osd_fsid", "osd_id", "oseek", "out_format", "outbuf", "output_format", "overwrite", "owner",
    "pack_size", "parallel", "partial_dir", "partition_guid", "partitions", "partno",
    "password_command", "password_file", "path", "paths", "pattern", "patterns_from", "pool",
    "port", "preallocation", "prefix", "preserve", "protocol", "random_source", "rate",
    "read_batch", "reboot_argument", "recompress", "reference", "reflink", "remote_buffer",
    "remote_option", "remote_path", "remote_ratelimit", "remove", "repair", "replicate", "repo",
    "repository_file", "resize_table", "retry_lock", "root", "root_directory", "rsh", "rsync_path",
    "runlevel", "sector_size", "seek", "set_alignment", "size", "skip", "skip_compress", "snapshot",
    "snapshots", "sockopts", "sort_by", "source_cache", "source_trailing_slash",
    "source_trailing_slashes", "sparse", "sparse_size", "status", "stderr", "stop_after", "stop_at",
    "strip_components", "stuck_request_timeout", "subcommand", "subfolder", "suffix", "tag",
    "target", "temp_dir", "threshold", "timeout", "timestamp", "tls_client_cert", "to_command",
    "transform_bsd", "transpose", "typecode", "types", "umask", "undo_file", "unit",
    "unsafe_recover_no_free_space", "update", "upload_buffer", "upload_ratelimit", "usage_type",
    "usermap", "verb", "when", "wipe", "wipe_partitions", "write_batch",
];

/// Is `name` one that [`Operation::tool`](super::Operation::tool) can be? The tools of
/// [`TOOLS`] as [`tool_name`] names them, and the wrappers (a wrapper safeop cannot see through
/// is judged under its own name).
pub fn is_tool_name(name: &str) -> bool {
    tool_names().any(|t| t == name)
}

/// Every name [`is_tool_name`] accepts, for "did you mean".
pub fn tool_names() -> impl Iterator<Item = &'static str> {
    TOOLS
        .iter()
        .copied()
        .filter(|t| tool_name(t) == *t)
        .chain(wrappers::WRAPPERS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{parse, Getopt, Operation};
    use std::collections::BTreeSet;

    fn words(line: &str) -> Vec<String> {
        shell_words::split(line).expect("corpus line splits")
    }

    /// Every way to write each option of a getopt table, with a value where one is taken.
    fn spellings(spec: &Getopt) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for l in spec.long_flag {
            out.push(vec![format!("--{l}")]);
        }
        for l in spec.long_arg {
            out.push(vec![format!("--{l}=1")]);
        }
        for l in spec.long_opt {
            out.push(vec![format!("--{l}")]);
            out.push(vec![format!("--{l}=1")]);
        }
        for c in spec.short_opt.chars() {
            out.push(vec![format!("-{c}")]);
        }
        for (c, l) in spec.pairs {
            match spec.long_arg.contains(l) {
                true => out.push(vec![format!("-{c}"), "1".into()]),
                false => out.push(vec![format!("-{c}")]),
            }
        }
        for c in spec.short_flag.chars() {
            out.push(vec![format!("-{c}")]);
        }
        for c in spec.short_arg.chars() {
            out.push(vec![format!("-{c}"), "1".into()]);
        }
        out
    }

    /// `before OPTION after` for every spelling of `spec`.
    fn around(before: &str, spec: &Getopt, after: &str) -> Vec<Vec<String>> {
        spellings(spec)
            .into_iter()
            .map(|o| [words(before), o, words(after)].concat())
            .collect()
    }

    /// Command lines covering every parser: each option of every option table, in a line the
    /// tool accepts, and the lines whose meaning sets names the tables do not show.
    fn corpus() -> Vec<Vec<String>> {
        use crate::command::{
            borg, dd, kexec, logind, mkfs, partition, qemu_img, reboot, restic, rsync, systemctl,
            tee,
        };
        let mut c: Vec<Vec<String>> = Vec::new();
        c.extend(around("rm", &crate::command::rm::SPEC, "x"));
        c.extend(around("cp", &crate::command::cp::SPEC, "a b"));
        c.extend(around("mv", &crate::command::mv::SPEC, "a b"));
        for mode in ["-x", "-c", "-t", "--delete", "-r", "-u", "-A", "-d"] {
            c.extend(around(
                &format!("tar {mode} -f a.tar"),
                &crate::command::tar::SPEC,
                "m",
            ));
        }
        c.extend(around("shred", &crate::command::shred::SPEC, "f"));
        c.extend(around(
            "truncate -s 1",
            &crate::command::truncate::SPEC,
            "f",
        ));
        c.extend(around("truncate", &crate::command::truncate::SPEC, "f"));
        c.extend(around("wipefs", &crate::command::wipefs::SPEC, "/dev/sdb"));
        for prog in ["reboot", "halt", "poweroff"] {
            c.extend(around(prog, &reboot::HALT_SPEC, ""));
        }
        c.extend(around("shutdown", &reboot::SHUTDOWN_SPEC, ""));
        c.extend(around("shutdown", &reboot::SHUTDOWN_SPEC, "now"));
        for verb in [
            "reboot",
            "poweroff",
            "halt",
            "kexec",
            "soft-reboot",
            "start reboot.target",
        ] {
            c.extend(around("systemctl", &systemctl::SYSTEMCTL_SPEC, verb));
        }
        c.extend(around("kexec", &kexec::SPEC, "-e"));
        c.extend(around("kexec", &kexec::SPEC, "/boot/vmlinuz"));
        c.extend(around("loginctl", &logind::LOGINCTL_SPEC, "reboot"));
        const CALL: &str = "call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager Reboot b true";
        c.extend(around("busctl", &logind::BUSCTL_SPEC, CALL));
        c.extend(around("tee", &tee::SPEC, "f"));
        c.extend(around("fdisk", &partition::FDISK_SPEC, "/dev/sdb"));
        c.extend(around("sfdisk", &partition::SFDISK_SPEC, "/dev/sdb"));
        c.extend(around("cfdisk", &partition::CFDISK_SPEC, "/dev/sdb"));
        c.extend(around("cfdisk", &partition::CFDISK_SPEC, ""));
        c.extend(around("parted", &partition::PARTED_SPEC, "/dev/sdb print"));
        c.extend(around("sgdisk", &partition::SGDISK_SPEC, "/dev/sdb"));
        c.extend(around("init", &reboot::INIT_SPEC, "6"));
        for t in [
            "ext4", "xfs", "vfat", "btrfs", "swap", "exfat", "f2fs", "ntfs", "minix",
        ] {
            if let Some(f) = mkfs::family(t) {
                c.extend(around(&format!("mkfs.{t}"), &f.spec, "/dev/sdb"));
                c.extend(around(&format!("mkfs -t {t}"), &f.spec, "/dev/sdb"));
            }
        }
        for (sub, operands) in [
            ("create", "a.qcow2 1G"),
            ("convert", "a b"),
            ("resize", "a 1G"),
            ("commit", "a"),
            ("rebase", "a"),
            ("amend", "a"),
            ("snapshot", "a"),
            ("dd", "if=a of=b"),
            ("info", "a"),
            ("check", "a"),
            ("map", "a"),
            ("measure", "a"),
            ("compare", "a b"),
            ("bench", "a"),
            ("bitmap", "a b"),
        ] {
            if let Some(spec) = qemu_img::spec(sub) {
                c.extend(around(&format!("qemu-img {sub}"), &spec, operands));
            }
        }
        for k in dd::KEYS
            .iter()
            .filter(|k| !["conv", "iflag", "oflag"].contains(k))
        {
            c.push(words(&format!("dd if=a of=b {k}=1")));
        }
        for (before, after) in [("rsync", "a b"), ("rsync", "a"), ("rsync", "a/ h:b")] {
            c.extend(around(before, &rsync::SPEC, after));
            for n in rsync::SPEC.negatable {
                c.push(words(&format!("{before} -a --no-{n} {after}")));
            }
        }
        for (cmd, operands) in [
            ("extract", "r::a"),
            ("delete", "r::a"),
            ("prune", "r"),
            ("compact", "r"),
            ("recreate", "r::a"),
            ("create", "r::a p"),
        ] {
            let before = format!("borg {cmd}");
            c.extend(around(&before, &borg::COMMON, operands));
            if let Some(own) = borg::command_spec(cmd) {
                c.extend(around(&before, &own, operands));
            }
        }
        for (before, own, after) in [
            ("restic -r R restore", restic::RESTORE, "s --target t"),
            ("restic -r R forget", restic::FORGET, "s"),
            ("restic -r R prune", restic::PRUNE, ""),
            ("restic -r R rewrite", restic::REWRITE, "s"),
        ] {
            c.extend(around(before, &own, after));
            c.extend(around(before, &restic::GLOBAL, after));
        }
        use crate::command::{chmod, setfacl};
        c.extend(around("chmod", &chmod::CHMOD_SPEC, "644 f"));
        c.extend(around("chown", &chmod::CHOWN_SPEC, "u f"));
        c.extend(around("chgrp", &chmod::CHGRP_SPEC, "g f"));
        c.extend(around("setfacl -m u:x:r", &setfacl::SPEC, "f"));
        c.extend(block_tools());
        c.extend(cluster_tools());
        c.extend(SPECIAL.iter().map(|l| words(l)));
        c
    }

    /// The block-device and volume tools' tables, each in a line the tool accepts.
    fn block_tools() -> Vec<Vec<String>> {
        use crate::command::{
            blockwrite, btrfs, clone, cryptsetup, dmsetup, drive, fsrepair, lvm, mdadm, mformat,
            mkfs, zfs,
        };
        let mut c: Vec<Vec<String>> = Vec::new();
        c.extend(around("blkdiscard", &blockwrite::BLKDISCARD, "/dev/sdb"));
        c.extend(around("pv", &blockwrite::PV, "a"));
        c.extend(around("ddrescue", &blockwrite::DDRESCUE, "a b m"));
        c.extend(around("badblocks", &blockwrite::BADBLOCKS, "/dev/sdb"));
        c.extend(around("badblocks -w", &blockwrite::BADBLOCKS, "/dev/sdb"));
        for k in blockwrite::DCFLDD_KEYS.iter().filter(|k| **k != "conv") {
            c.push(words(&format!("dcfldd if=a of=b {k}=1")));
        }
        for k in blockwrite::DC3DD_KEYS {
            c.push(words(&format!("dc3dd if=a of=b {k}=on")));
        }
        c.extend(around("nvme format", &drive::NVME_FORMAT, "/dev/nvme0n1"));
        c.extend(around(
            "nvme sanitize -a 2",
            &drive::NVME_SANITIZE,
            "/dev/nvme0",
        ));
        c.extend(around("sg_format", &drive::SG_FORMAT, "/dev/sdc"));
        c.extend(around("sg_format -F", &drive::SG_FORMAT, "/dev/sdc"));
        for action in ["luksFormat", "erase", "reencrypt", "luksDump"] {
            c.extend(around(
                &format!("cryptsetup {action}"),
                &cryptsetup::SPEC,
                "/dev/sdb",
            ));
        }
        c.extend(around(
            "mdadm --create /dev/md0",
            &mdadm::CREATE,
            "/dev/sdb /dev/sdc",
        ));
        c.extend(around("mdadm /dev/md0", &mdadm::MANAGE, "/dev/sdb"));
        c.extend(around(
            "mdadm --grow /dev/md0",
            &mdadm::GROW,
            "--add /dev/sdb",
        ));
        for (cmd, spec, operand) in [
            ("pvcreate", lvm::PVCREATE, "/dev/sdb"),
            ("pvremove", lvm::PVREMOVE, "/dev/sdb"),
            ("vgremove", lvm::VGREMOVE, "vg0"),
            ("lvremove", lvm::LVREMOVE, "vg0/lv"),
            ("lvreduce -L 1G", lvm::LVRESIZE, "vg0/lv"),
            ("lvresize -L 1G", lvm::LVRESIZE, "vg0/lv"),
            ("lvconvert --merge", lvm::LVCONVERT, "vg0/snap"),
            ("lvm lvremove", lvm::LVREMOVE, "vg0/lv"),
        ] {
            c.extend(around(cmd, &spec, operand));
            c.extend(around(cmd, &lvm::COMMON, operand));
        }
        c.extend(around("lvresize -L +1G", &lvm::LVRESIZE, "vg0/lv"));
        for command in ["remove x", "remove_all", "wipe_table x", "clear x"] {
            c.extend(around("dmsetup", &dmsetup::SPEC, command));
        }
        c.extend(around("zpool destroy", &zfs::ZPOOL_DESTROY, "tank"));
        c.extend(around("zpool labelclear", &zfs::ZPOOL_DESTROY, "sdb"));
        c.extend(around("zpool create", &zfs::ZPOOL_CREATE, "tank sdb"));
        c.extend(around("zfs destroy", &zfs::ZFS_DESTROY, "tank/a@s"));
        c.extend(around("zfs rollback", &zfs::ZFS_ROLLBACK, "tank/a@s"));
        c.extend(around("btrfs", &btrfs::GLOBAL, "subvolume delete /x"));
        c.extend(around(
            "btrfs subvolume delete",
            &btrfs::SUBVOLUME_DELETE,
            "/x",
        ));
        c.extend(around(
            "btrfs device delete",
            &btrfs::DEVICE_DELETE,
            "/dev/sdb /srv",
        ));
        c.extend(around("btrfs check", &btrfs::CHECK, "/dev/sdb"));
        c.extend(around("btrfs check --repair", &btrfs::CHECK, "/dev/sdb"));
        c.extend(around("e2fsck", &fsrepair::E2FSCK, "/dev/sdb"));
        c.extend(around("xfs_repair", &fsrepair::XFS_REPAIR, "/dev/sdb"));
        c.extend(around("resize2fs", &fsrepair::RESIZE2FS, "/dev/sdb 1G"));
        c.extend(around("xfs_growfs", &fsrepair::XFS_GROWFS, "/srv"));
        c.extend(around("partclone.ext4 -s a.img", &clone::PARTCLONE, ""));
        c.extend(around(
            "partclone.ext4 -r -s a.img -o",
            &clone::PARTCLONE,
            "/dev/sdb",
        ));
        c.extend(around(
            "partclone.restore",
            &clone::PARTCLONE,
            "-s a -o /dev/sdb",
        ));
        c.extend(around("ntfsclone", &clone::NTFSCLONE, "src"));
        c.extend(around("ntfsclone -O /dev/sdb", &clone::NTFSCLONE, "src"));
        c.extend(around("mformat -i x.img", &mformat::SPEC, "::"));
        for (program, family) in [
            ("mkudffs", "udf"),
            ("mkexfatfs", "exfat-utils"),
            ("mkntfs", "ntfs"),
        ] {
            if let Some(f) = mkfs::family(family) {
                c.extend(around(program, &f.spec, "/dev/sdb"));
            }
        }
        for line in [
            "hdparm --security-erase p /dev/sdb",
            "hdparm --sanitize-block-erase /dev/sdb",
            "hdparm --trim-sector-ranges 0:8 /dev/sdb",
            "hdparm --write-sector 1 /dev/sdb",
            "hdparm -I /dev/sdb",
            "mdadm --zero-superblock /dev/sdb",
            "mdadm /dev/md0 --fail /dev/sdb --remove /dev/sdb",
            "mdadm --detail /dev/md0",
            "lvm pvcreate /dev/sdb",
            "vgremove -ff vg0",
            "dcfldd if=a of=b conv=notrunc,sync",
            "fsck.ext4 -y /dev/sdb",
            "pv -o /dev/sdb a",
            "partclone -r -s a.img -o /dev/sdb",
        ] {
            c.push(words(line));
        }
        c
    }

    /// The storage and cluster tools of runbooks (ceph-volume, kubeadm) and the container
    /// engines, each table in a line the tool accepts.
    fn cluster_tools() -> Vec<Vec<String>> {
        use crate::command::{ceph_volume, container, kubeadm};
        let mut c: Vec<Vec<String>> = Vec::new();
        c.extend(around(
            "ceph-volume",
            &ceph_volume::GLOBAL,
            "lvm zap /dev/sdc",
        ));
        c.extend(around("ceph-volume lvm zap", &ceph_volume::ZAP, "/dev/sdc"));
        c.extend(around("kubeadm reset", &kubeadm::SPEC, ""));
        c.extend(around("docker", &container::DOCKER_GLOBAL, "volume rm v"));
        c.extend(around(
            "nerdctl",
            &container::NERDCTL_GLOBAL,
            "volume prune",
        ));
        c.extend(around("podman", &container::PODMAN_GLOBAL, "volume rm v"));
        for verb in ["volume rm", "volume prune", "system prune", "system reset"] {
            c.extend(around(&format!("podman {verb}"), &container::VOLUME, "v"));
        }
        c.extend(around("docker compose", &container::COMPOSE, "down -v"));
        c.extend(around("docker compose down -v", &container::DOWN, ""));
        c.extend(around("docker-compose down", &container::DOWN, "-v"));
        for line in [
            "podman volume rm --all",
            "kubeadm reset --skip-phases cleanup-node",
            "kubeadm reset phase remove-etcd-member",
        ] {
            c.push(words(line));
        }
        c
    }

    /// Lines whose meaning, not an option table, sets a name.
    const SPECIAL: &[&str] = &[
        // GNU dd's symbols (coreutils 9), as dd accepts them for each key.
        "dd if=a of=b conv=ascii,ebcdic,ibm,block,unblock,lcase,ucase,sparse,swab,sync,excl,nocreat,notrunc,noerror,fdatasync,fsync",
        "dd if=a of=b iflag=direct,directory,dsync,sync,fullblock,nonblock,noatime,nocache,noctty,nofollow,count_bytes,skip_bytes",
        "dd if=a of=b oflag=append,direct,directory,dsync,sync,nonblock,noatime,nocache,noctty,nofollow,seek_bytes",
        "rm -r --preserve-root=all x",
        "tar -xf host:a.tar",
        "tar -x -C d",
        "shred --remove=wipe f",
        "mkfs.xfs -d name=/dev/sdb",
        "parted -s -m -f -a optimal /dev/sdb mklabel gpt",
        "init 6",
        "rsync a/ b c",
        "restic -r R restore s:sub --target t",
        "restic -r R rewrite --forget s",
        "borg delete r",
        "borg extract r::a p",
        "borg recreate r::a --recompress",
        "gdisk -l /dev/sdb",
        "gdisk /dev/sdb",
        "mke2fs -F /dev/sdb",
        "mkswap -f /dev/sdb",
        "telinit 0",
        "systemctl suspend",
        "systemctl isolate rescue",
        "loginctl -c",
        "dbus-send --system --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot boolean:true",
        // What wrappers make of their command.
        "xargs rm",
        "find /srv -name '*.log' -delete",
        "nsenter -t 1 -m rm x",
        "chmod -w f",
        "chattr -R -i +a f",
    ];

    fn names(op: &Operation, flags: &mut BTreeSet<String>, options: &mut BTreeSet<String>) {
        flags.extend(op.flags.iter().cloned());
        options.extend(op.options.keys().cloned());
        for p in &op.parts {
            names(p, flags, options);
        }
    }

    fn corpus_names() -> (BTreeSet<String>, BTreeSet<String>) {
        let (mut flags, mut options) = (BTreeSet::new(), BTreeSet::new());
        for argv in corpus() {
            names(&parse(&argv), &mut flags, &mut options);
        }
        (flags, options)
    }

    /// The names written as literals in the parsers' code: `.flag("NAME")` and `.opt("NAME", …)`
    /// (tests left out).
    fn literal_names() -> (BTreeSet<String>, BTreeSet<String>) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/command");
        let (mut flags, mut options) = (BTreeSet::new(), BTreeSet::new());
        let mut files = Vec::new();
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).expect("src/command lists") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        for path in files {
            if path.extension().is_none_or(|e| e != "rs")
                || path.ends_with("vocab.rs")
                || path.ends_with("tests.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source reads");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (call, set) in [(".flag(\"", &mut flags), (".opt(\"", &mut options)] {
                for piece in code.split(call).skip(1) {
                    if let Some(end) = piece.find('"') {
                        set.insert(piece[..end].to_string());
                    }
                }
            }
        }
        (flags, options)
    }

    fn missing<'a>(names: &'a BTreeSet<String>, list: &[&str]) -> Vec<&'a String> {
        names
            .iter()
            .filter(|n| !list.contains(&n.as_str()))
            .collect()
    }

    #[test]
    fn the_corpus_covers_every_tool() {
        let corpus = corpus();
        for t in TOOLS {
            assert!(
                corpus.iter().any(|argv| argv[0] == *t),
                "no corpus line runs `{t}`: add its option tables (or lines) to corpus()"
            );
        }
    }

    #[test]
    fn every_flag_and_option_a_parser_sets_is_listed() {
        let (flags, options) = corpus_names();
        let (lit_flags, lit_options) = literal_names();
        for (what, set, list) in [
            ("FLAGS", &flags, FLAGS),
            ("FLAGS", &lit_flags, FLAGS),
            ("OPTIONS", &options, OPTIONS),
            ("OPTIONS", &lit_options, OPTIONS),
        ] {
            let gone = missing(set, list);
            assert!(
                gone.is_empty(),
                "parsers set names missing from {what}: {gone:?}"
            );
        }
    }

    #[test]
    fn every_listed_flag_and_option_is_set_by_a_parser() {
        let (flags, options) = corpus_names();
        for (what, set, list) in [("FLAGS", &flags, FLAGS), ("OPTIONS", &options, OPTIONS)] {
            let stale: Vec<&&str> = list.iter().filter(|n| !set.contains(**n)).collect();
            assert!(
                stale.is_empty(),
                "{what} lists names no corpus line sets (gone from the parsers, or the corpus \
                 lacks the line that sets them): {stale:?}"
            );
        }
    }

    #[test]
    fn lists_are_sorted_without_duplicates() {
        for list in [FLAGS, OPTIONS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn tool_names_are_the_names_operations_get() {
        for t in TOOLS {
            let op = parse(&[t.to_string(), "x".into()]);
            assert!(is_tool_name(&op.tool), "`{t}` parses as tool `{}`", op.tool);
        }
        assert!(is_tool_name("mkfs") && is_tool_name("sudo") && is_tool_name("sh"));
        assert!(!is_tool_name("mkfs.ext4") && !is_tool_name("mke2fs") && !is_tool_name("grep"));
    }
}
