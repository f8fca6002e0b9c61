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
export SAFEOP_AUDIT_LOG=$work/audit.jsonl SAFEOP_POLICY=$PWD/tests/fixtures/empty-policy.yaml
hyperfine -N --warmup 50 --runs "$runs" --prepare "touch $f" \
  --export-json "$work/rm.json" "env rm -f $f" "$bin run -- rm -f $f" >/dev/null
python3 - "$work/rm.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = [statistics.median(x["times"]) * 1000 for x in r]
print(f"env rm -f FILE            median {med[0]:.3f} ms")
print(f"safeop run -- rm -f FILE  median {med[1]:.3f} ms")
print(f"ratio (target <= 1.3)     {med[1] / med[0]:.2f}")
PY
python3 - "$bin" <<'PY'
import resource, subprocess, sys
bin = sys.argv[1]
cases = [["check", "--", "rm", "-rf", "/usr"], ["check", "--", "dd", "if=/dev/zero", "of=/dev/null"], ["check", "--format", "json", "--", "rm", "-rf", "/"]]
for c in cases:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([bin] + c, stdout=subprocess.DEVNULL)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"peak RSS of safeop check (max over {len(cases)} runs): {peak/1024:.1f} MiB (target < 10 MiB)")
PY
