#!/usr/bin/env bash
# Deciding a restore against the raw tools listing the same thing (issue 4):
#   200,000-entry uncompressed tar: `safeop check -- tar -xf X -C D`  vs `tar -tf X | wc -l`   (target ratio <= 0.5)
#   the same tar gzip'd / zstd'd:   `safeop check -- tar -xf X.gz …`  vs `tar -tzf X.gz | wc -l`,
#                                   `safeop check -- tar -xf X.zst …` vs `tar --zstd -tf X.zst | wc -l` (target <= 1.0)
#   a 200,000-entry source tree:    `safeop check -- rsync -a SRC/ D/` and `cp -a SRC D/` vs `find SRC | wc -l` (target <= 0.5),
#                                   the whole decision and the inode count alone (bench/restore-inodes-only.yaml)
# Ratios are of hyperfine means, warm page cache. The tree: 400 directories of 499 files of
# 1 KiB each (plus the directories and the top: 200,001 entries).
# Usage: bench/restore.sh [RUNS] [WORKDIR]   (needs hyperfine, python3, GNU tar, gzip, zstd; builds release)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
. bench/lib.sh
bin=$(release_bin)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
export SAFEOP_AUDIT_LOG=$work/audit.jsonl
unset SAFEOP_POLICY
python3 - "$work/src" <<'PY'
import os, sys
root = sys.argv[1]
os.makedirs(root, exist_ok=True)
blob = bytes(range(256)) * 4
for d in range(400):
    p = os.path.join(root, f"d{d:03}")
    os.makedirs(p, exist_ok=True)
    for i in range(499):
        with open(os.path.join(p, f"f{i:03}"), "wb") as f:
            f.write(blob)
PY
echo "entries in the tree: $(find "$work/src" | wc -l)"
tar -C "$work" -cf "$work/x.tar" src
gzip -1 -c "$work/x.tar" > "$work/x.tar.gz"
zstd -q -c "$work/x.tar" > "$work/x.tar.zst"
echo "entries in the archive: $(tar -tf "$work/x.tar" | wc -l); sizes: $(du -h "$work/x.tar" "$work/x.tar.gz" "$work/x.tar.zst" | awk '{printf "%s %s  ", $2, $1}')"
mkdir -p "$work/dest"
# The verdict must be reached on the real count (allow here: the destination has room).
"$bin" check -- tar -xf "$work/x.tar" -C "$work/dest" > /dev/null
bench() { # name baseline candidate
    hyperfine --warmup 2 --runs "$runs" --export-json "$work/$1.json" "$2" "$3" > /dev/null
    python3 - "$work/$1.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
b, c = r[0]["mean"], r[1]["mean"]
print(f"{sys.argv[2]:<8} baseline {b*1000:8.1f} ms ± {r[0]['stddev']*1000:5.1f}   safeop {c*1000:8.1f} ms ± {r[1]['stddev']*1000:5.1f}   ratio {c/b:.2f}")
PY
}
bench tar   "tar -tf $work/x.tar | wc -l"              "$bin check -- tar -xf $work/x.tar -C $work/dest"
bench tar.gz "tar -tzf $work/x.tar.gz | wc -l"          "$bin check -- tar -xzf $work/x.tar.gz -C $work/dest"
bench tar.zst "tar --zstd -tf $work/x.tar.zst | wc -l"  "$bin check -- tar -xf $work/x.tar.zst -C $work/dest"
# The whole decision (inode and byte rules: the byte count stats every file) …
bench rsync "find $work/src | wc -l"                    "$bin check -- rsync -a $work/src/ $work/dest/"
bench cp    "find $work/src | wc -l"                    "$bin check -- cp -a $work/src $work/dest/"
# … and the inode count alone (byte rules switched off by a layer: no stat per file).
inodes=SAFEOP_POLICY=$PWD/bench/restore-inodes-only.yaml
bench rsync-inodes "find $work/src | wc -l"             "$inodes $bin check -- rsync -a $work/src/ $work/dest/"
bench cp-r-inodes  "find $work/src | wc -l"             "$inodes $bin check -- cp -r $work/src $work/dest/"
