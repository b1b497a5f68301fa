#include "cli_report_judgement.h"

#include "kpihub/core/milestone.h"

namespace kpihub::cli {
namespace {

std::string ParkName(const core::Catalogue& catalogue, const std::string& park) {
  if (park == core::kZonePark) return "全区 zone";
  const core::Park* p = catalogue.FindPark(park);
  return p == nullptr ? park : p->name_zh;
}

}  // namespace

std::string_view ReportStatusName(const core::KpiFigure& figure) {
  if (figure.withheld) return core::kWithheldStatusName;
  return core::KpiStatusName(figure.status);
}

std::string_view ReportStatusZh(std::string_view status_name) {
  if (status_name == core::kWithheldStatusName) return core::kWithheldStatusZh;
  for (auto status : {core::KpiStatus::kOnTrack, core::KpiStatus::kAtRisk,
                      core::KpiStatus::kOffTrack, core::KpiStatus::kNoData,
                      core::KpiStatus::kNotJudged}) {
    if (core::KpiStatusName(status) == status_name) return core::KpiStatusZh(status);
  }
  return "";
}

std::optional<double> LevelTarget(const core::KpiFigure& figure) { return figure.target; }

std::optional<double> ExpectedValue(const core::KpiFigure& figure) {
  if (figure.withheld || !figure.has_value || !core::IsJudged(figure.status)) return std::nullopt;
  return figure.expected_value;
}

// With a baseline, the line from it to the target; without one, only the target from the
// due year on (the level is judged against the target itself then).
std::optional<Trajectory> LevelTrajectory(const core::KpiFigure& figure) {
  if (!figure.target || figure.withheld) return std::nullopt;
  const core::Kpi& kpi = *figure.kpi;
  if (!figure.baseline) return Trajectory{kpi.due_year(), *figure.target, kpi.due_year(), *figure.target};
  return Trajectory{kpi.baseline_year, *figure.baseline, kpi.due_year(), *figure.target};
}

bool IsStrive(const core::Kpi& kpi) { return kpi.strength == core::Strength::kStrive; }

std::string DeadlineZh(const core::Kpi& kpi) { return core::DeadlineZh(kpi.target_year, kpi.deadline); }

std::vector<ReportMilestone> EvaluateReportMilestones(
    const core::Catalogue& catalogue, const std::vector<core::MilestoneFact>& facts,
    int64_t as_of_unix_ms) {
  std::vector<ReportMilestone> out;
  for (const core::MilestoneState& s : core::EvaluateMilestones(catalogue, facts, as_of_unix_ms)) {
    const core::Milestone& m = *s.milestone;
    out.push_back({m.code, m.name_zh, m.name_en, m.clause, m.department, m.park,
                   ParkName(catalogue, m.park), m.strength == core::Strength::kStrive, m.due_year(),
                   core::DeadlineZh(m.target_year, m.deadline),
                   std::string(core::MilestoneStatusName(s.status)),
                   std::string(core::MilestoneStatusZh(s.status)),
                   s.achieved_in ? s.achieved_in->ToString() : "", s.reference});
  }
  return out;
}

}  // namespace kpihub::cli
