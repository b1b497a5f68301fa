#include "sender_core.h"

#include <algorithm>

#include "batch_frames.h"

namespace kpihub::delivery {

int SenderCore::NextBackoffMs(int current_ms) const {
  return current_ms == 0 ? options_.backoff_initial_ms
                         : std::min(current_ms * 2, options_.backoff_max_ms);
}

void SenderCore::CountDelivered(const StoredBatch& batch, const wire::AckMessage& ack) {
  const auto actions = static_cast<size_t>(std::count_if(
      batch.entries.begin(), batch.entries.end(), [](const OutboxEntry& e) { return e.action.has_value(); }));
  counters_.batches_delivered++;
  counters_.observations_delivered += batch.entries.size() - actions;
  counters_.observations_rejected += ack.rejections.size();
  counters_.actions_delivered += actions;
  counters_.actions_rejected += ack.action_rejections.size();
  if (!listener_) return;
  wire::AckMessage by_entry = ack;
  by_entry.rejections = ToEntryIndices(batch, ack.rejections, /*actions=*/false);
  by_entry.action_rejections = ToEntryIndices(batch, ack.action_rejections, /*actions=*/true);
  listener_->OnDelivered(batch, by_entry);
}

void SenderCore::CountRefused(const StoredBatch& batch, const wire::AckMessage& ack) {
  counters_.batches_refused++;
  if (listener_) listener_->OnRefused(batch, ack);
}

}  // namespace kpihub::delivery
