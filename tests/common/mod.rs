//! Test helpers: a builder that runs the real binary in a clean environment, scratch files, and
//! guards that undo every loop device, mount and background process even when a test fails.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_safeop");

/// Skips a test that needs root, loudly, when not root. CI runs as root.
#[macro_export]
macro_rules! need_root {
    () => {
        if !nix::unistd::geteuid().is_root() {
            eprintln!(
                "SKIPPED {}: needs root (loop devices, mounts); CI runs it as root",
                module_path!()
            );
            return;
        }
    };
}

/// Skips a test whose tool is not installed, loudly. `.ci/run` installs them all.
#[macro_export]
macro_rules! need_tool {
    ($t:expr) => {
        if !$crate::common::have($t) {
            eprintln!(
                "SKIPPED {}: `{}` is not installed (.ci/run installs it)",
                module_path!(),
                $t
            );
            return;
        }
    };
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `tests/fixtures/REL`: all data the tests read. Real captured outputs of tools that cannot run
/// here (smartctl, virsh, libxl, restic …) are copies of the project's shared captures, each
/// folder's README naming where they came from. Tests never read outside the repository.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A scratch directory removed on drop.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::Builder::new()
                .prefix("safeop-test-")
                .tempdir()
                .expect("scratch dir"),
        }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn p(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }
    /// A file of `size` bytes of a recognisable pattern.
    pub fn file(&self, rel: &str, size: usize) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, data).expect("write scratch file");
        p
    }
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write scratch file");
        p
    }
}

/// BLAKE3 of a file's bytes (or of a whole block device).
pub fn blake3_of(p: &Path) -> String {
    let mut h = blake3::Hasher::new();
    let mut f = std::fs::File::open(p).unwrap_or_else(|e| panic!("open {}: {e}", p.display()));
    std::io::copy(&mut f, &mut h).expect("hash");
    h.finalize().to_hex().to_string()
}

/// Runs a command that must succeed (test setup), returning stdout.
pub fn sh(cmd: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .output()
        .expect("spawn sh");
    assert!(
        out.status.success(),
        "setup command failed: {cmd}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loop device attached to a file, detached on drop.
pub struct LoopDev {
    pub dev: String,
}

impl LoopDev {
    /// Attaches `file`, named by its bytes (a name need not be UTF-8).
    pub fn attach(file: &Path) -> LoopDev {
        let out = Command::new("losetup")
            .args(["--find", "--show"])
            .arg(file)
            .output()
            .expect("spawn losetup");
        assert!(
            out.status.success(),
            "losetup {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        LoopDev { dev }
    }
}

impl Drop for LoopDev {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.dev]).status();
    }
}

/// A mount, lazily unmounted on drop.
pub struct MountGuard {
    pub point: PathBuf,
}

impl MountGuard {
    pub fn mount(args: &str, point: &Path) -> MountGuard {
        std::fs::create_dir_all(point).expect("mount point");
        sh(&format!("mount {args} '{}'", point.display()));
        MountGuard {
            point: point.to_path_buf(),
        }
    }
    pub fn tmpfs(point: &Path, opts: &str) -> MountGuard {
        MountGuard::mount(&format!("-t tmpfs -o {opts} tmpfs"), point)
    }
}

impl Drop for MountGuard {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.point).status();
    }
}

/// A fresh ext4 filesystem of 32 MiB in `NAME.img` of the scratch dir, tuned with `tune2fs TUNE`
/// (when not empty), loop-attached and mounted at `NAME`; unmounted, then detached, on drop.
pub struct Ext4 {
    _m: MountGuard,
    pub lo: LoopDev,
    pub img: PathBuf,
    pub point: PathBuf,
}

impl Ext4 {
    pub fn mounted(s: &Scratch, name: &str, tune: &str) -> Ext4 {
        let img = s.path(&format!("{name}.img"));
        sh(&format!(
            "truncate -s 32M '{0}' && mkfs.ext4 -q -F '{0}'",
            img.display()
        ));
        if !tune.is_empty() {
            sh(&format!("tune2fs {tune} '{}' >/dev/null", img.display()));
        }
        let lo = LoopDev::attach(&img);
        let point = s.path(name);
        let m = MountGuard::mount(&lo.dev, &point);
        Ext4 {
            _m: m,
            lo,
            img,
            point,
        }
    }
}

