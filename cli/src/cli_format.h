// Text formats shared by the `kpihub` commands: moments in time as operators type and read
// them, and CSV fields. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kpihub::cli {

// "2021-03-15T10:00:00Z" (UTC, second precision; "-" for 0 or less).
std::string FormatUnixMs(int64_t unix_ms);

// Parses a moment as an operator types it; nullopt when it is none of:
//   2021-03-15T10:00:00Z, 2021-03-15T10:00:00+08:00   an explicit offset
//   2021-03-15T10:00:00, "2021-03-15 10:00[:00]"       the zone's civil time (UTC+8)
//   2021-03-15                                         the end of that day, zone time
//   @1615773600                                        Unix seconds
// The result is the last millisecond of the given second (or day), so that "as of 10:00:00"
// includes everything received during that second.
std::optional<int64_t> ParseMoment(std::string_view text);

// One CSV field: quoted (RFC 4180) when it holds a comma, quote, CR or LF.
std::string CsvField(std::string_view text);

}  // namespace kpihub::cli
