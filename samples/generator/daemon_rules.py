"""What kpihubd should make of the generated rows: its validation rules (the reason code of a
refused row), re-implemented here independently of kpihub's C++ code so that the demo and the
oracle test can check the daemon against them (the figures it should publish are in
expected_figures.py). Python 3.11 standard library only."""

import math
import time

from zone_parameters import is_valid_uscc


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
    milestone = {m["code"]: m for m in catalogue.get("milestone", [])}.get(indicator)
    if ind is None and milestone is not None:
        return milestone_reason(milestone, department, row, now)
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


def period_kind(period):
    return "year" if len(period) == 4 else "quarter" if "Q" in period else "month"


def milestone_reason(milestone, department, row, now):
    """A milestone observation: its owner, its own park ("zone" for a zone-wide one), the
    month of the approval document, no entity, 1 or 0, the document's reference as note."""
    _, park, entity, period, value, note = row[:6]
    if milestone["department"] != department:
        return "not_owner"
    if park != milestone.get("park", "zone"):
        return "unknown_park"
    if period_kind(period) != "month":
        return "period_type_not_allowed"
    if time.mktime((int(period[:4]), int(period[5:]), 1, 0, 0, 0, 0, 0, 0)) > now + 86400:
        return "future_period"
    if entity:
        return "entity_not_allowed"
    if value not in ("0", "1"):
        return "out_of_bounds"
    if not note.strip():
        return "reference_required"
    return None


def fmt_kpi(kpi, value):
    """A KPI figure as the leadership group reads it."""
    if kpi["unit"] == "ratio":
        return "%.2f %%" % (value * 100)
    if kpi["unit"] == "yuan":
        return "%.2f 亿元" % (value / 1e8)
    if kpi["unit"] == "m2":
        return "%s m²" % format(int(round(value)), ",")
    return "%d" % round(value)
