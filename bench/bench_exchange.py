"""The benchmark suite's exchange steps (run_bench.py's Suite): the large query, and ingest
with 100 subscribers attached against without, with the change latency."""

import json
import os
import shutil
import statistics

from bench_procs import Process, log, run_json, with_cpu

# The exchange: rows of the one large query (kpihub-query-bench), and how many runs (median).
QUERY = {
    "smoke": dict(rows=2000, runs=1),
    "full": dict(rows=100000, runs=3),
}
# The exchange's subscriptions: subscribers (each its own reading key), ingest rows with and
# without them (pairs, observations each, scattered 100 x 4), and the change latency at a fixed
# offered rate (batches of 100 per second: 100/s is the rate the demo's adapters feed its
# sample at, 22,226 figures in about 2 s) for some seconds.
SUBSCRIBE = {
    "smoke": dict(readers=10, pairs=1, obs=2000, rate=20, seconds=2),
    "full": dict(readers=100, pairs=3, obs=300000, rate=100, seconds=30),
}

class ExchangeSteps:
    """Suite steps; they use the Suite's daemon, ingest, seed and results."""

    def run_query(self):
        """kpihub-query-bench: the daemon's own ExchangeServer on loopback, one query read
        whole at the largest page size; the median of a few runs (each seeds a fresh store)."""
        plan = QUERY[self.mode]
        q = self.results["query"] = {"rows": plan["rows"], "seconds": []}
        if not os.path.exists(self.query_bench):
            q["error"] = f"{self.query_bench} not built (cmake --build ... --target kpihub-query-bench)"
            return
        store = f"{self.work}/query-store"
        for _ in range(plan["runs"]):
            r = run_json([self.query_bench, "--rows", str(plan["rows"]), "--dir", store], timeout=600)
            if r.get("error") or r.get("rows") != plan["rows"]:
                q["error"] = r.get("error") or f"unexpected answer: {r}"
                break
            q["seconds"].append(r["seconds"])
            q["pages"] = r["pages"]
        shutil.rmtree(store, ignore_errors=True)
        if q["seconds"]:
            q["median_s"] = statistics.median(q["seconds"])
        log(f"exchange query: {q}")

    # ---- the exchange's subscriptions -----------------------------------------------------
    def subscribers(self, d, plan, tag, prefix=()):
        """kpihub-subscribe-bench with plan['readers'] subscribers on daemon d, ready (every
        snapshot received) when this returns."""
        state = f"{self.work}/subscribers-{tag}"
        return Process(list(prefix) + [self.subscribe_bench, "--endpoint", d.ready["exchange"], "--server-pub",
                        f"{self.keys}/server.pub", "--keys-dir", self.keys, "--readers",
                        str(plan["readers"]), "--ready-file", f"{state}.ready"],
                       f"{state}.log", f"{state}.ready")

    def stop_subscribers(self, sub):
        sub.stop()
        with open(sub.log.name) as f:
            lines = [l for l in f.read().splitlines() if l.startswith("{")]
        return json.loads(lines[-1]) if lines else {"error": "no result"}

    def run_subscribe(self):
        """Ingest with and without plan['readers'] subscribers (fresh daemons, alternated), and
        how long a committed change takes to reach them at a fixed offered rate."""
        plan = SUBSCRIBE[self.mode]
        # The daemon on a CPU of its own; the adapters and the subscribers, which run on the
        # departments' machines, on the other: the ratio is the daemon's own cost of serving.
        cpus = sorted(os.sched_getaffinity(0))
        own, other = cpus[0], cpus[1] if len(cpus) > 1 else cpus[0]
        mine, theirs = ("taskset", "-c", str(own)), ("taskset", "-c", str(other))
        res = self.results["subscribe"] = {"readers": plan["readers"], "without": [], "with": [],
                                           "cpus": [own, other]}
        extra = 'exchange_listen = "tcp://127.0.0.1:*"\n'
        for pair in range(plan["pairs"]):
            for side in ("without", "with"):
                state = self.fresh(f"subscribe-{side}-{pair}")
                d = self.daemon(state, extra=extra, prefix=mine)
                sub = None
                try:
                    if side == "with":
                        sub = self.subscribers(d, plan, f"{side}-{pair}", theirs)
                    r = with_cpu(d.pid, lambda: self.ingest(d.ready["ingest"], 100, 4, "scattered", plan["obs"],
                                                            prefix=theirs))
                    res[side].append(r.get("obs_per_s"))
                    if sub:
                        res.setdefault("load_latency", []).append(self.stop_subscribers(sub))
                        sub = None
                finally:
                    if sub:
                        sub.stop()
                    d.stop()
                    shutil.rmtree(state, ignore_errors=True)
        if all(res["without"]) and all(res["with"]):
            res["ratio"] = statistics.median(res["with"]) / statistics.median(res["without"])
        state = self.fresh("subscribe-latency")
        d = self.daemon(state, extra=extra, prefix=mine)
        try:
            sub = self.subscribers(d, plan, "latency", theirs)
            n = plan["rate"] * 100 * plan["seconds"]
            res["offered"] = self.ingest(d.ready["ingest"], 100, 4, "scattered", n, rate=plan["rate"],
                                         prefix=theirs)
            res["latency"] = self.stop_subscribers(sub)
        finally:
            d.stop()
            shutil.rmtree(state, ignore_errors=True)
        log(f"subscriptions: ingest with/without {res.get('ratio')}, latency {res.get('latency')}")

    # ---- 5: scale ------------------------------------------------------------------------
