// Table: the whole-text form of RecordReader, kept for tests and small inputs.
#include <algorithm>
#include <sstream>

#include "kpihub/feed/folded_text.h"
#include "kpihub/feed/record_reader.h"
#include "kpihub/feed/table.h"

namespace kpihub::feed {
namespace {

std::unique_ptr<StreamDecoder> Utf8Validator() { return std::move(StreamDecoder::Open("utf-8").value()); }

}  // namespace

Table ReadCsv(std::string_view utf8, char delimiter) {
  Table table;
  std::istringstream in{std::string(utf8)};
  auto reader = NewCsvReader(in, Utf8Validator(), delimiter);
  RawRecord raw;
  bool header = true;
  for (;;) {
    Result<bool> more = reader->Next(&raw);
    if (!more.ok()) { table.fatal = more.status().message(); return table; }
    if (!*more) break;
    if (header) {
      for (const auto& name : raw.cells) table.columns.push_back(FoldText(name));
      header = false;
      continue;
    }
    if (raw.cells.size() > table.columns.size()) {
      table.errors.push_back({raw.row, "malformed_record",
                              "the row has " + std::to_string(raw.cells.size()) +
                                  " fields, the header " + std::to_string(table.columns.size())});
      continue;
    }
    Record r;
    r.row = raw.row;
    for (size_t c = 0; c < raw.cells.size(); ++c) r.fields[table.columns[c]] = raw.cells[c];
    table.records.push_back(std::move(r));
  }
  if (header) table.fatal = "the file has no header row";
  return table;
}

}  // namespace kpihub::feed
