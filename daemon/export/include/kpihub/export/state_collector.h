// StateCollector: the daemon's own state at scrape time — per-adapter sequence and last
// accepted batch time (feed freshness), store size and map use, and build info.
// Thread-safe: each Collect uses its own snapshot.
#pragma once

#include <prometheus/collectable.h>

#include <string>

#include "kpihub/store/store.h"

namespace kpihub::exporter {

class StateCollector : public prometheus::Collectable {
 public:
  StateCollector(store::Store& store, std::string version)
      : store_(store), version_(std::move(version)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  std::string version_;
};

}  // namespace kpihub::exporter
