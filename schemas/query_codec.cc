#include "kpihub/wire/query_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "kpihub.capnp.h"

namespace kpihub::wire {
namespace {

kj::Array<capnp::word> AlignedCopy(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  std::memcpy(words.begin(), data, words.size() * sizeof(capnp::word));
  return words;
}

std::string Copy(capnp::Text::Reader text) { return std::string(text.begin(), text.size()); }
capnp::Text::Reader Whole(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

std::string ToBytes(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// A hostile field: the first one found ends the decoding with its sentence.
struct Refusal {
  std::string sentence;
};

std::string Bounded(capnp::Text::Reader text, const char* field, size_t limit) {
  if (text.size() > limit) {
    throw Refusal{std::string("字段 ") + field + " 长度为 " + std::to_string(text.size()) +
                  " 字节，超过上限 " + std::to_string(limit) + " 字节"};
  }
  return Copy(text);
}

// The list's length is checked before any element is read.
std::vector<std::string> BoundedList(capnp::List<capnp::Text>::Reader list, const char* field,
                                     uint32_t max_items, size_t max_bytes) {
  if (list.size() > max_items) {
    throw Refusal{std::string("字段 ") + field + " 有 " + std::to_string(list.size()) +
                  " 项，超过上限 " + std::to_string(max_items) + " 项"};
  }
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto text : list) out.push_back(Bounded(text, field, max_bytes));
  return out;
}

QueryRequest ReadQuery(proto::Query::Reader r, const QueryLimits& limits) {
  QueryRequest q;
  q.request_id = r.getRequestId();
  q.indicators = BoundedList(r.getIndicators(), "indicators", limits.max_indicators,
                             limits.max_code_bytes);
  q.parks = BoundedList(r.getParks(), "parks", limits.max_parks, limits.max_code_bytes);
  q.period_from = Bounded(r.getPeriodFrom(), "periodFrom", limits.max_code_bytes);
  q.period_to = Bounded(r.getPeriodTo(), "periodTo", limits.max_code_bytes);
  q.entities = BoundedList(r.getEntities(), "entities", limits.max_entities,
                           limits.max_code_bytes);
  const auto level = r.getLevel();
  if (level != proto::ShareLevel::AGGREGATE && level != proto::ShareLevel::ENTERPRISE) {
    throw Refusal{"字段 level 的取值未知"};
  }
  q.level = level == proto::ShareLevel::ENTERPRISE ? core::ShareLevel::kEnterprise
                                                   : core::ShareLevel::kAggregate;
  q.page_size = r.getPageSize();
  if (q.page_size > limits.max_page_size) {
    throw Refusal{"每页行数 " + std::to_string(q.page_size) + " 超过上限 " +
                  std::to_string(limits.max_page_size)};
  }
  if (q.page_size == 0) q.page_size = limits.default_page_size;
  q.continuation = Bounded(r.getContinuation(), "continuation", limits.max_code_bytes);
  q.as_of = r.getAsOf();
  const auto mode = static_cast<uint16_t>(r.getMode());
  if (mode > static_cast<uint16_t>(RequestMode::kUnsubscribe)) throw Refusal{"字段 mode 的取值未知"};
  q.mode = static_cast<RequestMode>(mode);
  q.resume = {r.getResumeJournal(), r.getResumeIndex()};
  q.credit = r.getCredit();
  return q;
}

proto::ShareLevel ToWire(core::ShareLevel level) {
  return level == core::ShareLevel::kEnterprise ? proto::ShareLevel::ENTERPRISE
                                                : proto::ShareLevel::AGGREGATE;
}

void SetList(capnp::List<capnp::Text>::Builder out, const std::vector<std::string>& in) {
  for (size_t i = 0; i < in.size(); ++i) out.set(i, Whole(in[i]));
}

void WriteRows(proto::QueryPage::Builder root, const QueryPageMessage& page) {
  if (!page.enterprise_rows.empty()) {
    auto rows = root.initEnterpriseRows(page.enterprise_rows.size());
    for (size_t i = 0; i < page.enterprise_rows.size(); ++i) {
      const auto& r = page.enterprise_rows[i];
      auto w = rows[i];
      w.setIndicator(Whole(r.indicator));
      w.setPark(Whole(r.park));
      w.setEntity(Whole(r.entity));
      w.setPeriod(Whole(r.period));
      w.setValue(Whole(r.value));
      w.setChangedUnixMs(r.changed_unix_ms);
      w.setAgreement(Whole(r.agreement));
    }
  }
  if (!page.aggregate_rows.empty()) {
    auto rows = root.initAggregateRows(page.aggregate_rows.size());
    for (size_t i = 0; i < page.aggregate_rows.size(); ++i) {
      const auto& r = page.aggregate_rows[i];
      auto w = rows[i];
      w.setIndicator(Whole(r.indicator));
      w.setPark(Whole(r.park));
      w.setPeriod(Whole(r.period));
      w.setValue(Whole(r.value));
      w.setWithheld(r.withheld);
      w.setEntities(r.entities);
      w.setAgreement(Whole(r.agreement));
    }
  }
}

void ReadRows(proto::QueryPage::Reader root, QueryPageMessage* page) {
  for (auto r : root.getEnterpriseRows()) {
    page->enterprise_rows.push_back({Copy(r.getIndicator()), Copy(r.getPark()),
                                     Copy(r.getEntity()), Copy(r.getPeriod()),
                                     Copy(r.getValue()), r.getChangedUnixMs(),
                                     Copy(r.getAgreement())});
  }
  for (auto r : root.getAggregateRows()) {
    page->aggregate_rows.push_back({Copy(r.getIndicator()), Copy(r.getPark()),
                                    Copy(r.getPeriod()), Copy(r.getValue()), r.getWithheld(),
                                    r.getEntities(), Copy(r.getAgreement())});
  }
}

}  // namespace

std::string_view QueryRefusalName(QueryRefusal reason) {
  switch (reason) {
    case QueryRefusal::kNone: return "none";
    case QueryRefusal::kBadRequest: return "bad_request";
    case QueryRefusal::kUnknownIndicator: return "unknown_indicator";
    case QueryRefusal::kNoAgreement: return "no_agreement";
    case QueryRefusal::kAgreementNotInForce: return "agreement_not_in_force";
    case QueryRefusal::kLevelNotGranted: return "level_not_granted";
    case QueryRefusal::kAsOfExpired: return "as_of_expired";
    case QueryRefusal::kResultTooLarge: return "result_too_large";
    case QueryRefusal::kUnregisteredKey: return "unregistered_key";
    case QueryRefusal::kAuditUnavailable: return "audit_unavailable";
    case QueryRefusal::kStoreUnavailable: return "store_unavailable";
    case QueryRefusal::kTooManySubscriptions: return "too_many_subscriptions";
    case QueryRefusal::kUnknownSubscription: return "unknown_subscription";
    case QueryRefusal::kSubscriptionIdle: return "subscription_idle";
  }
  return "unknown";
}

std::string_view RequestModeName(RequestMode mode) {
  switch (mode) {
    case RequestMode::kQuery: return "query";
    case RequestMode::kSubscribe: return "subscribe";
    case RequestMode::kCredit: return "credit";
    case RequestMode::kUnsubscribe: return "unsubscribe";
  }
  return "unknown";
}

std::string_view PageKindName(PageKind kind) {
  switch (kind) {
    case PageKind::kQueryPage: return "query_page";
    case PageKind::kSnapshot: return "snapshot";
    case PageKind::kChanges: return "changes";
    case PageKind::kHeartbeat: return "heartbeat";
    case PageKind::kEnded: return "ended";
  }
  return "unknown";
}

std::string ChangeId::ToString() const {
  return std::to_string(journal) + "." + (index == kWholeBatch ? "*" : std::to_string(index));
}

std::string_view QueryRefusalZh(QueryRefusal reason) {
  switch (reason) {
    case QueryRefusal::kNone: return "";
    case QueryRefusal::kBadRequest: return "请求格式不正确";
    case QueryRefusal::kUnknownIndicator: return "未知指标";
    case QueryRefusal::kNoAgreement: return "无共享协议";
    case QueryRefusal::kAgreementNotInForce: return "共享协议尚未生效或已过期";
    case QueryRefusal::kLevelNotGranted: return "共享协议仅提供汇总数据，不含企业明细";
    case QueryRefusal::kAsOfExpired: return "查询时点的数据已不保留，请重新查询";
    case QueryRefusal::kResultTooLarge: return "结果过大，请缩小查询范围";
    case QueryRefusal::kUnregisteredKey: return "读取密钥未登记或已撤销";
    case QueryRefusal::kAuditUnavailable: return "审计记录无法写入，未提供数据";
    case QueryRefusal::kStoreUnavailable: return "数据暂时无法读取";
    case QueryRefusal::kTooManySubscriptions: return "订阅数已达上限";
    case QueryRefusal::kUnknownSubscription: return "订阅不存在或已结束，请重新订阅";
    case QueryRefusal::kSubscriptionIdle: return "订阅长时间无响应已结束，请重新订阅";
  }
  return "";
}

Result<QueryRequest> DecodeQuery(const void* data, size_t size, const QueryLimits& limits) {
  if (size > limits.max_frame_bytes) {
    return Status::InvalidArgument("请求帧 " + std::to_string(size) + " 字节，超过上限 " +
                                   std::to_string(limits.max_frame_bytes) + " 字节");
  }
  if (size == 0 || size % sizeof(capnp::word) != 0) {
    return Status::InvalidArgument("请求帧 " + std::to_string(size) +
                                   " 字节，不是完整的 Cap'n Proto 消息");
  }
  auto words = AlignedCopy(data, size);
  QueryRequest query;
  std::optional<std::string> refusal;
  // Every field is read inside the guard: Cap'n Proto validates pointers lazily on access.
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&]() {
                capnp::ReaderOptions options;
                options.traversalLimitInWords = limits.traversal_limit_words;
                options.nestingLimit = limits.nesting_limit;
                capnp::FlatArrayMessageReader reader(words, options);
                try {
                  query = ReadQuery(reader.getRoot<proto::Query>(), limits);
                } catch (const Refusal& r) {
                  refusal = r.sentence;
                }
              })) {
    (void)exception;  // the library's message may quote the frame: not echoed
    return Status::InvalidArgument("请求帧不是可读的 Query 消息（指针越界、文本缺少结尾或超出遍历限制）");
  }
  if (refusal) return Status::InvalidArgument(*refusal);
  return query;
}

