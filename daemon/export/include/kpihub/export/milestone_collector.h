// MilestoneCollector: the catalogue's yes/no milestones (docs/catalogue.md, "[[milestone]]")
// as gauges: what each is, its state now (achieved, achieved_late, pending, overdue) and the
// month achieved. The state depends on the clock (a milestone becomes overdue when its year
// due ends), so it is computed on every scrape from the few stored milestone reports. The
// approval document's reference is free text and stays out of the metrics (`kpihub
// milestones` and the report show it).
// Thread-safe: each Collect opens its own snapshot; the clock must be thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <spdlog/logger.h>

#include <memory>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class MilestoneCollector : public prometheus::Collectable {
 public:
  MilestoneCollector(store::Store& store, const core::LiveConfig& config,
                     const core::Clock& clock, std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), clock_(clock), log_(std::move(log)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  const core::LiveConfig& config_;
  const core::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace kpihub::exporter
