#include "observation_csv.h"

#include <charconv>
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

}  // namespace

ObservationCsv ParseObservationCsv(const std::string& text) {
  ObservationCsv out;
  std::istringstream in(text);
  std::string line;
  size_t row = 0;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (row == 1) {
      if (line.rfind("indicator,park,entity,period,value", 0) != 0) {
        out.errors.push_back({1, 0, "header must be indicator,park,entity,period,value[,note]"});
        return out;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    auto f = Split(line);
    if (f.size() < 5 || f.size() > 6) {
      out.errors.push_back({row, 0, "expected 5 or 6 fields, got " + std::to_string(f.size())});
      continue;
    }
    core::Observation o{f[0], f[1], f[2], f[3], 0, f.size() == 6 ? f[5] : ""};
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
