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
import datetime
import glob
import json
import os
import platform
import pwd
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

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


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_json(cmd, timeout=3600):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    try:
        data = json.loads(line)
    except ValueError:
        data = {"error": f"exit {out.returncode}: {out.stderr.strip()[-400:]}"}
    if out.returncode != 0 and not data.get("error"):
        data["error"] = f"exit {out.returncode}: {out.stderr.strip()[-400:]}"
    return data


def rss_kib(pid):
    """VmRSS, RssAnon (heap: outside LMDB's page cache) and RssFile (mapped file) in KiB."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def cpu_seconds(pid):
    """User + system CPU time a process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def with_cpu(pid, run):
    """Runs `run()` and adds the server's CPU µs per observation to its result: a figure that
    other load on the machine does not change much, unlike the wall-clock rate."""
    before = cpu_seconds(pid)
    r = run()
    after = cpu_seconds(pid)
    if before is not None and after is not None and r.get("observations"):
        r["cpu_us_per_obs"] = (after - before) * 1e6 / r["observations"]
    return r


class RssSampler:
    """Samples a process's RSS every 50 ms while a load runs; keeps the maxima."""

    def __init__(self, pid):
        self.pid, self.max = pid, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for k, v in rss_kib(self.pid).items():
                self.max[k] = max(self.max.get(k, 0), v)
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def http_get(port, path="/metrics"):
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:
        body = r.read()
    return time.perf_counter() - started, len(body)


def wait_file(path, proc, timeout, poll=0.002):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(poll)
    return False


