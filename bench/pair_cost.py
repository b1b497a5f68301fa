#!/usr/bin/env python3
"""What a replica pair costs at ingest, measured (docs/scaling.md, "The pair"): the same
100-observation batches from 4 senders to one kpihubd, then to two kpihubd at once, each batch
sent to both as an adapter of a pair sends it. Prints, per key order and number of replicas,
one JSON line: observations/s of each daemon, the senders' CPU per observation (all sends
together, from the bench client's rusage) and each daemon's CPU per observation
(/proc/PID/stat). Both daemons share this machine's cores, so the pair's rates here are a
floor; the CPU per observation is what each machine of a real pair pays.

  bench/pair_cost.py --bin-dir build [--observations 600000]

--bin-dir provides kpihub-bench and kpihubd (scripts/bench.sh builds them into build-bench).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_procs import Process, cpu_seconds  # noqa: E402


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", required=True)
    p.add_argument("--observations", type=int, default=600000)
    args = p.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    bench, kpihubd = f"{bin_dir}/bench/kpihub-bench", f"{bin_dir}/daemon/main/kpihubd"
    work = tempfile.mkdtemp(prefix="kpihub-pair-", dir="/var/tmp")  # on disk: the syncs are real
    keys = f"{work}/keys"
    os.makedirs(keys)
    subprocess.run([bench, "keys", "--dir", keys, "--adapters", "4"], check=True, capture_output=True)
    first = 0
    try:
        for order in ("clustered", "scattered"):
            for replicas in (1, 2):
                daemons = [start_daemon(kpihubd, keys, f"{work}/{order}-{replicas}-{i}") for i in range(replicas)]
                before = [cpu_seconds(d.pid) for d in daemons]
                senders_before = children_cpu()
                senders = [subprocess.Popen(sender(bench, keys, d.ready["ingest"], order, args.observations, first),
                                            stdout=subprocess.PIPE, text=True) for d in daemons]
                results = [json.loads(s.communicate()[0].strip().splitlines()[-1]) for s in senders]
                daemon_cpu = [cpu_seconds(d.pid) - b for d, b in zip(daemons, before)]
                sender_cpu = children_cpu() - senders_before
                for d in daemons:
                    d.stop()
                first += args.observations
                n = args.observations
                print(json.dumps({"order": order, "replicas": replicas, "observations": n,
                                  "obs_per_s_each": [round(r["obs_per_s"]) for r in results],
                                  "sender_cpu_us_per_obs": round(sender_cpu / n * 1e6, 2),
                                  "daemon_cpu_us_per_obs_each": [round(c / n * 1e6, 2) for c in daemon_cpu],
                                  "load": [round(x, 2) for x in os.getloadavg()]}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def start_daemon(kpihubd, keys, state):
    cfg = f"{state}.toml"
    with open(cfg, "w") as f:
        f.write(f'state_dir = "{state}"\nkey_registry = "{keys}/keys.toml"\nserver_key = "{keys}/server.key"\n'
                'listen = "tcp://127.0.0.1:*"\nmetrics_listen = "127.0.0.1:0"\nlog_level = "info"\n')
    return Process([kpihubd, "--config", cfg, "--ready-file", f"{state}.ready"], f"{state}.log", f"{state}.ready")


def sender(bench, keys, endpoint, order, n, first):
    cmd = [bench, "ingest", "--endpoint", endpoint, "--server-pub", f"{keys}/server.pub", "--batch", "100",
           "--observations", str(n), "--order", order, "--window", "64", "--first-index", str(first)]
    for a in range(4):
        cmd += ["--key", f"{keys}/bench-{a}.key"]
    return cmd


if __name__ == "__main__":
    main()
