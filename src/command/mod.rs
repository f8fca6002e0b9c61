//! argv → [`Operation`]: what a command line will do, worked out the way the tool itself reads
//! its arguments.
//!
//! Contract: everything under `command/` is pure. No syscalls, no files, no environment reads
//! beyond what the caller passes in. Resolving paths against the machine, stat, `/proc` and helper
//! programs live in `facts/`. A parser that cannot understand an argv says so
//! ([`Kind::Opaque`] with a note); it never guesses a harmless reading.
//!
//! Options are read by the one reader in [`options`]: a parser is its option table (a
//! `Getopt`) plus what the options mean. Adding a tool: write `command/<tool>.rs` with its
//! table and `pub(crate) fn parse(op: &mut Operation, args: &[String])`, add it to [`TOOLS`]
//! and to the `match` in [`parse_tool`], with tests beside the parser. What a tool takes from
//! its environment (`BORG_RSH` …) is read after its parser, from what the caller passed in
//! ([`parse_in`]) and the wrappers changed.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod blockwrite;
mod borg;
mod btrfs;
mod ceph_volume;
mod chattr;
mod chmod;
mod clone;
mod container;
mod cp;
mod cryptsetup;
mod dd;
mod dmsetup;
mod drive;
pub mod effect;
mod fsrepair;
mod here;
mod kexec;
mod kubeadm;
mod logind;
mod lvm;
mod mdadm;
mod mformat;
mod mkfs;
mod mv;
mod options;
mod partition;
mod qemu_img;
mod reboot;
mod restic;
mod rm;
mod rsync;
mod setfacl;
mod shred;
mod systemctl;
mod tar;
mod tee;
mod truncate;
mod vocab;
mod wipefs;
pub mod wrappers;
mod zfs;

pub use effect::{Effect, Lands};
pub use here::{parse_at, Here, SshConfig, SshQuery, SshSeen, SshUser};
pub(crate) use here::{Expander, Sh};
pub(crate) use options::{Arg, Getopt};
pub use vocab::{is_tool_name, tool_names, FLAGS, OPTIONS};

/// What an operation does to its targets. Policies match on these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Writes over existing data in place (dd of=, qemu-img convert onto, shred, cp onto a device).
    Overwrite,
    /// Removes files or directories (rm, and the source side of mv).
    Delete,
    /// Moves files: the sources disappear from where they were, the target is replaced.
    Move,
    /// Creates many files in a destination (tar -x, rsync, cp -a, restic restore, borg extract).
    Restore,
    /// Makes a new filesystem or erases signatures (mkfs, wipefs).
    Format,
    /// Rewrites a partition table (fdisk, sfdisk, parted, sgdisk).
    Partition,
    /// Changes the size of a file or image (truncate, qemu-img resize).
    Resize,
    /// Reboots, halts or powers off the machine.
    Reboot,
    /// Changes who may read, write or run a path, or its attributes (chmod, chown, chgrp,
    /// chattr, setfacl); with `-R` the whole tree below it.
    Permissions,
    /// Destroys backups inside a backup repository (borg delete/prune/compact, restic
    /// forget/prune): the repository (when named by a local path) is the target.
    #[serde(rename = "destroy-backup")]
    DestroyBackup,
    /// Only reads its targets (qemu-img info, tar -t, dd with no of=).
    Read,
    /// Runs a program safeop cannot see into (`tar --to-command`, `rsync -e`): only ever an
    /// effect beside the command's main kind, never the kind itself.
    #[serde(rename = "run-code")]
    RunCode,
    /// A guarded tool whose arguments could not be understood (complex `sh -c` payloads, bad options).
    Opaque,
    /// A tool safeop does not know. It passes untouched.
    Unknown,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Overwrite,
        Kind::Delete,
        Kind::Move,
        Kind::Restore,
        Kind::Format,
        Kind::Partition,
        Kind::Resize,
        Kind::Reboot,
        Kind::Permissions,
        Kind::DestroyBackup,
        Kind::Read,
        Kind::RunCode,
        Kind::Opaque,
        Kind::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Overwrite => "overwrite",
            Kind::Delete => "delete",
            Kind::Move => "move",
            Kind::Restore => "restore",
            Kind::Format => "format",
            Kind::Partition => "partition",
            Kind::Resize => "resize",
            Kind::Reboot => "reboot",
            Kind::Permissions => "permissions",
            Kind::DestroyBackup => "destroy-backup",
            Kind::Read => "read",
            Kind::RunCode => "run-code",
            Kind::Opaque => "opaque",
            Kind::Unknown => "unknown",
        }
    }

    /// A kind by its policy name, or by the name an effect of it goes by (`create` is a
    /// restore's effect, `move-away` a move's).
    pub fn from_name(s: &str) -> Option<Kind> {
        match s {
            "create" => Some(Kind::Restore),
            "move-away" => Some(Kind::Move),
            _ => Kind::ALL.into_iter().find(|k| k.name() == s),
        }
    }
}

