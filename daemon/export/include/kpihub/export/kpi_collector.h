// KpiCollector: computes, at scrape time, the KPI and indicator figures from one consistent
// store snapshot (cells only: enterprise-level values never leave the store) and returns them
// as Prometheus gauges. Small cells are withheld (core::Rollup). Thread-safe: Collect may run
// on several HTTP threads at once; each call uses its own snapshot.
#pragma once

#include <prometheus/collectable.h>

#include <memory>
#include <spdlog/logger.h>

#include "kpihub/core/live_config.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class KpiCollector : public prometheus::Collectable {
 public:
  KpiCollector(store::Store& store, const core::LiveConfig& config, core::RollupOptions options,
               std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), options_(options), log_(std::move(log)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  const core::LiveConfig& config_;
  core::RollupOptions options_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace kpihub::exporter
