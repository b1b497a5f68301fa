#include "batch_frames.h"

#include <algorithm>

namespace kpihub::delivery {

// Reconnects follow the back-off; with `immediate` nothing queues while there is no session,
// so a batch is only counted as sent when a daemon could receive it.
platform::CurveDealerOptions DealerOptions(const SenderOptions& o, const std::string& server_public_z85) {
  auto dealer = platform::CurveClient(server_public_z85, o.client_keys.public_z85,
                                      o.client_keys.secret_z85);
  dealer.heartbeat_ms = o.heartbeat_ms;
  dealer.immediate = true;
  dealer.reconnect_ivl_ms = std::max(10, o.backoff_initial_ms / 2);
  dealer.reconnect_ivl_max_ms = o.backoff_max_ms;
  // Sends here never block (dontwait), but a refused key gets no session and a blocking send
  // would wait for ever (libzmq 4.3.4): bound it should one ever be added.
  dealer.send_timeout_ms = std::max(1, o.ack_timeout_ms);
  return dealer;
}

// Cuts `entries` into batches of at most `size`, and where an observation follows an action:
// the daemon applies a batch's actions after all its observations.
std::vector<std::vector<OutboxEntry>> CutBatches(const std::vector<OutboxEntry>& entries, size_t size) {
  std::vector<std::vector<OutboxEntry>> batches;
  for (const OutboxEntry& e : entries) {
    const bool after_action = !batches.empty() && !batches.back().empty() &&
                              batches.back().back().action.has_value() && !e.action;
    if (batches.empty() || batches.back().size() >= size || after_action) batches.emplace_back();
    batches.back().push_back(e);
  }
  return batches;
}

// The Batch frame of a stored batch: its observations, then its actions.
std::string EncodeStoredBatch(const StoredBatch& batch, int64_t sent_unix_ms) {
  std::vector<core::Observation> observations;
  std::vector<core::PeriodAction> actions;
  for (const auto& e : batch.entries) {
    if (e.action) actions.push_back(*e.action);
    else observations.push_back(e.observation);
  }
  return wire::EncodeBatch(batch.sequence, sent_unix_ms, observations, actions);
}

// `rejections` re-indexed from a wire list (observations, or actions) to `batch.entries`.
// An index beyond the list is a daemon bug: kept, pointing past the entries, so that the
// listener's range check sees it instead of it vanishing here.
std::vector<core::Rejection> ToEntryIndices(const StoredBatch& batch,
                                            const std::vector<core::Rejection>& rejections,
                                            bool actions) {
  std::vector<uint32_t> entry_of;
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    if (batch.entries[i].action.has_value() == actions) entry_of.push_back(static_cast<uint32_t>(i));
  }
  std::vector<core::Rejection> out = rejections;
  for (auto& r : out) {
    r.index = r.index < entry_of.size() ? entry_of[r.index] : static_cast<uint32_t>(batch.entries.size());
  }
  return out;
}

}  // namespace kpihub::delivery
