#!/bin/sh
# How long does safeop take to decide `dd of=IMAGE` on a busy machine?
#
# Starts N background processes (default 2000), each holding F open files (default 20), then times
# `safeop check -- dd if=/dev/zero of=IMAGE` with hyperfine. The image is not in use, so every
# in-use rule runs to the end, including the one /proc fd scan (N*F fds). Every background
# process is killed at the end, also on Ctrl-C or error (trap).
#
# Usage: bench/inuse.sh [SAFEOP_BINARY]   (default: the release build, built first)
# Env: PROCS=2000 FILES=20 RUNS=30 OUT=target/bench-inuse.json
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
bin=${1:-$(cd "$here" && release_bin)}
procs=${PROCS:-2000}
files=${FILES:-20}
runs=${RUNS:-30}
out=${OUT:-$here/target/bench-inuse.json}
[ -x "$bin" ] || { echo "no safeop binary at $bin" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/safeop-bench-inuse.XXXXXX)
holder_pid=
writer_pid=
cleanup() {
    # The python holder kills its 2,000 children on SIGTERM, then exits.
    [ -z "$holder_pid" ] || { kill -TERM "$holder_pid" 2>/dev/null || true; wait "$holder_pid" 2>/dev/null || true; }
    [ -z "$writer_pid" ] || { kill -KILL "$writer_pid" 2>/dev/null || true; wait "$writer_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

i=0
while [ "$i" -lt "$files" ]; do : > "$work/held.$i"; i=$((i + 1)); done
truncate -s 64M "$work/image.img" "$work/busy.img"
# busy.img is held open for writing by one process: the kernel's lease answer is "yes", so the
# full /proc scan runs to name the writer.
sh -c 'exec 9<>"$1"; exec sleep 3600' sh "$work/busy.img" &
writer_pid=$!

# One python parent forks the holders; each child opens the files (inheritable) and becomes
# `sleep`, so it keeps them open at the cost of a sleep process.
python3 - "$work" "$procs" "$files" <<'PY' &
import os, sys, signal
work, procs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
paths = [os.path.join(work, f"held.{i}") for i in range(files)]
children = []
for _ in range(procs):
    pid = os.fork()
    if pid == 0:
        for p in paths:
            os.set_inheritable(os.open(p, os.O_RDONLY), True)
        os.execv("/bin/sleep", ["sleep", "3600"])
    children.append(pid)
open(os.path.join(work, "ready"), "w").close()
def stop(*_):
    for c in children:
        try: os.kill(c, signal.SIGKILL)
        except ProcessLookupError: pass
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    signal.pause()
PY
holder_pid=$!
while [ ! -e "$work/ready" ]; do sleep 0.2; done
sleep 1
nprocs=$(ls /proc | grep -c '^[0-9]')
echo "processes on the machine: $nprocs; held fds: $((procs * files))"

export SAFEOP_POLICY="$here/tests/fixtures/empty-policy.yaml" SAFEOP_AUDIT_LOG="$work/audit.jsonl"
# image.img is idle (exit 0, allow); busy.img is denied (exit 4, hence -i). -N: no shell.
hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$out" \
    -n "idle image" "$bin check -- dd if=/dev/zero of=$work/image.img" \
    -n "image open for writing (full /proc scan)" "$bin check -- dd if=/dev/zero of=$work/busy.img"
