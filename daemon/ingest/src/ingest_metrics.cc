#include "kpihub/ingest/ingest_metrics.h"

namespace kpihub::ingest {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

IngestMetrics::IngestMetrics(prometheus::Registry& registry)
    : batches_(BuildCounter()
                   .Name("kpihub_ingest_batches_total")
                   .Help("Batches received, by department, adapter and result.")
                   .Register(registry)),
      observations_(BuildCounter()
                        .Name("kpihub_ingest_observations_total")
                        .Help("Observations in applied batches, by result (accepted, rejected).")
                        .Register(registry)),
      rejections_(BuildCounter()
                      .Name("kpihub_ingest_rejections_total")
                      .Help("Refused observations and frames, by department and reason code.")
                      .Register(registry)),
      zap_(BuildCounter()
               .Name("kpihub_zap_requests_total")
               .Help("ZAP authentication requests, by mechanism and result.")
               .Register(registry)),
      handshake_failures_(BuildCounter()
                              .Name("kpihub_ingest_handshake_failures_total")
                              .Help("Connections refused in the handshake before ZAP (another "
                                    "server key, no CURVE), by reason.")
                              .Register(registry)),
      acks_dropped_(BuildCounter()
                        .Name("kpihub_ingest_acks_dropped_total")
                        .Help("Acks that could not be delivered (peer gone or not reading).")
                        .Register(registry)
                        .Add({})),
      connections_refused_(BuildCounter()
                               .Name("kpihub_ingest_connections_refused_total")
                               .Help("Ingest connections closed by the connection limits, by "
                                     "reason (total_limit, per_key_limit), or at accept "
                                     "(at_accept: outside ingest_allow_from, or accept failed).")
                               .Register(registry)),
      open_connections_(BuildGauge()
                            .Name("kpihub_ingest_connections")
                            .Help("Open ingest connections (handshaking or authenticated).")
                            .Register(registry)
                            .Add({})),
      frames_deferred_(BuildCounter()
                           .Name("kpihub_ingest_frames_deferred_total")
                           .Help("Frames answered retry_later unread because the queued bytes "
                                 "of their key (key_budget) or of all keys (total_budget) were "
                                 "over budget.")
                           .Register(registry)),
      frames_dropped_(BuildCounter()
                          .Name("kpihub_ingest_frames_dropped_total")
                          .Help("Frames dropped unanswered: their key had too many frames in "
                                "flight.")
                          .Register(registry)
                          .Add({})),
      queued_bytes_(BuildGauge()
                        .Name("kpihub_ingest_queued_bytes")
                        .Help("Bytes of received frames waiting for, or in, a commit.")
                        .Register(registry)
                        .Add({})),
      commit_seconds_(BuildHistogram()
                          .Name("kpihub_commit_duration_seconds")
                          .Help("Duration of one group commit, including fsync.")
                          .Register(registry)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25, 0.5, 1, 2.5})),
      group_batches_(BuildHistogram()
                         .Name("kpihub_commit_group_batches")
                         .Help("Batches applied per group commit.")
                         .Register(registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32,
                                                                          64, 128, 256})),
      storage_failed_(BuildGauge()
                          .Name("kpihub_storage_failed")
                          .Help("1 once a commit failed: the daemon stops accepting and exits.")
                          .Register(registry)
                          .Add({})),
      stale_readers_cleared_(BuildCounter()
                                 .Name("kpihub_store_stale_readers_cleared_total")
                                 .Help("LMDB reader slots of dead processes released.")
                                 .Register(registry)
                                 .Add({})),
      readers_(BuildGauge()
                   .Name("kpihub_store_readers")
                   .Help("LMDB read transactions open, in any process, at the last check.")
                   .Register(registry)
                   .Add({})),
      reader_lag_(BuildGauge()
                      .Name("kpihub_store_reader_lag_transactions")
                      .Help("Commits since the oldest open reader's snapshot; while it grows, "
                            "freed pages cannot be reused and the file grows.")
                      .Register(registry)
                      .Add({})) {}

void IngestMetrics::CountBatch(const std::string& department, const std::string& adapter,
                               std::string_view result) {
  batches_.Add({{"department", department}, {"adapter", adapter}, {"result", std::string(result)}})
      .Increment();
}

void IngestMetrics::CountObservations(const std::string& department, const std::string& adapter,
                                      uint64_t accepted, uint64_t rejected) {
  observations_.Add({{"department", department}, {"adapter", adapter}, {"result", "accepted"}})
      .Increment(static_cast<double>(accepted));
  observations_.Add({{"department", department}, {"adapter", adapter}, {"result", "rejected"}})
      .Increment(static_cast<double>(rejected));
}

void IngestMetrics::CountRejection(const std::string& department, core::RejectReason reason) {
  rejections_.Add({{"department", department}, {"reason", std::string(core::ReasonName(reason))}})
      .Increment();
}

void IngestMetrics::CountZap(bool allowed, const std::string& mechanism) {
  // The mechanism string comes from libzmq (NULL, PLAIN, CURVE, GSSAPI): a closed set.
  zap_.Add({{"mechanism", mechanism}, {"result", allowed ? "allowed" : "denied"}}).Increment();
}

void IngestMetrics::CountHandshakeFailure(const std::string& reason) {
  handshake_failures_.Add({{"reason", reason}}).Increment();  // a closed set of four
}

void IngestMetrics::CountAckDropped() { acks_dropped_.Increment(); }

void IngestMetrics::ObserveCommit(double seconds, size_t batches) {
  commit_seconds_.Observe(seconds);
  group_batches_.Observe(static_cast<double>(batches));
}

void IngestMetrics::SetStorageFailed() { storage_failed_.Set(1); }

void IngestMetrics::ObserveReaders(const store::ReaderReport& report) {
  stale_readers_cleared_.Increment(static_cast<double>(report.stale_cleared));
  readers_.Set(static_cast<double>(report.readers));
  reader_lag_.Set(static_cast<double>(report.oldest_lag));
}

}  // namespace kpihub::ingest

namespace kpihub::ingest {

void IngestMetrics::CountConnectionRefused(const std::string& reason) {
  connections_refused_.Add({{"reason", reason}}).Increment();
}

void IngestMetrics::SetOpenConnections(size_t n) { open_connections_.Set(static_cast<double>(n)); }

void IngestMetrics::CountFrameDeferred(const std::string& reason) {
  frames_deferred_.Add({{"reason", reason}}).Increment();  // key_budget, total_budget
}

void IngestMetrics::CountFrameDropped() { frames_dropped_.Increment(); }

void IngestMetrics::SetQueuedBytes(uint64_t bytes) { queued_bytes_.Set(static_cast<double>(bytes)); }

}  // namespace kpihub::ingest
