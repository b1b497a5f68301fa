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


class Expected:
    """Everything the oracle compares, from the accepted rows in sending order."""

    def __init__(self, catalogue, accepted_rows, min_cell_entities):
        self.catalogue = catalogue
        self.n = min_cell_entities
        self.indicators = {i["code"]: i for i in catalogue["indicator"]}
        self.parks = [p["code"] for p in catalogue["park"]]
        # (indicator, park, period, entity) -> value; a later row with the same key replaces.
        self.figures = {}
        for row in accepted_rows:
            indicator, park, entity, period, value = row[:5]
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
        catalogue lists the parks (a value must never decide) — until the hidden parks are two
        or more and hold N or more enterprises between them; the zone too when all parks
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
            while (len(hidden) < 2 or sum(p[0] for p in hidden) < self.n) and shown:
                hidden.append(shown.pop(0))
            if len(hidden) < 2 or sum(p[0] for p in hidden) < self.n:
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
        """Rows (kpi, level, year, value or None, status, progress, expected) for every level
        and every year in which a numerator indicator has data at that level; status is
        on_track, at_risk, off_track, no_data or withheld."""
        data_years = defaultdict(set)
        for (indicator, park, year) in self.years:
            data_years[(indicator, park)].add(year)
            data_years[(indicator, "zone")].add(year)
        rows = []
        for kpi in self.catalogue["kpi"]:
            for level in self.parks + ["zone"]:
                years = set().union(*(data_years[(c, level)] for c in kpi["numerator"]))
                first = kpi.get("cumulative_from")
                for year in sorted(y for y in years if first is None or y >= first):
                    rows.append(self._kpi_figure(kpi, level, year))
        return rows

    def _kpi_figure(self, kpi, level, year):
        window = range(kpi.get("cumulative_from", year), year + 1)
        withheld = False
        num = Fraction(0)
        for code in kpi["numerator"]:
            for y in window:
                value, hidden = self._figure(code, level, y)
                num += value or 0
                withheld |= hidden
        den, den_missing = Fraction(0), False
        for code in kpi.get("denominator", []):
            seen = False
            for y in window:
                value, hidden = self._figure(code, level, y)
                seen |= value is not None
                den += value or 0
                withheld |= hidden
            den_missing |= not seen
        target = Fraction(str(kpi["target"]))
        expected_value = self._line(kpi, year)
        expected = float(expected_value / target)
        if "denominator" in kpi and (den_missing or den == 0):
            return (kpi["code"], level, year, None, "withheld" if withheld else "no_data",
                    None, expected)
        value = Fraction(str(kpi.get("scale", 1))) * (num / den if "denominator" in kpi else num)
        if withheld:
            return (kpi["code"], level, year, None, "withheld", None, expected)
        return (kpi["code"], level, year, value, self._status(kpi, value, expected_value),
                self._progress(kpi, value, target), expected)

    @staticmethod
    def _line(kpi, year):
        """The straight line from the baseline to the target, at `year`."""
        base = Fraction(str(kpi.get("baseline", 0)))
        span = kpi["target_year"] - kpi["baseline_year"]
        share = min(Fraction(1), max(Fraction(0), Fraction(year - kpi["baseline_year"], span)))
        return base + (Fraction(str(kpi["target"])) - base) * share

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
