#include "kpihub/store/history_fold.h"

#include <algorithm>
#include <tuple>

namespace kpihub::store {

void HistoryFold::Add(const HistoryEntry& change) {
  if (change.unix_ms > as_of_unix_ms_) return;
  figures_[change.key] = change.new_value;
  ++changes_used_;
  latest_change_unix_ms_ = std::max(latest_change_unix_ms_, change.unix_ms);
}

std::vector<core::Cell> HistoryFold::Cells() const {
  std::vector<core::Cell> cells;
  // figures_ is ordered by (indicator, park, period, entity): one cell's figures are adjacent.
  for (const auto& [key, value] : figures_) {
    auto period = core::Period::Parse(key.period);
    if (!period) continue;
    if (cells.empty() || std::tie(cells.back().indicator, cells.back().park) !=
                             std::tie(key.indicator, key.park) ||
        cells.back().period != *period) {
      cells.push_back(core::Cell{key.indicator, key.park, *period, core::Decimal(), 0});
    }
    cells.back().sum += value;
    if (!key.entity.empty()) ++cells.back().entities;
  }
  return cells;
}

void HistoryFold::FeedRollup(core::Rollup* rollup) const {
  for (const core::Cell& c : Cells()) rollup->Add(c);
  for (const auto& [key, value] : figures_) {
    auto period = core::Period::Parse(key.period);
    if (period && !key.entity.empty()) {
      rollup->AddEnterpriseFigure(key.indicator, key.park, *period, value);
    }
  }
}

Status CellsAsOf(Snapshot& snapshot, int64_t as_of_unix_ms, std::vector<core::Cell>* cells) {
  HistoryFold fold(as_of_unix_ms);
  Status s = snapshot.ForEachHistory(core::FigureKey{},
                                     [&](const HistoryEntry& change) { fold.Add(change); });
  if (!s.ok()) return s;
  *cells = fold.Cells();
  return Status::Ok();
}

}  // namespace kpihub::store
