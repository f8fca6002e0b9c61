//! Is the target in use? Loop devices, open files, QEMU's image locks, block-device holders and
//! swap, Xen and libvirt domains, and what kind of disk image a file is.
//!
//! Every probe here matches by identity (device and inode, or the block device number), never by
//! path spelling. The probes are ordered by cost: identity, loop devices, `/proc/locks`, sysfs
//! and `/proc/swaps` are a few reads; the VM probe runs helper programs (only those installed);
//! the open-file probe scans every process's fds once per run, shared by all targets. Rules
//! should read them in that order so a cheap deny spares the costly probes.
//!
//! Nothing here writes, and nothing opens a target for writing.

use super::{FactDef, Probe, ProbeFn, Scope};

pub mod below;
pub mod helper;
pub mod holders;
pub mod identity;
pub mod image_format;
pub mod leases;
pub mod libvirt;
pub mod loop_devices;
pub mod open_files;
pub mod qemu_locks;
mod summary;
pub mod swaps;
pub mod vm;
pub mod xen;

static IDENTITY: Probe = Probe {
    id: "identity",
    run: ProbeFn::Path(identity::probe),
    pure: false,
};
static LOOP: Probe = Probe {
    id: "loop",
    run: ProbeFn::Path(loop_devices::probe),
    pure: false,
};
static QEMU_LOCK: Probe = Probe {
    id: "qemu_lock",
    run: ProbeFn::Path(qemu_locks::probe),
    pure: false,
};
static QEMU_HOLDERS: Probe = Probe {
    id: "qemu_lock_holders",
    run: ProbeFn::Path(qemu_locks::holders_probe),
    pure: false,
};
static HOLDERS: Probe = Probe {
    id: "holders",
    run: ProbeFn::Path(holders::probe),
    pure: false,
};
static SWAP: Probe = Probe {
    id: "swap",
    run: ProbeFn::Path(swaps::probe),
    pure: false,
};
static VM: Probe = Probe {
    id: "vm",
    run: ProbeFn::Path(vm::probe),
    pure: false,
};
static OPEN_WRITERS: Probe = Probe {
    id: "open_writers",
    run: ProbeFn::Path(open_files::writers_probe),
    pure: false,
};
static OPEN: Probe = Probe {
    id: "open_files",
    run: ProbeFn::Path(open_files::probe),
    pure: false,
};
static IMAGE: Probe = Probe {
    id: "image_format",
    run: ProbeFn::Path(image_format::probe),
    pure: false,
};
static BELOW: Probe = Probe {
    id: "tree_in_use",
    run: ProbeFn::Path(below::probe),
    pure: false,
};
static IN_USE: Probe = Probe {
    id: "in_use",
    run: ProbeFn::Path(summary::probe),
    pure: false,
};

/// The tables of this area, in the order `safeop explain --list` shows them.
pub(crate) static TABLES: &[&[FactDef]] = &[
    IDENTITY_FACTS,
    LOOP_FACTS,
    LOCK_FACTS,
    BLOCK_FACTS,
    VM_FACTS,
    OPEN_FACTS,
    IMAGE_FACTS,
    SUMMARY_FACTS,
    BELOW_FACTS,
];

