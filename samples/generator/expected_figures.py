"""What kpihub should publish once it holds the generator's accepted rows: the yearly indicator
figures per park and for the zone with their small-cell status, the KPI figures at every level,
the rule violations, and the per-period cells of `kpihub export --statistics`.

Written from the rules as docs/catalogue.md and docs/operations.md state them, in the
generator's own terms (exact fractions, plain dictionaries); it reads the catalogue's numbers
(targets, bounds, rules) but none of kpihub's code. Python 3.11 standard library only."""

from collections import defaultdict
from fractions import Fraction


def period_year(period):
    return int(period[:4])


def period_rank(period):
    """Position of a period inside its year: 0 for the year itself, then quarters or months."""
    if len(period) == 4:
        return 0
    if "Q" in period:
        return int(period[5])
    return int(period[5:])


class KpiFigure:
    """One KPI figure as `kpihub kpis --csv` gives it (exact fractions, floats for ratios)."""

    def __init__(self, kpi, park, period, value, target, strength):
        self.kpi, self.park, self.period = kpi, park, period
        self.value, self.target, self.strength = value, target, strength
        self.status, self.reason = None, ""
        self.progress = self.expected = self.share_of_zone = self.contribution = None


class Expected:
    """Everything the oracle compares, from the accepted rows in sending order."""

    def __init__(self, catalogue, accepted_rows, min_cell_entities):
        self.catalogue = catalogue
        self.n = min_cell_entities
        self.indicators = {i["code"]: i for i in catalogue["indicator"]}
        self.parks = [p["code"] for p in catalogue["park"]]
        # (indicator, park, period, entity) -> value; a later row with the same key replaces.
        self.figures = {}
        milestones = {m["code"] for m in catalogue.get("milestone", [])}
        self.milestone_facts = {}  # (milestone, period) -> (achieved, reference)
        for row in accepted_rows:
            indicator, park, entity, period, value, note = row[:6]
            if indicator in milestones:
                self.milestone_facts[(indicator, period)] = (value == "1", note)
                continue
            self.figures[(indicator, park, period, entity)] = Fraction(value)
        rules = catalogue.get("rules", {})
        # The (n, k) dominance rule: n enterprises holding more than k of a cell.
        self.dominance_n = rules.get("dominance_top", 2)
        self.dominance_k = Fraction(str(rules.get("dominance_share", 0.85)))
        self.cells = self._cells()
        self.years = self._park_years()
        self.withheld, self.zone_withheld = self._suppress()
        self.zone = self._zone_years()

    # -- cells and yearly figures ------------------------------------------------------------

    def _cells(self):
        """(indicator, park, period) -> [sum, enterprises]."""
        cells = defaultdict(lambda: [Fraction(0), 0])
        self.sizes = defaultdict(list)  # (indicator, park, period) -> |enterprise figures|
        for (indicator, park, period, entity), v in self.figures.items():
            cell = cells[(indicator, park, period)]
            cell[0] += v
            cell[1] += 1 if entity else 0
            if entity:
                self.sizes[(indicator, park, period)].append(abs(v))
        return dict(cells)

    def _park_years(self):
        """(indicator, park, year) -> [value, enterprises]: a `sum` indicator adds its periods,
        a `last` one takes its latest period with data; the enterprise count is the largest
        of any period used. Also sets self.small: the park-years of enterprise-level
        indicators in which at least one period (month, quarter or the year) has fewer than N
        enterprises — the whole year is then confidential, since its periods are published
        too and a year minus its other months would give a hidden month away."""
        by_year = defaultdict(list)
        texts = defaultdict(list)
        for (indicator, park, period), cell in self.cells.items():
            by_year[(indicator, park, period_year(period))].append((period_rank(period), cell))
            texts[(indicator, park, period_year(period))].append(period)
        years = {}
        self.small = set()
        for key, periods in by_year.items():
            if self.indicators[key[0]]["enterprise_level"] and any(
                    self.cells[(key[0], key[1], t)][1] < self.n or self._dominated((key[0], key[1], t))
                    for t in texts[key]):
                self.small.add(key)
            if self.indicators[key[0]]["aggregation"] == "sum":
                years[key] = [sum(c[0] for _, c in periods), max(c[1] for _, c in periods)]
            else:
                _, latest = max(periods, key=lambda p: p[0])
                years[key] = [latest[0], latest[1]]
        return years

    def _dominated(self, cell):
        """Whether the n largest enterprises (by size, whatever the sign) of a cell hold more
        than k of the cell's size; a share of 1 or more never dominates."""
        if self.dominance_k >= 1:
            return False
        sizes = sorted(self.sizes.get(cell, []), reverse=True)
        return sum(sizes[:self.dominance_n]) > self.dominance_k * sum(sizes)

    def _suppress(self):
        """Confidential park-years of enterprise-level indicators, per indicator and year: the
        small ones, then more parks — fewest enterprises first, equal counts in the order the
        catalogue lists the parks (a value never decides which) — until the hidden parks are two
        or more, hold N or more enterprises between them, and the other hidden parks hold a
        tenth of each small one (its protection interval); the zone too when all parks
        together cannot get there."""
        position = {park: i for i, park in enumerate(self.parks)}
        withheld, zone_withheld = set(), set()
        groups = defaultdict(list)
        for (indicator, park, year), (_, entities) in self.years.items():
            if self.indicators[indicator]["enterprise_level"]:
                groups[(indicator, year)].append((entities, position[park], park))
        for (indicator, year), parks in groups.items():
            hidden = [p for p in parks if (indicator, p[2], year) in self.small]
            if not hidden:
                continue
            shown = sorted(p for p in parks if (indicator, p[2], year) not in self.small)

            def size(p):
                return abs(self.years[(indicator, p[2], year)][0])

            def unmet():
                # Two parks, N enterprises, and each small park covered by the other hidden
                # ones to a tenth of its size (the protection interval).
                total = sum(size(p) for p in hidden)
                bare = any(total - size(p) < Fraction(1, 10) * size(p) for p in hidden
                           if (indicator, p[2], year) in self.small)
                return len(hidden) < 2 or sum(p[0] for p in hidden) < self.n or bare
            while unmet() and shown:
                hidden.append(shown.pop(0))
            if unmet():
                zone_withheld.add((indicator, year))
            withheld.update((indicator, p[2], year) for p in hidden)
        return withheld, zone_withheld

    def _zone_years(self):
        zone = {}
        for (indicator, _, year), (value, _) in self.years.items():
            zone[(indicator, year)] = zone.get((indicator, year), Fraction(0)) + value
        return zone

    def indicator_years(self):
        """Rows (indicator, department, park, year, value, enterprises, withheld), parks and zone."""
        rows = []
        for (indicator, park, year), (value, entities) in sorted(self.years.items()):
            rows.append((indicator, self.indicators[indicator]["department"], park, year, value,
                         entities, (indicator, park, year) in self.withheld))
        for (indicator, year), value in sorted(self.zone.items()):
            rows.append((indicator, self.indicators[indicator]["department"], "zone", year, value,
                         None, (indicator, year) in self.zone_withheld))
        return rows

    def withheld_counts(self):
        """indicator -> park-year figures withheld."""
        counts = defaultdict(int)
        for indicator, _, _ in self.withheld:
            counts[indicator] += 1
        return dict(counts)

    # -- KPIs ----------------------------------------------------------------------------------

    def _figure(self, indicator, level, year):
        """(value or None without data, withheld) of one yearly input figure."""
        if level == "zone":
            return self.zone.get((indicator, year)), (indicator, year) in self.zone_withheld
        slot = self.years.get((indicator, level, year))
        return (slot[0] if slot else None), (indicator, level, year) in self.withheld

    def kpi_figures(self):
        """KpiFigure rows for every level and every year in which a numerator indicator has
        data at that level (from cumulative_from for a cumulative KPI)."""
        rows = []
        for kpi in self.catalogue["kpi"]:
            for level in self.parks + ["zone"]:
                rows += [self._kpi_figure(kpi, level, y) for y in self._kpi_years(kpi, level)]
        return rows

    def _kpi_years(self, kpi, level):
        first = kpi.get("cumulative_from")
        years = set()
        for (indicator, park, year) in self.years:
            if indicator in kpi["numerator"] and (level in ("zone", park)):
                years.add(year)
        return sorted(y for y in years if first is None or y >= first)

    def _sums(self, kpi, level, year):
        """(numerator, denominator or None when the KPI has none or no data, withheld): the
        exact sums of the KPI's inputs at `level` over its window ending in `year`."""
        window = range(kpi.get("cumulative_from", year), year + 1)
        withheld = False
        num = Fraction(0)
        for code in kpi["numerator"]:
            for y in window:
                value, hidden = self._figure(code, level, y)
                num += value or 0
                withheld |= hidden
        if "denominator" not in kpi:
            return num, None, withheld
        den, seen = Fraction(0), True
        for code in kpi["denominator"]:
            seen_code = False
            for y in window:
                value, hidden = self._figure(code, level, y)
                seen_code |= value is not None
                den += value or 0
                withheld |= hidden
            seen &= seen_code
        return num, (den if seen else None), withheld

    def _value(self, kpi, level, year):
        """(value or None, withheld) of the KPI at `level` in `year`."""
        num, den, withheld = self._sums(kpi, level, year)
        scale = Fraction(str(kpi.get("scale", 1)))
        if "denominator" in kpi:
            value = None if not den else scale * num / den
        else:
            value = scale * num
        return (None if withheld else value), withheld

    def level_target(self, kpi, level):
        """The target judging `level`, or None: the KPI's for the zone; a park's own
        [[kpi.park_target]]; the KPI's for every park when park_scope is every_park."""
        if level == "zone":
            return Fraction(str(kpi["target"]))
        for pt in kpi.get("park_target", []):
            if pt["park"] == level:
                return Fraction(str(pt["target"]))
        if kpi.get("park_scope", "zone") == "every_park":
            return Fraction(str(kpi["target"]))
        return None

    def level_baseline(self, kpi, level):
        """(baseline or None, source) at a level that has a target: the catalogue's (the
        KPI's for the zone, the park target's for a park), 0 for a cumulative KPI whose window
        opens after the baseline year, else the KPI's own figure in the baseline year at that
        level when it has one that is not withheld."""
        given = kpi if level == "zone" else next(
            (pt for pt in kpi.get("park_target", []) if pt["park"] == level), {})
        if "baseline" in given:
            return Fraction(str(given["baseline"])), "catalogue"
        if kpi.get("cumulative_from", kpi["baseline_year"]) > kpi["baseline_year"]:
            return Fraction(0), "cumulative"
        if kpi["baseline_year"] not in self._kpi_years(kpi, level):
            return None, ""
        value, _ = self._value(kpi, level, kpi["baseline_year"])
        return (value, "data") if value is not None else (None, "")

    @staticmethod
    def due_year(item):
        """到{target_year}年: that year's figure; {target_year}年之前: the year before's."""
        return item["target_year"] - (1 if item.get("deadline", "by") == "before" else 0)

    def _kpi_figure(self, kpi, level, year):
        value, withheld = self._value(kpi, level, year)
        target = self.level_target(kpi, level)
        figure = KpiFigure(kpi["code"], level, year, value, target,
                           kpi.get("strength", "binding"))
        if value is None:
            figure.status = "withheld" if withheld else "no_data"
            return figure
        if target is None:
            figure.status, figure.reason = "not_judged", "no_park_target"
            self._zone_share(kpi, level, year, figure)
            return figure
        figure.progress = self._progress(kpi, value, target)
        baseline, _ = self.level_baseline(kpi, level)
        if year <= kpi["baseline_year"]:
            figure.status, figure.reason = "not_judged", "baseline_period"
            return figure
        due = self.due_year(kpi)
        if baseline is None and year < due:
            figure.status, figure.reason = "not_judged", "no_baseline"
            return figure
        line = target if baseline is None else self._line(kpi, baseline, target, year)
        figure.status = self._status(kpi, value, line)
        figure.expected = float(line / target)
        return figure

    def _zone_share(self, kpi, level, year, figure):
        """A park not judged: its share of the zone's numerator, and for a KPI without
        denominator its value as a share of the zone's target."""
        park_num, _, _ = self._sums(kpi, level, year)
        zone_num, _, _ = self._sums(kpi, "zone", year)
        zone_num_hidden = any(self._figure(c, "zone", y)[1] for c in kpi["numerator"]
                              for y in range(kpi.get("cumulative_from", year), year + 1))
        if zone_num != 0 and not zone_num_hidden:
            figure.share_of_zone = float(park_num / zone_num)
        if "denominator" not in kpi:
            figure.contribution = float(figure.value / Fraction(str(kpi["target"])))

    def _line(self, kpi, baseline, target, year):
        """The straight line from (baseline_year, baseline) to (due_year, target) at `year`;
        the target itself from the due year on."""
        span = self.due_year(kpi) - kpi["baseline_year"]
        share = min(Fraction(1), max(Fraction(0), Fraction(year - kpi["baseline_year"], span)))
        return baseline + (target - baseline) * share

    def _status(self, kpi, value, line):
        tolerance = Fraction(str(self.catalogue.get("rules", {}).get("at_risk_tolerance", 0.1)))
        if kpi.get("direction", "up") == "down":
            if value <= line:
                return "on_track"
            return "at_risk" if value <= line * (1 + tolerance) else "off_track"
        if value >= line:
            return "on_track"
        return "at_risk" if value >= line * (1 - tolerance) else "off_track"

    @staticmethod
    def _progress(kpi, value, target):
        if kpi.get("direction", "up") == "down":
            return 1.0 if value <= 0 else float(target / value)
        return float(value / target)

    def targets(self):
        """Rows (kpi, level, target_year, target, baseline or None, baseline source) for every
        level that has a target: the zone, each park target, every park of an every_park KPI."""
        rows = []
        for kpi in self.catalogue["kpi"]:
            for level in ["zone"] + self.parks:
                target = self.level_target(kpi, level)
                if target is not None:
                    baseline, source = self.level_baseline(kpi, level)
                    rows.append((kpi["code"], level, kpi["target_year"], target, baseline, source))
        return rows

    # -- milestones ----------------------------------------------------------------------------

    def milestone_states(self, as_of):
        """Rows (milestone, park, due_year, state, achieved month or "", reference) at the
        evaluation time `as_of` (a date "YYYY-MM-DD" of the zone), catalogue order: the
        latest observation by period decides; achieved by the end of the due year or later;
        not achieved: pending until the due year is over, then overdue."""
        rows = []
        for m in self.catalogue.get("milestone", []):
            facts = sorted((p, f) for (code, p), f in self.milestone_facts.items()
                           if code == m["code"])
            due = self.due_year(m)
            achieved, month, reference = False, "", ""
            if facts:
                month, (achieved, reference) = facts[-1]
            if achieved:
                state = "achieved" if int(month[:4]) <= due else "achieved_late"
            else:
                month, reference = "", ""
                state = "pending" if int(as_of[:4]) <= due else "overdue"
            rows.append((m["code"], m.get("park", "zone"), due, state, month, reference))
        return rows

    # -- rules ---------------------------------------------------------------------------------

    def _entity_years(self, indicator):
        """(park, entity, year) -> the enterprise's yearly figure, its periods folded by the
        indicator's aggregation."""
        periods = defaultdict(list)
        for (ind, park, period, entity), v in self.figures.items():
            if ind == indicator and entity:
                periods[(park, entity, period_year(period))].append((period_rank(period), v))
        out = {}
        for key, values in periods.items():
            if self.indicators[indicator]["aggregation"] == "sum":
                out[key] = sum(v for _, v in values)
            else:
                out[key] = max(values, key=lambda p: p[0])[1]
        return out

    def rule_violations(self):
        """Rows (rule, park, year, violations) for every park-year where the rule's indicator
        has data and neither it nor the rule's bound is withheld: a count tells something of
        the figures it checked, so it is published only where they are; the withheld
        park-years of a year are summed under the park "withheld"."""
        rows = []
        for rule in self.catalogue.get("rule", []):
            indicator = rule["indicator"]
            factor = Fraction(str(rule.get("factor", 1)))
            counts = {(p, y): 0 for (i, p, y) in self.years if i == indicator}
            if rule["kind"] == "park_not_above":
                for (park, year) in counts:
                    bound = self.years.get((rule["bound"], park, year), [Fraction(0)])[0]
                    counts[(park, year)] = int(self.years[(indicator, park, year)][0] > factor * bound)
            elif rule["kind"] == "entity_total_max":
                for (park, year), n in self._first_years_over(rule).items():
                    counts[(park, year)] += n
            else:
                bounds = self._entity_years(rule["bound"]) if rule["kind"] == "entity_not_above" else {}
                for (park, entity, year), v in self._entity_years(indicator).items():
                    if rule["kind"] == "entity_max":
                        limit = Fraction(str(rule["limit"]))
                    else:
                        limit = factor * bounds.get((park, entity, year), Fraction(0))
                    counts[(park, year)] += int(v > limit)
            hidden = {(p, y) for (i, p, y) in self.withheld if i in (indicator, rule.get("bound"))}
            rows += [(rule["code"], p, y, n) for (p, y), n in sorted(counts.items())
                     if (p, y) not in hidden]
            pooled = {}  # the hidden park-years of a year, together under park "withheld"
            for (p, y), n in counts.items():
                if (p, y) in hidden:
                    pooled[y] = pooled.get(y, 0) + n
            rows += [(rule["code"], "withheld", y, n) for y, n in sorted(pooled.items())]
        return rows

    def _first_years_over(self, rule):
        """(park, year) -> enterprises whose running total of the indicator from from_year
        first exceeds the limit in that year (to_year at the latest): one violation each."""
        limit = Fraction(str(rule["limit"]))
        per_entity = defaultdict(list)
        for (park, entity, year), v in self._entity_years(rule["indicator"]).items():
            if rule["from_year"] <= year <= rule["to_year"]:
                per_entity[entity].append((year, park, v))
        out = defaultdict(int)
        for entity, years in per_entity.items():
            total = Fraction(0)
            for year, park, v in sorted(years):
                total += v
                if total > limit:
                    out[(park, year)] += 1
                    break
        return out

    # -- kpihub export --statistics ------------------------------------------------------------

    def statistics_cells(self):
        """Rows (indicator, department, unit, park, period, value, enterprises, withheld) of the
        per-period export: every period of a confidential park-year is hidden, and no other
        (docs/operations.md), so the periods shown always add up to a year that is shown."""
        rows = []
        for (indicator, park, period), (value, entities) in sorted(self.cells.items()):
            ind = self.indicators[indicator]
            rows.append((indicator, ind["department"], ind["unit"], park, period, value, entities,
                         (indicator, park, period_year(period)) in self.withheld))
        return rows


def decimal_text(value):
    """Exact decimal text of a fraction whose denominator divides a power of ten."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    places = 0
    while (value * 10 ** places).denominator != 1:
        places += 1
        if places > 18:
            raise ValueError("not a decimal: %s" % value)
    digits = str((value * 10 ** places).numerator).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return sign + digits[:-places] + "." + digits[-places:]
