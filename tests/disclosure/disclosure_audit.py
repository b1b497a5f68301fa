#!/usr/bin/env python3
"""The disclosure audit (ctest label `disclosure`): feeds a sample to the real kpihubd through
the real kpihub-adapter, collects every figure that any default output publishes — /metrics,
`kpihub kpis` (table and --csv) for every park and year, `kpihub explain` for every KPI,
place and year, `kpihub export --statistics` — and checks, as an outside checker with the
published figures and the catalogue's formulas would, that no sensitive cell can be worked out.

    disclosure_audit.py demo     the bundled sample (samples/demo)
    disclosure_audit.py random   a sample the generator writes with a random seed and few
                                 enterprises, so that many parks are small; the seed is
                                 printed and KPIHUB_AUDIT_SEED sets it

The unknowns are the per-period park cells (indicator, park, period) of enterprise-level
indicators; their true values come from `kpihub export --department`. A cell is sensitive
when it holds fewer than --min-cell enterprises, or when the catalogue's dominance rule holds
for it (its `dominance_top` largest enterprises hold more than `dominance_share` of it).
The published figures give linear equations over the unknowns:
  - a cell shown by `export --statistics`: the cell itself;
  - a park's or the zone's yearly indicator figure (/metrics): the sum of its periods (the
    latest period for a `last` indicator; for the zone, the sum over the parks);
  - a KPI value (/metrics, kpis, explain): Σ numerator − r · Σ denominator = 0 over its
    window, with r the true ratio (an outsider knows it to the digits printed); a sum KPI:
    Σ numerator;
  - a numerator or denominator `explain` prints: that sum.
Park-level indicators are public and enter as constants.

Checks, each failure naming the cell:
  1. exact disclosure: no sensitive cell is determined by the equations (its unit vector is
     not in their row space, by exact elimination over the rationals, fractions.Fraction),
     nor the sum of a park-year's sensitive periods (the same few enterprises over months);
     and no cell `export --statistics` withholds, nor the sum of a park-year's withheld
     periods, is determined either (a complement that can be recovered protects nothing);
  2. protection interval, a documented sufficient condition for non-negative figures: in
     every equation holding a sensitive cell s, the other cells of it that are not
     determined hold together at least --protection percent of s (otherwise moving s up by
     that much would have to be absorbed by nothing);
  3. no status (on_track, at_risk, off_track) is published for a park's KPI figure built on
     a sensitive cell: a status bounds the value (on_track against a target of 100 % pins a
     coverage ratio to its denominator), which the equations above do not model;
  4. complementary suppression chooses among parks with as many enterprises by the
     catalogue's park order only: a choice by value would tell how the hidden and the shown
     values compare;
  5. `explain --confidential` prints a withheld figure's parts under the confidential banner,
     and the default `explain` does not.
Python 3.11 standard library only; runs in a temporary directory, kept when it fails."""

import argparse
import csv
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
from collections import defaultdict
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from sample_feed import SampleFeed, DEPARTMENTS  # noqa: E402

LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
STATUSES = ("on_track", "at_risk", "off_track")


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
    return r.stdout


def year_of(period):
    return int(period[:4])


def period_rank(period):
    if len(period) == 4:
        return 0
    return int(period[5]) if "Q" in period else int(period[5:])


