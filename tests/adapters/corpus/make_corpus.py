#!/usr/bin/env python3
"""Writes the messy-export corpus: files as Excel on a Chinese Windows desktop and the
departments' own systems really produce them, each with the outcome kpihub-adapter must
give (expected-files.csv: exit code and counts of a --dry-run; expected-rejects.csv: every
line of its reject report as file,row,column,reason_code). adapter_corpus_test runs the real
adapter over every file. Run this script again after changing a case; it is deterministic.
"""
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ["统一社会信用代码", "纳税人名称", "主管园区", "所属年度", "登记状态", "是否规模以上工业企业",
          "研发费用加计扣除额（万元）", "高新技术企业减免所得税额（万元）", "备注"]
A, B, C = "91410800110911278T", "91410800143208167J", "914108001715671088"


def row(code, name, park, year, rd, relief, note=""):
    return [code, name, park, year, "正常", "是", rd, relief, note]


GOOD = [row(A, "焦作智创卓越农业科技有限公司", "农业科技园", "2019年度", "119.71", "165.56"),
        row(B, "焦作嘉和豫北农业科技有限公司", "高新区核心区", "2019年度", "68.9", "191.1"),
        row(C, "焦作龙翔豫北农业科技有限公司", "智能制造园", "2020年度", "118.42", "")]


def lines(rows, sep=","):
    out = []
    for r in rows:
        out.append(sep.join(r) if isinstance(r, list) else r)
    return "\r\n".join(out) + "\r\n"


files, rejects = [], []


def case(name, text, encoding, exit_code, rows, blank, title, observations, expected=(), bom=b"",
         profile="tax"):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(bom + (text.encode(encoding) if isinstance(text, str) else text))
    files.append([name, profile, exit_code, rows, blank, title, observations, len(expected)])
    rejects.extend([name] + list(e) for e in expected)


# A header written with ASCII brackets and a full-width space: the same column after NFKC.
h = list(HEADER)
h[6] = "研发费用加计扣除额(万元)"
h[7] = "高新技术企业减免所得税额（万元）　"
case("ascii-brackets-header.csv", lines([h] + GOOD), "gb18030", 0, 3, 0, 0, 11)

# A column renamed: the file is refused, nothing is used, and the closest header is named.
h = list(HEADER)
h[6] = "研发费用加计扣除（万元）"
case("renamed-column.csv", lines([h] + GOOD), "gb18030", 1, 0, 0, 0, 0,
     [(1, "研发费用加计扣除额（万元）", "missing_column")])

# No 主管园区 column at all (the clerk's sheet says 所属园区): no header the profile knows.
h = list(HEADER)
h[2] = "所属园区"
case("missing-park-column.csv", lines([h] + GOOD), "gb18030", 1, 0, 0, 0, 0,
     [(1, "", "no_matching_layout")])

# Title rows above the header (a report title, a unit line): skipped.
case("title-rows.csv", lines([["2019-2020年度 高新区企业税收汇总表"] + [""] * 8,
                              ["单位：万元", "", "", "", "", "", "", "制表日期：2021年3月1日", ""],
                              HEADER] + GOOD), "gb18030", 0, 3, 0, 2, 11)

# Blank rows Excel leaves behind: skipped and counted, never 'unknown park'.
case("blank-rows.csv", lines([HEADER, GOOD[0], [""] * 9, GOOD[1], [""] * 9, [""] * 9, GOOD[2]]),
     "gb18030", 0, 3, 3, 0, 11)

# Full-width digits, separators and an ideographic space, in figures, years and codes.
case("fullwidth-values.csv", lines([HEADER,
                                    row(A, "甲公司", "农业科技园", "２０１９年度", "　７８．９", "１，２３４．５０"),
                                    row(B.replace("9", "９"), "乙公司", "高新区核心区", "2019年度", "12", "1"),
                                    row(C, "丙公司", "智能制造园", "2020 年度", "１２０", "")]),
     "gb18030", 0, 3, 0, 0, 11)

# An unquoted thousands separator splits a figure: the message says so.
case("unquoted-thousands.csv", lines([HEADER, GOOD[0],
                                      ",".join(row(B, "乙公司", "高新区核心区", "2019年度", "1,234.50", "1"))]),
     "gb18030", 2, 2, 0, 0, 4, [(3, "", "unquoted_thousands_separator")])

# The same enterprise and year twice: every figure both rows give is refused in both.
case("duplicate-rows.csv", lines([HEADER, GOOD[0], GOOD[1],
                                  row(A, "焦作智创卓越农业科技有限公司", "农业科技园", "2019", "120.5", "")]),
     "gb18030", 2, 3, 0, 0, 5,
     [(2, "登记状态", "duplicate_row"), (2, "是否规模以上工业企业", "duplicate_row"),
      (2, "研发费用加计扣除额（万元）", "duplicate_row"),
      (4, "登记状态", "duplicate_row"), (4, "是否规模以上工业企业", "duplicate_row"),
      (4, "研发费用加计扣除额（万元）", "duplicate_row")])

