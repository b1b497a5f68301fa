// DurableSender::Replicated: delivery of one outbox to a replica pair (SenderOptions::replicas).
// Each replica has a ReplicaLink: its own connection, window, resends, rewinds and back-off;
// the cursors (what each replica acked) live in the outbox. durable_sender.h has the contract.
// Not thread-safe: the DurableSender's thread.
#pragma once

#include <zmq.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/delivery/durable_sender.h"
#include "kpihub/delivery/link_monitor.h"
#include "sender_core.h"

namespace kpihub::delivery {

// The sending side of one replica. Sequences [base, next_send) are in flight.
struct ReplicaLink {
  ReplicaEndpoint endpoint;
  std::unique_ptr<zmq::socket_t> socket;
  std::unique_ptr<LinkMonitor> monitor;
  bool had_session = false;
  bool needs_rebuild = false;  // asked for what the outbox no longer holds; probed slowly
  uint64_t expected = 0;       // what it asked for when it needed a rebuild
  uint64_t next_send = 1;
  uint64_t generation = 0;
  std::map<uint64_t, uint64_t> sent_generation;
  std::map<uint64_t, int64_t> sent_at_ms;
  int64_t resume_at_ms = 0;
  int backoff_ms = 0;
  size_t probe_left = 0;
  uint64_t rewound_to = 0;
  ReplicaStatus counters;  // the counter fields only
};

class DurableSender::Replicated : private SenderCore {
 public:
  Replicated(zmq::context_t& context, Outbox& outbox, SenderOptions options,
             const core::Clock& clock, DeliveryListener* listener);
  ~Replicated();

  Status Enqueue(const std::vector<OutboxEntry>& entries);
  DrainResult Drain(int64_t max_wait_ms, const std::function<bool()>& keep_going);
  const SenderCounters& counters() const { return counters_; }
  size_t pending_batches() const { return outbox_.next_sequence() - front_; }
  const std::string& error() const { return error_; }
  std::vector<ReplicaStatus> Replicas() const;

 private:
  using Result = std::optional<DrainResult>;
  void Load();
  void Connect(ReplicaLink& link);
  uint64_t Base(const ReplicaLink& link) const;
  ReplicaCursor& CursorOf(const ReplicaLink& link) { return cursors_[link.endpoint.server_public_z85]; }
  const ReplicaCursor& CursorOf(const ReplicaLink& link) const;
  ReplicaState StateOf(const ReplicaLink& link) const;
  ReplicaStatus StatusOf(const ReplicaLink& link) const;
  void Report(const ReplicaLink& link);
  bool SendWhatFits(ReplicaLink& link);
  Result PollOnce(int timeout_ms);
  Result HandleAck(ReplicaLink& link, const wire::AckMessage& ack);
  Result OnOutOfOrder(ReplicaLink& link, const wire::AckMessage& ack);
  Result OnMalformed(ReplicaLink& link, const wire::AckMessage& ack);
  Result OnOutboxLost(uint64_t expected);
  bool Acked(ReplicaLink& link, uint64_t sequence, const wire::AckMessage* ack);
  bool ReportDelivered(uint64_t from, uint64_t through, const wire::AckMessage* ack);
  bool NeedsRebuild(ReplicaLink& link, uint64_t expected);
  bool Refuse(uint64_t sequence, const wire::AckMessage& ack);
  bool Store();
  uint64_t HighestAcked() const;
  void ResendAll(ReplicaLink& link);
  void BackOff(ReplicaLink& link);
  void CheckAckTimeout(ReplicaLink& link);
  bool ReleaseDown();

  std::vector<ReplicaLink> links_;
  std::map<std::string, ReplicaCursor> cursors_;  // by server public key
  uint64_t front_ = 1;  // lowest sequence the outbox holds (next_sequence when empty)
};

}  // namespace kpihub::delivery