/// A normalized description of what one command line will do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// Normalized tool name (`dd`, `qemu-img`, `mkfs`, `systemctl` …), never a path.
    pub tool: String,
    pub kind: Kind,
    /// Paths (or device nodes) the operation writes, deletes, formats or restores into, as written
    /// (after a `chroot` wrapper they are re-rooted under the new root).
    pub targets: Vec<String>,
    /// Paths the operation reads from (dd's `if=`, an archive, a copy source).
    pub sources: Vec<String>,
    /// Flags that matter to policies: `recursive`, `force`, `no_preserve_root`, `one_file_system`,
    /// `delete`, `dry_run`, `notrunc`, `shrink`, `all` … Names are lower case with underscores.
    pub flags: BTreeSet<String>,
    /// Valued options that matter: `subcommand`, `format`, `repo`, `snapshot`, `strip_components` …
    pub options: BTreeMap<String, String>,
    /// The command's own argv after the wrappers were peeled (argv[0] as written).
    pub argv: Vec<String>,
    /// Wrappers peeled off in order (`sudo`, `env`, `nice` …).
    pub wrappers: Vec<String>,
    /// Environment assignments made by wrappers (`env X=1`, `sudo X=1`).
    pub env: BTreeMap<String, String>,
    /// Working directory set by a wrapper (`env -C DIR`, `sudo -D DIR`), relative to the caller's.
    pub cwd: Option<String>,
    /// New root from a `chroot` wrapper; targets and sources are already re-rooted under it.
    pub root: Option<String>,
    /// Why a guarded command was judged [`Kind::Opaque`], what its `runs_code` options run, or
    /// other notes for the report.
    pub note: Option<String>,
    /// Operations nested inside this one (`sh -c 'a; b'` once a shell parser splits it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Operation>,
    /// Everything the command does, effect by effect ([`effect::derive`]); `kind` and
    /// `targets` are its main effect.
    pub effects: Vec<Effect>,
    /// Programs the machine showed to be another than their name says (a symlink `zz` to
    /// `/usr/bin/dd`): found outside `command/` and handed in through [`reread_as`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
    /// What the wrappers around the command made of it beyond running it (xargs's arguments
    /// from input, find's `{}`, another mount namespace): kept so that [`reread_as`] applies it
    /// again.
    #[serde(skip)]
    pub imposed: Vec<wrappers::Imposed>,
}

/// A program reached under a name that is not its own: `zz` is `/usr/bin/dd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// argv[0] as written (encoded: `text::bytes`).
    pub written: String,
    /// The binary it is (encoded), as `facts::program` found it.
    pub binary: String,
}

impl Operation {
    pub fn new(tool: &str, argv: Vec<String>) -> Operation {
        Operation {
            tool: tool.to_string(),
            kind: Kind::Unknown,
            targets: Vec::new(),
            sources: Vec::new(),
            flags: BTreeSet::new(),
            options: BTreeMap::new(),
            argv,
            wrappers: Vec::new(),
            env: BTreeMap::new(),
            cwd: None,
            root: None,
            note: None,
            parts: Vec::new(),
            effects: Vec::new(),
            aliases: Vec::new(),
            imposed: Vec::new(),
        }
    }

