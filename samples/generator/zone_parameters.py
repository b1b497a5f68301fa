"""The invented zone's parameters: its parks and their make-up, the zone-level paths 2017-2020
the generated figures are scaled to, unified social credit codes (GB 32100-2015), and the
record of one enterprise. zone_model.Sample builds the zone from these. Python 3.11 standard
library only."""

import math

YEARS = [2017, 2018, 2019, 2020]  # the policy's years
BASELINE_YEAR = 2016  # the KPIs' baseline year: their figures have it too
DATA_YEARS = [BASELINE_YEAR] + YEARS
DEPARTMENTS = ["tax", "finance", "scitech", "environment"]
HEADER = "indicator,park,entity,period,value,note"
MIN_CELL_ENTITIES = 3  # the daemon's default small-cell threshold
ABOVE_SCALE_YUAN = 20_000_000  # 规模以上工业企业: annual main business revenue >= 20 million yuan
SUBSIDY_CAP_YUAN = 100_000  # §10: one-time start-up subsidy of at most 10万元

# Park codes of config/catalogue.toml, with a weight for the number of enterprises in each.
PARK_WEIGHTS = {
    "core": 17, "auto_parts": 15, "smart_mfg": 14, "startup_center": 11, "hpu_park": 8,
    "zgc_base": 8, "tengyun": 7, "inspection": 6, "hq_economy": 5, "culture_tourism": 4,
    "agri_tech": 5,
}
PARKS = list(PARK_WEIGHTS)
SMALL_PARK = "agri_tech"  # only two enterprises report industrial output: a withheld cell
MIN_PER_PARK = 5
ANCHORS_PER_PARK = 3  # long-established industrial, high-tech, R&D-active enterprises

# Share of the other enterprises of a park that are industrial, and of those that make
# high-tech or strategic emerging products.
INDUSTRIAL_SHARE = {
    "core": 0.55, "auto_parts": 0.9, "smart_mfg": 0.85, "startup_center": 0.3, "hpu_park": 0.4,
    "zgc_base": 0.55, "tengyun": 0.15, "inspection": 0.3, "hq_economy": 0.2,
    "culture_tourism": 0.3, "agri_tech": 0.0,
}
HITECH_SHARE = {
    "core": 0.45, "auto_parts": 0.4, "smart_mfg": 0.6, "startup_center": 0.5, "hpu_park": 0.6,
    "zgc_base": 0.6, "tengyun": 0.5, "inspection": 0.4, "hq_economy": 0.3,
    "culture_tourism": 0.3, "agri_tech": 1.0,
}
# Park shares of the zone's GDP (services included, so not the same as industrial output).
GDP_SHARE = {
    "core": 0.26, "auto_parts": 0.20, "smart_mfg": 0.16, "startup_center": 0.035,
    "hpu_park": 0.04, "zgc_base": 0.06, "tengyun": 0.05, "inspection": 0.04, "hq_economy": 0.07,
    "culture_tourism": 0.04, "agri_tech": 0.045,
}

# Zone-level paths. KPI targets (2020; straight line from the zone's own 2016 figure, the
# baseline year): some are met, some are at risk (within 10 % below the line), some are off
# track. 2016 is the baseline year: only the figures the KPIs are made of have it.


def by_year(values, first=BASELINE_YEAR):
    """{year: value} for consecutive years from `first`."""
    return {first + i: v for i, v in enumerate(values)}


INDUSTRIAL_OUTPUT = by_year([3.70e10, 4.52e10, 5.31e10, 6.08e10, 7.02e10])  # 7.5e10: at risk
HITECH_SEI_SHARE = by_year([0.390, 0.405, 0.428, 0.451, 0.474])         # 50 %: at risk
ZONE_GDP = by_year([2.38e10, 2.62e10, 2.93e10, 3.24e10, 3.41e10])
RD_INTENSITY = by_year([0.0185, 0.0201, 0.0218, 0.0236, 0.0256])         # 2.5 %: on track
HIGHTECH_SHARE = by_year([0.158, 0.165, 0.172, 0.182, 0.192])            # 20 %: at risk
RD_CENTER_COVERAGE = by_year([0.66, 0.72, 0.78, 0.83, 0.88])             # 100 %: off track
RD_INSTITUTIONS_PROV_MUNI = by_year([45, 58, 72, 88, 104])               # 100: met
RD_INSTITUTIONS_NATIONAL = by_year([6, 8, 10, 12, 15])                   # 20: off track
HIGH_LEVEL_TEAMS = by_year([1, 2, 3, 3, 3])                              # 10 cumulative: met
LEADING_TALENTS = by_year([15, 19, 23, 26, 24])                          # 100 cumulative: at risk
ACCELERATOR_AREA = by_year([100_000, 180_000, 290_000, 400_000, 510_000])  # 500,000 m2
NEW_INCUBATION_AREA = by_year([60_000, 90_000, 115_000, 110_000, 105_000])  # 500,000 cumulative
NATIONAL_STARTUP_ORGS = by_year([1, 2, 3, 4, 5])                         # 5: met
FISCAL_EXPENDITURE = by_year([2.10e9, 2.35e9, 2.60e9, 2.75e9], YEARS[0])
SCIENCE_SPENDING_SHARE = by_year([0.045, 0.051, 0.056, 0.062], YEARS[0])
SPECIAL_SUPPORT_FUND = by_year([4.0e7, 5.0e7, 5.0e7, 6.0e7], YEARS[0])
TALENT_FUND = by_year([1.2e7, 1.5e7, 1.8e7, 2.0e7], YEARS[0])  # §8 人才工作专项资金
# §3 society-wide R&D: universities (hpu_park's university) and research institutes, yuan.
RD_UNIVERSITIES = {"hpu_park": by_year([3.1e7, 3.4e7, 3.9e7, 4.3e7, 4.6e7])}
RD_INSTITUTES = {"core": by_year([1.2e7, 1.4e7, 1.5e7, 1.7e7, 1.9e7]),
                 "zgc_base": by_year([0.6e7, 0.8e7, 0.9e7, 1.1e7, 1.2e7]),
                 "agri_tech": by_year([0.9e7, 1.0e7, 1.1e7, 1.1e7, 1.3e7])}

