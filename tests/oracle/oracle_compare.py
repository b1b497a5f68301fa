#!/usr/bin/env python3
"""The one definition of "kpihub matches the sample": compares what a kpihubd fed the bundled
sample publishes — /metrics, `kpihub kpis --csv` for every park and every year it has,
`kpihub milestones --csv`, `kpihub export --statistics`
and `kpihub export --department D` — and the adapters' reject reports,
with the generator's independent expectations (samples/demo/expected-*.csv), in both
directions: every expected figure is published with the expected value, and every figure
published is expected. Used by tests/oracle/oracle_test.py and scripts/demo.sh.

    oracle_compare.py --kpihub BIN --config kpihubd.toml --metrics-port N \\
        --inbox DIR --expected samples/demo --catalogue config/catalogue.toml --work DIR

Exit 0 when everything matches, 1 with one line per mismatch otherwise.

How numbers are compared:
  - exactly where kpihub keeps exact figures: the exports print the store's exact decimals,
    compared as fractions; counts (enterprises, violations, withheld cells) as integers; a
    /metrics indicator value that is a whole number below 2^53 must be that number;
  - `kpihub kpis --csv` prints the shortest text of a double that round-trips, so a KPI that
    is a plain sum (no denominator, scale 1) must be the double nearest the exact sum;
  - /metrics prints doubles with 16 significant digits, one short of a round trip, so other
    values there may differ from the nearest double in the 16th digit: relative 1e-15;
  - KPI ratios, progress and expected shares are computed by kpihub in floating point from
    exact sums (a conversion and a division, each rounding within an ulp): relative 1e-12,
    far above those roundings and far below any real error (one yuan in the zone's 70 billion
    of industrial output is 1.4e-11; a unit slip is a factor of 10 or more).
"""

import argparse
import csv
import io
import calendar
import math
import os
import re
import subprocess
import sys
import time
import urllib.request
from fractions import Fraction

RATIO_TOLERANCE = 1e-12
# kpihub_kpi_status: one series per status of a figure with a value, 1 for its own.
METRIC_STATUSES = ("on_track", "at_risk", "off_track", "not_judged")
MILESTONE_STATES = ("achieved", "achieved_late", "pending", "overdue")
# `kpihub kpis --csv` columns holding figures (compared as numbers; empty must be empty).
KPI_NUMBER_COLUMNS = ("value", "target", "progress", "expected", "share_of_zone",
                      "contribution")
METRICS_TOLERANCE = 1e-15
DEPARTMENTS = ("tax", "finance", "scitech", "environment")

# Mismatches that come from a known kpihub defect, not from the sample: listed by kind so that
# they are shown, and a kind that no longer occurs fails the comparison (the defect is fixed:
# remove it here).
KNOWN_DEFECTS = {}


class Report:
    def __init__(self):
        self.mismatches = []  # (kind, text)
        self.checked = {}

    def bad(self, kind, text):
        self.mismatches.append((kind, text))

    def count(self, what, n=1):
        self.checked[what] = self.checked.get(what, 0) + n

    def unexpected(self):
        return [m for m in self.mismatches if m[0] not in KNOWN_DEFECTS]

    def known(self):
        return [m for m in self.mismatches if m[0] in KNOWN_DEFECTS]

    def ok(self, require_known=True):
        kinds = {k for k, _ in self.known()}
        return not self.unexpected() and (not require_known or kinds == set(KNOWN_DEFECTS))

    def print(self, out=sys.stdout, limit=60):
        for what, n in sorted(self.checked.items()):
            print("  checked %6d %s" % (n, what), file=out)
        for kind, note in KNOWN_DEFECTS.items():
            hits = [t for k, t in self.known() if k == kind]
            if hits:
                print("  KNOWN DEFECT (%d): %s; e.g. %s" % (len(hits), note, hits[0]), file=out)
            else:
                print("  known defect no longer seen (remove it from KNOWN_DEFECTS): " + kind,
                      file=out)
        for kind, text in self.unexpected()[:limit]:
            print("  MISMATCH %s" % text, file=out)
        if len(self.unexpected()) > limit:
            print("  ... and %d more mismatches" % (len(self.unexpected()) - limit), file=out)


# -- reading ---------------------------------------------------------------------------------

def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def parse_csv_text(text):
    return list(csv.DictReader(io.StringIO(text)))


LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text, families):
    """{family: {frozenset(labels): value}} for the families asked for."""
    out = {f: {} for f in families}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition("{")
        if name not in out:
            continue
        labels, _, value = rest.rpartition("} ")
        out[name][frozenset(LABEL.findall(labels))] = float(value)
    return out


