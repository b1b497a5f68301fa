// AdapterFleet: adapters pushing the FeedModel's feeds to a daemon through the real delivery
// library (adapters/delivery: LMDB outbox, DurableSender), one thread and one outbox per
// adapter, and the record of what each got acked. Acks are checked against the feed model
// as they arrive (a delivered batch must carry the content its sequence was made with).
//
// Thread-safe: the methods may be called from the test thread while the adapters run.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "feed_model.h"
#include "kpihub/delivery/durable_sender.h"

namespace kpihub::reliability {

struct FleetOptions {
  std::string endpoint;
  std::string server_key_file;  // server.pub
  std::string key_dir;          // holds ADAPTER.key for each adapter
  std::string state_dir;        // outboxes go to state_dir/ADAPTER
  size_t batch_size = 10;
  size_t window = 4;
  size_t max_pending = 8;       // batches queued in an outbox at most
  uint64_t max_batches = 0;     // per adapter; 0: until StopEnqueuing
  int heartbeat_ms = 1000;
  int ack_timeout_ms = 1500;
  int backoff_initial_ms = 50;
  int backoff_max_ms = 400;
};

class AdapterFleet {
 public:
  AdapterFleet(std::vector<FeedSpec> feeds, FleetOptions options);
  ~AdapterFleet();  // stops the threads

  void Start();
  void StopEnqueuing();
  void ResumeEnqueuing();  // after StopEnqueuing (and WaitDrained): the feed goes on
  // Waits until every adapter has stopped enqueuing and its outbox is empty.
  bool WaitDrained(int timeout_ms);
  // Waits until at least `batches` batches were acked in all (or timeout).
  bool WaitAcked(uint64_t batches, int timeout_ms);
  void Stop();

  std::map<std::string, std::set<uint64_t>> Acked() const;
  uint64_t AckedCount() const;
  std::vector<std::string> Errors() const;
  delivery::SenderCounters Counters() const;  // summed over the adapters
  const std::vector<FeedSpec>& feeds() const { return feeds_; }
  size_t batch_size() const { return options_.batch_size; }

 private:
  class Listener;
  struct Adapter {
    FeedSpec feed;
    std::atomic<bool> drained{false};
    std::thread thread;
    delivery::SenderCounters counters;  // copied under mu_
  };
  void Run(Adapter& adapter);
  void Fail(const std::string& error);

  const std::vector<FeedSpec> feeds_;
  const FleetOptions options_;
  std::vector<std::unique_ptr<Adapter>> adapters_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> enqueuing_{true};
  mutable std::mutex mu_;
  std::map<std::string, std::set<uint64_t>> acked_;
  std::vector<std::string> errors_;
};

}  // namespace kpihub::reliability
