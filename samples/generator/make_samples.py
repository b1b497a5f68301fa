#!/usr/bin/env python3
"""Generates department-shaped sample exports of an invented zone, and what kpihub should make
of them.

    samples/generator/make_samples.py [--seed 20170531] [--enterprises 240] [--out samples/demo]

Writes into --out, deterministically from --seed and --enterprises:
  - each department's export files as its own system would give them (export_shapes.py):
    Chinese headers, GB18030 for tax and finance, UTF-8 CSV for scitech, JSON lines for
    environment; units such as 万元, 亿元, 千元, 万平方米; wide sheets (one column per
    indicator); a few revisions of earlier periods; a handful of deliberately bad rows;
  - expected-rejects.csv: file,row,column,reason_code for every cell or row kpihub-adapter or
    the daemon must refuse;
  - expected-observations.csv: file,department,rows,observations (cells that become
    observations, including those the daemon then refuses);
  - expected-kpis.csv: kpi,park,period,value,target,progress,expected,status,not_judged,
    strength,share_of_zone,contribution for the zone and every park, 2016 (the baseline year)
    to 2020 (status on_track, at_risk, off_track, not_judged, no_data or withheld);
  - expected-targets.csv: the target of each level that has one, and the baseline in use;
  - expected-milestones.csv: each milestone's state at a few evaluation dates;
  - expected-indicators.csv: the yearly indicator figures per park and for the zone, with their
    enterprise counts and whether they are withheld as small cells;
  - expected-cells.csv: the per-period park cells of `kpihub export --statistics`;
  - expected-rules.csv: the violations of each rule per park and year;
    all computed by expected_figures.py from the generator's own figures (exact fractions),
    not by kpihub's code.
Use --enterprises 2500 for a benchmark-sized zone.
"""

import argparse
import csv
import hashlib
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zone_model as zm  # noqa: E402
from expected_figures import Expected, decimal_text  # noqa: E402
from export_shapes import (  # noqa: E402
    FILES, MILESTONE_REGISTER, bad_rows, milestone_register, scaled)

NAME_HEADS = ["瑞丰", "中原", "豫北", "太行", "怀川", "山阳", "云台", "恒信", "华兴", "宏达",
              "远航", "智创", "天润", "博远", "新源", "鑫达", "嘉和", "龙翔", "金穗", "卓越"]
NAME_TRADES = {"core": "信息技术", "auto_parts": "汽车零部件", "smart_mfg": "智能装备",
               "startup_center": "电子科技", "hpu_park": "新材料", "zgc_base": "生物科技",
               "tengyun": "电子商务", "inspection": "检验检测", "hq_economy": "实业",
               "culture_tourism": "文化传媒", "agri_tech": "农业科技"}


def company_name(uscc, park):
    h = int(hashlib.sha256(uscc.encode()).hexdigest(), 16)
    return "焦作%s%s有限公司" % (NAME_HEADS[h % len(NAME_HEADS)] + NAME_HEADS[(h >> 8) % len(NAME_HEADS)],
                             NAME_TRADES.get(park, "科技"))


def load_catalogue(path):
    import tomllib
    with open(path, "rb") as f:
        return tomllib.load(f)


def file_rows(spec, canonical, revisions, park_names_zh):
    """The data rows of one export file: canonical observations pivoted to one row per
    (entity, park, period), then `revisions` as extra rows. Returns (rows, cells) where a
    row is {column: text} and cells counts the non-empty indicator cells."""
    by_indicator = {ind: (h, power, vmap) for h, ind, power, vmap in spec["columns"]}
    park_names = spec.get("park_names", park_names_zh)
    rows, index = [], {}

    def cell_text(indicator, value):
        h, power, vmap = by_indicator[indicator]
        return h, (vmap[value] if vmap else scaled(value, power))

    def new_row(park, entity, period):
        row = {spec["park"]: park_names[park], spec["period"]: spec["period_text"](period)}
        if "entity" in spec:
            row[spec["entity"]] = entity
            row[spec["company"]] = company_name(entity, park)
        return row

    for ind, park, entity, period, value, note in canonical:
        if ind not in by_indicator:
            continue
        key = (park, entity, period)
        if key not in index:
            index[key] = len(rows)
            rows.append(new_row(park, entity, period))
        h, text = cell_text(ind, value)
        rows[index[key]][h] = text
        if note and "note" in spec:
            rows[index[key]][spec["note"]] = note
    for ind, park, entity, period, value, _ in revisions:
        if ind not in by_indicator:
            continue
        row = new_row(park, entity, period)
        h, text = cell_text(ind, value)
        row[h] = text
        if "note" in spec:
            row[spec["note"]] = "数据更正"
        rows.append(row)
    cells = sum(1 for r in rows for h, _, _, _ in spec["columns"] if r.get(h, "") != "")
    return rows, cells


