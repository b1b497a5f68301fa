// KpiCollector: computes the KPI and indicator figures from one consistent store snapshot
// (cells only: enterprise-level values never leave the store) and returns them as Prometheus
// gauges, with whether each KPI's figures of a year rest on approved data (正式数) or not
// yet (初步数), from the same snapshot's period states. Small cells are withheld
// (core::Rollup). The figures are computed on the first scrape after a commit or a catalogue
// reload and served from a ScrapeCache until the next one. Thread-safe: Collect may run on
// several HTTP threads at once; each call opens its own snapshot to learn the data version.
#pragma once


#include <memory>
#include <spdlog/logger.h>

#include "kpihub/core/live_config.h"
#include "kpihub/export/rendered_collectable.h"
#include "kpihub/export/scrape_cache.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class KpiCollector : public CachedCollectable {
 public:
  KpiCollector(store::Store& store, const core::LiveConfig& config, core::RollupOptions options,
               std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), options_(options), log_(std::move(log)) {}

  // Times the figures were computed rather than served from the cache (tests).
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
