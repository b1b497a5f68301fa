"""How each department's system exports its figures: the files, their columns (Chinese
headers), units, period notation, encoding, and a handful of deliberately bad rows with the
reason code kpihub-adapter (or the daemon) gives each. The profiles in config/profiles/ are the
other half of this contract: they map these columns back to catalogue indicators."""

from decimal import Decimal

# Short park names the tax bureau's system uses (the tax profile maps them back).
TAX_PARK_NAMES = {
    "core": "高新区核心区", "auto_parts": "汽车零部件园", "smart_mfg": "智能制造园",
    "startup_center": "创业服务中心", "hpu_park": "理工大学科技园", "zgc_base": "中关村基地",
    "tengyun": "腾云电商园", "inspection": "检验检测园", "hq_economy": "总部经济园",
    "culture_tourism": "文化旅游园", "agri_tech": "农业科技园",
}

YES_NO = {"1": "是", "0": "否"}
# The year of the rows the daemon must refuse as `future_period`: the last year a period may
# name (kpihub's periods run 1900..2999), so the rows stay in the future for as long as kpihub
# can name a future year at all, and the sample needs no new dates as time passes.
FUTURE_YEAR = "2999"
REGISTERED = {"1": "正常", "0": "注销"}


def scaled(value, power):
    """Exact decimal text of value / 10**power (yuan to 万元 is power 4)."""
    d = Decimal(value).scaleb(-power)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def year_cn(p):
    return p + "年度"


def quarter_cn(p):
    return "%s年第%s季度" % (p[:4], p[5])


def month_cn(p):
    return "%s年%d月" % (p[:4], int(p[5:]))


def plain(p):
    return p


# Each file: department, encoding, key columns, and (header, indicator, power, value map).
FILES = [
    dict(name="tax-enterprises-annual.csv", department="tax", encoding="gb18030",
         entity="统一社会信用代码", company="纳税人名称", park="主管园区", period="所属年度",
         note="备注", period_text=year_cn, park_names=TAX_PARK_NAMES,
         columns=[("登记状态", "enterprise_registered", 0, REGISTERED),
                  ("是否规模以上工业企业", "above_scale_industrial", 0, YES_NO),
                  ("研发费用加计扣除额（万元）", "rd_super_deduction", 4, None),
                  ("高新技术企业减免所得税额（万元）", "hightech_tax_relief", 4, None)]),
    dict(name="finance-gdp-quarterly.csv", department="finance", encoding="gb18030",
         park="园区", period="季度", period_text=quarter_cn,
         columns=[("地区生产总值（亿元）", "gdp", 8, None)]),
    dict(name="finance-budget-monthly.csv", department="finance", encoding="gb18030",
         park="预算单位", period="月份", period_text=month_cn,
         columns=[("一般公共预算支出（万元）", "fiscal_expenditure", 4, None),
                  ("其中：科学技术支出（万元）", "science_tech_spending", 4, None)]),
    dict(name="finance-park-annual.csv", department="finance", encoding="gb18030",
         park="园区", period="年度", period_text=plain,
         columns=[("高新区建设专项扶持资金（万元）", "special_support_fund", 4, None),
                  ("基础设施贷款贴息（万元）", "interest_subsidy", 4, None),
                  ("人才工作专项资金（万元）", "talent_fund", 4, None)]),
    dict(name="finance-startup-subsidies.csv", department="finance", encoding="gb18030",
         entity="统一社会信用代码", company="企业名称", park="园区", period="拨付年度",
         period_text=year_cn,
         columns=[("创业补助金额（元）", "startup_subsidy", 0, None)]),
    dict(name="scitech-enterprises-monthly.csv", department="scitech", encoding="utf-8",
         entity="统一社会信用代码", company="单位详细名称", park="所在园区", period="统计期",
         period_text=plain,
         columns=[("工业总产值（千元）", "industrial_output", 3, None),
                  ("高新技术产业及战略性新兴产业产值（千元）", "hitech_sei_output", 3, None)]),
    dict(name="scitech-enterprises-quarterly.csv", department="scitech", encoding="utf-8",
         entity="统一社会信用代码", company="单位详细名称", park="所在园区", period="统计期",
         period_text=quarter_cn,
         columns=[("研发经费内部支出（万元）", "rd_expenditure", 4, None)]),
    dict(name="scitech-enterprises-annual.csv", department="scitech", encoding="utf-8",
         entity="统一社会信用代码", company="单位详细名称", park="所在园区", period="年度",
         period_text=plain,
         columns=[("经认定的高新技术企业", "hightech_certified", 0, YES_NO),
                  ("规上工业企业建有研发机构", "above_scale_with_rd_institution", 0, YES_NO)]),
    dict(name="scitech-parks-annual.csv", department="scitech", encoding="utf-8",
         park="园区", period="年度", period_text=year_cn,
         columns=[("省、市级研发机构（家）", "rd_institutions_prov_muni", 0, None),
                  ("国家级研发机构（家）", "rd_institutions_national", 0, None),
                  ("引进高层次创新创业团队（支）", "high_level_teams", 0, None),
                  ("培养高新技术产业领军人才（人）", "leading_talents", 0, None),
                  ("科技企业加速器建筑面积（万平方米）", "accelerator_area", 4, None),
                  ("新增孵化面积（平方米）", "new_incubation_area", 0, None),
                  ("国家级创业服务机构（家）", "national_startup_orgs", 0, None),
                  ("高等院校研发经费（万元）", "rd_expenditure_universities", 4, None),
                  ("科研院所研发经费（万元）", "rd_expenditure_institutes", 4, None)]),
    dict(name="environment-monitoring.jsonl", department="environment", encoding="utf-8",
         json=True, park="park_name", period="month", period_text=plain,
         columns=[("sewage_produced_t", "sewage_produced", 0, None),
                  ("sewage_treated_t", "sewage_treated", 0, None),
                  ("waste_collected_t", "waste_collected", 0, None),
                  ("waste_harmless_t", "waste_harmless", 0, None),
                  ("violation_cases", "env_cases_handled", 0, None),
                  ("solar_capacity_kw", "solar_capacity", 0, None),
                  ("green_building_area_m2", "green_building_area", 0, None)]),
]


