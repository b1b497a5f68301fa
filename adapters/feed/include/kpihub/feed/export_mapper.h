// ExportMapper: turns one department export file into observations with the profile's
// mapping, and every cell or row that cannot become an observation into a RowReject with a
// reason code, the row, the column, the value and a message in Chinese and English — nothing
// is dropped silently. Wide exports (one column per indicator) give one observation per
// non-empty indicator cell.
//
// The file is read twice, as a stream, so that memory stays bounded whatever its size: the
// first pass finds the header (skipping title rows above it), the layout and the columns, and
// proves that every byte decodes and every record parses; only then does the second pass hand
// observations to the sink. A file that fails the first pass gives the sink nothing but its
// file-level rejects. Duplicates — two rows of one file that give the same indicator for the
// same enterprise (or park, for park-level figures) and period — are rejected in every row,
// each naming the others: the adapter cannot know which figure the department meant. Finding
// them keeps a 64-bit hash of each row's key, sorted in memory up to a million rows and
// spilled to anonymous temporary files beyond that, so memory stays bounded; a file in which
// more than 10,000 keys repeat (an export appended to itself) is refused whole.
//
// Pure apart from reading the input it is given; thread-safe for distinct sinks.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/observation.h"
#include "kpihub/core/status.h"
#include "kpihub/feed/profile.h"

namespace kpihub::feed {

// Reason codes given by the adapter itself (the daemon's own are core::ReasonName's).
inline constexpr std::string_view kUndecodableText = "undecodable_text";
inline constexpr std::string_view kExcelWorkbook = "excel_workbook";
inline constexpr std::string_view kMalformedRecord = "malformed_record";
inline constexpr std::string_view kUnquotedThousands = "unquoted_thousands_separator";
inline constexpr std::string_view kMissingColumn = "missing_column";
inline constexpr std::string_view kUnknownParkName = "unknown_park_name";
inline constexpr std::string_view kMalformedPeriodText = "malformed_period";
inline constexpr std::string_view kBadCreditCode = "malformed_entity";
inline constexpr std::string_view kUnparseableNumber = "unparseable_number";
inline constexpr std::string_view kNoLayout = "no_matching_layout";
inline constexpr std::string_view kDuplicateRow = "duplicate_row";

// Title rows (a report title, a date line) tolerated above the header.
inline constexpr int kMaxTitleRows = 10;

struct RowReject {
  uint64_t row = 0;    // 1-based; the CSV header's own line; 0 for the whole file
  std::string column;  // empty when the whole row or file is refused
  std::string value;   // the cell as written
  std::string reason;  // snake_case code
  std::string message;     // English
  std::string message_zh;  // 中文
};

struct MappedObservation {
  core::Observation observation;
  uint64_t row = 0;
  std::string column;
  std::string value;  // the cell as written, before conversion
};

// Receives the mapper's output in file order (rejected duplicates come last). A failed
// status from the sink (e.g. the outbox is full) stops the mapping and is returned.
class MapSink {
 public:
  virtual ~MapSink() = default;
  virtual Status OnObservation(MappedObservation&& observation) = 0;
  virtual Status OnReject(RowReject&& reject) = 0;
};

struct MapSummary {
  std::string layout;      // the layout used, empty when none matched
  bool refused = false;    // the file as a whole cannot be used: nothing of it was sent on
  Status status;           // why it was refused, or why the sink stopped the mapping
  uint64_t rows = 0;       // data rows read (not title rows, not blank rows)
  uint64_t title_rows = 0; // rows above the header, skipped
  uint64_t blank_rows = 0; // rows with no text at all, skipped
  uint64_t empty_cells = 0;  // indicator cells with no figure ("", "-", ...)
  uint64_t observations = 0; // handed to the sink
  uint64_t rejects = 0;      // handed to the sink
};

// Opens the input afresh (the mapper reads it twice).
using InputOpener = std::function<Result<std::unique_ptr<std::istream>>()>;

// `file_name` (without directories) chooses among layouts with a file_pattern, and is how an
// Excel workbook handed in by mistake is recognised.
MapSummary MapExport(const Profile& profile, std::string_view file_name, const InputOpener& open,
                     MapSink& sink);

// The whole result at once, for tests and small inputs.
struct MappedExport {
  std::string layout;
  bool failed = false;
  uint64_t rows = 0, blank_rows = 0, title_rows = 0, empty_cells = 0;
  std::vector<MappedObservation> observations;
  std::vector<RowReject> rejects;
};
MappedExport MapExport(const Profile& profile, std::string_view file_name, std::string_view bytes);

// "2020", "2020年", "2020年度" → "2020"; "2020Q3", "2020年第3季度", "2020年三季度" → "2020Q3";
// "2020-09", "2020-9", "2020/09", "2020.9", "202009", "2020年9月" → "2020-09". Full-width
// digits and spaces are read as ASCII ones. nullopt otherwise.
std::optional<std::string> NormalizePeriod(std::string_view text);

}  // namespace kpihub::feed
