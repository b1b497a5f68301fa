#!/usr/bin/env python3
"""kpihub benchmark suite driver (scripts/bench.sh runs it; docs/performance.md explains it).

Starts the real kpihubd, the ceiling pipeline, a Prometheus Pushgateway and a PostgreSQL
server on ephemeral loopback ports in a scratch directory, drives them with kpihub-bench, and
prints a Markdown report (ingest matrix, ratios, scrape, memory, start-up, scale, targets).
With --doc it replaces the "Results" block of docs/performance.md (between RESULTS_BEGIN and
RESULTS_END) with the report; the rest of that document (method and analysis) is written by
hand and left as it is.

Modes: --smoke (seconds; CI: every row must produce a figure, no timing is judged), default
full, --long (adds 50 million stored observations).
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_alternatives import AlternativeSteps
from bench_exchange import SUBSCRIBE, ExchangeSteps
from bench_flood import FloodSteps
from bench_procs import Process, RssSampler, http_get, log, rss_kib, run_json, with_cpu
from bench_report import find_row, machine, missing_figures, read_doc, report, write_doc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Observations per ingest row (split between the adapters), window of batches in flight per
# adapter, by batch size.
SIZES = {
    "smoke": {1: 100, 100: 2000, 1000: 4000},
    "full": {1: 20000, 100: 600000, 1000: 600000},
}
WINDOW = {1: 256, 100: 64, 1000: 8}
PLANS = {
    "smoke": dict(push_obs=2000, alt_obs=2000, scale=[2000, 4000], enterprises=200, scrapes=3, pg=True),
    "full": dict(push_obs=40000, alt_obs=200000, scale=[1000000, 10000000], enterprises=100000, scrapes=50, pg=True),
}
# The seeded 100,000 enterprises x 4 years: a quarterly figure and two yearly flags each.
ENTERPRISE_INDICATORS = "rd_expenditure,hightech_certified,above_scale_with_rd_institution"


class Suite(FloodSteps, AlternativeSteps, ExchangeSteps):
    def __init__(self, args):
        self.args = args
        self.mode = "smoke" if args.smoke else "full"
        self.plan = PLANS[self.mode]
        self.bin = os.path.abspath(args.bin_dir)
        self.kpihubd = f"{self.bin}/daemon/main/kpihubd"
        self.kpihub = f"{self.bin}/daemon/main/kpihub"
        self.bench = f"{self.bin}/bench/kpihub-bench"
        self.ceiling = f"{self.bin}/bench/kpihub-ceiling"
        self.query_bench = f"{self.bin}/bench/kpihub-query-bench"
        self.adapter = f"{self.bin}/adapters/program/kpihub-adapter"
        base = args.work_dir or self.bin
        os.makedirs(base, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="bench-run-", dir=base)
        self.keys = f"{self.work}/keys"
        os.makedirs(self.keys)
        subprocess.run([self.bench, "keys", "--dir", self.keys, "--adapters", "4", "--readers",
                        str(SUBSCRIBE[self.mode]["readers"])], check=True)
        self.subscribe_bench = f"{self.bin}/bench/kpihub-subscribe-bench"
        self.cursor = 0  # next fresh workload index
        self.results = {"ingest": [], "alt": {}, "scrape": {}, "rss": {}, "startup": {},
                        "scale": [], "query": {}, "subscribe": {}, "errors": []}
        self.load_before = os.getloadavg()

    # ---- processes ---------------------------------------------------------------------
    def daemon(self, state, registry=None, server_key=None, extra="", prefix=()):
        """kpihubd on `state`; `extra` is appended to its configuration, `prefix` runs it
        (taskset -c N pins it, and every thread it starts, to one CPU)."""
        cfg = f"{self.work}/kpihubd-{os.path.basename(state)}.toml"
        with open(cfg, "w") as f:
            f.write(f'state_dir = "{state}"\nkey_registry = "{registry or self.keys + "/keys.toml"}"\n'
                    f'server_key = "{server_key or self.keys + "/server.key"}"\n'
                    'listen = "tcp://127.0.0.1:*"\nmetrics_listen = "127.0.0.1:0"\n'
                    'log_level = "info"\n' + extra)
        return Process(list(prefix) + [self.kpihubd, "--config", cfg, "--ready-file", f"{state}.ready"],
                       f"{state}.log", f"{state}.ready")

    def ceiling_process(self, state):
        os.makedirs(state, exist_ok=True)
        return Process([self.ceiling, "--server-key", f"{self.keys}/server.key", "--state-dir", state,
                        "--ready-file", f"{state}.ready"], f"{state}.log", f"{state}.ready")

    def fresh(self, name):
        path = f"{self.work}/{name}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    def take(self, count):
        first = self.cursor
        self.cursor += count
        return first

    def ingest(self, endpoint, batch, adapters, order, observations, rate=None, window=None, prefix=()):
        cmd = list(prefix) + [
            self.bench, "ingest", "--endpoint", endpoint, "--server-pub", f"{self.keys}/server.pub",
            "--batch", str(batch), "--observations", str(observations), "--order", order,
            "--window", str(window or WINDOW[batch]), "--first-index", str(self.take(observations))]
        if rate:
            cmd += ["--rate", f"{rate:.1f}"]
        for a in range(adapters):
            cmd += ["--key", f"{self.keys}/bench-{a}.key"]
        return run_json(cmd)

    def seed(self, state, **kw):
        cmd = [self.bench, "seed", "--state-dir", state]
        for k, v in kw.items():
            cmd += [f"--{k.replace('_', '-')}", str(v)]
        r = run_json(cmd, timeout=7200)
        if r.get("error"):
            raise RuntimeError(f"seeding failed: {r['error']}")
        # The seeder writes without sync; flush now so that the daemon's first commit (and
        # so its start-up time) does not pay for writing the seeded gigabytes to disk.
        subprocess.run(["sync", f"{state}/data.mdb"], check=True)
        log(f"seeded {r['observations']} observations in {r['seconds']:.1f} s")
        return r

    # ---- 1 + 2: ingest matrix, kpihub and ceiling row by row ------------------------------
    def run_ingest_matrix(self):
        """Each row runs kpihubd on a fresh state, then the ceiling with the same parameters.
        Smoke mode keeps one of each for all rows: it only checks that every row yields a figure."""
        sizes = SIZES[self.mode]
        shared = self.mode == "smoke"
        d = self.daemon(self.fresh("ingest-shared")) if shared else None
        c = self.ceiling_process(self.fresh("ceiling-shared")) if shared else None
        try:
            for batch in (1, 100, 1000):
                for adapters in (1, 4):
                    for order in ("clustered", "scattered"):
                        self.ingest_row(batch, adapters, order, sizes[batch], d, c)
        finally:
            for p in (d, c):
                if p:
                    p.stop()

    def ingest_row(self, batch, adapters, order, n, shared_daemon, shared_ceiling):
        state = self.fresh(f"ingest-{batch}-{adapters}-{order}")
        d = shared_daemon or self.daemon(state)
        try:
            idle = rss_kib(d.pid)
            with RssSampler(d.pid) as sampler:
                k = with_cpu(d.pid, lambda: self.ingest(d.ready["ingest"], batch, adapters, order, n))
            time.sleep(1 if self.mode == "full" else 0.05)
            after = rss_kib(d.pid)
        finally:
            if not shared_daemon:
                d.stop()
                shutil.rmtree(state, ignore_errors=True)
        cstate = self.fresh(f"ceiling-{batch}-{adapters}-{order}")
        c = shared_ceiling or self.ceiling_process(cstate)
        try:
            ref = with_cpu(c.pid, lambda: self.ingest(c.ready["ingest"], batch, adapters, order, n))
        finally:
            if not shared_ceiling:
                c.stop()
                shutil.rmtree(cstate, ignore_errors=True)
        self.results["ingest"].append({"batch": batch, "adapters": adapters, "order": order, "kpihub": k,
                                       "ceiling": ref, "rss_idle": idle, "rss_load": sampler.max,
                                       "rss_after": after})
        log(f"ingest {batch} x {adapters} {order}: kpihub {k.get('obs_per_s')} obs/s, ceiling "
            f"{ref.get('obs_per_s')} obs/s{'  ERROR ' + k['error'] if k.get('error') else ''}"
            f"{'  CEILING ERROR ' + ref['error'] if ref.get('error') else ''}")

    # ---- 1b: ack latency at a fixed offered load -------------------------------------------
    def run_fixed_load(self):
        """Ack latency when the daemon is not saturated: the 100 x 4 rows again, offered at half
        the rate kpihubd reached with a full window, for kpihubd and for the ceiling."""
        seconds = 1 if self.mode == "smoke" else 5
        for order in ("clustered", "scattered"):
            row = find_row(self.results, 100, 4, order)
            saturated = (row or {}).get("kpihub", {}).get("batches_per_s")
            if not saturated:
                self.results["fixed_load"] = self.results.get("fixed_load", []) + [
                    {"order": order, "error": "no saturated figure to offer half of"}]
                continue
            rate = saturated / 2
            n = max(400, int(rate * seconds) * 100)
            if self.mode == "smoke":
                n = min(n, 4000)
            entry = {"order": order, "rate": rate}
            for name in ("kpihub", "ceiling"):
                state = self.fresh(f"fixed-{name}-{order}")
                proc = self.daemon(state) if name == "kpihub" else self.ceiling_process(state)
                try:
                    entry[name] = with_cpu(proc.pid, lambda: self.ingest(proc.ready["ingest"], 100, 4, order, n,
                                                                          rate=rate))
                finally:
                    proc.stop()
                    shutil.rmtree(state, ignore_errors=True)
            self.results.setdefault("fixed_load", []).append(entry)
            log(f"fixed load {order} at {rate:.0f} batches/s: kpihub p50 {entry['kpihub'].get('p50_ms')} "
                f"p99 {entry['kpihub'].get('p99_ms')} ms, ceiling p50 {entry['ceiling'].get('p50_ms')} ms")

    # ---- 1c: HELLO flood -------------------------------------------------------------------
    def scrape(self, port):
        times, size = [], 0
        http_get(port)  # first scrape warms the page cache like any later one
        for _ in range(self.plan["scrapes"]):
            t, size = http_get(port)
            times.append(t * 1000)
        return {"median_ms": statistics.median(times), "max_ms": max(times), "bytes": size}

    def demo_state(self):
        """Feeds the bundled department sample through kpihub-adapter, as scripts/demo.sh does."""
        demo = self.fresh("demo")
        os.makedirs(f"{demo}/keys")
        os.makedirs(f"{demo}/inbox")
        departments = ["tax", "finance", "scitech", "environment"]
        with open(f"{demo}/keys.toml", "w") as reg:
            for name in ["server"] + [f"{d}-demo" for d in departments]:
                subprocess.run([self.kpihub, "keygen", name, "--out", f"{demo}/keys"], check=True,
                               capture_output=True)
            for d in departments:
                with open(f"{demo}/keys/{d}-demo.pub") as pub:
                    line = next(l for l in pub if l.startswith("public_key"))
                reg.write(f'[[adapter]]\nid = "{d}-demo"\ndepartment = "{d}"\n{line}\n')
        for f in glob.glob(f"{REPO}/samples/demo/*"):
            if not os.path.basename(f).startswith(("expected-", "README")):
                shutil.copy(f, f"{demo}/inbox/")
        d = self.daemon(f"{demo}/state", registry=f"{demo}/keys.toml", server_key=f"{demo}/keys/server.key")
        try:
            return d, self.feed_demo(d, demo, departments)
        except Exception:
            d.stop()
            raise

    def feed_demo(self, d, demo, departments):
        procs = []
        for dept in departments:
            inputs = []
            for f in sorted(glob.glob(f"{demo}/inbox/{dept}-*")):
                inputs += ["--input", f]
            procs.append(subprocess.Popen(
                [self.adapter, "--profile", f"{REPO}/config/profiles/{dept}.toml", "--key",
                 f"{demo}/keys/{dept}-demo.key", "--server-key", f"{demo}/keys/server.pub",
                 "--endpoint", d.ready["ingest"], "--state-dir", f"{demo}/adapter-{dept}",
                 "--deadline", "120"] + inputs, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return sum(1 for p in procs if p.wait() != 0)

    def run_scrape_and_memory(self):
        d, failed = self.demo_state()
        try:
            s = self.scrape(int(d.ready["metrics_port"]))
            if failed:
                s["error"] = f"{failed} department adapter(s) did not deliver"
            self.results["scrape"]["demo"] = s
            self.results["rss"]["demo_idle"] = rss_kib(d.pid)
            log(f"scrape demo: {s}")
        finally:
            d.stop()
        state = self.fresh("enterprises")
        r = self.seed(state, enterprise_indicators=ENTERPRISE_INDICATORS,
                      enterprises=self.plan["enterprises"])
        d = self.daemon(state)
        try:
            s = self.scrape(int(d.ready["metrics_port"]))
            s["observations"] = r["observations"]
            s["startup_s"] = d.startup_s
            self.results["scrape"]["enterprises"] = s
            self.results["rss"]["enterprises_idle"] = rss_kib(d.pid)
            log(f"scrape enterprises: {s}")
        finally:
            d.stop()
        shutil.rmtree(state, ignore_errors=True)

    # ---- the exchange: one large query -------------------------------------------------
    def run_scale(self):
        state = self.fresh("scale")
        seeded = added = 0
        targets = list(self.plan["scale"]) + ([50000000] if self.args.long else [])
        n = SIZES[self.mode][100]
        # Stored figures come from their own index range, far above the rows' indices.
        seed_base = 120000000
        for target in targets:
            # Clustered: a backfill in key order, the fastest to write (10 M in about a
            # minute); the measured rows then insert scattered keys among them.
            self.seed(state, observations=target - seeded, first_index=seed_base + seeded,
                      order="clustered")
            seeded = target
            stored = seeded + added  # the earlier rows' observations stay
            d = self.daemon(state)
            try:
                with RssSampler(d.pid) as sampler:
                    r = with_cpu(d.pid, lambda: self.ingest(d.ready["ingest"], 100, 4, "scattered", n))
                    rc = with_cpu(d.pid, lambda: self.ingest(d.ready["ingest"], 100, 4, "clustered", n))
                time.sleep(1 if self.mode == "full" else 0.1)
                row = {"stored": stored, "startup_s": d.startup_s, "ingest": r, "clustered": rc,
                       "rss_load": sampler.max, "rss_after": rss_kib(d.pid),
                       "data_bytes": os.path.getsize(f"{state}/data.mdb")}
                self.results["scale"].append(row)
                log(f"scale {stored}: start-up {d.startup_s:.3f} s, {r.get('obs_per_s')} obs/s scattered, "
                    f"{rc.get('obs_per_s')} clustered")
            finally:
                d.stop()
            added += (r.get("observations", 0) or 0) + (rc.get("observations", 0) or 0)
        shutil.rmtree(state, ignore_errors=True)

    def run(self):
        steps = [("ingest matrix", self.run_ingest_matrix), ("fixed load", self.run_fixed_load),
                 ("exchange query", self.run_query), ("subscriptions", self.run_subscribe),
                 ("hello flood", self.run_flood),
                 ("pushgateway", self.run_pushgateway),
                 ("postgres", self.run_postgres), ("scrape and memory", self.run_scrape_and_memory),
                 ("scale", self.run_scale)]
        for name, step in steps:
            if self.args.only and name not in self.args.only:
                continue
            log(f"== {name}")
            try:
                step()
            except Exception as e:  # a broken step is reported, the others still run
                self.results["errors"].append(f"{name}: {e}")
                log(f"{name} FAILED: {e}")
        self.load_after = os.getloadavg()
        self.results["machine"] = machine(self)
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return self.results


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", required=True, help="CMake build directory with the built binaries")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--long", action="store_true", help="also 50 million stored observations")
    p.add_argument("--work-dir", help="scratch directory (default: under --bin-dir, on disk)")
    p.add_argument("--out", help="write the report (Markdown) here")
    p.add_argument("--doc", help="write the full performance document here")
    p.add_argument("--json", help="write the raw results here")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--only", action="append", metavar="STEP",
                   help="run only this step (repeatable), e.g. --only 'hello flood'; for "
                        "experiments: the report then lacks the other rows")
    p.add_argument("--render", metavar="JSON",
                   help="run nothing: write the report from the raw results of an earlier run")
    args = p.parse_args()
    if args.doc:
        read_doc(args.doc)  # before a run of minutes, not after it
    if args.render:
        return render(args)
    suite = Suite(args)
    res = suite.run()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    publish(res, suite, args)
    missing = missing_figures(res)
    for m in missing:
        print(f"no figure: {m}", file=sys.stderr)
    return 1 if missing else 0


def render(args):
    with open(args.render) as f:
        res = json.load(f)
    suite = argparse.Namespace(mode="smoke" if args.smoke else "full", plan=PLANS["smoke" if args.smoke else "full"],
                               args=args)
    publish(res, suite, args)
    return 0


def publish(res, suite, args):
    """Prints the report and writes it where --out and --doc say."""
    table = report(res, suite)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)
    if args.doc:
        write_doc(args.doc, table, suite, res.get("machine"))


if __name__ == "__main__":
    sys.exit(main())
