// ClosingCollector: closing a year (core/period_state.h; docs/operations.md, "Closing a
// year") as gauges. Per department that submits (the approving office has no years of its
// own) and per tracked year, from core::ClosingFromYear to the last ended year: its state
// (open, submitted, approved), the moment it must be submitted by and whether that moment has
// passed with the year still open; and the accepted restatements per department, year and KPI
// affected. A restatement is counted, never listed: its enterprise and values stay in the
// store (`kpihub restatements` lists them to operators).
//
// The stored part (the states and the restatement counts) is read on the first scrape after a
// commit or a catalogue reload and cached until the next one; which years are tracked and
// which are overdue depend on the clock and are worked out on every scrape.
// Thread-safe: Collect may run on several HTTP threads at once; the clock must be thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <spdlog/logger.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/core/period_state.h"
#include "kpihub/export/scrape_cache.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class ClosingCollector : public prometheus::Collectable {
 public:
  ClosingCollector(store::Store& store, const core::LiveConfig& config, const core::Clock& clock,
                   std::shared_ptr<spdlog::logger> log)
      : store_(store), config_(config), clock_(clock), log_(std::move(log)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

  // What the store says about closing, as of one data version and catalogue.
  struct StoredClosing {
    core::PeriodStates states;
    // (department, year, kpi) -> accepted restatements; kpi "" for an indicator no KPI uses.
    std::map<std::tuple<std::string, int, std::string>, uint64_t> restatements;
  };

 private:
  std::shared_ptr<const StoredClosing> Current(const core::LiveConfig::View& view) const;

  store::Store& store_;
  const core::LiveConfig& config_;
  const core::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  mutable ScrapeCache<StoredClosing> cache_;
};

}  // namespace kpihub::exporter
