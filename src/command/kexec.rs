//! `kexec` (kexec-tools 2.0.2x, `kexec/kexec.c` `main()`) argv → Operation.
//!
//! kexec boots another kernel straight from this one: the firmware is skipped, nothing else is.
//! Its options set three things in order, the last one given winning: *load* a kernel, *shut
//! down* cleanly first (`shutdown -r now`, which systemd turns into a kexec reboot once a kernel
//! is loaded), *exec* the loaded kernel at once.
//! - `kexec KERNEL` (no mode): load, then the clean shutdown → [`Kind::Reboot`], action `kexec`.
//! - `-e`/`--exec` (run what is loaded) and `-f`/`--force` (load and run): at once, without
//!   calling shutdown: no service is stopped and no filesystem unmounted (a sync is all, unless
//!   `-y`/`--no-sync` → flag `no_sync`) → Reboot, action `kexec`, flag `force`, force_count 2
//!   (as `systemctl kexec -ff`). The next boot still runs boot-time fsck (the new kernel's
//!   initramfs and systemd-fsck do it), and journals are replayed: the fsck rule applies.
//! - `-l`/`--load`, `-p`/`--load-panic`, `--load-preserve-context`, `--load-live-update` only
//!   load; `-u`/`--unload` unloads; `-S`/`--status` asks → [`Kind::Read`] (the kernel file, when
//!   named, is a source). A later `systemctl kexec`, `shutdown -r` or `kexec -e` is what boots
//!   it, and is judged then.
//! - `-h`, `-?`, `-v`/`--version`, `--print-ckr-size` only print. An option kexec does not have
//!   (the file-type and architecture options are those of x86, arm and ppc) makes the line
//!   opaque; so does `--exec-live-update` (Xen replaces itself under its guests).

use super::reboot::{immediate, takes_down};
use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "t",
    short_flag: "h?vdfixyluepscaS",
    long_arg: &[
        "type",
        "entry",
        "mem-min",
        "mem-max",
        // file-type and architecture options (x86, arm, arm64, ppc)
        "command-line",
        "append",
        "initrd",
        "ramdisk",
        "dtb",
        "module",
        "serial",
        "serial-baud",
        "atags",
        "image-size",
        "page-offset",
    ],
    long_opt: &[],
    long_flag: &[
        "help",
        "version",
        "debug",
        "force",
        "no-checks",
        "no-ifdown",
        "no-sync",
        "load",
        "unload",
        "exec",
        "load-panic",
        "kexec-file-syscall",
        "kexec-syscall",
        "kexec-syscall-auto",
        "status",
        "load-preserve-context",
        "load-jump-back-helper",
        "reuseinitrd",
        "print-ckr-size",
        "load-live-update",
        "exec-live-update",
        "hotplug",
        "force-dtb",
        "reuse-cmdline",
        "real-mode",
        "entry-32bit",
        "args-linux",
        "args-elf",
        "args-none",
        "console-vga",
        "console-serial",
        "reset-vga",
        "elf32-core-headers",
        "elf64-core-headers",
        "pass-memmap-cmdline",
        "noefi",
        "reuse-video-type",
        "dt-no-old-root",
    ],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("kexec: {e}")),
    };
    let (mut load, mut shutdown, mut exec) = (true, true, false);
    let mut status = false;
    let mut operands = Vec::new();
    for a in parsed {
        let name = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, _) => n,
        };
        match name.as_str() {
            "h" | "?" | "help" | "v" | "version" | "print-ckr-size" => return op.prints_only(),
            "f" | "force" => (load, shutdown, exec) = (true, false, true),
            "e" | "exec" => (load, shutdown, exec) = (false, false, true),
            "l" | "load" | "p" | "load-panic" | "load-preserve-context" | "load-live-update" => {
                (load, shutdown, exec) = (true, false, false)
            }
            "load-jump-back-helper" => (load, shutdown, exec) = (false, false, false),
            "u" | "unload" => (load, shutdown, exec) = (false, false, false),
            "S" | "status" => status = true,
            "y" | "no-sync" => op.flag("no_sync"),
            "exec-live-update" => {
                return op.opaque(
                    "kexec --exec-live-update: Xen replaces itself under its running guests",
                )
            }
            _ => {}
        }
    }
    if load {
        op.sources.extend(operands.iter().take(1).cloned());
    }
    // Loading needs a kernel: without one kexec prints its usage and stops.
    let no_kernel = load && operands.is_empty();
    if status || no_kernel || !(shutdown || exec) {
        op.kind = Kind::Read;
        if !status && !no_kernel {
            op.note = Some(
                "kexec only loads (or unloads) a kernel here; what later boots it is judged then"
                    .into(),
            );
        }
        return;
    }
    if exec {
        immediate(op);
    }
    takes_down(op, "kexec");
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn exec_reboots_at_once_and_plain_kexec_shuts_down_first() {
        for line in [
            "kexec -e",
            "kexec --exec",
            "kexec -f /boot/vmlinuz",
            "kexec --force /boot/vmlinuz --initrd=/boot/initrd.img --reuse-cmdline",
            "kexec -l /boot/vmlinuz -e",
            "kexec -y -e",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Reboot, "{line}: {:?}", op.note);
            assert_eq!(op.options.get("action").map(String::as_str), Some("kexec"));
            assert_eq!(
                op.options.get("force_count").map(String::as_str),
                Some("2"),
                "{line}"
            );
        }
        assert!(parse_str("kexec -y -e").has("no_sync"));
        let op = parse_str("kexec /boot/vmlinuz --append='root=/dev/vda1 ro'");
        assert_eq!(op.kind, Kind::Reboot);
        assert!(!op.has("force"), "it calls shutdown -r now first");
        assert_eq!(op.sources, ["/boot/vmlinuz"]);
    }

    #[test]
    fn loading_unloading_and_asking_read_only() {
        for line in [
            "kexec -l /boot/vmlinuz --initrd=/boot/initrd.img --reuse-cmdline",
            "kexec --load /boot/vmlinuz --command-line='root=/dev/vda1'",
            "kexec -s -l /boot/vmlinuz",
            "kexec -p /boot/vmlinuz-crash --append=irqpoll",
            "kexec -e -l /boot/vmlinuz",
            "kexec -u",
            "kexec --unload",
            "kexec -S",
            "kexec --status -p",
            "kexec",
            "kexec --help",
            "kexec -v",
            "kexec -?",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(!op.has("force"), "{line}");
        }
        assert_eq!(
            parse_str("kexec -l /boot/vmlinuz").sources,
            ["/boot/vmlinuz"]
        );
    }

    #[test]
    fn what_kexec_refuses_is_opaque() {
        for line in ["kexec --bogus -e", "kexec -Z", "kexec --exec-live-update"] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
    }
}