    pub fn flag(&mut self, name: &str) {
        self.flags.insert(name.to_string());
    }

    pub fn has(&self, flag: &str) -> bool {
        self.flags.contains(flag)
    }

    /// A valued option, if the command set it.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    pub fn opt(&mut self, name: &str, value: &str) {
        self.options.insert(name.to_string(), value.to_string());
    }

    /// Marks the operation as not understood: policies see `opaque` and the note says why.
    /// Whether it names a path relative to the working directory (a target, a source or an
    /// effect's path).
    pub fn has_relative_path(&self) -> bool {
        let relative = |p: &str| !p.starts_with('/');
        self.targets.iter().any(|p| relative(p))
            || self.sources.iter().any(|p| relative(p))
            || self
                .effects
                .iter()
                .filter_map(|e| e.path.as_deref())
                .any(relative)
    }

    /// A guarded operation with relative paths that runs after a `cd` of the same shell (see
    /// [`crate::shell::moved_by`]) becomes opaque: it asks, naming the `cd`.
    pub fn after_move(&mut self, cd: &crate::shell::Found, script: &str) {
        if self.is_guarded() && self.kind != Kind::Opaque && self.has_relative_path() {
            let mut why = format!(
                "`{}` runs after `{}` in the same shell (line {} column {}): where its relative paths lead depends on whether and where that moved",
                self.tool,
                cd.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "),
                cd.line,
                cd.col
            );
            if !script.is_empty() {
                why.push_str(": ");
                why.push_str(script);
            }
            self.opaque(why);
        }
    }

    pub fn opaque(&mut self, why: impl Into<String>) {
        self.kind = Kind::Opaque;
        self.note = Some(why.into());
        // Made opaque after its effects were worked out (a `cd` before it in a script): what
        // it does is no longer known, so its effects are the one opaque effect the rules see.
        if !self.effects.is_empty() {
            self.effects = vec![effect::Effect::new(Kind::Opaque, None).flags(&self.flags)];
        }
    }

    /// Marks the operation as running a program its options name (`tar --to-command=CMD`,
    /// `rsync -e CMD` to a remote): flag `runs_code`, and the note says which option runs what
    /// (several such options are joined with `; `). Kind and targets stay, so the rules about
    /// what the operation does to its paths still apply.
    pub fn runs_code(&mut self, why: impl Into<String>) {
        self.flag("runs_code");
        self.note_also(why.into());
    }

    /// Marks the operation as getting arguments (or files) safeop cannot see: `xargs`'s and
    /// `parallel`'s input, what find's tests pick: flag `unseen_arguments`, and the note says
    /// where they come from. Kind and targets stay.
    pub(crate) fn unseen_arguments(&mut self, why: impl Into<String>) {
        self.flag("unseen_arguments");
        self.note_also(why.into());
    }

    /// Marks the operation's paths as naming files safeop cannot look at (another mount
    /// namespace, a container, another host): flag `elsewhere`, and the note says where.
    pub(crate) fn elsewhere(&mut self, why: impl Into<String>) {
        self.flag("elsewhere");
        self.note_also(why.into());
    }

    /// Adds to the note (several are joined with `; `), once.
    fn note_also(&mut self, why: String) {
        self.note = Some(match self.note.take() {
            Some(old) if old.split("; ").any(|n| n == why) => old,
            Some(old) => format!("{old}; {why}"),
            None => why,
        });
    }

    /// A dry run (`mkfs.ext4 -n`, `wipefs -n -a`, `sgdisk -P -Z`, `sfdisk --no-act`): the tool
    /// works out what it would write, prints it and writes nothing. What it would have written
    /// it only reads: [`Kind::Read`], flag `dry_run`, the would-be targets moved (first) into
    /// the sources, so no write rule sees a target.
    pub(crate) fn dry_run(&mut self) {
        self.flag("dry_run");
        let targets = std::mem::take(&mut self.targets);
        self.sources.splice(0..0, targets);
        self.kind = Kind::Read;
    }

    /// The command only prints its help or its version (or refuses an option it does not have,
    /// which also writes nothing): [`Kind::Read`] with no targets, sources, flags or options.
    pub(crate) fn prints_only(&mut self) {
        self.kind = Kind::Read;
        self.targets.clear();
        self.sources.clear();
        self.flags.clear();
        self.options.clear();
    }

    /// True when a policy may have something to say: the tool is one safeop knows.
    pub fn is_guarded(&self) -> bool {
        self.kind != Kind::Unknown
    }
}

