#include "replicated_sender.h"

#include <algorithm>
#include <chrono>

#include "batch_frames.h"
#include "kpihub/platform/curve_dealer.h"

namespace kpihub::delivery {

using wire::AckStatus;
using Replicated = DurableSender::Replicated;

Replicated::Replicated(zmq::context_t& context, Outbox& outbox, SenderOptions options,
                       const core::Clock& clock, DeliveryListener* listener)
    : SenderCore(context, outbox, std::move(options), clock, listener) {
  Load();
}

Replicated::~Replicated() = default;

// Reads the outbox's batches and cursors. A replica without a cursor (new to this outbox)
// starts at what the outbox holds; its first answer tells where it really is.
void Replicated::Load() {
  auto pending = outbox_.Pending();
  if (!pending.ok()) return (void)Failed(pending.status());
  // Sequences here must be contiguous (a single-daemon outbox may have a refused batch's hole).
  const bool holes = !pending->empty() && pending->back() - pending->front() + 1 != pending->size();
  if (holes) {
    if (Status s = outbox_.Renumber(pending->front()); !s.ok()) return (void)Failed(s);
    pending = outbox_.Pending();
    if (!pending.ok()) return (void)Failed(pending.status());
  }
  front_ = pending->empty() ? outbox_.next_sequence() : pending->front();
  auto cursors = outbox_.Cursors();
  if (!cursors.ok()) return (void)Failed(cursors.status());
  cursors_ = *std::move(cursors);
  for (const ReplicaEndpoint& r : options_.replicas) {
    ReplicaLink& link = links_.emplace_back();
    link.endpoint = r;
    if (!cursors_.count(r.server_public_z85)) cursors_[r.server_public_z85].acked = front_ - 1;
    ReplicaCursor& c = CursorOf(link);
    c.acked = std::min(c.acked, outbox_.next_sequence() - 1);
    link.next_send = Base(link);
  }
}

const ReplicaCursor& Replicated::CursorOf(const ReplicaLink& link) const {
  return cursors_.at(link.endpoint.server_public_z85);
}

uint64_t Replicated::Base(const ReplicaLink& link) const {
  return std::max(CursorOf(link).acked + 1, front_);
}

uint64_t Replicated::HighestAcked() const {
  uint64_t highest = 0;
  for (const auto& link : links_) highest = std::max(highest, CursorOf(link).acked);
  return highest;
}

ReplicaState Replicated::StateOf(const ReplicaLink& link) const {
  if (link.needs_rebuild) return ReplicaState::kNeedsRebuild;
  if (CursorOf(link).released) return ReplicaState::kDown;
  return CursorOf(link).acked < HighestAcked() ? ReplicaState::kBehind : ReplicaState::kCurrent;
}

ReplicaStatus Replicated::StatusOf(const ReplicaLink& link) const {
  ReplicaStatus s = link.counters;
  s.endpoint = link.endpoint.endpoint;
  s.state = StateOf(link);
  s.acked = CursorOf(link).acked;
  s.expected = link.expected;
  return s;
}

std::vector<ReplicaStatus> Replicated::Replicas() const {
  std::vector<ReplicaStatus> out;
  for (const auto& link : links_) out.push_back(StatusOf(link));
  return out;
}

void Replicated::Report(const ReplicaLink& link) {
  if (listener_) listener_->OnReplicaState(StatusOf(link));
}

Status Replicated::Enqueue(const std::vector<OutboxEntry>& entries) {
  auto batches = CutBatches(entries, std::max<size_t>(1, options_.batch_size));
  Status s = outbox_.Append(batches, clock_.NowUnixMillis(), nullptr);
  if (!s.ok()) Failed(s);
  return s;
}

void Replicated::Connect(ReplicaLink& link) {
  link.socket = std::make_unique<zmq::socket_t>(
      platform::NewCurveDealer(context_, DealerOptions(options_, link.endpoint.server_public_z85)));
  link.monitor = std::make_unique<LinkMonitor>(context_, *link.socket);
  link.socket->connect(link.endpoint.endpoint);
}

// Stores the cursors and drops the batches every replica still holding batches has acked.
bool Replicated::Store() {
  uint64_t through = UINT64_MAX;
  for (const auto& link : links_) {
    if (!CursorOf(link).released) through = std::min(through, CursorOf(link).acked);
  }
  if (through == UINT64_MAX) through = front_ - 1;  // never: one replica always holds
  if (Status s = outbox_.Advance(cursors_, through); !s.ok()) return Failed(s);
  front_ = std::max(front_, through + 1);
  return true;
}

bool Replicated::SendWhatFits(ReplicaLink& link) {
  const uint64_t base = Base(link);
  link.next_send = std::max(link.next_send, base);
  link.sent_generation.erase(link.sent_generation.begin(), link.sent_generation.lower_bound(base));
  link.sent_at_ms.erase(link.sent_at_ms.begin(), link.sent_at_ms.lower_bound(base));
  const size_t window = link.probe_left > 0 || link.needs_rebuild ? 1 : std::max<size_t>(1, options_.window);
  const int64_t now = SteadyMs();
  while (link.next_send < outbox_.next_sequence() && link.next_send - base < window &&
         now >= link.resume_at_ms) {
    const uint64_t seq = link.next_send;
    auto batch = outbox_.Load(seq);
    if (!batch.ok()) return Failed(batch.status());
    std::string frame = EncodeStoredBatch(*batch, clock_.NowUnixMillis());
    if (!link.socket->send(zmq::buffer(frame), zmq::send_flags::dontwait)) break;  // no session
    if (link.sent_generation.count(seq)) {
      link.counters.batches_resent++;
      counters_.batches_resent++;
    }
    link.sent_generation[seq] = link.generation;
    link.sent_at_ms[seq] = now;
    link.counters.batches_sent++;
    counters_.batches_sent++;
    link.next_send++;
  }
  return true;
}

void Replicated::ResendAll(ReplicaLink& link) {
  link.generation++;
  link.next_send = Base(link);
}

void Replicated::BackOff(ReplicaLink& link) {
  link.backoff_ms = NextBackoffMs(link.backoff_ms);
  link.resume_at_ms = SteadyMs() + link.backoff_ms;
}

void Replicated::CheckAckTimeout(ReplicaLink& link) {
  if (link.next_send <= Base(link)) return;
  auto it = link.sent_at_ms.find(Base(link));
  if (it == link.sent_at_ms.end() || SteadyMs() - it->second < options_.ack_timeout_ms) return;
  ResendAll(link);
  BackOff(link);
}

// Batches first acked now (from..through): counted and told to the listener once, with the
// rejections of the replica that acked first (both apply alike). Before they can leave.
bool Replicated::ReportDelivered(uint64_t from, uint64_t through, const wire::AckMessage* ack) {
  for (uint64_t seq = from; seq <= through; ++seq) {
    auto batch = outbox_.Load(seq);
    if (!batch.ok()) return Failed(batch.status());
    if (batch->entries.empty()) continue;  // a refused frame's number, reported as refused
    wire::AckMessage by_entry;
    if (ack && ack->sequence == seq) {
      by_entry = *ack;
    } else {  // its ack was lost: delivered, without rejection details
      by_entry.sequence = seq;
      by_entry.status = AckStatus::kDuplicate;
      by_entry.next_expected = through + 1;
    }
    CountDelivered(*batch, by_entry);
  }
  return true;
}

// `link`'s replica has applied every sequence up to `sequence` (they are contiguous).
bool Replicated::Acked(ReplicaLink& link, uint64_t sequence, const wire::AckMessage* ack) {
  ReplicaCursor& c = CursorOf(link);
  if (sequence <= c.acked || sequence >= outbox_.next_sequence()) return true;  // late, or foreign
  const uint64_t highest = HighestAcked();
  const bool back = c.released || link.needs_rebuild;
  c.acked = sequence;
  if (c.released && sequence + 1 < front_) return true;  // a late ack: it still misses batches
  c.released = false;
  link.needs_rebuild = false;
  link.backoff_ms = 0;
  const int64_t now = clock_.NowUnixMillis();
  if (c.acked >= HighestAcked()) c.behind_since_unix_ms = 0;
  for (const auto& other : links_) {
    ReplicaCursor& o = CursorOf(other);
    if (o.acked < sequence && o.behind_since_unix_ms == 0) o.behind_since_unix_ms = now;
  }
  if (sequence > highest && !ReportDelivered(std::max(highest + 1, front_), sequence, ack)) return false;
  if (!Store()) return false;
  if (back) Report(link);
  return true;
}

// The replica asks for `expected`, which the outbox no longer holds. From now on the outbox
// keeps its batches again, so a backup of the other replica taken after this report, restored
// onto it, finds the rest here.
bool Replicated::NeedsRebuild(ReplicaLink& link, uint64_t expected) {
  const bool first = !link.needs_rebuild;
  ReplicaCursor& c = CursorOf(link);
  c.acked = front_ - 1;
  c.released = false;
  if (first) c.behind_since_unix_ms = clock_.NowUnixMillis();
  link.needs_rebuild = true;
  link.expected = expected;
  ResendAll(link);
  link.resume_at_ms = SteadyMs() + options_.backoff_max_ms;  // probe it now and then
  if (!Store()) return false;
  if (first) Report(link);
  return true;
}

Replicated::Result Replicated::OnOutOfOrder(ReplicaLink& link, const wire::AckMessage& ack) {
  auto gen = link.sent_generation.find(ack.sequence);
  if (gen != link.sent_generation.end() && gen->second != link.generation) return std::nullopt;
  const uint64_t expected = ack.next_expected;
  if (expected == link.rewound_to && Base(link) == expected && !link.needs_rebuild) return std::nullopt;
  if (expected > outbox_.next_sequence()) return OnOutboxLost(expected);
  if (expected < front_) {
    if (!NeedsRebuild(link, expected)) return DrainResult::kStorageError;
    return std::nullopt;
  }
  ReplicaCursor& c = CursorOf(link);
  if (expected - 1 > c.acked) {
    if (!Acked(link, expected - 1, nullptr)) return DrainResult::kStorageError;
  } else if (expected - 1 < c.acked) {  // its state is older than what it acked: resend
    c.acked = expected - 1;
    if (c.behind_since_unix_ms == 0) c.behind_since_unix_ms = clock_.NowUnixMillis();
    if (!Store()) return DrainResult::kStorageError;
  }
  if (link.needs_rebuild) {
    link.needs_rebuild = false;
    Report(link);
  }
  link.counters.rewinds++;
  counters_.rewinds++;
  link.rewound_to = expected;
  ResendAll(link);
  return std::nullopt;
}

// A refused frame is refused by every replica: reported once; the batch goes on empty.
bool Replicated::Refuse(uint64_t sequence, const wire::AckMessage& ack) {
  if (sequence < front_ || sequence >= outbox_.next_sequence()) return true;
  auto batch = outbox_.Load(sequence);
  if (!batch.ok()) return Failed(batch.status());
  if (batch->entries.empty()) return true;  // another replica refused it first
  if (Status s = outbox_.Empty(sequence); !s.ok()) return Failed(s);
  CountRefused(*batch, ack);
  return true;
}

Replicated::Result Replicated::OnMalformed(ReplicaLink& link, const wire::AckMessage& ack) {
  const uint64_t in_flight = link.next_send - Base(link);
  uint64_t culprit = ack.sequence;
  if (culprit == 0) {
    if (in_flight == 0) return std::nullopt;
    if (in_flight > 1) {  // cannot tell which frame: resend one at a time to find out
      link.probe_left = in_flight;
      ResendAll(link);
      return std::nullopt;
    }
    culprit = Base(link);
  }
  if (!Refuse(culprit, ack)) return DrainResult::kStorageError;
  link.probe_left = 0;
  ResendAll(link);
  return std::nullopt;
}

// A replica has more of this key's batches than the outbox ever numbered: the outbox was lost
// or reset. Number what it holds after that, for every replica.
Replicated::Result Replicated::OnOutboxLost(uint64_t expected) {
  if (Status s = outbox_.Renumber(expected); !s.ok()) {
    Failed(s);
    return DrainResult::kStorageError;
  }
  front_ = expected;
  for (auto& link : links_) {
    CursorOf(link) = ReplicaCursor{expected - 1, 0, false};
    link.needs_rebuild = false;
    link.sent_generation.clear();
    link.sent_at_ms.clear();
  }
  if (!Store()) return DrainResult::kStorageError;
  for (auto& link : links_) ResendAll(link);
  counters_.rewinds++;
  return std::nullopt;
}

Replicated::Result Replicated::HandleAck(ReplicaLink& link, const wire::AckMessage& ack) {
  switch (ack.status) {
    case AckStatus::kAccepted:
    case AckStatus::kDuplicate:
      if (ack.status == AckStatus::kDuplicate && ack.next_expected > outbox_.next_sequence()) {
        return OnOutboxLost(ack.next_expected);
      }
      if (link.probe_left > 0) link.probe_left--;
      if (!Acked(link, ack.sequence, &ack)) return DrainResult::kStorageError;
      return std::nullopt;
    case AckStatus::kOutOfOrder:
      return OnOutOfOrder(link, ack);
    case AckStatus::kMalformed:
      return OnMalformed(link, ack);
    case AckStatus::kUnauthorized:
      error_ = link.endpoint.endpoint + " refused this adapter's key (unauthorized): " + ack.frame_detail;
      return DrainResult::kUnauthorized;
    case AckStatus::kRetryLater:
    default:
      ResendAll(link);
      BackOff(link);
      return std::nullopt;
  }
}

Replicated::Result Replicated::PollOnce(int timeout_ms) {
  std::vector<zmq::pollitem_t> items;
  for (auto& link : links_) {
    items.push_back({link.socket->handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({link.monitor->handle(), 0, ZMQ_POLLIN, 0});
  }
  try {
    zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::nullopt;
    throw;
  }
  for (auto& link : links_) {
    for (auto ev = link.monitor->Read(); ev.kind != LinkMonitor::Kind::kNone; ev = link.monitor->Read()) {
      if (ev.kind != LinkMonitor::Kind::kHandshakeSucceeded) continue;
      if (link.had_session) {  // a new session: what was in flight on the old one may be lost
        link.counters.reconnects++;
        counters_.reconnects++;
        ResendAll(link);
        link.backoff_ms = 0;
        link.resume_at_ms = 0;
      }
      link.had_session = true;
    }
    zmq::message_t frame;
    while (link.socket->recv(frame, zmq::recv_flags::dontwait)) {
      auto ack = wire::DecodeAck(frame.data(), frame.size());
      if (!ack) continue;  // unreadable: the timeout will resend
      if (auto result = HandleAck(link, *ack)) return result;
    }
  }
  return std::nullopt;
}

// Replicas behind the others for replica_down_after_ms no longer hold batches; one always does.
bool Replicated::ReleaseDown() {
  const int64_t now = clock_.NowUnixMillis();
  std::vector<const ReplicaLink*> released;
  for (auto& link : links_) {
    ReplicaCursor& c = CursorOf(link);
    if (c.released || c.behind_since_unix_ms == 0 ||
        now - c.behind_since_unix_ms < options_.replica_down_after_ms) {
      continue;
    }
    const bool another_holds = std::any_of(links_.begin(), links_.end(), [&](const ReplicaLink& o) {
      return &o != &link && !CursorOf(o).released;
    });
    if (!another_holds) continue;
    c.released = true;
    link.needs_rebuild = false;
    released.push_back(&link);
  }
  if (released.empty()) return true;
  if (!Store()) return false;
  for (const ReplicaLink* link : released) Report(*link);
  return true;
}

DrainResult Replicated::Drain(int64_t max_wait_ms, const std::function<bool()>& keep_going) {
  if (outbox_.failed() || !error_.empty()) return DrainResult::kStorageError;
  for (auto& link : links_) {
    if (!link.socket) Connect(link);
  }
  const int64_t deadline = max_wait_ms < 0 ? INT64_MAX : SteadyMs() + max_wait_ms;
  while (true) {
    if (pending_batches() == 0) return DrainResult::kEmpty;
    if (keep_going && !keep_going()) return DrainResult::kStopped;
    if (SteadyMs() >= deadline) return DrainResult::kTimedOut;
    for (auto& link : links_) {
      if (!SendWhatFits(link)) return DrainResult::kStorageError;
    }
    if (auto result = PollOnce(100)) return *result;
    for (auto& link : links_) CheckAckTimeout(link);
    if (!ReleaseDown()) return DrainResult::kStorageError;
  }
}

}  // namespace kpihub::delivery
