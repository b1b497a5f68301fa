// PullOutput: how `kpihub-adapter pull` writes a subscription's rows for a department's system
// (docs/exchange.md, "Receiving changes"): CSV with Chinese headers (the department's profile's
// column names where it has them), UTF-8 or GB18030, or JSON lines with English keys. Credit
// codes are written in full: the department holds them under its agreement. Immutable once
// built; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kpihub/core/sharing.h"
#include "kpihub/feed/profile.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::adapter {

enum class PullFormat { kCsv, kJsonl };

class PullOutput {
 public:
  // `profile`, when given, names the park, period and entity columns (its first layout with an
  // entity column, else its first) and the value column when one of its columns maps the only
  // subscribed indicator.
  PullOutput(PullFormat format, bool gb18030, core::ShareLevel level,
             const std::vector<std::string>& indicators, const feed::Profile* profile);

  const char* extension() const { return format_ == PullFormat::kCsv ? "csv" : "jsonl"; }
  const std::vector<std::string>& headers() const { return headers_; }

  // The rows of one message, rendered (UTF-8; no header). `kind` and `change` go into each
  // JSON line.
  std::string Rows(const wire::QueryPageMessage& page) const;
  // A whole file from rows Rows() rendered: the header line first (CSV), then the encoding.
  std::string File(const std::string& rows) const;

 private:
  PullFormat format_;
  bool gb18030_;
  std::vector<std::string> headers_;
};

// "2026-12-06 23:10:05" in the zone's time (UTC+8).
std::string BeijingTime(int64_t unix_ms);

}  // namespace kpihub::adapter
