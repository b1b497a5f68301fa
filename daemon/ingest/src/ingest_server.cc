#include "kpihub/ingest/ingest_server.h"

#include <zmq.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace kpihub::ingest {
namespace {

bool IsPowerOfTen(uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

// "not_owner=2 unknown_park=1": how many observations of a batch each reason refused.
std::string ReasonCounts(const std::vector<core::Rejection>& rejections) {
  uint64_t counts[core::kRejectReasonCount] = {};
  for (const auto& r : rejections) ++counts[static_cast<size_t>(r.reason) % core::kRejectReasonCount];
  std::string out;
  for (int i = 0; i < core::kRejectReasonCount; ++i) {
    if (counts[i] == 0) continue;
    if (!out.empty()) out += ' ';
    out += std::string(core::ReasonName(static_cast<core::RejectReason>(i))) + "=" +
           std::to_string(counts[i]);
  }
  return out;
}

}  // namespace

int ReceiveHwmFor(uint64_t budget_bytes, uint64_t max_frame_bytes) {
  uint64_t frame = std::max<uint64_t>(1, max_frame_bytes) * 2;
  return static_cast<int>(std::clamp<uint64_t>(budget_bytes / frame, kMinReceiveHwm, 1000));
}

struct IngestServer::Received {
  bool dropped = false;  // its connection was refused by the gate: no answer
  zmq::message_t routing_id;
  Sender sender;
  size_t frame_bytes = 0;
  IntakeResult intake;
};

IngestServer::IngestServer(zmq::context_t& context, IngestOptions options,
                           const core::LiveConfig& config, store::Store& store,
                           const core::Clock& clock, IngestMetrics& metrics,
                           std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)),
      config_(config),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      log_(std::move(log)),
      intake_(options_.limits),
      zap_(context, config,
           [this](bool allowed, const std::string& mechanism, const std::string& adapter) {
             metrics_.CountZap(allowed, mechanism);
             if (allowed) {
               // A key already at its connection limit reconnects every 100 ms after each
               // refusal: those admissions go to debug, the refusals are counted and logged.
               // The view is held while `key` is used: a reload may free the old registry.
               const core::LiveConfig::View view = config_.Get();
               const core::AdapterKey* key = view.registry->FindById(adapter);
               if (key != nullptr &&
                   gate_.ConnectionsOf(key->public_key_z85) >= options_.connections.max_per_key) {
                 log_->debug("connection admitted adapter={} (at its connection limit)", adapter);
               } else {
                 log_->info("connection admitted adapter={}", adapter);
               }
               return;
             }
             // A refused client reconnects on its own (every 100 ms by default) and a flood
             // of them would drown real warnings: log the 1st, 10th, 100th... refusal.
             uint64_t nth = ++zap_refusals_;
             if (IsPowerOfTen(nth)) {
               log_->warn("connection refused mechanism={} reason=unknown_key_or_mechanism "
                          "count={}", mechanism, nth);
             }
           }),
      router_(context, zmq::socket_type::router),
      gate_(options_.connections,
            [this](int fd) { ShutDownIngestSocket(fd, bound_port_); },
            [this](ConnectionGate::Refusal why, uint64_t nth) {
              const bool total = why == ConnectionGate::Refusal::kTotal;
              metrics_.CountConnectionRefused(total ? "total_limit" : "per_key_limit");
              if (!IsPowerOfTen(nth)) return;
              log_->warn("connection refused reason={} count={} (limit {})",
                         total ? "total_limit" : "per_key_limit", nth,
                         total ? options_.connections.max_connections
                               : options_.connections.max_per_key);
            }),
      handshake_(context, [this](const std::string& reason, uint64_t nth) {
        metrics_.CountHandshakeFailure(reason);
        // A misconfigured client retries every 100 ms: log the 1st, 10th, 100th... refusal.
        if (IsPowerOfTen(nth)) {
          log_->warn("connection refused: handshake failed reason={} count={} (client trusts "
                     "another server key, or does not use CURVE)", reason, nth);
        }
      }, [this](bool accepted, int fd) {
        accepted ? gate_.OnAccepted(fd) : gate_.OnDisconnected(fd);
        metrics_.SetOpenConnections(gate_.open_connections());
      }) {}

