// ScrapeCache: families a collector computed from the store, rendered once in the text
// format, and kept while the data and the configuration they came from are still the ones in
// force: the store's data version (Snapshot::Version, which every commit advances) and the
// catalogue object (a reload swaps it for a new one). Scrapes in between are served from the
// cache, so an idle daemon answers /metrics without recomputing its rollup; the first scrape
// after a commit or a reload recomputes.
//
// Thread-safe: concurrent scrapes wait for one computation instead of repeating it.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/export/rendered_collectable.h"

namespace kpihub::exporter {

// A rendering of some families: as values (Collect) and as text (what /metrics sends).
struct RenderedFamilies {
  std::vector<prometheus::MetricFamily> families;
  std::string text;  // prometheus::TextSerializer of `families`
};

// Serialises `families` once into a shareable rendering.
std::shared_ptr<const RenderedFamilies> Render(std::vector<prometheus::MetricFamily> families);

// A RenderedCollectable that serves one computed rendering (usually a ScrapeCache entry):
// Collect and CollectText both hand out Current(). Thread-safe if Current() is.
class CachedCollectable : public RenderedCollectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const final;
  std::shared_ptr<const std::string> CollectText() const final;

 protected:
  // Null (error logged) when there is nothing to serve, e.g. the store cannot be read.
  virtual std::shared_ptr<const RenderedFamilies> Current() const = 0;
};

// Key of a cached computation: the data version of the snapshot it read and the
// configuration it used.
struct ScrapeKey {
  uint64_t data_version = 0;
  // Identity of the configuration the figures depend on. Held, so that its address cannot
  // be reused by a later configuration while the cache refers to it.
  std::shared_ptr<const void> config;
  friend bool operator==(const ScrapeKey& a, const ScrapeKey& b) {
    return a.data_version == b.data_version && a.config == b.config;
  }
};

template <typename Value>
class ScrapeCache {
 public:
  // Computes the value; nullptr means "could not read the store": nothing is cached and the
  // scrape gets nothing.
  using Compute = std::function<std::shared_ptr<const Value>()>;

  // The cached value if it was computed for `key`, else `compute()`'s, which is kept.
  std::shared_ptr<const Value> Get(const ScrapeKey& key, const Compute& compute) {
    std::lock_guard lock(mutex_);
    if (value_ != nullptr && key_ == key) return value_;
    ++computations_;
    std::shared_ptr<const Value> fresh = compute();
    if (fresh == nullptr) return nullptr;
    key_ = key;
    value_ = fresh;
    return fresh;
  }
  // How many times Get computed rather than served the cache (tests).
  uint64_t computations() const {
    std::lock_guard lock(mutex_);
    return computations_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<ScrapeKey> key_;
  std::shared_ptr<const Value> value_;
  uint64_t computations_ = 0;
};

}  // namespace kpihub::exporter
