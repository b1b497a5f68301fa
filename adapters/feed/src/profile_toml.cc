// Strict TOML loading of a Profile: unknown keys are errors (a misspelt key must not quietly
// fall back to a default), and every reference is checked against the catalogue.
#include <fnmatch.h>

#include <set>
#include <stdexcept>
#include <toml++/toml.h>

#include "kpihub/feed/folded_text.h"
#include "kpihub/feed/profile.h"
#include "kpihub/feed/text_encoding.h"

namespace kpihub::feed {
namespace {

struct ProfileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void Fail(const toml::node& node, const std::string& reason) const {
    const auto& at = node.source().begin;
    throw ProfileError(std::string(source_) + ":" + std::to_string(at.line) + ":" +
                       std::to_string(at.column) + ": " + reason);
  }

  void OnlyKeys(const toml::table& t, const std::set<std::string>& allowed,
                const std::string& what) const {
    for (const auto& [k, v] : t) {
      if (!allowed.count(std::string(k.str()))) Fail(v, "unknown key '" + std::string(k.str()) + "' in " + what);
    }
  }

  std::string Text(const toml::table& t, std::string_view key, bool required,
                   std::string fallback = "") const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) Fail(t, "missing key '" + std::string(key) + "'");
      return fallback;
    }
    auto s = n->value<std::string>();
    if (!s) Fail(*n, "'" + std::string(key) + "' must be a string");
    if (required && s->empty()) Fail(*n, "'" + std::string(key) + "' must not be empty");
    return *s;
  }

  std::string_view source_;
};

void ReadColumn(const Reader& r, const toml::table& t, const core::Catalogue& catalogue,
                std::string_view department, Layout& layout) {
  r.OnlyKeys(t, {"name", "indicator", "unit", "round_to", "values", "optional"}, "[[layout.column]]");
  ColumnMapping c;
  c.name = r.Text(t, "name", true);
  c.indicator = r.Text(t, "indicator", true);
  const core::Indicator* ind = catalogue.FindIndicator(c.indicator);
  if (!ind) r.Fail(*t.get("indicator"), "unknown indicator '" + c.indicator + "'");
  if (ind->department != department) {
    r.Fail(*t.get("indicator"), "indicator '" + c.indicator + "' belongs to department '" +
                                    ind->department + "', not '" + std::string(department) + "'");
  }
  std::string unit = r.Text(t, "unit", false, ind->unit);
  auto spec = FindUnit(unit);
  if (!spec) r.Fail(t.get("unit") ? *t.get("unit") : t, "unknown unit '" + unit + "'");
  if (spec->base_unit != ind->unit) {
    r.Fail(t.get("unit") ? *t.get("unit") : t, "unit '" + unit + "' does not convert to '" +
                                                   ind->unit + "', the unit of '" + c.indicator + "'");
  }
  c.unit = *spec;
  if (const toml::node* n = t.get("round_to")) {
    auto v = n->value<int64_t>();
    if (!v || *v < 0 || *v > 6) r.Fail(*n, "'round_to' must be an integer 0..6");
    c.round_to = static_cast<int>(*v);
  }
  if (const toml::node* n = t.get("values")) {
    const toml::table* values = n->as_table();
    if (!values) r.Fail(*n, "'values' must be a table of text = \"figure\"");
    for (const auto& [k, v] : *values) {
      auto figure = v.value<std::string>();
      if (!figure || !DecimalText::Parse(*figure)) r.Fail(v, "a value must be a decimal string");
      c.values[FoldText(k.str())] = *figure;
    }
  }
  if (const toml::node* n = t.get("optional")) {
    auto v = n->value<bool>();
    if (!v) r.Fail(*n, "'optional' must be true or false");
    c.optional = *v;
  }
  layout.columns.push_back(std::move(c));
}

