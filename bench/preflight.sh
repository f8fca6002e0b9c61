#!/usr/bin/env bash
# `safeop preflight` on a generated 10,000-line runbook, side by side with `shellcheck` and
# `bash -n` on the same file (issue 12: a 10,000-line runbook under 100 ms, and at most a tenth of shellcheck's time;
# DESIGN decision 17: `bash -n` too). The script has functions, loops, pipelines, here-documents
# fed to a remote shell, substitutions and guarded commands (tar, rm, rsync, umount, ssh), the
# same shape as `benches/shell.rs`; the Markdown runbook holds the same lines in fenced blocks.
#
# Usage: bench/preflight.sh [RUNS]   (default 10 runs of each, medians; needs python3,
#                                     shellcheck and the release binary, which it builds)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
. bench/lib.sh
bin=$(release_bin)
command -v shellcheck >/dev/null || { echo "shellcheck is not installed (apt-get install shellcheck)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME=$work/config
unset SAFEOP_POLICY
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
lines = ["#!/bin/bash", "set -euo pipefail"]
blocks = []
i = 0
while 2 + 12 * len(blocks) < 10000:
    i += 1
    blocks.append([
        f"backup_{i}() {{",
        f'  local dir="/srv/data/{i}"',
        f'  tar -czf "/backup/{i}.tar.gz" -C "$dir" . 2>>/var/log/b.log',
        "}",
        f"for f in /var/tmp/{i}/*.tmp; do",
        '  [ -e "$f" ] && rm -f -- "$f"',
        "done",
        f'if mountpoint -q /mnt/{i}; then umount /mnt/{i} || echo "busy $(date +%s)" >&2; fi',
        f"cat <<'EOF' | ssh host{i} 'sudo bash'",
        f"systemctl restart app{i}",
        "EOF",
        f"rsync -a --delete /srv/{i}/ backup:/srv/{i}/ | tee -a /var/log/rsync.log",
    ])
# Whole blocks only (a cut here-document is a syntax error): 10,002 lines.
for b in blocks:
    lines += b
open(f"{work}/runbook.sh", "w").write("\n".join(lines) + "\n")
md = ["# Runbook", ""]
for k in range(0, len(blocks), 4):
    md += [f"## Step {k // 4 + 1}", "", "```bash"] + sum(blocks[k:k + 4], []) + ["```", ""]
open(f"{work}/runbook.md", "w").write("\n".join(md) + "\n")
PY
echo "binary: $bin; runbook: $(wc -l < "$work/runbook.sh") lines ($(wc -c < "$work/runbook.sh") bytes), Markdown $(wc -l < "$work/runbook.md") lines"
python3 - "$runs" "$bin" "$work" <<'PY'
import statistics, subprocess, sys, time
runs, bin, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def median(argv, ok=(0, 1, 3, 4)):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - t) * 1000)
        if r.returncode not in ok:
            sys.exit(f"{argv[0]} exited {r.returncode}: {r.stderr.decode()[-400:]}")
    return statistics.median(times)
sh = f"{work}/runbook.sh"
pre = median([bin, "preflight", sh])
pre_md = median([bin, "preflight", f"{work}/runbook.md"])
pre_sarif = median([bin, "preflight", "--format", "sarif", sh])
sc = median(["shellcheck", "-s", "bash", sh])
bn = median(["bash", "-n", sh], ok=(0,))
print(f"safeop preflight runbook.sh        median {pre:8.1f} ms   (target < 100 ms)")
print(f"safeop preflight runbook.md        median {pre_md:8.1f} ms")
print(f"safeop preflight --format sarif    median {pre_sarif:8.1f} ms")
print(f"shellcheck -s bash runbook.sh      median {sc:8.1f} ms")
print(f"bash -n runbook.sh                 median {bn:8.1f} ms")
print(f"preflight / shellcheck             {pre / sc:8.3f}      (target <= 0.1)")
print(f"preflight / bash -n                {pre / bn:8.2f}")
PY
