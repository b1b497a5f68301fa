// Pusher: sends a list of observations through a Connection in batches, in sequence order,
// without keeping sequence state of its own: it learns the next sequence from the daemon's
// `duplicate`/`outOfOrder` answers. That is safe here because a figure resent under a new
// sequence replaces itself (revisions replace, never add). For unattended feeds with a
// durable outbox, use the adapter program.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kpihub/client/connection.h"

namespace kpihub::client {

struct PushSummary {
  uint64_t batches_acked = 0;
  uint64_t observations_sent = 0;
  uint64_t observations_rejected = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  bool complete = false;  // every batch acked `accepted`
  std::string error;      // when not complete
  // Rejections with their index in the full input list.
  std::vector<core::Rejection> rejections;
};

struct PushOptions {
  size_t batch_size = 500;
  int ack_timeout_ms = 10000;
  int max_attempts = 5;  // per batch, for timeouts and retryLater
  int64_t sent_unix_ms = 0;
};

PushSummary Push(Connection& connection, const std::vector<core::Observation>& observations,
                 const PushOptions& options);

// The outcome of sending period actions (submit, approve, reopen a year) in one batch.
struct ActionsSummary {
  bool delivered = false;  // the batch was acked `accepted` (each action then applied or refused)
  uint64_t sequence = 0;   // the sequence it was accepted under
  bool batch_refused = false;  // the daemon answered, refusing the whole batch (`error` says why)
  std::string error;       // when not delivered
  std::vector<core::Rejection> rejections;  // refused actions, index into `actions`
};

// Sends `actions` as one batch without observations, learning the sequence as Push does.
// Safe to repeat after a timeout: an action that changes nothing is accepted and leaves no
// trace, so a batch delivered twice under two sequences does no harm.
ActionsSummary PushActions(Connection& connection, const std::vector<core::PeriodAction>& actions,
                           const PushOptions& options);

}  // namespace kpihub::client
