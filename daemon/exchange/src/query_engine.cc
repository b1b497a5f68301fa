#include "kpihub/exchange/query_engine.h"

#include <algorithm>
#include <map>

#include "query_request.h"

namespace kpihub::exchange {
namespace {

using wire::QueryRefusal;

// The label and audit value of a read that needs no agreement.
constexpr const char* kOwnData = "own_data";

store::AuditRecord Record(const ReaderIdentity& reader, int64_t now_ms, std::string summary) {
  store::AuditRecord r;
  r.unix_ms = now_ms;
  r.consumer_key = reader.consumer_id;
  r.consumer_department = reader.department;
  r.kind = "query";
  r.request = std::move(summary);
  return r;
}

// The rows of the same query by the same key, with the same grants: its kept rows key.
std::string KeepKey(const ReaderIdentity& reader, const CheckedQuery& checked) {
  const RowFilter& f = checked.filter;
  std::string key = reader.public_key + "|" + std::string(core::ShareLevelName(f.level)) + "|";
  for (const auto& i : f.indicators) key += i + (f.unsuppressed.count(i) ? "+," : ",");
  key += "|";
  for (const auto& p : f.parks) key += p + ",";
  key += "|" + (f.from ? f.from->ToString() : "") + ".." + (f.to ? f.to->ToString() : "") + "|";
  for (const auto& e : f.entities) key += e + ",";
  return key;
}

// The page's rows, each under its indicator's grant in force now.
void Slice(const QueryRows& rows, const CheckedQuery& checked, uint32_t page_size,
           wire::QueryPageMessage* page) {
  const size_t end = std::min<size_t>(rows.size(), checked.offset + page_size);
  auto agreement = [&](const std::string& indicator) { return checked.grants.at(indicator).agreement; };
  for (size_t i = checked.offset; i < end; ++i) {
    if (checked.filter.level == core::ShareLevel::kEnterprise) {
      page->enterprise_rows.push_back(rows.enterprise[i]);
      page->enterprise_rows.back().agreement = agreement(rows.enterprise[i].indicator);
    } else {
      page->aggregate_rows.push_back(rows.aggregate[i]);
      page->aggregate_rows.back().agreement = agreement(rows.aggregate[i].indicator);
    }
  }
  page->continuation = end < rows.size() ? std::to_string(end) : "";
}

// Rows per (provider, agreement) of the page; every grant of the query appears, with 0 rows
// when the page holds none of its rows, so that each provider sees the read in its audit.
std::vector<ServedRows> CountServed(const CheckedQuery& checked, const wire::QueryPageMessage& page) {
  std::map<std::pair<std::string, std::string>, uint64_t> counts;
  for (const auto& [indicator, grant] : checked.grants) {
    counts[{grant.provider, grant.agreement.empty() ? kOwnData : grant.agreement}] += 0;
  }
  auto add = [&](const std::string& indicator) {
    const Grant& g = checked.grants.at(indicator);
    counts[{g.provider, g.agreement.empty() ? kOwnData : g.agreement}]++;
  };
  for (const auto& r : page.enterprise_rows) add(r.indicator);
  for (const auto& r : page.aggregate_rows) add(r.indicator);
  std::vector<ServedRows> served;
  for (const auto& [key, n] : counts) served.push_back({key.first, key.second, n});
  return served;
}

}  // namespace

QueryOutcome QueryEngine::Refuse(const ReaderIdentity& reader, uint64_t request_id,
                                 QueryRefusal reason, std::string detail, std::string summary) {
  QueryOutcome out;
  out.page.request_id = request_id;
  out.page.answered = false;
  out.page.reason = reason;
  out.page.detail = std::move(detail);
  store::AuditRecord r = Record(reader, clock_.NowUnixMillis(), std::move(summary));
  r.outcome = std::string(wire::QueryRefusalName(reason));
  out.audit.push_back(std::move(r));
  return out;
}

QueryOutcome QueryEngine::Answer(const ReaderIdentity& reader, const core::LiveConfig::View& view,
                                 const wire::QueryRequest& query) {
  const core::Catalogue& catalogue = *view.catalogue;
  std::string summary = SummariseQuery(query, catalogue);
  const core::AdapterKey* key = view.registry->FindConsumerByPublicKey(reader.public_key);
  if (key == nullptr || key->adapter_id != reader.consumer_id || key->department != reader.department) {
    return Refuse(reader, query.request_id, QueryRefusal::kUnregisteredKey,
                  "该密钥已不再登记为读取密钥（或已改登记为其他部门）", std::move(summary));
  }
  const int64_t now_ms = clock_.NowUnixMillis();
  CheckedQuery checked;
  if (auto refused = CheckQuery(query, reader, catalogue, now_ms / 1000, &checked)) {
    QueryOutcome out = Refuse(reader, query.request_id, refused->reason, refused->detail, summary);
    out.audit[0].provider_department = refused->provider;
    out.audit[0].agreement = refused->agreement;
    return out;
  }
  wire::QueryRefusal reason = QueryRefusal::kNone;
  std::string detail;
  std::shared_ptr<const QueryRows> rows =
      RowsFor(KeepKey(reader, checked), checked.filter, catalogue, query.as_of, now_ms, &reason,
              &detail);
  if (!rows) return Refuse(reader, query.request_id, reason, std::move(detail), summary);
  if (checked.offset > rows->size()) {
    return Refuse(reader, query.request_id, QueryRefusal::kBadRequest, "续页标记无效", summary);
  }
  QueryOutcome out;
  out.page.request_id = query.request_id;
  out.page.answered = true;
  out.page.as_of = rows->as_of;
  out.page.level = query.level;
  Slice(*rows, checked, query.page_size ? query.page_size : options_.limits.default_page_size,
        &out.page);
  out.served = CountServed(checked, out.page);
  for (const ServedRows& s : out.served) {
    store::AuditRecord r = Record(reader, now_ms, summary);
    r.provider_department = s.provider;
    r.agreement = s.agreement == kOwnData ? "" : s.agreement;
    r.rows = s.rows;
    r.outcome = "answered";
    r.as_of = rows->as_of;
    out.audit.push_back(std::move(r));
  }
  return out;
}

// The query's rows at `as_of` (0: now): kept from an earlier page, or read from a snapshot at
// that version; null with the refusal when neither can be.
std::shared_ptr<const QueryRows> QueryEngine::RowsFor(const std::string& key,
                                                      const RowFilter& filter,
                                                      const core::Catalogue& catalogue,
                                                      uint64_t as_of, int64_t now_ms,
                                                      QueryRefusal* reason, std::string* detail) {
  if (as_of != 0) {
    if (auto kept = Find(key, as_of, now_ms)) return kept;
  }
  auto read = std::make_shared<QueryRows>();
  std::unique_ptr<store::Snapshot> snapshot;
  Status status = store_.OpenSnapshot(&snapshot);
  if (status.ok() && as_of != 0 && snapshot->Version() != as_of) {
    *reason = QueryRefusal::kAsOfExpired;
    *detail = "数据版本 " + std::to_string(as_of) +
              " 的查询结果已不再保留，数据已有更新；请从第一页重新查询";
    return nullptr;
  }
  if (status.ok()) {
    status = ReadQueryRows(*snapshot, catalogue, filter, options_.min_cell_entities,
                           options_.max_result_rows, read.get());
  }
  snapshot.reset();  // short: a long reader makes the file grow
  if (status.code() == Status::Code::kUnavailable) {
    *reason = QueryRefusal::kResultTooLarge;
    *detail = "结果超过 " + std::to_string(options_.max_result_rows) +
              " 行，请缩小查询范围（指标、园区、期间或企业）";
    return nullptr;
  }
  if (!status.ok()) {
    *reason = QueryRefusal::kStoreUnavailable;
    *detail = "暂时无法读取数据，请稍后重试";
    return nullptr;
  }
  Keep(key, read, now_ms);
  return read;
}

std::shared_ptr<const QueryRows> QueryEngine::Find(const std::string& key, uint64_t as_of,
                                                   int64_t now_ms) {
  for (auto it = kept_.begin(); it != kept_.end(); ++it) {
    if (it->key != key || it->rows->as_of != as_of) continue;
    it->last_used_ms = now_ms;
    kept_.splice(kept_.begin(), kept_, it);
    return kept_.front().rows;
  }
  return nullptr;
}

// Least recently paged first out, until the bounds hold; idle ones go whatever the bounds.
void QueryEngine::Keep(std::string key, std::shared_ptr<const QueryRows> rows, int64_t now_ms) {
  const uint64_t as_of = rows->as_of;
  kept_.remove_if([&](const Kept& k) { return k.key == key && k.rows->as_of == as_of; });
  kept_.push_front({std::move(key), std::move(rows), now_ms});
  size_t total = 0;
  for (const Kept& k : kept_) total += k.rows->size();
  while (kept_.size() > 1 && (kept_.size() > options_.max_kept_results ||
                              total > options_.max_kept_rows ||
                              now_ms - kept_.back().last_used_ms > options_.keep_idle_ms)) {
    total -= kept_.back().rows->size();
    kept_.pop_back();
  }
}

}  // namespace kpihub::exchange
