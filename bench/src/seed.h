// Seeding: writes workload observations straight through the store library (kpihubd must not
// be running on the directory), so the state is the daemon's real on-disk format with cells,
// history, journal and sender state, built in a fraction of the time a push would take. The
// environment is opened without sync: the pages reach the file through the page cache and
// the next process sees them; the benchmark never seeds a store it then crashes.
#pragma once

#include <cstdint>
#include <string>

#include "workload.h"

namespace kpihub::bench {

struct SeedOptions {
  std::string state_dir;
  KeyOrder order = KeyOrder::kScattered;
  uint64_t first_index = 0;
  uint64_t observations = 0;
  size_t batch_size = 10000;
  size_t group_batches = 8;
  // Instead of an index range: every enterprise x these indicators' series (4 years), each
  // enterprise in one park. Comma-separated indicator codes; empty for the index range.
  std::string enterprise_indicators;
  uint64_t enterprises = Workload::kEnterprises;
};

struct SeedResult {
  uint64_t observations = 0;
  double seconds = 0;
  std::string error;
};

SeedResult Seed(const SeedOptions& options);

}  // namespace kpihub::bench
