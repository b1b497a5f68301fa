// RuleCollector: the catalogue's validation rules ([[rule]]) evaluated on the merged state at
// scrape time (core::RuleCheck): a violation count per rule, park and year, and a `_info`
// series per rule. Enterprise figures are read inside the daemon (only the ranges of the
// indicators the rules name), only counts are exported. Computed on the first scrape after a
// commit or a reload, then served from a ScrapeCache.
// Thread-safe: each Collect opens its own snapshot.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "kpihub/core/live_config.h"
#include "kpihub/export/rendered_collectable.h"
#include "kpihub/core/rollup.h"
#include "kpihub/export/scrape_cache.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class RuleCollector : public CachedCollectable {
 public:
  // `options`: the small-cell threshold every output withholds by; a count is published only
  // for park-years the rollup publishes.
  RuleCollector(store::Store& store, const core::LiveConfig& config, core::RollupOptions options,
                std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), options_(options), log_(std::move(log)) {}

  uint64_t computations() const { return cache_.computations(); }

 private:
  std::shared_ptr<const RenderedFamilies> Current() const override;

  store::Store& store_;
  const core::LiveConfig& config_;
  core::RollupOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  mutable ScrapeCache<RenderedFamilies> cache_;
};

}  // namespace kpihub::exporter