/// Every tool name safeop parses (after stripping a directory and `mkfs.` style suffixes).
pub const TOOLS: &[&str] = &[
    "dd",
    "qemu-img",
    "rm",
    "tar",
    "cp",
    "rsync",
    "mv",
    "truncate",
    "shred",
    "wipefs",
    "mkfs",
    "mke2fs",
    "mkswap",
    "fdisk",
    "sfdisk",
    "parted",
    "sgdisk",
    "gdisk",
    "cfdisk",
    "reboot",
    "shutdown",
    "poweroff",
    "halt",
    "systemctl",
    "init",
    "telinit",
    "kexec",
    "loginctl",
    "busctl",
    "dbus-send",
    "tee",
    "restic",
    "borg",
    "chmod",
    "chown",
    "chgrp",
    "chattr",
    "setfacl",
    // block-device and volume tools
    "blkdiscard",
    "pv",
    "ddrescue",
    "dcfldd",
    "dc3dd",
    "badblocks",
    "hdparm",
    "nvme",
    "sg_format",
    "cryptsetup",
    "mdadm",
    "lvm",
    "pvcreate",
    "pvremove",
    "vgremove",
    "lvremove",
    "lvreduce",
    "lvresize",
    "lvconvert",
    "dmsetup",
    "zpool",
    "zfs",
    "btrfs",
    "e2fsck",
    "xfs_repair",
    "resize2fs",
    "xfs_growfs",
    "partclone",
    "ntfsclone",
    "mformat",
    "mkntfs",
    "mkexfatfs",
    "mkudffs",
    // storage and cluster tools of runbooks (DESIGN decision 16)
    "ceph-volume",
    "kubeadm",
    // container engines' volumes (DESIGN decision 15)
    "docker",
    "podman",
    "nerdctl",
    "docker-compose",
];

/// The tool name a program path stands for: `/usr/sbin/mkfs.ext4` → `mkfs`, `mke2fs` → `mkfs`,
/// `mkntfs` → `mkfs`, `fsck.ext4` → `e2fsck` (the same program), `partclone.ext4` → `partclone`,
/// `/bin/busybox.static` → `busybox`, `toybox-x86_64` → `toybox` (the multi-call binaries run
/// as themselves under any name that starts so, and as the program their name says otherwise:
/// a link `rm` to busybox is `rm`). The one naming rule: the
/// parsers, the wrappers, the fast path and the names `facts::program` resolves all use it.
pub fn tool_name(program: &str) -> String {
    let base = program.rsplit('/').next().unwrap_or(program);
    if base.starts_with("mkfs.")
        || matches!(
            base,
            "mke2fs" | "mkdosfs" | "mkswap" | "mkntfs" | "mkexfatfs" | "mkudffs"
        )
    {
        return "mkfs".to_string();
    }
    if matches!(
        base,
        "fsck.ext2" | "fsck.ext3" | "fsck.ext4" | "fsck.ext4dev"
    ) {
        return "e2fsck".to_string();
    }
    if base.starts_with("partclone.") {
        return "partclone".to_string();
    }
    for multi in ["busybox", "toybox"] {
        if base.starts_with(multi) {
            return multi.to_string();
        }
    }
    base.to_string()
}

/// Is this program one that safeop parses (or a wrapper around one), by its name? Cheap: no
/// Operation, used by the fast path to skip loading the policy for commands no rule can match.
pub fn is_guarded_program(program: &str) -> bool {
    is_guarded_name(&tool_name(program))
}