static BELOW_FACTS: &[FactDef] = &[
    FactDef { name: "tree.in_use", scope: Scope::Path, probe: &BELOW, ty: "list", doc: "## What it tells\nWhat the kernel uses below a directory that a recursive delete would remove, one sentence each: a file backing a loop device (`IMG backs /dev/loop3, mounted on /mnt/data`), an active swap file (`F is active swap`), an image carrying QEMU's locks (`IMG is locked by QEMU`: a VM, qemu-nbd or qemu-storage-daemon has it open).\n## How it is found\nFrom the kernel's own lists, once per run: `/sys/block/loop*/loop/backing_file` (the loop driver's (device, inode) confirming the name) and `/proc/swaps`; each listed path is below the directory when one of its parents, stat'ed, *is* the directory by (device, inode), so a tree reached through a bind mount still holds its images. QEMU's locks name no path: the tree is walked once (the walk of `scale.entries`: bounded, no symlinks followed); its regular files of at least 512 bytes (one sector: no usable disk image is smaller) are each asked with `F_OFD_GETLK` on bytes 100-299, up to 4,096 of them; a bigger tree's files are matched by (device, inode) against one read of `/proc/locks` (which costs 10-20 ms: the kernel waits for an RCU grace period).\n## When it is unknown\nAn empty list when the path is not a directory or nothing below it is in use. A fact error when sysfs, `/proc/swaps` or `/proc/locks` cannot be read, and when files on the tree's filesystem carry QEMU's locks but the walk stopped (100,000 entries or 2 s) before finding them and nothing else was found.\n## Example\n`rm -rf /srv/images` → `[/srv/images/web1.img backs /dev/loop3, /srv/images/db.qcow2 is locked by QEMU]`." },
];

static IDENTITY_FACTS: &[FactDef] = &[
    FactDef { name: "identity.dev", scope: Scope::Path, probe: &IDENTITY, ty: "string", doc: "## What it tells\nThe device (`major:minor`, decimal) of the filesystem holding the object the path reaches. With `identity.ino` it names the object whatever path spells it; every in-use fact matches by it.\n## How it is found\nstat(2) of the resolved path (lstat for a symlink that rm or mv acts on).\n## When it is unknown\n`null` when nothing is at the path; a fact error when stat fails otherwise.\n## Example\n`/srv/xen/web1.img` → `254:0`." },
    FactDef { name: "identity.ino", scope: Scope::Path, probe: &IDENTITY, ty: "number", doc: "## What it tells\nThe inode number of the object the path reaches (see `identity.dev`).\n## How it is found\nstat(2) of the resolved path.\n## When it is unknown\n`null` when nothing is at the path; a fact error when stat fails otherwise.\n## Example\n`10043399`." },
];

static LOOP_FACTS: &[FactDef] = &[
    FactDef { name: "loop.attached", scope: Scope::Path, probe: &LOOP, ty: "bool", doc: "## What it tells\nWhether the file (or block device) backs a loop device: whatever is on `/dev/loopN` (a filesystem, a Xen `phy:` disk) lives in it.\n## How it is found\nEvery `/sys/block/loop*/loop/backing_file`; the loop driver's own record of the backing inode (LOOP_GET_STATUS64 on `/dev/loopN`) is compared with the target's device and inode, so an image renamed or deleted after `losetup` still matches (also one that lives on as a hard link of a deleted name). Without that answer (a normal user cannot open `/dev/loopN`), the sysfs path is stat'ed; sysfs gives no inode.\n## When it is unknown\n`false` when nothing is at the path, or when the file is open nowhere (a write lease is granted). A fact error when `/sys/block` cannot be read, and when no loop device is known to be backed by the file but one cannot be told apart: `/dev/loopN` cannot be opened and its backing file was deleted (` (deleted)` in sysfs: a hard link under another name may be this file) or cannot be stat'ed. `loop.devices` is then failed too, and `loop.mountpoints` only if such a loop device is mounted.\n## Example\n`losetup /dev/loop3 web1.img` → `true` for `web1.img`, for a symlink to it and for `../img/web1.img`." },
    FactDef { name: "loop.devices", scope: Scope::Path, probe: &LOOP, ty: "list", doc: "## What it tells\nThe loop devices the file backs, for the message and the way out (`losetup -d /dev/loop3`).\n## How it is found\nAs `loop.attached`.\n## When it is unknown\nAs `loop.attached` (an empty list when none).\n## Example\n`[/dev/loop3]`." },
    FactDef { name: "loop.mountpoints", scope: Scope::Path, probe: &LOOP, ty: "list", doc: "## What it tells\nWhere the loop devices backed by the file (or their partitions) are mounted, each as `MOUNTPOINT (/dev/loopN)`: a filesystem image mounted through a loop device.\n## How it is found\nThe `major:minor` of each backing loop device and its partitions (sysfs) against field 3 of /proc/self/mountinfo.\n## When it is unknown\nAs `loop.attached`; a fact error when mountinfo cannot be read.\n## Example\n`[/mnt/data (/dev/loop3)]`." },
];

