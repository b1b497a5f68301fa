// RuleCollector: the catalogue's validation rules ([[rule]]) evaluated on the merged state at
// scrape time (core::RuleCheck): a violation count per rule, park and year, and a `_info`
// series per rule. Enterprise figures are read inside the daemon, only counts are exported.
// Thread-safe: each Collect uses its own snapshot.
#pragma once

#include <prometheus/collectable.h>
#include <spdlog/logger.h>

#include <memory>

#include "kpihub/core/live_config.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class RuleCollector : public prometheus::Collectable {
 public:
  RuleCollector(store::Store& store, const core::LiveConfig& config,
                std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), log_(std::move(log)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  const core::LiveConfig& config_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace kpihub::exporter
