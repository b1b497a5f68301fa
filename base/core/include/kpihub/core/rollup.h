// Rollup: turns stored park-level cells into yearly indicator figures per park and for the
// zone, and those into KPI figures with progress and status. Pure: computed from the rows it
// is given, in any order, with exact sums. Not thread-safe; build one per snapshot.
//
// Rules (DESIGN.md, KPIS.md):
//  - a cell is (indicator, park, period) with the exact sum over enterprises and the number
//    of enterprises in it (0 for a park-level figure);
//  - a year of a `sum` indicator is the sum of its periods; of a `last` indicator the cell of
//    the latest period in that year that has data;
//  - the zone is the sum of its parks, per year, after the time rule;
//  - a KPI ratio is sum(numerator) / sum(denominator) at each level, never a mean of ratios;
//    a cumulative KPI sums years from its start year;
//  - small cells, decided once here for every output (boards, CLI, exports): a park-year of
//    an enterprise-level indicator is sensitive when any period cell of that year is built
//    from fewer than `min_cell_entities` enterprises, or is dominated: its
//    catalogue.dominance_top() largest enterprise figures hold more than dominance_share()
//    of it (the (n, k) rule; primary suppression). A park-year is
//    withheld as a whole, with every period in it, so that shown months never add up to a
//    shown year around a hidden month. Then the parks with the fewest enterprises are
//    withheld too (ties broken by the catalogue's park order, never by value) until the
//    withheld parks are at least two and hold at least `min_cell_entities` enterprises
//    together (complementary suppression), so that the zone total minus the shown parks
//    cannot reveal a sensitive cell. When even all parks together cannot meet that, the zone
//    total is withheld as well. A KPI figure is withheld when any input figure is; a
//    withheld figure carries no value, numerator, denominator, progress or status unless
//    RollupOptions::confidential asks for them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kpihub/core/catalogue.h"

namespace kpihub::core {

struct Cell {
  std::string indicator;
  std::string park;
  Period period;
  Decimal sum;
  uint32_t entities = 0;
};

struct IndicatorYear {
  const Indicator* indicator = nullptr;
  std::string park;  // a park code or kZonePark
  int year = 0;
  Decimal value;
  uint32_t entities = 0;  // largest enterprise count of any period used (0: park-level)
  bool sensitive = false;  // primary: some period of the year is a small cell
  bool withheld = false;   // primary or complementary; value and entities cleared then
};

// One status vocabulary for every output (CLI, metrics, board, report). kNotJudged: the
// figure has a value but nothing to be judged against at its level or in its year.
enum class KpiStatus { kOnTrack, kAtRisk, kOffTrack, kNoData, kNotJudged };
// "on_track", "at_risk", "off_track", "no_data", "not_judged"
std::string_view KpiStatusName(KpiStatus status);
// "进度正常", "存在风险", "进度滞后", "无数据", "未评估"
std::string_view KpiStatusZh(KpiStatus status);
// Whether a status judges the figure against a line (on_track, at_risk, off_track).
inline bool IsJudged(KpiStatus status) {
  return status == KpiStatus::kOnTrack || status == KpiStatus::kAtRisk ||
         status == KpiStatus::kOffTrack;
}
// How a withheld figure's status reads: "withheld", "不予公开".
inline constexpr std::string_view kWithheldStatusName = "withheld";
inline constexpr std::string_view kWithheldStatusZh = "不予公开";

// Where the start of a figure's straight line comes from.
enum class BaselineSource { kNone, kCatalogue, kData, kCumulative };
std::string_view BaselineSourceName(BaselineSource source);  // "none", "catalogue", "data", "cumulative"

// Why a figure with a value is not judged.
enum class NotJudgedReason { kNone, kNoParkTarget, kBaselinePeriod, kNoBaseline };
// "", "no_park_target", "baseline_period", "no_baseline"
std::string_view NotJudgedReasonName(NotJudgedReason reason);

struct KpiFigure {
  const Kpi* kpi = nullptr;
  std::string park;  // a park code or kZonePark
  int year = 0;
  bool has_value = false;  // false when an input is missing or the denominator is zero
  bool withheld = false;   // an input figure is withheld: the fields below are cleared
  double value = 0;        // scale * numerator / denominator
  Decimal numerator;
  Decimal denominator;
  double progress = 0;  // value / target (kDown: target / value), 0 when no value or target
  double expected = 0;  // straight-line expectation for `year` as a share of target (judged only)
  KpiStatus status = KpiStatus::kNoData;
  // The judgement (docs/catalogue.md, "Judgement"):
  std::optional<double> target;    // the target of this level: the KPI's for the zone (and for
                                   // every park of an every_park KPI), a park's own; or none
  std::optional<double> baseline;  // the value the straight line starts from, when known
  BaselineSource baseline_source = BaselineSource::kNone;
  NotJudgedReason not_judged = NotJudgedReason::kNone;
  double expected_value = 0;  // the straight line's value for `year` (judged figures only)
  // Parks without a target, KPIs without denominator: their weight in the zone instead of a
  // status (a ratio KPI has none: it would publish a relation no other output shows).
  std::optional<double> share_of_zone;  // park value / zone value (zone published, non-zero)
  std::optional<double> contribution;   // park value / zone target
};

struct RollupOptions {
  uint32_t min_cell_entities = 3;
  // Keep the figures of withheld cells (flagged, not cleared): enterprise-level detail for
  // `kpihub explain --confidential` only. Never set for an output that may be forwarded.
  bool confidential = false;
};

struct RollupResult {
  std::vector<IndicatorYear> indicator_years;  // sorted by (indicator, park, year)
  std::vector<KpiFigure> kpi_figures;          // sorted by (kpi, park, year)

  // The yearly figure of (indicator, park or kZonePark, year); nullptr when none.
  const IndicatorYear* Find(const std::string& indicator, const std::string& park,
                            int year) const;
  // Whether a cell of this indicator, park and year may be published: false when its
  // park-year is withheld, and for an enterprise-level cell the rollup did not fold (a park
  // or period kind the catalogue does not know), which nothing has vetted.
  bool Publishable(const Indicator& indicator, const std::string& park, int year) const;
};

class Rollup {
 public:
  Rollup(const Catalogue& catalogue, RollupOptions options)
      : catalogue_(catalogue), options_(options) {}
  // Cells of indicators unknown to the catalogue are ignored (a catalogue may drop one).
  void Add(const Cell& cell);
  // One enterprise's figure inside a cell, for the dominance rule: every stored figure with
  // an entity must be given (store::FeedRollup does), once. A cell of an enterprise-level
  // indicator whose figures were not given counts as dominated, so a caller that forgets
  // withholds too much rather than too little.
  void AddEnterpriseFigure(const std::string& indicator, const std::string& park,
                           const Period& period, Decimal value);
  RollupResult Finish() const;

 private:
  bool Dominated(const std::string& indicator, const std::string& park, const Period& period) const;

  const Catalogue& catalogue_;
  RollupOptions options_;
  // (indicator, park) -> period -> (sum, entities)
  std::map<std::pair<std::string, std::string>, std::map<Period, std::pair<Decimal, uint32_t>>>
      cells_;
  // (indicator, park, period) -> the largest absolute enterprise figures (descending, at
  // most dominance_top) and the sum of all of them.
  struct Contributions {
    std::vector<Decimal> top;
    Decimal total;
  };
  std::map<std::tuple<std::string, std::string, Period>, Contributions> contributions_;
};

}  // namespace kpihub::core
