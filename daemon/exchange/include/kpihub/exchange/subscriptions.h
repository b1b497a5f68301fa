// Subscriptions: the consumers' subscriptions on the exchange socket (docs/protocol.md,
// "Subscribing"), socket free. A subscription gets a snapshot of what it may read at one
// change id, then every later change in commit order (the zguide's Clone pattern), each
// message carrying the change id it brings the consumer to. Changes are read from the store's
// value history, which is keyed by change id: a subscription keeps a cursor, not a queue, so
// a consumer that does not read costs the daemon a few hundred bytes plus the snapshot pages
// its credit allows. Flow control is by credit: each data message uses one, the consumer
// returns them as it applies messages. Every data message's rows are audited like a query's
// page; access is decided again on every round against the configuration in force, so a
// reload that removes an agreement or a key ends the subscription (kind ended, with the reason).
//
// Not thread-safe: owned by the exchange thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/exchange/query_engine.h"
#include "kpihub/store/store.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::exchange {

struct SubscriptionOptions {
  size_t max_subscriptions = 256;      // in all
  size_t max_per_key = 16;             // of one reading key
  uint32_t max_credit = 64;            // data messages a consumer may have outstanding
  uint32_t max_rows_per_message = 1000;
  int64_t heartbeat_ms = 5000;         // a heartbeat when nothing else was sent for this long
  int64_t idle_ms = 60000;             // nothing heard from the consumer: ended, subscription_idle
  int64_t recheck_ms = 1000;           // access decided again at least this often
  size_t max_scan_per_round = 20000;   // changes read in one round (one read for all)
  size_t max_snapshot_rows = 2000000;  // snapshot rows held for all subscriptions
};

// One message for one consumer, with its audit records (written before it is sent).
struct SubscriptionOutput {
  std::string routing_id;
  ReaderIdentity reader;
  QueryOutcome outcome;
  bool send = true;  // false: only its audit records (a subscription accepted)
};

class Subscriptions {
 public:
  Subscriptions(SubscriptionOptions options, QueryEngineOptions engine, store::Store& store,
                const core::Clock& clock);
  ~Subscriptions();

  // A frame with mode subscribe, credit or unsubscribe from the connection `routing_id`.
  void Handle(const std::string& routing_id, const ReaderIdentity& reader,
              const core::LiveConfig::View& view, const wire::QueryRequest& request,
              std::vector<SubscriptionOutput>* out);
  // What is due now: snapshot pages and changes as credit allows, heartbeats, and the end of
  // subscriptions that lost access or went idle.
  void Pump(const core::LiveConfig::View& view, std::vector<SubscriptionOutput>* out);
  // The audit of `outputs` could not be written: their data messages were not sent; the
  // subscriptions they belong to are ended (audit_unavailable) so that each consumer resumes
  // from what it stored.
  void AuditFailed(std::vector<SubscriptionOutput>* outputs);

  // Forgets a subscription (a message of it could not be sent): the consumer's next credit
  // or keep-alive is answered unknown_subscription, and it resumes from its change id.
  void Drop(const std::string& routing_id, uint64_t request_id);
  size_t size() const { return subs_.size(); }
  // Whether a round may have something to do before the next frame arrives.
  bool Active() const { return !subs_.empty(); }

 private:
  struct Sub;
  using Key = std::pair<std::string, uint64_t>;  // routing id, request id
  void Subscribe(const Key& key, const ReaderIdentity& reader, const core::LiveConfig::View& view,
                 const wire::QueryRequest& request, std::vector<SubscriptionOutput>* out);
  bool Recheck(Sub& sub, const core::LiveConfig::View& view, int64_t now_ms,
               std::vector<SubscriptionOutput>* out);
  struct Round;
  void LoadWindow(Round& round);
  void Serve(Sub& sub, Round& round, std::vector<SubscriptionOutput>* out);
  bool StartSnapshot(Sub& sub, Round& round, std::vector<SubscriptionOutput>* out);
  void SendSnapshotPage(Sub& sub, std::vector<SubscriptionOutput>* out);
  void SendEnterpriseChanges(Sub& sub, const Round& round, std::vector<SubscriptionOutput>* out);
  void SendAggregateChanges(Sub& sub, Round& round);
  SubscriptionOutput Data(Sub& sub, wire::PageKind kind);
  // Counts the rows of `o` per provider and agreement and adds their audit records; with
  // `every_grant` each grant gets a record, with 0 rows when the page has none of its rows.
  void Audit(const Sub& sub, SubscriptionOutput* o, bool every_grant);
  SubscriptionOutput Ended(const Key& key, const ReaderIdentity& reader, wire::QueryRefusal reason,
                           std::string detail, std::string summary, bool audited);
  size_t SnapshotRowsHeld() const;

  SubscriptionOptions options_;
  QueryEngineOptions engine_;
  store::Store& store_;
  const core::Clock& clock_;
  std::map<Key, std::unique_ptr<Sub>> subs_;
  uint64_t last_version_ = 0;
};

}  // namespace kpihub::exchange