void IngestServer::Start() {
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::curve_server, 1);
  router_.set(zmq::sockopt::curve_secretkey, options_.server_secret_z85);
  router_.set(zmq::sockopt::zap_domain, "kpihub");
  // Without this a ROUTER silently drops replies it cannot route.
  router_.set(zmq::sockopt::router_mandatory, 1);
  router_.set(zmq::sockopt::sndhwm, options_.send_hwm);
  router_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
  // libzmq drops the connection without a word above ZMQ_MAXMSGSIZE, so it is only a last
  // guard for memory; frames between the decode limit and this one get a `frameTooLarge` ack.
  router_.set(zmq::sockopt::maxmsgsize,
              static_cast<int64_t>(options_.limits.max_frame_bytes) * 2);
  router_.set(zmq::sockopt::heartbeat_ivl, 5000);
  router_.set(zmq::sockopt::heartbeat_timeout, 15000);
  router_.set(zmq::sockopt::handshake_ivl, options_.handshake_timeout_ms);
  // Applied by the listener at accept, so set before bind (deprecated in libzmq 4.3, kept).
  for (const std::string& allowed : options_.accept_from) {
    if (zmq_setsockopt(router_.handle(), ZMQ_TCP_ACCEPT_FILTER, allowed.data(), allowed.size()) != 0) {
      throw zmq::error_t();
    }
  }
  handshake_.Watch(router_);  // before bind: no handshake goes unobserved
  router_.bind(options_.endpoint);
  std::string bound = bound_endpoint();
  bound_port_ = std::stoi(bound.substr(bound.rfind(':') + 1));
}

std::string IngestServer::bound_endpoint() const {
  return router_.get(zmq::sockopt::last_endpoint);
}

kpihub::Status IngestServer::Run(const std::atomic<bool>& stop,
                                const std::function<void()>& on_tick) {
  std::vector<zmq::pollitem_t> items = {{zap_.socket().handle(), 0, ZMQ_POLLIN, 0},
                                        {router_.handle(), 0, ZMQ_POLLIN, 0},
                                        {handshake_.socket().handle(), 0, ZMQ_POLLIN, 0}};
  while (!stop.load()) {
    if (on_tick) on_tick();
    CheckReaders();
    zmq::poll(items, std::chrono::milliseconds(options_.poll_timeout_ms));
    if (items[0].revents & ZMQ_POLLIN) zap_.HandlePending();
    if (items[2].revents & ZMQ_POLLIN) handshake_.HandlePending();
    if (items[1].revents & ZMQ_POLLIN) {
      kpihub::Status status = ServeGroup();
      if (!status.ok()) return status;
    }
  }
  return kpihub::Status::Ok();
}

// On the ingest thread, between groups: the check only reads LMDB's reader table.
void IngestServer::CheckReaders() {
  if (options_.reader_check_interval_ms <= 0) return;
  const int64_t now_us = clock_.NowSteadyMicros();
  if (now_us < next_reader_check_us_) return;
  next_reader_check_us_ = now_us + int64_t{options_.reader_check_interval_ms} * 1000;
  store::ReaderReport report;
  if (kpihub::Status s = store_.CheckReaders(&report); !s.ok()) {
    log_->error("reader check failed: {}", s.ToString());
    return;
  }
  metrics_.ObserveReaders(report);
  if (report.stale_cleared > 0) {
    log_->warn("cleared {} stale LMDB reader slot(s) left by dead processes", report.stale_cleared);
  }
}

