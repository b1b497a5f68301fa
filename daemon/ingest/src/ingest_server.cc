#include "kpihub/ingest/ingest_server.h"

#include "network_loop.h"

#include <zmq.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace kpihub::ingest {
namespace {

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
  InboundFrame frame;
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
      queue_(options_.queue),
      network_(std::make_unique<NetworkLoop>(context, options_, config_, queue_, metrics_, log_)) {}

IngestServer::~IngestServer() = default;

void IngestServer::Start() { bound_endpoint_ = network_->Bind(); }

kpihub::Status IngestServer::Run(const std::atomic<bool>& stop,
                                const std::function<void()>& on_tick) {
  network_->Launch();
  kpihub::Status status = kpihub::Status::Ok();
  while (!stop.load()) {
    if (on_tick) on_tick();
    CheckReaders();
    if (std::string failure = network_->failure(); !failure.empty()) {
      status = kpihub::Status::Unavailable(failure);
      break;
    }
    if (!queue_.Wait(std::chrono::milliseconds(options_.poll_timeout_ms))) continue;
    status = ServeGroup();
    if (!status.ok()) break;
  }
  network_->Stop();  // after the last group's acks are sent; a failed group's never are
  return status;
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

void IngestServer::Process(InboundFrame frame, Received* out) const {
  out->frame = std::move(frame);
  const InboundFrame& f = out->frame;
  if (f.deferred != Deferral::kNone) {
    // Over a byte budget: not read. The sender resends its frames in flight after a back-off.
    wire::AckMessage ack;
    ack.status = wire::AckStatus::kRetryLater;
    out->intake.immediate_ack = ack;
    return;
  }
  if (f.parts != 1) {
    wire::AckMessage ack;
    ack.status = wire::AckStatus::kMalformed;
    ack.frame_reason = core::RejectReason::kUndecodable;
    ack.frame_detail = "a batch is exactly one frame, got " + std::to_string(f.parts);
    out->intake.immediate_ack = ack;
    return;
  }
  out->intake = intake_.Process(f.sender, f.body.data(), f.body.size(), config_.Get(),
                                clock_.NowUnixMillis());
}

kpihub::Status IngestServer::ServeGroup() {
  // Frames in arrival order; acks go out in the same order, so a client with several batches
  // in flight can match a frame-level refusal (sequence 0) to the frame it sent.
  std::vector<Received> group;
  std::vector<store::BatchToApply> batches;
  size_t observations = 0;
  while (group.size() < options_.max_group_batches && observations < options_.max_group_observations) {
    std::optional<InboundFrame> frame = queue_.TryPop();
    if (!frame) break;
    Received r;
    Process(std::move(*frame), &r);
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
  std::vector<OutboundAck> acks;
  acks.reserve(group.size());
  size_t next_batch = 0;
  for (Received& r : group) {
    wire::AckMessage ack;
    if (r.intake.immediate_ack) {
      ack = std::move(*r.intake.immediate_ack);
    } else {
      size_t i = next_batch++;
      r.intake.batch = std::move(batches[i]);
      ack = BatchAck(r, status.ok() ? &results[i] : nullptr);
    }
    Account(r, ack);
    acks.push_back(OutboundAck{std::move(r.frame.routing_id), wire::EncodeAck(ack)});
  }
  network_->Post(std::move(acks));
  for (const Received& r : group) queue_.Release(r.frame);
  metrics_.SetQueuedBytes(queue_.charged_bytes());
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
  const Sender& sender = r.frame.sender;
  const std::string dept = sender.department.empty() ? "unknown" : sender.department;
  const std::string adapter = sender.adapter.empty() ? "unknown" : sender.adapter;
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
