#include "cli_closing.h"

#include <algorithm>

#include "credit_code_mask.h"

namespace kpihub::cli {

Status ReadPeriodStates(store::Snapshot& snapshot, std::optional<int64_t> as_of_ms,
                        core::PeriodStates* out) {
  out->clear();
  if (!as_of_ms) {
    return snapshot.ForEachPeriod([out](const store::PeriodRecord& p) {
      (*out)[{p.department, p.year}] = p.state;
    });
  }
  // The log is in commit order: the last change by the moment is the state then.
  return snapshot.ForEachPeriodLog([out, as_of_ms](const store::PeriodLogEntry& e) {
    if (e.unix_ms <= *as_of_ms) (*out)[{e.department, e.year}] = e.to;
  });
}

std::string PeriodRefusalZh(core::RejectReason reason) {
  switch (reason) {
    case core::RejectReason::kNotApprover:
      return "只有领导小组办公室可以审定或退回；部门只能报送本部门的年度";
    case core::RejectReason::kPeriodStateConflict:
      return "该年度当前状态不允许此操作（审定须先报送，已审定的年度不能退回）";
    case core::RejectReason::kPeriodClosed:
      return "该年度已报送或已审定，数据已锁定；已审定年度的修改须注明更正原因（restatement）";
    case core::RejectReason::kUnknownDepartment:
      return "目录中没有这个部门";
    case core::RejectReason::kMalformedPeriod:
    case core::RejectReason::kPeriodTypeNotAllowed:
      return "年度格式不对，应为四位年份，如 2020";
    case core::RejectReason::kFuturePeriod:
      return "该年度尚未结束，不能报送或审定";
    case core::RejectReason::kFieldTooLong:
      return "说明文字太长";
    default:
      return "";
  }
}

std::vector<std::string> KpisUsing(const core::Catalogue& catalogue, const std::string& indicator) {
  std::vector<std::string> out;
  for (const core::Kpi& kpi : catalogue.kpis()) {
    for (const auto* list : {&kpi.numerator, &kpi.denominator}) {
      if (std::find(list->begin(), list->end(), indicator) != list->end()) {
        out.push_back(kpi.code);
        break;
      }
    }
  }
  return out;
}

RestatementView ViewRestatement(const core::Catalogue& catalogue, const CivilTime& time,
                                const store::Restatement& r, bool entities) {
  const store::HistoryEntry& h = r.change;
  const bool hidden = !h.key.entity.empty() && !entities;
  RestatementView v;
  v.time = time.Format(h.unix_ms);
  v.department = h.department;
  v.adapter = h.adapter;
  const core::Indicator* indicator = catalogue.FindIndicator(h.key.indicator);
  v.indicator = h.key.indicator + (indicator ? " " + indicator->name_zh : std::string());
  v.park = h.key.park;
  v.period = h.key.period;
  v.entity = hidden ? "an enterprise 企业" : h.key.entity;
  v.old_value = hidden ? "withheld" : h.old_value ? h.old_value->ToString() : "(new)";
  v.new_value = hidden ? "withheld" : h.new_value.ToString();
  v.reason = entities ? r.reason : MaskCreditCodes(r.reason);
  v.kpis = KpisUsing(catalogue, h.key.indicator);
  v.journal_id = h.journal_id;
  return v;
}

std::string RestatementLine(const RestatementView& v) {
  std::string kpis;
  for (const std::string& k : v.kpis) kpis += (kpis.empty() ? "" : ", ") + k;
  return v.time + " " + v.department + " (" + v.adapter + ") " + v.indicator + " " + v.park +
         " " + v.period + " " + (v.entity.empty() ? "(park)" : v.entity) + ": " + v.old_value +
         " -> " + v.new_value + " — " + v.reason +
         (kpis.empty() ? std::string("; changes no KPI") : "; changes KPIs " + kpis);
}

}  // namespace kpihub::cli