# Excel's "CSV UTF-8": a byte order mark, whatever the profile's encoding says.
case("utf8-bom.csv", lines([HEADER] + GOOD), "utf-8", 0, 3, 0, 0, 11, bom=b"\xef\xbb\xbf")

# Excel's "Unicode text": UTF-16LE with a BOM, fields separated by tabs.
case("unicode-text.txt", lines([HEADER] + GOOD, "\t"), "utf-16-le", 0, 3, 0, 0, 11, bom=b"\xff\xfe")

# UTF-8 without a BOM under a GB18030 profile: refused, with a hint, not garbled.
case("utf8-without-bom.csv", lines([HEADER] + GOOD), "utf-8", 1, 0, 0, 0, 0,
     [(0, "", "undecodable_text")])

# An Excel workbook handed in as it is.
case("workbook.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "utf-8", 1, 0, 0, 0, 0,
     [(0, "", "excel_workbook")])

# Row-level faults still go row by row, with the daemon's checks in a dry run.
case("row-faults.csv", lines([HEADER, GOOD[0],
                              row(B, "乙公司", "温县产业集聚区", "2019年度", "1", "1"),
                              row(C, "丙公司", "智能制造园", "2019年第5季度", "1", "1"),
                              row(B, "乙公司", "高新区核心区", "2019年度", "12.3.4", "1"),
                              row(C, "丙公司", "智能制造园", "2019年度", "12.3456789", "1")]),
     "gb18030", 2, 5, 0, 0, 11,
     [(3, "主管园区", "unknown_park_name"), (4, "所属年度", "malformed_period"),
      (5, "研发费用加计扣除额（万元）", "unparseable_number"),
      (6, "研发费用加计扣除额（万元）", "too_precise")])

# --- The science and technology bureau's UTF-8 park sheet (scitech.toml) -------------------
PARKS = ["园区", "年度", "省、市级研发机构（家）", "国家级研发机构（家）", "引进高层次创新创业团队（支）",
         "培养高新技术产业领军人才（人）", "科技企业加速器建筑面积（万平方米）", "新增孵化面积（平方米）",
         "国家级创业服务机构（家）"]
# UTF-8 without a BOM (the profile's own encoding), LF, a title row, full-width brackets
# written as ASCII ones with spaces, a blank row, an ideographic-space padded figure, and
# the same park and year twice with a figure given in both rows.
p = list(PARKS)
p[2] = "省、市级研发机构 (家)"
p[6] = "科技企业加速器建筑面积(万平方米)"
case("scitech-parks-messy.csv",
     "\n".join([",".join(["2019年 园区科技资源统计"] + [""] * 8), ",".join(p),
                 ",".join(["汽车零部件产业园", "2019年度", "11", "1", "0", "3", "4.66", "", "0"]),
                 ",".join([""] * 9),
                 ",".join(["智能制造产业园", "２０１９", "　９", "2", "", "", "", "1200", ""]),
                 ",".join(["汽车零部件产业园", "2019", "12", "", "", "", "", "", ""])]) + "\n",
     "utf-8", 2, 3, 1, 1, 8,
     [(3, "省、市级研发机构（家）", "duplicate_row"), (6, "省、市级研发机构（家）", "duplicate_row")],
     profile="scitech")

# --- The environment bureau's JSON lines (environment.toml) -------------------------------
# A BOM, CRLF, a blank line, a line that is not JSON, a month written full-width, a figure
# with a thousands separator, the same park and month twice with a figure given in both.
ENV = ["sewage_produced_t", "sewage_treated_t", "waste_collected_t", "waste_harmless_t",
       "violation_cases", "solar_capacity_kw", "green_building_area_m2"]


def env(park, month, **figures):
    fields = ['"park_name": "%s"' % park, '"month": "%s"' % month]
    fields += ['"%s": %s' % (k, figures.get(k, "null")) for k in ENV]
    return "{" + ", ".join(fields) + "}"


case("environment-messy.jsonl",
     "\r\n".join([env("汽车零部件产业园", "2019-05", sewage_produced_t="100.5", sewage_treated_t="90"),
                   "",
                   env("汽车零部件产业园", "2019-05", sewage_produced_t="101"),
                   env("焦作高新区核心区", "２０１９-０６", waste_collected_t='"1,234.5"'),
                   '{"park_name": "焦作高新区核心区", "month": "2019-07", "waste_collected_t": 12']) + "\r\n",
     "utf-8", 2, 4, 0, 0, 2,
     [(1, "sewage_produced_t", "duplicate_row"), (3, "sewage_produced_t", "duplicate_row"),
      (5, "", "malformed_record")], bom=b"\xef\xbb\xbf", profile="environment")

with open(os.path.join(HERE, "expected-files.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["file", "profile", "exit", "rows", "blank_rows", "title_rows", "observations", "rejected"])
    w.writerows(files)
with open(os.path.join(HERE, "expected-rejects.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["file", "row", "column", "reason_code"])
    w.writerows(rejects)
print("wrote %d corpus files, %d expected rejects" % (len(files), len(rejects)))
