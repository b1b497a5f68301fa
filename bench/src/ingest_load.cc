#include "ingest_load.h"

#include <zmq.hpp>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <thread>

#include "kpihub/client/connection.h"
#include "kpihub/wire/codec.h"

namespace kpihub::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kProbeSequence = 1ull << 62;

struct AdapterResult {
  RunSummary summary;
  Clock::time_point finished;
};

struct AdapterPlan {
  uint64_t first_index = 0;
  uint64_t batches = 0;
};

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The sequence the receiver expects next from this key, or 0 if it did not answer.
uint64_t ProbeNextSequence(client::Connection& connection, int timeout_ms) {
  if (!connection.SendFrame(wire::EncodeBatch(kProbeSequence, NowUnixMs(), {}))) return 0;
  auto ack = connection.ReceiveAck(timeout_ms);
  if (!ack || ack->status != wire::AckStatus::kOutOfOrder) return 0;
  return ack->next_expected;
}

// Sends every frame with up to `window` in flight, as fast as acks allow or each at its due
// time when `rate` is set; acks come back in send order.
void Pump(client::Connection& connection, const std::vector<std::string>& frames,
          uint64_t first_sequence, size_t batch_size, const IngestLoadOptions& options,
          double rate, RunSummary* out) {
  std::vector<Clock::time_point> sent_at(frames.size());
  const Clock::time_point start = Clock::now();
  const auto due = [&](size_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(i) / rate));
  };
  size_t sent = 0, acked = 0;
  Clock::time_point last_progress = Clock::now();
  out->latencies_ms.reserve(frames.size());
  while (acked < frames.size()) {
    const Clock::time_point now = Clock::now();
    while (sent < frames.size() && sent - acked < options.window &&
           (rate <= 0 || now >= due(sent))) {
      sent_at[sent] = rate > 0 ? due(sent) : Clock::now();
      if (!connection.SendFrame(frames[sent])) break;  // send queue full: read acks first
      ++sent;
    }
    int wait_ms = options.ack_timeout_ms;
    if (rate > 0 && sent < frames.size() && sent - acked < options.window) {
      // Wake for the next due time.
      wait_ms = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(due(sent) - Clock::now()).count()));
    }
    if (sent == acked) {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      continue;
    }
    auto ack = connection.ReceiveAck(wait_ms);
    if (!ack) {
      if (Clock::now() - last_progress > std::chrono::milliseconds(options.ack_timeout_ms)) {
        out->error = "no ack within " + std::to_string(options.ack_timeout_ms) + " ms";
        return;
      }
      continue;
    }
    const uint64_t i = ack->sequence - first_sequence;
    if (ack->sequence < first_sequence || i >= sent) continue;  // not one of ours
    ++acked;
    last_progress = Clock::now();
    if (ack->status != wire::AckStatus::kAccepted) {
      ++out->failures;
      out->error = "ack " + std::string(wire::AckStatusName(ack->status)) + " for sequence " +
                   std::to_string(ack->sequence);
      continue;
    }
    out->latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - sent_at[i]).count());
    out->batches += 1;
    out->observations += batch_size - ack->rejections.size();
    out->rejected += ack->rejections.size();
  }
}

void RunAdapter(const IngestLoadOptions& options, const wire::CurveKeyPair& keys,
                const AdapterPlan& plan, std::barrier<>& start, Clock::time_point* started,
                AdapterResult* result) {
  zmq::context_t context(1);
  client::ConnectionOptions connection_options;
  connection_options.endpoint = options.endpoint;
  connection_options.server_public_z85 = options.server_public_z85;
  connection_options.client_keys = keys;
  client::Connection connection(context, connection_options);
  const uint64_t first_sequence = ProbeNextSequence(connection, options.ack_timeout_ms);
  const Workload workload(options.order);
  std::vector<std::string> frames;
  frames.reserve(plan.batches);
  for (uint64_t b = 0; b < plan.batches && first_sequence != 0; ++b) {
    frames.push_back(wire::EncodeBatch(
        first_sequence + b, NowUnixMs(),
        workload.Range(plan.first_index + b * options.batch_size, options.batch_size)));
  }
  start.arrive_and_wait();  // every adapter connected and encoded: the clock starts
  if (started != nullptr) *started = Clock::now();
  if (first_sequence == 0) {
    result->summary.error = "the receiver did not answer the sequence probe";
  } else {
    const double rate = options.rate / static_cast<double>(options.adapters.size());
    Pump(connection, frames, first_sequence, options.batch_size, options, rate,
         &result->summary);
  }
  result->finished = Clock::now();
}

}  // namespace

RunSummary RunIngestLoad(const IngestLoadOptions& options) {
  const size_t adapters = options.adapters.size();
  const uint64_t per_adapter_batches =
      std::max<uint64_t>(1, options.observations / options.batch_size / adapters);
  std::vector<AdapterResult> results(adapters);
  std::barrier start(static_cast<ptrdiff_t>(adapters));
  Clock::time_point started;
  std::vector<std::thread> threads;
  for (size_t a = 0; a < adapters; ++a) {
    AdapterPlan plan{options.first_index + a * per_adapter_batches * options.batch_size,
                     per_adapter_batches};
    threads.emplace_back(RunAdapter, std::cref(options), std::cref(options.adapters[a]), plan,
                         std::ref(start), a == 0 ? &started : nullptr, &results[a]);
  }
  for (auto& t : threads) t.join();
  RunSummary total;
  Clock::time_point finished = started;
  for (AdapterResult& r : results) {
    total.observations += r.summary.observations;
    total.batches += r.summary.batches;
    total.rejected += r.summary.rejected;
    total.failures += r.summary.failures;
    total.latencies_ms.insert(total.latencies_ms.end(), r.summary.latencies_ms.begin(),
                              r.summary.latencies_ms.end());
    if (total.error.empty()) total.error = r.summary.error;
    finished = std::max(finished, r.finished);
  }
  total.seconds = std::chrono::duration<double>(finished - started).count();
  return total;
}

}  // namespace kpihub::bench
