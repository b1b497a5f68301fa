#!/usr/bin/env python3
"""The oracle test (ctest label `oracle`): feeds the bundled sample to the real kpihubd through
the real kpihub-adapter, one per department, all at once, and compares everything kpihub then
publishes with the generator's expectations (oracle_compare.py, the comparison scripts/demo.sh
uses too).

    oracle_test.py sample      everything matches, both directions
    oracle_test.py wrong_unit  the same feed with the scitech profile reading R&D expenditure in
                               亿元 instead of 万元: the comparison must fail and name the KPI
    oracle_test.py generator   the generator, run again, writes exactly the committed sample and
                               expectations (nobody edited them by hand)

The temporary directory is removed when the test passes and kept (its path printed) when it
fails. Nothing random: the sample is fixed."""

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_compare  # noqa: E402
from sample_feed import SampleFeed  # noqa: E402

# Every comparison must have looked at this many figures at least: a comparison of nothing
# would pass whatever kpihub publishes.
MINIMUM_CHECKED = {
    "/metrics kpihub_kpi_value": 500, "/metrics kpihub_kpi_status": 2000,
    "/metrics kpihub_kpi_progress_ratio": 200, "/metrics kpihub_kpi_expected_ratio": 150,
    "/metrics kpihub_kpi_zone_share_ratio": 250, "/metrics kpihub_kpi_zone_contribution_ratio": 250,
    "/metrics kpihub_kpi_target": 50, "/metrics kpihub_kpi_baseline": 40,
    "/metrics kpihub_milestone_status": 24, "/metrics kpihub_milestone_achieved_timestamp_seconds": 3,
    "kpis --csv target cells": 200, "kpis --csv progress cells": 200,
    "kpis --csv expected cells": 150, "kpis --csv share_of_zone cells": 250,
    "kpis --csv contribution cells": 250, "milestones --csv": 6,
    "kpis --csv on_track rows": 50, "kpis --csv at_risk rows": 20, "kpis --csv off_track rows": 50,
    "kpis --csv not_judged rows": 300, "kpis --csv withheld rows": 40, "rejected pushed rows": 2,
    "/metrics kpihub_indicator_value": 1000, "/metrics kpihub_cells_withheld": 4,
    "/metrics kpihub_rule_violations": 80, "kpis --csv rows": 400,
    "export --statistics": 5000, "export --department scitech": 1000,
    "export --department tax": 100, "export --department finance": 100,
    "export --department environment": 1000, "rejected rows": 20,
}

WRONG_COLUMN = "研发经费内部支出（万元）"


def wrong_unit_profile(source, work):
    """A copy of the scitech profile whose R&D expenditure column is read in 亿元 (1e8 yuan)
    instead of the 万元 (1e4 yuan) the bureau's export gives."""
    with open(os.path.join(source, "config", "profiles", "scitech.toml"), encoding="utf-8") as f:
        text = f.read()
    pattern = re.compile(r'(name = "%s"\n(?:  .*\n)*?  unit = )"万元"' % re.escape(WRONG_COLUMN))
    changed, n = pattern.subn(r'\1"亿元"', text)
    if n != 1:
        raise SystemExit("could not find the unit of %s in the scitech profile" % WRONG_COLUMN)
    path = os.path.join(work, "scitech-wrong-unit.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(changed)
    return path


def feed_and_compare(args, work, profiles=None):
    binaries = {"kpihubd": args.kpihubd, "kpihub": args.kpihub, "kpihub-adapter": args.adapter}
    with SampleFeed(binaries, args.source, work, profiles) as feed:
        feed.start_daemon()
        inbox = feed.feed_sample()
        return oracle_compare.collect_and_compare(
            args.kpihub, feed.config, feed.metrics_port, inbox,
            os.path.join(args.source, "samples", "demo"),
            os.path.join(args.source, "config", "catalogue.toml"), os.path.join(work, "observed"))


def case_sample(args, work):
    report = feed_and_compare(args, work)
    report.print()
    failures = []
    for what, least in MINIMUM_CHECKED.items():
        if report.checked.get(what, 0) < least:
            failures.append("%s: only %d compared, expected %d or more" % (
                what, report.checked.get(what, 0), least))
    if not report.ok():
        failures.append("kpihub's figures differ from the generator's expectations")
    return failures


def case_wrong_unit(args, work):
    report = feed_and_compare(args, work, {"scitech": wrong_unit_profile(args.source, work)})
    report.print(limit=10)
    failures = []
    lines = [text for _, text in report.unexpected()]
    if not lines:
        failures.append("a profile reading 万元 as 亿元 passed the comparison")
    for needle in ("kpis rd_intensity/zone/2020", "kpihub_kpi_value {kpi=rd_intensity,park=zone",
                   "indicator=rd_expenditure,park=zone"):
        if not any(needle in line for line in lines):
            failures.append("no mismatch names %r" % needle)
    return failures


def case_generator(args, work):
    out = os.path.join(work, "demo")
    subprocess.run([sys.executable, os.path.join(args.source, "samples", "generator",
                                                 "make_samples.py"), "--out", out], check=True)
    committed = os.path.join(args.source, "samples", "demo")
    names = sorted(set(os.listdir(out)) | set(os.listdir(committed)))
    _, differ, missing = filecmp.cmpfiles(out, committed, names, shallow=False)
    return ["samples/demo/%s differs from what the generator writes" % n for n in differ] + \
        ["samples/demo/%s: only one of the generator's output and the committed sample has it" % n
         for n in missing]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", choices=["sample", "wrong_unit", "generator"])
    ap.add_argument("--source", required=True)
    ap.add_argument("--kpihubd", required=True)
    ap.add_argument("--kpihub", required=True)
    ap.add_argument("--adapter", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kpihub-oracle-")
    start = time.monotonic()
    failures = {"sample": case_sample, "wrong_unit": case_wrong_unit,
                "generator": case_generator}[args.case](args, work)
    print("oracle %s: %.1f s" % (args.case, time.monotonic() - start))
    if failures:
        for f in failures:
            print("FAIL: " + f)
        print("outputs kept in " + work)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
