#include "cli_report_html.h"

#include <algorithm>
#include <cstdio>

#include "cli_report_key.h"
#include "cli_report_svg.h"

namespace kpihub::cli {
namespace {

constexpr char kSignatureOpen[] = "<span id=\"kpihub-signature\">";
constexpr char kSignatureClose[] = "</span>";
constexpr char kFiguresOpen[] = "<pre id=\"kpihub-figures\" hidden>";
constexpr char kFiguresClose[] = "</pre>";

constexpr char kStyle[] = R"(<style>
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", sans-serif;
       font-size: 9pt; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2pt; } h2 { font-size: 11.5pt; margin: 12pt 0 4pt; }
.en { color: #555; font-size: 0.92em; } p { margin: 2pt 0; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 2pt 3pt; vertical-align: top; text-align: left; }
th { background: #eee; } td.num { text-align: right; white-space: nowrap; }
.on_track { background: #d9f2d9; } .at_risk { background: #fff2c2; }
.off_track { background: #f8d0d0; } .no_data, .not_judged { background: #eee; }
.withheld { background: #e4e4f4; } .strive { font-weight: bold; color: #7a4b00; }
.parks td, .parks th { font-size: 7.5pt; padding: 1pt 2pt; }
.parks td:first-child { width: 12%; }
footer { margin-top: 12pt; border-top: 1pt solid #333; padding-top: 4pt; font-size: 7.5pt; }
.mono { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
</style>)";

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') { out += text[i]; continue; }
    for (auto [entity, c] : {std::pair{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}}) {
      if (text.substr(i, std::string_view(entity).size()) == entity) {
        out += c;
        i += std::string_view(entity).size() - 1;
        break;
      }
    }
  }
  return out;
}

// Values as the leadership group reads them: 亿元 for money, % for ratios.
std::string Value(double v, const std::string& unit) {
  char buf[64];
  if (unit == "yuan") std::snprintf(buf, sizeof buf, "%.2f 亿元", v / 1e8);
  else if (unit == "ratio") std::snprintf(buf, sizeof buf, "%.2f %%", v * 100);
  else if (unit == "m2") std::snprintf(buf, sizeof buf, "%.0f m²", v);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string Status(const core::KpiFigure& k) {
  std::string name(ReportStatusName(k));
  return "<td class=\"" + name + "\">" + std::string(ReportStatusZh(name)) + "<br><span class=\"en\">" +
         name + "</span></td>";
}

// 正式数 when every feeding department's year is approved, 初步数 otherwise.
std::string Basis(const ReportFigures& f, const core::KpiFigure& k) {
  const bool approved = f.Approved(k);
  return "<td class=\"" + std::string(core::BasisName(approved)) + "\">" +
         std::string(core::BasisZh(approved)) + "<br><span class=\"en\">" +
         std::string(core::BasisName(approved)) + "</span></td>";
}

std::string FigureValue(const core::KpiFigure& k) {
  if (k.withheld) return "不予公开 <span class=\"en\">withheld</span>";
  return k.has_value ? Value(k.value, k.kpi->unit) : "—";
}

std::string Optional(const std::optional<double>& v, const std::string& unit) {
  return v ? Value(*v, unit) : "—";
}

std::string Strength(const core::Kpi& kpi) {
  return IsStrive(kpi) ? "<span class=\"strive\">力争</span><br><span class=\"en\">strive</span>"
                       : "约束性<br><span class=\"en\">binding</span>";
}

std::string Header(const ReportFigures& f, const CivilTime& time) {
  const std::string y = std::to_string(f.year);
  return "<header><h1>焦作高新区发展目标 " + y + " 年度报告</h1>"
         "<p class=\"en\">Jiaozuo High-tech Zone targets: report for " + y + "</p>"
         "<p>数据截至 <span class=\"en\">as of</span> " + Escape(time.Format(f.as_of_ms)) +
         " · 日志位置 <span class=\"en\">journal position</span> " + std::to_string(f.journal_id) +
         " · 依据 " + std::to_string(f.changes_used) +
         " 条数据变更 <span class=\"en\">recorded changes</span></p></header>\n";
}

std::string KpiTable(const ReportFigures& f) {
  std::string out =
      "<section><h2>关键指标 <span class=\"en\">Key performance indicators</span></h2><table>"
      "<tr><th>指标 <span class=\"en\">KPI</span></th><th>条款<br><span class=\"en\">clause</span></th>"
      "<th>性质<br><span class=\"en\">strength</span></th><th>期限<br><span class=\"en\">deadline</span></th>"
      "<th>数值<br><span class=\"en\">value</span></th><th>目标<br><span class=\"en\">target</span></th>"
      "<th>应达值<br><span class=\"en\">expected</span></th><th>状态<br><span class=\"en\">status</span></th>"
      "<th>数据性质<br><span class=\"en\">basis</span></th>"
      "<th>趋势 <span class=\"en\">trend</span></th></tr>\n";
  for (const ReportKpi& r : f.kpis) {
    const core::Kpi& kpi = *r.kpi;
    out += "<tr><td>" + Escape(kpi.name_zh) + "<br><span class=\"en\">" + Escape(kpi.name_en) +
           "</span></td><td>" + Escape(kpi.clause) + "</td><td>" + Strength(kpi) + "</td><td>" +
           Escape(DeadlineZh(kpi)) + "</td><td class=\"num\">" + FigureValue(r.zone) +
           "</td><td class=\"num\">" + Optional(LevelTarget(r.zone), kpi.unit) +
           "</td><td class=\"num\">" +
           Optional(r.zone.withheld ? std::nullopt : ExpectedValue(r.zone), kpi.unit) + "</td>" +
           Status(r.zone) + Basis(f, r.zone) + "<td>" + TrendSvg(r) + "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

// A park without a target of its own is not judged; its weight in the zone is shown instead.
std::string ShareOfZone(const core::KpiFigure& k) {
  if (!k.share_of_zone) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, "<br>占全区 %.1f %% <span class=\"en\">of zone</span>",
                *k.share_of_zone * 100);
  return buf;
}

std::string ParkTable(const core::Catalogue& catalogue, const ReportFigures& f) {
  std::string out = "<section class=\"parks\"><h2>各园区 <span class=\"en\">Parks</span></h2>"
                    "<table><tr><th>指标 <span class=\"en\">KPI</span></th>";
  for (const core::Park& p : catalogue.parks()) {
    out += "<th>" + Escape(p.name_zh) + "<br><span class=\"en\">" + Escape(p.name_en) + "</span></th>";
  }
  out += "</tr>\n";
  for (const ReportKpi& r : f.kpis) {
    out += "<tr><td>" + Escape(r.kpi->name_zh) + "</td>";
    for (const core::KpiFigure& p : r.parks) {
      std::string name(ReportStatusName(p));
      out += "<td class=\"num " + name + "\">" +
             (p.withheld ? std::string("不予公开<br><span class=\"en\">withheld</span>")
                         : FigureValue(p) + "<br>" + std::string(ReportStatusZh(name)) +
                               ShareOfZone(p)) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</table></section>\n";
}

std::string MilestoneTable(const ReportFigures& f) {
  std::string out =
      "<section><h2>里程碑 <span class=\"en\">Milestones</span></h2><table><tr>"
      "<th>事项 <span class=\"en\">milestone</span></th><th>条款<br><span class=\"en\">clause</span></th>"
      "<th>园区<br><span class=\"en\">park</span></th><th>性质<br><span class=\"en\">strength</span></th>"
      "<th>期限<br><span class=\"en\">deadline</span></th><th>状态<br><span class=\"en\">state</span></th>"
      "<th>实现时间<br><span class=\"en\">achieved</span></th><th>文号<br><span class=\"en\">reference</span></th></tr>\n";
  if (f.milestones.empty()) out += "<tr><td colspan=\"8\">无 <span class=\"en\">none</span></td></tr>\n";
  for (const ReportMilestone& m : f.milestones) {
    out += "<tr><td>" + Escape(m.name_zh) + "<br><span class=\"en\">" + Escape(m.name_en) +
           "</span></td><td>" + Escape(m.clause) + "</td><td>" + Escape(m.park_name) + "</td><td>" +
           (m.strive ? "<span class=\"strive\">力争</span>" : "约束性") + "</td><td>" +
           Escape(m.deadline_zh) + "</td><td class=\"" + Escape(m.status) + "\">" +
           Escape(m.status_zh) + "<br><span class=\"en\">" + Escape(m.status) + "</span></td><td>" +
           Escape(m.achieved_in) + "</td><td>" + Escape(m.reference) + "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

std::string FeedTable(const ReportFigures& f, const CivilTime& time) {
  std::string out =
      "<section><h2>部门数据报送 <span class=\"en\">Department feeds</span></h2><table><tr>"
      "<th>部门 <span class=\"en\">department</span></th><th>最近接收<br><span class=\"en\">last accepted</span></th>"
      "<th>及时性<br><span class=\"en\">freshness</span></th><th>完整性 " + std::to_string(f.year) +
      "<br><span class=\"en\">completeness</span></th></tr>\n";
  for (const ReportFeed& d : f.feeds) {
    std::string fresh = "—";
    if (d.last_accepted_ms > 0 && d.department->contract) {
      const bool ok = f.as_of_ms - d.last_accepted_ms <= d.department->contract->max_silence_seconds * 1000;
      fresh = ok ? "按时 <span class=\"en\">fresh</span>" : "逾期 <span class=\"en\">stale</span>";
    }
    char ratio[64] = "—";
    if (d.expected > 0) {
      std::snprintf(ratio, sizeof ratio, "%u / %u (%.0f %%)", d.received, d.expected,
                    100.0 * d.received / d.expected);
    }
    out += "<tr><td>" + Escape(d.department->name_zh) + "<br><span class=\"en\">" +
           Escape(d.department->name_en) + "</span></td><td>" +
           (d.last_accepted_ms > 0 ? Escape(time.Format(d.last_accepted_ms)) : "—") + "</td><td>" +
           fresh + "</td><td class=\"num\">" + ratio + "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

std::string RuleTable(const ReportFigures& f) {
  std::string out =
      "<section><h2>规则核查 <span class=\"en\">Rule checks</span></h2><table><tr>"
      "<th>规则 <span class=\"en\">rule</span></th><th>条款<br><span class=\"en\">clause</span></th>"
      "<th>年度<br><span class=\"en\">year</span></th><th>违规数<br><span class=\"en\">violations</span></th></tr>\n";
  if (f.rules.empty()) out += "<tr><td colspan=\"4\">无数据 <span class=\"en\">no data</span></td></tr>\n";
  for (const ReportRuleCount& c : f.rules) {
    out += "<tr><td>" + Escape(c.rule->name_zh) + "<br><span class=\"en\">" + Escape(c.rule->name_en) +
           "</span></td><td>" + Escape(c.rule->clause) + "</td><td>" + std::to_string(c.year) +
           "</td><td class=\"num\">" + std::to_string(c.violations) + "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

std::string Footer(const ReportFigures& f, const CivilTime& time, const std::string& key_id) {
  const std::string canonical = f.CanonicalText();
  return "<footer id=\"kpihub-fingerprint\" data-journal=\"" + std::to_string(f.journal_id) +
         "\" data-as-of-ms=\"" + std::to_string(f.as_of_ms) + "\" data-year=\"" +
         std::to_string(f.year) + "\" data-figures-sha256=\"" + Sha256Hex(canonical) + "\">\n"
         "<p>数据指纹 <span class=\"en\">fingerprint</span>: 日志位置 <span class=\"en\">journal</span> " +
         std::to_string(f.journal_id) + " · 截至 <span class=\"en\">as of</span> " +
         Escape(time.Format(f.as_of_ms)) + " · SHA-256 <span class=\"mono\">" + Sha256Hex(canonical) +
         "</span></p>\n<p>签名 <span class=\"en\">Ed25519 signature, report key " + Escape(key_id) +
         "</span>: <span class=\"mono\">" + kSignatureOpen + kSignatureClose +
         "</span></p>\n<p>核验 <span class=\"en\">check</span>: kpihub report --verify FILE.html</p>\n" +
         kFiguresOpen + Escape(canonical) + kFiguresClose + "\n</footer>\n";
}

// The attribute `name="..."` inside `html`; empty when absent.
std::string Attribute(const std::string& html, const std::string& name) {
  const std::string open = " " + name + "=\"";
  size_t at = html.find(open);
  if (at == std::string::npos) return "";
  at += open.size();
  size_t end = html.find('"', at);
  return end == std::string::npos ? "" : html.substr(at, end - at);
}

std::optional<int64_t> Integer(const std::string& text) {
  if (text.empty() || text.size() > 18 ||  // 18 digits: never past int64_t
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(text);
}

// The page's bytes with the signature's text left out.
std::string DocumentDigest(const std::string& html, size_t sig_begin, size_t sig_end) {
  return Sha256Hex(html.substr(0, sig_begin) + html.substr(sig_end));
}

}  // namespace

std::string ReportFingerprint::SignedText() const {
  return "kpihub report v1\njournal " + std::to_string(journal_id) + "\nas_of_ms " +
         std::to_string(as_of_ms) + "\nyear " + std::to_string(year) + "\nfigures_sha256 " +
         figures_sha256 + "\ndocument_sha256 " + document_sha256 + "\n";
}

std::string RenderReportHtml(const core::Catalogue& catalogue, const ReportFigures& figures,
                             const CivilTime& time, const std::string& key_id) {
  return "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
         "<title>焦作高新区发展目标 " + std::to_string(figures.year) + " 年度报告 / KPI report</title>\n" +
         kStyle + "\n</head><body>\n" + Header(figures, time) + KpiTable(figures) +
         ParkTable(catalogue, figures) + MilestoneTable(figures) + FeedTable(figures, time) +
         RuleTable(figures) + Footer(figures, time, key_id) + "</body></html>\n";
}

std::string InsertSignature(const std::string& html, const std::string& signature_base64) {
  const size_t at = html.find(kSignatureOpen);
  if (at == std::string::npos) return html;
  std::string out = html;
  out.insert(at + std::string_view(kSignatureOpen).size(), signature_base64);
  return out;
}

std::optional<ReadBackReport> ReadReportHtml(const std::string& html) {
  ReadBackReport r;
  const size_t sig_begin = html.find(kSignatureOpen);
  if (sig_begin == std::string::npos || html.find(kSignatureOpen, sig_begin + 1) != std::string::npos) {
    return std::nullopt;
  }
  const size_t text_begin = sig_begin + std::string_view(kSignatureOpen).size();
  const size_t text_end = html.find(kSignatureClose, text_begin);
  if (text_end == std::string::npos || text_end - text_begin > 200) return std::nullopt;
  auto signature = FromBase64(html.substr(text_begin, text_end - text_begin));
  const size_t fig_begin = html.find(kFiguresOpen);
  const size_t fig_end = html.find(kFiguresClose, fig_begin == std::string::npos ? 0 : fig_begin);
  auto journal = Integer(Attribute(html, "data-journal"));
  auto as_of = Integer(Attribute(html, "data-as-of-ms"));
  auto year = Integer(Attribute(html, "data-year"));
  if (!signature || fig_begin == std::string::npos || fig_end == std::string::npos || !journal ||
      !as_of || !year) {
    return std::nullopt;
  }
  r.signature = *signature;
  const size_t figures_at = fig_begin + std::string_view(kFiguresOpen).size();
  r.canonical_text = Unescape(std::string_view(html).substr(figures_at, fig_end - figures_at));
  r.fingerprint = {static_cast<uint64_t>(*journal), *as_of, static_cast<int>(*year),
                   Attribute(html, "data-figures-sha256"), DocumentDigest(html, text_begin, text_end)};
  return r;
}

}  // namespace kpihub::cli
