#include "kpihub/exchange/subscriptions.h"

#include <algorithm>
#include <set>

#include "query_request.h"

namespace kpihub::exchange {
namespace {

using wire::ChangeId;
using wire::PageKind;
using wire::QueryRefusal;

constexpr const char* kOwnData = "own_data";

std::string AggregateKey(const wire::AggregateRowValue& r) {
  return r.indicator + '\0' + r.park + '\0' + r.period;
}

bool SameAggregate(const wire::AggregateRowValue& a, const wire::AggregateRowValue& b) {
  return a.value == b.value && a.withheld == b.withheld && a.entities == b.entities;
}

// Whether a change (its period parsed once per round) is one of the enterprise rows `filter`
// selects.
bool Selects(const RowFilter& filter, const std::set<std::string>& indicators,
             const store::HistoryEntry& change, const std::optional<core::Period>& period) {
  const core::FigureKey& k = change.key;
  if (k.entity.empty() || !indicators.count(k.indicator)) return false;
  if (!filter.parks.empty() && !filter.parks.count(k.park)) return false;
  if (!filter.entities.empty() && !filter.entities.count(k.entity)) return false;
  return period && InPeriodRange(*period, filter.from, filter.to);
}

ChangeId IdOf(const store::HistoryEntry& change) { return {change.journal_id, change.index}; }

}  // namespace

struct Subscriptions::Sub {
  Key key;
  ReaderIdentity reader;
  wire::QueryRequest request;
  CheckedQuery checked;
  std::set<std::string> indicators;
  std::string summary;
  uint32_t credit = 0;
  int64_t last_heard_ms = 0, last_sent_ms = 0, last_check_ms = 0;
  const void* checked_catalogue = nullptr;
  const void* checked_registry = nullptr;
  ChangeId sent;               // complete up to here once the consumer applied what was sent
  bool needs_snapshot = true;
  bool ended = false;          // ended during a round: removed at its end
  // Rows being sent in pages (a snapshot, or an aggregate round's changed rows): the last
  // page brings the consumer to `queue_at`.
  std::shared_ptr<const QueryRows> queue;
  size_t queue_offset = 0;
  ChangeId queue_at;
  PageKind queue_kind = PageKind::kSnapshot;
  uint64_t queue_as_of = 0;
  // Aggregate level: the rows as last sent, by indicator, park and period.
  std::map<std::string, wire::AggregateRowValue> published;
};

// What one round works from: one snapshot, and the changes after the earliest cursor among
// the enterprise subscriptions that may be sent changes, read once for all of them.
struct Subscriptions::Round {
  store::Snapshot& snapshot;
  uint64_t last_journal = 0;
  const core::LiveConfig::View& view;
  ChangeId from;                                 // the window holds changes after this id,
  std::vector<store::HistoryEntry> changes;      // in commit order
  std::vector<std::optional<core::Period>> periods;
  bool complete = false;                         // up to the snapshot's last change
  ChangeId end() const { return {last_journal, ChangeId::kWholeBatch}; }
};

Subscriptions::Subscriptions(SubscriptionOptions options, QueryEngineOptions engine,
                             store::Store& store, const core::Clock& clock)
    : options_(options), engine_(std::move(engine)), store_(store), clock_(clock) {}

Subscriptions::~Subscriptions() = default;

void Subscriptions::Handle(const std::string& routing_id, const ReaderIdentity& reader,
                           const core::LiveConfig::View& view, const wire::QueryRequest& request,
                           std::vector<SubscriptionOutput>* out) {
  const Key key{routing_id, request.request_id};
  if (request.mode == wire::RequestMode::kSubscribe) {
    Subscribe(key, reader, view, request, out);
    return;
  }
  auto it = subs_.find(key);
  if (it == subs_.end() || it->second->reader.public_key != reader.public_key) {
    out->push_back(Ended(key, reader, QueryRefusal::kUnknownSubscription,
                         "订阅不存在或已结束，请重新订阅（从已保存的变更号继续）", "", false));
    return;
  }
  Sub& sub = *it->second;
  sub.last_heard_ms = clock_.NowUnixMillis();
  if (request.mode == wire::RequestMode::kUnsubscribe) {
    subs_.erase(it);
    return;
  }
  sub.credit = std::min<uint64_t>(uint64_t{sub.credit} + request.credit, options_.max_credit);
}

void Subscriptions::Subscribe(const Key& key, const ReaderIdentity& reader,
                              const core::LiveConfig::View& view,
                              const wire::QueryRequest& request,
                              std::vector<SubscriptionOutput>* out) {
  subs_.erase(key);  // subscribing again under the same id replaces the subscription
  const core::Catalogue& catalogue = *view.catalogue;
  std::string summary = "mode=subscribe resume=" + request.resume.ToString() + " " +
                        SummariseQuery(request, catalogue);
  auto sub = std::make_unique<Sub>();
  sub->key = key;
  sub->reader = reader;
  sub->request = request;
  sub->summary = summary;
  const int64_t now_ms = clock_.NowUnixMillis();
  if (!Recheck(*sub, view, now_ms, out)) return;
  size_t of_key = 0;
  for (const auto& [k, s] : subs_) of_key += s->reader.public_key == reader.public_key;
  if (subs_.size() >= options_.max_subscriptions || of_key >= options_.max_per_key) {
    out->push_back(Ended(key, reader, QueryRefusal::kTooManySubscriptions,
                         "订阅数已达上限（全部 " + std::to_string(options_.max_subscriptions) +
                             " 个，每个读取密钥 " + std::to_string(options_.max_per_key) + " 个）",
                         summary, true));
    return;
  }
  sub->request.page_size =
      std::clamp<uint32_t>(request.page_size, 1, options_.max_rows_per_message);
  sub->credit = std::min(request.credit, options_.max_credit);
  sub->last_heard_ms = sub->last_sent_ms = now_ms;
  sub->sent = request.resume;
  // Aggregates are derived (suppression weighs every cell together): resumed by a snapshot.
  sub->needs_snapshot = request.resume.none() || request.level == core::ShareLevel::kAggregate;
  for (const auto& i : sub->checked.filter.indicators) sub->indicators.insert(i);
  // The subscription itself is audited, under each grant, before anything is sent.
  SubscriptionOutput accepted;
  accepted.routing_id = key.first;
  accepted.reader = reader;
  accepted.outcome.page.request_id = key.second;
  accepted.send = false;
  for (const auto& [indicator, grant] : sub->checked.grants) {
    store::AuditRecord r;
    r.unix_ms = now_ms;
    r.consumer_key = reader.consumer_id;
    r.consumer_department = reader.department;
    r.provider_department = grant.provider;
    r.agreement = grant.agreement;
    r.kind = "subscribe";
    r.request = summary;
    r.outcome = "subscribed";
    accepted.outcome.audit.push_back(std::move(r));
  }
  out->push_back(std::move(accepted));
  subs_.emplace(key, std::move(sub));
}

// The key must still be registered for reading and every indicator still granted at the
// level asked; decided when the configuration was swapped and at least every recheck_ms.
bool Subscriptions::Recheck(Sub& sub, const core::LiveConfig::View& view, int64_t now_ms,
                            std::vector<SubscriptionOutput>* out) {
  if (sub.checked_catalogue == view.catalogue.get() && sub.checked_registry == view.registry.get() &&
      now_ms - sub.last_check_ms < options_.recheck_ms) {
    return true;
  }
  const core::AdapterKey* key = view.registry->FindConsumerByPublicKey(sub.reader.public_key);
  if (key == nullptr || key->adapter_id != sub.reader.consumer_id ||
      key->department != sub.reader.department) {
    out->push_back(Ended(sub.key, sub.reader, QueryRefusal::kUnregisteredKey,
                         "该密钥已不再登记为读取密钥，订阅已结束", sub.summary, true));
    return false;
  }
  wire::QueryRequest request = sub.request;
  request.continuation.clear();
  CheckedQuery checked;
  if (auto refused = CheckQuery(request, sub.reader, *view.catalogue, now_ms / 1000, &checked)) {
    SubscriptionOutput ended = Ended(sub.key, sub.reader, refused->reason,
                                     refused->detail + "；订阅已结束", sub.summary, true);
    ended.outcome.audit[0].provider_department = refused->provider;
    ended.outcome.audit[0].agreement = refused->agreement;
    out->push_back(std::move(ended));
    return false;
  }
  sub.checked = std::move(checked);
  sub.checked_catalogue = view.catalogue.get();
  sub.checked_registry = view.registry.get();
  sub.last_check_ms = now_ms;
  return true;
}

void Subscriptions::Pump(const core::LiveConfig::View& view, std::vector<SubscriptionOutput>* out) {
  if (subs_.empty()) return;
  std::unique_ptr<store::Snapshot> snapshot;
  uint64_t last_journal = 0;
  if (!store_.OpenSnapshot(&snapshot).ok() || !snapshot->LastJournalId(&last_journal).ok()) {
    return;  // the store cannot be read now: try again next round
  }
  Round round{*snapshot, last_journal, view};
  LoadWindow(round);
  const int64_t now_ms = clock_.NowUnixMillis();
  for (auto it = subs_.begin(); it != subs_.end();) {
    Sub& sub = *it->second;
    if (now_ms - sub.last_heard_ms > options_.idle_ms) {
      out->push_back(Ended(sub.key, sub.reader, QueryRefusal::kSubscriptionIdle,
                           "超过 " + std::to_string(options_.idle_ms / 1000) +
                               " 秒未收到订阅方的确认或保活消息，订阅已结束",
                           sub.summary, false));
      it = subs_.erase(it);
      continue;
    }
    if (!Recheck(sub, view, now_ms, out)) {
      it = subs_.erase(it);
      continue;
    }
    const size_t before = out->size();
    Serve(sub, round, out);
    if (sub.ended) {
      it = subs_.erase(it);
      continue;
    }
    if (out->size() > before) sub.last_sent_ms = now_ms;
    if (now_ms - sub.last_sent_ms >= options_.heartbeat_ms) {
      SubscriptionOutput beat = Data(sub, PageKind::kHeartbeat);
      beat.outcome.page.change = sub.sent;
      out->push_back(std::move(beat));
      sub.last_sent_ms = now_ms;
    }
    ++it;
  }
}

void Subscriptions::LoadWindow(Round& round) {
  bool any = false;
  for (const auto& [key, sub] : subs_) {
    if (sub->request.level != core::ShareLevel::kEnterprise || sub->needs_snapshot ||
        sub->queue || sub->credit == 0 || !(sub->sent < round.end())) {
      continue;
    }
    round.from = any ? std::min(round.from, sub->sent) : sub->sent;
    any = true;
  }
  if (!any) return;
  round.complete = true;
  Status s = round.snapshot.ForEachChangeAfter(
      round.from.journal, round.from.index, [&](const store::HistoryEntry& change) {
        if (round.changes.size() >= options_.max_scan_per_round) {
          round.complete = false;
          return false;
        }
        round.changes.push_back(change);
        round.periods.push_back(core::Period::Parse(change.key.period));
        return true;
      });
  if (!s.ok()) {  // unreadable now: nothing is sent from it, the next round tries again
    round.changes.clear();
    round.complete = false;
  }
}

void Subscriptions::Serve(Sub& sub, Round& round, std::vector<SubscriptionOutput>* out) {
  // A cursor beyond this daemon's history (its state was restored from an older backup):
  // the consumer gets a snapshot and replaces what it had.
  if (sub.sent.journal > round.last_journal) sub.needs_snapshot = true;
  if (sub.needs_snapshot && !sub.queue && sub.credit > 0) {
    if (!StartSnapshot(sub, round, out)) return;
  }
  while (sub.credit > 0 && sub.queue) SendSnapshotPage(sub, out);
  if (sub.queue || sub.needs_snapshot) return;
  if (sub.request.level == core::ShareLevel::kEnterprise) {
    while (sub.credit > 0 && sub.sent < round.end()) {
      const ChangeId before = sub.sent;
      SendEnterpriseChanges(sub, round, out);
      if (sub.sent == before) break;  // past what this round read: the next round goes on
    }
  } else if (sub.credit > 0 && sub.sent < round.end()) {
    SendAggregateChanges(sub, round);
    while (sub.credit > 0 && sub.queue) SendSnapshotPage(sub, out);
  }
}

bool Subscriptions::StartSnapshot(Sub& sub, Round& round, std::vector<SubscriptionOutput>* out) {
  auto rows = std::make_shared<QueryRows>();
  Status s = ReadQueryRows(round.snapshot, *round.view.catalogue, sub.checked.filter,
                           engine_.min_cell_entities, engine_.max_result_rows, rows.get());
  if (s.code() == Status::Code::kUnavailable) {
    out->push_back(Ended(sub.key, sub.reader, QueryRefusal::kResultTooLarge,
                         "快照超过 " + std::to_string(engine_.max_result_rows) +
                             " 行，请缩小订阅范围（指标、园区、期间或企业）",
                         sub.summary, true));
    sub.ended = true;
    return false;
  }
  if (!s.ok() || SnapshotRowsHeld() + rows->size() > options_.max_snapshot_rows) {
    return false;  // not now: the next round tries again
  }
  sub.published.clear();
  for (const auto& r : rows->aggregate) sub.published[AggregateKey(r)] = r;
  sub.queue = std::move(rows);
  sub.queue_offset = 0;
  sub.queue_at = round.end();
  sub.queue_kind = PageKind::kSnapshot;
  sub.queue_as_of = round.snapshot.Version();
  sub.needs_snapshot = false;
  return true;
}

// The next page of the queued rows; the last one brings the consumer to queue_at.
void Subscriptions::SendSnapshotPage(Sub& sub, std::vector<SubscriptionOutput>* out) {
  const QueryRows& rows = *sub.queue;
  const size_t end = std::min<size_t>(rows.size(), sub.queue_offset + sub.request.page_size);
  SubscriptionOutput o = Data(sub, sub.queue_kind);
  wire::QueryPageMessage& page = o.outcome.page;
  page.as_of = sub.queue_as_of;
  for (size_t i = sub.queue_offset; i < end; ++i) {
    if (sub.request.level == core::ShareLevel::kEnterprise) {
      page.enterprise_rows.push_back(rows.enterprise[i]);
      page.enterprise_rows.back().agreement = sub.checked.grants.at(rows.enterprise[i].indicator).agreement;
    } else {
      page.aggregate_rows.push_back(rows.aggregate[i]);
      page.aggregate_rows.back().agreement = sub.checked.grants.at(rows.aggregate[i].indicator).agreement;
    }
  }
  const bool last = end == rows.size();
  const bool first = sub.queue_offset == 0;
  // Snapshot pages all carry the snapshot's change id; pages of an aggregate round before its
  // last carry the id already reached (their rows replace rows: applying them again is harmless).
  page.change = sub.queue_kind == PageKind::kSnapshot || last ? sub.queue_at : sub.sent;
  page.snapshot_done = sub.queue_kind == PageKind::kSnapshot && last;
  sub.queue_offset = end;
  --sub.credit;
  if (last) {
    sub.sent = sub.queue_at;
    sub.queue.reset();
  }
  // A snapshot's first page is audited under every grant, so each provider sees the read.
  Audit(sub, &o, first && sub.queue_kind == PageKind::kSnapshot);
  out->push_back(std::move(o));
}

// The changes after the subscription's cursor in this round's window, up to a message's rows.
void Subscriptions::SendEnterpriseChanges(Sub& sub, const Round& round,
                                          std::vector<SubscriptionOutput>* out) {
  if (sub.sent < round.from) return;  // not in this round's window (it became ready since)
  auto it = std::upper_bound(round.changes.begin(), round.changes.end(), sub.sent,
                             [](const ChangeId& id, const store::HistoryEntry& c) { return id < IdOf(c); });
  std::vector<wire::EnterpriseRowValue> rows;
  ChangeId reached = sub.sent;
  for (; it != round.changes.end() && rows.size() < sub.request.page_size; ++it) {
    reached = IdOf(*it);
    const auto& period = round.periods[static_cast<size_t>(it - round.changes.begin())];
    if (!Selects(sub.checked.filter, sub.indicators, *it, period)) continue;
    const core::FigureKey& k = it->key;
    rows.push_back({k.indicator, k.park, k.entity, k.period, it->new_value.ToString(),
                    it->unix_ms, sub.checked.grants.at(k.indicator).agreement});
  }
  if (it == round.changes.end() && round.complete) reached = round.end();
  if (rows.empty()) {
    sub.sent = std::max(sub.sent, reached);  // nothing for this consumer up to there
    return;
  }
  SubscriptionOutput o = Data(sub, PageKind::kChanges);
  o.outcome.page.as_of = round.snapshot.Version();
  o.outcome.page.change = reached;
  o.outcome.page.enterprise_rows = std::move(rows);
  sub.sent = reached;
  --sub.credit;
  Audit(sub, &o, false);
  out->push_back(std::move(o));
}

// Aggregates: when a change since the last round touches an indicator of the subscription,
// the rows are read again and those that differ from what was sent are queued.
void Subscriptions::SendAggregateChanges(Sub& sub, Round& round) {
  bool touched = false;
  size_t scanned = 0;
  Status s = round.snapshot.ForEachChangeAfter(
      sub.sent.journal, sub.sent.index, [&](const store::HistoryEntry& change) {
        touched = sub.indicators.count(change.key.indicator) ||
                  ++scanned >= options_.max_scan_per_round;
        return !touched;
      });
  if (!s.ok()) return;
  if (!touched) {
    sub.sent = round.end();
    return;
  }
  QueryRows now;
  s = ReadQueryRows(round.snapshot, *round.view.catalogue, sub.checked.filter,
                    engine_.min_cell_entities, engine_.max_result_rows, &now);
  if (!s.ok()) return;
  auto changed = std::make_shared<QueryRows>();
  for (const auto& r : now.aggregate) {
    auto& before = sub.published[AggregateKey(r)];
    if (before.indicator.empty() || !SameAggregate(before, r)) changed->aggregate.push_back(r);
    before = r;
  }
  if (changed->aggregate.empty()) {
    sub.sent = round.end();
    return;
  }
  sub.queue = std::move(changed);
  sub.queue_offset = 0;
  sub.queue_at = round.end();
  sub.queue_kind = PageKind::kChanges;
  sub.queue_as_of = round.snapshot.Version();
}

SubscriptionOutput Subscriptions::Data(Sub& sub, PageKind kind) {
  SubscriptionOutput o;
  o.routing_id = sub.key.first;
  o.reader = sub.reader;
  o.outcome.page.request_id = sub.key.second;
  o.outcome.page.answered = true;
  o.outcome.page.kind = kind;
  o.outcome.page.level = sub.request.level;
  return o;
}

void Subscriptions::Audit(const Sub& sub, SubscriptionOutput* o, bool every_grant) {
  std::map<std::pair<std::string, std::string>, uint64_t> counts;
  auto label = [](const Grant& g) { return g.agreement.empty() ? std::string(kOwnData) : g.agreement; };
  if (every_grant) {
    for (const auto& [indicator, g] : sub.checked.grants) counts[{g.provider, label(g)}] += 0;
  }
  auto add = [&](const std::string& indicator) {
    const Grant& g = sub.checked.grants.at(indicator);
    counts[{g.provider, label(g)}]++;
  };
  for (const auto& r : o->outcome.page.enterprise_rows) add(r.indicator);
  for (const auto& r : o->outcome.page.aggregate_rows) add(r.indicator);
  const int64_t now_ms = clock_.NowUnixMillis();
  for (const auto& [pa, rows] : counts) {
    o->outcome.served.push_back({pa.first, pa.second, rows});
    store::AuditRecord r;
    r.unix_ms = now_ms;
    r.consumer_key = sub.reader.consumer_id;
    r.consumer_department = sub.reader.department;
    r.provider_department = pa.first;
    r.agreement = pa.second == kOwnData ? "" : pa.second;
    r.kind = "subscribe";
    r.request = std::string(wire::PageKindName(o->outcome.page.kind)) + " change=" +
                o->outcome.page.change.ToString() + " " + sub.summary;
    r.rows = rows;
    r.outcome = "answered";
    r.as_of = o->outcome.page.as_of;
    o->outcome.audit.push_back(std::move(r));
  }
}

SubscriptionOutput Subscriptions::Ended(const Key& key, const ReaderIdentity& reader,
                                        QueryRefusal reason, std::string detail,
                                        std::string summary, bool audited) {
  SubscriptionOutput o;
  o.routing_id = key.first;
  o.reader = reader;
  o.outcome.page.request_id = key.second;
  o.outcome.page.kind = PageKind::kEnded;
  o.outcome.page.answered = false;
  o.outcome.page.reason = reason;
  o.outcome.page.detail = std::move(detail);
  if (audited) {
    store::AuditRecord r;
    r.unix_ms = clock_.NowUnixMillis();
    r.consumer_key = reader.consumer_id;
    r.consumer_department = reader.department;
    r.kind = "subscribe";
    r.request = std::move(summary);
    r.outcome = std::string(wire::QueryRefusalName(reason));
    o.outcome.audit.push_back(std::move(r));
  }
  return o;
}

void Subscriptions::AuditFailed(std::vector<SubscriptionOutput>* outputs) {
  for (SubscriptionOutput& o : *outputs) {
    const PageKind kind = o.outcome.page.kind;
    if (o.send && (kind == PageKind::kEnded || kind == PageKind::kHeartbeat)) continue;
    const Key key{o.routing_id, o.outcome.page.request_id};
    subs_.erase(key);
    o = Ended(key, o.reader, QueryRefusal::kAuditUnavailable,
              "订阅内容无法记入审计日志，因此未发送；订阅已结束，请稍后从已保存的变更号重新订阅",
              "", false);
  }
}

void Subscriptions::Drop(const std::string& routing_id, uint64_t request_id) {
  subs_.erase({routing_id, request_id});
}

size_t Subscriptions::SnapshotRowsHeld() const {
  size_t n = 0;
  for (const auto& [k, s] : subs_) n += s->queue ? s->queue->size() : 0;
  return n;
}

}  // namespace kpihub::exchange