def bad_rows(spec, some_uscc, wrong_uscc):
    """Deliberately bad rows of one file: (cells by column, [(column, reason), ...]).
    `cells` gives key columns and at most a few indicator cells; the rest stay empty."""
    n = spec["name"]
    c = [h for h, _, _, _ in spec["columns"]]
    if n.startswith("tax"):
        park_core = spec.get("park_names", {}).get("core", "焦作高新区核心区")
        return tax_bad_rows(c, park_core, some_uscc, wrong_uscc)
    if n.startswith("finance"):
        return finance_bad_rows(n, c, wrong_uscc)
    if n.startswith("scitech"):
        return scitech_bad_rows(n, c, some_uscc, wrong_uscc)
    if n.startswith("environment"):
        return environment_bad_rows()
    return []


def tax_bad_rows(c, park_core, some_uscc, wrong_uscc):
    """The tax export's bad rows; `c` are its indicator columns."""
    base = {"统一社会信用代码": some_uscc, "纳税人名称": "焦作示例有限公司", "主管园区": park_core,
            "所属年度": "2020年度"}
    return [
        (dict(base, 统一社会信用代码=wrong_uscc, 登记状态="正常"),
         [("统一社会信用代码", "malformed_entity")]),
        (dict(base, 主管园区="温县产业集聚区", 登记状态="正常"), [("主管园区", "unknown_park_name")]),
        (dict(base, **{c[2]: "12.3.4"}), [(c[2], "unparseable_number")]),
        # Figures the daemon refuses use a year without real rows: in one file a second
        # figure for the same key would be a duplicate (refused in both rows).
        (dict(base, 所属年度="2015年度", **{c[2]: "12.3456789"}), [(c[2], "too_precise")]),
        (dict(base, 所属年度=FUTURE_YEAR + "年度", 登记状态="正常"), [(c[0], "future_period")]),
        ("SHORT", [(h, "missing_column") for h in c]),
    ]


