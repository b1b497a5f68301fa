// HistoryFold: the park-level cells as they stood at a past moment, rebuilt from the value
// history, so that a KPI table shown at a meeting can be reproduced months later
// (`kpihub kpis --as-of`). Pure and deterministic; not thread-safe (one per rebuild).
//
// The state "as of T" is, for every figure, the latest change committed with a receive time
// at or before T, folded exactly as the store folds observations into cells (sum of values,
// count of figures with an entity). Changes must be added in commit order, which is
// Snapshot::ForEachHistory's order; the daemon's clock is assumed not to step backwards
// between commits (a step would make a later commit count as earlier, see
// docs/operations.md, "KPIs as of a past moment").
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "kpihub/core/rollup.h"
#include "kpihub/store/records.h"
#include "kpihub/core/status.h"
#include "kpihub/store/store.h"

namespace kpihub::store {

class HistoryFold {
 public:
  explicit HistoryFold(int64_t as_of_unix_ms) : as_of_unix_ms_(as_of_unix_ms) {}

  // Changes after the moment are ignored; a later change to a figure replaces an earlier one.
  void Add(const HistoryEntry& change);
  // One cell per (indicator, park, period) with at least one figure, in key order. A figure
  // whose period text does not parse is skipped (the store never holds one).
  std::vector<core::Cell> Cells() const;
  // Those cells and every enterprise figure in them (for the dominance rule), into `rollup`.
  void FeedRollup(core::Rollup* rollup) const;
  // Changes taken into account, and the receive time of the latest of them (0 if none).
  uint64_t changes_used() const { return changes_used_; }
  int64_t latest_change_unix_ms() const { return latest_change_unix_ms_; }

 private:
  int64_t as_of_unix_ms_;
  std::map<core::FigureKey, core::Decimal> figures_;
  uint64_t changes_used_ = 0;
  int64_t latest_change_unix_ms_ = 0;
};

// Reads the whole value history of `snapshot` through a HistoryFold.
Status CellsAsOf(Snapshot& snapshot, int64_t as_of_unix_ms, std::vector<core::Cell>* cells);

}  // namespace kpihub::store