/// A background process killed (and reaped) on drop.
pub struct Bg {
    pub child: std::process::Child,
}

impl Bg {
    pub fn spawn(cmd: &mut Command) -> Bg {
        Bg {
            child: cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn background process"),
        }
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the real safeop binary in a clean environment: no user or system policy (an empty layer
/// via SAFEOP_POLICY), an audit log in a scratch dir, no sudo variables, stdin closed.
pub struct Test {
    cmd: Command,
    pub scratch: Scratch,
}

pub struct Ran {
    pub out: Output,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Test {
        Test::around(Command::new(BIN))
    }
    /// safeop in a private mount namespace whose `/etc` is the machine's with `upper` laid over
    /// it (overlayfs): `upper/safeop/…` is `/etc/safeop/…` for that run only. The mount goes with
    /// the namespace when safeop exits, test failure or not. Needs root.
    pub fn with_etc(upper: &Path, work: &Path) -> Test {
        let mut cmd = Command::new("unshare");
        cmd.args([
            "--mount",
            "sh",
            "-c",
            &format!(
                "mount --make-rprivate / && mount -t overlay overlay -o lowerdir=/etc,upperdir='{}',workdir='{}' /etc && exec \"$0\" \"$@\"",
                upper.display(),
                work.display()
            ),
            BIN,
        ]);
        Test::around(cmd)
    }
    pub fn around(mut cmd: Command) -> Test {
        let scratch = Scratch::new();
        for v in [
            "SAFEOP_POLICY",
            "SAFEOP_AUDIT_LOG",
            "SAFEOP_SYSROOT",
            "SUDO_UID",
            "SUDO_USER",
            "SUDO_GID",
            "SUDO_COMMAND",
            "SSH_CONNECTION",
            "SSH_CLIENT",
            "SSH_TTY",
        ] {
            cmd.env_remove(v);
        }
        cmd.env("SAFEOP_POLICY", fixture("empty-policy.yaml"));
        cmd.env("SAFEOP_AUDIT_LOG", scratch.path("audit.jsonl"));
        cmd.env("XDG_CONFIG_HOME", scratch.path("config"));
        cmd.stdin(Stdio::null());
        Test { cmd, scratch }
    }
    pub fn args<I, S>(mut self, a: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(a);
        self
    }
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Test {
        self.cmd.env(k, v);
        self
    }
    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Test {
        self.cmd.arg(a);
        self
    }
    pub fn env_remove(mut self, k: &str) -> Test {
        self.cmd.env_remove(k);
        self
    }
    pub fn cwd(mut self, d: &Path) -> Test {
        self.cmd.current_dir(d);
        self
    }
    /// Runs safeop without a controlling terminal (a new session), as under cron or CI.
    pub fn no_tty(mut self) -> Test {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid(2) is async-signal-safe and touches no memory of this process.
        unsafe {
            self.cmd.pre_exec(|| {
                nix::unistd::setsid()
                    .map(|_| ())
                    .map_err(std::io::Error::from)
            });
        }
        self
    }
    /// Puts a directory of stand-in executables first on PATH.
    pub fn path_first(mut self, dir: &Path) -> Test {
        let old = std::env::var("PATH").unwrap_or_default();
        self.cmd.env("PATH", format!("{}:{old}", dir.display()));
        self
    }
    /// Gives safeop a standard input (a pipe, a file) instead of a closed one.
    pub fn stdin(mut self, from: impl Into<Stdio>) -> Test {
        self.cmd.stdin(from);
        self
    }
    /// Sends safeop's stdout somewhere else than the captured pipe (`/dev/full`, a file).
    pub fn stdout(mut self, to: impl Into<Stdio>) -> Test {
        self.cmd.stdout(to);
        self
    }
    /// Sends safeop's stderr somewhere else than the captured pipe.
    pub fn stderr(mut self, to: impl Into<Stdio>) -> Test {
        self.cmd.stderr(to);
        self
    }
    pub fn audit_log(&self) -> PathBuf {
        self.scratch.path("audit.jsonl")
    }
    pub fn run(mut self) -> (Ran, Scratch) {
        let out = self.cmd.output().expect("run safeop");
        let ran = Ran {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            out,
        };
        (ran, self.scratch)
    }
    /// Runs and returns only the result (the scratch dir is dropped).
    pub fn go(self) -> Ran {
        self.run().0
    }
}

impl Ran {
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn status(&self, want: i32) -> &Ran {
        assert_eq!(
            self.code(),
            want,
            "exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
    pub fn stdout_has(&self, s: &str) -> &Ran {
        assert!(
            self.stdout.contains(s),
            "stdout lacks {s:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
    pub fn stdout_lacks(&self, s: &str) -> &Ran {
        assert!(
            !self.stdout.contains(s),
            "stdout has {s:?}\nstdout:\n{}",
            self.stdout
        );
        self
    }
    pub fn stderr_has(&self, s: &str) -> &Ran {
        assert!(
            self.stderr.contains(s),
            "stderr lacks {s:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
    pub fn stderr_lacks(&self, s: &str) -> &Ran {
        assert!(
            !self.stderr.contains(s),
            "stderr has {s:?}\nstderr:\n{}",
            self.stderr
        );
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// Writes an executable stand-in script into `dir` named `name`.
pub fn stand_in(dir: &Path, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).expect("stand-in dir");
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).expect("write stand-in");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod stand-in");
    p
}

/// A directory every user can reach (scratch dirs are 0700) with a copy of safeop in it (the
/// build tree may sit below a directory a normal user cannot enter), for runs as `nobody`.
/// A copy of safeop that any user can run: the checkout (and so `BIN`) may lie in a directory only
/// root can enter (`/root`, a clone in `mktemp -d`). Keep the directory while the copy is used.
pub fn bin_for_others() -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("safeop-bin-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bin = dir.path().join("safeop");
    std::fs::copy(BIN, &bin).expect("copy safeop");
    (dir, bin)
}

pub struct World {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
}

impl World {
    pub fn new() -> World {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("safeop-world-")
            .tempdir()
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = dir.path().join("safeop");
        std::fs::copy(BIN, &bin).unwrap();
        // Where nobody may write its audit log.
        sh(&format!(
            "mkdir '{0}/log' && chown 65534:65534 '{0}/log'",
            dir.path().display()
        ));
        World { dir, bin }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// A file of recognisable bytes, owned by root and writable by everyone.
    pub fn file(&self, name: &str, mbr: bool) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path(name);
        let mut data: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        if mbr {
            data[510] = 0x55;
            data[511] = 0xaa;
        }
        std::fs::write(&p, data).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
        p
    }
    /// safeop run as `nobody` (uid 65534, no groups).
    pub fn as_nobody(&self) -> Test {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&self.bin);
        // No SAFEOP_POLICY: the checkout's fixtures may lie in a directory only root can enter
        // (a clone in `mktemp -d`); with an empty config dir the embedded default is the policy,
        // as with the empty fixture layer.
        Test::around(c)
            .env_remove("SAFEOP_POLICY")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("log"))
            .env("SAFEOP_AUDIT_LOG", self.path("log/audit.jsonl"))
    }
}

/// A temp copy of a fixture sysroot (`tests/fixtures/REL`) with the symlinks its LAYOUT lists
/// (git keeps no device links, so the fixture writes them down).
pub fn sysroot(rel: &str) -> tempfile::TempDir {
    let dst = tempfile::Builder::new()
        .prefix("safeop-sysroot-")
        .tempdir()
        .expect("tempdir");
    let src = fixture(rel);
    sh(&format!(
        "cp -a '{}/.' '{}/'",
        src.display(),
        dst.path().display()
    ));
    let layout = std::fs::read_to_string(src.join("LAYOUT")).expect("LAYOUT");
    for line in layout
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" -> "))
    {
        let (link, target) = line.split_once(" -> ").expect("link -> target");
        let link = dst.path().join(link);
        std::fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, &link).expect("symlink");
    }
    dst
}
