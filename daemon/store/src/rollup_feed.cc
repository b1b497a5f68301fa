#include "kpihub/store/rollup_feed.h"

#include <map>

namespace kpihub::store {

Status FeedRollup(Snapshot& snapshot, core::Rollup* rollup) {
  Status status = snapshot.ForEachCell([&](const core::Cell& c) { rollup->Add(c); });
  if (!status.ok()) return status;
  return snapshot.ForEachObservation([&](const StoredObservation& o) {
    if (o.key.entity.empty()) return;
    auto period = core::Period::Parse(o.key.period);
    if (period) rollup->AddEnterpriseFigure(o.key.indicator, o.key.park, *period, o.value);
  });
}

Status ReadMilestoneFacts(Snapshot& snapshot, const core::Catalogue& catalogue,
                          std::vector<core::MilestoneFact>* facts) {
  for (const core::Milestone& m : catalogue.milestones()) {
    Status status = snapshot.ForEachObservationOf(m.code, [&](const StoredObservation& o) {
      auto period = core::Period::Parse(o.key.period);
      if (!period || o.key.park != m.park) return;  // written under another catalogue
      facts->push_back({m.code, *period, o.value == core::Decimal::FromInt(1), o.note});
    });
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status ReadMilestoneFactsAsOf(Snapshot& snapshot, const core::Catalogue& catalogue,
                              int64_t as_of_unix_ms, std::vector<core::MilestoneFact>* facts) {
  std::vector<core::MilestoneFact> now;
  Status status = ReadMilestoneFacts(snapshot, catalogue, &now);
  if (!status.ok()) return status;
  for (const core::Milestone& m : catalogue.milestones()) {
    std::map<std::string, core::Decimal> value_then;  // period -> latest value by as_of
    core::FigureKey prefix;
    prefix.indicator = m.code;
    status = snapshot.ForEachHistory(prefix, [&](const HistoryEntry& h) {
      if (h.key.indicator == m.code && h.key.park == m.park && h.unix_ms <= as_of_unix_ms) {
        value_then[h.key.period] = h.new_value;
      }
    });
    if (!status.ok()) return status;
    for (const auto& [period_text, value] : value_then) {
      auto period = core::Period::Parse(period_text);
      if (!period) continue;
      core::MilestoneFact fact{m.code, *period, value == core::Decimal::FromInt(1), ""};
      for (const core::MilestoneFact& n : now) {
        // The note stored now belongs to the value stored now: only while that is still the
        // value of the moment is it that moment's reference.
        if (n.code == m.code && n.period == *period && n.achieved == fact.achieved) {
          fact.reference = n.reference;
        }
      }
      facts->push_back(std::move(fact));
    }
  }
  return Status::Ok();
}

}  // namespace kpihub::store
