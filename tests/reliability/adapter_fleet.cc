#include "adapter_fleet.h"

#include <chrono>

#include "kpihub/delivery/outbox.h"
#include "kpihub/platform/system_clock.h"

namespace kpihub::reliability {
namespace {

bool SameContent(const delivery::StoredBatch& batch, const std::vector<core::Observation>& want) {
  if (batch.entries.size() != want.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    const core::Observation& got = batch.entries[i].observation;
    if (got.indicator != want[i].indicator || got.park != want[i].park ||
        got.entity != want[i].entity || got.period != want[i].period || got.value != want[i].value) {
      return false;
    }
  }
  return true;
}

}  // namespace

class AdapterFleet::Listener : public delivery::DeliveryListener {
 public:
  Listener(AdapterFleet& fleet, const FeedSpec& feed) : fleet_(fleet), feed_(feed) {}
  void OnDelivered(const delivery::StoredBatch& batch, const wire::AckMessage& ack) override {
    if (!SameContent(batch, BatchContent(feed_, batch.sequence, fleet_.options_.batch_size))) {
      fleet_.Fail(feed_.adapter + ": batch " + std::to_string(batch.sequence) +
                  " delivered with content made for another sequence");
    }
    if (!ack.rejections.empty()) {
      fleet_.Fail(feed_.adapter + ": batch " + std::to_string(batch.sequence) + " had " +
                  std::to_string(ack.rejections.size()) + " rejections");
    }
    std::lock_guard lock(fleet_.mu_);
    if (!fleet_.acked_[feed_.adapter].insert(batch.sequence).second) {
      fleet_.errors_.push_back(feed_.adapter + ": batch " + std::to_string(batch.sequence) +
                               " delivered twice");
    }
  }
  void OnRefused(const delivery::StoredBatch& batch, const wire::AckMessage& ack) override {
    fleet_.Fail(feed_.adapter + ": batch " + std::to_string(batch.sequence) + " refused: " +
                ack.frame_detail);
  }

 private:
  AdapterFleet& fleet_;
  const FeedSpec& feed_;
};

AdapterFleet::AdapterFleet(std::vector<FeedSpec> feeds, FleetOptions options)
    : feeds_(std::move(feeds)), options_(std::move(options)) {}

AdapterFleet::~AdapterFleet() { Stop(); }

void AdapterFleet::Start() {
  for (const FeedSpec& feed : feeds_) {
    auto adapter = std::make_unique<Adapter>();
    adapter->feed = feed;
    adapters_.push_back(std::move(adapter));
  }
  for (auto& adapter : adapters_) {
    Adapter* a = adapter.get();
    a->thread = std::thread([this, a] { Run(*a); });
  }
}

void AdapterFleet::Fail(const std::string& error) {
  std::lock_guard lock(mu_);
  errors_.push_back(error);
}

void AdapterFleet::Run(Adapter& adapter) {
  const FeedSpec& feed = adapter.feed;
  auto outbox = delivery::Outbox::Open(options_.state_dir + "/" + feed.adapter);
  if (!outbox.ok()) return Fail(feed.adapter + ": outbox: " + outbox.status().message());
  delivery::SenderOptions so;
  if (Status keys = delivery::LoadCurveKeys(options_.key_dir + "/" + feed.adapter + ".key",
                                            options_.server_key_file, &so);
      !keys.ok()) {
    return Fail(feed.adapter + ": keys: " + keys.message());
  }
  so.endpoint = options_.endpoint;
  so.batch_size = options_.batch_size;
  so.window = options_.window;
  so.heartbeat_ms = options_.heartbeat_ms;
  so.ack_timeout_ms = options_.ack_timeout_ms;
  so.backoff_initial_ms = options_.backoff_initial_ms;
  so.backoff_max_ms = options_.backoff_max_ms;
  zmq::context_t context(1);
  platform::SystemClock clock;
  Listener listener(*this, feed);
  {
    delivery::DurableSender sender(context, **outbox, so, clock, &listener);
    uint64_t enqueued = (*outbox)->next_sequence() - 1;
    while (!stop_.load()) {
      const bool more = enqueuing_.load() &&
                        (options_.max_batches == 0 || enqueued < options_.max_batches);
      if (more && sender.pending_batches() < options_.max_pending) {
        const uint64_t seq = (*outbox)->next_sequence();
        std::vector<delivery::OutboxEntry> entries;
        for (auto& o : BatchContent(feed, seq, options_.batch_size)) entries.push_back({o, ""});
        if (!sender.Enqueue(entries).ok()) return Fail(feed.adapter + ": enqueue: " + sender.error());
        enqueued = seq;
      }
      auto result = sender.Drain(50, [this] { return !stop_.load(); });
      if (result == delivery::DrainResult::kUnauthorized ||
          result == delivery::DrainResult::kStorageError) {
        return Fail(feed.adapter + ": " + std::string(delivery::DrainResultName(result)) + ": " +
                    sender.error());
      }
      {
        std::lock_guard lock(mu_);
        adapter.counters = sender.counters();
      }
      adapter.drained = !more && result == delivery::DrainResult::kEmpty;
      if (adapter.drained) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void AdapterFleet::StopEnqueuing() { enqueuing_ = false; }

void AdapterFleet::ResumeEnqueuing() { enqueuing_ = true; }

bool AdapterFleet::WaitDrained(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (auto& a : adapters_) all = all && a->drained.load();
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool AdapterFleet::WaitAcked(uint64_t batches, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (AckedCount() >= batches) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void AdapterFleet::Stop() {
  stop_ = true;
  for (auto& a : adapters_) {
    if (a->thread.joinable()) a->thread.join();
  }
}

std::map<std::string, std::set<uint64_t>> AdapterFleet::Acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

uint64_t AdapterFleet::AckedCount() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [id, seqs] : acked_) n += seqs.size();
  return n;
}

std::vector<std::string> AdapterFleet::Errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

delivery::SenderCounters AdapterFleet::Counters() const {
  std::lock_guard lock(mu_);
  delivery::SenderCounters sum;
  for (const auto& a : adapters_) {
    sum.batches_sent += a->counters.batches_sent;
    sum.batches_resent += a->counters.batches_resent;
    sum.batches_delivered += a->counters.batches_delivered;
    sum.batches_refused += a->counters.batches_refused;
    sum.rewinds += a->counters.rewinds;
    sum.reconnects += a->counters.reconnects;
  }
  return sum;
}

}  // namespace kpihub::reliability
