// Workload: the observations every benchmark sends, as a pure function of an index, so that
// kpihub, the ceiling pipeline, Pushgateway and PostgreSQL receive exactly the same figures.
//
// The key space is the science and technology department's enterprise-level indicators of
// the built-in catalogue over 2017-2020: (indicator, period) x 11 parks x 100,000 enterprises,
// 132 million keys. Index i names one key; distinct indices below key_count() name distinct
// keys, so a run that uses fresh indices only inserts, and no batch holds the same key twice.
//  - clustered: consecutive indices walk the enterprises of one (indicator, period, park): a
//    batch is one department's quarter for neighbouring enterprises (adjacent B-tree keys).
//  - scattered: indices go through a multiplicative permutation of the key space: random
//    enterprises, indicators, parks and periods.
// Every observation passes the daemon's validation. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/observation.h"

namespace kpihub::bench {

enum class KeyOrder { kClustered, kScattered };
bool ParseKeyOrder(std::string_view text, KeyOrder* out);
std::string_view KeyOrderName(KeyOrder order);

class Workload {
 public:
  explicit Workload(KeyOrder order);

  static uint64_t key_count();
  // The department that owns every indicator of the workload.
  static const char* department() { return "scitech"; }

  // The (indicator, period) series, in clustered order: clustered index
  // enterprise + 100000 * (park + 11 * series) names that enterprise's figure.
  static size_t series_count();
  static const char* series_indicator(size_t series);
  static constexpr uint64_t kEnterprises = 100000;
  static constexpr uint64_t kParks = 11;

  core::Observation At(uint64_t index) const;
  // Observations [first, first + count).
  std::vector<core::Observation> Range(uint64_t first, size_t count) const;

 private:
  KeyOrder order_;
};

// Validated form of At() for writing through the store directly (the seeding tool): the same
// key and the exact decimal the daemon would have stored.
core::ValidObservation ValidAt(const Workload& workload, uint64_t index);

}  // namespace kpihub::bench
