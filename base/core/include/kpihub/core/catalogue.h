// Catalogue: the zone's departments, parks, indicators and KPIs, loaded from TOML
// (config/catalogue.toml is the shipped default; docs/catalogue.md is its reference).
// Immutable once loaded; safe to share between threads. A reload builds a new Catalogue.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kpihub/core/decimal.h"
#include "kpihub/core/status.h"
#include "kpihub/core/period.h"
#include "kpihub/core/sharing.h"

namespace kpihub::core {

// The park code under which zone-wide totals are exported. Never a valid input park.
inline constexpr std::string_view kZonePark = "zone";

// A department's delivery contract (docs/catalogue.md, "Feed contracts"): it delivers each
// `cadence` period within `deadline_days` after the period ends. So two deliveries are never
// more than `max_silence_seconds` apart (by default one cadence period plus the deadline).
struct FeedContract {
  PeriodKind cadence = PeriodKind::kMonth;
  int deadline_days = 0;
  int64_t max_silence_seconds = 0;
};

// A day of the year, e.g. 31 March: by when a department submits the previous year.
struct MonthDay {
  int month = 1;
  int day = 1;
};

struct Department {
  std::string code;  // e.g. "tax"
  std::string name_zh;
  std::string name_en;
  std::optional<FeedContract> contract;  // absent: no freshness expectation
  // Closing a year (core/period_state.h): the day of the next year by which the department
  // submits a year; absent: no deadline. An approver (the leading group's office) approves
  // the years the departments submit.
  std::optional<MonthDay> submit_by;
  bool approver = false;
};

struct Park {
  std::string code;  // e.g. "auto_parts"
  std::string name_zh;
  std::string name_en;
};

enum class Aggregation { kSum, kLast };  // flows and counts add over time; stocks take the last

struct Indicator {
  std::string code;
  std::string department;  // owner: the only department allowed to write it
  std::string name_zh;
  std::string name_en;
  std::string unit;  // base unit: "yuan", "count", "m2", "ratio", "tonne", "kw", ...
  int decimals = 0;  // decimal places accepted (0..6)
  Decimal min;       // inclusive bounds
  Decimal max;
  PeriodKind period = PeriodKind::kYear;  // the granularity departments report at
  Aggregation aggregation = Aggregation::kSum;
  bool enterprise_level = false;  // true: one figure per enterprise (entity required)
  std::string clause;             // policy clause, e.g. "§3"; may be empty for monitored ones
};

enum class Direction { kUp, kDown };  // kUp: higher is better, target is a floor

// How the policy words a target: binding ("达到") or strive-for ("力争", not binding).
enum class Strength { kBinding, kStrive };
std::string_view StrengthName(Strength strength);  // "binding", "strive"
std::string_view StrengthZh(Strength strength);    // "约束性", "力争"

// How the policy words a deadline: "到2020年" (the figure of the target year must reach the
// target) or "2020年之前" (the figure of the year before must).
enum class Deadline { kBy, kBefore };
std::string_view DeadlineName(Deadline deadline);  // "by", "before"
// The year whose figure must reach the target.
inline int DueYear(int target_year, Deadline deadline) {
  return deadline == Deadline::kBy ? target_year : target_year - 1;
}
// The policy's wording: "到2020年" or "2020年之前".
std::string DeadlineZh(int target_year, Deadline deadline);

// A park's own target for a KPI (the zone may give one): the park is judged against it.
struct ParkTarget {
  std::string park;
  double target = 0;
  std::optional<double> baseline;  // with its source; absent: from data
  std::string baseline_source;
};

struct Kpi {
  std::string code;
  std::string name_zh;
  std::string name_en;
  std::string unit;                    // of the exported value: "yuan", "ratio", "count", "m2"
  std::string clause;                  // required, e.g. "§3"
  std::vector<std::string> numerator;  // indicator codes, summed
  std::vector<std::string> denominator;  // empty: the KPI is the numerator itself
  double scale = 1.0;                    // exported value = scale * num / den
  double target = 0;
  int target_year = 0;
  std::optional<double> baseline;  // value at baseline_year, stated with its source;
                                   // absent: the KPI's own figure of baseline_year, from data
  std::string baseline_source;     // where a stated baseline comes from (required with it)
  int baseline_year = 0;
  Direction direction = Direction::kUp;
  std::optional<int> cumulative_from;  // set: value for year Y sums years cumulative_from..Y
  Strength strength = Strength::kBinding;
  Deadline deadline = Deadline::kBy;
  // true: a share-type target that applies to every park as well as to the zone.
  bool every_park = false;
  std::vector<ParkTarget> park_targets;  // parks with targets of their own