/// Is this [`tool_name`] one that safeop parses, or a wrapper?
pub fn is_guarded_name(tool: &str) -> bool {
    TOOLS.contains(&tool) || wrappers::is_wrapper(tool)
}

/// Parses a full command line: peels wrappers, then hands the rest to the tool's parser.
/// The same as [`parse_in`] with nothing inherited.
pub fn parse(argv: &[String]) -> Operation {
    parse_in(argv, &[])
}

/// The environment variables a parser reads when the caller's environment passes them in
/// ([`parse_in`]), and what each is read for:
/// - `BORG_RSH`, `BORG_REMOTE_PATH`: the programs borg runs to reach a repository that is not
///   a path here (→ flag `runs_code`); `BORG_PASSCOMMAND`: the command that prints the
///   passphrase (→ `runs_code`); `BORG_REPO`: only to tell whether the repository is remote
///   (it never becomes a target: the facts layer reads it for itself);
/// - `RSYNC_RSH`: the remote shell of a `host:path` transfer without `-e`;
///   `RSYNC_CONNECT_PROG`: the program that reaches an rsync daemon (→ `runs_code`);
/// - `RESTIC_PASSWORD_COMMAND`: the command that prints the password (→ `runs_code`);
///   `RESTIC_REPOSITORY`: only to tell which backend `-o sftp.command=` / `-o
///   rclone.program=` would apply to.
/// - `DOCKER_HOST`, `DOCKER_CONTEXT`, `DOCKER_CONFIG` (docker, compose), `CONTAINER_HOST`,
///   `CONTAINER_CONNECTION` (podman), `CONTAINERD_ADDRESS`, `CONTAINERD_NAMESPACE` (nerdctl):
///   the daemon a container engine's CLI talks to (another one → flag `elsewhere`), and where
///   docker's config file is (its current context is read by the facts);
/// - `HOME`: what `~` in a shell string expands to (only when the door hands in an
///   expander, [`Here::fs`]); `BASH_ENV`: a file non-interactive bash reads before the string,
///   which may change how its words expand (set: bash's glob settings are not known).
pub const INHERITED: &[&str] = &[
    "BASH_ENV",
    "BORG_PASSCOMMAND",
    "BORG_REMOTE_PATH",
    "BORG_REPO",
    "BORG_RSH",
    "CONTAINERD_ADDRESS",
    "CONTAINERD_NAMESPACE",
    "CONTAINER_CONNECTION",
    "CONTAINER_HOST",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
    "DOCKER_HOST",
    "HOME",
    "RESTIC_PASSWORD_COMMAND",
    "RESTIC_REPOSITORY",
    "RSYNC_CONNECT_PROG",
    "RSYNC_RSH",
];

/// [`parse`] for a command line that runs in an environment: `inherited` is the caller's
/// environment (pass the [`INHERITED`] variables that are set; others are ignored). Each is
/// taken as set for the command unless a wrapper on the line changes it (`env -i`, `env -u
/// NAME`, `env NAME=…`, `sudo NAME=…`). Pure: the caller read the environment.
pub fn parse_in(argv: &[String], inherited: &[(String, String)]) -> Operation {
    parse_at(
        argv,
        &Here {
            inherited: inherited.to_vec(),
            ..Here::default()
        },
    )
}

/// The environment a command runs in, as far as the parsers care: what the caller passed in
/// ([`INHERITED`]) as the wrappers on the line changed it. Never the [`Operation::env`] map,
/// which holds only what the line itself assigns. With it, what the door knows of the place
/// the command runs in ([`Here`]), as long as the wrappers leave it that place.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    vars: BTreeMap<String, String>,
    /// The filesystem the words of a shell string are expanded against: `None` once a wrapper
    /// runs the command in another directory, root, namespace or host.
    pub(crate) expand: Option<Expander>,
    /// Standard input is a script, not a terminal ([`Here::stdin_script`]).
    pub(crate) stdin_script: bool,
    /// ssh's configuration reader ([`Here::ssh`]) and whose files it reads here.
    pub(crate) ssh: Option<here::SshReader>,
    pub(crate) ssh_user: SshUser,
}

