// Catalogue::FromToml: reads config/catalogue.toml (schema in docs/catalogue.md) and checks
// everything that can be checked without data, so that a bad catalogue stops the daemon at
// start with a file:line:column message instead of skewing KPIs later.
#include <set>
#include <string>

#include "catalogue_builder.h"
#include "kpihub/core/catalogue.h"
#include "toml_fields.h"

namespace kpihub::core {
namespace {

constexpr int64_t kMinYear = 1900;
constexpr int64_t kMaxYear = 2999;

struct Loader {
  const toml::table& root;
  std::string_view source;
  CatalogueBuilder builder;

  void ReadRules();
  void ReadDepartment(const toml::table& table);
  void ReadPark(const toml::table& table);
  void ReadIndicator(const toml::table& table);
  void ReadKpi(const toml::table& table);
  void ReadStraightLine(TableReader& reader, Kpi& kpi);
  std::vector<std::string> IndicatorList(TableReader& reader, const std::vector<StringAt>& codes);
  std::vector<const toml::table*> Tables(const char* key, bool required);
};

void Loader::ReadRules() {
  const toml::node* node = root.get("rules");
  if (node == nullptr) return;  // defaults apply
  const toml::table* table = node->as_table();
  if (table == nullptr) FailAt(source, node->source(), "'rules' must be a table [rules]");
  TableReader reader(*table, source, "[rules]");
  if (std::optional<double> tolerance = reader.OptionalNumber("at_risk_tolerance")) {
    if (*tolerance < 0 || *tolerance >= 1) {
      reader.Fail("at_risk_tolerance", "[rules] 'at_risk_tolerance' must be in [0, 1)");
    }
    builder.SetAtRiskTolerance(*tolerance);
  }
  reader.RejectUnknownKeys();
}

void Loader::ReadDepartment(const toml::table& table) {
  TableReader reader(table, source, "[[department]]");
  Department d{reader.Code("code"), reader.String("name_zh"), reader.String("name_en")};
  reader.RejectUnknownKeys();
  std::string code = d.code;
  if (!builder.AddDepartment(std::move(d))) {
    reader.Fail("code", "duplicate department '" + code + "'");
  }
}

void Loader::ReadPark(const toml::table& table) {
  TableReader reader(table, source, "[[park]]");
  Park p{reader.Code("code"), reader.String("name_zh"), reader.String("name_en")};
  reader.RejectUnknownKeys();
  if (p.code == kZonePark) {
    reader.Fail("code", "park code 'zone' is reserved for zone-wide totals");
  }
  std::string code = p.code;
  if (!builder.AddPark(std::move(p))) reader.Fail("code", "duplicate park '" + code + "'");
}

void Loader::ReadIndicator(const toml::table& table) {
  TableReader reader(table, source, "[[indicator]]");
  Indicator i;
  i.code = reader.Code("code");
  i.department = reader.Code("department");
  if (builder.partial().FindDepartment(i.department) == nullptr) {
    reader.Fail("department",
                "indicator '" + i.code + "': unknown department '" + i.department + "'");
  }
  i.name_zh = reader.String("name_zh");
  i.name_en = reader.String("name_en");
  i.unit = reader.String("unit");
  i.decimals = static_cast<int>(reader.Int("decimals", 0, Decimal::kScale));
  i.min = reader.ExactDecimal("min");
  i.max = reader.ExactDecimal("max");
  if (i.min > i.max) reader.Fail("max", "indicator '" + i.code + "': max is below min");
  std::optional<PeriodKind> kind = ParsePeriodKind(reader.String("period"));
  if (!kind) {
    reader.Fail("period", "indicator '" + i.code + "': period must be year, quarter or month");
  }
  i.period = *kind;
  std::string aggregation = reader.String("aggregation");
  if (aggregation != "sum" && aggregation != "last") {
    reader.Fail("aggregation", "indicator '" + i.code + "': aggregation must be sum or last");
  }
  i.aggregation = aggregation == "sum" ? Aggregation::kSum : Aggregation::kLast;
  i.enterprise_level = reader.Bool("enterprise_level");
  if (i.enterprise_level && i.aggregation == Aggregation::kLast && i.period != PeriodKind::kYear) {
    // Cells hold sums over enterprises per period; "the last period with data" would drop an
    // enterprise that reported earlier in the year, so such stocks are reported yearly.
    reader.Fail("period", "indicator '" + i.code +
                              "': an enterprise-level stock (aggregation last) must be reported yearly");
  }
  i.clause = reader.OptionalString("clause").value_or("");
  reader.RejectUnknownKeys();
  std::string code = i.code;
  if (!builder.AddIndicator(std::move(i))) {
    reader.Fail("code", "duplicate indicator '" + code + "'");
  }
}

// Checks that each code names a known indicator, once.
std::vector<std::string> Loader::IndicatorList(TableReader& reader,
                                               const std::vector<StringAt>& codes) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const StringAt& code : codes) {
    if (builder.partial().FindIndicator(code.value) == nullptr) {
      reader.FailNode(*code.node, "unknown indicator '" + code.value + "'");
    }
    if (!seen.insert(code.value).second) {
      reader.FailNode(*code.node, "indicator '" + code.value + "' listed twice");
    }
    out.push_back(code.value);
  }
  return out;
}

