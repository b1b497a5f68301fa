// IngestMetrics: the daemon's own ingest figures, registered in a prometheus-cpp Registry
// that main owns. Labels are bounded: department and adapter come from the key registry,
// reason and result from closed enums. Thread-safe (prometheus-cpp metrics are).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "kpihub/core/reason.h"
#include "kpihub/store/store.h"

namespace kpihub::ingest {

class IngestMetrics {
 public:
  explicit IngestMetrics(prometheus::Registry& registry);

  // result: accepted, duplicate, out_of_order, retry_later, malformed, unauthorized
  void CountBatch(const std::string& department, const std::string& adapter,
                  std::string_view result);
  void CountObservations(const std::string& department, const std::string& adapter,
                         uint64_t accepted, uint64_t rejected);
  void CountRejection(const std::string& department, core::RejectReason reason);
  void CountZap(bool allowed, const std::string& mechanism);
  // reason: a HandshakeMonitor reason (cryptographic, mechanism_mismatch, protocol, no_detail)
  void CountHandshakeFailure(const std::string& reason);
  void CountAckDropped();
  // reason: total_limit, per_key_limit (ConnectionGate), at_accept (ingest_allow_from)
  void CountConnectionRefused(const std::string& reason);
  void SetOpenConnections(size_t n);
  // reason: key_budget, total_budget (FrameQueue): a frame answered retry_later unread.
  void CountFrameDeferred(const std::string& reason);
  // A frame over its key's frame count (FrameQueue), dropped unanswered.
  void CountFrameDropped();
  // Bytes of received frames waiting for, or in, a commit.
  void SetQueuedBytes(uint64_t bytes);
  void ObserveCommit(double seconds, size_t batches);
  void SetStorageFailed();
  // The result of the periodic reader-table check (Store::CheckReaders).
  void ObserveReaders(const store::ReaderReport& report);

 private:
  prometheus::Family<prometheus::Counter>& batches_;
  prometheus::Family<prometheus::Counter>& observations_;
  prometheus::Family<prometheus::Counter>& rejections_;
  prometheus::Family<prometheus::Counter>& zap_;
  prometheus::Family<prometheus::Counter>& handshake_failures_;
  prometheus::Counter& acks_dropped_;
  prometheus::Family<prometheus::Counter>& connections_refused_;
  prometheus::Gauge& open_connections_;
  prometheus::Family<prometheus::Counter>& frames_deferred_;
  prometheus::Counter& frames_dropped_;
  prometheus::Gauge& queued_bytes_;
  prometheus::Histogram& commit_seconds_;
  prometheus::Histogram& group_batches_;
  prometheus::Gauge& storage_failed_;
  prometheus::Counter& stale_readers_cleared_;
  prometheus::Gauge& readers_;
  prometheus::Gauge& reader_lag_;
};

}  // namespace kpihub::ingest
