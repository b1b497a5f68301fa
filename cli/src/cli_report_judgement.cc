#include "cli_report_judgement.h"

namespace kpihub::cli {

std::string_view ReportStatusName(const core::KpiFigure& figure) {
  if (figure.withheld) return "withheld";
  return core::KpiStatusName(figure.status);
}

std::string_view ReportStatusZh(std::string_view status_name) {
  if (status_name == "on_track") return "进度正常";
  if (status_name == "at_risk") return "存在风险";
  if (status_name == "off_track") return "进度滞后";
  if (status_name == "no_data") return "无数据";
  if (status_name == "not_judged") return "未评估";
  if (status_name == "withheld") return "不予公开";
  return "";
}

// Every level is judged against the KPI's own target, on the line from the catalogue's
// baseline (0 when absent).
std::optional<double> LevelTarget(const core::KpiFigure& figure) { return figure.kpi->target; }

std::optional<double> ExpectedValue(const core::KpiFigure& figure) {
  if (figure.withheld || !figure.has_value) return std::nullopt;
  return figure.expected * figure.kpi->target;
}

std::optional<Trajectory> LevelTrajectory(const core::KpiFigure& figure) {
  const core::Kpi& kpi = *figure.kpi;
  return Trajectory{kpi.baseline_year, kpi.baseline.value_or(0), kpi.target_year, kpi.target};
}

bool IsStrive(const core::Kpi&) { return false; }

std::string DeadlineZh(const core::Kpi& kpi) {
  return "到" + std::to_string(kpi.target_year) + "年";
}

std::vector<ReportMilestone> EvaluateReportMilestones(const core::Catalogue&,
                                                      const std::vector<MilestoneObservation>&,
                                                      int64_t) {
  return {};
}

bool IsMilestoneCode(const core::Catalogue&, std::string_view) { return false; }

}  // namespace kpihub::cli