def finance_bad_rows(n, c, wrong_uscc):
    """The bad rows of the finance export named `n`; `c` are its indicator columns."""
    if n == "finance-gdp-quarterly.csv":
        return [({"园区": "温县产业集聚区", "季度": "2020年第4季度", c[0]: "3.5"},
                 [("园区", "unknown_park_name")]),
                ({"园区": "焦作高新区核心区", "季度": "2020年第5季度", c[0]: "3.5"},
                 [("季度", "malformed_period")])]
    if n == "finance-budget-monthly.csv":
        return [({"预算单位": "焦作高新区核心区", "月份": "2020年7月", c[0]: "N/A"},
                 [(c[0], "unparseable_number")]),
                ({"预算单位": "焦作高新区核心区", "月份": "2020年13月", c[0]: "100"},
                 [("月份", "malformed_period")])]
    if n == "finance-park-annual.csv":
        return [({"园区": "焦作高新区核心区", "年度": "2015", c[0]: "-500"}, [(c[0], "out_of_bounds")])]
    if n == "finance-startup-subsidies.csv":
        return [({"统一社会信用代码": wrong_uscc, "企业名称": "焦作示例科技有限公司",
                  "园区": "焦作高新技术创业服务中心", "拨付年度": "2020年度", c[0]: "50000"},
                 [("统一社会信用代码", "malformed_entity")])]
    return []


def scitech_bad_rows(n, c, some_uscc, wrong_uscc):
    """The bad rows of the science and technology export named `n`."""
    if n == "scitech-enterprises-monthly.csv":
        base = {"统一社会信用代码": some_uscc, "单位详细名称": "焦作示例装备有限公司",
                "所在园区": "汽车零部件产业园"}
        return [(dict(base, 统计期="2020-03", **{c[0]: "nan"}), [(c[0], "unparseable_number")]),
                (dict(base, 统计期="2020", **{c[0]: "1000"}), [(c[0], "period_type_not_allowed")]),
                (dict(base, 所在园区="高新区东区", 统计期="2020-04", **{c[0]: "1000"}),
                 [("所在园区", "unknown_park_name")])]
    if n == "scitech-enterprises-quarterly.csv":
        return [({"统一社会信用代码": wrong_uscc, "单位详细名称": "焦作示例电子有限公司",
                  "所在园区": "智能制造产业园", "统计期": "2020年第2季度", c[0]: "25"},
                 [("统一社会信用代码", "malformed_entity")])]
    if n == "scitech-enterprises-annual.csv":
        return [({"统一社会信用代码": some_uscc, "单位详细名称": "焦作示例材料有限公司",
                  "所在园区": "中关村焦作成果产业化基地", "年度": "2019", c[0]: "是否"},
                 [(c[0], "unparseable_number")])]
    if n == "scitech-parks-annual.csv":
        return [({"园区": "河南理工大学科技园", "年度": FUTURE_YEAR + "年度", c[2]: "1"}, [(c[2], "future_period")]),
                ({"园区": "焦作高新区核心区", "年度": "2015年度", c[4]: "0.12345678"},
                 [(c[4], "too_precise")])]
    return []


def environment_bad_rows():
    """The environment monitoring feed's bad records."""
    base = {"park_name": "国家检验检测科技产业园", "month": "2020-08"}
    return [
        ("BROKEN_JSON", [("", "malformed_record")]),
        (dict(base, park_name="焦作市温县园区", sewage_produced_t="100"), [("park_name", "unknown_park_name")]),
        (dict(base, month="2015-08", sewage_treated_t="41234.567"), [("sewage_treated_t", "too_precise")]),
        (dict(base, waste_collected_t="abc"), [("waste_collected_t", "unparseable_number")]),
        (dict(base, month=FUTURE_YEAR + "-01", solar_capacity_kw="9000"), [("solar_capacity_kw", "future_period")]),
    ]


# The milestone register (国家级、省级平台批复) is sent by the science and technology bureau
# with `kpihub push` in the canonical observation CSV: kpihub-adapter profiles map indicator
# columns only, and a milestone is no indicator.
MILESTONE_REGISTER = "push-scitech-milestones.csv"
CANONICAL_HEADER = "indicator,park,entity,period,value,note"


def milestone_register(rows):
    """The register's lines (header first) from the canonical milestone rows, with two bad
    rows mixed in; and [(row, reason)] of what the daemon refuses (the header is row 1)."""
    bad = [(["national_incubator", "startup_center", "", "2019-03", "1", ""], "reference_required"),
           (["national_integration_zone", "zone", "", "2019", "1", "豫政〔2019〕7号"],
            "period_type_not_allowed")]
    lines, rejects = [CANONICAL_HEADER], []
    ordered = sorted(rows, key=lambda r: r[3])
    for i, (row, reason) in enumerate(bad):
        ordered.insert(min(len(ordered), 1 + 2 * i), (row, reason))
    for item in ordered:
        row, reason = item if isinstance(item, tuple) else (item, None)
        lines.append(",".join(row))
        if reason:
            rejects.append((len(lines), reason))
    return lines, rejects