# Milestones (yes/no, §2 §3 §7 §9) the science and technology bureau reports: (code, park,
# month of the approval document, 1 achieved / 0 withdrawn, the document's reference). The
# others are not achieved.
MILESTONES = [
    ("provincial_incubator", "startup_center", "2018-05", "1", "豫科〔2018〕88号"),
    ("national_university_park", "hpu_park", "2019-11", "1", "国科发区〔2019〕315号"),
    ("national_innovation_base", "zone", "2020-10", "1", "国办发〔2020〕26号"),
]

# Industrial output by month: the Spring Festival dip, the year-end push.
MONTH_WEIGHTS = [0.060, 0.055, 0.085, 0.083, 0.085, 0.088, 0.082, 0.084, 0.088, 0.086, 0.092,
                 0.112]
COVID_2020 = {2: 0.45, 3: 0.80, 4: 0.95}  # 2020 months hit by the epidemic
# Budget spending by month: slow start, December settlement.
SPENDING_WEIGHTS = [0.055, 0.060, 0.080, 0.075, 0.078, 0.090, 0.075, 0.072, 0.088, 0.070,
                    0.080, 0.177]
GDP_QUARTERS = {2016: [0.21, 0.245, 0.25, 0.295], 2017: [0.21, 0.245, 0.25, 0.295], 2018: [0.21, 0.245, 0.25, 0.295],
                2019: [0.21, 0.245, 0.25, 0.295], 2020: [0.185, 0.25, 0.262, 0.303]}
RD_QUARTERS = [0.20, 0.24, 0.25, 0.31]

# Unified social credit code, GB 32100-2015.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
# 焦作市, 解放区, 中站区, 马村区, 山阳区: where the zone's enterprises are registered.
ADMIN_DIVISIONS = ["410800"] * 5 + ["410811"] * 3 + ["410802", "410803", "410804"]


def org_code_check(body8):
    """GB 11714 check character of an eight-character organisation code body."""
    total = 0
    for ch, w in zip(body8, ORG_WEIGHTS):
        total += (int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10) * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(first17):
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code):
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    if not code[2:8].isdigit():
        return False
    return org_code_check(code[8:16]) == code[16] and uscc_check(code[:17]) == code[17]


def make_uscc(rng, founded, taken):
    """A fresh valid code: legal-person enterprise ("91"), a Jiaozuo division, an org code.
    Enterprises registered since the 2015 reform carry the "MA" organisation code prefix."""
    while True:
        if founded >= 2016:
            tail = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(5))
            body = "MA4" + tail
        else:
            body = "%08d" % rng.randrange(10_000_000, 100_000_000)
        first16 = "91" + rng.choice(ADMIN_DIVISIONS) + body
        first17 = first16 + org_code_check(body)
        code = first17 + uscc_check(first17)
        if code not in taken:
            taken.add(code)
            return code


def wrong_check(code):
    """The same code with a wrong final check character."""
    i = USCC_ALPHABET.index(code[17])
    return code[:17] + USCC_ALPHABET[(i + 7) % 31]


def allocate(total, weights, minimum=0):
    """Integers summing to `total`, proportional to `weights` (largest remainder), each at
    least `minimum`."""
    keys = list(weights)
    base = {k: minimum for k in keys}
    rest = total - minimum * len(keys)
    wsum = float(sum(weights.values()))
    exact = {k: rest * weights[k] / wsum for k in keys}
    for k in keys:
        base[k] += int(math.floor(exact[k]))
    left = total - sum(base.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - math.floor(exact[k])), k))[:left]:
        base[k] += 1
    return base


def month(y, m):
    return "%04d-%02d" % (y, m)


def quarter(y, q):
    return "%04dQ%d" % (y, q)


def fmt(value, decimals=0):
    """Plain decimal text with at most `decimals` places and no trailing zeros."""
    if decimals == 0:
        return str(int(round(value)))
    text = "%.*f" % (decimals, value)
    return text.rstrip("0").rstrip(".") if "." in text else text


class Enterprise:
    def __init__(self, uscc, park, founded, anchor):
        self.uscc = uscc
        self.park = park
        self.founded = founded
        self.founded_month = 1
        self.closed = None  # year of deregistration (注销): only registered=0 that year
        self.anchor = anchor
        self.industrial = False
        self.size = 0.0  # industrial output in its first full year, before scaling
        self.growth = 0.0
        self.hitech = False
        self.hitech_share = 0.0
        self.revenue = 0.0  # non-industrial revenue, for profit and tax relief
        self.margin = 0.0
        self.rd_active = False
        self.rd_ratio = 0.0
        self.certified_from = None
        self.institution_from = None
        self.output = {}  # (year, month) -> yuan
        self.hitech_output = {}

    def active(self, year):
        return self.founded <= year and (self.closed is None or year < self.closed)

    def first_month(self, year):
        return self.founded_month if year == self.founded else 1

    def annual_output(self, year):
        return sum(v for (y, _), v in self.output.items() if y == year)
