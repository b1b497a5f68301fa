// RuleCollector: the catalogue's validation rules ([[rule]]) evaluated on the merged state at
// scrape time (core::RuleCheck): a violation count per rule, park and year, and a `_info`
// series per rule. Enterprise figures are read inside the daemon (only the ranges of the
// indicators the rules name), only counts are exported. Computed and cached as every
// SnapshotCollector. Thread-safe.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "kpihub/export/snapshot_collector.h"

namespace kpihub::exporter {

class RuleCollector : public SnapshotCollector {
 public:
  // `options`: the small-cell threshold every output withholds by; a count is published only
  // for park-years the rollup publishes.
  RuleCollector(store::Store& store, const core::LiveConfig& config, core::RollupOptions options,
                std::shared_ptr<spdlog::logger> log)
      : SnapshotCollector(store, config, options, std::move(log), "rule scrape") {}

 private:
  std::shared_ptr<const RenderedFamilies> Compute(std::unique_ptr<store::Snapshot> snapshot,
                                                  const core::Catalogue& catalogue) const override;
};

}  // namespace kpihub::exporter
