// DurableSender: the public API for a department system that pushes observations (and period
// actions: closing a year) to kpihubd directly (docs/integrating.md has a complete example). It delivers every observation handed
// to Enqueue exactly once to effect, across daemon restarts, network loss and restarts of the
// calling process:
//
//  - Enqueue splits entries into batches and writes them, numbered, to the Outbox (LMDB,
//    synced) before anything is sent. A batch's period actions travel after its observations
//    (the daemon applies them in that order), so a batch is cut where an observation follows
//    an action: entries take effect in the order they were enqueued. Sequences are per adapter key, contiguous from 1, and
//    survive restarts because the outbox stores the next one with the batches it numbers.
//  - Drain connects a CURVE DEALER socket (keys from files, ZMTP heartbeats), keeps up to
//    `window` batches in flight, and removes a batch from the outbox only when the daemon acks
//    it `accepted` or `duplicate`. No ack within `ack_timeout_ms`, or a new handshake after
//    the link dropped, resends every batch in flight under its own sequence; `outOfOrder`
//    rewinds to the sequence the daemon expects; `retryLater` resends the same batch after a
//    back-off that doubles up to `backoff_max_ms`. `unauthorized` stops the sender for good:
//    the key must be registered; the batches stay in the outbox.
//  - A refused frame (`malformed`) cannot be fixed by resending: its entries are reported to
//    the listener as refused, the batch leaves the outbox, and its sequence number is reused.
//
// A replica pair (`replicas`: two or more daemons, each with its own server key): every batch
// goes to each replica, over a connection of its own with its own window, resends, rewinds and
// back-off. The one outbox keeps each replica's cursor (the highest sequence it acked) and a
// batch leaves it when every replica holding batches has acked it. A replica that stays behind
// the others for `replica_down_after_ms` is reported down (OnReplicaState) and batches no longer
// wait for it, so the outbox stays bounded; when it answers again it catches up from what the
// outbox holds, or, if it needs batches the outbox no longer holds, it is reported as needing a
// rebuild from the other replica's `kpihub backup` (docs/operations.md, "A replica pair"), and
// from then on the outbox keeps its batches again. Sequences are the same for every replica. A
// refused frame is refused by every replica alike: reported once, and its batch is replaced by
// an empty one under the same sequence, which every replica then consumes.
//
// The daemon acks in arrival order, and acks of refused frames carry sequence 0; with several
// batches in flight such an ack cannot be matched, so the sender falls back to one batch in
// flight until the refused batch is identified.
//
// Every timing decision (ack timeout, back-off, Drain's max wait) reads the injected clock's
// monotonic time, so tests drive them with a fake clock.
//
// Not thread-safe: one thread calls Enqueue and Drain. The listener is called on that thread.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kpihub/core/clock.h"
#include "kpihub/delivery/outbox.h"
#include "kpihub/wire/codec.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::delivery {

// One replica of a pair: its ingest endpoint and its server.pub.
struct ReplicaEndpoint {
  std::string endpoint;
  std::string server_public_z85;
};

struct SenderOptions {
  std::string endpoint = "tcp://127.0.0.1:7730";
  std::string server_public_z85;  // the daemon's server.pub
  wire::CurveKeyPair client_keys;  // this adapter's .key (both halves)
  size_t batch_size = 500;         // entries (observations, actions) per batch (Enqueue)
  size_t window = 8;               // batches in flight
  int heartbeat_ms = 5000;         // ZMTP heartbeat; a silent peer is dropped after 3x this
  int ack_timeout_ms = 10000;      // no ack for this long: resend what is in flight
  int backoff_initial_ms = 250;    // first pause after a timeout or retryLater
  int backoff_max_ms = 30000;      // cap of the doubling pause (also the reconnect interval cap)
  // Non-empty: deliver to each of these (endpoint and server_public_z85 above are unused).
  std::vector<ReplicaEndpoint> replicas;
  // A replica behind the others this long is reported down and no longer holds batches.
  int64_t replica_down_after_ms = 3600 * 1000;
};

// Reads each server public key file into `options->replicas`, paired with `endpoints` in order.
Status LoadReplicaKeys(const std::vector<std::string>& endpoints,
                       const std::vector<std::string>& server_key_files, SenderOptions* options);

