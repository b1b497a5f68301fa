#include "kpihub/core/milestone.h"

#include <map>

namespace kpihub::core {

std::string_view MilestoneStatusName(MilestoneStatus status) {
  switch (status) {
    case MilestoneStatus::kAchieved: return "achieved";
    case MilestoneStatus::kAchievedLate: return "achieved_late";
    case MilestoneStatus::kPending: return "pending";
    case MilestoneStatus::kOverdue: return "overdue";
  }
  return "pending";
}

std::string_view MilestoneStatusZh(MilestoneStatus status) {
  switch (status) {
    case MilestoneStatus::kAchieved: return "已实现";
    case MilestoneStatus::kAchievedLate: return "逾期实现";
    case MilestoneStatus::kPending: return "推进中";
    case MilestoneStatus::kOverdue: return "逾期未实现";
  }
  return "推进中";
}

std::vector<MilestoneState> EvaluateMilestones(const Catalogue& catalogue,
                                               const std::vector<MilestoneFact>& facts,
                                               int64_t now_unix_ms) {
  std::map<std::string, const MilestoneFact*> latest;
  for (const MilestoneFact& f : facts) {
    const MilestoneFact*& slot = latest[f.code];
    if (slot == nullptr || slot->period < f.period) slot = &f;
  }
  std::vector<MilestoneState> out;
  for (const Milestone& m : catalogue.milestones()) {
    MilestoneState s;
    s.milestone = &m;
    auto it = latest.find(m.code);
    if (it != latest.end() && it->second->achieved) {
      s.achieved_in = it->second->period;
      s.reference = it->second->reference;
      s.status = s.achieved_in->year <= m.due_year() ? MilestoneStatus::kAchieved
                                                     : MilestoneStatus::kAchievedLate;
    } else {
      const Period next_year{PeriodKind::kYear, m.due_year() + 1, 0};
      s.status = now_unix_ms / 1000 >= next_year.StartUnixSeconds() ? MilestoneStatus::kOverdue
                                                                    : MilestoneStatus::kPending;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace kpihub::core
