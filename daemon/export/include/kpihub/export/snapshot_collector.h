// SnapshotCollector: a CachedCollectable whose families are computed from one consistent store
// snapshot and the catalogue in force (with the rollup's small-cell options), on the first
// scrape after a commit or a catalogue reload, and served from a ScrapeCache until the next
// one. Subclasses say only how the families are computed. Thread-safe: Collect may run on
// several HTTP threads at once; each call opens its own snapshot to learn the data version.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>

#include "kpihub/core/live_config.h"
#include "kpihub/core/rollup.h"
#include "kpihub/export/scrape_cache.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class SnapshotCollector : public CachedCollectable {
 public:
  // Times the figures were computed rather than served from the cache (tests).
  uint64_t computations() const { return cache_.computations(); }

 protected:
  // `what` names the scrape in the log when the store cannot be read ("rule scrape").
  SnapshotCollector(store::Store& store, const core::LiveConfig& config,
                    core::RollupOptions options, std::shared_ptr<spdlog::logger> log,
                    std::string what)
      : store_(store), config_(config), options_(options), log_(std::move(log)),
        what_(std::move(what)) {}

  // The families of `snapshot` under `catalogue`. Ends the snapshot (reset) as soon as it has
  // read what it needs. Null when the store could not be read (ReadOk logs it).
  virtual std::shared_ptr<const RenderedFamilies> Compute(std::unique_ptr<store::Snapshot> snapshot,
                                                          const core::Catalogue& catalogue) const = 0;
  // True when `read` is ok; else logs the store as unreadable for this scrape.
  bool ReadOk(const kpihub::Status& read) const;
  const core::RollupOptions& options() const { return options_; }

 private:
  std::shared_ptr<const RenderedFamilies> Current() const final;

  store::Store& store_;
  const core::LiveConfig& config_;
  core::RollupOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::string what_;
  mutable ScrapeCache<RenderedFamilies> cache_;
};

}  // namespace kpihub::exporter
