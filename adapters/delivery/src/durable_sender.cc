#include "kpihub/delivery/durable_sender.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "batch_frames.h"
#include "kpihub/delivery/link_monitor.h"
#include "kpihub/platform/curve_dealer.h"
#include "replicated_sender.h"
#include "sender_core.h"

namespace kpihub::delivery {

using wire::AckStatus;

Status LoadCurveKeys(const std::string& key_file, const std::string& server_key_file,
                     SenderOptions* options) {
  auto keys = wire::ReadClientKeys(key_file, server_key_file);
  if (!keys.ok()) return keys.status();
  options->client_keys = keys->mine;
  options->server_public_z85 = keys->server_public_z85;
  return Status::Ok();
}

Status LoadReplicaKeys(const std::vector<std::string>& endpoints,
                       const std::vector<std::string>& server_key_files, SenderOptions* options) {
  if (endpoints.size() != server_key_files.size()) {
    return Status::InvalidArgument("each endpoint needs its own server key: " +
                                   std::to_string(endpoints.size()) + " endpoints, " +
                                   std::to_string(server_key_files.size()) + " server keys");
  }
  options->replicas.clear();
  for (size_t i = 0; i < endpoints.size(); ++i) {
    auto server = wire::ReadKeyFile(server_key_files[i], /*need_secret=*/false);
    if (!server.ok()) return server.status();
    for (const auto& r : options->replicas) {
      if (r.server_public_z85 == server->public_z85) {
        return Status::InvalidArgument(server_key_files[i] + ": two replicas with the same server "
                                       "key; each replica has a key of its own");
      }
    }
    options->replicas.push_back({endpoints[i], server->public_z85});
  }
  return Status::Ok();
}

std::string_view ReplicaStateName(ReplicaState state) {
  switch (state) {
    case ReplicaState::kCurrent: return "current";
    case ReplicaState::kBehind: return "behind";
    case ReplicaState::kDown: return "down";
    case ReplicaState::kNeedsRebuild: return "needs_rebuild";
  }
  return "unknown";
}

std::string_view DrainResultName(DrainResult result) {
  switch (result) {
    case DrainResult::kEmpty: return "empty";
    case DrainResult::kTimedOut: return "timed_out";
    case DrainResult::kStopped: return "stopped";
    case DrainResult::kUnauthorized: return "unauthorized";
    case DrainResult::kStorageError: return "storage_error";
  }
  return "unknown";
}

class DurableSender::Impl : public SenderCore {
 public:
  Impl(zmq::context_t& context, Outbox& outbox, SenderOptions options, const core::Clock& clock,
       DeliveryListener* listener)
      : SenderCore(context, outbox, std::move(options), clock, listener) {
    auto pending = outbox_.Pending();
    if (pending.ok()) pending_ = *std::move(pending);
    else error_ = pending.status().message();
  }

  Status Enqueue(const std::vector<OutboxEntry>& entries);
  DrainResult Drain(int64_t max_wait_ms, const std::function<bool()>& keep_going);

  std::vector<uint64_t> pending_;  // in the outbox, ascending; the first in_flight_ are sent

