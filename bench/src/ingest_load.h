// IngestLoad: N adapters, each a thread with its own ZeroMQ context and kpihub client
// Connection (CURVE DEALER), push pre-encoded Batch frames with up to `window` batches in
// flight (or at a fixed offered rate) and time every ack. Works against kpihubd and against the ceiling pipeline, which
// speak the same protocol. Each adapter first learns the sequence the receiver expects with
// a probe frame far ahead (answered outOfOrder, nothing applied).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "latency.h"
#include "workload.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::bench {

struct IngestLoadOptions {
  std::string endpoint;
  std::string server_public_z85;
  std::vector<wire::CurveKeyPair> adapters;  // one thread per key
  size_t batch_size = 100;
  uint64_t observations = 100000;  // in total, split evenly between adapters
  uint64_t first_index = 0;        // workload index of the first observation
  KeyOrder order = KeyOrder::kScattered;
  size_t window = 64;              // batches in flight per adapter
  // Offered load: batches per second over all adapters, each sent at its due time (open
  // loop); 0 sends as fast as the window allows. A batch's latency is counted from its due
  // time, so a sender that falls behind shows as latency, not as a lower rate with good
  // latencies (no coordinated omission).
  double rate = 0;
  int ack_timeout_ms = 30000;
};

RunSummary RunIngestLoad(const IngestLoadOptions& options);

}  // namespace kpihub::bench
