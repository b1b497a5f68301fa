// The stores a zone's IT team would otherwise pick, loaded with the same workload as kpihubd:
//  - Prometheus Pushgateway: each batch is one HTTP POST of a group (one text-format sample
//    per observation) over a keep-alive connection, one connection per adapter. A push is
//    answered when the Pushgateway holds it in memory: no durable ack, and a push replaces
//    its group rather than merging revisions per figure.
//  - PostgreSQL: each batch is one multi-row INSERT ... ON CONFLICT DO UPDATE (primary key
//    indicator, park, period, entity) in its own transaction, committed with the server's
//    synchronous_commit, one connection per adapter. The KPI table is then one SQL query.
#pragma once

#include <barrier>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "latency.h"
#include "workload.h"

namespace kpihub::bench {

struct AlternativeLoadOptions {
  std::string target;  // Pushgateway base URL, or a libpq connection string
  size_t adapters = 4;
  size_t batch_size = 100;
  uint64_t observations = 100000;
  uint64_t first_index = 0;
  KeyOrder order = KeyOrder::kScattered;
};

// One adapter's share of a run: `batches` batches, started at `start`, its own figures in `out`
// and the moment it finished in `finished`.
using AdapterRun = std::function<void(const AlternativeLoadOptions& options, size_t adapter,
                                      uint64_t batches, std::barrier<>& start, RunSummary* out,
                                      std::chrono::steady_clock::time_point* finished)>;
// Runs options.adapters adapters in threads released together, and sums their figures; the
// run lasts until the last adapter finishes.
RunSummary RunAdapters(const AlternativeLoadOptions& options, const AdapterRun& run);

RunSummary RunPushgatewayLoad(const AlternativeLoadOptions& options);

// Creates the table if needed.
std::string PreparePostgres(const std::string& conninfo);
RunSummary RunPostgresLoad(const AlternativeLoadOptions& options);

struct KpiQueryResult {
  uint64_t rows = 0;
  double seconds = 0;
  std::string error;
};
// The cells and the zone's yearly figures from the observations table, as SQL.
KpiQueryResult RunPostgresKpiQuery(const std::string& conninfo);

}  // namespace kpihub::bench
