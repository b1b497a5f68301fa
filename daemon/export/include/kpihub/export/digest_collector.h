// DigestCollector: kpihub_state_digest, one number per year of the stored figures, so that
// two kpihubd replicas fed the same batches can be compared by Prometheus: equal digests mean
// equal merged figures for that year (docs/monitoring.md, "Replicas").
//
// A year's digest covers every stored figure whose period falls in the year (the year, its
// quarters and months): its key (indicator, park, period, entity) and what the store keeps as
// its content (the exact decimal value and the note). It leaves out everything that may
// legitimately differ between replicas fed the same figures: which adapter wrote a figure
// last and under which sequence, when it arrived, the journal, history, dead letters and
// sender states. Each figure is hashed on its own and the hashes are summed, so the digest
// does not depend on the order the store hands the figures out in either. A series with
// period="all" digests every year at once, so a year only one replica holds still differs.
//
// Exported values are the low 52 bits of a 64-bit hash: Prometheus keeps float64, which
// represents every integer below 2^53 exactly, so the value compares and prints exactly.
//
// Computed on the first scrape after a commit and served from a ScrapeCache until the next;
// it does not depend on the catalogue. Thread-safe: each computation opens its own snapshot.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <map>
#include <memory>

#include "kpihub/core/status.h"
#include "kpihub/export/rendered_collectable.h"
#include "kpihub/export/scrape_cache.h"
#include "kpihub/store/store.h"

namespace kpihub::exporter {

// The digests of one snapshot's figures, 52 bits each.
struct StateDigests {
  std::map<int, uint64_t> by_year;  // year -> digest; only years with a stored figure
  uint64_t all = 0;                 // every figure of the store (0 when there is none)
  uint64_t figures = 0;             // how many figures were digested
};

// Digests the stored figures `snapshot` sees. A figure whose period does not parse (none
// should) counts in `all` only.
Status ComputeStateDigests(store::Snapshot& snapshot, StateDigests* out);

class DigestCollector : public CachedCollectable {
 public:
  DigestCollector(store::Store& store, std::shared_ptr<spdlog::logger> log)
      : store_(store), log_(std::move(log)) {}

  // Times the digests were computed rather than served from the cache (tests).
  uint64_t computations() const { return cache_.computations(); }

 private:
  std::shared_ptr<const RenderedFamilies> Current() const override;

  store::Store& store_;
  std::shared_ptr<spdlog::logger> log_;
  mutable ScrapeCache<RenderedFamilies> cache_;
};

}  // namespace kpihub::exporter
