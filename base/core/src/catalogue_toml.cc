// Catalogue::FromToml: reads config/catalogue.toml (schema in docs/catalogue.md) and checks
// everything that can be checked without data, so that a bad catalogue stops the daemon at
// start with a file:line:column message instead of skewing KPIs later.
#include <cctype>
#include <set>
#include <string>

#include "catalogue_builder.h"
#include "catalogue_judgement.h"
#include "kpihub/core/catalogue.h"
#include "sharing_toml.h"
#include "toml_fields.h"

namespace kpihub::core {
namespace {

std::optional<MonthDay> ReadSubmitBy(TableReader& reader, const std::string& code);

constexpr int64_t kMinYear = 1900;
constexpr int64_t kMaxYear = 2999;

struct Loader {
  const toml::table& root;
  std::string_view source;
  CatalogueBuilder builder;

  void ReadRules();
  void ReadClosing();
  void ReadDepartment(const toml::table& table);
  std::optional<FeedContract> ReadContract(TableReader& reader, const std::string& code);
  void ReadPark(const toml::table& table);
  void ReadIndicator(const toml::table& table);
  void ReadKpi(const toml::table& table);
  void ReadRule(const toml::table& table);
  std::string RuleIndicator(TableReader& reader, const char* key, const Rule& rule);
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
  const Catalogue& so_far = builder.partial();
  std::optional<int64_t> top = reader.OptionalInt("dominance_top", 1, 10);
  std::optional<double> share = reader.OptionalNumber("dominance_share");
  // Below one half, a cell's two largest enterprises would dominate nearly every cell.
  if (share && (*share < 0.5 || *share > 1)) {
    reader.Fail("dominance_share", "[rules] 'dominance_share' must be in [0.5, 1]");
  }
  builder.SetDominance(top ? static_cast<uint32_t>(*top) : so_far.dominance_top(),
                       share.value_or(so_far.dominance_share()));
  reader.RejectUnknownKeys();
}

void Loader::ReadClosing() {
  const toml::node* node = root.get("closing");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr) FailAt(source, node->source(), "'closing' must be a table [closing]");
  TableReader reader(*table, source, "[closing]");
  if (std::optional<int64_t> year = reader.OptionalInt("from_year", kMinYear, kMaxYear)) {
    builder.SetClosingFromYear(static_cast<int>(*year));
  }
  reader.RejectUnknownKeys();
}

void Loader::ReadDepartment(const toml::table& table) {
  TableReader reader(table, source, "[[department]]");
  Department d;
  d.code = reader.Code("code");
  d.name_zh = reader.String("name_zh");
  d.name_en = reader.String("name_en");
  d.contract = ReadContract(reader, d.code);
  d.submit_by = ReadSubmitBy(reader, d.code);
  d.approver = reader.OptionalBool("approver").value_or(false);
  reader.RejectUnknownKeys();
  std::string code = d.code;
  if (!builder.AddDepartment(std::move(d))) {
    reader.Fail("code", "duplicate department '" + code + "'");
  }
}

// "MM-DD", a day that every year has (29 February is refused).
std::optional<MonthDay> ReadSubmitBy(TableReader& reader, const std::string& code) {
  std::optional<std::string> text = reader.OptionalString("submit_by");
  if (!text) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const std::string& t = *text;
  const auto digits = [&](size_t at) {
    return std::isdigit(static_cast<unsigned char>(t[at])) != 0 &&
           std::isdigit(static_cast<unsigned char>(t[at + 1])) != 0;
  };
  if (t.size() == 5 && t[2] == '-' && digits(0) && digits(3)) {
    MonthDay md{std::stoi(t.substr(0, 2)), std::stoi(t.substr(3, 2))};
    if (md.month >= 1 && md.month <= 12 && md.day >= 1 && md.day <= kDays[md.month - 1]) return md;
  }
  reader.Fail("submit_by", "department '" + code + "': submit_by must be a day \"MM-DD\" of the next year, e.g. \"03-31\"");
}

// Longest a period of each kind lasts, in days: the default gap allowed between deliveries is
// one such period plus the deadline.
int64_t LongestDays(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kYear: return 366;
    case PeriodKind::kQuarter: return 92;
    case PeriodKind::kMonth: return 31;
  }
  return 366;
}

std::optional<FeedContract> Loader::ReadContract(TableReader& reader, const std::string& code) {
  std::optional<std::string> cadence = reader.OptionalString("cadence");
  std::optional<int64_t> deadline = reader.OptionalInt("deadline_days", 0, 366);
  std::optional<int64_t> silence =
      reader.OptionalInt("max_silence_seconds", 1, int64_t{10} * 366 * 86400);
  if (!cadence) {
    if (deadline) reader.Fail("deadline_days", "department '" + code + "': deadline_days needs a cadence");
    if (silence) reader.Fail("max_silence_seconds", "department '" + code + "': max_silence_seconds needs a cadence");
    return std::nullopt;
  }
  std::optional<PeriodKind> kind = ParsePeriodKind(*cadence);
  if (!kind) reader.Fail("cadence", "department '" + code + "': cadence must be year, quarter or month");
  FeedContract c;
  c.cadence = *kind;
  c.deadline_days = static_cast<int>(deadline.value_or(0));
  c.max_silence_seconds = silence.value_or((LongestDays(*kind) + c.deadline_days) * 86400);
  return c;
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
  ReadJudgement(reader, builder.partial(), k);
  reader.RejectUnknownKeys();
  std::string code = k.code;
  if (!builder.AddKpi(std::move(k))) reader.Fail("code", "duplicate kpi '" + code + "'");
}

