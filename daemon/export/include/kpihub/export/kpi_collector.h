// KpiCollector: computes the KPI and indicator figures from one consistent store snapshot
// (cells only: enterprise-level values never leave the store) and returns them as Prometheus
// gauges, with whether each KPI's figures of a year rest on approved data (正式数) or not
// yet (初步数), from the same snapshot's period states. Small cells are withheld
// (core::Rollup). Computed and cached as every SnapshotCollector. Thread-safe.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "kpihub/export/snapshot_collector.h"

namespace kpihub::exporter {

class KpiCollector : public SnapshotCollector {
 public:
  KpiCollector(store::Store& store, const core::LiveConfig& config, core::RollupOptions options,
               std::shared_ptr<spdlog::logger> log)
      : SnapshotCollector(store, config, options, std::move(log), "scrape") {}

 private:
  std::shared_ptr<const RenderedFamilies> Compute(std::unique_ptr<store::Snapshot> snapshot,
                                                  const core::Catalogue& catalogue) const override;
};

}  // namespace kpihub::exporter
