#!/usr/bin/env bash
# The allow path side by side with the raw command: `safeop run -- rm -f FILE` against
# `env rm -f FILE` (env is itself one extra exec). Target: median ratio <= 1.3.
# Also the peak RSS of `safeop check` on the embedded default policy (target < 10 MiB).
# Usage: bench/core.sh [RUNS]    (needs hyperfine and python3; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-500}
cargo build --release -q
bin=$PWD/target/release/safeop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
f=$work/victim
export SAFEOP_AUDIT_LOG=$work/audit.jsonl XDG_CONFIG_HOME=$work/config
unset SAFEOP_POLICY
[ -e /etc/safeop ] && echo "note: /etc/safeop exists; its layers are part of what is measured"
# 1. The embedded default policy only (a fresh install).
# 2. With one policy layer (SAFEOP_POLICY): the policy is then always loaded and matched.
hyperfine -N --warmup 50 --runs "$runs" --prepare "touch $f" \
  --export-json "$work/rm.json" "env rm -f $f" "$bin run -- rm -f $f" >/dev/null
SAFEOP_POLICY=$PWD/tests/fixtures/empty-policy.yaml hyperfine -N --warmup 50 --runs "$runs" --prepare "touch $f" \
  --export-json "$work/rm-layer.json" "env rm -f $f" "$bin run -- rm -f $f" >/dev/null
python3 - "$work/rm.json" "$work/rm-layer.json" <<'PY'
import json, statistics, sys
for label, path in [("embedded default only", sys.argv[1]), ("with a policy layer", sys.argv[2])]:
    r = json.load(open(path))["results"]
    med = [statistics.median(x["times"]) * 1000 for x in r]
    print(f"{label}:")
    print(f"  env rm -f FILE            median {med[0]:.3f} ms")
    print(f"  safeop run -- rm -f FILE  median {med[1]:.3f} ms")
    print(f"  ratio (target <= 1.3)     {med[1] / med[0]:.2f}")
PY
for c in "check -- rm -rf /usr" "check -- dd if=/dev/zero of=/dev/null" "check --format json -- rm -rf /"; do
  # GNU time (package `time`) reports the real peak RSS of the one process.
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" $c >/dev/null || true
  kb=$(tail -n 1 "$work/rss")
  echo "peak RSS of safeop $c: $((kb / 1024)).$(((kb % 1024) * 10 / 1024)) MiB (target < 10 MiB)"
done
