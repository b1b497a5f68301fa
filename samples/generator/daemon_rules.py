"""What kpihubd should make of the generated rows: its validation rules (the reason code of a
refused row) and its KPI rollup, re-implemented here independently of kpihub's C++ code so that
the demo can check the daemon against them. Python 3.11 standard library only."""

import math
import time
from collections import defaultdict
from fractions import Fraction

from zone_parameters import MIN_CELL_ENTITIES, YEARS, is_valid_uscc


def period_key(period):
    """Chronological order of mixed period kinds: a year sorts after its months."""
    if len(period) == 4:
        return (int(period), 13, 0)
    if "Q" in period:
        return (int(period[:4]), int(period[5]) * 3, 1)
    return (int(period[:4]), int(period[5:]), 2)


# -- checks mirroring the daemon's validation (daemon/core/src/validation.cc) -----------------

def load_catalogue(path):
    try:
        import tomllib
    except ImportError:  # Python < 3.11: no checks against the catalogue
        return None
    with open(path, "rb") as f:
        return tomllib.load(f)


def expected_reason(catalogue, department, row, now):
    """The daemon's reason code for `row` sent by `department`, or None when accepted."""
    indicator, park, entity, period, value = row[:5]
    ind = {i["code"]: i for i in catalogue["indicator"]}.get(indicator)
    if ind is None:
        return "unknown_indicator"
    if ind["department"] != department:
        return "not_owner"
    if park not in {p["code"] for p in catalogue["park"]}:
        return "unknown_park"
    kind = "year" if len(period) == 4 else "quarter" if "Q" in period else "month"
    if ind["period"] != kind:
        return "period_type_not_allowed"
    first_month = 1 if kind == "year" else (int(period[5]) - 1) * 3 + 1 if kind == "quarter" \
        else int(period[5:])
    start = time.mktime((int(period[:4]), first_month, 1, 0, 0, 0, 0, 0, 0))
    if start > now + 86400:
        return "future_period"
    if ind["enterprise_level"]:
        if not entity:
            return "entity_required"
        if not is_valid_uscc(entity):
            return "malformed_entity"
    elif entity:
        return "entity_not_allowed"
    v = float(value)
    if not math.isfinite(v):
        return "not_finite"
    text = repr(v)
    places = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    if text.endswith(".0"):
        places = 0
    if places > ind["decimals"]:
        return "too_precise"
    if not (float(ind["min"]) <= v <= float(ind["max"])):
        return "out_of_bounds"
    return None


# -- the rollup the daemon will compute (daemon/core/include/kpihub/core/rollup.h) ------------

def rollup(catalogue, accepted):
    """Zone KPI figures and withheld park cells from the accepted rows (last write wins)."""
    indicators = {i["code"]: i for i in catalogue["indicator"]}
    figures = {}
    for _, row in accepted:
        figures[(row[0], row[1], row[3], row[2])] = Fraction(row[4])
    cells = defaultdict(lambda: [Fraction(0), 0])
    for (ind, park, period, entity), v in figures.items():
        cell = cells[(ind, park, period)]
        cell[0] += v
        cell[1] += 1 if entity else 0
    years = {}  # (indicator, park, year) -> [value, entities, latest period key]
    for (ind, park, period), (v, n) in cells.items():
        y = int(period[:4])
        slot = years.setdefault((ind, park, y), [Fraction(0), 0, None])
        if indicators[ind]["aggregation"] == "sum":
            slot[0] += v
            slot[1] = max(slot[1], n)
        elif slot[2] is None or period_key(period) > slot[2]:
            slot[0], slot[1], slot[2] = v, n, period_key(period)
    withheld = set()
    by_indicator_year = defaultdict(list)
    for (ind, park, y), slot in years.items():
        by_indicator_year[(ind, y)].append((slot[1], slot[0], park))
    for (ind, y), parks in by_indicator_year.items():
        if not indicators[ind]["enterprise_level"]:
            continue
        small = [p for p in parks if p[0] < MIN_CELL_ENTITIES]
        for p in small:
            withheld.add((ind, p[2], y))
        if len(small) == 1:
            rest = sorted(p for p in parks if p[0] >= MIN_CELL_ENTITIES)
            if rest:
                withheld.add((ind, rest[0][2], y))
    zone = defaultdict(Fraction)
    for (ind, park, y), slot in years.items():
        zone[(ind, y)] += slot[0]
    kpis = []
    for kpi in catalogue["kpi"]:
        for y in YEARS:
            first = kpi.get("cumulative_from", y)
            num = sum(zone.get((c, yy), Fraction(0)) for c in kpi["numerator"] for yy in range(first, y + 1))
            den_codes = kpi.get("denominator", [])
            den = sum(zone.get((c, yy), Fraction(0)) for c in den_codes for yy in range(first, y + 1))
            value = float(num / den if den_codes else num)
            share = (y - kpi["baseline_year"]) / (kpi["target_year"] - kpi["baseline_year"])
            expected = kpi["target"] * min(1.0, max(0.0, share))
            status = ("on_track" if value >= expected else
                      "at_risk" if value >= expected * (1 - catalogue["rules"]["at_risk_tolerance"])
                      else "off_track")
            kpis.append((kpi, y, value, expected, status))
    return kpis, withheld




def fmt_kpi(kpi, value):
    """A KPI figure as the leadership group reads it."""
    if kpi["unit"] == "ratio":
        return "%.2f %%" % (value * 100)
    if kpi["unit"] == "yuan":
        return "%.2f 亿元" % (value / 1e8)
    if kpi["unit"] == "m2":
        return "%s m²" % format(int(round(value)), ",")
    return "%d" % round(value)
