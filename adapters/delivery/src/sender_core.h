// SenderCore: the state and steps both senders (one daemon, or a replica pair) share: the
// outbox they drain, their options, clock and listener, the counters, the last failure, the
// back-off, and how a delivered or refused batch is counted and told to the listener.
// Private to the delivery library. Not thread-safe: the DurableSender's thread.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <string>

#include "kpihub/delivery/durable_sender.h"

namespace kpihub::delivery {

struct SenderCore {
  SenderCore(zmq::context_t& context, Outbox& outbox, SenderOptions options,
             const core::Clock& clock, DeliveryListener* listener)
      : context_(context), outbox_(outbox), options_(std::move(options)), clock_(clock),
        listener_(listener) {}

  int64_t SteadyMs() const { return clock_.NowSteadyMicros() / 1000; }
  // Records a failure's message for error(); false, for `return Failed(...)`.
  bool Failed(const Status& status) {
    error_ = status.message();
    return false;
  }
  // The back-off after `current_ms`: the initial one first, then doubling up to the maximum.
  int NextBackoffMs(int current_ms) const;
  // Counts `batch` as delivered and tells the listener, with `ack`'s rejections as entry
  // indices.
  void CountDelivered(const StoredBatch& batch, const wire::AckMessage& ack);
  // Counts `batch` as refused and tells the listener.
  void CountRefused(const StoredBatch& batch, const wire::AckMessage& ack);

  zmq::context_t& context_;
  Outbox& outbox_;
  SenderOptions options_;
  const core::Clock& clock_;
  DeliveryListener* listener_;
  SenderCounters counters_;
  std::string error_;
};

}  // namespace kpihub::delivery
