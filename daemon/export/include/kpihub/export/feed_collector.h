// FeedCollector: each department's feed against its contract (catalogue [[department]]
// cadence, deadline_days, max_silence_seconds), computed at scrape time: the contract itself,
// the last accepted batch of any of the department's adapters and the silence since, and the
// completeness of each year (cells due vs received, core::FeedCompleteness).
// Thread-safe: each Collect uses its own snapshot; the clock must be thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <spdlog/logger.h>

#include <memory>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class FeedCollector : public prometheus::Collectable {
 public:
  FeedCollector(store::Store& store, const core::LiveConfig& config, const core::Clock& clock,
                std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), clock_(clock), log_(std::move(log)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  const core::LiveConfig& config_;
  const core::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace kpihub::exporter
