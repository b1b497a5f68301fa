"""The invented zone behind the sample data: enterprises, their figures 2017-2020, and the
rows each department would hold, as canonical observations [indicator, park, entity, period,
value, note]. Deterministic from the seed. Python 3.11 standard library only.

The zone's parameters live in zone_parameters.py, the daemon's validation rules in
daemon_rules.py; their public names are imported here too, so that this module remains the
one make_samples.py reads the model through."""

import math
import random

from zone_parameters import (  # noqa: F401
    YEARS, BASELINE_YEAR, DATA_YEARS, DEPARTMENTS, HEADER, MIN_CELL_ENTITIES, ABOVE_SCALE_YUAN, SUBSIDY_CAP_YUAN,
    PARK_WEIGHTS, PARKS, SMALL_PARK, MIN_PER_PARK, ANCHORS_PER_PARK, INDUSTRIAL_SHARE,
    HITECH_SHARE, GDP_SHARE, INDUSTRIAL_OUTPUT, HITECH_SEI_SHARE, ZONE_GDP, RD_INTENSITY,
    HIGHTECH_SHARE, RD_CENTER_COVERAGE, RD_INSTITUTIONS_PROV_MUNI, RD_INSTITUTIONS_NATIONAL,
    HIGH_LEVEL_TEAMS, LEADING_TALENTS, ACCELERATOR_AREA, NEW_INCUBATION_AREA,
    NATIONAL_STARTUP_ORGS, FISCAL_EXPENDITURE, SCIENCE_SPENDING_SHARE, SPECIAL_SUPPORT_FUND,
    TALENT_FUND, RD_UNIVERSITIES, RD_INSTITUTES, MILESTONES,
    MONTH_WEIGHTS, COVID_2020, SPENDING_WEIGHTS, GDP_QUARTERS, RD_QUARTERS, USCC_ALPHABET,
    USCC_WEIGHTS, ORG_WEIGHTS, ADMIN_DIVISIONS, org_code_check, uscc_check, is_valid_uscc,
    make_uscc, wrong_check, allocate, month, quarter, fmt, Enterprise)
from daemon_rules import (  # noqa: F401
    period_key, load_catalogue, expected_reason, fmt_kpi)


