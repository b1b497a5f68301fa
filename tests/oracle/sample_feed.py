"""Feeds the bundled sample (samples/demo) to a real kpihubd through one real kpihub-adapter
per department, as scripts/demo.sh does: fresh CURVE keys from `kpihub keygen`, a daemon on
loopback ephemeral ports (it names them in its ready file), state in a temporary directory.
Python 3.11 standard library only.

    with SampleFeed(binaries, source_dir, work_dir) as feed:
        feed.start_daemon()
        feed.feed_sample()            # every adapter exited 0: every batch acked, so committed
        feed.metrics_port, feed.config
"""

import os
import shutil
import signal
import subprocess
import time

DEPARTMENTS = ("tax", "finance", "scitech", "environment")

# In the order a department sends them: each `DEPT-update-*` file revises figures of an
# earlier one and must come after it (samples/demo/README.md).
SAMPLE_FILES = {
    "tax": ["tax-enterprises-annual.csv", "tax-update-enterprises-annual.csv"],
    "finance": ["finance-gdp-quarterly.csv", "finance-budget-monthly.csv",
                "finance-park-annual.csv", "finance-startup-subsidies.csv",
                "finance-update-budget-monthly.csv", "finance-update-gdp-quarterly.csv"],
    "scitech": ["scitech-enterprises-monthly.csv", "scitech-enterprises-quarterly.csv",
                "scitech-enterprises-annual.csv", "scitech-parks-annual.csv",
                "scitech-update-enterprises-monthly.csv",
                "scitech-update-enterprises-quarterly.csv"],
    "environment": ["environment-monitoring.jsonl", "environment-update-monitoring.jsonl"],
}
# The science and technology bureau's milestone register, sent with `kpihub push` under a key
# of its own (samples/demo/README.md); the daemon's refusals go to REGISTER + ".push.log".
REGISTER = "push-scitech-milestones.csv"
REGISTER_KEY = "scitech-register"


class FeedError(Exception):
    pass


def wait_until(condition, deadline_s, what):
    """Polls `condition` until it returns a true value or `deadline_s` passes."""
    end = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise FeedError("timed out after %g s waiting for %s" % (deadline_s, what))
        time.sleep(0.02)