class Model:
    """The true cells and the catalogue's formulas, as linear combinations over the cells."""

    def __init__(self, catalogue, truth_rows, min_cell):
        self.indicators = {i["code"]: i for i in catalogue["indicator"]}
        self.kpis = {k["code"]: k for k in catalogue["kpi"]}
        self.parks = [p["code"] for p in catalogue["park"]]
        self.n = min_cell
        # (indicator, park, period) -> [value, enterprises], every department's figures.
        self.cells = defaultdict(lambda: [Fraction(0), 0])
        sizes = defaultdict(list)
        for r in truth_rows:
            key = (r["indicator"], r["park"], r["period"])
            cell = self.cells[key]
            cell[0] += Fraction(r["value"])
            cell[1] += 1 if r["entity"] else 0
            if r["entity"]:
                sizes[key].append(abs(Fraction(r["value"])))
        # The (n, k) dominance rule of the catalogue: n enterprises holding more than k.
        rules = catalogue.get("rules", {})
        top = rules.get("dominance_top", 2)
        share = Fraction(str(rules.get("dominance_share", 0.85)))
        self.dominated = {k for k, v in sizes.items()
                          if share < 1 and sum(sorted(v, reverse=True)[:top]) > share * sum(v)}
        self.by_year = defaultdict(list)  # (indicator, park, year) -> periods
        for (i, p, t) in self.cells:
            self.by_year[(i, p, year_of(t))].append(t)

    def confidential(self, indicator):
        return self.indicators[indicator]["enterprise_level"]

    def sensitive(self):
        return sorted(k for k, c in self.cells.items() if self.confidential(k[0]) and
                      (c[1] < self.n or k in self.dominated))

    def sensitive_years(self):
        """(indicator, park, year) -> its sensitive cells, when more than one: their sum is
        the same few enterprises' figure over several periods, as confidential as each."""
        groups = defaultdict(list)
        for (i, p, t) in self.sensitive():
            groups[(i, p, year_of(t))].append((i, p, t))
        return {k: v for k, v in groups.items() if len(v) > 1}

    def year_cells(self, indicator, park, year):
        """The cells a park-year figure is made of, per the indicator's time rule."""
        periods = self.by_year.get((indicator, park, year), [])
        if not periods:
            return []
        if self.indicators[indicator]["aggregation"] != "sum":
            periods = [max(periods, key=period_rank)]
        return [(indicator, park, t) for t in periods]

    def figure(self, indicator, place, year):
        """(linear combination {cell: 1} over confidential cells, exact true value)."""
        parks = self.parks if place == "zone" else [place]
        combo, value = {}, Fraction(0)
        for p in parks:
            for c in self.year_cells(indicator, p, year):
                value += self.cells[c][0]
                if self.confidential(indicator):
                    combo[c] = combo.get(c, 0) + 1
        return combo, value

    def kpi_parts(self, code, place, year):
        """(numerator combo, numerator value, denominator combo, denominator value)."""
        kpi = self.kpis[code]
        window = range(kpi.get("cumulative_from", year), year + 1)
        parts = []
        for codes in (kpi["numerator"], kpi.get("denominator", [])):
            combo, value = {}, Fraction(0)
            for c in codes:
                for y in window:
                    f, v = self.figure(c, place, y)
                    value += v
                    for cell, k in f.items():
                        combo[cell] = combo.get(cell, 0) + k
            parts += [combo, value]
        return parts

    def kpi_equation(self, code, place, year):
        num, num_v, den, den_v = self.kpi_parts(code, place, year)
        if "denominator" not in self.kpis[code] or den_v == 0:
            return num
        r = num_v / den_v
        eq = dict(num)
        for cell, k in den.items():
            eq[cell] = eq.get(cell, 0) - r * k
        return {c: k for c, k in eq.items() if k != 0}

    def kpi_inputs(self, code, place, year):
        num, _, den, _ = self.kpi_parts(code, place, year)
        return set(num) | set(den)


class Published:
    """Every figure the default outputs publish, as equations with where they were read."""

    def __init__(self):
        self.equations = []  # (where, {cell: coefficient})
        self.statuses = []   # (where, kpi, place, year)
        self.withheld_years = set()  # (indicator, park, year) export --statistics withholds
        self.withheld_cells = set()  # (indicator, park, period) it withholds

    def add(self, where, eq):
        eq = {c: Fraction(k) for c, k in eq.items() if k != 0}
        if eq:
            self.equations.append((where, eq))