// An indicator a rule reads: known, and enterprise-level for the per-enterprise kinds (they
// compare one enterprise's figures, which only enterprise-level indicators have).
std::string Loader::RuleIndicator(TableReader& reader, const char* key, const Rule& rule) {
  std::string code = reader.Code(key);
  const Indicator* indicator = builder.partial().FindIndicator(code);
  if (indicator == nullptr) {
    reader.Fail(key, "rule '" + rule.code + "': unknown indicator '" + code + "'");
  }
  if (rule.kind != RuleKind::kParkNotAbove && !indicator->enterprise_level) {
    reader.Fail(key, "rule '" + rule.code + "': " + std::string(RuleKindName(rule.kind)) +
                         " needs an enterprise-level indicator, '" + code + "' is not");
  }
  return code;
}

void Loader::ReadRule(const toml::table& table) {
  TableReader reader(table, source, "[[rule]]");
  Rule r;
  r.code = reader.Code("code");
  r.name_zh = reader.String("name_zh");
  r.name_en = reader.String("name_en");
  r.clause = reader.String("clause");
  std::string kind = reader.String("kind");
  if (kind == "entity_max") {
    r.kind = RuleKind::kEntityMax;
  } else if (kind == "entity_not_above") {
    r.kind = RuleKind::kEntityNotAbove;
  } else if (kind == "park_not_above") {
    r.kind = RuleKind::kParkNotAbove;
  } else if (kind == "entity_total_max") {
    r.kind = RuleKind::kEntityTotalMax;
  } else {
    reader.Fail("kind", "rule '" + r.code + "': kind must be entity_max, entity_total_max, "
                        "entity_not_above or park_not_above");
  }
  r.indicator = RuleIndicator(reader, "indicator", r);
  if (r.kind == RuleKind::kEntityMax) {
    r.limit = reader.ExactDecimal("limit");
  } else if (r.kind == RuleKind::kEntityTotalMax) {
    r.limit = reader.ExactDecimal("limit");
    r.from_year = static_cast<int>(reader.Int("from_year", kMinYear, kMaxYear));
    r.to_year = static_cast<int>(reader.Int("to_year", kMinYear, kMaxYear));
    if (r.to_year < r.from_year) reader.Fail("to_year", "rule '" + r.code + "': to_year is before from_year");
  } else {
    r.bound = RuleIndicator(reader, "bound", r);
    r.factor = reader.OptionalNumber("factor").value_or(1.0);
    if (r.factor <= 0) reader.Fail("factor", "rule '" + r.code + "': factor must be positive");
  }
  reader.RejectUnknownKeys();  // a limit on a not_above rule (or a bound on a max rule) is refused
  std::string code = r.code;
  if (!builder.AddRule(std::move(r))) reader.Fail("code", "duplicate rule '" + code + "'");
}

// Target, baseline, direction and cumulative window: what status is judged against.
void Loader::ReadStraightLine(TableReader& reader, Kpi& k) {
  // Progress and the straight line divide by the target; a zero target has no progress.
  k.target = reader.Number("target");
  if (k.target <= 0) reader.Fail("target", "kpi '" + k.code + "': target must be positive");
  k.target_year = static_cast<int>(reader.Int("target_year", kMinYear, kMaxYear));
  k.baseline = reader.OptionalNumber("baseline");
  if (k.baseline) {
    k.baseline_source = reader.OptionalString("baseline_source").value_or("");
    if (k.baseline_source.empty()) {
      reader.Fail("baseline", "kpi '" + k.code + "': a stated baseline needs its baseline_source "
                              "(where the figure comes from); without one the baseline is read from data");
    }
  }
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
  RejectUnknownTopLevelKeys(root,
                            {"rules", "closing", "department", "park", "indicator", "kpi", "rule",
                             "milestone", "agreement"},
                            source);
  Loader loader{root, source, CatalogueBuilder()};
  auto departments = loader.Tables("department", true);
  auto parks = loader.Tables("park", true);
  auto indicators = loader.Tables("indicator", true);
  auto kpis = loader.Tables("kpi", false);
  auto rules = loader.Tables("rule", false);
  auto milestones = loader.Tables("milestone", false);
  auto agreements = loader.Tables("agreement", false);
  loader.ReadRules();
  loader.ReadClosing();
  // Fixed order, whatever the order in the file: references always point backwards.
  for (const toml::table* t : departments) loader.ReadDepartment(*t);
  for (const toml::table* t : parks) loader.ReadPark(*t);
  for (const toml::table* t : indicators) loader.ReadIndicator(*t);
  for (const toml::table* t : kpis) loader.ReadKpi(*t);
  for (const toml::table* t : rules) loader.ReadRule(*t);
  for (const toml::table* t : milestones) ReadMilestone(*t, source, loader.builder);
  for (const toml::table* t : agreements) ReadAgreement(*t, source, loader.builder);
  return loader.builder.Finish(Fnv1a64Hex(text));
}

}  // namespace

Catalogue::LoadResult Catalogue::FromToml(std::string_view text, std::string_view source_name) {
  try {
    toml::table root = toml::parse(text, source_name);
    return LoadResult(Load(root, source_name, text));
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(FormatAt(source_name, e.source(), e.description()));
  } catch (const ConfigError& e) {
    return Status::InvalidArgument(e.what());
  } catch (const std::exception& e) {  // e.g. bad_alloc: still no exception escapes the API
    return Status::InvalidArgument(FormatAt(source_name, {}, e.what()));
  }
}

}  // namespace kpihub::core