std::string EncodeQuery(const QueryRequest& q) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<proto::Query>();
  root.setRequestId(q.request_id);
  SetList(root.initIndicators(q.indicators.size()), q.indicators);
  SetList(root.initParks(q.parks.size()), q.parks);
  root.setPeriodFrom(Whole(q.period_from));
  root.setPeriodTo(Whole(q.period_to));
  SetList(root.initEntities(q.entities.size()), q.entities);
  root.setLevel(ToWire(q.level));
  root.setPageSize(q.page_size);
  root.setContinuation(Whole(q.continuation));
  root.setAsOf(q.as_of);
  root.setMode(static_cast<proto::RequestMode>(q.mode));
  root.setResumeJournal(q.resume.journal);
  root.setResumeIndex(q.resume.index);
  root.setCredit(q.credit);
  return ToBytes(message);
}

std::string EncodeQueryPage(const QueryPageMessage& page) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<proto::QueryPage>();
  root.setRequestId(page.request_id);
  root.setStatus(page.answered ? proto::QueryStatus::ANSWERED : proto::QueryStatus::REFUSED);
  root.setReason(static_cast<proto::QueryRefusal>(page.reason));
  root.setDetail(Whole(page.detail));
  root.setAsOf(page.as_of);
  root.setLevel(ToWire(page.level));
  WriteRows(root, page);
  root.setContinuation(Whole(page.continuation));
  root.setKind(static_cast<proto::PageKind>(page.kind));
  root.setChangeJournal(page.change.journal);
  root.setChangeIndex(page.change.index);
  root.setSnapshotDone(page.snapshot_done);
  return ToBytes(message);
}