static LOCK_FACTS: &[FactDef] = &[
    FactDef { name: "qemu.locked", scope: Scope::Path, probe: &QEMU_LOCK, ty: "bool", doc: "## What it tells\nWhether QEMU (a VM, qemu-nbd, qemu-storage-daemon, a running qemu-img) has the image open: QEMU locks bytes 100-299 of every image it opens, read-only users included. The locks are advisory; only QEMU honours them, which is why safeop checks.\n## How it is found\n/proc/locks: an OFD or POSIX lock overlapping bytes 100..=299 on the target's device and inode (`MAJ:MIN:INODE`, hex device numbers). Cheap: no process scan.\n## When it is unknown\n`false` for block devices and missing paths; a fact error when /proc/locks cannot be read. QEMU with `file.locking=off` leaves no locks: `open.writers` still sees it.\n## Example\n`qemu-nbd -f qcow2 web1.qcow2 &` → `true`." },
    FactDef { name: "qemu.lock_holders", scope: Scope::Path, probe: &QEMU_HOLDERS, ty: "list", doc: "## What it tells\nThe processes holding QEMU's locks on the image, as `comm (pid N)`.\n## How it is found\nOFD locks show pid -1 in /proc/locks, so the processes that have the image open (one /proc/*/fd scan) are asked: a `lock:` line in /proc/PID/fdinfo/FD on the same device and inode names the holder. POSIX locks name their pid directly.\n## When it is unknown\nAn empty list when not locked; `an unidentified process` when the lock exists but its owner's /proc entry cannot be read; a fact error when /proc cannot be read.\n## Example\n`[qemu-nbd (pid 4121)]`." },
];

static BLOCK_FACTS: &[FactDef] = &[
    FactDef { name: "device.holders", scope: Scope::Path, probe: &HOLDERS, ty: "list", doc: "## What it tells\nThe devices stacked on a block device or its partitions: device-mapper (LVM, dm-crypt, multipath), md RAID, bcache. Each as `dm-0 (vg0-data)`, or `md0 on sdb1` for a partition's holder. Writing to a member corrupts what is above it.\n## How it is found\n`/sys/dev/block/MAJ:MIN/holders/` and `…/PART/holders/` of each partition, with `/sys/block/dm-N/dm/name`.\n## When it is unknown\n`null` when the path is not a block device; a fact error when sysfs does not know the device.\n## Example\n`/dev/sdb` with an LVM PV on `sdb2` → `[dm-0 (vg0-data) on sdb2]`." },
    FactDef { name: "device.swap", scope: Scope::Path, probe: &SWAP, ty: "bool", doc: "## What it tells\nWhether the block device (or one of its partitions) or the file is active swap.\n## How it is found\n/proc/swaps: partitions by device number and kernel name, swap files by device and inode.\n## When it is unknown\n`false` when nothing is at the path; a fact error when /proc/swaps cannot be read.\n## Example\n`swapon /dev/loop2` → `true` for `/dev/loop2`." },
];

