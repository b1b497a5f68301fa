#include "kpihub/client/pusher.h"

#include <algorithm>

namespace kpihub::client {
namespace {

std::vector<core::Observation> Slice(const std::vector<core::Observation>& all, size_t from,
                                     size_t count) {
  auto end = std::min(all.size(), from + count);
  return std::vector<core::Observation>(all.begin() + from, all.begin() + end);
}

}  // namespace

PushSummary Push(Connection& connection, const std::vector<core::Observation>& observations,
                 const PushOptions& options) {
  PushSummary summary;
  uint64_t sequence = 1;
  size_t offset = 0;
  int attempts = 0;
  while (offset < observations.size()) {
    auto batch = Slice(observations, offset, options.batch_size);
    auto ack = connection.SendBatch(sequence, batch, options.sent_unix_ms, options.ack_timeout_ms);
    if (!ack || ack->status == wire::AckStatus::kRetryLater) {
      if (++attempts >= options.max_attempts) {
        summary.error = ack ? "daemon kept answering retry_later" : "no ack before the timeout";
        return summary;
      }
      continue;
    }
    switch (ack->status) {
      case wire::AckStatus::kDuplicate:
      case wire::AckStatus::kOutOfOrder:
        sequence = ack->next_expected;  // resynchronise; nothing was applied
        continue;
      case wire::AckStatus::kAccepted:
        break;
      default:
        summary.error = std::string("batch refused: ") +
                        std::string(wire::AckStatusName(ack->status)) + " " + ack->frame_detail;
        return summary;
    }
    if (summary.first_sequence == 0) summary.first_sequence = sequence;
    summary.last_sequence = sequence;
    summary.batches_acked++;
    summary.observations_sent += batch.size();
    summary.observations_rejected += ack->rejections.size();
    for (auto r : ack->rejections) {
      r.index += static_cast<uint32_t>(offset);
      summary.rejections.push_back(std::move(r));
    }
    offset += batch.size();
    sequence = ack->next_expected;
    attempts = 0;
  }
  summary.complete = true;
  return summary;
}

ActionsSummary PushActions(Connection& connection, const std::vector<core::PeriodAction>& actions,
                           const PushOptions& options) {
  ActionsSummary summary;
  uint64_t sequence = 1;
  for (int attempts = 0; attempts < options.max_attempts;) {
    auto ack = connection.SendBatch(sequence, {}, actions, options.sent_unix_ms,
                                    options.ack_timeout_ms);
    if (!ack || ack->status == wire::AckStatus::kRetryLater) {
      ++attempts;
      summary.error = ack ? "daemon kept answering retry_later" : "no ack before the timeout";
      continue;
    }
    switch (ack->status) {
      case wire::AckStatus::kDuplicate:
      case wire::AckStatus::kOutOfOrder:
        sequence = ack->next_expected;  // resynchronise; nothing was applied
        ++attempts;  // bounded: a daemon that keeps moving the sequence is not followed for ever
        summary.error = "the sequence kept moving (another sender with this key?)";
        continue;
      case wire::AckStatus::kAccepted:
        summary.delivered = true;
        summary.sequence = sequence;
        summary.error.clear();
        summary.rejections = std::move(ack->action_rejections);
        return summary;
      default:
        summary.batch_refused = true;
        summary.error = std::string("batch refused: ") +
                        std::string(wire::AckStatusName(ack->status)) + " " + ack->frame_detail;
        return summary;
    }
  }
  return summary;
}

}  // namespace kpihub::client
