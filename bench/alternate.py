#!/usr/bin/env python3
"""Times two commands run alternately, one run of each in turn, and prints their medians.

    bench/alternate.py [--tree N] [--ok CODE] RUNS FILE ::: CMD_A... ::: CMD_B...

Before every run FILE is created (empty), so a command like `rm -f FILE` has its victim; with
`--tree N` FILE is a directory of N empty files instead (for `rm -rf FILE`). That is done in
this process (no `touch` child) and is not timed. Each run is timed from just before
`posix_spawn` to just after `waitpid` (the same span hyperfine -N measures), stdout and stderr
going to /dev/null (stderr is kept to be shown if a run fails). Alternating run by run means a slow minute on a shared machine lands on both
commands alike: with hyperfine's all-of-A-then-all-of-B the same noise moves the ratio by ±0.3
on the 2-core development VM.

Prints one JSON object: runs, median_a/median_b (ms), ratio of the medians, and the median of
the run-by-run ratios b/a. A run that exits non-zero aborts the benchmark, but for exit status
CODE given with `--ok` (`safeop check` of a denied command exits 4).
"""
import json
import os
import shutil
import statistics
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    tree = None
    ok = {0}
    while args[:1] in (["--tree"], ["--ok"]):
        if args[0] == "--tree":
            tree = int(args[1])
        else:
            ok.add(int(args[1]))
        args = args[2:]
    if len(args) < 5 or args[2] != ":::" or ":::" not in args[3:]:
        print(__doc__, file=sys.stderr)
        return 2
    runs, victim = int(args[0]), args[1]
    split = args.index(":::", 3)
    cmds = [args[3:split], args[split + 1 :]]
    devnull = os.open(os.devnull, os.O_WRONLY)
    errlog = victim + ".stderr"
    env = dict(os.environ)

    def once(cmd):
        if tree is None:
            open(victim, "wb").close()
        else:
            shutil.rmtree(victim, ignore_errors=True)
            os.mkdir(victim)
            for i in range(tree):
                open(os.path.join(victim, f"f{i}"), "wb").close()
        err = os.open(errlog, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(cmd[0], cmd, env, file_actions=actions)
        _, status = os.waitpid(pid, 0)
        t1 = time.perf_counter_ns()
        os.close(err)
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            why = open(errlog).read().strip()
            raise SystemExit(f"`{' '.join(cmd)}` exited {code}: {why}")
        return (t1 - t0) / 1e6

    warmup = max(10, runs // 20)
    times = [[], []]
    for i in range(warmup + runs):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        got = {k: once(cmds[k]) for k in order}
        if i >= warmup:
            for k in (0, 1):
                times[k].append(got[k])
    ma, mb = statistics.median(times[0]), statistics.median(times[1])
    pair = statistics.median(b / a for a, b in zip(times[0], times[1]))
    print(
        json.dumps(
            {
                "runs": runs,
                "median_a": round(ma, 3),
                "median_b": round(mb, 3),
                "ratio": round(mb / ma, 3),
                "pairwise_ratio": round(pair, 3),
            }
        )
    )
    os.unlink(errlog)
    return 0


if __name__ == "__main__":
    sys.exit(main())
