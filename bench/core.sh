#!/usr/bin/env bash
# The allow path side by side with the raw command: `safeop run -- rm -f FILE` against
# `env rm -f FILE` (env is itself one extra exec). Target: median ratio <= 1.3.
# Also the peak RSS of `safeop check` on the embedded default policy (target < 10 MiB).
#
# The two commands are run alternately, one run of each in turn (bench/alternate.py), so a slow
# minute on a shared machine lands on both alike; FILE is re-created before every run.
#
# Usage: bench/core.sh [RUNS]   (default 1000 runs of each; needs python3 and GNU time;
#                                builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000}
. bench/lib.sh
bin=$(release_bin)
env=$(command -v env)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
f=$work/victim
export SAFEOP_AUDIT_LOG=$work/audit.jsonl XDG_CONFIG_HOME=$work/config
unset SAFEOP_POLICY
[ -e /etc/safeop ] && echo "note: /etc/safeop exists; its layers are part of what is measured"
echo "binary: $bin ($(stat -c %s "$bin") bytes)"

report() { # TITLE BASELINE-LABEL SAFEOP-LABEL < alternate.py's JSON
    python3 -c '
import json, sys
r = json.load(sys.stdin)
title, a, b = sys.argv[1:4]
print("%s (%d runs of each, alternating):" % (title, r["runs"]))
print("  %-34s median %.3f ms" % (a, r["median_a"]))
print("  %-34s median %.3f ms" % (b, r["median_b"]))
print("  ratio of the medians               %.2f   (median run-by-run ratio %.2f)" % (r["ratio"], r["pairwise_ratio"]))
' "$@"
}

# 1. The embedded default policy only (a fresh install): the figure the target is about.
python3 bench/alternate.py "$runs" "$f" ::: "$env" rm -f "$f" ::: "$bin" run -- rm -f "$f" |
    report "embedded default policy (target <= 1.3)" "env rm -f FILE" "safeop run -- rm -f FILE"
# 2. With one policy layer (SAFEOP_POLICY): the whole policy is then read and the layer checked.
SAFEOP_POLICY=$PWD/tests/fixtures/empty-policy.yaml \
    python3 bench/alternate.py "$runs" "$f" ::: "$env" rm -f "$f" ::: "$bin" run -- rm -f "$f" |
    report "with a policy layer" "env rm -f FILE" "safeop run -- rm -f FILE"
# 3. A recursive delete of a small tree (a build directory): walked, not a mass delete.
python3 bench/alternate.py --tree 20 "$runs" "$work/tree" ::: "$env" rm -rf "$work/tree" ::: "$bin" run -- rm -rf "$work/tree" |
    report "rm -rf of a 20-file directory" "env rm -rf DIR" "safeop run -- rm -rf DIR"
# 4. A command no rule can match: the fast path.
python3 bench/alternate.py "$runs" "$f" ::: "$env" true ::: "$bin" run -- true |
    report "a command no rule can match" "env true" "safeop run -- true"

# 5. A tool only a layer guards (issue 9: run reads the layer for every tool): decided and logged.
SAFEOP_POLICY=$PWD/bench/layer-guards-touch.yaml \
    python3 bench/alternate.py "$runs" "$f" ::: "$env" touch "$f" ::: "$bin" run -- touch "$f" |
    report "a tool only a layer guards (touch)" "env touch FILE" "safeop run -- touch FILE"
# 6. A command no rule can match, with a layer present: the layer is read before it is exec'd.
SAFEOP_POLICY=$PWD/bench/layer-guards-touch.yaml \
    python3 bench/alternate.py "$runs" "$f" ::: "$env" true ::: "$bin" run -- true |
    report "no rule matches, a layer present" "env true" "safeop run -- true"

# 7. The same rm through a shim (`safeop shims install`): a link named rm to safeop.
"$bin" shims install "$work/shims" --tools rm >/dev/null
python3 bench/alternate.py "$runs" "$f" ::: "$bin" run -- rm -f "$f" ::: "$work/shims/rm" -f "$f" |
    report "a shim call against safeop run" "safeop run -- rm -f FILE" "SHIMS/rm -f FILE"

# 8. With a journald listening: every record is also sent as a journal entry (audit_copy.rs).
#    The release binary honours no test hooks as root, so a stand-in journal socket is bound at
#    journald's own path for this row when there is none (and removed after).
if [ "$(id -u)" = 0 ] && [ ! -e /run/systemd/journal/socket ]; then
    mkdir -p /run/systemd/journal
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
print("ready", flush=True)
while True:
    s.recv(1 << 16)
' > "$work/journal.ready" &
    jpid=$!
    while ! grep -q ready "$work/journal.ready" 2>/dev/null; do sleep 0.05; done
    python3 bench/alternate.py "$runs" "$f" ::: "$env" rm -f "$f" ::: "$bin" run -- rm -f "$f" |
        report "with a journal socket listening" "env rm -f FILE" "safeop run -- rm -f FILE"
    kill "$jpid"; wait "$jpid" 2>/dev/null || true
    rm -f /run/systemd/journal/socket
    rmdir /run/systemd/journal /run/systemd 2>/dev/null || true
fi

for c in "check -- rm -rf /usr" "check -- dd if=/dev/zero of=/dev/null" "check --format json -- rm -rf /"; do
    # GNU time (package `time`) reports the real peak RSS of the one process.
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" $c >/dev/null || true
    kb=$(tail -n 1 "$work/rss")
    echo "peak RSS of safeop $c: $((kb / 1024)).$(((kb % 1024) * 10 / 1024)) MiB (target < 10 MiB)"
done