impl Scope {
    fn inherited(vars: &[(String, String)]) -> Scope {
        let vars = vars
            .iter()
            .filter(|(k, _)| INHERITED.contains(&k.as_str()))
            .cloned()
            .collect();
        Scope {
            vars,
            ..Scope::default()
        }
    }

    /// The command runs where, or when, this machine's files are not what its words will name
    /// (another directory, root, namespace or host; again and again under `watch`; after
    /// waiting for a lock): the words of a shell string in it are no longer expanded here.
    pub(crate) fn no_expansion(&mut self) {
        self.expand = None;
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    pub(crate) fn unset(&mut self, name: &str) {
        self.vars.remove(name);
    }

    fn clear(&mut self) {
        self.vars.clear();
    }
}

/// The same command line read again once the machine has said what its program is: `binary` (a
/// symlink's target, a hard link's other name; `facts::program`) in place of `op.argv[0]`. The
/// wrappers, environment and directory around it stay; `argv[0]` stays as written, and
/// [`Operation::aliases`] says what it was taken for. Pure: the caller found `binary`.
pub fn reread_as(op: &Operation, binary: &str) -> Operation {
    reread_as_in(op, binary, &[])
}

/// [`reread_as`] in an environment, as [`parse_in`] reads one: `inherited` with the wrappers'
/// assignments ([`Operation::env`]) over it.
pub fn reread_as_in(op: &Operation, binary: &str, inherited: &[(String, String)]) -> Operation {
    let Some(written) = op.argv.first() else {
        return op.clone();
    };
    let mut argv = op.argv.clone();
    argv[0] = binary.to_string();
    let mut scope = Scope::inherited(inherited);
    for (k, v) in &op.env {
        scope.set(k, v);
    }
    let mut new = wrappers::peel(&argv, 0, &scope);
    for imp in &op.imposed {
        imp.apply(&mut new);
    }
    new.imposed.splice(0..0, op.imposed.iter().cloned());
    if new.wrappers.is_empty() && new.argv.first().map(String::as_str) == Some(binary) {
        new.argv[0] = written.clone();
    }
    new.wrappers.splice(0..0, op.wrappers.iter().cloned());
    for (k, v) in &op.env {
        new.env.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if new.cwd.is_none() {
        new.cwd = op.cwd.clone();
    }
    if let Some(root) = &op.root {
        wrappers::reroot(&mut new, root);
    }
    let alias = Alias {
        written: written.clone(),
        binary: binary.to_string(),
    };
    new.aliases
        .splice(0..0, op.aliases.iter().cloned().chain([alias]));
    effect::fill(&mut new);
    new
}

/// Parses a command line whose wrappers are already peeled. `argv[0]` is the program as written;
/// `env` is the environment it runs in (what borg, restic and rsync take from it).
pub(crate) fn parse_tool(argv: &[String], env: &Scope) -> Operation {
    let Some(program) = argv.first() else {
        return Operation::new("", Vec::new());
    };
    let tool = tool_name(program);
    let mut op = Operation::new(&tool, argv.to_vec());
    let args = &argv[1..];
    match tool.as_str() {
        "dd" => dd::parse(&mut op, args),
        "qemu-img" => qemu_img::parse(&mut op, args),
        "rm" => rm::parse(&mut op, args),
        "tar" => tar::parse(&mut op, args),
        "cp" => cp::parse(&mut op, args),
        "rsync" => rsync::parse(&mut op, args, env),
        "mv" => mv::parse(&mut op, args),
        "truncate" => truncate::parse(&mut op, args),
        "shred" => shred::parse(&mut op, args),
        "wipefs" => wipefs::parse(&mut op, args),
        "mkfs" => mkfs::parse(&mut op, program, args),
        "fdisk" | "sfdisk" | "parted" | "sgdisk" | "gdisk" | "cfdisk" => {
            partition::parse(&mut op, args)
        }
        "reboot" | "shutdown" | "poweroff" | "halt" | "init" | "telinit" => {
            reboot::parse(&mut op, args)
        }
        "systemctl" => systemctl::parse(&mut op, args),
        "kexec" => kexec::parse(&mut op, args),
        "loginctl" | "busctl" | "dbus-send" => logind::parse(&mut op, args),
        "tee" => tee::parse(&mut op, args),
        "restic" => restic::parse(&mut op, args, env),
        "borg" => borg::parse(&mut op, args, env),
        "chmod" => chmod::parse_chmod(&mut op, args),
        "chown" => chmod::parse_chown(&mut op, args),
        "chgrp" => chmod::parse_chgrp(&mut op, args),
        "chattr" => chattr::parse(&mut op, args),
        "setfacl" => setfacl::parse(&mut op, args),
        "blkdiscard" | "pv" | "ddrescue" | "dcfldd" | "dc3dd" | "badblocks" => {
            blockwrite::parse(&mut op, args)
        }
        "hdparm" | "nvme" | "sg_format" => drive::parse(&mut op, args),
        "cryptsetup" => cryptsetup::parse(&mut op, args),
        "mdadm" => mdadm::parse(&mut op, args),
        "lvm" | "pvcreate" | "pvremove" | "vgremove" | "lvremove" | "lvreduce" | "lvresize"
        | "lvconvert" => lvm::parse(&mut op, args),
        "dmsetup" => dmsetup::parse(&mut op, args),
        "zpool" | "zfs" => zfs::parse(&mut op, args),
        "btrfs" => btrfs::parse(&mut op, args),
        "e2fsck" | "xfs_repair" | "resize2fs" | "xfs_growfs" => fsrepair::parse(&mut op, args),
        "partclone" | "ntfsclone" => clone::parse(&mut op, program, args),
        "mformat" => mformat::parse(&mut op, args),
        "ceph-volume" => ceph_volume::parse(&mut op, args),
        "kubeadm" => kubeadm::parse(&mut op, args),
        "docker" | "podman" | "nerdctl" | "docker-compose" => container::parse(&mut op, args, env),
        _ => {}
    }
    op
}

/// Test helpers the parsers' unit tests share.
#[cfg(test)]
pub(crate) mod test_support {
    /// A command line as a test writes it, split the shell's way and parsed.
    pub(crate) fn parse_str(line: &str) -> super::Operation {
        let argv = shell_words::split(line).expect("test command line splits");
        super::parse(&argv)
    }
}
#[cfg(test)]
pub(crate) use test_support::parse_str;

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        shell_words::split(line).expect("splits")
    }