static VM_FACTS: &[FactDef] = &[
    FactDef { name: "vm.running", scope: Scope::Path, probe: &VM, ty: "bool", doc: "## What it tells\nWhether a running Xen or libvirt domain has the path as a disk.\n## How it is found\nXen: `xl list -l` (JSON; `disks[].pdev_path`, `vdev`, `readwrite`; omitted keys are defaults; string disk specs parsed as xl does), else the backends in `xenstore-ls -f /local/domain/0/backend` (`params` without its `fmt:` prefix, `physical-device`). libvirt: `virsh list --name`, then `virsh domblklist --details` for each. Each disk source is stat'ed and compared with the target's identity; sources that are not local paths (iSCSI, drbd, rbd) never match.\n## When it is unknown\n`false` when a tool answered and no domain uses it. `null` when neither `xl`, `xenstore-ls` nor `virsh` is installed (no hypervisor stack: not applicable), and also when an installed tool fails, hangs (5 s) or prints what cannot be parsed — the libvirt daemon being down, `xl` printing S-expressions — and no other tool names a domain using the path: a stack that cannot answer does not mean \"not in use\"; `vm.errors` then says what failed (with the tool's stderr) and the default policy asks a person. Except for a directory, or when the kernel says no one has the file open at all (a write lease is granted): a running domain's disk is always held open (QEMU, tapdisk, the loop device under blkback), so then it is `false` and `vm.errors` still says what failed.\n## Example\n`/srv/xen/web1.img` as `xvda` of domain web1 → `true`." },
    FactDef { name: "vm.errors", scope: Scope::Path, probe: &VM, ty: "list", doc: "## What it tells\nThe hypervisor tools that are installed but could not say which disks their running domains use, each as `STACK: what failed` with the tool's stderr: while this is not empty, `vm.running` is `false` only when the file is open nowhere.\n## How it is found\nAs `vm.running`: `xl list -l` failing or printing non-JSON, `xenstore-ls` failing, `virsh list`/`virsh domblklist` failing (daemon down, no permission) or printing an unexpected table.\n## When it is unknown\nAn empty list when every installed tool answered (or none is installed).\n## Example\n`[libvirt: `virsh list --name` failed (exit status 1): error: failed to connect to the hypervisor]`." },
    FactDef { name: "vm.name", scope: Scope::Path, probe: &VM, ty: "string", doc: "## What it tells\nThe name of the running domain that uses the path (a read-write user first).\n## How it is found\nAs `vm.running` (Xen: `c_info.name`; from xenstore `/local/domain/ID/name`).\n## When it is unknown\n`null` when no domain uses it.\n## Example\n`web1`." },
    FactDef { name: "vm.id", scope: Scope::Path, probe: &VM, ty: "string", doc: "## What it tells\nThe domain's numeric id (Xen domid, libvirt `virsh domid`).\n## How it is found\nAs `vm.running`.\n## When it is unknown\n`null` when no domain uses it or the id cannot be read.\n## Example\n`3`." },
    FactDef { name: "vm.disk", scope: Scope::Path, probe: &VM, ty: "string", doc: "## What it tells\nThe guest's name for the disk (Xen `vdev`, libvirt target).\n## How it is found\nAs `vm.running`.\n## When it is unknown\n`null` when no domain uses it.\n## Example\n`xvda`." },
    FactDef { name: "vm.hypervisor", scope: Scope::Path, probe: &VM, ty: "string", doc: "## What it tells\n`xen` or `libvirt`: which stack reported the domain.\n## How it is found\nAs `vm.running`.\n## When it is unknown\n`null` when no domain uses it.\n## Example\n`xen`." },
    FactDef { name: "vm.readwrite", scope: Scope::Path, probe: &VM, ty: "bool", doc: "## What it tells\nWhether some running domain has the disk read-write (false: only read-only users such as a CD-ROM).\n## How it is found\nXen `readwrite` (missing = read-only), `is_cdrom`, xenstore `mode`; libvirt: CD-ROMs are read-only (domblklist shows no `<readonly/>`).\n## When it is unknown\n`null` when no domain uses it.\n## Example\n`true`." },
];

