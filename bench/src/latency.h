// Throughput and latency summary of one load run, and its one-line JSON form that
// bench/run_bench.py reads. Value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kpihub::bench {

struct RunSummary {
  uint64_t observations = 0;  // acknowledged (or, for Pushgateway, answered 2xx)
  uint64_t batches = 0;
  uint64_t rejected = 0;      // observations refused by the receiver
  uint64_t failures = 0;      // batches not acknowledged as accepted
  double seconds = 0;
  std::vector<double> latencies_ms;  // one per acknowledged batch
  std::string error;                 // set when the run could not complete
};

double Percentile(std::vector<double> values, double p);
// {"observations":..,"batches":..,"seconds":..,"obs_per_s":..,"batches_per_s":..,
//  "p50_ms":..,"p99_ms":..,"rejected":..,"failures":..,"error":".."}
std::string ToJson(const RunSummary& summary);

}  // namespace kpihub::bench