Layout ReadLayout(const Reader& r, const toml::table& t, const core::Catalogue& catalogue,
                  std::string_view department) {
  r.OnlyKeys(t, {"name", "format", "encoding", "delimiter", "file_pattern", "park", "period",
                 "entity", "note", "restatement_column", "column"}, "[[layout]]");
  Layout l;
  l.name = r.Text(t, "name", true);
  std::string format = r.Text(t, "format", false, "csv");
  if (format != "csv" && format != "json") r.Fail(*t.get("format"), "format must be \"csv\" or \"json\"");
  l.format = format == "csv" ? InputFormat::kCsv : InputFormat::kJson;
  l.encoding = r.Text(t, "encoding", false, "utf-8");
  if (!IsKnownEncoding(l.encoding)) r.Fail(*t.get("encoding"), "unknown encoding '" + l.encoding + "'");
  std::string delimiter = r.Text(t, "delimiter", false, ",");
  if (delimiter.size() != 1) r.Fail(*t.get("delimiter"), "delimiter must be one ASCII character");
  l.delimiter = delimiter[0];
  l.file_pattern = r.Text(t, "file_pattern", false);
  l.park_column = r.Text(t, "park", true);
  l.period_column = r.Text(t, "period", true);
  l.entity_column = r.Text(t, "entity", false);
  l.note_column = r.Text(t, "note", false);
  l.restatement_column = r.Text(t, "restatement_column", false);
  const toml::array* columns = t.get_as<toml::array>("column");
  if (!columns || columns->empty()) r.Fail(t, "layout '" + l.name + "' maps no [[layout.column]]");
  for (const auto& c : *columns) {
    if (!c.is_table()) r.Fail(c, "[[layout.column]] must be a table");
    ReadColumn(r, *c.as_table(), catalogue, department, l);
    const core::Indicator* ind = catalogue.FindIndicator(l.columns.back().indicator);
    if (ind->enterprise_level != !l.entity_column.empty()) {
      r.Fail(c, "indicator '" + ind->code + (ind->enterprise_level
                    ? "' is per enterprise: the layout needs an 'entity' column"
                    : "' is per park: a layout with an 'entity' column cannot carry it"));
    }
  }
  return l;
}

void ReadParkNames(const Reader& r, const toml::table& root, const core::Catalogue& catalogue,
                   Profile& p) {
  for (const auto& park : catalogue.parks()) {
    p.park_names[FoldHeader(park.code)] = park.code;
    p.park_names[FoldHeader(park.name_zh)] = park.code;
    p.park_names[FoldHeader(park.name_en)] = park.code;
  }
  const toml::node* n = root.get("park_names");
  if (!n) return;
  if (!n->is_table()) r.Fail(*n, "'park_names' must be a table of \"name\" = \"park code\"");
  for (const auto& [k, v] : *n->as_table()) {
    auto code = v.value<std::string>();
    if (!code || !catalogue.FindPark(*code)) r.Fail(v, "park_names: '" + std::string(k.str()) + "' names no catalogue park");
    p.park_names[FoldHeader(k.str())] = *code;
  }
}

}  // namespace

std::optional<std::string> Profile::ParkCode(std::string_view name) const {
  auto it = park_names.find(FoldHeader(name));
  if (it == park_names.end()) return std::nullopt;
  return it->second;
}

Result<Profile> LoadProfile(std::string_view text, std::string_view source,
                                               const core::Catalogue& catalogue) {
  try {
    toml::table root = toml::parse(text, source);
    Reader r(source);
    r.OnlyKeys(root, {"department", "description", "park_names", "empty_values", "layout"}, "profile");
    Profile p;
    p.department = r.Text(root, "department", true);
    if (!catalogue.FindDepartment(p.department)) {
      r.Fail(*root.get("department"), "unknown department '" + p.department + "'");
    }
    p.description = r.Text(root, "description", false);
    ReadParkNames(r, root, catalogue, p);
    if (const toml::array* empty = root.get_as<toml::array>("empty_values")) {
      p.empty_values.clear();
      for (const auto& v : *empty) {
        auto s = v.value<std::string>();
        if (!s) r.Fail(v, "empty_values must be strings");
        p.empty_values.push_back(FoldText(*s));
      }
    }
    const toml::array* layouts = root.get_as<toml::array>("layout");
    if (!layouts || layouts->empty()) r.Fail(root, "the profile has no [[layout]]");
    for (const auto& l : *layouts) {
      if (!l.is_table()) r.Fail(l, "[[layout]] must be a table");
      p.layouts.push_back(ReadLayout(r, *l.as_table(), catalogue, p.department));
    }
    return p;
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Status::InvalidArgument(std::string(source) + ":" + std::to_string(at.line) + ":" +
                                   std::to_string(at.column) + ": " + std::string(e.description()));
  } catch (const ProfileError& e) {
    return Status::InvalidArgument(e.what());
  }
}

}  // namespace kpihub::feed
