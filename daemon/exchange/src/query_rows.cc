#include "kpihub/exchange/query_rows.h"

#include <algorithm>
#include <tuple>

#include "kpihub/core/rollup.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::exchange {
namespace {

// The start of the period right after `p`: the exclusive end of `p`.
int64_t EndUnixSeconds(const core::Period& p) {
  core::Period next = p;
  if (p.kind == core::PeriodKind::kYear) {
    next.year += 1;
  } else {
    const int last = p.kind == core::PeriodKind::kQuarter ? 4 : 12;
    next.sub = p.sub == last ? 1 : p.sub + 1;
    next.year = p.sub == last ? p.year + 1 : p.year;
  }
  return next.StartUnixSeconds();
}

bool ParkSelected(const RowFilter& filter, const std::string& park) {
  return filter.parks.empty() || filter.parks.count(park) != 0;
}

Status TooMany(size_t max_rows) {
  return Status::Unavailable("more than " + std::to_string(max_rows) + " rows");
}

Status ReadEnterpriseRows(store::Snapshot& snapshot, const RowFilter& filter, size_t max_rows,
                          QueryRows* out) {
  for (const std::string& indicator : filter.indicators) {
    Status status = snapshot.ForEachObservationOf(indicator, [&](const store::StoredObservation& o) {
      if (o.key.entity.empty() || !ParkSelected(filter, o.key.park)) return;
      if (!filter.entities.empty() && filter.entities.count(o.key.entity) == 0) return;
      auto period = core::Period::Parse(o.key.period);
      if (!period || !InPeriodRange(*period, filter.from, filter.to)) return;
      if (out->enterprise.size() > max_rows) return;  // counted, not kept
      out->enterprise.push_back({o.key.indicator, o.key.park, o.key.entity, o.key.period,
                                 o.value.ToString(), o.unix_ms, ""});
    });
    if (!status.ok()) return status;
    if (out->enterprise.size() > max_rows) return TooMany(max_rows);
  }
  // Store order is (indicator, park, period text, entity); periods of one indicator share
  // one kind, so text order is time order.
  return Status::Ok();
}

// The published suppression decision of this snapshot, computed only when some indicator's
// aggregates are not given unsuppressed.
Status PublishedRollup(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                       const RowFilter& filter, uint32_t min_cell_entities,
                       std::optional<core::RollupResult>* out) {
  const bool needed = std::any_of(filter.indicators.begin(), filter.indicators.end(),
                                  [&](const std::string& i) { return !filter.unsuppressed.count(i); });
  if (!needed) return Status::Ok();
  core::Rollup rollup(catalogue, core::RollupOptions{min_cell_entities});
  Status status = store::FeedRollup(snapshot, &rollup);
  if (status.ok()) *out = rollup.Finish();
  return status;
}

Status ReadAggregateRows(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                         const RowFilter& filter, uint32_t min_cell_entities, size_t max_rows,
                         QueryRows* out) {
  std::optional<core::RollupResult> published;
  Status status = PublishedRollup(snapshot, catalogue, filter, min_cell_entities, &published);
  if (!status.ok()) return status;
  const std::set<std::string> wanted(filter.indicators.begin(), filter.indicators.end());
  std::vector<std::pair<core::Period, wire::AggregateRowValue>> rows;
  status = snapshot.ForEachCell([&](const core::Cell& cell) {
    if (!wanted.count(cell.indicator) || !ParkSelected(filter, cell.park)) return;
    if (!InPeriodRange(cell.period, filter.from, filter.to) || rows.size() > max_rows) return;
    const core::Indicator* indicator = catalogue.FindIndicator(cell.indicator);
    wire::AggregateRowValue row{cell.indicator, cell.park, cell.period.ToString(), "", false, 0, ""};
    // A cell nothing vetted (a park the catalogue dropped) is withheld like a small one.
    row.withheld = !filter.unsuppressed.count(cell.indicator) &&
                   !published->Publishable(*indicator, cell.park, cell.period.year);
    if (!row.withheld) {
      row.value = cell.sum.ToString();
      row.entities = cell.entities;
    }
    rows.emplace_back(cell.period, std::move(row));
  });
  if (!status.ok()) return status;
  if (rows.size() > max_rows) return TooMany(max_rows);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.indicator, a.second.park, a.first) <
           std::tie(b.second.indicator, b.second.park, b.first);
  });
  out->aggregate.reserve(rows.size());
  for (auto& [period, row] : rows) out->aggregate.push_back(std::move(row));
  return Status::Ok();
}

}  // namespace

bool InPeriodRange(const core::Period& period, const std::optional<core::Period>& from,
                   const std::optional<core::Period>& to) {
  const int64_t start = period.StartUnixSeconds();
  if (from && start < from->StartUnixSeconds()) return false;
  if (to && start >= EndUnixSeconds(*to)) return false;
  return true;
}

Status ReadQueryRows(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                     const RowFilter& filter, uint32_t min_cell_entities, size_t max_rows,
                     QueryRows* out) {
  out->as_of = snapshot.Version();
  if (filter.level == core::ShareLevel::kEnterprise) {
    return ReadEnterpriseRows(snapshot, filter, max_rows, out);
  }
  return ReadAggregateRows(snapshot, catalogue, filter, min_cell_entities, max_rows, out);
}

}  // namespace kpihub::exchange