 private:
  void Connect();
  bool SendWhatFits();
  std::optional<DrainResult> PollOnce(int timeout_ms);
  std::optional<DrainResult> HandleAck(const wire::AckMessage& ack);
  bool Deliver(uint64_t sequence, const wire::AckMessage& ack);
  bool DeliverBelow(uint64_t sequence);
  bool Refuse(uint64_t sequence, const wire::AckMessage& ack);
  bool Renumber(uint64_t first);
  std::optional<DrainResult> OnOutOfOrder(const wire::AckMessage& ack);
  std::optional<DrainResult> OnMalformed(const wire::AckMessage& ack);
  void ResendAll();
  void BackOff();
  void CheckAckTimeout();
  size_t WindowNow() const { return probe_left_ > 0 ? 1 : std::max<size_t>(1, options_.window); }
  void Forget(size_t index);

  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<LinkMonitor> monitor_;
  size_t in_flight_ = 0;
  uint64_t generation_ = 0;                   // bumped whenever what is in flight is resent
  std::map<uint64_t, uint64_t> sent_generation_;
  std::map<uint64_t, int64_t> sent_at_ms_;
  int64_t resume_at_ms_ = 0;  // no sending before this (back-off)
  int backoff_ms_ = 0;
  size_t probe_left_ = 0;     // > 0: one batch in flight, to match a sequence-0 refusal
  bool had_session_ = false;
  // The nextExpected of the last outOfOrder acted on; 0 when none is pending. With a window
  // in flight one gap yields an outOfOrder per frame behind it, all naming the same
  // nextExpected: only the first rewinds.
  uint64_t rewound_to_ = 0;
};

Status DurableSender::Impl::Enqueue(const std::vector<OutboxEntry>& entries) {
  auto batches = CutBatches(entries, std::max<size_t>(1, options_.batch_size));
  std::vector<uint64_t> sequences;
  Status s = outbox_.Append(batches, clock_.NowUnixMillis(), &sequences);
  if (!s.ok()) {
    Failed(s);
    return s;
  }
  pending_.insert(pending_.end(), sequences.begin(), sequences.end());
  return s;
}

void DurableSender::Impl::Connect() {
  socket_ = std::make_unique<zmq::socket_t>(platform::NewCurveDealer(context_, DealerOptions(options_, options_.server_public_z85)));
  monitor_ = std::make_unique<LinkMonitor>(context_, *socket_);
  socket_->connect(options_.endpoint);
}

bool DurableSender::Impl::SendWhatFits() {
  int64_t now = SteadyMs();
  while (in_flight_ < pending_.size() && in_flight_ < WindowNow() && now >= resume_at_ms_) {
    uint64_t seq = pending_[in_flight_];
    auto batch = outbox_.Load(seq);
    if (!batch.ok()) return Failed(batch.status());
    std::string frame = EncodeStoredBatch(*batch, clock_.NowUnixMillis());
    if (!socket_->send(zmq::buffer(frame), zmq::send_flags::dontwait)) break;  // no session yet
    if (sent_generation_.count(seq)) counters_.batches_resent++;
    sent_generation_[seq] = generation_;
    sent_at_ms_[seq] = now;
    counters_.batches_sent++;
    in_flight_++;
  }
  return true;
}

void DurableSender::Impl::ResendAll() {
  generation_++;
  in_flight_ = 0;
}

void DurableSender::Impl::BackOff() {
  backoff_ms_ = NextBackoffMs(backoff_ms_);
  resume_at_ms_ = SteadyMs() + backoff_ms_;
}

void DurableSender::Impl::CheckAckTimeout() {
  if (in_flight_ == 0) return;
  auto it = sent_at_ms_.find(pending_.front());
  if (it == sent_at_ms_.end() || SteadyMs() - it->second < options_.ack_timeout_ms) return;
  ResendAll();
  BackOff();
}

void DurableSender::Impl::Forget(size_t index) {
  uint64_t seq = pending_[index];
  pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
  if (index < in_flight_) in_flight_--;
  sent_generation_.erase(seq);
  sent_at_ms_.erase(seq);
  if (probe_left_ > 0) probe_left_--;
}

bool DurableSender::Impl::Deliver(uint64_t sequence, const wire::AckMessage& ack) {
  auto it = std::find(pending_.begin(), pending_.end(), sequence);
  if (it == pending_.end()) return true;  // a late ack of a batch already delivered
  auto batch = outbox_.Load(sequence);
  if (!batch.ok()) return Failed(batch.status());
  if (Status s = outbox_.Remove(sequence); !s.ok()) return Failed(s);
  Forget(static_cast<size_t>(it - pending_.begin()));
  backoff_ms_ = 0;
  CountDelivered(*batch, ack);
  return true;
}

// The daemon has applied every sequence below `sequence` (sequences are contiguous), so any
// still pending here had their acks lost: they are delivered, without rejection details.
bool DurableSender::Impl::DeliverBelow(uint64_t sequence) {
  while (!pending_.empty() && pending_.front() < sequence) {
    wire::AckMessage synthetic;
    synthetic.sequence = pending_.front();
    synthetic.status = AckStatus::kDuplicate;
    synthetic.next_expected = sequence;
    if (!Deliver(pending_.front(), synthetic)) return false;
  }
  return true;
}

bool DurableSender::Impl::Refuse(uint64_t sequence, const wire::AckMessage& ack) {
  auto it = std::find(pending_.begin(), pending_.end(), sequence);
  if (it == pending_.end()) return true;
  auto batch = outbox_.Load(sequence);
  if (!batch.ok()) return Failed(batch.status());
  if (Status s = outbox_.Remove(sequence); !s.ok()) return Failed(s);
  Forget(static_cast<size_t>(it - pending_.begin()));
  CountRefused(*batch, ack);
  return true;
}

bool DurableSender::Impl::Renumber(uint64_t first) {
  if (Status s = outbox_.Renumber(first); !s.ok()) return Failed(s);
  auto pending = outbox_.Pending();
  if (!pending.ok()) return Failed(pending.status());
  pending_ = *std::move(pending);
  sent_generation_.clear();
  sent_at_ms_.clear();
  return true;
}

std::optional<DrainResult> DurableSender::Impl::OnOutOfOrder(const wire::AckMessage& ack) {
  auto gen = sent_generation_.find(ack.sequence);
  if (gen != sent_generation_.end() && gen->second != generation_) return std::nullopt;  // stale
  uint64_t expected = ack.next_expected;
  // The rest of the frames behind the same gap, answered before our rewind reached the
  // daemon: the batch it expects is already being resent.
  if (expected == rewound_to_ && !pending_.empty() && pending_.front() == expected) {
    return std::nullopt;
  }
  if (!DeliverBelow(expected)) return DrainResult::kStorageError;
  // The daemon expects a sequence the outbox no longer holds: a refused frame did not consume
  // its number, or the daemon's state is older than ours. Number what is left from there.
  if (!pending_.empty() && expected < pending_.front() && !Renumber(expected)) {
    return DrainResult::kStorageError;
  }
  counters_.rewinds++;
  rewound_to_ = expected;
  ResendAll();
  return std::nullopt;
}

std::optional<DrainResult> DurableSender::Impl::OnMalformed(const wire::AckMessage& ack) {
  uint64_t culprit = ack.sequence;
  if (culprit == 0) {
    if (in_flight_ == 0) return std::nullopt;
    if (in_flight_ > 1) {  // cannot tell which frame: resend one at a time to find out
      probe_left_ = in_flight_;
      ResendAll();
      return std::nullopt;
    }
    culprit = pending_.front();
  }
  if (!Refuse(culprit, ack)) return DrainResult::kStorageError;
  probe_left_ = 0;
  return std::nullopt;
}

std::optional<DrainResult> DurableSender::Impl::HandleAck(const wire::AckMessage& ack) {
  switch (ack.status) {
    case AckStatus::kAccepted:
    case AckStatus::kDuplicate:
      // A duplicate beyond anything this outbox ever numbered: our state was lost or reset,
      // so these batches were never applied. Renumber them after what the daemon has.
      if (ack.status == AckStatus::kDuplicate && ack.next_expected > outbox_.next_sequence()) {
        if (!Renumber(ack.next_expected)) return DrainResult::kStorageError;
        counters_.rewinds++;
        ResendAll();
        return std::nullopt;
      }
      if (!DeliverBelow(ack.sequence) || !Deliver(ack.sequence, ack)) {
        return DrainResult::kStorageError;
      }
      return std::nullopt;
    case AckStatus::kOutOfOrder:
      return OnOutOfOrder(ack);
    case AckStatus::kRetryLater:
      ResendAll();
      BackOff();
      return std::nullopt;
    case AckStatus::kMalformed:
      return OnMalformed(ack);
    case AckStatus::kUnauthorized:
      error_ = "the daemon refused this adapter's key (unauthorized): " + ack.frame_detail;
      return DrainResult::kUnauthorized;
  }
  // A status this client does not know: not applied; keep the batch and try again later.
  ResendAll();
  BackOff();
  return std::nullopt;
}

std::optional<DrainResult> DurableSender::Impl::PollOnce(int timeout_ms) {
  std::vector<zmq::pollitem_t> items = {{socket_->handle(), 0, ZMQ_POLLIN, 0},
                                        {monitor_->handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::nullopt;  // a signal: the caller's keep_going decides
    throw;
  }
  for (auto ev = monitor_->Read(); ev.kind != LinkMonitor::Kind::kNone; ev = monitor_->Read()) {
    if (ev.kind != LinkMonitor::Kind::kHandshakeSucceeded) continue;
    if (had_session_) {  // a new session: whatever was in flight on the old one may be lost
      counters_.reconnects++;
      ResendAll();
      backoff_ms_ = 0;
      resume_at_ms_ = 0;
    }
    had_session_ = true;
  }
  zmq::message_t frame;
  while (socket_->recv(frame, zmq::recv_flags::dontwait)) {
    auto ack = wire::DecodeAck(frame.data(), frame.size());
    if (!ack) continue;  // unreadable: the timeout will resend
    if (auto result = HandleAck(*ack)) return result;
  }
  return std::nullopt;
}

DrainResult DurableSender::Impl::Drain(int64_t max_wait_ms,
                                       const std::function<bool()>& keep_going) {
  if (outbox_.failed() || !error_.empty()) return DrainResult::kStorageError;
  if (!socket_) Connect();
  int64_t deadline = max_wait_ms < 0 ? INT64_MAX : SteadyMs() + max_wait_ms;
  while (true) {
    if (pending_.empty()) return DrainResult::kEmpty;
    if (keep_going && !keep_going()) return DrainResult::kStopped;
    if (SteadyMs() >= deadline) return DrainResult::kTimedOut;
    if (!SendWhatFits()) return DrainResult::kStorageError;
    if (auto result = PollOnce(100)) return *result;
    CheckAckTimeout();
  }
}

DurableSender::DurableSender(zmq::context_t& context, Outbox& outbox, SenderOptions options,
                             const core::Clock& clock, DeliveryListener* listener) {
  if (options.replicas.empty()) {
    impl_ = std::make_unique<Impl>(context, outbox, std::move(options), clock, listener);
  } else {
    replicated_ = std::make_unique<Replicated>(context, outbox, std::move(options), clock, listener);
  }
}
DurableSender::~DurableSender() = default;
Status DurableSender::Enqueue(const std::vector<OutboxEntry>& entries) {
  return impl_ ? impl_->Enqueue(entries) : replicated_->Enqueue(entries);
}
DrainResult DurableSender::Drain(int64_t max_wait_ms, const std::function<bool()>& keep_going) {
  return impl_ ? impl_->Drain(max_wait_ms, keep_going) : replicated_->Drain(max_wait_ms, keep_going);
}
const SenderCounters& DurableSender::counters() const {
  return impl_ ? impl_->counters_ : replicated_->counters();
}
size_t DurableSender::pending_batches() const {
  return impl_ ? impl_->pending_.size() : replicated_->pending_batches();
}
const std::string& DurableSender::error() const {
  return impl_ ? impl_->error_ : replicated_->error();
}
std::vector<ReplicaStatus> DurableSender::replica_status() const {
  return impl_ ? std::vector<ReplicaStatus>{} : replicated_->Replicas();
}

}  // namespace kpihub::delivery
