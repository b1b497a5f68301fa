#include "outbox_feeder.h"

namespace kpihub::adapter {

Status OutboxFeeder::DrainDown() {
  while (waiting_ && sender_.pending_batches() > high_) {
    uint64_t before = sender_.counters().batches_delivered;
    bool stopped_by_caller = false;
    auto result = sender_.Drain(stall_ms_, [&] {
      if (!keep_going_()) { stopped_by_caller = true; return false; }
      return sender_.pending_batches() > low_;
    });
    if (result == delivery::DrainResult::kStorageError) return Status::IoError(sender_.error());
    if (result == delivery::DrainResult::kUnauthorized) {
      return Status::PermissionDenied("the daemon refused this adapter's key");
    }
    bool stalled = result == delivery::DrainResult::kTimedOut && sender_.counters().batches_delivered == before;
    if (stalled || stopped_by_caller) waiting_ = false;
  }
  return Status::Ok();
}

Status OutboxFeeder::Feed(std::vector<delivery::OutboxEntry>&& entries) {
  Status drained = DrainDown();
  if (!drained.ok()) return drained;
  return sender_.Enqueue(entries);
}

}  // namespace kpihub::adapter
