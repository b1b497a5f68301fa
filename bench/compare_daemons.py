#!/usr/bin/env python3
"""Two kpihubd builds and the ceiling pipeline, back to back on the same workload: the A/B
behind the bytes-written figures of docs/performance.md ("What binds each figure"). Each round runs the old daemon,
the new one and the ceiling on a fresh state (100-observation batches from 4 adapters), and
prints observations/s, daemon CPU per observation and bytes the server wrote per observation
(/proc/PID/io write_bytes, the B-tree pages and their syncs) and the data file's size per
observation. Alternating within a round keeps a shared machine's load from favouring either.

  bench/compare_daemons.py --bin-dir build-bench --old /path/to/old/kpihubd [--rounds 2]
      [--order clustered --order scattered] [--observations 200000]

--bin-dir provides kpihub-bench, kpihub-ceiling and the new kpihubd (build them first:
scripts/bench.sh does). Build the old daemon from another commit, e.g.
  git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old-build -DCMAKE_BUILD_TYPE=Release
  && cmake --build /tmp/old-build --target kpihubd
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb  # noqa: E402


def written_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", required=True)
    p.add_argument("--old", required=True, help="the other kpihubd binary")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--order", action="append", choices=("clustered", "scattered"))
    p.add_argument("--observations", type=int, default=200000)
    p.add_argument("--work-dir", help="scratch directory (default: under --bin-dir, on disk)")
    args = p.parse_args()
    suite_args = argparse.Namespace(bin_dir=args.bin_dir, smoke=False, long=False, work_dir=args.work_dir,
                                    out=None, doc=None, json=None, keep=False)
    suite = rb.Suite(suite_args)
    daemons = {"old": os.path.abspath(args.old), "new": suite.kpihubd}
    n = args.observations
    print("order      server    obs/s      CPU us/obs  written B/obs  file B/obs")
    try:
        for r in range(args.rounds):
            for order in args.order or ["clustered", "scattered"]:
                for name in ("old", "new", "ceiling"):
                    state = suite.fresh(f"{name}-{r}-{order}")
                    if name == "ceiling":
                        proc = suite.ceiling_process(state)
                    else:
                        suite.kpihubd = daemons[name]
                        proc = suite.daemon(state)
                    try:
                        before = written_bytes(proc.pid)
                        res = rb.with_cpu(proc.pid, lambda: suite.ingest(proc.ready["ingest"], 100, 4, order, n))
                        written = written_bytes(proc.pid) - before
                    finally:
                        proc.stop()
                    size = os.path.getsize(f"{state}/data.mdb")
                    shutil.rmtree(state, ignore_errors=True)
                    if res.get("error"):
                        print(f"{order:10s} {name:8s} ERROR {res['error']}")
                        continue
                    print(f"{order:10s} {name:8s} {res.get('obs_per_s', 0):9,.0f}  {res.get('cpu_us_per_obs', 0):10.1f}"
                          f"  {written / n:13,.0f}  {size / n:10,.0f}", flush=True)
    finally:
        shutil.rmtree(suite.work, ignore_errors=True)


if __name__ == "__main__":
    main()