class Sample:
    """Builds the zone and the four departments' rows."""

    def __init__(self, seed, n_enterprises):
        self.rng = random.Random(seed)
        self.n = n_enterprises
        self.rows = {d: [] for d in DEPARTMENTS}
        self.enterprises = []
        self.facts = {}  # things the README tells about

    # -- enterprises -----------------------------------------------------------------------

    def build_enterprises(self):
        rng = self.rng
        per_park = allocate(self.n, PARK_WEIGHTS, MIN_PER_PARK)
        taken = set()
        for park in PARKS:
            for i in range(per_park[park]):
                anchor = i < ANCHORS_PER_PARK
                if anchor:
                    founded = rng.randint(1996, 2014)
                elif rng.random() < (0.5 if park == "startup_center" else 0.75):
                    founded = rng.randint(2000, 2016)
                else:
                    founded = rng.choice(YEARS)
                e = Enterprise(make_uscc(rng, founded, taken), park, founded, anchor)
                if founded >= 2017:
                    e.founded_month = rng.randint(1, 12)
                self.shape(e, i)
                self.enterprises.append(e)
        self.close_some()

    def shape(self, e, index_in_park):
        """Industrial or not, size, growth, high-tech products, margins."""
        rng = self.rng
        if e.park == SMALL_PARK:
            e.industrial = index_in_park in (1, 2)  # agricultural machinery, bio-fertiliser
        else:
            e.industrial = e.anchor or rng.random() < INDUSTRIAL_SHARE[e.park]
        e.hitech = e.industrial and (
            e.anchor or e.park == SMALL_PARK or rng.random() < HITECH_SHARE[e.park])
        e.hitech_share = rng.uniform(0.5, 1.0)
        e.size = min(3e9, max(4e6, rng.lognormvariate(math.log(9.5e7), 1.3)))
        if e.anchor:
            e.size = max(e.size, 8e7)
        if e.founded >= 2017:
            e.size *= 0.35  # young enterprises start small
        e.growth = min(0.5, max(-0.15, rng.gauss(0.13, 0.10)))
        e.revenue = min(2e9, rng.lognormvariate(math.log(3e7), 1.0))
        e.margin = rng.uniform(-0.02, 0.12)
        e.rd_ratio = min(0.06, rng.lognormvariate(math.log(0.011), 0.5))
        if e.park == "auto_parts" and index_in_park < 2:
            # The anchors of §7: an engine maker and an axle maker.
            e.size = [6.5e9, 4.2e9][index_in_park]
            e.hitech_share = [0.40, 0.32][index_in_park]
            e.growth = [0.12, 0.10][index_in_park]
        if e.park == "smart_mfg" and index_in_park == 0:
            e.size = 2.4e9
        if e.park == SMALL_PARK and e.industrial:
            e.size = [2.2e8, 1.3e8][index_in_park - 1]  # agricultural machinery, bio-fertiliser

    def close_some(self):
        """About 3 % of small, young-ish enterprises are deregistered in 2018-2020."""
        rng = self.rng
        candidates = [e for e in self.enterprises
                      if not e.anchor and e.park != SMALL_PARK and e.founded <= 2017
                      and e.size < 3e7]
        rng.shuffle(candidates)
        for e in candidates[:max(1, self.n * 3 // 100)]:
            e.closed = rng.choice([2018, 2019, 2020])

    # -- industrial output -----------------------------------------------------------------

    def build_output(self):
        rng = self.rng
        weights = [w / sum(MONTH_WEIGHTS) for w in MONTH_WEIGHTS]
        for year in DATA_YEARS:
            raw = {}
            for e in self.enterprises:
                if not (e.industrial and e.active(year)):
                    continue
                years_running = max(0, year - max(e.founded, 2017))
                annual = e.size * (1 + e.growth) ** years_running
                if year == 2020:
                    annual *= 0.97
                for m in range(e.first_month(year), 13):
                    w = weights[m - 1] * (COVID_2020.get(m, 1.0) if year == 2020 else 1.0)
                    raw[(e, m)] = annual * w * rng.gauss(1.0, 0.05)
            scale = INDUSTRIAL_OUTPUT[year] / sum(raw.values())
            for (e, m), v in raw.items():
                e.output[(year, m)] = int(round(v * scale))
        self.build_hitech_output()

    def build_hitech_output(self):
        for year in DATA_YEARS:
            makers = [e for e in self.enterprises if e.hitech and e.active(year)]
            total = sum(e.annual_output(year) for e in self.enterprises)
            wanted = HITECH_SEI_SHARE[year] * total
            factor = self.solve_share_factor(makers, year, wanted)
            for e in makers:
                share = min(1.0, factor * e.hitech_share)
                for (y, m), v in e.output.items():
                    if y == year:
                        e.hitech_output[(y, m)] = int(math.floor(v * share))

    @staticmethod
    def solve_share_factor(makers, year, wanted):
        """f with sum(min(1, f * share) * output) == wanted (bisection)."""
        outputs = [(e.hitech_share, e.annual_output(year)) for e in makers]
        if sum(o for _, o in outputs) < wanted:
            raise SystemExit("too few high-tech makers to reach the share; change --seed")
        lo, hi = 0.0, 100.0
        for _ in range(100):
            mid = (lo + hi) / 2
            if sum(min(1.0, mid * s) * o for s, o in outputs) < wanted:
                lo = mid
            else:
                hi = mid
        return hi

    # -- flags: above scale, R&D institutions, certification ---------------------------------

    def above_scale(self, e, year):
        return e.industrial and e.active(year) and e.annual_output(year) >= ABOVE_SCALE_YUAN

    def build_institutions(self):
        """Above-scale enterprises with an R&D institution: a growing set (an institution,
        once built, stays) covering RD_CENTER_COVERAGE of the above-scale ones."""
        rng = self.rng
        for year in DATA_YEARS:
            above = [e for e in self.enterprises if self.above_scale(e, year)]
            wanted = int(round(RD_CENTER_COVERAGE[year] * len(above)))
            have = [e for e in above if e.institution_from is not None]
            without = [e for e in above if e.institution_from is None]
            # Bigger enterprises build one first; a little randomness in the order.
            without.sort(key=lambda e: -e.annual_output(year) * rng.uniform(0.3, 1.0))
            for e in without[:max(0, wanted - len(have))]:
                e.institution_from = year
        for e in self.enterprises:
            e.rd_active = (e.anchor or e.institution_from is not None
                           or (e.park == SMALL_PARK and self.rng.random() < 0.8)
                           or self.rng.random() < 0.35)

    def build_certification(self):
        """Certified high-tech enterprises: a growing set, HIGHTECH_SHARE of the registered.
        Most anchors of the parks hold a certificate from the start."""
        rng = self.rng
        for e in self.enterprises:
            if e.anchor and rng.random() < 0.7:  # most anchors hold one from the start
                e.certified_from = DATA_YEARS[0]
        for year in DATA_YEARS:
            registered = [e for e in self.enterprises if e.active(year)]
            wanted = int(round(HIGHTECH_SHARE[year] * len(registered)))
            have = [e for e in registered if e.certified_from is not None]
            pool = [e for e in registered if e.certified_from is None and e.closed is None]
            pool.sort(key=lambda e: -(e.rd_active * 2 + e.hitech + rng.random() * 1.5))
            for e in pool[:max(0, wanted - len(have))]:
                e.certified_from = year

    def certified(self, e, year):
        return e.certified_from is not None and e.certified_from <= year and e.active(year)

    def has_institution(self, e, year):
        return e.institution_from is not None and e.institution_from <= year

    # -- rows ------------------------------------------------------------------------------

    def add(self, department, indicator, park, entity, period, value, note=""):
        self.rows[department].append([indicator, park, entity, period, value, note])

    def scitech_enterprise_rows(self):
        for e in self.enterprises:
            for (y, m), v in sorted(e.output.items()):
                self.add("scitech", "industrial_output", e.park, e.uscc, month(y, m), fmt(v))
            for (y, m), v in sorted(e.hitech_output.items()):
                self.add("scitech", "hitech_sei_output", e.park, e.uscc, month(y, m), fmt(v))
            for year in DATA_YEARS:
                if not e.active(year):
                    continue
                self.add("scitech", "hightech_certified", e.park, e.uscc, str(year),
                         "1" if self.certified(e, year) else "0")
                if self.above_scale(e, year):
                    self.add("scitech", "above_scale_with_rd_institution", e.park, e.uscc,
                             str(year), "1" if self.has_institution(e, year) else "0")
        self.rd_expenditure_rows()

    def rd_weight(self, e, year):
        if e.industrial:
            return e.annual_output(year) * e.rd_ratio
        return e.revenue * e.rd_ratio * 4  # software, testing, agri research: R&D heavy

    def rd_expenditure_rows(self):
        rng = self.rng
        self.rd_by_enterprise_year = {}
        for year in DATA_YEARS:
            # Society-wide R&D (§3) less what universities and research institutes spend.
            wanted = RD_INTENSITY[year] * ZONE_GDP[year] - sum(
                path[year] for path in list(RD_UNIVERSITIES.values()) + list(RD_INSTITUTES.values()))
            spenders = [e for e in self.enterprises if e.rd_active and e.active(year)]
            raw = {}
            for e in spenders:
                first_q = (e.first_month(year) - 1) // 3 + 1
                for q in range(first_q, 5):
                    raw[(e, q)] = self.rd_weight(e, year) * RD_QUARTERS[q - 1] * rng.gauss(1, 0.06)
            scale = wanted / sum(raw.values())
            for (e, q), v in raw.items():
                v = int(round(v * scale))
                key = (e, year)
                self.rd_by_enterprise_year[key] = self.rd_by_enterprise_year.get(key, 0) + v
                self.add("scitech", "rd_expenditure", e.park, e.uscc, quarter(year, q), fmt(v))

    def scitech_park_rows(self):
        rng = self.rng
        stock_weights = {"core": 22, "auto_parts": 16, "smart_mfg": 18, "startup_center": 7,
                         "hpu_park": 12, "zgc_base": 9, "tengyun": 4, "inspection": 6,
                         "hq_economy": 2, "culture_tourism": 1, "agri_tech": 3}
        self.park_stock("rd_institutions_prov_muni", RD_INSTITUTIONS_PROV_MUNI, stock_weights)
        national = {"core": 5, "auto_parts": 4, "smart_mfg": 4, "hpu_park": 3, "zgc_base": 2,
                    "inspection": 3, "agri_tech": 1}
        self.park_stock("rd_institutions_national", RD_INSTITUTIONS_NATIONAL,
                        {p: national.get(p, 0) for p in PARKS})
        startup = {"startup_center": 3, "hpu_park": 2, "zgc_base": 1, "core": 1}
        self.park_stock("national_startup_orgs", NATIONAL_STARTUP_ORGS,
                        {p: startup.get(p, 0) for p in PARKS})
        accel = {"core": 3, "smart_mfg": 3, "auto_parts": 2, "startup_center": 2, "zgc_base": 2}
        self.park_stock("accelerator_area", ACCELERATOR_AREA, accel, area=True)
        for name, totals, weights in [
                ("high_level_teams", HIGH_LEVEL_TEAMS,
                 {"core": 3, "smart_mfg": 3, "hpu_park": 2, "zgc_base": 2, "auto_parts": 1}),
                ("leading_talents", LEADING_TALENTS,
                 {p: w + 1 for p, w in stock_weights.items()})]:
            for year in DATA_YEARS:
                noisy = {p: w * rng.uniform(0.5, 1.5) for p, w in weights.items()}
                for park, v in allocate(totals[year], noisy).items():
                    self.add("scitech", name, park, "", str(year), fmt(v))
        incubation = {"startup_center": 4, "hpu_park": 3, "zgc_base": 2, "tengyun": 1, "core": 2}
        for year in DATA_YEARS:
            noisy = {p: w * rng.uniform(0.6, 1.4) for p, w in incubation.items()}
            for park, v in allocate(NEW_INCUBATION_AREA[year] * 100, noisy).items():
                self.add("scitech", "new_incubation_area", park, "", str(year), fmt(v / 100.0, 2))
        self.society_rd_rows()
        self.milestone_rows()

    def society_rd_rows(self):
        """§3 society-wide R&D beside the enterprises': the university's (hpu_park) and the
        research institutes' (a few parks), park-level yearly figures in yuan."""
        for indicator, paths in (("rd_expenditure_universities", RD_UNIVERSITIES),
                                 ("rd_expenditure_institutes", RD_INSTITUTES)):
            for park, path in paths.items():
                for year in DATA_YEARS:
                    v = path[year] * self.rng.uniform(0.97, 1.03)
                    self.add("scitech", indicator, park, "", str(year), fmt(v, 2))

    def milestone_rows(self):
        """Approval documents of the milestones achieved: the month, 1, the reference."""
        for code, park, period, value, reference in MILESTONES:
            self.add("scitech", code, park, "", period, value, reference)
        self.facts["milestones"] = len(MILESTONES)

    def park_stock(self, indicator, totals, weights, area=False):
        """A stock that never falls in a park: each year's increase shared out, cumulated."""
        level = {p: 0 for p in weights}
        previous = 0
        unit = 100 if area else 1  # areas to the hundredth of a square metre
        for year in DATA_YEARS:
            noisy = {p: w * self.rng.uniform(0.5, 1.5) for p, w in weights.items() if w > 0}
            added = allocate((totals[year] - previous) * unit, noisy)
            previous = totals[year]
            for park in PARKS:
                if park not in weights or (area and weights[park] == 0):
                    continue
                level[park] += added.get(park, 0)
                value = fmt(level[park] / unit, 2) if area else fmt(level[park])
                self.add("scitech", indicator, park, "", str(year), value)

    def tax_rows(self):
        rng = self.rng
        for e in self.enterprises:
            for year in DATA_YEARS:
                if e.founded > year or (e.closed is not None and year > e.closed):
                    continue
                self.add("tax", "enterprise_registered", e.park, e.uscc, str(year),
                         "0" if e.closed == year else "1")
                if not e.active(year):
                    continue
                if e.industrial:
                    self.add("tax", "above_scale_industrial", e.park, e.uscc, str(year),
                             "1" if self.above_scale(e, year) else "0")
                rd = self.rd_by_enterprise_year.get((e, year))
                if rd and rng.random() < 0.85:  # most, not all, claim the super-deduction
                    rate = 0.75 if year >= 2018 or e.revenue < 2e8 else 0.5
                    self.add("tax", "rd_super_deduction", e.park, e.uscc, str(year),
                             fmt(rd * rng.uniform(0.7, 0.95) * rate))
                if self.certified(e, year):
                    revenue = e.annual_output(year) if e.industrial else e.revenue
                    profit = max(0.0, revenue * (e.margin + rng.gauss(0, 0.01)))
                    self.add("tax", "hightech_tax_relief", e.park, e.uscc, str(year),
                             fmt(profit * 0.10))  # 15 % instead of 25 % income tax

    def finance_rows(self):
        rng = self.rng
        for year in DATA_YEARS:
            parks = allocate(int(ZONE_GDP[year]),
                             {p: s * rng.uniform(0.95, 1.05) for p, s in GDP_SHARE.items()})
            for q in range(1, 5):
                for park in PARKS:
                    v = parks[park] * GDP_QUARTERS[year][q - 1] * rng.gauss(1.0, 0.01)
                    self.add("finance", "gdp", park, "", quarter(year, q), fmt(v))
        self.budget_rows()
        for year in YEARS:
            weights = {p: GDP_SHARE[p] + 0.03 for p in PARKS}
            for park, v in allocate(int(SPECIAL_SUPPORT_FUND[year]) // 10000,
                                    weights).items():
                self.add("finance", "special_support_fund", park, "", str(year), fmt(v * 10000))
            for park in ["core", "auto_parts", "smart_mfg", "inspection"]:
                v = rng.uniform(1.5e6, 8.5e6)
                self.add("finance", "interest_subsidy", park, "", str(year), fmt(v, 0))
            # §8 talent fund: the committee's (core), and the university park's own share.
            for park, share in (("core", 0.8), ("hpu_park", 0.2)):
                self.add("finance", "talent_fund", park, "", str(year),
                         fmt(TALENT_FUND[year] * share * rng.uniform(0.95, 1.05), 2))
        self.subsidy_rows()

    def budget_rows(self):
        """The zone's budget is the administrative committee's: booked under the core park."""
        rng = self.rng
        weights = [w / sum(SPENDING_WEIGHTS) for w in SPENDING_WEIGHTS]
        for year in YEARS:
            for m in range(1, 13):
                fiscal = FISCAL_EXPENDITURE[year] * weights[m - 1] * rng.gauss(1, 0.04)
                science = fiscal * SCIENCE_SPENDING_SHARE[year] * rng.gauss(1, 0.15)
                self.add("finance", "fiscal_expenditure", "core", "", month(year, m), fmt(fiscal))
                self.add("finance", "science_tech_spending", "core", "", month(year, m),
                         fmt(science))

    def subsidy_rows(self):
        """§10 one-time start-up subsidies (at most 100,000 yuan per enterprise over 2017-2020)
        to small tech enterprises founded by researchers: one payment above the cap, one
        enterprise above it only with a second payment in a later year (each under the cap),
        one whose two payments reach the cap exactly (not above it)."""
        rng = self.rng
        plan = {"startup_center": [3, 4, 4, 3], "hpu_park": [0, 3, 3, 3], "zgc_base": [1, 0, 2, 1]}
        given = set()
        payments = []
        for park, counts in plan.items():
            for year, count in zip(YEARS, counts):
                pool = [e for e in self.enterprises if e.park == park and e.active(year)
                        and not e.anchor and e not in given and e.closed is None
                        and (not e.industrial or e.size < 5e7)]
                pool.sort(key=lambda e: (-e.founded, e.uscc))  # the youngest first
                for e in pool[:count]:  # fewer when a small --enterprises leaves too few
                    given.add(e)
                    payments.append((e, year, rng.choice([30000, 50000, 50000, 80000, 100000])))
        over = len(payments) // 2
        if payments:
            e, year, _ = payments[over]
            payments[over] = (e, year, 150000)
            self.facts["subsidy_over_cap"] = (e.park, year, 150000)
        # Second payments two years after the first: (first, second) amounts.
        early = [i for i, (_, year, _) in enumerate(payments) if year <= YEARS[1] and i != over]
        for i, (first, second) in zip(early, [(60000, 50000), (50000, 50000)]):
            e, year, _ = payments[i]
            payments[i] = (e, year, first)
            payments.append((e, year + 2, second))
            if first + second > SUBSIDY_CAP_YUAN:
                self.facts["subsidy_over_cap_cumulative"] = (e.park, year + 2, first + second)
        self.facts["subsidies"] = len(payments)
        for e, year, amount in payments:
            self.add("finance", "startup_subsidy", e.park, e.uscc, str(year), fmt(amount))

    def environment_rows(self):
        rng = self.rng
        sewage = {"core": 1.6e5, "auto_parts": 2.4e5, "smart_mfg": 1.8e5, "startup_center": 2.5e4,
                  "hpu_park": 3.5e4, "zgc_base": 6e4, "tengyun": 3e4, "inspection": 4e4,
                  "hq_economy": 3.5e4, "culture_tourism": 4.5e4, "agri_tech": 5.5e4}
        treat = {2017: 0.86, 2018: 0.905, 2019: 0.94, 2020: 0.965}
        harmless = {2017: 0.93, 2018: 0.96, 2019: 0.985, 2020: 0.998}
        cases = {p: 0.4 + 2.4 * sewage[p] / 2.4e5 for p in PARKS}
        solar = {p: 0.0 for p in PARKS}
        green = {p: 0.0 for p in PARKS}
        solar_share = allocate(100, {p: sewage[p] for p in PARKS})
        for year_index, year in enumerate(YEARS):
            for m in range(1, 13):
                t = year_index * 12 + m  # months since 2016-12
                for park in PARKS:
                    season = 1.0 + 0.12 * math.sin((m - 4) / 12 * 2 * math.pi)
                    produced = sewage[park] * (1.06 ** year_index) * season * rng.gauss(1, 0.04)
                    rate = min(1.0, treat[year] * rng.gauss(1, 0.015))
                    collected = sewage[park] / 120 * (1.04 ** year_index) * rng.gauss(1, 0.06)
                    hrate = min(1.0, harmless[year] * rng.gauss(1, 0.006))
                    lam = cases[park] * (1.5 if year >= 2018 else 1.0)
                    solar[park] = max(solar[park], solar_share[park] * (60 + 8.6 * t) *
                                      rng.uniform(0.97, 1.0))
                    if rng.random() < 0.12 or t == 1:
                        green[park] += rng.uniform(2e3, 1.0e4) * (1 + year_index * 0.4)
                    self.add("environment", "sewage_produced", park, "", month(year, m),
                             fmt(produced, 1))
                    self.add("environment", "sewage_treated", park, "", month(year, m),
                             fmt(produced * rate, 1))
                    self.add("environment", "waste_collected", park, "", month(year, m),
                             fmt(collected, 1))
                    self.add("environment", "waste_harmless", park, "", month(year, m),
                             fmt(collected * hrate, 1))
                    self.add("environment", "env_cases_handled", park, "", month(year, m),
                             str(poisson(rng, lam)))
                    self.add("environment", "solar_capacity", park, "", month(year, m),
                             fmt(solar[park], 2))
                    self.add("environment", "green_building_area", park, "", month(year, m),
                             fmt(green[park], 2))

    # -- revisions and deliberately bad rows -------------------------------------------------

    def find(self, department, indicator, park, period):
        """The first row of the department for (indicator, park, period)."""
        for row in self.rows[department]:
            if row[0] == indicator and row[1] == park and row[3] == period:
                return row
        raise SystemExit("no %s row for %s %s %s" % (department, indicator, park, period))

    def revise(self, department, indicator, park, period, factor, decimals=0):
        """A revision of an existing row: same key, value times `factor`, note "revision"."""
        row = self.find(department, indicator, park, period)
        new = fmt(float(row[4]) * factor, decimals)
        self.revisions.append((department, indicator, park, period, row[4], new))
        return [row[0], row[1], row[2], row[3], new, "revision"]

    def revisions_and_bad_rows(self):
        self.revisions = []
        revised = {
            "scitech": [
                self.revise("scitech", "industrial_output", "auto_parts", "2020-06", 1.037),
                self.revise("scitech", "rd_expenditure", "smart_mfg", "2020Q3", 0.96)],
            "tax": [self.revise("tax", "rd_super_deduction", "core", "2019", 1.08)],
            "finance": [self.revise("finance", "gdp", "core", "2020Q4", 1.012),
                        self.revise("finance", "fiscal_expenditure", "core", "2020-12", 1.02)],
            "environment": [
                self.revise("environment", "sewage_produced", "auto_parts", "2020-11", 1.03, 1),
                self.revise("environment", "waste_collected", "core", "2020-10", 1.05, 1)],
        }
        return revised


def poisson(rng, lam):
    """Knuth's method; lam is small."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
