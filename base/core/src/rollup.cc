// Rollup: cells -> yearly figures per park (time rule) -> small-cell suppression -> zone totals
// -> KPI figures. Every step works on exact Decimals held in ordered maps, so the result
// depends only on the set of cells given, never on the order they were added in.
#include "kpihub/core/rollup.h"

#include <algorithm>
#include <functional>
#include <set>

#include "kpi_figure.h"
#include "kpi_judgement.h"

namespace kpihub::core {
namespace {

// Rollup::cells_: (indicator, park) -> period -> (sum, entities).
using CellMap =
    std::map<std::pair<std::string, std::string>, std::map<Period, std::pair<Decimal, uint32_t>>>;

// The yearly figure of one (indicator, park) from its periods, per the indicator's time rule.
// A year is sensitive when any of its periods is a small cell of an enterprise-level
// indicator: all its periods are published or none is (`export --statistics` shows periods).
std::vector<IndicatorYear> YearsOf(const Indicator& indicator, const std::string& park,
                                   const std::map<Period, std::pair<Decimal, uint32_t>>& periods,
                                   const std::function<bool(const Period&, uint32_t)>& small) {
  std::map<int, IndicatorYear> years;
  for (const auto& [period, cell] : periods) {  // ascending: for `last`, the latest period wins
    IndicatorYear& y = years[period.year];
    y.indicator = &indicator;
    y.park = park;
    y.year = period.year;
    y.sensitive = y.sensitive || (indicator.enterprise_level && small(period, cell.second));
    if (indicator.aggregation == Aggregation::kSum) {
      y.value += cell.first;
      y.entities = std::max(y.entities, cell.second);
    } else {
      y.value = cell.first;
      y.entities = cell.second;
    }
  }
  std::vector<IndicatorYear> out;
  for (auto& [year, y] : years) out.push_back(std::move(y));
  return out;
}

// Position of each park in the catalogue: the fixed order that breaks ties between candidates
// for complementary suppression (never their values, which the choice would give away).
using ParkOrder = std::map<std::string, size_t>;

ParkOrder ParkOrderOf(const Catalogue& catalogue) {
  ParkOrder order;
  for (const Park& park : catalogue.parks()) order.emplace(park.code, order.size());
  return order;
}

// Withholds the sensitive park figures of one (indicator, year) (primary suppression), then
// adds complementary parks, fewest enterprises first and ties in catalogue order, until the
// withheld set holds at least two parks and at least `min_entities` enterprises: otherwise
// the zone total minus the shown parks would give a withheld figure away. Returns true when
// that cannot be reached, in which case the zone total must be withheld as well.
bool SuppressSmallCells(std::vector<IndicatorYear*>& parks, uint32_t min_entities,
                        const ParkOrder& order) {
  if (parks.empty() || !parks.front()->indicator->enterprise_level) return false;  // not confidential
  size_t withheld = 0;
  uint64_t withheld_entities = 0;
  for (IndicatorYear* y : parks) {
    y->withheld = y->sensitive;
    withheld += y->withheld ? 1 : 0;
    withheld_entities += y->withheld ? y->entities : 0;
  }
  if (withheld == 0) return false;
  auto before = [&](const IndicatorYear* a, const IndicatorYear* b) {
    return std::make_pair(a->entities, order.at(a->park)) <
           std::make_pair(b->entities, order.at(b->park));
  };
  while (withheld < 2 || withheld_entities < min_entities) {
    IndicatorYear* complement = nullptr;
    for (IndicatorYear* y : parks) {
      if (!y->withheld && (complement == nullptr || before(y, complement))) complement = y;
    }
    if (complement == nullptr) return true;  // every park is withheld and still too few
    complement->withheld = true;
    withheld++;
    withheld_entities += complement->entities;
  }
  return false;
}

// Zone figures: the sum of the parks per (indicator, year), after the time rule. Shown,
// since it is the total the parks are suppressed against, unless `withheld_zones` names it.
std::vector<IndicatorYear> ZoneYears(const std::vector<IndicatorYear>& park_years,
                                     const std::set<std::pair<std::string, int>>& withheld_zones) {
  std::map<std::pair<std::string, int>, IndicatorYear> zone;
  for (const IndicatorYear& p : park_years) {
    IndicatorYear& z = zone[{p.indicator->code, p.year}];
    z.indicator = p.indicator;
    z.park = std::string(kZonePark);
    z.year = p.year;
    z.value += p.value;
    z.entities += p.entities;
    z.withheld = withheld_zones.count({p.indicator->code, p.year}) > 0;
  }
  std::vector<IndicatorYear> out;
  for (auto& [key, z] : zone) out.push_back(std::move(z));
  return out;
}

bool IndicatorYearLess(const IndicatorYear& a, const IndicatorYear& b) {
  return std::tie(a.indicator->code, a.park, a.year) < std::tie(b.indicator->code, b.park, b.year);
}

// Years in which any numerator indicator of `kpi` has a figure for `park`.
std::set<int> YearsWithNumerator(const Kpi& kpi, const std::string& park,
                                 const IndicatorYearIndex& index) {
  std::set<int> years;
  for (const auto& [key, y] : index) {
    const auto& [code, key_park, year] = key;
    if (key_park != park) continue;
    if (std::find(kpi.numerator.begin(), kpi.numerator.end(), code) == kpi.numerator.end()) {
      continue;
    }
    // A cumulative KPI has no figure before its window opens.
    if (kpi.cumulative_from && year < *kpi.cumulative_from) continue;
    years.insert(year);
  }
  return years;
}

// Yearly figures of every (indicator, park) that has cells.
std::vector<IndicatorYear> ParkYears(
    const Catalogue& catalogue, const CellMap& cells,
    const std::function<bool(const std::string&, const std::string&, const Period&, uint32_t)>&
        small) {
  std::vector<IndicatorYear> out;
  for (const auto& [key, periods] : cells) {
    const Indicator* indicator = catalogue.FindIndicator(key.first);  // known: checked in Add
    const auto& park_key = key;  // a structured binding cannot be captured before C++20
    auto small_here = [&](const Period& p, uint32_t n) {
      return small(park_key.first, park_key.second, p, n);
    };
    for (IndicatorYear& y : YearsOf(*indicator, key.second, periods, small_here)) {
      out.push_back(std::move(y));
    }
  }
  return out;
}

// What a withheld figure may still show: its identity and the straight line's expectation
// (a property of the KPI, not of the cell). Everything computed from the cell goes.
void ClearKpiFigure(KpiFigure& f) {
  f.has_value = false;
  f.value = 0;
  f.numerator = Decimal();
  f.denominator = Decimal();
  f.progress = 0;
  f.status = KpiStatus::kNoData;
  f.not_judged = NotJudgedReason::kNone;
  f.share_of_zone.reset();
  f.contribution.reset();
}

void ClearIndicatorYear(IndicatorYear& y) {
  y.value = Decimal();
  y.entities = 0;
}

// KPI figures for every park and the zone, in every year with numerator data, sorted by
// (kpi, park, year).
std::vector<KpiFigure> KpiFigures(const Catalogue& catalogue,
                                  const std::vector<IndicatorYear>& indicator_years,
                                  bool confidential) {
  IndicatorYearIndex index;
  for (const IndicatorYear& y : indicator_years) index[{y.indicator->code, y.park, y.year}] = &y;
  std::vector<std::string> places;
  for (const Park& park : catalogue.parks()) places.push_back(park.code);
  places.emplace_back(kZonePark);
  std::sort(places.begin(), places.end());
  std::vector<KpiFigure> out;
  for (const Kpi& kpi : catalogue.kpis()) {
    const size_t first = out.size();
    for (const std::string& place : places) {
      for (int year : YearsWithNumerator(kpi, place, index)) {
        out.push_back(ComputeKpiFigure(kpi, place, year, index));
      }
    }
    std::vector<KpiFigure*> of_kpi;
    for (size_t i = first; i < out.size(); ++i) of_kpi.push_back(&out[i]);
    JudgeKpiFigures(kpi, catalogue.at_risk_tolerance(), of_kpi);
  }
  for (KpiFigure& f : out) {
    if (f.withheld && !confidential) ClearKpiFigure(f);
  }
  std::sort(out.begin(), out.end(), [](const KpiFigure& a, const KpiFigure& b) {
    return std::tie(a.kpi->code, a.park, a.year) < std::tie(b.kpi->code, b.park, b.year);
  });
  return out;
}

}  // namespace

std::string_view KpiStatusName(KpiStatus status) {
  switch (status) {
    case KpiStatus::kOnTrack: return "on_track";
    case KpiStatus::kAtRisk: return "at_risk";
    case KpiStatus::kOffTrack: return "off_track";
    case KpiStatus::kNoData: return "no_data";
    case KpiStatus::kNotJudged: return "not_judged";
  }
  return "no_data";
}

std::string_view KpiStatusZh(KpiStatus status) {
  switch (status) {
    case KpiStatus::kOnTrack: return "进度正常";
    case KpiStatus::kAtRisk: return "存在风险";
    case KpiStatus::kOffTrack: return "进度滞后";
    case KpiStatus::kNoData: return "无数据";
    case KpiStatus::kNotJudged: return "未评估";
  }
  return "无数据";
}

std::string_view BaselineSourceName(BaselineSource source) {
  switch (source) {
    case BaselineSource::kNone: return "none";
    case BaselineSource::kCatalogue: return "catalogue";
    case BaselineSource::kData: return "data";
    case BaselineSource::kCumulative: return "cumulative";
  }
  return "none";
}

std::string_view NotJudgedReasonName(NotJudgedReason reason) {
  switch (reason) {
    case NotJudgedReason::kNone: return "";
    case NotJudgedReason::kNoParkTarget: return "no_park_target";
    case NotJudgedReason::kBaselinePeriod: return "baseline_period";
    case NotJudgedReason::kNoBaseline: return "no_baseline";
  }
  return "";
}

void Rollup::Add(const Cell& cell) {
  const Indicator* indicator = catalogue_.FindIndicator(cell.indicator);
  if (indicator == nullptr) return;
  // A park the catalogue no longer lists (or "zone", which is computed) cannot be labelled.
  if (catalogue_.FindPark(cell.park) == nullptr) return;
  // Validation admits only the indicator's own period kind; cells of another kind can only
  // come from before a catalogue change, and mixing kinds would count a year twice.
  if (cell.period.kind != indicator->period) return;
  // Adding the same cell twice counts it twice: the caller gives each stored cell once.
  auto& slot = cells_[{cell.indicator, cell.park}][cell.period];
  slot.first += cell.sum;
  slot.second += cell.entities;
}

void Rollup::AddEnterpriseFigure(const std::string& indicator, const std::string& park,
                                 const Period& period, Decimal value) {
  Contributions& c = contributions_[{indicator, park, period}];
  const Decimal magnitude = value < Decimal() ? Decimal() - value : value;
  c.total += magnitude;
  c.top.insert(std::upper_bound(c.top.begin(), c.top.end(), magnitude, std::greater<>()),
               magnitude);
  if (c.top.size() > catalogue_.dominance_top()) c.top.pop_back();
}

// The (n, k) rule on one cell: its n largest enterprise figures hold more than k of it.
// Compared exactly: top > k * total with k turned into a Decimal of six places.
bool Rollup::Dominated(const std::string& indicator, const std::string& park,
                       const Period& period) const {
  if (catalogue_.dominance_share() >= 1) return false;  // the rule is off
  auto it = contributions_.find({indicator, park, period});
  if (it == contributions_.end()) return true;  // figures not given: assume the worst
  Decimal top;
  for (const Decimal& d : it->second.top) top += d;
  const int64_t k_micros = static_cast<int64_t>(catalogue_.dominance_share() * 1e6 + 0.5);
  return top.micros() * 1000000 > it->second.total.micros() * k_micros;
}

RollupResult Rollup::Finish() const {
  RollupResult result;
  auto small = [this](const std::string& indicator, const std::string& park, const Period& p,
                      uint32_t entities) {
    return entities < options_.min_cell_entities || Dominated(indicator, park, p);
  };
  std::vector<IndicatorYear> park_years = ParkYears(catalogue_, cells_, small);
  const ParkOrder order = ParkOrderOf(catalogue_);
  std::map<std::pair<std::string, int>, std::vector<IndicatorYear*>> by_indicator_year;
  for (IndicatorYear& y : park_years) by_indicator_year[{y.indicator->code, y.year}].push_back(&y);
  std::set<std::pair<std::string, int>> withheld_zones;
  for (auto& [key, parks] : by_indicator_year) {
    if (SuppressSmallCells(parks, options_.min_cell_entities, order)) withheld_zones.insert(key);
  }
  result.indicator_years = ZoneYears(park_years, withheld_zones);
  for (IndicatorYear& y : park_years) result.indicator_years.push_back(std::move(y));
  std::sort(result.indicator_years.begin(), result.indicator_years.end(), IndicatorYearLess);
  result.kpi_figures = KpiFigures(catalogue_, result.indicator_years, options_.confidential);
  if (!options_.confidential) {
    for (IndicatorYear& y : result.indicator_years) {
      if (y.withheld) ClearIndicatorYear(y);
    }
  }
  return result;
}

const IndicatorYear* RollupResult::Find(const std::string& indicator, const std::string& park,
                                        int year) const {
  auto it = std::lower_bound(
      indicator_years.begin(), indicator_years.end(), std::tie(indicator, park, year),
      [](const IndicatorYear& y, const std::tuple<const std::string&, const std::string&, int>& k) {
        return std::tie(y.indicator->code, y.park, y.year) < k;
      });
  if (it == indicator_years.end() || it->indicator->code != indicator || it->park != park ||
      it->year != year) {
    return nullptr;
  }
  return &*it;
}

bool RollupResult::Publishable(const Indicator& indicator, const std::string& park,
                               int year) const {
  const IndicatorYear* y = Find(indicator.code, park, year);
  if (y == nullptr) return !indicator.enterprise_level;
  return !y->withheld;
}

}  // namespace kpihub::core
