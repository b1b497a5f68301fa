// Subscriber: a department's subscription on kpihubd's exchange socket (docs/protocol.md,
// "Subscribing"): a snapshot of what it may read, then every later change in order, each
// message carrying the change id it brings the consumer to. The caller applies each message
// and stores its change id durably in the same step (delivery/subscription_state.h does that
// for files); the Subscriber then returns one credit to the daemon, so the daemon never sends
// more than `window` messages ahead of what the caller has applied.
//
// When the daemon falls silent (no message, heartbeat included, for `silence_ms`), or the link
// drops, the Subscriber reconnects and subscribes again from the last change id the caller
// accepted: nothing is skipped and, as long as the caller stored that id with what the rows
// did, nothing is applied twice. A snapshot cut short is started again from its first page;
// `on_message` sees `kind == kSnapshot` with `snapshot_restart` set on its first page.
//
// Not thread-safe: one thread per Subscriber (ZeroMQ sockets are single-threaded).
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kpihub/client/consumer.h"
#include "kpihub/core/status.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::client {

struct SubscriberOptions {
  uint32_t window = 8;         // data messages the daemon may send ahead (1..64)
  int keepalive_ms = 5000;     // a credit-0 frame at least this often, so the daemon keeps it
  int silence_ms = 30000;      // nothing heard for this long: reconnect and resubscribe
  int reconnect_pause_ms = 1000;
  // Called on Run's thread before each reconnect, with why (for the caller's log).
  std::function<void(std::string_view why)> on_reconnect;
};

struct SubscriptionMessage {
  wire::QueryPageMessage page;   // kind: kSnapshot, kChanges or kHeartbeat
  bool snapshot_restart = false; // first page of a (new) snapshot: discard any partial one
};

struct SubscribeOutcome {
  enum class End { kStopped, kEnded, kCallerFailed } end = End::kStopped;
  wire::QueryRefusal reason = wire::QueryRefusal::kNone;  // kEnded: the daemon's reason
  std::string detail;           // the daemon's sentence, or the caller's error
  wire::ChangeId last;          // the last change id the caller accepted
  uint64_t messages = 0, rows = 0, reconnects = 0;
};

class Subscriber {
 public:
  Subscriber(zmq::context_t& context, ConsumerOptions consumer, SubscriberOptions options);
  ~Subscriber();

  // Subscribes to `query` (indicators, parks, periods, entities, level; page_size is the
  // most rows per message) resuming after `from` ({0,0}: a snapshot first), and calls
  // `on_message` for each message in order. A heartbeat's change id may be stored like any
  // other (it says nothing more is due up to there). `on_message` returns Ok once it has
  // applied the rows and stored the change id durably; a failure stops Run
  // (kCallerFailed) without returning credit for that message. Run returns when
  // `keep_going` returns false (checked at least every 100 ms) or the daemon ends the
  // subscription (kEnded: refused, cut by a reload; the reason says which).
  SubscribeOutcome Run(wire::QueryRequest query, wire::ChangeId from,
                       const std::function<Status(const SubscriptionMessage&)>& on_message,
                       const std::function<bool()>& keep_going);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kpihub::client
