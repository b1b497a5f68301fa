"""The processes of a benchmark run: starting a server and waiting for its ready file, stopping
it, free loopback ports, running kpihub-bench for its JSON result, and a process's RSS and CPU
time read from /proc. run_bench.py drives them."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


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


def metric_sum(port, name):
    """The sum of every series of counter `name` on /metrics (0 when it has none yet)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as r:
        body = r.read().decode()
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


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
