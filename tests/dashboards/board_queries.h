// BoardQueries: reads a Grafana dashboard JSON and lists its panels' PromQL expressions with
// Grafana's variables replaced by concrete values, for the dashboard linter and the live test.
// Header-only (nlohmann-json). Not thread-safe.
#pragma once

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace kpihub::testing {

struct BoardQuery {
  int panel_id = 0;
  std::string panel_title;
  std::string ref_id;
  std::string expr;  // as written, with $variables
};

inline nlohmann::json ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());  // throws on invalid JSON
}

// Panels at top level and inside collapsed rows.
inline std::vector<const nlohmann::json*> AllPanels(const nlohmann::json& board) {
  // Pointers into `board` itself: value() would return copies that die with the loop.
  std::vector<const nlohmann::json*> out;
  if (!board.contains("panels") || !board["panels"].is_array()) return out;
  for (const auto& p : board["panels"]) {
    out.push_back(&p);
    if (!p.contains("panels") || !p["panels"].is_array()) continue;
    for (const auto& inner : p["panels"]) out.push_back(&inner);
  }
  return out;
}

inline std::vector<BoardQuery> PanelQueries(const nlohmann::json& board) {
  std::vector<BoardQuery> out;
  for (const nlohmann::json* p : AllPanels(board)) {
    for (const auto& t : p->value("targets", nlohmann::json::array())) {
      if (!t.contains("expr")) continue;
      out.push_back({p->value("id", 0), p->value("title", ""), t.value("refId", ""),
                     t["expr"].get<std::string>()});
    }
  }
  return out;
}

// Replaces $name, ${name} and ${name:opt} by `values[name]`, longest names first so that
// $year does not eat $years. Unknown variables are left as they are (the linter flags them).
inline std::string Substitute(std::string expr, const std::map<std::string, std::string>& values) {
  std::vector<std::pair<std::string, std::string>> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : sorted) {
    for (const std::string& form : {"${" + name + "}", "$" + name}) {
      for (size_t pos = expr.find(form); pos != std::string::npos; pos = expr.find(form, pos)) {
        expr.replace(pos, form.size(), value);
        pos += value.size();
      }
    }
  }
  return expr;
}

// Concrete values for the variables the shipped boards use, and Grafana's built-ins.
inline std::map<std::string, std::string> DefaultVariableValues() {
  return {{"park", "zone"},          {"year", "2020"},     {"kpi", "industrial_output"},
          {"instance", ".*"},        {"datasource", "x"},  {"__rate_interval", "15s"},
          {"__range", "5m"},         {"__interval", "15s"}};
}

}  // namespace kpihub::testing
