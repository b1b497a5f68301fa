// StateCollector: the daemon's own state at scrape time — per-adapter sequence and last
// accepted batch time (feed freshness), store size and map use (against the largest map the
// store may grow to), build info and start time.
// Thread-safe: each Collect uses its own snapshot.
#pragma once

#include <prometheus/collectable.h>

#include <string>

#include "kpihub/export/build_info.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

class StateCollector : public prometheus::Collectable {
 public:
  // `max_map_bytes`: the largest the map may grow to (0: not exported); `start_unix_seconds`:
  // when the daemon started (0: not exported), for restarts on the operations board.
  StateCollector(store::Store& store, BuildInfo build, uint64_t max_map_bytes = 0,
                 double start_unix_seconds = 0)
      : store_(store),
        build_(std::move(build)),
        max_map_bytes_(max_map_bytes),
        start_unix_seconds_(start_unix_seconds) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  BuildInfo build_;
  uint64_t max_map_bytes_;
  double start_unix_seconds_;
};

}  // namespace kpihub::exporter
