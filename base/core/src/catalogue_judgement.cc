#include "catalogue_judgement.h"

#include <string>

namespace kpihub::core {
namespace {

constexpr int64_t kMinYear = 1900;
constexpr int64_t kMaxYear = 2999;

Strength ReadStrength(TableReader& reader, const std::string& what) {
  std::string text = reader.OptionalString("strength").value_or("binding");
  if (text != "binding" && text != "strive") {
    reader.Fail("strength", what + ": strength must be binding (达到) or strive (力争)");
  }
  return text == "strive" ? Strength::kStrive : Strength::kBinding;
}

Deadline ReadDeadline(TableReader& reader, const std::string& what) {
  std::string text = reader.OptionalString("deadline").value_or("by");
  if (text != "by" && text != "before") {
    reader.Fail("deadline", what + ": deadline must be by (到…年) or before (…年之前)");
  }
  return text == "before" ? Deadline::kBefore : Deadline::kBy;
}

ParkTarget ReadParkTarget(const toml::table& table, std::string_view source,
                          const Catalogue& so_far, const Kpi& kpi) {
  TableReader reader(table, source, "[[kpi.park_target]]");
  ParkTarget t;
  t.park = reader.Code("park");
  if (so_far.FindPark(t.park) == nullptr) {
    reader.Fail("park", "kpi '" + kpi.code + "': unknown park '" + t.park + "'");
  }
  if (kpi.FindParkTarget(t.park) != nullptr) {
    reader.Fail("park", "kpi '" + kpi.code + "': park '" + t.park + "' has two targets");
  }
  t.target = reader.Number("target");
  if (t.target <= 0) reader.Fail("target", "kpi '" + kpi.code + "': a park target must be positive");
  t.baseline = reader.OptionalNumber("baseline");
  if (t.baseline) {
    t.baseline_source = reader.OptionalString("baseline_source").value_or("");
    if (t.baseline_source.empty()) {
      reader.Fail("baseline", "kpi '" + kpi.code + "', park '" + t.park +
                                  "': a stated baseline needs its baseline_source");
    }
  }
  reader.RejectUnknownKeys();
  return t;
}

}  // namespace

void ReadJudgement(TableReader& reader, const Catalogue& so_far, Kpi& kpi) {
  const std::string what = "kpi '" + kpi.code + "'";
  kpi.strength = ReadStrength(reader, what);
  kpi.deadline = ReadDeadline(reader, what);
  if (kpi.due_year() <= kpi.baseline_year) {
    reader.Fail("deadline", what + ": the year due (" + std::to_string(kpi.due_year()) +
                                ") must be after baseline_year");
  }
  std::string scope = reader.OptionalString("park_scope").value_or("zone");
  if (scope != "zone" && scope != "every_park") {
    reader.Fail("park_scope", what + ": park_scope must be zone (the zone's target only) or "
                                     "every_park (a share-type target every park is judged against)");
  }
  kpi.every_park = scope == "every_park";
  for (const toml::table* t : reader.NestedTables("park_target")) {
    kpi.park_targets.push_back(ReadParkTarget(*t, reader.source(), so_far, kpi));
  }
}

void ReadMilestone(const toml::table& table, std::string_view source, CatalogueBuilder& builder) {
  TableReader reader(table, source, "[[milestone]]");
  const Catalogue& so_far = builder.partial();
  Milestone m;
  m.code = reader.Code("code");
  const std::string what = "milestone '" + m.code + "'";
  if (so_far.FindIndicator(m.code) != nullptr) {
    reader.Fail("code", what + ": an indicator has this code already");
  }
  m.name_zh = reader.String("name_zh");
  m.name_en = reader.String("name_en");
  m.clause = reader.String("clause");
  m.department = reader.Code("department");
  if (so_far.FindDepartment(m.department) == nullptr) {
    reader.Fail("department", what + ": unknown department '" + m.department + "'");
  }
  m.park = reader.OptionalString("park").value_or(std::string(kZonePark));
  if (m.park != kZonePark && so_far.FindPark(m.park) == nullptr) {
    reader.Fail("park", what + ": unknown park '" + m.park + "' (use \"zone\" for the whole zone)");
  }
  m.target_year = static_cast<int>(reader.Int("target_year", kMinYear, kMaxYear));
  m.deadline = ReadDeadline(reader, what);
  m.strength = ReadStrength(reader, what);
  reader.RejectUnknownKeys();
  std::string code = m.code;
  if (!builder.AddMilestone(std::move(m))) reader.Fail("code", "duplicate milestone '" + code + "'");
}

}  // namespace kpihub::core
