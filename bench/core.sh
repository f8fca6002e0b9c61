#!/usr/bin/env bash
# The allow path side by side with the raw command: `safeop run -- rm -f FILE` against
# `env rm -f FILE` (env is itself one extra exec). Target: median ratio <= 1.3.
# Also the peak RSS of `safeop check` on the embedded default policy (target < 10 MiB).
#
# The two commands are measured in interleaved rounds (ROUNDS rounds of RUNS/ROUNDS runs each,
# the order swapped every round) and the times pooled, so a neighbour's build that slows the
# shared machine for a minute lands on both sides instead of on whichever ran second.
#
# Usage: bench/core.sh [RUNS] [ROUNDS]   (default 500 runs of each, in 10 rounds;
#                                          needs hyperfine and python3; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-500}
rounds=${2:-10}
per=$(((runs + rounds - 1) / rounds))
. bench/lib.sh
bin=$(release_bin)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
f=$work/victim
export SAFEOP_AUDIT_LOG=$work/audit.jsonl XDG_CONFIG_HOME=$work/config
unset SAFEOP_POLICY
[ -e /etc/safeop ] && echo "note: /etc/safeop exists; its layers are part of what is measured"
echo "binary: $bin ($(stat -c %s "$bin") bytes; $(file -b "$bin" | cut -d, -f1-2 2>/dev/null || true))"

# measure LABEL: interleaved rounds of `env rm -f FILE` and `safeop run -- rm -f FILE`.
measure() {
    local label=$1 i
    for ((i = 0; i < rounds; i++)); do
        local a="env rm -f $f" b="$bin run -- rm -f $f"
        if ((i % 2)); then
            hyperfine -N --warmup 10 --runs "$per" --prepare "touch $f" \
                --export-json "$work/$label.$i.json" "$b" "$a" >/dev/null
        else
            hyperfine -N --warmup 10 --runs "$per" --prepare "touch $f" \
                --export-json "$work/$label.$i.json" "$a" "$b" >/dev/null
        fi
    done
}
# 1. The embedded default policy only (a fresh install).
measure embedded
# 2. With one policy layer (SAFEOP_POLICY): the policy is then always loaded and matched.
SAFEOP_POLICY=$PWD/tests/fixtures/empty-policy.yaml measure layer

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
for label, title in [("embedded", "embedded default only"), ("layer", "with a policy layer")]:
    env, safeop, ratios = [], [], []
    for i in range(rounds):
        for r in json.load(open(f"{work}/{label}.{i}.json"))["results"]:
            (env if r["command"].startswith("env ") else safeop).append(r["times"])
        ratios.append(statistics.median(safeop[-1]) / statistics.median(env[-1]))
    e = statistics.median(t for ts in env for t in ts) * 1000
    s = statistics.median(t for ts in safeop for t in ts) * 1000
    print(f"{title} ({sum(map(len, env))} runs each):")
    print(f"  env rm -f FILE            median {e:.3f} ms")
    print(f"  safeop run -- rm -f FILE  median {s:.3f} ms")
    print(f"  ratio (target <= 1.3)     {s / e:.2f}   (per round: {min(ratios):.2f} .. {max(ratios):.2f})")
PY
for c in "check -- rm -rf /usr" "check -- dd if=/dev/zero of=/dev/null" "check --format json -- rm -rf /"; do
    # GNU time (package `time`) reports the real peak RSS of the one process.
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" $c >/dev/null || true
    kb=$(tail -n 1 "$work/rss")
    echo "peak RSS of safeop $c: $((kb / 1024)).$(((kb % 1024) * 10 / 1024)) MiB (target < 10 MiB)"
done
