"""The benchmark suite's HELLO-flood step (run_bench.py's Suite): an adapter's rate while
clients without credentials fail their handshakes over and over."""

import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_procs import cpu_seconds, log, metric_sum
from bench_report import num

# The HELLO flood scenario: quiet/flooded window pairs, adapter batches (of 10 figures, one in
# flight) per window, flooding clients, seconds the flood is given to ramp up.
FLOOD = {
    "smoke": dict(cycles=1, batches=30, clients=100, ramp_s=0.5),
    "full": dict(cycles=7, batches=1000, clients=1000, ramp_s=2),
}
# Refused handshakes, summed over the reasons.
FAILURES = "kpihub_ingest_handshake_failures_total"


class FloodSteps:
    """Suite steps; they use the Suite's daemon, ingest and results."""

    def run_flood(self):
        """An adapter sending batches of 10 figures one at a time while 1,000 clients without
        credentials (kpihub-bench hello-flood, its own process) fail their handshake over and
        over: once with a wrong server key, once from outside the daemon's accept allowlist.
        The flood runs on a CPU of its own, as an attacker on other hosts would; the daemon and
        the adapter share another. Quiet and flooded windows alternate; medians are reported."""
        cpus = sorted(os.sched_getaffinity(0))
        own, attacker = cpus[0], cpus[1] if len(cpus) > 1 else cpus[0]
        # The state on tmpfs when there is one: a commit's fsync then costs no disk wait (which
        # other load on the machine varies), and the adapter's rate is bound by the CPU it
        # shares with the daemon, the resource the flood takes. The harsher case for the ratio.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else self.work
        self.results["flood"] = {"cpus": [own, attacker], "state_on": "tmpfs" if shm == "/dev/shm" else "disk"}
        # Both CPUs are kept out of their idle states in every window by a spinner at idle
        # priority (SCHED_IDLE: it runs only when nothing else wants the CPU). On a virtual
        # machine waking a halted vCPU costs more than a batch: without it the quiet windows,
        # where the CPU halts between batches, came out slower than the flooded ones.
        spin = "import os\nos.sched_setaffinity(0, {%d})\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\nwhile True: pass"
        spinners = [subprocess.Popen([sys.executable, "-c", spin % cpu]) for cpu in {own, attacker}]
        try:
            self.flood_scenarios(shm, own, attacker)
        finally:
            for p in spinners:
                p.kill()
                p.wait()

    def flood_scenarios(self, shm, own, attacker):
        allow = 'ingest_allow_from = ["127.0.0.1/32"]\n'
        # libzmq clients, whose rate is bound by the attacker's CPU (each attempt costs it more
        # Curve work than the daemon), then bare TCP clients replaying a HELLO (--raw), which
        # cost the attacker almost nothing: a flood from many hosts, bound by the daemon's CPU.
        for name, extra, source, raw in (
                ("wrong_key", "", "127.0.0.1", False),
                ("outside_allowlist", allow, "127.0.0.2", False),
                ("raw_wrong_key", "", "127.0.0.1", True),
                ("raw_outside_allowlist", allow, "127.0.0.2", True)):
            state = tempfile.mkdtemp(prefix=f"kpihub-bench-flood-{name}-", dir=shm)
            try:
                d = self.daemon(state, extra=extra, prefix=("taskset", "-c", str(own)))
                try:
                    r = self.flood_scenario(d, source, own, attacker, raw)
                finally:
                    d.stop()
            finally:
                shutil.rmtree(state, ignore_errors=True)
                for leftover in glob.glob(f"{state}.*"):
                    os.remove(leftover)
            self.results["flood"][name] = r
            log(f"flood {name}: {num(r.get('quiet'))} batches/s quiet, {num(r.get('flooded'))} flooded "
                f"(ratio {num(r.get('ratio'), 2)}), {num(r.get('after'))} after; "
                f"{num(r.get('refused_per_s'))} refused/s, {num(r.get('cpu_us_per_refused'))} µs CPU each; "
                f"daemon {num(r.get('daemon_cpu_share_flooded'), 2)} of a CPU; raw flood {num(r.get('attempts_per_s'))} connections/s")

    def flood_scenario(self, d, source, own, attacker, raw):
        plan = FLOOD[self.mode]
        port = int(d.ready["metrics_port"])
        ingest_ep = d.ready["ingest"]
        flood_ep = f"tcp://{source}:0;{ingest_ep[len('tcp://'):]}"
        pin = ("taskset", "-c", str(own))
        n = plan["batches"] * 10

        def window():
            c0, f0, t0 = cpu_seconds(d.pid), metric_sum(port, FAILURES), time.monotonic()
            r = self.ingest(ingest_ep, 10, 1, "clustered", n, window=1, prefix=pin)
            c1, f1, t1 = cpu_seconds(d.pid), metric_sum(port, FAILURES), time.monotonic()
            if r.get("error"):
                raise RuntimeError(f"adapter: {r['error']}")
            return {"batches_per_s": r.get("batches_per_s"), "cpu_s": c1 - c0, "refused": f1 - f0,
                    "seconds": t1 - t0, "batches": r.get("batches")}

        window()  # warm-up: map growth, first pages
        quiet, flooded, attempt_rates = [], [], []
        for _ in range(plan["cycles"]):
            quiet.append(window())
            flood = subprocess.Popen([self.bench, "hello-flood", "--endpoint", flood_ep, "--clients",
                                      str(plan["clients"]), "--cpu", str(attacker)] + (["--raw"] if raw else []),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            started = time.monotonic()
            try:
                time.sleep(plan["ramp_s"])  # every client connected and reconnecting
                if flood.poll() is not None:
                    raise RuntimeError(f"hello-flood exited: {flood.stderr.read()[-400:]}")
                flooded.append(window())
            finally:
                flood.terminate()
                out, _ = flood.communicate()
            # The raw flood counts the connections it completed (all of its life).
            attempts = json.loads(out.strip().splitlines()[-1]).get("attempts") if out.strip() else None
            if raw and attempts:
                attempt_rates.append(attempts / (time.monotonic() - started))
            time.sleep(plan["ramp_s"] / 2)  # handshakes in progress end
        after = window()
        med = lambda rows, key: statistics.median(r[key] for r in rows)
        # The adapter's own cost, from the quiet windows, is taken off the daemon's CPU time
        # under the flood: what is left is the flood's.
        per_batch = sum(r["cpu_s"] for r in quiet) / max(1, sum(r["batches"] for r in quiet))
        flood_cpu = [max(0.0, r["cpu_s"] - per_batch * r["batches"]) for r in flooded]
        out = {"quiet": med(quiet, "batches_per_s"), "flooded": med(flooded, "batches_per_s"),
               "after": after["batches_per_s"], "clients": plan["clients"],
               "ratios": [f["batches_per_s"] / q["batches_per_s"] for q, f in zip(quiet, flooded)],
               "quiet_runs": [r["batches_per_s"] for r in quiet],
               "flooded_runs": [r["batches_per_s"] for r in flooded],
               "refused_per_s": statistics.median(r["refused"] / r["seconds"] for r in flooded),
               "daemon_cpu_share_flooded": statistics.median(r["cpu_s"] / r["seconds"] for r in flooded),
               "daemon_cpu_share_quiet": statistics.median(r["cpu_s"] / r["seconds"] for r in quiet)}
        out["ratio"] = statistics.median(out["ratios"])
        if attempt_rates:
            out["attempts_per_s"] = statistics.median(attempt_rates)
        refused = sum(r["refused"] for r in flooded)
        if refused:
            out["cpu_us_per_refused"] = sum(flood_cpu) * 1e6 / refused
        return out

    # ---- 3: alternatives -----------------------------------------------------------------
