#include "kpihub/export/milestone_collector.h"

#include <string>

#include "kpihub/core/milestone.h"
#include "kpihub/export/gauge_family.h"
#include "kpihub/store/rollup_feed.h"
#include "store_read.h"

namespace kpihub::exporter {

std::vector<prometheus::MetricFamily> MilestoneCollector::Collect() const {
  auto view = config_.Get();
  const core::Catalogue& catalogue = *view.catalogue;
  if (catalogue.milestones().empty()) return {};
  std::vector<core::MilestoneFact> facts;
  {
    std::unique_ptr<store::Snapshot> snapshot = OpenScrapeSnapshot(store_, *log_, "milestone scrape");
    if (snapshot == nullptr) return {};
    if (!ScrapeReadOk(store::ReadMilestoneFacts(*snapshot, catalogue, &facts), *log_,
                      "milestone scrape")) {
      return {};
    }
  }
  GaugeFamily info{"kpihub_milestone_info",
                   "Milestone of the policy (a yes/no designation): names, clause, owner, park "
                   "(\"zone\" for the whole zone), strength and the year due."};
  GaugeFamily status{"kpihub_milestone_status",
                     "Milestone state: 1 for the current one (achieved, achieved_late, pending, "
                     "overdue), 0 for the others."};
  GaugeFamily achieved{"kpihub_milestone_achieved_timestamp_seconds",
                       "Start of the month of the approval document, for achieved milestones."};
  for (const core::MilestoneState& s :
       core::EvaluateMilestones(catalogue, facts, clock_.NowUnixMillis())) {
    const core::Milestone& m = *s.milestone;
    info.Add({{"milestone", m.code},
              {"name_zh", m.name_zh},
              {"name_en", m.name_en},
              {"clause", m.clause},
              {"department", m.department},
              {"park", m.park},
              {"strength", std::string(core::StrengthName(m.strength))},
              {"due_year", std::to_string(m.due_year())},
              {"deadline_zh", core::DeadlineZh(m.target_year, m.deadline)}},
             1);
    for (auto st : {core::MilestoneStatus::kAchieved, core::MilestoneStatus::kAchievedLate,
                    core::MilestoneStatus::kPending, core::MilestoneStatus::kOverdue}) {
      status.Add({{"milestone", m.code}, {"status", std::string(core::MilestoneStatusName(st))}},
                 s.status == st ? 1 : 0);
    }
    if (s.achieved_in) {
      achieved.Add({{"milestone", m.code}},
                   static_cast<double>(s.achieved_in->StartUnixSeconds()));
    }
  }
  std::vector<prometheus::MetricFamily> out;
  for (GaugeFamily* g : {&info, &status, &achieved}) g->MoveTo(&out);
  return out;
}

}  // namespace kpihub::exporter
