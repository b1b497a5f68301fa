#include <algorithm>
#include <sstream>

#include "kpihub/feed/record_reader.h"
#include "kpihub/feed/table.h"

namespace kpihub::feed {

Table ReadJson(std::string_view utf8) {
  Table table;
  std::istringstream in{std::string(utf8)};
  auto reader = NewJsonReader(in, std::move(StreamDecoder::Open("utf-8").value()));
  RawRecord raw;
  for (;;) {
    Result<bool> more = reader->Next(&raw);
    if (!more.ok()) { table.fatal = more.status().message(); return table; }
    if (!*more) break;
    if (!raw.error.empty()) { table.errors.push_back({raw.row, "malformed_record", raw.error}); continue; }
    Record r;
    r.row = raw.row;
    for (size_t i = 0; i < raw.keys.size(); ++i) {
      if (std::find(table.columns.begin(), table.columns.end(), raw.keys[i]) == table.columns.end()) {
        table.columns.push_back(raw.keys[i]);
      }
      r.fields[raw.keys[i]] = raw.cells[i];
    }
    table.records.push_back(std::move(r));
  }
  return table;
}

}  // namespace kpihub::feed