def decimal(text):
    return Fraction(text) if text != "" else None


# -- comparing numbers ----------------------------------------------------------------------

def close(got, want, rel):
    if math.isnan(got) or math.isnan(want):
        return False
    return abs(got - want) <= rel * max(abs(want), abs(got))


def metric_matches(got, want, _=None):
    """`want` exact; `got` a value /metrics printed."""
    if want.denominator == 1 and abs(want) < 2 ** 53:
        return got == float(want)
    return close(got, float(want), METRICS_TOLERANCE)


def both_ways(report, what, want, got, same):
    """`want` and `got` map a key to a value: every key in both, `same(got, want, key)`."""
    for key in sorted(set(want) | set(got), key=str):
        report.count(what)
        if key not in got:
            report.bad(what, "%s %s: expected %s, kpihub has none" % (what, fmt_key(key), want[key]))
        elif key not in want:
            report.bad(what, "%s %s: kpihub has %s, not expected" % (what, fmt_key(key), got[key]))
        elif not same(got[key], want[key], key):
            report.bad(what, "%s %s: kpihub %s, expected %s" % (what, fmt_key(key), got[key], want[key]))


def fmt_key(key):
    if isinstance(key, frozenset):
        return "{" + ",".join("%s=%s" % kv for kv in sorted(key)) + "}"
    return "/".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


# -- expectations -----------------------------------------------------------------------------

class Expectations:
    def __init__(self, expected_dir, catalogue_path):
        import tomllib
        with open(catalogue_path, "rb") as f:
            catalogue = tomllib.load(f)
        # A KPI that is a plain sum is exact up to its conversion to a double.
        self.plain_sum = {k["code"] for k in catalogue["kpi"]
                          if "denominator" not in k and float(k.get("scale", 1)) == 1.0}
        self.kpis = read_csv(os.path.join(expected_dir, "expected-kpis.csv"))
        self.targets = read_csv(os.path.join(expected_dir, "expected-targets.csv"))
        self.milestones = read_csv(os.path.join(expected_dir, "expected-milestones.csv"))
        self.indicators = read_csv(os.path.join(expected_dir, "expected-indicators.csv"))
        self.cells = read_csv(os.path.join(expected_dir, "expected-cells.csv"))
        self.rules = read_csv(os.path.join(expected_dir, "expected-rules.csv"))
        self.rejects = read_csv(os.path.join(expected_dir, "expected-rejects.csv"))
        self.push_rejects = read_csv(os.path.join(expected_dir, "expected-push-rejects.csv"))
        self.department_of = {r["indicator"]: r["department"] for r in self.cells}

    def shown_kpis(self):
        return [r for r in self.kpis if r["status"] not in ("no_data", "withheld")]

    def milestones_now(self):
        """The milestones' states at the daemon's clock: those of the last evaluation date,
        which lies after every due year (the states cannot change after it)."""
        last = max(r["as_of"] for r in self.milestones)
        if time.strftime("%Y-%m-%d") < last:
            raise RuntimeError("the clock is before %s: expected-milestones.csv has no states "
                               "for today" % last)
        return [r for r in self.milestones if r["as_of"] == last]


def month_start(month):
    """Unix time of the first instant of a month in the zone's time (UTC+8), as kpihub's
    periods start."""
    return calendar.timegm((int(month[:4]), int(month[5:7]), 1, 0, 0, 0)) - 8 * 3600


# -- the comparisons --------------------------------------------------------------------------