static OPEN_FACTS: &[FactDef] = &[
    FactDef { name: "open.writers", scope: Scope::Path, probe: &OPEN_WRITERS, ty: "list", doc: "## What it tells\nThe other processes that have the file or block device open for writing, as `comm (pid N)`.\n## How it is found\nFor a regular file the kernel is asked first: a read lease (`F_SETLEASE`) is refused exactly when the file is open for writing somewhere, so an idle file costs no scan. Otherwise one scan of /proc/*/fd per run (in parallel when there are many processes): each fd is stat'ed and matched by device and inode (block devices by device number), so deleted and renamed files count. The access mode comes from `flags:` in /proc/PID/fdinfo/FD (how each writer holds it, `O_APPEND` or not: `open.writers_detail`, `open.writers_append_only`). safeop itself is left out.\n## When it is unknown\nAn empty list when nothing has it open; a fact error when /proc cannot be read. Processes whose fds cannot be listed are counted in `open.unreadable`; a writer the kernel knows of that the scan cannot name is `open.unseen_writer`.\n## Example\n`[qemu-system-x86 (pid 812)]`." },
    FactDef { name: "open.writers_detail", scope: Scope::Path, probe: &OPEN_WRITERS, ty: "list", doc: "## What it tells\nEach writer in `open.writers` with the descriptor it holds the file by and how, as open(2) spells the access mode: `O_WRONLY` or `O_RDWR`, with `|O_APPEND` when every write through it lands at the end of the file (a logger's descriptor).\n## How it is found\nWith `open.writers`: the `flags:` line of /proc/PID/fdinfo/FD (octal; access mode = flags & 3, `O_APPEND` = 02000 on x86, Arm and RISC-V).\n## When it is unknown\nAn empty list when no process safeop can name has it open for writing (also when the writer is one safeop cannot see); a fact error as `open.writers`. A descriptor whose fdinfo cannot be read counts as a writer, `flags unreadable (counted as a writer)`.\n## Example\n`[rsyslogd (pid 812) fd 7: O_WRONLY|O_APPEND]`." },
    FactDef { name: "open.writers_append_only", scope: Scope::Path, probe: &OPEN_WRITERS, ty: "bool", doc: "## What it tells\nWhether every process that has the file open for writing holds it with `O_APPEND`: writes only ever land at the end, as a logger's do (rsyslogd, nginx, `>>` in a shell). Truncating or removing such a file is what log rotation does; the writer carries on at the new end, or in the removed file until it reopens. A writer without `O_APPEND` (a database, `dd`, QEMU) writes anywhere: then it is `false`. The default policy warns for such a log and asks for any other file that is written; disk images, block devices, loop backing files and guests' disks are refused either way.\n## How it is found\nWith `open.writers`, from `flags:` in /proc/PID/fdinfo/FD of every writing descriptor (see `open.writers_detail`). Only read when the scan names a writer, so a file open nowhere costs no scan.\n## When it is unknown\n`null` when no process safeop can name has it open for writing. A fact error (the rule's `unknown:` decides) when every writer safeop sees appends but the scan is blind somewhere (/proc shows one PID namespace or hides other users' processes, or some processes' fds could not be read, as for a normal user): a writer it cannot see may write anywhere. A descriptor whose flags cannot be read never counts as appending.\n## Example\n`sh -c 'exec 3>>app.log; …'` → `true`; `exec 3<>app.log` → `false`." },
    FactDef { name: "open.unseen_writer", scope: Scope::Path, probe: &OPEN_WRITERS, ty: "bool", doc: "## What it tells\nWhether the file is open for writing by a process safeop cannot see: the kernel says a writer has it open, but no process safeop can list does. The writer may run in another PID namespace (a container's QEMU, when safeop runs in a container or under a private /proc), be another user's process (safeop run by a normal user cannot read other users' fds), or hold the file only through a shared writable memory mapping, io_uring or a kernel service. The default policy treats it as a named writer: it asks for a plain file and refuses for a disk image, a block device or a guest's disk.\n## How it is found\nWith `open.writers`: a read lease (`F_SETLEASE F_RDLCK`) is refused exactly when the file is open for writing anywhere on the machine, whatever /proc shows. Where no lease can be had (not the file's owner and no `CAP_LEASE`; NFS, CIFS and FUSE give none), an OFD write lock on any byte (`F_OFD_GETLK`) still proves a writer. When the /proc scan then names no writer, the kernel is asked once more (the writer may just have closed it); the kernel's own writers that other facts name (`loop.attached`, `device.swap`) do not count, and when safeop's own output goes into the file the kernel's answer is no answer (only the scan speaks).\n## When it is unknown\nA fact error (the rule's `unknown:` decides) when the kernel cannot be asked and /proc does not show every process: /proc shows only one PID namespace, hides other users' processes (`hidepid`), or some processes' fds could not be read. `false` when the kernel says no one writes it, and when it cannot be asked but the scan saw every process (root on NFS). Block devices have no leases: for them only the scan speaks. `false` for character devices, FIFOs and sockets (no one's disk).\n## Example\n`sh -c 'exec 3>>web1.img; sleep 1d'` in another container → `true`." },
    FactDef { name: "open.unseen_evidence", scope: Scope::Path, probe: &OPEN_WRITERS, ty: "string", doc: "## What it tells\nWhy `open.unseen_writer` is true: how the kernel told, and what safeop's /proc does not show here.\n## How it is found\nAs `open.unseen_writer`.\n## When it is unknown\n`null` when `open.unseen_writer` is not true.\n## Example\n`the kernel says it is open for writing: a read lease is refused, yet no process in safeop's view has it open for writing: /proc shows only the processes of one PID namespace (safeop runs in a container or under `unshare --pid`)`." },
    FactDef { name: "open.readers", scope: Scope::Path, probe: &OPEN, ty: "list", doc: "## What it tells\nThe other processes that have the file or block device open read-only.\n## How it is found\nAs `open.writers`.\n## When it is unknown\nAs `open.writers`.\n## Example\n`[qemu-nbd (pid 4121)]` for `qemu-nbd --read-only`." },
    FactDef { name: "open.unreadable", scope: Scope::Path, probe: &OPEN, ty: "number", doc: "## What it tells\nHow many processes' fd lists could not be read (another user's processes, without root): `open.writers` cannot vouch for them.\n## How it is found\nThe /proc scan counts every /proc/PID/fd that fails with anything but \"gone\".\n## When it is unknown\nAs `open.writers`.\n## Example\n`0` as root; dozens as a normal user." },
];

