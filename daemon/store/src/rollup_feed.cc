#include "kpihub/store/rollup_feed.h"

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

}  // namespace kpihub::store