def update_name(name):
    """"tax-enterprises-annual.csv" -> "tax-update-enterprises-annual.csv": after the
    department's other files in name order, so that a feed of `DEPT-*` sends it last."""
    department, rest = name.split("-", 1)
    return "%s-update-%s" % (department, rest)


def headers(spec):
    keys = []
    if "entity" in spec:
        keys += [spec["entity"], spec["company"]]
    keys += [spec["park"], spec["period"]]
    keys += [h for h, _, _, _ in spec["columns"]]
    if "note" in spec:
        keys.append(spec["note"])
    return keys


def render(spec, rows):
    """File bytes and, per output row, its 1-based row number (CSV header is row 1)."""
    cols = headers(spec)
    if spec.get("json"):
        lines = []
        for r in rows:
            if r == "BROKEN_JSON":
                lines.append('{"park_name": "核心区", "month": "2020-05", "sewage_produced_t": 12')
                continue
            parts = ['"%s": "%s"' % (spec["park"], r[spec["park"]]),
                     '"%s": "%s"' % (spec["period"], r[spec["period"]])]
            for h, _, _, _ in spec["columns"]:
                v = r.get(h, "")
                parts.append('"%s": %s' % (h, v if _is_plain_number(v) else
                                             ("null" if v == "" else '"%s"' % v)))
            lines.append("{" + ", ".join(parts) + "}")
        return ("\n".join(lines) + "\n").encode("utf-8")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        if r == "SHORT":
            w.writerow([spec_short_value(spec, c) for c in cols[:4]])
            continue
        w.writerow([r.get(c, "") for c in cols])
    return out.getvalue().encode(spec["encoding"])


def _is_plain_number(v):
    try:
        float(v)
        return v not in ("nan", "inf") and v != ""
    except ValueError:
        return False


def spec_short_value(spec, column):
    return {"统一社会信用代码": SHORT_USCC[0], "纳税人名称": "焦作示例有限公司",
            "主管园区": spec.get("park_names", {}).get("core", ""), "所属年度": "2019年度"}.get(column, "")


SHORT_USCC = [""]


# What each expected-*.csv of the README holds.
EXPECTATION_NOTES = [
    "- `expected-observations.csv`: file, department, rows, observations.",
    "- `expected-rejects.csv`: file, row, column, reason_code of every refusal, by the "
    "adapter or by the daemon.",
    "- `expected-kpis.csv`: kpi, park, period, value, target, progress, expected, status, "
    "not_judged (why), strength, share_of_zone, contribution: every KPI figure of the zone "
    "and of each park (status `on_track`, `at_risk`, `off_track`, `not_judged`, `no_data`, "
    "or `withheld` for a small cell). A park without a target of its own is not judged: "
    "it carries its share of the zone's figure instead.",
    "- `expected-targets.csv`: the target of every level that has one (the zone, every "
    "park of an `every_park` KPI, each `[[kpi.park_target]]`) and the baseline in use "
    "(`catalogue`, `data` or `cumulative`; empty when unknown).",
    "- `expected-push-rejects.csv`: file, row, reason_code of the register's rows the daemon "
    "refuses (a milestone without the approval document's reference, a year instead of "
    "the month).",
    "- `expected-milestones.csv`: each milestone's state (`achieved`, `achieved_late`, "
    "`pending`, `overdue`), achieved month and reference, evaluated after every due year: "
    "the states kpihubd and `kpihub milestones` show today.",
    "- `expected-indicators.csv`: the yearly indicator figures of each park and the zone, "
    "with the enterprises they hold and whether they are withheld as small cells.",
    "- `expected-cells.csv`: the per-period park cells `kpihub export --statistics` gives, "
    "withheld with the whole park-year they belong to.",
    "- `expected-rules.csv`: the violations of each `[[rule]]` per park and year (an "
    "`entity_total_max` rule counts an enterprise once, in the year its running total "
    "first exceeds the limit).",
    "",
    "The `expected-*` figures are computed by the generator's own model "
    "(`expected_figures.py`, exact fractions) from the rows it generated, not by kpihub's "
    "code; `tests/oracle/` compares them with what kpihubd, `kpihub kpis` and `kpihub "
    "export` publish, in both directions.",
]


