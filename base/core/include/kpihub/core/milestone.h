// Milestones: the policy's yes/no designations (docs/catalogue.md, "[[milestone]]"), judged
// from what their owning department reported. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/catalogue.h"

namespace kpihub::core {

enum class MilestoneStatus { kAchieved, kAchievedLate, kPending, kOverdue };
// "achieved", "achieved_late", "pending", "overdue"
std::string_view MilestoneStatusName(MilestoneStatus status);
// "已实现", "逾期实现", "推进中", "逾期未实现"
std::string_view MilestoneStatusZh(MilestoneStatus status);

// One stored report of a milestone: the month of the approval document, achieved (1) or
// withdrawn (0), and the document's reference.
struct MilestoneFact {
  std::string code;
  Period period;
  bool achieved = false;
  std::string reference;
};

struct MilestoneState {
  const Milestone* milestone = nullptr;
  MilestoneStatus status = MilestoneStatus::kPending;
  std::optional<Period> achieved_in;  // the month of the approval document, when achieved
  std::string reference;              // its reference, when achieved
};

// Every catalogue milestone, in catalogue order. A milestone's latest report (by period)
// decides: achieved in that month, or withdrawn. Not achieved is pending until the end of its
// year due (UTC+8) and overdue after; achieved after the year due is achieved_late. Facts of
// codes the catalogue does not know are ignored.
std::vector<MilestoneState> EvaluateMilestones(const Catalogue& catalogue,
                                               const std::vector<MilestoneFact>& facts,
                                               int64_t now_unix_ms);

}  // namespace kpihub::core