def compare_metrics(report, exp, text):
    families = ["kpihub_kpi_value", "kpihub_kpi_status", "kpihub_kpi_progress_ratio",
                "kpihub_kpi_expected_ratio", "kpihub_kpi_latest", "kpihub_indicator_value",
                "kpihub_cells_withheld", "kpihub_rule_violations",
                "kpihub_kpi_zone_share_ratio", "kpihub_kpi_zone_contribution_ratio",
                "kpihub_kpi_target", "kpihub_kpi_baseline", "kpihub_milestone_status",
                "kpihub_milestone_achieved_timestamp_seconds"]
    m = parse_metrics(text, families)

    def kpi_key(r):
        return frozenset({("kpi", r["kpi"]), ("park", r["park"]), ("period", r["period"])})

    shown = exp.shown_kpis()
    for family, column in (("kpihub_kpi_value", "value"), ("kpihub_kpi_progress_ratio", "progress"),
                           ("kpihub_kpi_expected_ratio", "expected"),
                           ("kpihub_kpi_zone_share_ratio", "share_of_zone"),
                           ("kpihub_kpi_zone_contribution_ratio", "contribution")):
        # A series only where the figure has that column: progress where the level has a
        # target, expected where judged, share and contribution where a park is not judged.
        want = {kpi_key(r): float(r[column]) for r in shown if r[column] != ""}
        tolerance = {kpi_key(r): (METRICS_TOLERANCE if column == "value" and r["kpi"] in exp.plain_sum
                                  else RATIO_TOLERANCE) for r in shown}
        both_ways(report, "/metrics " + family, want, m[family],
                  lambda g, w, key, t=tolerance: close(g, w, t[key]))
    status_want = {kpi_key(r) | {("status", s)}: float(r["status"] == s)
                   for r in shown for s in METRIC_STATUSES}
    both_ways(report, "/metrics kpihub_kpi_status", status_want, m["kpihub_kpi_status"],
              lambda g, w, _: g == w)
    compare_targets_and_baselines(report, exp, m)
    compare_milestone_metrics(report, exp, m)
    latest = {}
    for r in shown:
        key = (r["kpi"], r["park"])
        latest[key] = max(latest.get(key, 0), int(r["period"]))
    both_ways(report, "/metrics kpihub_kpi_latest",
              {frozenset({("kpi", k), ("park", p), ("period", str(y))}): 1.0
               for (k, p), y in latest.items()}, m["kpihub_kpi_latest"], lambda g, w, _: g == w)
    both_ways(report, "/metrics kpihub_indicator_value",
              {frozenset({("indicator", r["indicator"]), ("department", r["department"]),
                          ("park", r["park"]), ("period", r["period"])}): decimal(r["value"])
               for r in exp.indicators if r["withheld"] == "no"},
              m["kpihub_indicator_value"], metric_matches)
    withheld = {}
    for r in exp.indicators:
        if r["withheld"] == "yes" and r["park"] != "zone":
            key = frozenset({("indicator", r["indicator"])})
            withheld[key] = withheld.get(key, 0) + 1
    both_ways(report, "/metrics kpihub_cells_withheld", {k: float(v) for k, v in withheld.items()},
              m["kpihub_cells_withheld"], lambda g, w, _: g == w)
    both_ways(report, "/metrics kpihub_rule_violations",
              {frozenset({("rule", r["rule"]), ("park", r["park"]), ("period", r["period"])}):
               float(r["violations"]) for r in exp.rules},
              m["kpihub_rule_violations"], lambda g, w, _: g == w)


def compare_targets_and_baselines(report, exp, m):
    """kpihub_kpi_target per level that has a target, kpihub_kpi_baseline where one is known."""
    both_ways(report, "/metrics kpihub_kpi_target",
              {frozenset({("kpi", r["kpi"]), ("park", r["park"]),
                          ("target_year", r["target_year"])}): float(r["target"])
               for r in exp.targets}, m["kpihub_kpi_target"], lambda g, w, _: g == w)
    both_ways(report, "/metrics kpihub_kpi_baseline",
              {frozenset({("kpi", r["kpi"]), ("park", r["park"]),
                          ("source", r["baseline_source"])}): float(r["baseline"])
               for r in exp.targets if r["baseline"] != ""}, m["kpihub_kpi_baseline"],
              lambda g, w, _: close(g, w, RATIO_TOLERANCE))


def compare_milestone_metrics(report, exp, m):
    rows = exp.milestones_now()
    both_ways(report, "/metrics kpihub_milestone_status",
              {frozenset({("milestone", r["milestone"]), ("status", s)}): float(r["state"] == s)
               for r in rows for s in MILESTONE_STATES}, m["kpihub_milestone_status"],
              lambda g, w, _: g == w)
    both_ways(report, "/metrics kpihub_milestone_achieved_timestamp_seconds",
              {frozenset({("milestone", r["milestone"])}): float(month_start(r["achieved"]))
               for r in rows if r["achieved"]},
              m["kpihub_milestone_achieved_timestamp_seconds"], lambda g, w, _: g == w)


def same_number(got, want, exact):
    """Two cells of a figure column: both empty, or numbers equal (exact) or close."""
    if got == "" or want == "":
        return got == want
    return float(got) == float(want) if exact else close(float(got), float(want), RATIO_TOLERANCE)


