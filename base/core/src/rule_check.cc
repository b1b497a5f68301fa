#include "kpihub/core/rule_check.h"

#include <algorithm>

namespace kpihub::core {
namespace {

using CountMap = std::map<std::tuple<std::string, int>, RuleCount>;

RuleCount& CountFor(CountMap& out, const Rule& rule, const std::string& park, int year) {
  RuleCount& c = out[{park, year}];
  c.rule = &rule;
  c.park = park;
  c.year = year;
  return c;
}

// Exact comparison of value > factor x bound, in doubles only when the factor is not 1.
bool Exceeds(Decimal value, double factor, Decimal bound) {
  if (factor == 1.0) return value > bound;
  return value.ToDouble() > factor * bound.ToDouble();
}

}  // namespace

bool RuleCheck::NeedsEntityFigures(std::string_view indicator) const {
  for (const Rule& r : catalogue_.rules()) {
    if (r.kind == RuleKind::kParkNotAbove) continue;
    if (r.indicator == indicator || r.bound == indicator) return true;
  }
  return false;
}

void RuleCheck::AddEntityFigure(const EntityFigure& f) {
  const Indicator* indicator = catalogue_.FindIndicator(f.indicator);
  if (indicator == nullptr || f.period.kind != indicator->period || f.entity.empty()) return;
  if (!NeedsEntityFigures(f.indicator)) return;
  auto [it, fresh] = entity_years_.try_emplace({f.indicator, f.park, f.entity, f.period.year},
                                               Folded{f.period, f.value});
  if (fresh) return;
  Folded& folded = it->second;
  if (indicator->aggregation == Aggregation::kSum) {
    folded.value += f.value;
  } else if (f.period > folded.latest) {  // a stock: the latest period of the year wins
    folded = Folded{f.period, f.value};
  }
}

void RuleCheck::CountEntityMax(const Rule& rule, CountMap& out) const {
  for (const auto& [key, folded] : entity_years_) {
    const auto& [indicator, park, entity, year] = key;
    if (indicator != rule.indicator) continue;
    RuleCount& c = CountFor(out, rule, park, year);
    c.checked++;
    if (folded.value > rule.limit) c.violations++;
  }
}

// An enterprise's running total over the window, year by year whatever park it reported in;
// it counts once, in the park and year in which the total first goes over the limit.
void RuleCheck::CountEntityTotalMax(const Rule& rule, CountMap& out) const {
  std::map<std::string, std::map<int, std::vector<std::pair<std::string, Decimal>>>> by_entity;
  for (const auto& [key, folded] : entity_years_) {
    const auto& [indicator, park, entity, year] = key;
    if (indicator != rule.indicator || year < rule.from_year || year > rule.to_year) continue;
    by_entity[entity][year].emplace_back(park, folded.value);
  }
  for (const auto& [entity, years] : by_entity) {
    Decimal total;
    bool counted = false;
    for (const auto& [year, parks] : years) {
      for (const auto& [park, value] : parks) {
        total += value;
        RuleCount& c = CountFor(out, rule, park, year);
        c.checked++;
        if (!counted && total > rule.limit) {
          c.violations++;
          counted = true;
        }
      }
    }
  }
}

void RuleCheck::CountEntityNotAbove(const Rule& rule, CountMap& out) const {
  for (const auto& [key, folded] : entity_years_) {
    const auto& [indicator, park, entity, year] = key;
    if (indicator != rule.indicator) continue;
    auto bound = entity_years_.find({rule.bound, park, entity, year});
    Decimal limit = bound == entity_years_.end() ? Decimal() : bound->second.value;
    RuleCount& c = CountFor(out, rule, park, year);
    c.checked++;
    if (Exceeds(folded.value, rule.factor, limit)) c.violations++;
  }
}

void RuleCheck::CountParkNotAbove(const Rule& rule, const RollupResult& rollup,
                                  CountMap& out) const {
  std::map<std::tuple<std::string, int>, Decimal> bounds;
  for (const IndicatorYear& y : rollup.indicator_years) {
    if (y.indicator->code == rule.bound && y.park != kZonePark) bounds[{y.park, y.year}] = y.value;
  }
  for (const IndicatorYear& y : rollup.indicator_years) {
    if (y.indicator->code != rule.indicator || y.park == kZonePark) continue;
    auto bound = bounds.find({y.park, y.year});
    Decimal limit = bound == bounds.end() ? Decimal() : bound->second;
    RuleCount& c = CountFor(out, rule, y.park, y.year);
    c.checked = 1;
    c.violations = Exceeds(y.value, rule.factor, limit) ? 1 : 0;
  }
}

std::vector<RuleCount> RuleCheck::Finish(const RollupResult& rollup) const {
  std::vector<RuleCount> result;
  for (const Rule& rule : catalogue_.rules()) {
    CountMap counts;  // (park, year) -> count, sorted
    switch (rule.kind) {
      case RuleKind::kEntityMax: CountEntityMax(rule, counts); break;
      case RuleKind::kEntityTotalMax: CountEntityTotalMax(rule, counts); break;
      case RuleKind::kEntityNotAbove: CountEntityNotAbove(rule, counts); break;
      case RuleKind::kParkNotAbove: CountParkNotAbove(rule, rollup, counts); break;
    }
    for (auto& [key, count] : counts) result.push_back(std::move(count));
  }
  std::sort(result.begin(), result.end(), [](const RuleCount& a, const RuleCount& b) {
    return std::tie(a.rule->code, a.park, a.year) < std::tie(b.rule->code, b.park, b.year);
  });
  return result;
}

}  // namespace kpihub::core
