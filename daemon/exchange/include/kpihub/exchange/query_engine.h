// QueryEngine: answers one page of a consumer's Query (docs/protocol.md, "Reading"), socket
// free. Each page is decided afresh against the configuration in force — the key must still
// be registered for reading, every indicator asked for must be the consumer's own or granted
// by an agreement in force at that level — so a reload that removes an agreement refuses the
// next page. The rows of a query are read once from one snapshot and kept (bounded, idle ones
// dropped) so that later pages are served at the same data version (as_of); a page whose
// version is no longer kept nor current is refused as_of_expired. The outcome carries the
// audit records of the page and what the metrics count; the caller writes the audit before
// it sends the page.
//
// Not thread-safe: owned by the exchange thread.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <vector>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/exchange/query_rows.h"
#include "kpihub/store/store.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::exchange {

// Who is reading, from the ZAP properties of the session (never from the frame).
struct ReaderIdentity {
  std::string consumer_id;
  std::string department;
  std::string public_key;
};

struct QueryEngineOptions {
  wire::QueryLimits limits;
  uint32_t min_cell_entities = 3;
  size_t max_result_rows = 1000000;    // one query; more: result_too_large
  size_t max_kept_results = 8;         // queries whose rows are kept for their later pages
  size_t max_kept_rows = 2000000;      // rows kept in all
  int64_t keep_idle_ms = 300000;       // rows of a query not paged for this long are dropped
};

// Rows served in a page, per provider and agreement ("own_data" when the consumer's own).
struct ServedRows {
  std::string provider, agreement;
  uint64_t rows = 0;
};

struct QueryOutcome {
  wire::QueryPageMessage page;
  std::vector<store::AuditRecord> audit;
  std::vector<ServedRows> served;  // answered pages only
};

class QueryEngine {
 public:
  QueryEngine(QueryEngineOptions options, store::Store& store, const core::Clock& clock)
      : options_(std::move(options)), store_(store), clock_(clock) {}

  QueryOutcome Answer(const ReaderIdentity& reader, const core::LiveConfig::View& view,
                      const wire::QueryRequest& query);
  // A frame that is not a Query, or a key no longer registered: refused and audited.
  QueryOutcome Refuse(const ReaderIdentity& reader, uint64_t request_id,
                      wire::QueryRefusal reason, std::string detail, std::string summary);

  const wire::QueryLimits& limits() const { return options_.limits; }

 private:
  struct Kept {
    std::string key;
    std::shared_ptr<const QueryRows> rows;
    int64_t last_used_ms = 0;
  };
  std::shared_ptr<const QueryRows> RowsFor(const std::string& key, const RowFilter& filter,
                                           const core::Catalogue& catalogue, uint64_t as_of,
                                           int64_t now_ms, wire::QueryRefusal* reason,
                                           std::string* detail);
  std::shared_ptr<const QueryRows> Find(const std::string& key, uint64_t as_of, int64_t now_ms);
  void Keep(std::string key, std::shared_ptr<const QueryRows> rows, int64_t now_ms);

  QueryEngineOptions options_;
  store::Store& store_;
  const core::Clock& clock_;
  std::list<Kept> kept_;  // most recently used first
};

}  // namespace kpihub::exchange