void Loader::ReadKpi(const toml::table& table) {
  TableReader reader(table, source, "[[kpi]]");
  Kpi k;
  k.code = reader.Code("code");
  k.name_zh = reader.String("name_zh");
  k.name_en = reader.String("name_en");
  k.unit = reader.String("unit");
  k.clause = reader.String("clause");  // required: every KPI must say which clause sets it
  k.numerator = IndicatorList(reader, reader.StringArray("numerator"));
  if (auto denominator = reader.OptionalStringArray("denominator")) {
    k.denominator = IndicatorList(reader, *denominator);
  }
  k.scale = reader.OptionalNumber("scale").value_or(1.0);
  if (k.scale <= 0) reader.Fail("scale", "kpi '" + k.code + "': scale must be positive");
  ReadStraightLine(reader, k);
  reader.RejectUnknownKeys();
  std::string code = k.code;
  if (!builder.AddKpi(std::move(k))) reader.Fail("code", "duplicate kpi '" + code + "'");
}

// Target, baseline, direction and cumulative window: what status is judged against.
void Loader::ReadStraightLine(TableReader& reader, Kpi& k) {
  // Progress and the straight line divide by the target; a zero target has no progress.
  k.target = reader.Number("target");
  if (k.target <= 0) reader.Fail("target", "kpi '" + k.code + "': target must be positive");
  k.target_year = static_cast<int>(reader.Int("target_year", kMinYear, kMaxYear));
  k.baseline = reader.OptionalNumber("baseline");
  k.baseline_year = static_cast<int>(reader.Int("baseline_year", kMinYear, kMaxYear));
  if (k.baseline_year >= k.target_year) {
    reader.Fail("baseline_year", "kpi '" + k.code + "': baseline_year must be before target_year");
  }
  std::string direction = reader.OptionalString("direction").value_or("up");
  if (direction != "up" && direction != "down") {
    reader.Fail("direction", "kpi '" + k.code + "': direction must be up or down");
  }
  k.direction = direction == "up" ? Direction::kUp : Direction::kDown;
  if (auto from = reader.OptionalInt("cumulative_from", kMinYear, kMaxYear)) {
    if (*from > k.target_year) {
      reader.Fail("cumulative_from", "kpi '" + k.code + "': cumulative_from is after target_year");
    }
    k.cumulative_from = static_cast<int>(*from);
  }
}

// The [[key]] tables of the catalogue. A catalogue without departments, parks or indicators
// can accept nothing, so those must have at least one table.
std::vector<const toml::table*> Loader::Tables(const char* key, bool required) {
  std::vector<const toml::table*> tables = ArrayOfTables(root, key, source);
  if (required && tables.empty()) {
    const toml::node* node = root.get(key);
    FailAt(source, node != nullptr ? node->source() : toml::source_region{},
           "the catalogue defines no [[" + std::string(key) + "]]");
  }
  return tables;
}

std::shared_ptr<const Catalogue> Load(const toml::table& root, std::string_view source,
                                      std::string_view text) {
  RejectUnknownTopLevelKeys(root, {"rules", "department", "park", "indicator", "kpi"}, source);
  Loader loader{root, source, CatalogueBuilder()};
  auto departments = loader.Tables("department", true);
  auto parks = loader.Tables("park", true);
  auto indicators = loader.Tables("indicator", true);
  auto kpis = loader.Tables("kpi", false);
  loader.ReadRules();
  // Fixed order, whatever the order in the file: references always point backwards.
  for (const toml::table* t : departments) loader.ReadDepartment(*t);
  for (const toml::table* t : parks) loader.ReadPark(*t);
  for (const toml::table* t : indicators) loader.ReadIndicator(*t);
  for (const toml::table* t : kpis) loader.ReadKpi(*t);
  return loader.builder.Finish(Fnv1a64Hex(text));
}

}  // namespace

Catalogue::LoadResult Catalogue::FromToml(std::string_view text, std::string_view source_name) {
  try {
    toml::table root = toml::parse(text, source_name);
    return LoadResult{Load(root, source_name, text), ""};
  } catch (const toml::parse_error& e) {
    return LoadResult{nullptr, FormatAt(source_name, e.source(), e.description())};
  } catch (const ConfigError& e) {
    return LoadResult{nullptr, e.what()};
  } catch (const std::exception& e) {  // e.g. bad_alloc: still no exception escapes the API
    return LoadResult{nullptr, FormatAt(source_name, {}, e.what())};
  }
}

}  // namespace kpihub::core