def collect(kpihub, config, metrics_port, model, years):
    pub = Published()
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=30) as r:
        metrics = r.read().decode()
    for line in metrics.splitlines():
        if line.startswith("#") or "{" not in line:
            continue
        name, _, rest = line.partition("{")
        labels = dict(LABEL.findall(rest.rpartition("}")[0]))
        if name == "kpihub_indicator_value" and labels["indicator"] in model.indicators:
            combo, _ = model.figure(labels["indicator"], labels["park"], int(labels["period"]))
            pub.add("/metrics indicator %(indicator)s/%(park)s/%(period)s" % labels, combo)
        elif name == "kpihub_kpi_value" and labels["kpi"] in model.kpis:
            pub.add("/metrics kpi %(kpi)s/%(park)s/%(period)s" % labels,
                    model.kpi_equation(labels["kpi"], labels["park"], int(labels["period"])))
        elif name == "kpihub_kpi_status" and rest.rstrip().endswith(" 1"):
            pub.statuses.append(("/metrics status", labels["kpi"], labels["park"],
                                 int(labels["period"])))
    for y in years:
        text = run([kpihub, "kpis", "--config", config, "--park", "all", "--year", str(y), "--csv"])
        for r in csv.DictReader(io.StringIO(text)):
            where = "kpis --csv %s/%s/%s" % (r["kpi"], r["park"], r["period"])
            if r["value"]:
                pub.add(where, model.kpi_equation(r["kpi"], r["park"], int(r["period"])))
            if r["status"] in STATUSES:
                pub.statuses.append((where, r["kpi"], r["park"], int(r["period"])))
        table = run([kpihub, "kpis", "--config", config, "--park", "all", "--year", str(y)])
        kpi = None
        for line in table.splitlines():
            head = re.match(r"^(\w+) ", line)
            if head and head.group(1) in model.kpis:
                kpi = head.group(1)
            row = re.match(r"^  (\w+)\s+value (\S+)", line)
            if kpi and row:
                park = row.group(1)
                where = "kpis table %s/%s/%d" % (kpi, park, y)
                if row.group(2) != "-":
                    pub.add(where, model.kpi_equation(kpi, park, y))
                if any(s in line for s in STATUSES):
                    pub.statuses.append((where, kpi, park, y))
    text = run([kpihub, "export", "--config", config, "--statistics"])
    for r in csv.DictReader(io.StringIO(text)):
        key = (r["indicator"], r["park"], r["period"])
        if r["withheld"] == "yes":
            pub.withheld_years.add((r["indicator"], r["park"], year_of(r["period"])))
            if model.confidential(r["indicator"]):
                pub.withheld_cells.add(key)
        elif r["value"] and model.confidential(r["indicator"]):
            pub.add("export --statistics %s/%s/%s" % key, {key: 1})
    collect_explain(kpihub, config, model, years, pub)
    return pub


def check_confidential_flag(kpihub, config, years):
    """`explain --confidential` shows a withheld figure's parts under its banner; the default
    shows neither. Returns failures; none when the sample withholds nothing."""
    for y in years:
        text = run([kpihub, "kpis", "--config", config, "--park", "all", "--year", str(y), "--csv"])
        for r in csv.DictReader(io.StringIO(text)):
            if r["status"] != "withheld" or r["park"] == "zone":
                continue
            args = [kpihub, "explain", "--config", config, r["kpi"], r["park"], str(y)]
            default = run(args)
            try:
                detail = run(args + ["--confidential"])
            except RuntimeError as e:
                detail = str(e)
            failures = []
            if "numerator" in default.split("\n\n")[0] or "confidential" in default:
                failures.append("explain default: %s %s %d prints a withheld figure's parts"
                                % (r["kpi"], r["park"], y))
            if "confidential — enterprise-level / 机密：企业级数据" not in detail or \
                    not re.search(r"x numerator \d", detail):
                failures.append("explain --confidential: %s %s %d lacks the banner or the parts"
                                % (r["kpi"], r["park"], y))
            return failures
    return []


def collect_explain(kpihub, config, model, years, pub):
    for code in model.kpis:
        for place in model.parks + ["zone"]:
            for y in years:
                text = run([kpihub, "explain", "--config", config, code, place, str(y)])
                where = "explain %s %s %d" % (code, place, y)
                value = re.search(r"^  value: (\S+)", text, re.M)
                if value and value.group(1) not in ("withheld", "no"):
                    pub.add(where, model.kpi_equation(code, place, y))
                    status = re.search(r"status (\w+)", value.string[value.start():].split("\n")[0])
                    if status and status.group(1) in STATUSES:
                        pub.statuses.append((where, code, place, y))
                parts = re.search(r"x numerator (\S+)(?: / denominator (\S+))?", text)
                if parts:
                    num, _, den, _ = model.kpi_parts(code, place, y)
                    pub.add(where + " numerator", num)
                    if parts.group(2):
                        pub.add(where + " denominator", den)


