// ExportMapper: turns one department export file into observations with the profile's
// mapping, and every cell or row that cannot become an observation into a RowReject with a
// reason code, the row, the column and the value — nothing is dropped silently. Wide exports
// (one column per indicator) give one observation per non-empty indicator cell. Pure: no I/O;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/observation.h"
#include "kpihub/feed/profile.h"

namespace kpihub::feed {

// Reason codes given by the adapter itself (the daemon's own are core::ReasonName's).
inline constexpr std::string_view kUndecodableText = "undecodable_text";
inline constexpr std::string_view kMalformedRecord = "malformed_record";
inline constexpr std::string_view kMissingColumn = "missing_column";
inline constexpr std::string_view kUnknownParkName = "unknown_park_name";
inline constexpr std::string_view kMalformedPeriodText = "malformed_period";
inline constexpr std::string_view kBadCreditCode = "malformed_entity";
inline constexpr std::string_view kUnparseableNumber = "unparseable_number";
inline constexpr std::string_view kNoLayout = "no_matching_layout";

struct RowReject {
  uint64_t row = 0;    // 1-based; the CSV header is row 1; 0 for the whole file
  std::string column;  // empty when the whole row is refused
  std::string value;
  std::string reason;  // snake_case code
  std::string message;
};

struct MappedObservation {
  core::Observation observation;
  uint64_t row = 0;
  std::string column;
  std::string value;  // the cell as written, before conversion
};

struct MappedExport {
  std::string layout;  // the layout used, empty when none matched
  bool failed = false; // nothing of the file could be read (encoding, no layout, bad quoting)
  uint64_t rows = 0;   // data rows read
  uint64_t empty_cells = 0;  // indicator cells with no figure ("", "-", ...)
  std::vector<MappedObservation> observations;
  std::vector<RowReject> rejects;
};

// `file_name` (without directories) chooses among layouts with a file_pattern.
MappedExport MapExport(const Profile& profile, std::string_view file_name, std::string_view bytes);

// "2020", "2020年", "2020年度" → "2020"; "2020Q3", "2020年第3季度", "2020年三季度" → "2020Q3";
// "2020-09", "2020-9", "2020/09", "2020.9", "202009", "2020年9月" → "2020-09". nullopt otherwise.
std::optional<std::string> NormalizePeriod(std::string_view text);

}  // namespace kpihub::feed
