// RecordReader: the records of one department export, read as a stream — bytes from an
// istream, decoded to UTF-8 a block at a time (StreamDecoder), split into records by libcsv
// (RFC 4180 quoting, strict about stray quotes) or nlohmann-json (one object per line, or an
// array of objects) — so that memory stays bounded whatever the file's size (a JSON array is
// the exception: it is parsed whole, up to a limit). Not thread-safe: one reader per file.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "kpihub/core/status.h"
#include "kpihub/feed/text_encoding.h"

namespace kpihub::feed {

struct RawRecord {
  uint64_t row = 0;                // 1-based: the line a CSV record or JSON line starts on,
                                   // or the element of a JSON array
  std::vector<std::string> cells;  // CSV: the fields; JSON: the values, in `keys` order
  std::vector<std::string> keys;   // JSON only: the object's keys
  std::string error;               // JSON only: not an object of scalars (a row-level fault)
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Fills *record and returns true; false at the end. A failed status (undecodable bytes,
  // broken quoting): the rest of the file cannot be read, and none of it may be used.
  virtual Result<bool> Next(RawRecord* record) = 0;
};

// `in` must outlive the reader.
std::unique_ptr<RecordReader> NewCsvReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder,
                                           char delimiter);
std::unique_ptr<RecordReader> NewJsonReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder);

}  // namespace kpihub::feed