    /// Every guarded tool's `--help` and `--version` only print: [`Kind::Read`] with nothing
    /// for a write rule to see (a tool without `--version` refuses it, which writes nothing too).
    /// systemctl with no verb is no business of safeop's at all ([`Kind::Unknown`]).
    #[test]
    fn every_guarded_tool_s_help_and_version_only_print() {
        let mkfs_names = [
            "mkfs",
            "mkfs.ext2",
            "mkfs.ext3",
            "mkfs.ext4",
            "mke2fs",
            "mkfs.xfs",
            "mkfs.btrfs",
            "mkfs.vfat",
            "mkfs.fat",
            "mkfs.msdos",
            "mkdosfs",
            "mkswap",
            "mkfs.exfat",
            "mkfs.f2fs",
            "mkfs.ntfs",
            "mkfs.minix",
            "mkfs.jfs",
            "mkntfs",
            "mkexfatfs",
            "mkudffs",
            "mkfs.udf",
        ];
        let tools = TOOLS.iter().copied().filter(|t| !t.starts_with("mk"));
        for tool in tools.chain(mkfs_names) {
            for opt in ["--help", "--version"] {
                let line = format!("{tool} {opt}");
                let op = parse(&words(&line));
                let want = if tool == "systemctl" {
                    Kind::Unknown
                } else {
                    Kind::Read
                };
                assert_eq!(op.kind, want, "{line}: {:?}", op.note);
                assert!(op.targets.is_empty(), "{line}: {:?}", op.targets);
                // Behind a wrapper, too.
                let op = parse(&words(&format!("sudo {line}")));
                assert_eq!(op.kind, want, "sudo {line}");
            }
        }
        // The short spellings, where the tool's own manual says they are help or version.
        for line in [
            "qemu-img -h",
            "qemu-img -V",
            "wipefs -h",
            "wipefs -V",
            "mkfs -h",
            "mkfs -V",
            "mke2fs -V",
            "mkfs.ext4 -V",
            "mkfs.xfs -V",
            "mkfs.btrfs -V",
            "mkswap -h",
            "mkswap -V",
            "mkfs.exfat -h",
            "mkfs.exfat -V",
            "mkfs.f2fs -V",
            "mkfs.ntfs -h",
            "mkfs.ntfs -V",
            "mkfs.minix -h",
            "mkfs.minix -V",
            "fdisk -h",
            "fdisk -V",
            "sfdisk -h",
            "sfdisk -v",
            "parted -h",
            "parted -v",
            "sgdisk -?",
            "sgdisk -V",
            "cfdisk -h",
            "cfdisk -V",
            "restic -h",
            "borg -V",
        ] {
            let op = parse(&words(line));
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
    }

    #[test]
    fn one_naming_rule() {
        assert_eq!(tool_name("/usr/sbin/mkfs.ext4"), "mkfs");
        assert_eq!(tool_name("mke2fs"), "mkfs");
        assert_eq!(tool_name("/bin/busybox.static"), "busybox");
        assert_eq!(tool_name("toybox-x86_64"), "toybox");
        assert_eq!(tool_name("./zz"), "zz");
        for p in [
            "dd",
            "/usr/bin/rm",
            "mkfs.xfs",
            "mkdosfs",
            "mkswap",
            "busybox",
            "/bin/toybox-x86_64",
            "sudo",
            "/usr/bin/find",
            "xargs",
        ] {
            assert!(is_guarded_program(p), "{p}");
        }
        for p in ["zz", "ls", "/usr/bin/grep", "rmm"] {
            assert!(!is_guarded_program(p), "{p}");
        }
    }

    #[test]
    fn a_program_reread_as_its_binary_keeps_what_is_around_it() {
        let op = parse(&words(
            "sudo -u root env -C /srv X=1 ./zz if=/dev/zero of=web1.img",
        ));
        assert_eq!((op.tool.as_str(), op.kind), ("zz", Kind::Unknown));
        let op = reread_as(&op, "/usr/bin/dd");
        assert_eq!((op.tool.as_str(), op.kind), ("dd", Kind::Overwrite));
        assert_eq!(op.targets, ["web1.img"]);
        assert_eq!(op.wrappers, ["sudo", "env"]);
        assert_eq!(op.cwd.as_deref(), Some("/srv"));
        assert_eq!(op.env.get("X").map(String::as_str), Some("1"));
        assert_eq!(op.argv[0], "./zz", "argv[0] as written");
        assert_eq!(
            op.aliases,
            [Alias {
                written: "./zz".into(),
                binary: "/usr/bin/dd".into()
            }]
        );
    }

    #[test]
    fn a_program_reread_as_a_wrapper_reaches_the_tool_inside() {
        let op = parse(&words("chroot /mnt zz rm -rf /srv"));
        let op = reread_as(&op, "/usr/bin/sudo");
        assert_eq!((op.tool.as_str(), op.kind), ("rm", Kind::Delete));
        assert_eq!(op.targets, ["/mnt/srv"], "still under the new root");
        assert_eq!(op.wrappers, ["chroot", "sudo"]);
        assert_eq!(op.aliases[0].written, "zz");
    }

    /// Every kind's policy name is the name it serializes under, and reads back.
    #[test]
    fn kind_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(k));
            assert_eq!(serde_json::to_value(k).expect("serializes"), k.name());
        }
        assert_eq!(Kind::DestroyBackup.name(), "destroy-backup");
    }
}
