// Table: the records of one department export after decoding — CSV through libcsv (RFC 4180
// quoting, strict about stray quotes), JSON through nlohmann-json (one object per line, or an
// array of objects) — as field name → text, with the 1-based row each came from (the line for
// CSV and JSON lines, the element for a JSON array; the CSV header is row 1). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kpihub::feed {

struct Record {
  uint64_t row = 0;
  std::map<std::string, std::string> fields;  // a CSV row shorter than its header lacks keys
};

struct RecordError {
  uint64_t row = 0;
  std::string reason;   // "malformed_record"
  std::string message;
};

struct Table {
  std::vector<std::string> columns;  // CSV header, or every JSON key seen, in first-seen order
  std::vector<Record> records;
  std::vector<RecordError> errors;   // rows that could not be read at all
  std::string fatal;                 // set when nothing could be read (no header, bad quoting)
};

Table ReadCsv(std::string_view utf8, char delimiter);
Table ReadJson(std::string_view utf8);

}  // namespace kpihub::feed