bool IngestServer::ReceiveOne(Received* out) {
  if (!router_.recv(out->routing_id, zmq::recv_flags::dontwait)) return false;
  std::vector<zmq::message_t> parts;
  while (true) {
    zmq::message_t part;
    (void)router_.recv(part);  // the rest of a multipart message is already here
    bool more = part.more();
    parts.push_back(std::move(part));
    if (!more) break;
  }
  const char* user = nullptr;
  const char* department = nullptr;
  const char* key = nullptr;
  try {
    user = parts.front().gets("User-Id");
    department = parts.front().gets("X-Department");
    key = parts.front().gets("X-Public-Key");
  } catch (const zmq::error_t&) {
    // No ZAP metadata: cannot happen with the handler bound; treated as unauthorized.
  }
  out->sender = Sender{user ? user : "", department ? department : "", key ? key : ""};
  // Per-key connection limit, decided at a connection's first frame (the key is known only
  // once ZAP admitted it; ZMQ_SRCFD names the connection).
  int fd = zmq_msg_get(parts.front().handle(), ZMQ_SRCFD);
  if (!out->sender.public_key.empty() && !gate_.AdmitFrame(fd, out->sender.public_key)) {
    out->dropped = true;
    return true;
  }
  out->frame_bytes = parts.front().size();
  if (parts.size() != 1) {
    wire::AckMessage ack;
    ack.status = wire::AckStatus::kMalformed;
    ack.frame_reason = core::RejectReason::kUndecodable;
    ack.frame_detail = "a batch is exactly one frame, got " + std::to_string(parts.size());
    out->intake.immediate_ack = ack;
    return true;
  }
  out->intake = intake_.Process(out->sender, parts.front().data(), parts.front().size(),
                                config_.Get(), clock_.NowUnixMillis());
  return true;
}

kpihub::Status IngestServer::ServeGroup() {
  // Frames in arrival order; acks go out in the same order, so a client with several batches
  // in flight can match a frame-level refusal (sequence 0) to the frame it sent.
  std::vector<Received> group;
  std::vector<store::BatchToApply> batches;
  size_t observations = 0;
  while (group.size() < options_.max_group_batches && observations < options_.max_group_observations) {
    Received r;
    if (!ReceiveOne(&r)) break;
    if (r.dropped) continue;
    if (!r.intake.immediate_ack) {
      observations += r.intake.batch.accepted.size() + r.intake.batch.rejected.size();
      batches.push_back(std::move(r.intake.batch));
    }
    group.push_back(std::move(r));
  }
  std::vector<store::ApplyResult> results;
  kpihub::Status status;
  if (!batches.empty()) {
    const int64_t started_us = clock_.NowSteadyMicros();
    status = store_.ApplyGroup(batches, &results);
    const double seconds = static_cast<double>(clock_.NowSteadyMicros() - started_us) / 1e6;
    // Only a full map is an expected answer; anything else means the store can no longer be
    // trusted to have what it acked (or a bug): no ack for this group, and stop.
    if (!status.ok() && status.code() != kpihub::Status::Code::kMapFull) {
      metrics_.SetStorageFailed();
      log_->critical("commit failed, no batch of this group is acked: {}", status.ToString());
      return status;
    }
    metrics_.ObserveCommit(seconds, batches.size());
    if (!status.ok()) log_->error("storage full, group answered retry_later: {}", status.ToString());
  }
  size_t next_batch = 0;
  for (Received& r : group) {
    if (r.intake.immediate_ack) {
      Account(r, *r.intake.immediate_ack);
      SendAck(r.routing_id, *r.intake.immediate_ack);
      continue;
    }
    size_t i = next_batch++;
    r.intake.batch = std::move(batches[i]);
    wire::AckMessage ack = BatchAck(r, status.ok() ? &results[i] : nullptr);
    Account(r, ack);
    SendAck(r.routing_id, ack);
  }
  return kpihub::Status::Ok();
}

namespace {

// The intake's refusals and the store's, in index order (each list is one batch's).
std::vector<core::Rejection> MergeRejections(std::vector<core::Rejection> intake,
                                             const std::vector<core::Rejection>& store) {
  if (store.empty()) return intake;
  intake.insert(intake.end(), store.begin(), store.end());
  std::stable_sort(intake.begin(), intake.end(),
                   [](const core::Rejection& a, const core::Rejection& b) { return a.index < b.index; });
  return intake;
}

}  // namespace

wire::AckMessage IngestServer::BatchAck(Received& r, const store::ApplyResult* result) {
  wire::AckMessage ack;
  ack.sequence = r.intake.batch.sequence;
  if (result == nullptr) {
    ack.status = wire::AckStatus::kRetryLater;  // map full: nothing of the group applied
    return ack;
  }
  ack.next_expected = result->next_expected;
  switch (result->outcome) {
    case store::BatchOutcome::kApplied:
      ack.status = wire::AckStatus::kAccepted;
      ack.rejections = MergeRejections(std::move(r.intake.rejections), result->rejections);
      ack.action_rejections =
          MergeRejections(std::move(r.intake.action_rejections), result->action_rejections);
      break;
    case store::BatchOutcome::kDuplicate: ack.status = wire::AckStatus::kDuplicate; break;
    case store::BatchOutcome::kOutOfOrder: ack.status = wire::AckStatus::kOutOfOrder; break;
  }
  return ack;
}

