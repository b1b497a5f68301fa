#include <nlohmann/json.hpp>

#include <algorithm>

#include "kpihub/feed/table.h"

namespace kpihub::feed {
namespace {

using nlohmann::json;

void NoteColumn(Table& table, const std::string& key) {
  if (std::find(table.columns.begin(), table.columns.end(), key) == table.columns.end()) {
    table.columns.push_back(key);
  }
}

// One JSON object becomes one record; numbers keep their shortest round-trip text, so a
// figure such as 1234.5 reaches the unit conversion as "1234.5".
void AddObject(Table& table, const json& value, uint64_t row) {
  if (!value.is_object()) {
    table.errors.push_back({row, "malformed_record", "not a JSON object"});
    return;
  }
  Record r;
  r.row = row;
  for (const auto& [key, v] : value.items()) {
    NoteColumn(table, key);
    if (v.is_string()) r.fields[key] = v.get<std::string>();
    else if (v.is_number()) r.fields[key] = v.dump();
    else if (v.is_null()) r.fields[key] = "";
    else if (v.is_boolean()) r.fields[key] = v.get<bool>() ? "1" : "0";
    else {
      table.errors.push_back({row, "malformed_record", "field '" + key + "' is not a scalar"});
      return;
    }
  }
  table.records.push_back(std::move(r));
}

}  // namespace

Table ReadJson(std::string_view utf8) {
  Table table;
  size_t first = utf8.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && utf8[first] == '[') {
    json array = json::parse(utf8.begin(), utf8.end(), nullptr, /*allow_exceptions=*/false);
    if (array.is_discarded() || !array.is_array()) {
      table.fatal = "not a JSON array of objects";
      return table;
    }
    for (size_t i = 0; i < array.size(); ++i) AddObject(table, array[i], i + 1);
    return table;
  }
  uint64_t line = 0;
  size_t pos = 0;
  while (pos < utf8.size()) {
    size_t end = utf8.find('\n', pos);
    if (end == std::string_view::npos) end = utf8.size();
    std::string_view text = utf8.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded()) {
      table.errors.push_back({line, "malformed_record", "not valid JSON"});
      continue;
    }
    AddObject(table, value, line);
  }
  return table;
}

}  // namespace kpihub::feed