def compare_kpis_csv(report, exp, years, rows):
    """`rows`: `kpihub kpis --csv --park all` for each year in `years` (the years kpihub says
    have figures)."""
    want_years = sorted({int(r["period"]) for r in exp.kpis})
    report.count("kpis: years with figures")
    if years != want_years:
        report.bad("kpis-years", "kpis: years with figures %s, expected %s" % (years, want_years))
    want = {(r["kpi"], r["park"], r["period"]): r for r in exp.kpis}
    got = {(r["kpi"], r["park"], r["period"]): r for r in rows}
    for key in sorted(set(want) | set(got)):
        report.count("kpis --csv rows")
        w, g = want.get(key), got.get(key)
        if g is None:
            report.bad("kpis-csv", "kpis %s: expected %s %s, kpihub has no row" % (
                fmt_key(key), w["value"] or "-", w["status"]))
            continue
        if w is None:
            report.bad("kpis-csv", "kpis %s: kpihub has %s %s, not expected" % (
                fmt_key(key), g["value"] or "-", g["status"]))
            continue
        report.count("kpis --csv %s rows" % w["status"])
        if g["status"] != w["status"]:
            report.bad("kpis-csv", "kpis %s: status %s, expected %s%s" % (
                fmt_key(key), g["status"], w["status"],
                " (%s)" % w["not_judged"] if w["not_judged"] else ""))
        if g.get("strength") != w["strength"]:
            report.bad("kpis-csv", "kpis %s: strength %s, expected %s" % (
                fmt_key(key), g.get("strength"), w["strength"]))
        for column in KPI_NUMBER_COLUMNS:
            report.count("kpis --csv %s cells" % column, int(w[column] != ""))
            # A target is a catalogue number; a plain sum is exact up to its conversion.
            exact = column == "target" or (column == "value" and key[0] in exp.plain_sum)
            if g.get(column) is None:
                report.bad("kpis-csv", "kpis --csv has no column %s" % column)
            elif not same_number(g[column], w[column], exact):
                report.bad("kpis-csv", "kpis %s: %s %s, expected %s (%s)" % (
                    fmt_key(key), column, g[column] or "none", w[column] or "none", w["status"]))


def compare_milestones_csv(report, exp, rows):
    """`kpihub milestones --csv` now: every milestone's park, due year, state, achieved month
    and reference. (`--as-of` reads the store as it stood then, before the sample was fed.)"""
    columns = ("park", "due_year", "status", "achieved", "reference")
    want = {r["milestone"]: (r["park"], r["due_year"], r["state"], r["achieved"], r["reference"])
            for r in exp.milestones_now()}
    got = {r.get("milestone"): tuple(r.get(c) for c in columns) for r in rows}
    both_ways(report, "milestones --csv", want, got, lambda g, w, _: g == w)


def compare_statistics(report, exp, rows):
    want = {(r["indicator"], r["park"], r["period"]): (
        r["department"], r["unit"], decimal(r["value"]) if r["withheld"] == "no" else None,
        int(r["enterprises"]) if r["withheld"] == "no" else None, r["withheld"]) for r in exp.cells}
    got = {(r["indicator"], r["park"], r["period"]): (
        r["department"], r["unit"], decimal(r["value"]),
        int(r["enterprises"]) if r["enterprises"] else None, r["withheld"]) for r in rows}
    both_ways(report, "export --statistics", want, got, lambda g, w, _: g == w)


def compare_department_export(report, exp, department, rows):
    """The department's own figures, folded into cells: each cell's exact sum and enterprise
    count as the generator expects (withheld or not: the department sent them)."""
    got = {}
    for r in rows:
        key = (r["indicator"], r["park"], r["period"])
        cell = got.setdefault(key, [Fraction(0), 0])
        cell[0] += Fraction(r["value"])
        cell[1] += 1 if r["entity"] else 0
    want = {(r["indicator"], r["park"], r["period"]): [decimal(r["value"]), int(r["enterprises"])]
            for r in exp.cells if r["department"] == department and r["withheld"] == "no"}
    # A withheld cell's figures are in the department export too: expected from the raw rows.
    hidden = {(r["indicator"], r["park"], r["period"]) for r in exp.cells
              if r["department"] == department and r["withheld"] == "yes"}
    for key in hidden:
        report.count("export --department %s (withheld cells present)" % department)
        if key not in got:
            report.bad("export-department", "export --department %s %s: a withheld cell's "
                       "figures are missing" % (department, fmt_key(key)))
    both_ways(report, "export --department " + department, want,
              {k: v for k, v in got.items() if k not in hidden}, lambda g, w, _: g == w)