class SampleFeed:
    def __init__(self, binaries, source_dir, work_dir, profiles=None):
        """`binaries` gives the paths of "kpihubd", "kpihub" and "kpihub-adapter"; `profiles`
        maps a department to the profile file to use instead of config/profiles/DEPT.toml."""
        self.kpihubd = binaries["kpihubd"]
        self.kpihub = binaries["kpihub"]
        self.adapter = binaries["kpihub-adapter"]
        self.source = source_dir
        self.work = work_dir
        self.profiles = profiles or {}
        self.config = os.path.join(work_dir, "kpihubd.toml")
        self.daemon = None
        self.endpoint = None
        self.metrics_port = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_daemon()

    def _keygen(self, name):
        subprocess.run([self.kpihub, "keygen", name, "--out", os.path.join(self.work, "keys")],
                       check=True, stdout=subprocess.DEVNULL)

    def write_config(self):
        keys = os.path.join(self.work, "keys")
        os.makedirs(keys, mode=0o700, exist_ok=True)
        adapters = [(d + "-oracle", d) for d in DEPARTMENTS] + [(REGISTER_KEY, "scitech")]
        for name in ["server"] + [a for a, _ in adapters]:
            self._keygen(name)
        with open(os.path.join(self.work, "keys.toml"), "w", encoding="utf-8") as f:
            for a, d in adapters:
                with open(os.path.join(keys, a + ".pub"), encoding="utf-8") as pub:
                    line = next(x for x in pub if x.startswith("public_key"))
                f.write('[[adapter]]\nid = "%s"\ndepartment = "%s"\n%s\n' % (a, d, line))
        with open(self.config, "w", encoding="utf-8") as f:
            f.write('state_dir = "state"\nkey_registry = "keys.toml"\n'
                    'server_key = "keys/server.key"\nlisten = "tcp://127.0.0.1:*"\n'
                    'metrics_listen = "127.0.0.1:0"\nmin_cell_entities = 3\n')

    def start_daemon(self):
        self.write_config()
        ready = os.path.join(self.work, "ready")
        log = open(os.path.join(self.work, "kpihubd.log"), "wb")
        self.daemon = subprocess.Popen([self.kpihubd, "--config", self.config,
                                        "--ready-file", ready], stdout=log, stderr=log)
        log.close()

        def read_ready():
            if self.daemon.poll() is not None:
                raise FeedError("kpihubd exited with %s:\n%s" % (self.daemon.returncode,
                                                                   self.daemon_log()))
            try:
                with open(ready, encoding="utf-8") as f:
                    fields = dict(x.strip().split("=", 1) for x in f if "=" in x)
            except FileNotFoundError:
                return None
            if "ingest" in fields and "metrics_port" in fields:
                return fields
            return None
        fields = wait_until(read_ready, 60, "kpihubd's ready file")
        self.endpoint = fields["ingest"]
        self.metrics_port = int(fields["metrics_port"])

    def daemon_log(self):
        with open(os.path.join(self.work, "kpihubd.log"), encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop_daemon(self):
        if self.daemon is None or self.daemon.poll() is not None:
            return
        self.daemon.send_signal(signal.SIGTERM)
        try:
            self.daemon.wait(60)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()

    def feed_sample(self, deadline_s=240):
        """Runs the four adapters at once on a copy of the sample (they write reject reports
        beside their inputs); returns when all have exited 0, i.e. every batch was acked,
        and an ack goes out only after its commit."""
        inbox = os.path.join(self.work, "inbox")
        os.makedirs(inbox, exist_ok=True)
        running = []
        for d in DEPARTMENTS:
            profile = self.profiles.get(d, os.path.join(self.source, "config", "profiles",
                                                        d + ".toml"))
            args = [self.adapter, "--profile", profile,
                    "--key", os.path.join(self.work, "keys", d + "-oracle.key"),
                    "--server-key", os.path.join(self.work, "keys", "server.pub"),
                    "--endpoint", self.endpoint,
                    "--state-dir", os.path.join(self.work, "adapter-" + d),
                    "--deadline", str(deadline_s)]
            for name in SAMPLE_FILES[d]:
                shutil.copyfile(os.path.join(self.source, "samples", "demo", name),
                                os.path.join(inbox, name))
                args += ["--input", os.path.join(inbox, name)]
            log = open(os.path.join(self.work, "adapter-%s.log" % d), "wb")
            running.append((d, subprocess.Popen(args, stdout=log, stderr=log)))
            log.close()
        failed = []
        for d, p in running:
            try:
                code = p.wait(deadline_s + 30)
            except subprocess.TimeoutExpired:
                p.kill()
                code = p.wait()
            if code != 0:
                with open(os.path.join(self.work, "adapter-%s.log" % d), encoding="utf-8",
                          errors="replace") as f:
                    failed.append("%s exited %s:\n%s" % (d, code, f.read()[-4000:]))
        if failed:
            raise FeedError("\n".join(failed))
        self.push_register(inbox)
        return inbox

    def push_register(self, inbox):
        """Sends the milestone register with `kpihub push`; its refusals (stderr lines
        "FILE:ROW: rejected REASON: ...") are kept in inbox/REGISTER.push.log."""
        path = os.path.join(inbox, REGISTER)
        shutil.copyfile(os.path.join(self.source, "samples", "demo", REGISTER), path)
        r = subprocess.run([self.kpihub, "push", "--endpoint", self.endpoint,
                            "--server-key", os.path.join(self.work, "keys", "server.pub"),
                            "--key", os.path.join(self.work, "keys", REGISTER_KEY + ".key"),
                            path], capture_output=True, text=True, timeout=120)
        with open(path + ".push.log", "w", encoding="utf-8") as f:
            f.write(r.stderr)
        if r.returncode != 0:
            raise FeedError("kpihub push %s exited %d:\n%s" % (REGISTER, r.returncode, r.stderr))