enum class ReplicaState {
  kCurrent,       // has acked as much as any other replica
  kBehind,        // another replica acked more; batches wait for this one
  kDown,          // behind longer than replica_down_after_ms: batches no longer wait for it
  kNeedsRebuild,  // needs batches the outbox no longer holds: restore it from the other's backup
};
std::string_view ReplicaStateName(ReplicaState state);

struct ReplicaStatus {
  std::string endpoint;
  ReplicaState state = ReplicaState::kCurrent;
  uint64_t acked = 0;     // highest sequence it acknowledged
  uint64_t expected = 0;  // kNeedsRebuild: the sequence it asked for
  uint64_t batches_sent = 0, batches_resent = 0, rewinds = 0, reconnects = 0;
};

// Reads the adapter's secret key file and the daemon's public key file (kpihub keygen format).
Status LoadCurveKeys(const std::string& key_file, const std::string& server_key_file,
                     SenderOptions* options);

// What the sender tells its caller. Called on the Drain thread, after the outbox changed.
class DeliveryListener {
 public:
  virtual ~DeliveryListener() = default;
  // The daemon applied the batch (`accepted`) or had applied it before (`duplicate`: its
  // rejections, if any, were sent with the first ack, which was lost). `rejections` (refused
  // observations) and `action_rejections` (refused period actions) both index
  // `batch.entries`: the sender translates the wire's indices before calling.
  virtual void OnDelivered(const StoredBatch& batch, const wire::AckMessage& ack) = 0;
  // The daemon refused the whole frame (`malformed`); none of its entries was applied.
  virtual void OnRefused(const StoredBatch& batch, const wire::AckMessage& ack) = 0;
  // With replicas: one changed to kDown, kNeedsRebuild, or back to kCurrent/kBehind from those.
  virtual void OnReplicaState(const ReplicaStatus& /*replica*/) {}
};

struct SenderCounters {
  uint64_t batches_sent = 0;       // frames sent, resends included
  uint64_t batches_resent = 0;
  uint64_t batches_delivered = 0;  // accepted or duplicate
  uint64_t batches_refused = 0;    // malformed
  uint64_t observations_delivered = 0;
  uint64_t observations_rejected = 0;  // by the daemon, in delivered batches
  uint64_t actions_delivered = 0;      // period actions in delivered batches
  uint64_t actions_rejected = 0;       // by the daemon, in delivered batches
  uint64_t rewinds = 0;            // outOfOrder answers acted on
  uint64_t reconnects = 0;
};

enum class DrainResult {
  kEmpty,         // every batch acknowledged: the outbox is empty
  kTimedOut,      // max_wait_ms passed with batches still pending (they stay in the outbox)
  kStopped,       // keep_going returned false
  kUnauthorized,  // the daemon does not (or no longer) accept this key: fatal
  kStorageError,  // the outbox failed: stop and investigate (see error())
};
std::string_view DrainResultName(DrainResult result);

class DurableSender {
 public:
  // `outbox`, `clock` and `listener` (may be null) must outlive the sender.
  DurableSender(zmq::context_t& context, Outbox& outbox, SenderOptions options,
                const core::Clock& clock, DeliveryListener* listener);
  ~DurableSender();

  // Durably queues `entries` in batches of at most `batch_size`, in order. On failure (also
  // kept in error()) nothing of this call was stored.
  Status Enqueue(const std::vector<OutboxEntry>& entries);

  // Sends and follows acks until the outbox is empty, `max_wait_ms` passes (< 0: no limit),
  // `keep_going` returns false (checked about every 100 ms), or a fatal answer.
  DrainResult Drain(int64_t max_wait_ms, const std::function<bool()>& keep_going = nullptr);

  const SenderCounters& counters() const;
  size_t pending_batches() const;  // in the outbox, as of the last Enqueue or ack
  // The message of the failure that ended the last Drain or Enqueue; empty if none.
  const std::string& error() const;
  // With replicas: each one's state, in the order of `replicas`; empty otherwise.
  std::vector<ReplicaStatus> replica_status() const;

  // The replica pair's side (src/replicated_sender.h), owned here when `replicas` is set.
  class Replicated;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Replicated> replicated_;
};

}  // namespace kpihub::delivery
