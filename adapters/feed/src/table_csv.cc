#include <csv.h>

#include <cstring>

#include "kpihub/feed/table.h"

namespace kpihub::feed {
namespace {

// State the libcsv callbacks fill in.
struct CsvSink {
  uint64_t line = 1;         // physical line being fed
  uint64_t record_line = 0;  // line where the current record started
  uint64_t row_start = 1;    // line at which the parser last stood between records
  std::vector<std::string> fields;
  std::vector<std::pair<uint64_t, std::vector<std::string>>> records;
};

void OnField(void* data, size_t size, void* sink_ptr) {
  auto* sink = static_cast<CsvSink*>(sink_ptr);
  if (sink->fields.empty() && sink->record_line == 0) sink->record_line = sink->row_start;
  sink->fields.emplace_back(static_cast<const char*>(data), size);
}

void OnRecord(int, void* sink_ptr) {
  auto* sink = static_cast<CsvSink*>(sink_ptr);
  uint64_t line = sink->record_line ? sink->record_line : sink->line;
  sink->records.emplace_back(line, std::move(sink->fields));
  sink->fields.clear();
  sink->record_line = 0;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

Table ReadCsv(std::string_view utf8, char delimiter) {
  Table table;
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    table.fatal = "cannot initialise the CSV parser";
    return table;
  }
  csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  CsvSink sink;
  // Feed line by line so that each record knows the line it started on.
  size_t pos = 0;
  while (pos < utf8.size() && table.fatal.empty()) {
    // libcsv's state 0 is "no row begun": a record that starts now starts on this line, even
    // if a quoted newline makes it end on a later one.
    if (parser.pstate == 0 && sink.fields.empty()) sink.row_start = sink.line;
    size_t end = utf8.find('\n', pos);
    end = end == std::string_view::npos ? utf8.size() : end + 1;
    if (csv_parse(&parser, utf8.data() + pos, end - pos, OnField, OnRecord, &sink) != end - pos) {
      table.fatal = "line " + std::to_string(sink.line) + ": " + csv_strerror(csv_error(&parser));
    }
    sink.line++;
    pos = end;
  }
  if (table.fatal.empty() && csv_fini(&parser, OnField, OnRecord, &sink) != 0) {
    table.fatal = "line " + std::to_string(sink.line - 1) + ": " + csv_strerror(csv_error(&parser));
  }
  csv_free(&parser);
  if (!table.fatal.empty()) return table;
  if (sink.records.empty()) {
    table.fatal = "the file has no header row";
    return table;
  }
  for (const auto& name : sink.records.front().second) table.columns.push_back(Trim(name));
  for (size_t i = 1; i < sink.records.size(); ++i) {
    Record r;
    r.row = sink.records[i].first;
    const auto& values = sink.records[i].second;
    for (size_t c = 0; c < values.size() && c < table.columns.size(); ++c) {
      r.fields[table.columns[c]] = values[c];
    }
    if (values.size() > table.columns.size()) {
      table.errors.push_back({r.row, "malformed_record",
                              "the row has " + std::to_string(values.size()) +
                                  " fields, the header " + std::to_string(table.columns.size())});
      continue;
    }
    table.records.push_back(std::move(r));
  }
  return table;
}

}  // namespace kpihub::feed