def read_ready(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            out[k] = v
    return out


class Process:
    def __init__(self, cmd, log_path, ready_path, env=None):
        self.ready_path = ready_path
        if os.path.exists(ready_path):
            os.remove(ready_path)
        self.log = open(log_path, "ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=env)
        if not wait_file(ready_path, self.proc, 600):
            self.stop()
            raise RuntimeError(f"{cmd[0]} did not become ready; see {log_path}")
        self.startup_s = time.perf_counter() - started
        self.ready = read_ready(ready_path)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def traversable(path):
    """True when every folder from / down to path lets other accounts through."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def shared_dir(near):
    """A folder other accounts can reach, on the filesystem of near if one is (figures compared
    with kpihubd's stay comparable): near itself, $TMPDIR, /var/tmp, else /tmp."""
    candidates = [near, tempfile.gettempdir(), "/var/tmp", "/tmp"]
    reachable = [c for c in candidates if os.path.isdir(c) and traversable(c)]
    for c in reachable:
        if os.stat(c).st_dev == os.stat(near).st_dev:
            return c
    if not reachable:
        raise RuntimeError("no folder that other accounts can reach for the PostgreSQL data")
    log(f"PostgreSQL data in {reachable[0]}: no folder other accounts can reach on the "
        f"filesystem of {near}")
    return reachable[0]


class Suite:
    def __init__(self, args):
        self.args = args
        self.mode = "smoke" if args.smoke else "full"
        self.plan = PLANS[self.mode]
        self.bin = os.path.abspath(args.bin_dir)
        self.kpihubd = f"{self.bin}/daemon/main/kpihubd"
        self.kpihub = f"{self.bin}/daemon/main/kpihub"
        self.bench = f"{self.bin}/bench/kpihub-bench"
        self.ceiling = f"{self.bin}/bench/kpihub-ceiling"
        self.adapter = f"{self.bin}/adapters/program/kpihub-adapter"
        base = args.work_dir or self.bin
        os.makedirs(base, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="bench-run-", dir=base)
        self.keys = f"{self.work}/keys"
        os.makedirs(self.keys)
        subprocess.run([self.bench, "keys", "--dir", self.keys, "--adapters", "4"], check=True)
        self.cursor = 0  # next fresh workload index
        self.results = {"ingest": [], "alt": {}, "scrape": {}, "rss": {}, "startup": {},
                        "scale": [], "errors": []}
        self.load_before = os.getloadavg()

    # ---- processes ---------------------------------------------------------------------
    def daemon(self, state, registry=None, server_key=None):
        cfg = f"{self.work}/kpihubd-{os.path.basename(state)}.toml"
        with open(cfg, "w") as f:
            f.write(f'state_dir = "{state}"\nkey_registry = "{registry or self.keys + "/keys.toml"}"\n'
                    f'server_key = "{server_key or self.keys + "/server.key"}"\n'
                    'listen = "tcp://127.0.0.1:*"\nmetrics_listen = "127.0.0.1:0"\n'
                    'log_level = "info"\n')
        return Process([self.kpihubd, "--config", cfg, "--ready-file", f"{state}.ready"],
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

    def ingest(self, endpoint, batch, adapters, order, observations, rate=None):
        cmd = [self.bench, "ingest", "--endpoint", endpoint, "--server-pub", f"{self.keys}/server.pub",
               "--batch", str(batch), "--observations", str(observations), "--order", order,
               "--window", str(WINDOW[batch]), "--first-index", str(self.take(observations))]
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

    # ---- 3: alternatives -----------------------------------------------------------------
    def run_pushgateway(self):
        """Debian's Pushgateway as a zone would run it, then at its best (consistency check off:
        by default every push is checked against every metric it holds)."""
        exe = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")
        for name, flags in (("pushgateway", []), ("pushgateway-nocheck", ["--push.disable-consistency-check"])):
            if not exe:
                self.results["alt"][name] = {"error": "prometheus-pushgateway not installed"}
                continue
            port = free_port()
            logf = open(f"{self.work}/{name}.log", "wb")
            proc = subprocess.Popen([exe, f"--web.listen-address=127.0.0.1:{port}",
                                     f"--persistence.file={self.work}/{name}.data"] + flags,
                                    stdout=logf, stderr=logf)
            try:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    try:
                        http_get(port, "/-/ready")
                        break
                    except OSError:
                        time.sleep(0.05)
                n = self.plan["push_obs"]
                r = with_cpu(proc.pid, lambda: run_json(
                    [self.bench, "pushgateway", "--target", f"http://127.0.0.1:{port}", "--adapters", "4",
                     "--batch", "100", "--observations", str(n), "--order", "scattered",
                     "--first-index", str(self.take(n))]))
                r["rss"] = rss_kib(proc.pid)
                self.results["alt"][name] = r
                log(f"{name}: {r.get('obs_per_s')} samples/s {r.get('error') or ''}")
            finally:
                proc.terminate()
                proc.wait()
                logf.close()

    def run_postgres(self):
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bindirs:
            self.results["alt"]["postgres"] = {"error": "postgresql not installed"}
            return
        pgbin = bindirs[-1]
        # The server refuses to run as root: as root it runs as nobody, which cannot be assumed
        # to reach the work folder (a checkout under /root, mode 700, say). Its data folder is
        # then in a fresh directory of its own that everyone can traverse.
        own_root = None
        prefix = []
        if os.geteuid() == 0:
            user = "nobody"
            uid = pwd.getpwnam(user).pw_uid
            own_root = tempfile.mkdtemp(prefix="kpihub-bench-pg-", dir=shared_dir(os.path.dirname(self.work)))
            os.chmod(own_root, 0o755)
            data = f"{own_root}/pg"
            os.makedirs(data)
            os.chown(data, uid, -1)
            prefix = ["runuser", "-u", user, "--"]
        else:
            data = f"{self.work}/pg"
            os.makedirs(data)
        try:
            self.postgres_in(pgbin, data, prefix)
        finally:
            if own_root:
                shutil.rmtree(own_root, ignore_errors=True)

    def postgres_in(self, pgbin, data, prefix):
        port = free_port()
        subprocess.run(prefix + [f"{pgbin}/initdb", "-D", f"{data}/db", "-U", "bench", "--auth=trust",
                                 "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        opts = (f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=on "
                "-c synchronous_commit=on -c shared_buffers=256MB")
        subprocess.run(prefix + [f"{pgbin}/pg_ctl", "-D", f"{data}/db", "-o", opts, "-l",
                                 f"{data}/server.log", "-w", "start"], check=True, capture_output=True)
        conninfo = f"host=127.0.0.1 port={port} user=bench dbname=postgres"
        try:
            for order in ("scattered", "clustered"):
                n = self.plan["alt_obs"]
                r = run_json([self.bench, "postgres", "--target", conninfo, "--adapters", "4",
                              "--batch", "100", "--observations", str(n), "--order", order,
                              "--first-index", str(self.take(n))])
                self.results["alt"][f"postgres-{order}"] = r
                log(f"postgres {order}: {r.get('obs_per_s')} rows/s {r.get('error') or ''}")
            self.results["alt"]["postgres-kpi"] = run_json([self.bench, "postgres-kpi", "--target", conninfo])
        finally:
            subprocess.run(prefix + [f"{pgbin}/pg_ctl", "-D", f"{data}/db", "-m", "fast", "-w", "stop"],
                           capture_output=True)

    # ---- 4: scrape, memory, start-up ----------------------------------------------------
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

    # ---- 5: scale ------------------------------------------------------------------------
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
                 ("pushgateway", self.run_pushgateway),
                 ("postgres", self.run_postgres), ("scrape and memory", self.run_scrape_and_memory),
                 ("scale", self.run_scale)]
        for name, step in steps:
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


# ---- report ---------------------------------------------------------------------------------

def num(v, digits=0):
    if v is None or v != v:
        return "—"
    if isinstance(v, (int, float)) and abs(v) >= 1000 and digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    try:
        return a / b if a and b else None
    except TypeError:
        return None


def find_row(res, batch, adapters, order):
    for r in res["ingest"]:
        if (r["batch"], r["adapters"], r["order"]) == (batch, adapters, order):
            return r
    return None


def mib(kib):
    return kib / 1024 if kib else None


def report(res, suite):
    lines = []
    add = lines.append
    add("### Ingest, end to end and durable (kpihubd) against the ceiling pipeline\n")
    add("| batch | adapters | keys | kpihub obs/s | kpihub batches/s | ack p50 ms | ack p99 ms "
        "| ceiling obs/s | ceiling p50 ms | kpihub / ceiling | CPU µs/obs kpihub / ceiling |")
    add("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in res["ingest"]:
        k, c = r["kpihub"], r["ceiling"]
        add(f"| {r['batch']} | {r['adapters']} | {r['order']} | {num(k.get('obs_per_s'))} | "
            f"{num(k.get('batches_per_s'))} | {num(k.get('p50_ms'), 2)} | {num(k.get('p99_ms'), 2)} | "
            f"{num(c.get('obs_per_s'))} | {num(c.get('p50_ms'), 2)} | {num(ratio(k.get('obs_per_s'), c.get('obs_per_s')), 2)} | "
            f"{num(k.get('cpu_us_per_obs'), 1)} / {num(c.get('cpu_us_per_obs'), 1)} |")
    if res.get("fixed_load"):
        add("\n### Ack latency at a fixed offered load (100-observation batches, 4 adapters)\n")
        add("Offered at half the batch rate kpihubd reached above with a full window, each batch sent "
            "at its due time; latency counts from that time (a sender falling behind shows as latency).\n")
        add("| keys | offered batches/s | kpihub obs/s | kpihub ack p50 / p99 ms | ceiling ack p50 / p99 ms |")
        add("|---|---:|---:|---:|---:|")
        for f in res["fixed_load"]:
            k, c = f.get("kpihub", {}), f.get("ceiling", {})
            add(f"| {f['order']} | {num(f.get('rate'))} | {num(k.get('obs_per_s'))} | "
                f"{num(k.get('p50_ms'), 2)} / {num(k.get('p99_ms'), 2)} | "
                f"{num(c.get('p50_ms'), 2)} / {num(c.get('p99_ms'), 2)} |")
    alt = res["alt"]
    main = find_row(res, 100, 4, "scattered") or {"kpihub": {}}
    main_c = find_row(res, 100, 4, "clustered") or {"kpihub": {}}
    push, pgs, pgc = alt.get("pushgateway", {}), alt.get("postgres-scattered", {}), alt.get("postgres-clustered", {})
    push_best = alt.get("pushgateway-nocheck", {})
    add("\n### The alternatives (100-observation batches, 4 adapters, same figures)\n")
    add("| system | kpihub keys | obs/s | p50 ms | p99 ms | server CPU µs/obs | kpihub obs/s | kpihub / system |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, r, ref in (("Pushgateway, default (in memory, no durable ack)", push, main),
                         ("Pushgateway, default", push, main_c),
                         ("Pushgateway, consistency check off", push_best, main),
                         ("Pushgateway, consistency check off", push_best, main_c),
                         ("PostgreSQL upsert, synchronous commit", pgs, main),
                         ("PostgreSQL upsert, synchronous commit", pgc, main_c)):
        keys = "scattered" if ref is main else "clustered"
        add(f"| {name} | {keys} | {num(r.get('obs_per_s'))} | {num(r.get('p50_ms'), 2)} | "
            f"{num(r.get('p99_ms'), 2)} | {num(r.get('cpu_us_per_obs'), 1)} | {num(ref['kpihub'].get('obs_per_s'))} | "
            f"{num(ratio(ref['kpihub'].get('obs_per_s'), r.get('obs_per_s')), 1)} |")
    add("\nPostgreSQL rows use the same key order as the kpihub row beside them; the Pushgateway's "
        "rate does not depend on key order (it is measured once, with scattered keys).")
    kq = alt.get("postgres-kpi", {})
    if kq:
        add(f"\nPostgreSQL KPI query over its {num(pgs.get('observations', 0) + pgc.get('observations', 0))} rows: "
            f"{num((kq.get('seconds') or 0) * 1000, 1)} ms for {kq.get('rows', '—')} rows "
            "(kpihub keeps the cells up to date at commit; its scrape is in the next table).")
    sc = res["scrape"]
    add("\n### Scrape, memory, start-up\n")
    add("| figure | value |")
    add("|---|---:|")
    demo, ent = sc.get("demo", {}), sc.get("enterprises", {})
    add(f"| /metrics, demo state: median / max ms | {num(demo.get('median_ms'), 2)} / {num(demo.get('max_ms'), 2)} |")
    add(f"| /metrics, demo state: bytes | {num(demo.get('bytes'))} |")
    add(f"| /metrics, {num(ent.get('observations'))} stored observations ({suite.plan['enterprises']:,} enterprises × 4 years): median / max ms "
        f"| {num(ent.get('median_ms'), 2)} / {num(ent.get('max_ms'), 2)} |")
    add(f"| /metrics, same state: bytes | {num(ent.get('bytes'))} |")
    rss = res["rss"]
    add(f"| RSS idle, demo state: total / heap (RssAnon) MiB | {num(mib(rss.get('demo_idle', {}).get('VmRSS')), 1)} / {num(mib(rss.get('demo_idle', {}).get('RssAnon')), 1)} |")
    ml = main.get("rss_load", {})
    add(f"| RSS under load (100 × 4 scattered): total / heap MiB | {num(mib(ml.get('VmRSS')), 1)} / {num(mib(ml.get('RssAnon')), 1)} |")
    ma = main.get("rss_after", {})
    add(f"| RSS after that load: total / heap MiB | {num(mib(ma.get('VmRSS')), 1)} / {num(mib(ma.get('RssAnon')), 1)} |")
    for s in res["scale"]:
        add(f"| start-up to ready, {num(s['stored'])} stored observations ({num(s['data_bytes'] / 2**20)} MiB data.mdb): s "
            f"| {num(s['startup_s'], 3)} |")
    add("\n### Scale: 100-observation batches, 4 adapters, on top of stored observations (seeded in key order)\n")
    add("| stored | keys | obs/s | ack p50 ms | ack p99 ms | wall µs per obs | vs. empty store | daemon CPU µs per obs | heap under load MiB | RSS incl. page cache MiB |")
    add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    main_c = find_row(res, 100, 4, "clustered") or {"kpihub": {}}
    rows = [{"stored": 0, "ingest": main["kpihub"], "clustered": main_c["kpihub"],
             "rss_load": main.get("rss_load", {})}] + res["scale"]
    for order, field in (("scattered", "ingest"), ("clustered", "clustered")):
        base = rows[0][field].get("obs_per_s")
        for s in rows:
            r = s.get(field, {})
            ops = r.get("obs_per_s")
            add(f"| {num(s['stored'])} | {order} | {num(ops)} | {num(r.get('p50_ms'), 2)} | {num(r.get('p99_ms'), 2)} | "
                f"{num(1e6 / ops if ops else None, 2)} | {num(ratio(base, ops), 2)}× cost | {num(r.get('cpu_us_per_obs'), 1)} | "
                f"{num(mib(s['rss_load'].get('RssAnon')), 1)} | {num(mib(s['rss_load'].get('VmRSS')), 1)} |")
    lines += targets(res, suite)
    if res["errors"]:
        add("\nSteps that failed: " + "; ".join(res["errors"]))
    return "\n".join(lines) + "\n"


def targets(res, suite):
    single = [r for r in res["ingest"] if r["batch"] == 1]
    best_single = max((r["kpihub"].get("batches_per_s") or 0 for r in single), default=None)
    alt = res["alt"]
    scale = {s["stored"]: s for s in res["scale"]}
    big = max(scale) if scale else None
    small = min(scale) if scale else None
    # The targets are judged from 1 to 10 million stored; a --long run's 50 million is shown
    # beside them, for information.
    ten = min(scale, key=lambda n: abs(n - 10_000_000)) if scale else None
    heap = [mib(r.get("rss_load", {}).get("RssAnon")) for r in res["ingest"]] + \
           [mib(s["rss_load"].get("RssAnon")) for s in res["scale"]]
    heap = max((h for h in heap if h), default=None)
    def growth_to(stored, field):
        return ratio(scale[small][field].get("obs_per_s"), scale[stored][field].get("obs_per_s")) if scale else None
    rows = []
    for order in ("scattered", "clustered"):
        main = find_row(res, 100, 4, order) or {"kpihub": {}, "ceiling": {}}
        k = main["kpihub"].get("obs_per_s")
        share = ratio(k, main["ceiling"].get("obs_per_s"))
        push = ratio(k, alt.get("pushgateway", {}).get("obs_per_s"))
        pg = ratio(k, alt.get(f"postgres-{order}", {}).get("obs_per_s"))
        rows += [
            (f"durable ingest, 100-obs batches, 4 adapters, {order} keys", f"{num(k)} obs/s", "≥ 1,000,000 obs/s",
             bool(k and k >= 1e6)),
            (f"… as a share of the ceiling, same run ({order})", num(share, 2), "≥ 0.6", (share or 0) >= 0.6),
            (f"… against Pushgateway's sample rate ({order} keys for kpihub)", num(push, 1) + "×", "≥ 50×", (push or 0) >= 50),
            (f"… against PostgreSQL's upsert rate, same keys ({order})", num(pg, 1) + "×", "≥ 5×", (pg or 0) >= 5),
        ]
    rows += [
        ("single-observation batches (best of 1 and 4 adapters)", f"{num(best_single)} batches/s", "≥ 20,000/s",
         (best_single or 0) >= 20000),
        ("/metrics, demo state, median", f"{num(res['scrape'].get('demo', {}).get('median_ms'), 2)} ms", "< 10 ms",
         (res["scrape"].get("demo", {}).get("median_ms") or 1e9) < 10),
        (f"start-up to ready, {num(ten)} stored", f"{num(scale[ten]['startup_s'], 3) if ten else '—'} s", "< 1 s",
         ten is not None and scale[ten]["startup_s"] < 1),
        ("heap RSS (outside LMDB's page cache), any run", f"{num(heap, 1)} MiB", "< 100 MB",
         heap is not None and heap * 1.048576 < 100),
    ]
    for order, field in (("scattered", "ingest"), ("clustered", "clustered")):
        g = growth_to(ten, field)
        rows.append((f"cost per observation, {num(small)} → {num(ten)} stored ({order})", f"{num(g, 2)}×",
                     "≤ 1.5×", g is not None and g <= 1.5))
    out_info = []
    if big is not None and big != ten:
        out_info.append(f"\nBeyond the targets (long run): start-up with {num(big)} stored "
                        f"{num(scale[big]['startup_s'], 3)} s; cost per observation {num(small)} → {num(big)} "
                        f"stored {num(growth_to(big, 'ingest'), 2)}× scattered, "
                        f"{num(growth_to(big, 'clustered'), 2)}× clustered.")
    out = ["\n### Targets\n", "| target | measured | wanted | met |", "|---|---:|---:|:---:|"]
    for name, got, want, ok in rows:
        out.append(f"| {name} | {got} | {want} | {'yes' if ok else '**no**'} |")
    out += out_info
    if suite.mode == "smoke":
        out.append("\n(Smoke mode: tiny runs that check every row produces a figure; not a measurement.)")
    return out


def missing_figures(res):
    """Rows without a figure: the smoke test fails on any."""
    missing = list(res["errors"])
    for r in res["ingest"]:
        for side in ("kpihub", "ceiling"):
            d = r[side]
            if d.get("error") or not d.get("obs_per_s") or d.get("p99_ms") is None or d.get("rejected"):
                missing.append(f"ingest {r['batch']}x{r['adapters']} {r['order']} {side}: {d}")
    for f in res.get("fixed_load", []):
        for side in ("kpihub", "ceiling"):
            d = f.get(side, {})
            if f.get("error") or d.get("error") or d.get("p99_ms") is None:
                missing.append(f"fixed load {f['order']} {side}: {f.get('error') or d}")
    if not res.get("fixed_load"):
        missing.append("fixed load: no rows")
    for name, d in res["alt"].items():
        if d.get("error") and "not installed" not in d["error"]:
            missing.append(f"{name}: {d['error']}")
        elif name != "postgres-kpi" and not d.get("error") and not d.get("obs_per_s"):
            missing.append(f"{name}: no figure")
    for name in ("demo", "enterprises"):
        d = res["scrape"].get(name, {})
        if d.get("error") or not d.get("bytes"):
            missing.append(f"scrape {name}: {d}")
    for s in res["scale"]:
        for field in ("ingest", "clustered"):
            if s[field].get("error") or not s[field].get("obs_per_s"):
                missing.append(f"scale {s['stored']} {field}: {s[field]}")
    if not res["scale"]:
        missing.append("scale: no rows")
    return missing


def machine(suite):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 2**20
    fs = subprocess.run(["df", "-T", suite.args.work_dir or suite.bin], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
    commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    return (f"- {os.cpu_count()} × {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"state on {fs}\n- load average (1, 5, 15 min) before the run: "
            f"{', '.join(f'{x:.2f}' for x in suite.load_before)}; after: "
            f"{', '.join(f'{x:.2f}' for x in suite.load_after)}\n"
            f"- {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, commit {commit}, mode {suite.mode}"
            f"{' + long' if suite.args.long else ''}")


# The generated block of docs/performance.md; everything outside it is written by hand.
RESULTS_BEGIN = "<!-- results: written by bench/run_bench.py, do not edit by hand -->"
RESULTS_END = "<!-- end of results -->"


def read_doc(path):
    """The document's text; exits if it has no results block to replace."""
    with open(path) as f:
        doc = f.read()
    if RESULTS_BEGIN not in doc or RESULTS_END not in doc:
        raise SystemExit(f"{path}: no results block ({RESULTS_BEGIN} ... {RESULTS_END})")
    return doc


def write_doc(path, table, suite, machine_text=None):
    """Replaces the results block of the document at `path` with this run's report."""
    doc = read_doc(path)
    head, rest = doc.split(RESULTS_BEGIN, 1)
    tail = rest.split(RESULTS_END, 1)[1]
    block = ("Machine:\n\n" + (machine_text or machine(suite)) + "\n\n" + table.rstrip() + "\n")
    with open(path, "w") as f:
        f.write(head + RESULTS_BEGIN + "\n\n" + block + "\n" + RESULTS_END + tail)


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
