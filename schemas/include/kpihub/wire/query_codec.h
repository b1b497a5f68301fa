// QueryCodec: turns the exchange's Query and QueryPage frames (schemas/kpihub.capnp) into
// plain values and back. A Query comes from a consumer's key and is hostile like any frame:
// size limit first, Cap'n Proto's traversal and nesting limits, list lengths checked before a
// list is read, every text bounded. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/sharing.h"
#include "kpihub/core/status.h"

namespace kpihub::wire {

struct QueryLimits {
  size_t max_frame_bytes = 256u << 10;  // a query is small: 1,000 entities fit in ~40 KiB
  uint32_t max_indicators = 64;
  uint32_t max_parks = 64;
  uint32_t max_entities = 1000;
  size_t max_code_bytes = 64;           // indicator, park, entity, period, continuation
  uint32_t max_page_size = 10000;
  uint32_t default_page_size = 1000;
  uint64_t traversal_limit_words = 64u << 10;
  int nesting_limit = 4;                // the schema nests 2 deep
};

// What a frame on the exchange socket asks for (docs/protocol.md, "Subscribing").
enum class RequestMode : uint16_t { kQuery = 0, kSubscribe = 1, kCredit = 2, kUnsubscribe = 3 };
std::string_view RequestModeName(RequestMode mode);  // "query", "subscribe", ...

// A place in the value history: the change with this index in the batch with this journal id.
// Index kWholeBatch: after every change of that batch. {0, 0}: before everything.
struct ChangeId {
  static constexpr uint32_t kWholeBatch = 0xFFFFFFFFu;
  uint64_t journal = 0;
  uint32_t index = 0;
  bool none() const { return journal == 0; }
  bool operator==(const ChangeId&) const = default;
  bool operator<(const ChangeId& o) const {
    return journal != o.journal ? journal < o.journal : index < o.index;
  }
  std::string ToString() const;  // "journal.index", "journal.*" for kWholeBatch
};

struct QueryRequest {
  uint64_t request_id = 0;
  std::vector<std::string> indicators;
  std::vector<std::string> parks;       // empty: every park
  std::string period_from, period_to;   // "" or a period text
  std::vector<std::string> entities;    // enterprise level only
  core::ShareLevel level = core::ShareLevel::kAggregate;
  uint32_t page_size = 0;               // 0: the default
  std::string continuation;             // "" on the first page
  uint64_t as_of = 0;                   // 0 on the first page
  RequestMode mode = RequestMode::kQuery;
  ChangeId resume;                      // subscribe: the change id stored durably
  uint32_t credit = 0;                  // subscribe, credit
};

// Mirrors the wire enum QueryRefusal; names are the snake_case codes of logs, metrics, audit.
enum class QueryRefusal : uint16_t {
  kNone = 0,
  kBadRequest = 1,
  kUnknownIndicator = 2,
  kNoAgreement = 3,
  kAgreementNotInForce = 4,
  kLevelNotGranted = 5,
  kAsOfExpired = 6,
  kResultTooLarge = 7,
  kUnregisteredKey = 8,
  kAuditUnavailable = 9,
  kStoreUnavailable = 10,
  kTooManySubscriptions = 11,
  kUnknownSubscription = 12,
  kSubscriptionIdle = 13,
};
inline constexpr int kQueryRefusalCount = 14;
std::string_view QueryRefusalName(QueryRefusal reason);  // "bad_request", "no_agreement", ...
// A short Chinese gloss of the reason for a department's staff, e.g. "无共享协议"; "" for kNone.
std::string_view QueryRefusalZh(QueryRefusal reason);

// A Query, or the Chinese sentence saying why the frame is not one (answered bad_request).
// The sentence never quotes the frame's bytes.
Result<QueryRequest> DecodeQuery(const void* data, size_t size, const QueryLimits& limits);
std::string EncodeQuery(const QueryRequest& query);

struct EnterpriseRowValue {
  std::string indicator, park, entity, period;
  std::string value;  // exact decimal text
  int64_t changed_unix_ms = 0;
  std::string agreement;
};

struct AggregateRowValue {
  std::string indicator, park, period;
  std::string value;  // "" when withheld
  bool withheld = false;
  uint32_t entities = 0;
  std::string agreement;
};

enum class PageKind : uint16_t { kQueryPage = 0, kSnapshot = 1, kChanges = 2, kHeartbeat = 3, kEnded = 4 };
std::string_view PageKindName(PageKind kind);

struct QueryPageMessage {
  uint64_t request_id = 0;
  bool answered = false;
  QueryRefusal reason = QueryRefusal::kNone;
  std::string detail;
  uint64_t as_of = 0;
  core::ShareLevel level = core::ShareLevel::kAggregate;
  std::vector<EnterpriseRowValue> enterprise_rows;
  std::vector<AggregateRowValue> aggregate_rows;
  std::string continuation;  // "" on the last page
  PageKind kind = PageKind::kQueryPage;
  ChangeId change;            // subscriptions: where this message brings the consumer
  bool snapshot_done = false;
};

std::string EncodeQueryPage(const QueryPageMessage& page);
// nullopt when the frame is not a readable QueryPage (the daemon is trusted, not blindly).
std::optional<QueryPageMessage> DecodeQueryPage(const void* data, size_t size);

}  // namespace kpihub::wire
