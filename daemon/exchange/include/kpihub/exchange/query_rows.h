// QueryRows: every row one query asks for, read from one store snapshot, in a fixed order
// (indicator, park, period, entity), so that the same query at the same data version always
// gives the same rows and a page is a slice of them. Enterprise rows are the stored figures;
// aggregate rows are the park cells, withheld as every published output withholds them
// (core/rollup.h) unless the consumer may see the enterprise figures anyway.
// Pure given the snapshot; thread-compatible like the snapshot.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/period.h"
#include "kpihub/store/store.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::exchange {

// What a query selects, checked against the catalogue.
struct RowFilter {
  std::vector<std::string> indicators;        // known codes, sorted, unique
  std::set<std::string> parks;                // empty: every park
  std::optional<core::Period> from, to;       // inclusive
  std::set<std::string> entities;             // empty: every enterprise
  core::ShareLevel level = core::ShareLevel::kAggregate;
  // Indicators whose aggregates are given unsuppressed: own data, or an enterprise agreement.
  std::set<std::string> unsuppressed;
};

struct QueryRows {
  uint64_t as_of = 0;  // Snapshot::Version() they were read at
  std::vector<wire::EnterpriseRowValue> enterprise;
  std::vector<wire::AggregateRowValue> aggregate;
  size_t size() const { return enterprise.size() + aggregate.size(); }
};

// Whether `period` lies within [from, to] (each bound optional): it starts at or after the
// start of `from` and before the end of `to`, whatever the two kinds.
bool InPeriodRange(const core::Period& period, const std::optional<core::Period>& from,
                   const std::optional<core::Period>& to);

// Reads the rows; kUnavailable when there are more than `max_rows`.
Status ReadQueryRows(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                     const RowFilter& filter, uint32_t min_cell_entities, size_t max_rows,
                     QueryRows* out);

}  // namespace kpihub::exchange