  int due_year() const { return DueYear(target_year, deadline); }
  // The park's own target, or nullptr.
  const ParkTarget* FindParkTarget(std::string_view park) const;
};

// A yes/no milestone of the policy (a designation with a date), fed by its owning department
// as an observation of its code: the month of the approval document, 1 (achieved) or 0
// (withdrawn), and the document's reference as the note.
struct Milestone {
  std::string code;
  std::string name_zh;
  std::string name_en;
  std::string clause;      // required
  std::string department;  // owner: the only department allowed to write it
  std::string park;        // a park code, or kZonePark for a zone-wide designation
  int target_year = 0;
  Deadline deadline = Deadline::kBy;
  Strength strength = Strength::kBinding;
  int due_year() const { return DueYear(target_year, deadline); }
};

// A validation rule evaluated on the merged state (core/rule_check.h). Violations are data
// to flag, not data to drop: they are counted per park and year, never named by enterprise.
enum class RuleKind {
  kEntityMax,       // each enterprise's yearly figure of `indicator` <= `limit`
  kEntityNotAbove,  // each enterprise's yearly `indicator` <= factor x its yearly `bound`
  kParkNotAbove,    // each park's yearly `indicator` <= factor x the park's yearly `bound`
  kEntityTotalMax,  // each enterprise's total of `indicator` over from_year..to_year <= `limit`
};
std::string_view RuleKindName(RuleKind kind);  // "entity_max", "entity_not_above", ...

struct Rule {
  std::string code;
  std::string name_zh;
  std::string name_en;
  std::string clause;  // required, e.g. "§10"
  RuleKind kind = RuleKind::kEntityMax;
  std::string indicator;  // the checked indicator
  Decimal limit;          // kEntityMax only
  std::string bound;      // the indicator it may not exceed (kEntityNotAbove, kParkNotAbove)
  double factor = 1.0;    // positive
  int from_year = 0;      // kEntityTotalMax only: the window the total runs over
  int to_year = 0;
};

class Catalogue {
 public:
  using LoadResult = Result<std::shared_ptr<const Catalogue>>;
  // Parses and checks the whole catalogue: unique codes, known owner departments, indicators
  // referenced by KPIs and rules exist, bounds ordered, every KPI and rule cites a clause,
  // agreements name known departments and the provider's own indicators.
  // A failure (kInvalidArgument) says "<source>:<line>:<column>: <reason>".
  static LoadResult FromToml(std::string_view text, std::string_view source_name);

  const Department* FindDepartment(std::string_view code) const;
  const Park* FindPark(std::string_view code) const;
  const Indicator* FindIndicator(std::string_view code) const;
  const Kpi* FindKpi(std::string_view code) const;
  const Rule* FindRule(std::string_view code) const;
  const Milestone* FindMilestone(std::string_view code) const;
  const SharingAgreement* FindAgreementByCode(std::string_view code) const;

  const std::vector<Department>& departments() const { return departments_; }
  const std::vector<Park>& parks() const { return parks_; }
  const std::vector<Indicator>& indicators() const { return indicators_; }
  const std::vector<Kpi>& kpis() const { return kpis_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<Milestone>& milestones() const { return milestones_; }
  // Sharing agreements ([[agreement]], core/sharing.h), in catalogue order.
  const std::vector<SharingAgreement>& agreements() const { return agreements_; }

  // Decides whether department `consumer` may read `indicator` at `level` at `unix_seconds`.
  // Deny by default. A department reading its own indicator needs no agreement (kOwnData, at
  // either level). Otherwise the first agreement in catalogue order that lists the consumer
  // and the indicator, grants the level and is in force that day grants it (kGranted). A
  // refusal says why, in this order: an agreement that grants the level from a later day
  // (kNotYetInForce), one that granted it until an earlier day (kExpired), one that grants
  // aggregates only (kAggregateOnly), none at all (kNoAgreement). Deterministic.
  ShareDecision DecideShare(std::string_view consumer, std::string_view indicator,
                            ShareLevel level, int64_t unix_seconds) const;
  // The agreement under which `consumer` may read `indicator` at `level` at `unix_seconds`
  // (DecideShare's kGranted agreement), or nullptr: refused, or own data (no agreement needed,
  // which DecideShare tells apart).
  const SharingAgreement* FindAgreement(std::string_view consumer, std::string_view indicator,
                                        ShareLevel level, int64_t unix_seconds) const;

  // Share of the straight-line expectation below which a KPI is off track rather than at risk
  // (e.g. 0.1: within 10 % of the line is "at risk").
  double at_risk_tolerance() const { return at_risk_tolerance_; }
  // The (n, k) dominance rule of small-cell suppression: a cell of an enterprise-level
  // indicator is sensitive when its `dominance_top` largest enterprise figures hold more than
  // `dominance_share` of it (by absolute values). A share of 1 turns the rule off.
  uint32_t dominance_top() const { return dominance_top_; }
  double dominance_share() const { return dominance_share_; }
  // `[closing] from_year`: the first year whose closing is tracked (core/period_state.h);
  // absent: the earliest KPI baseline year.
  std::optional<int> closing_from_year() const { return closing_from_year_; }
  // 64-bit FNV-1a of the source text, hex. Recorded in the store's metadata.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  friend class CatalogueBuilder;
  std::vector<Department> departments_;
  std::vector<Park> parks_;
  std::vector<Indicator> indicators_;
  std::vector<Kpi> kpis_;
  std::vector<Rule> rules_;
  std::vector<Milestone> milestones_;
  std::vector<SharingAgreement> agreements_;
  std::unordered_map<std::string, size_t> department_index_, park_index_, indicator_index_,
      kpi_index_, rule_index_, milestone_index_, agreement_index_;
  double at_risk_tolerance_ = 0.1;
  std::optional<int> closing_from_year_;
  uint32_t dominance_top_ = 2;
  double dominance_share_ = 0.85;
  std::string fingerprint_;
};

}  // namespace kpihub::core
