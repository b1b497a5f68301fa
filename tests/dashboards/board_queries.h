// BoardQueries: reads a Grafana dashboard JSON and lists its panels' PromQL expressions with
// Grafana's variables replaced by concrete values, for the dashboard linter and the live tests;
// and what a reader of a panel sees of it: which labels name its rows, whether its values
// carry a unit.
// Header-only (nlohmann-json). Not thread-safe.
#pragma once

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
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

// The PromQL selector inside a query variable's definition: label_values(<selector>, label)
// or query_result(<expr>), Grafana's forms; "" for any other definition.
inline std::string VariableExpression(const std::string& definition) {
  std::smatch m;
  if (std::regex_match(definition, m, std::regex(R"(label_values\((.+),\s*[a-z_]+\))"))) return m[1];
  if (std::regex_match(definition, m, std::regex(R"(query_result\((.+)\))"))) return m[1];
  return "";
}

// Labels holding catalogue codes: a person reads the name beside them, never the code itself.
inline const std::set<std::string>& CodeLabels() {
  static const std::set<std::string> codes = {"kpi", "park", "milestone", "rule", "indicator",
                                              "instance", "job", "zone"};
  return codes;
}

// The transformation of `panel` with that id, or null.
inline const nlohmann::json* Transformation(const nlohmann::json& panel, const std::string& id) {
  // Pointers into `panel` itself (value() would return a copy that dies here).
  if (!panel.contains("transformations") || !panel["transformations"].is_array()) return nullptr;
  for (const auto& t : panel["transformations"]) {
    if (t.value("id", "") == id) return &t;
  }
  return nullptr;
}

// The labels that become a table's row titles or column heads: the matrix's row and column
// fields, or, after organize, every label of the queries it does not exclude. Label names are
// taken from `by (...)` clauses and legends; codes never excluded are what a reader would see.
inline std::vector<std::string> CodesShownAsTitles(const nlohmann::json& panel) {
  std::vector<std::string> shown;
  if (const nlohmann::json* m = Transformation(panel, "groupingToMatrix")) {
    for (const char* field : {"rowField", "columnField"}) {
      std::string f = (*m)["options"].value(field, "");
      if (CodeLabels().count(f) != 0) shown.push_back(f);
    }
    return shown;
  }
  std::set<std::string> excluded;
  if (const nlohmann::json* o = Transformation(panel, "organize")) {
    const nlohmann::json exclude = (*o)["options"].value("excludeByName", nlohmann::json::object());
    for (const auto& [name, off] : exclude.items()) {
      if (off.is_boolean() && off.get<bool>()) excluded.insert(name);
    }
  }
  static const std::regex by(R"(\bby\s*\(([^)]*)\))");
  static const std::regex legend_label(R"(\{\{\s*([A-Za-z_]+)\s*\}\})");
  for (const auto& t : panel.value("targets", nlohmann::json::array())) {
    std::string expr = t.value("expr", "");
    std::set<std::string> labels;
    for (std::sregex_iterator it(expr.begin(), expr.end(), by), end; it != end; ++it) {
      std::stringstream list((*it)[1].str());
      for (std::string l; std::getline(list, l, ',');) {
        l.erase(0, l.find_first_not_of(" "));
        l.erase(l.find_last_not_of(" ") + 1);
        labels.insert(l);
      }
    }
    // A bare selector of a recording rule or info series: a table shows all of its labels.
    if (panel.value("type", "") == "table" && expr.find(" by ") == std::string::npos &&
        expr.find("by (") == std::string::npos) {
      labels.insert({"kpi", "instance", "job"});
    }
    std::string legend = t.value("legendFormat", "");
    for (std::sregex_iterator it(legend.begin(), legend.end(), legend_label), end; it != end; ++it) {
      labels.insert((*it)[1]);
    }
    bool is_table = t.value("format", "") == "table";
    for (const std::string& l : labels) {
      if (CodeLabels().count(l) == 0) continue;
      bool in_legend = legend.find("{{" + l + "}}") != std::string::npos;
      if ((is_table && excluded.count(l) == 0) || in_legend) shown.push_back(l);
    }
  }
  return shown;
}

// Whether each query's value field, under the name organize gives it, has an override with a
// unit (other than "none") or mapped to words. A field organize drops needs none.
inline bool EveryValueFieldHasAUnit(const nlohmann::json& panel) {
  const auto targets = panel.value("targets", nlohmann::json::array());
  if (targets.empty()) return false;
  nlohmann::json options = nlohmann::json::object();
  if (const nlohmann::json* o = Transformation(panel, "organize")) options = (*o)["options"];
  const auto overrides = panel.value("fieldConfig", nlohmann::json::object())
                             .value("overrides", nlohmann::json::array());
  for (const auto& t : targets) {
    std::string field = targets.size() == 1 ? "Value" : "Value #" + t.value("refId", "");
    if (options.value("excludeByName", nlohmann::json::object()).value(field, false)) continue;
    std::string shown = options.value("renameByName", nlohmann::json::object()).value(field, field);
    bool covered = false;
    for (const auto& o : overrides) {
      if (o["matcher"].value("options", "") != shown) continue;
      for (const auto& prop : o.value("properties", nlohmann::json::array())) {
        std::string id = prop.value("id", "");
        if (id == "mappings" || (id == "unit" && prop.value("value", "") != "none")) covered = true;
      }
    }
    if (!covered) return false;
  }
  return true;
}

// Whether a reader sees the unit of `panel`'s values: a unit in the defaults (other than
// "none"), the values mapped to words (statuses), or the unit printed beside them (a table
// column from unit_zh, ${unit} in the field names).
inline bool ShowsUnit(const nlohmann::json& panel) {
  const nlohmann::json defaults = panel.value("fieldConfig", nlohmann::json::object())
                                      .value("defaults", nlohmann::json::object());
  std::string unit = defaults.value("unit", "");
  if (!unit.empty() && unit != "none") return true;
  if (!defaults.value("mappings", nlohmann::json::array()).empty()) return true;
  const std::string text = panel.dump();
  if (const nlohmann::json* o = Transformation(panel, "organize")) {
    const auto& options = (*o)["options"];
    bool unit_column = options.value("renameByName", nlohmann::json::object()).contains("unit_zh") &&
                       !options.value("excludeByName", nlohmann::json::object()).value("unit_zh", false);
    if (unit_column) return true;
  }
  if (text.find("${unit}") != std::string::npos) return true;
  return EveryValueFieldHasAUnit(panel);
}

// Concrete values for the variables the shipped boards use, and Grafana's built-ins.
inline std::map<std::string, std::string> DefaultVariableValues() {
  return {{"park", "zone"},          {"year", "2020"},     {"kpi", "industrial_output"},
          {"instance", ".*"},        {"datasource", "x"},  {"__rate_interval", "15s"},
          {"__range", "5m"},         {"__interval", "15s"}};
}

}  // namespace kpihub::testing
