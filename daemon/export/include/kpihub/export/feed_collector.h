// FeedCollector: each department's feed against its contract (catalogue [[department]]
// cadence, deadline_days, max_silence_seconds), computed at scrape time: the contract itself,
// the last accepted batch of any of the department's adapters and the silence since, and the
// completeness of each year (cells due vs received, core::FeedCompleteness).
// What it reads from the store is kept in a ScrapeCache until the next commit or reload; what
// depends on the clock is computed on every scrape.
// Thread-safe: each Collect opens its own snapshot; the clock must be thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <spdlog/logger.h>

#include <map>
#include <memory>
#include <string>

#include "kpihub/core/clock.h"
#include "kpihub/core/feed_completeness.h"
#include "kpihub/core/live_config.h"
#include "kpihub/export/scrape_cache.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class FeedCollector : public prometheus::Collectable {
 public:
  FeedCollector(store::Store& store, const core::LiveConfig& config, const core::Clock& clock,
                std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), clock_(clock), log_(std::move(log)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;
  uint64_t computations() const { return cache_.computations(); }

 private:
  // What the families are computed from, as read from one snapshot.
  struct StoredFeeds {
    explicit StoredFeeds(std::shared_ptr<const core::Catalogue> c)
        : catalogue(std::move(c)), completeness(*catalogue) {}
    std::shared_ptr<const core::Catalogue> catalogue;
    core::FeedCompleteness completeness;
    std::map<std::string, int64_t> last_ms;  // department -> latest batch of its adapters
  };
  std::shared_ptr<const StoredFeeds> Current(const core::LiveConfig::View& view) const;

  store::Store& store_;
  const core::LiveConfig& config_;
  const core::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  mutable ScrapeCache<StoredFeeds> cache_;
};

}  // namespace kpihub::exporter