class RowSpace:
    """Exact incremental elimination over the rationals: sparse rows, each with a pivot
    that no row added later contains."""

    def __init__(self):
        self.rows = {}   # pivot -> row
        self.order = {}  # pivot -> insertion index

    def reduce(self, vec):
        vec = dict(vec)
        while True:
            pivots = [c for c in vec if c in self.rows]
            if not pivots:
                return vec
            p = min(pivots, key=self.order.__getitem__)
            k = vec[p]
            for c, v in self.rows[p].items():
                nv = vec.get(c, 0) - k * v
                if nv == 0:
                    vec.pop(c, None)
                else:
                    vec[c] = nv

    def add(self, vec):
        vec = self.reduce(vec)
        if not vec:
            return
        p = min(vec)
        k = vec[p]
        self.rows[p] = {c: v / k for c, v in vec.items()}
        self.order[p] = len(self.order)

    def determined(self, cell):
        return not self.reduce({cell: Fraction(1)})


def audit(model, pub, protection):
    failures = []
    space = RowSpace()
    for _, eq in pub.equations:
        space.add(eq)
    sensitive = model.sensitive()
    determined = {}

    def is_determined(c):
        if c not in determined:
            determined[c] = space.determined(c)
        return determined[c]

    by_cell = defaultdict(list)
    for where, eq in pub.equations:
        for c in eq:
            by_cell[c].append((where, eq))
    for s in sensitive:
        value, n = model.cells[s]
        if is_determined(s):
            failures.append("exact disclosure: %s/%s/%s (%d enterprises, %s) is determined by "
                            "the published figures, e.g. %s" % (
                                *s, n, value, by_cell[s][0][0] if by_cell[s] else "?"))
            continue
        need = abs(value) * Fraction(protection, 100)
        for where, eq in by_cell[s]:
            cover = sum(abs(eq[c] * model.cells[c][0]) for c in eq
                        if c != s and not is_determined(c))
            if cover < abs(eq[s]) * need:
                failures.append("protection under %d %%: %s/%s/%s in %s: the other hidden cells "
                                "hold %s, need %s" % (protection, *s, where, float(cover),
                                                      float(abs(eq[s]) * need)))
                break
    for (i, p, y), cells in sorted(model.sensitive_years().items()):
        if not space.reduce({c: Fraction(1) for c in cells}):
            failures.append("exact disclosure: the sum of %s/%s's %d sensitive periods of %d "
                            "is determined by the published figures" % (i, p, len(cells), y))
    # What kpihub withholds must stay withheld, complements included: otherwise the
    # complement protects nothing (hidden months of a shown year, recovered by subtraction).
    withheld_years = defaultdict(list)
    for c in sorted(pub.withheld_cells):
        withheld_years[(c[0], c[1], year_of(c[2]))].append(c)
        if c not in sensitive and is_determined(c):
            failures.append("withheld cell recoverable: %s/%s/%s is determined by the "
                            "published figures" % c)
    for (i, p, y), cells in sorted(withheld_years.items()):
        if len(cells) > 1 and not space.reduce({c: Fraction(1) for c in cells}):
            failures.append("withheld cells recoverable: the sum of %s/%s's %d withheld periods "
                            "of %d is determined by the published figures" % (i, p, len(cells), y))
    sensitive_set = set(sensitive)
    for where, kpi, place, year in pub.statuses:
        if place != "zone" and model.kpi_inputs(kpi, place, year) & sensitive_set:
            failures.append("status published for a figure built on a sensitive cell: " + where)
    failures += check_complement_order(model, pub)
    return failures, len(sensitive), len(pub.equations), len(pub.statuses)