std::optional<QueryPageMessage> DecodeQueryPage(const void* data, size_t size) {
  if (size == 0 || size % sizeof(capnp::word) != 0 || size > (256u << 20)) return std::nullopt;
  auto words = AlignedCopy(data, size);
  QueryPageMessage page;
  bool ok = false;
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&]() {
                capnp::ReaderOptions options;
                options.traversalLimitInWords = size / sizeof(capnp::word) * 2 + 1024;
                capnp::FlatArrayMessageReader reader(words, options);
                auto root = reader.getRoot<proto::QueryPage>();
                page.request_id = root.getRequestId();
                // An unknown status (a newer daemon) reads as refused: rows are not trusted.
                page.answered = root.getStatus() == proto::QueryStatus::ANSWERED;
                page.reason = static_cast<QueryRefusal>(root.getReason());
                page.detail = Copy(root.getDetail());
                page.as_of = root.getAsOf();
                page.level = root.getLevel() == proto::ShareLevel::ENTERPRISE
                                 ? core::ShareLevel::kEnterprise
                                 : core::ShareLevel::kAggregate;
                ReadRows(root, &page);
                page.continuation = Copy(root.getContinuation());
                // An unknown kind (a newer daemon) ends the subscription on the client's side.
                const auto kind = static_cast<uint16_t>(root.getKind());
                page.kind = kind <= static_cast<uint16_t>(PageKind::kEnded)
                                ? static_cast<PageKind>(kind)
                                : PageKind::kEnded;
                page.change = {root.getChangeJournal(), root.getChangeIndex()};
                page.snapshot_done = root.getSnapshotDone();
                ok = true;
              })) {
    (void)exception;
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return page;
}

}  // namespace kpihub::wire