static IMAGE_FACTS: &[FactDef] = &[
    FactDef { name: "image.format", scope: Scope::Path, probe: &IMAGE, ty: "string", doc: "## What it tells\nWhat disk-image format a regular file is: `qcow2`, `qcow`, `qed`, `vmdk`, `vhd`, `vhdx`, `vdi`, `raw-gpt` or `raw-mbr` (a raw disk with a partition table), `raw-ext`, `raw-xfs` or `raw-luks` (a bare filesystem or LUKS volume with no partition table; an inactive swap area is none), or `null` for anything else.\n## How it is found\nMagic bytes in the first 4 KiB (the GPT header at byte 512 or 4096, the MBR signature at 510, ext's superblock magic at 1080, XFS's and LUKS's at 0) and the `conectix` footer in the last 512 bytes of a fixed VHD. Opened read-only, never read further.\n## When it is unknown\n`null` for missing paths, directories and block devices; a fact error when the file cannot be read.\n## Example\n`web1.qcow2` → `qcow2`." },
];

static SUMMARY_FACTS: &[FactDef] = &[
    FactDef { name: "in_use", scope: Scope::Path, probe: &IN_USE, ty: "bool", doc: "## What it tells\nWhether anything uses the path: it backs a loop device (mounted or not), is mounted, is a holder's member, is active swap, carries QEMU's locks, is a disk of a running domain, or is open for writing by a process (one safeop can name, or one the kernel knows of that safeop cannot see).\n## How it is found\nReads each of those facts (through the cache, so nothing is probed twice), cheapest first.\n## When it is unknown\nA fact error only when no part says \"in use\" and some part could not be determined.\n## Example\n`true` for a loop-attached image." },
    FactDef { name: "in_use.reasons", scope: Scope::Path, probe: &IN_USE, ty: "list", doc: "## What it tells\nWhy the path is in use, one short sentence per cause, for messages.\n## How it is found\nAs `in_use`.\n## When it is unknown\nAs `in_use`.\n## Example\n`[backs loop device /dev/loop3, is open for writing by qemu-nbd (pid 4121)]`." },
];
