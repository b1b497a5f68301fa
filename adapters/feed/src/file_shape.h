// FileShape: where a file's header is, which layout of the profile it has, and in which of
// its columns each mapped field lies — worked out from the header (CSV) or the keys seen
// (JSON), with the file-level rejects when that cannot be done. Private to the feed library.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kpihub/feed/export_mapper.h"
#include "kpihub/feed/record_reader.h"

namespace kpihub::feed {

struct BoundColumn {
  const ColumnMapping* mapping = nullptr;
  size_t index = 0;  // in the record's cells
};

struct FileShape {
  const Layout* layout = nullptr;
  uint64_t header_row = 0;       // the CSV header's line; 0 for JSON
  uint64_t title_rows = 0;
  std::vector<std::string> columns;  // as written: CSV header cells, or JSON keys in first-seen order
  // Indices into `columns`; -1 when the layout has no such column or the file lacks it.
  int park = -1, period = -1, entity = -1, note = -1, restatement = -1;
  std::vector<BoundColumn> mapped;  // mapped columns the file has
  std::vector<RowReject> problems;  // non-empty: the file cannot be used
};

// CSV: `candidates` are the first non-blank records (at most kMaxTitleRows + 1), in order.
FileShape ShapeCsv(const Profile& profile, std::string_view file_name,
                   const std::vector<RawRecord>& candidates);
// JSON: `keys` every key seen, in first-seen order.
FileShape ShapeJson(const Profile& profile, std::string_view file_name,
                    const std::vector<std::string>& keys);

}  // namespace kpihub::feed
