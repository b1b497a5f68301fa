"""The benchmark suite's alternatives (run_bench.py's Suite): the same observations pushed
through Prometheus's Pushgateway and stored in PostgreSQL, beside kpihubd."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from bench_procs import free_port, http_get, log, rss_kib, run_json, shared_dir, with_cpu


class AlternativeSteps:
    """Suite steps; they use the Suite's plan, work directory and results."""

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
