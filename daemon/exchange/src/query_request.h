// The checks of one Query against the catalogue and the agreements in force, before anything
// is read: what it selects (RowFilter), under which grant each indicator is read, and where
// its page starts — or the refusal, with its reason and a Chinese sentence that never quotes
// a text of the frame (it may hold a credit code). Pure; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "kpihub/core/catalogue.h"
#include "kpihub/exchange/query_engine.h"
#include "kpihub/exchange/query_rows.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::exchange {

// Under what an indicator is read: its provider, and the agreement ("" for own data).
struct Grant {
  std::string provider;
  std::string agreement;
  bool unsuppressed = false;  // own data or an enterprise-level agreement
};

struct QueryRefusalOf {
  wire::QueryRefusal reason = wire::QueryRefusal::kBadRequest;
  std::string detail;
  std::string provider, agreement;  // the indicator and agreement refused, when known
};

struct CheckedQuery {
  RowFilter filter;
  std::map<std::string, Grant> grants;  // per indicator of filter.indicators
  uint64_t offset = 0;                   // first row of the page
};

// What was asked, for the audit trail and logs: codes the catalogue knows, counts otherwise
// ("entities=3"), never an enterprise id nor an unchecked text.
std::string SummariseQuery(const wire::QueryRequest& query, const core::Catalogue& catalogue);

// Shape and catalogue checks (bad_request, unknown_indicator), then the share decision of
// every indicator at `unix_seconds` (no_agreement, agreement_not_in_force, level_not_granted).
std::optional<QueryRefusalOf> CheckQuery(const wire::QueryRequest& query,
                                         const ReaderIdentity& reader,
                                         const core::Catalogue& catalogue, int64_t unix_seconds,
                                         CheckedQuery* out);

}  // namespace kpihub::exchange