void IngestServer::SendAck(const zmq::message_t& routing_id, const wire::AckMessage& ack) {
  std::string bytes = wire::EncodeAck(ack);
  try {
    zmq::message_t id(routing_id.data(), routing_id.size());
    if (!router_.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !router_.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
      metrics_.CountAckDropped();  // peer not reading: it will resend and get `duplicate`
    }
  } catch (const zmq::error_t& e) {
    metrics_.CountAckDropped();  // EHOSTUNREACH: the peer is gone
  }
}

// Closing a year is rare and consequential: every action is logged with its outcome.
void IngestServer::LogPeriodActions(const Received& r, const wire::AckMessage& ack) {
  const store::BatchToApply& batch = r.intake.batch;
  for (const core::ValidPeriodAction& a : batch.actions) {
    auto refused = std::find_if(ack.action_rejections.begin(), ack.action_rejections.end(),
                                [&](const core::Rejection& x) { return x.index == a.index; });
    if (refused != ack.action_rejections.end()) continue;
    log_->info("period action adapter={} department={} action={} year={} of={}", batch.adapter,
               batch.department, core::PeriodActionName(a.kind), a.year, a.department);
  }
  for (const core::Rejection& rej : ack.action_rejections) {
    log_->info("period action refused adapter={} department={} index={} reason={}", batch.adapter,
               batch.department, rej.index, core::ReasonName(rej.reason));
  }
}

void IngestServer::Account(const Received& r, const wire::AckMessage& ack) {
  const std::string& dept = r.sender.department.empty() ? std::string("unknown") : r.sender.department;
  const std::string& adapter = r.sender.adapter.empty() ? std::string("unknown") : r.sender.adapter;
  metrics_.CountBatch(dept, adapter, wire::AckStatusName(ack.status));
  switch (ack.status) {
    case wire::AckStatus::kAccepted: {
      const size_t sent = r.intake.batch.accepted.size() + r.intake.batch.rejected.size();
      metrics_.CountObservations(dept, adapter, sent - ack.rejections.size(), ack.rejections.size());
      for (const auto& rej : ack.rejections) metrics_.CountRejection(dept, rej.reason);
      for (const auto& rej : ack.action_rejections) metrics_.CountRejection(dept, rej.reason);
      LogPeriodActions(r, ack);
      // Refusals by reason, never their details: those may echo wire text.
      if (!ack.rejections.empty()) {
        log_->info("observations refused adapter={} department={} seq={} {}", adapter, dept,
                   ack.sequence, ReasonCounts(ack.rejections));
      }
      log_->debug("batch applied adapter={} department={} seq={} accepted={} rejected={}",
                  adapter, dept, ack.sequence, r.intake.batch.accepted.size(),
                  r.intake.batch.rejected.size());
      break;
    }
    case wire::AckStatus::kDuplicate:
      log_->info("batch duplicate adapter={} seq={} next_expected={}", adapter, ack.sequence,
                 ack.next_expected);
      break;
    case wire::AckStatus::kOutOfOrder:
      log_->info("batch out_of_order adapter={} seq={} next_expected={}", adapter, ack.sequence,
                 ack.next_expected);
      break;
    case wire::AckStatus::kRetryLater:
      log_->warn("batch retry_later adapter={} seq={}", adapter, ack.sequence);
      break;
    case wire::AckStatus::kMalformed:
      metrics_.CountRejection(dept, ack.frame_reason);
      log_->warn("frame refused adapter={} reason={} detail=\"{}\"", adapter,
                 core::ReasonName(ack.frame_reason), ack.frame_detail);
      break;
    case wire::AckStatus::kUnauthorized:
      metrics_.CountRejection(dept, ack.frame_reason);  // unregistered_key
      log_->warn("frame refused adapter={} department={} reason=unauthorized", adapter, dept);
      break;
  }
}

}  // namespace kpihub::ingest