def check_complement_order(model, pub):
    failures = []
    small_years = {(i, p, year_of(t)) for (i, p, t) in model.sensitive()}
    groups = defaultdict(dict)  # (indicator, year) -> park -> enterprises of its year
    for (i, p, y), periods in model.by_year.items():
        if model.confidential(i):
            groups[(i, y)][p] = max(model.cells[(i, p, t)][1] for t in periods)
    for (i, y), parks in groups.items():
        for c in parks:
            if (i, c, y) not in pub.withheld_years or (i, c, y) in small_years:
                continue
            for q in parks:
                if (i, q, y) in pub.withheld_years or parks[q] != parks[c]:
                    continue
                if model.parks.index(q) < model.parks.index(c):
                    failures.append("complement order: %s/%s/%d withheld before %s, which "
                                    "holds as many enterprises and comes first in the "
                                    "catalogue; the choice depends on the values" % (i, c, y, q))
    return failures


def kpihub_years(kpihub, config):
    r = subprocess.run([kpihub, "kpis", "--config", config, "--year", "1900", "--csv"],
                       capture_output=True, text=True)
    found = re.search(r"years with figures: ([0-9, ]+)", r.stderr)
    if not found:
        raise RuntimeError("kpihub kpis did not name its years: " + r.stderr)
    return sorted(int(y) for y in found.group(1).split(","))


def truth(kpihub, config):
    rows = []
    for d in DEPARTMENTS:
        rows += list(csv.DictReader(io.StringIO(run(
            [kpihub, "export", "--config", config, "--department", d]))))
    return rows


def random_source(args, work):
    """A source tree whose samples/demo the generator wrote with a random seed and few
    enterprises (small parks everywhere); config/ is the real one."""
    seed = int(os.environ.get("KPIHUB_AUDIT_SEED", random.SystemRandom().randrange(1, 10**6)))
    print("disclosure audit: generator seed %d (set KPIHUB_AUDIT_SEED=%d to repeat)" % (seed, seed),
          flush=True)
    source = os.path.join(work, "source")
    os.makedirs(os.path.join(source, "samples"))
    os.symlink(os.path.join(args.source, "config"), os.path.join(source, "config"))
    subprocess.run([sys.executable, os.path.join(args.source, "samples", "generator",
                                                 "make_samples.py"), "--seed", str(seed),
                    "--enterprises", str(args.enterprises),
                    "--out", os.path.join(source, "samples", "demo")],
                   check=True, stdout=subprocess.DEVNULL)
    return source


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", choices=["demo", "random"])
    ap.add_argument("--source", required=True)
    ap.add_argument("--kpihubd", required=True)
    ap.add_argument("--kpihub", required=True)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--min-cell", type=int, default=3)
    ap.add_argument("--protection", type=int, default=10,
                    help="protection interval every sensitive cell keeps, percent of its value")
    ap.add_argument("--enterprises", type=int, default=60, help="random case: enterprises")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kpihub-disclosure-")
    source = random_source(args, work) if args.case == "random" else args.source
    binaries = {"kpihubd": args.kpihubd, "kpihub": args.kpihub, "kpihub-adapter": args.adapter}
    with open(os.path.join(args.source, "config", "catalogue.toml"), "rb") as f:
        catalogue = tomllib.load(f)
    with SampleFeed(binaries, source, work) as feed:
        feed.start_daemon()
        feed.feed_sample()
        model = Model(catalogue, truth(args.kpihub, feed.config), args.min_cell)
        years = kpihub_years(args.kpihub, feed.config)
        pub = collect(args.kpihub, feed.config, feed.metrics_port, model, years)
        flag_failures = check_confidential_flag(args.kpihub, feed.config, years)
    failures, sensitive, equations, statuses = audit(model, pub, args.protection)
    failures += flag_failures
    print("disclosure audit (%s): %d sensitive cells, %d published equations, %d statuses, "
          "%d failures" % (args.case, sensitive, equations, statuses, len(failures)))
    kinds = defaultdict(int)
    for f in failures:
        kinds[f.split(":")[0]] += 1
    for kind, n in sorted(kinds.items()):
        print("  %5d  %s" % (n, kind))
    shown = defaultdict(int)
    for f in failures:  # the first few of each kind
        kind = f.split(":")[0]
        shown[kind] += 1
        if shown[kind] <= 5:
            print("  " + f)
    if sensitive == 0 or equations < 100:
        failures.append("the audit saw too little to mean anything")
        print("FAIL: %d sensitive cells, %d equations" % (sensitive, equations))
    if failures:
        print("kept " + work)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