def write_readme(path, args, counts, rejects, expected):
    by_file = {}
    for f, _, _, reason in rejects:
        by_file.setdefault(f, []).append(reason)
    lines = [
        "# Demo sample: department exports of an invented zone",
        "",
        "Generated by `samples/generator/make_samples.py --seed %d --enterprises %d`; do not edit "
        "by hand, run the generator again (it rewrites this page). `scripts/demo.sh` feeds these "
        "files to kpihubd through `kpihub-adapter`, one profile and key per department "
        "(`config/profiles/`), and checks the result against `expected-*.csv`." % (args.seed, args.enterprises),
        "",
        "The zone is invented: %d enterprises with valid unified social credit codes "
        "(GB 32100-2015) over the core zone and ten parks, 2017-2020, every indicator of "
        "`config/catalogue.toml`, with 2016 (the KPIs' baseline year) for every indicator a KPI "
        "is made of, so that 2017-2020 are judged on lines from the zone's and each park's own "
        "2016 figures; the milestones the science and technology bureau has approval documents "
        "for (`%s`, sent with `kpihub push`); each department in its own export shape (see "
        "`samples/generator/export_shapes.py` and `docs/adapters.md`)." % (args.enterprises,
                                                                   MILESTONE_REGISTER),
        "",
        "| file | department | encoding | rows | observations | refused (reasons) |",
        "|---|---|---|---:|---:|---|",
    ]
    lines += readme_file_rows(counts, by_file)
    lines += [
        "",
        "Rows are data rows (the CSV header is not counted; in the reject report it is row 1). "
        "Observations are the non-empty indicator cells that parse, including the few the daemon "
        "then refuses. Revisions (统计数据修订) come in later files of their own (`DEPT-update-*`), "
        "as a department resends a corrected figure: it replaces the first, it is never added "
        "to it. Within one file a figure given twice is refused in both rows (`duplicate_row`).",
        "",
    ]
    lines += EXPECTATION_NOTES
    lines += [
        "",
        "## Zone KPIs the sample should produce",
        "",
        "| KPI | 2016 | 2017 | 2018 | 2019 | 2020 | 2020 status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += zone_kpi_rows(expected)
    lines += ["", "Figures: %d judged, %d not judged (%s), %d withheld, %d without data." % (
        figure_counts(expected)), ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def readme_file_rows(counts, by_file):
    """The README's table rows of the files: encoding, rows, observations, refusals."""
    encodings = {n: ("JSON lines" if f.get("json") else f["encoding"].upper())
                 for f in FILES for n in (f["name"], update_name(f["name"]))}
    rows_out = []
    for name, dept, rows, obs in counts:
        reasons = ", ".join("`%s`" % r for r in by_file.get(name, []))
        rows_out.append("| `%s` | %s | %s | %s | %s | %d (%s) |" % (
            name, dept, encodings[name], format(rows, ","), format(obs, ","),
            len(by_file.get(name, [])), reasons))
    return rows_out


def zone_kpi_rows(expected):
    """The README's table rows of the zone's KPIs, a column per year."""
    kpis = {k["code"]: k for k in expected.catalogue["kpi"]}
    per = {}
    for f in expected.kpi_figures():
        if f.park == "zone":
            per.setdefault(f.kpi, (kpis[f.kpi], {}))[1][f.period] = (float(f.value), f.status)
    return ["| %s %s | %s | %s |" % (code, kpi["name_zh"], " | ".join(
        zm.fmt_kpi(kpi, years[y][0]) if y in years else "" for y in zm.DATA_YEARS),
        years[2020][1]) for code, (kpi, years) in per.items()]


def figure_counts(expected):
    """(judged, not judged, reasons, withheld, no data) over every KPI figure."""
    figures = expected.kpi_figures()
    reasons = {}
    for f in figures:
        if f.status == "not_judged":
            reasons[f.reason] = reasons.get(f.reason, 0) + 1
    judged = sum(1 for f in figures if f.status in ("on_track", "at_risk", "off_track"))
    return (judged, sum(reasons.values()),
            ", ".join("%s %d" % (r, n) for r, n in sorted(reasons.items())),
            sum(1 for f in figures if f.status == "withheld"),
            sum(1 for f in figures if f.status == "no_data"))


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20170531)
    ap.add_argument("--enterprises", type=int, default=240)
    ap.add_argument("--out", default=os.path.join(root, "samples", "demo"))
    ap.add_argument("--catalogue", default=os.path.join(root, "config", "catalogue.toml"))
    args = ap.parse_args()
    if args.enterprises < zm.MIN_PER_PARK * len(zm.PARKS):
        ap.error("--enterprises must be at least %d" % (zm.MIN_PER_PARK * len(zm.PARKS)))
    return args


def build_sample(args, catalogue):
    """The zone, its revisions, and every generated row as (department, row); exits if the
    daemon's rules would refuse a row the generator meant to be good."""
    sample = zm.Sample(args.seed, args.enterprises)
    for step in (sample.build_enterprises, sample.build_output, sample.build_institutions,
                 sample.build_certification, sample.scitech_enterprise_rows,
                 sample.scitech_park_rows, sample.tax_rows, sample.finance_rows,
                 sample.environment_rows):
        step()
    revised = sample.revisions_and_bad_rows()
    now = time.time()
    accepted = []
    for d in zm.DEPARTMENTS:
        for row in sample.rows[d] + revised[d]:
            reason = zm.expected_reason(catalogue, d, row, now)
            if reason:
                raise SystemExit("generated row refused (%s): %s" % (reason, row))
            accepted.append((d, row))
    return sample, revised, accepted


def write_export(out_dir, spec, sample, revised, park_zh, anchor, rejects, counts):
    """One department export with its bad rows mixed in, then its update file of revisions;
    appends what kpihub should refuse to `rejects` and the files' figures to `counts`."""
    d = spec["department"]
    canonical = sorted(sample.rows[d], key=lambda r: (zm.period_key(r[3]), r[1], r[2], r[0]))
    rows, cells = file_rows(spec, canonical, [], park_zh)
    bads = bad_rows(spec, anchor.uscc, zm.wrong_check(anchor.uscc))
    out = list(rows)
    for i, (cells_bad, _) in enumerate(bads):
        out.insert((i + 1) * len(rows) // (len(bads) + 1) + i, cells_bad)
    first_row = 1 if spec.get("json") else 2
    for n, r in enumerate(out):
        for b, expected in bads:
            if r is b:
                for column, reason in expected:
                    rejects.append((spec["name"], n + first_row, column, reason))
    # Bad rows whose figure parses still become observations (refused by the daemon).
    daemon_side = sum(1 for b, exp in bads for _, reason in exp
                      if reason in ("too_precise", "future_period", "out_of_bounds",
                                    "period_type_not_allowed", "reference_required"))
    counts.append((spec["name"], d, len(out), cells + daemon_side))
    with open(os.path.join(out_dir, spec["name"]), "wb") as f:
        f.write(render(spec, out))
    # Revisions come in a later file of their own, as a department resends a corrected
    # figure: within one file the adapter refuses a figure given twice (duplicate_row).
    update_rows, update_cells = file_rows(spec, [], revised[d], park_zh)
    if update_rows:
        update = dict(spec, name=update_name(spec["name"]))
        counts.append((update["name"], d, len(update_rows), update_cells))
        with open(os.path.join(out_dir, update["name"]), "wb") as f:
            f.write(render(update, update_rows))


def write_register(out_dir, sample, catalogue):
    """The milestone register for `kpihub push`, and expected-push-rejects.csv: what the
    daemon refuses of it."""
    codes = {m["code"] for m in catalogue.get("milestone", [])}
    lines, rejects = milestone_register([r for r in sample.rows["scitech"] if r[0] in codes])
    with open(os.path.join(out_dir, MILESTONE_REGISTER), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
    write_csv(out_dir, "expected-push-rejects.csv", ["file", "row", "reason_code"],
              [(MILESTONE_REGISTER, row, reason) for row, reason in rejects])


def write_csv(out_dir, name, header, rows):
    with open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# expected-kpis.csv: the columns of `kpihub kpis --csv` that carry figures, and why a figure
# is not judged (no_park_target, baseline_period, no_baseline).
KPI_COLUMNS = ["kpi", "park", "period", "value", "target", "progress", "expected", "status",
               "not_judged", "strength", "share_of_zone", "contribution"]
# Evaluation dates of the milestones' states: after every milestone's due year, so that the
# states are those kpihubd and `kpihub milestones` show from then on (the sample is fed today,
# and `--as-of` reads the store as it stood at that moment).
MILESTONE_AS_OF = ["2026-01-15"]


def double(value):
    """A figure as the nearest double, in text that round-trips, or empty."""
    return "" if value is None else repr(float(value))


def number(value):
    """A figure as the expectation files give it: exact decimal text, or empty."""
    return "" if value is None else decimal_text(value)


def write_expected(out_dir, rejects, counts, expected):
    """expected-rejects.csv, expected-observations.csv, expected-kpis.csv,
    expected-indicators.csv, expected-cells.csv and expected-rules.csv."""
    write_csv(out_dir, "expected-rejects.csv", ["file", "row", "column", "reason_code"],
              sorted(rejects, key=lambda r: (r[0], r[1], r[2])))
    write_csv(out_dir, "expected-observations.csv", ["file", "department", "rows", "observations"],
              counts)
    # KPI values are ratios of exact sums: written as the nearest double (repr round-trips).
    write_csv(out_dir, "expected-kpis.csv", KPI_COLUMNS,
              [(f.kpi, f.park, f.period, double(f.value), double(f.target), double(f.progress),
                double(f.expected), f.status, f.reason, f.strength, double(f.share_of_zone),
                double(f.contribution)) for f in expected.kpi_figures()])
    write_csv(out_dir, "expected-targets.csv",
              ["kpi", "park", "target_year", "target", "baseline", "baseline_source"],
              [(k, park, ty, double(t), double(b), source)
               for k, park, ty, t, b, source in expected.targets()])
    write_csv(out_dir, "expected-milestones.csv",
              ["as_of", "milestone", "park", "due_year", "state", "achieved", "reference"],
              [(as_of,) + row for as_of in MILESTONE_AS_OF for row in expected.milestone_states(as_of)])
    write_csv(out_dir, "expected-indicators.csv",
              ["indicator", "department", "park", "period", "value", "enterprises", "withheld"],
              [(i, d, park, y, number(v), "" if n is None else n, "yes" if w else "no")
               for i, d, park, y, v, n, w in expected.indicator_years()])
    write_csv(out_dir, "expected-cells.csv",
              ["indicator", "department", "unit", "park", "period", "value", "enterprises",
               "withheld"],
              [(i, d, u, park, p, number(v), n, "yes" if w else "no")
               for i, d, u, park, p, v, n, w in expected.statistics_cells()])
    write_csv(out_dir, "expected-rules.csv", ["rule", "park", "period", "violations"],
              expected.rule_violations())


def main():
    args = parse_args()
    catalogue = load_catalogue(args.catalogue)
    park_zh = {p["code"]: p["name_zh"] for p in catalogue["park"]}
    sample, revised, accepted = build_sample(args, catalogue)
    anchor = next(e for e in sample.enterprises if e.anchor)
    SHORT_USCC[0] = anchor.uscc

    os.makedirs(args.out, exist_ok=True)
    rejects, counts = [], []
    for spec in FILES:
        write_export(args.out, spec, sample, revised, park_zh, anchor, rejects, counts)
    write_register(args.out, sample, catalogue)
    expected = Expected(catalogue, [row for _, row in accepted], zm.MIN_CELL_ENTITIES)
    write_expected(args.out, rejects, counts, expected)
    write_readme(os.path.join(args.out, "README.md"), args, counts, rejects, expected)
    total_rows = sum(c[2] for c in counts)
    print("wrote %s: %d files, %s rows, %s observations, %d expected rejects" % (
        os.path.relpath(args.out), len(counts), format(total_rows, ","),
        format(sum(c[3] for c in counts), ","), len(rejects)))


if __name__ == "__main__":
    main()
