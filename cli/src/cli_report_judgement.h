// What the leadership report reads of a KPI figure's judgement: the target judging its
// level, the straight-line expectation, status, strength, deadline and the milestones. The
// one place the report touches the judgement's fields, so that the rest renders values only.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/milestone.h"
#include "kpihub/core/rollup.h"

namespace kpihub::cli {

// Status vocabulary of every output: on_track, at_risk, off_track, no_data, not_judged,
// withheld (a withheld figure is shown as such, whatever its judgement).
std::string_view ReportStatusName(const core::KpiFigure& figure);
std::string_view ReportStatusZh(std::string_view status_name);  // "进度正常", ...

std::optional<double> LevelTarget(const core::KpiFigure& figure);   // nullopt: not judged here
std::optional<double> ExpectedValue(const core::KpiFigure& figure);  // only when judged
// The straight line of a level: from (baseline year, baseline) to (due year, target).
struct Trajectory {
  int from_year = 0;
  double from_value = 0;
  int due_year = 0;
  double target = 0;
};
std::optional<Trajectory> LevelTrajectory(const core::KpiFigure& figure);

bool IsStrive(const core::Kpi& kpi);          // 力争 rather than binding
std::string DeadlineZh(const core::Kpi& kpi);  // "到2020年" / "2020年之前"

// A yes/no milestone as the report shows it.
struct ReportMilestone {
  std::string code, name_zh, name_en, clause, department;
  std::string park, park_name;  // a park code or "zone", and its Chinese name
  bool strive = false;
  int due_year = 0;
  std::string deadline_zh;
  std::string status;  // achieved, achieved_late, pending, overdue
  std::string status_zh;
  std::string achieved_in;  // "2019-06" or empty
  std::string reference;    // the approval document
};
// Every milestone of the catalogue, in its order, evaluated at `as_of_unix_ms`.
std::vector<ReportMilestone> EvaluateReportMilestones(const core::Catalogue& catalogue,
                                                      const std::vector<core::MilestoneFact>& facts,
                                                      int64_t as_of_unix_ms);

}  // namespace kpihub::cli
