#include "observation_csv.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <sstream>

namespace kpihub::cli {
namespace {

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

constexpr char kHeaderHelp[] = "header must be indicator,park,entity,period,value[,note][,restatement]";

// The optional columns the header names after `value`; nullopt when it is not a valid header.
// A header of the five fixed columns still allows a note (files written before the header
// could name it).
std::optional<std::vector<std::string>> OptionalColumns(const std::string& header) {
  const std::vector<std::string> fixed{"indicator", "park", "entity", "period", "value"};
  auto names = Split(header);
  if (names.size() < fixed.size() || !std::equal(fixed.begin(), fixed.end(), names.begin())) {
    return std::nullopt;
  }
  std::vector<std::string> optional(names.begin() + fixed.size(), names.end());
  if (optional.empty()) return std::vector<std::string>{"note"};
  std::set<std::string> seen;
  for (const std::string& name : optional) {
    if ((name != "note" && name != "restatement") || !seen.insert(name).second) return std::nullopt;
  }
  return optional;
}

}  // namespace

ObservationCsv ParseObservationCsv(const std::string& text) {
  ObservationCsv out;
  std::istringstream in(text);
  std::string line;
  size_t row = 0;
  std::optional<std::vector<std::string>> optional;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (row == 1) {
      optional = OptionalColumns(line);
      if (!optional) {
        out.errors.push_back({1, 0, kHeaderHelp});
        return out;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    auto f = Split(line);
    if (f.size() < 5 || f.size() > 5 + optional->size()) {
      out.errors.push_back({row, 0, "expected 5 to " + std::to_string(5 + optional->size()) +
                                        " fields, got " + std::to_string(f.size())});
      continue;
    }
    core::Observation o{f[0], f[1], f[2], f[3], 0, "", ""};
    for (size_t i = 5; i < f.size(); ++i) {
      ((*optional)[i - 5] == "note" ? o.note : o.restatement) = f[i];
    }
    const std::string& v = f[4];
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), o.value);
    // "nan" and "inf" parse here on purpose: the daemon's answer to them is part of the demo.
    if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) {
      out.errors.push_back({row, 5, "value '" + v + "' is not a number"});
      continue;
    }
    out.observations.push_back(std::move(o));
    out.rows.push_back(row);
  }
  return out;
}

}  // namespace kpihub::cli
