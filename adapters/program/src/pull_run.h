// PullRun: `kpihub-adapter pull` once its options are read — one subscription (client/
// subscriber.h) whose messages become files in an output directory, each exactly once
// (delivery/subscription_state.h), until stopped, caught up (--once) or ended by the daemon.
// Not thread-safe: runs on the calling thread.
#pragma once

#include <zmq.hpp>

#include <functional>
#include <string>

#include "kpihub/client/subscriber.h"
#include "pull_output.h"

namespace kpihub::adapter {

struct PullOptions {
  std::string name;       // the subscription's name: file names and its cursor
  std::string out_dir;
  std::string state_dir;  // the cursor goes in STATE_DIR/subscriptions
  wire::QueryRequest query;
  client::ConsumerOptions consumer;
  client::SubscriberOptions subscriber;
  bool once = false;             // stop at the first heartbeat: caught up
  int answer_timeout_ms = 30000; // no message at all this long after start: exit 4
};

// Exit codes (docs/exchange.md, "Receiving changes"): 0 stopped cleanly (SIGTERM, or caught up
// with --once), 3 the daemon ended or refused the subscription, 4 no answer, 5 the state or
// the output directory failed.
inline constexpr int kPullStopped = 0, kPullEnded = 3, kPullNoAnswer = 4, kPullStateFailed = 5;

// A stable digest of what `query` asks for: a stored cursor is only good for the same query.
std::string QueryFingerprint(const wire::QueryRequest& query);

int RunPull(zmq::context_t& context, const PullOptions& options, const PullOutput& output,
            const std::function<bool()>& stop_requested);

}  // namespace kpihub::adapter