def compare_push_rejects(report, exp, inbox):
    """The daemon's refusals of what `kpihub push` sent (FILE.push.log: "FILE:ROW: rejected
    REASON: detail" lines) against expected-push-rejects.csv."""
    got = set()
    for name in sorted(os.listdir(inbox)):
        if not name.endswith(".push.log"):
            continue
        with open(os.path.join(inbox, name), encoding="utf-8") as f:
            for line in f:
                found = re.match(r"(?:.*/)?([^/:]+):(\d+): rejected (\w+):", line)
                if found:
                    got.add(found.groups())
    want = {(r["file"], r["row"], r["reason_code"]) for r in exp.push_rejects}
    both_ways(report, "rejected pushed rows", {k: True for k in want}, {k: True for k in got},
              lambda g, w, _: True)


def compare_rejects(report, exp, inbox):
    got = set()
    for name in sorted(os.listdir(inbox)):
        if not name.endswith(".rejects.csv"):
            continue
        # file,row,column,value,reason_code,... under a bilingual header (with a BOM).
        with open(os.path.join(inbox, name), encoding="utf-8-sig", newline="") as f:
            for r in list(csv.reader(f))[1:]:
                got.add((os.path.basename(r[0]), r[1], r[2], r[4]))
    want = {(r["file"], r["row"], r["column"], r["reason_code"]) for r in exp.rejects}
    both_ways(report, "rejected rows", {k: True for k in want}, {k: True for k in got},
              lambda g, w, _: True)


# -- collecting what kpihub publishes ------------------------------------------------------------

def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def kpihub_years(kpihub, config):
    """The years `kpihub kpis` has figures for, as it names them when asked for one it has
    not (docs/operations.md: a --year without figures is an error naming those years)."""
    code, _, err = run([kpihub, "kpis", "--config", config, "--year", "1900", "--csv"])
    found = re.search(r"years with figures: ([0-9, ]+)", err)
    if code != 1 or not found:
        raise RuntimeError("kpihub kpis --year 1900 did not name the years with figures: " + err)
    return sorted(int(y) for y in found.group(1).split(","))


def collect_and_compare(kpihub, config, metrics_port, inbox, expected_dir, catalogue, work):
    """Reads everything kpihub publishes (keeping copies in `work`) and compares it."""
    os.makedirs(work, exist_ok=True)
    exp = Expectations(expected_dir, catalogue)
    report = Report()
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=30) as r:
        metrics = r.read().decode("utf-8")
    save(work, "metrics.txt", metrics)
    compare_metrics(report, exp, metrics)
    years = kpihub_years(kpihub, config)
    rows = []
    for y in years:
        code, out, err = run([kpihub, "kpis", "--config", config, "--park", "all", "--year", str(y),
                              "--csv"])
        if code != 0:
            report.bad("kpis-csv", "kpihub kpis --year %d exited %d: %s" % (y, code, err))
        save(work, "kpis-%d.csv" % y, out)
        rows += parse_csv_text(out)
    compare_kpis_csv(report, exp, years, rows)
    code, out, err = run([kpihub, "milestones", "--config", config, "--csv"])
    if code != 0:
        report.bad("milestones", "kpihub milestones exited %d: %s" % (code, err))
    save(work, "milestones.csv", out)
    compare_milestones_csv(report, exp, parse_csv_text(out))
    code, out, err = run([kpihub, "export", "--config", config, "--statistics"])
    save(work, "export-statistics.csv", out)
    if code != 0:
        report.bad("export", "kpihub export --statistics exited %d: %s" % (code, err))
    compare_statistics(report, exp, parse_csv_text(out))
    for d in DEPARTMENTS:
        code, out, err = run([kpihub, "export", "--config", config, "--department", d])
        save(work, "export-%s.csv" % d, out)
        if code != 0:
            report.bad("export", "kpihub export --department %s exited %d: %s" % (d, code, err))
        compare_department_export(report, exp, d, parse_csv_text(out))
    compare_rejects(report, exp, inbox)
    compare_push_rejects(report, exp, inbox)
    return report


def save(work, name, text):
    with open(os.path.join(work, name), "w", encoding="utf-8") as f:
        f.write(text)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kpihub", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--metrics-port", type=int, required=True)
    ap.add_argument("--inbox", required=True, help="where the adapters wrote *.rejects.csv")
    ap.add_argument("--expected", default=os.path.join(root, "samples", "demo"))
    ap.add_argument("--catalogue", default=os.path.join(root, "config", "catalogue.toml"))
    ap.add_argument("--work", required=True, help="keeps a copy of every output compared")
    a = ap.parse_args()
    report = collect_and_compare(a.kpihub, a.config, a.metrics_port, a.inbox, a.expected,
                                 a.catalogue, a.work)
    report.print()
    sys.exit(0 if report.ok() else 1)


if __name__ == "__main__":
    main()
