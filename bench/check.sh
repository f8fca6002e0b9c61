#!/usr/bin/env bash
# `safeop check` where the argv alone decides (issue 10): `check -- rm -rf /` against a bare
# process start (`/bin/true` spawned the same way). Target: within 1.5x. check stops at the
# first deny as run does, and reads only the embedded rules that can match the command, so no
# tree walk or smartctl runs for what rm-recursive-root already denies.
#
# Usage: bench/check.sh [RUNS]   (default 1000 runs of each, alternating; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000}
. bench/lib.sh
bin=$(release_bin)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME=$work/config
unset SAFEOP_POLICY
[ -e /etc/safeop ] && echo "note: /etc/safeop exists; its layers are part of what is measured"
python3 bench/alternate.py --ok 4 "$runs" "$work/unused" ::: /bin/true ::: "$bin" check -- rm -rf / |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
print("check -- rm -rf / (%d runs of each, alternating):" % r["runs"])
print("  /bin/true                          median %.3f ms" % r["median_a"])
print("  safeop check -- rm -rf /           median %.3f ms" % r["median_b"])
print("  ratio of the medians               %.2f   (target <= 1.5; median run-by-run ratio %.2f)" % (r["ratio"], r["pairwise_ratio"]))
'
