// RuleCheck: evaluates the catalogue's validation rules ([[rule]], docs/catalogue.md) on the
// merged state and counts violations per rule, park and year. Enterprise figures go in, only
// counts come out: the result never names an enterprise. Pure; not thread-safe, build one per
// snapshot.
//
//  - entity_max: an enterprise's yearly figure of the indicator (its periods folded by the
//    indicator's aggregation) above `limit` is one violation in its park and year.
//  - entity_not_above: an enterprise's yearly indicator above factor x its yearly `bound`
//    (0 when it reported no bound that year) is one violation.
//  - park_not_above: a park's yearly indicator above factor x the park's yearly `bound`
//    (0 when absent) is one violation. Reads the rollup's park figures, withheld or not:
//    only the count leaves the daemon.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/rollup.h"

namespace kpihub::core {

// One stored enterprise figure, as the entity rules read it.
struct EntityFigure {
  std::string indicator;
  std::string park;
  std::string entity;
  Period period;
  Decimal value;
};

struct RuleCount {
  const Rule* rule = nullptr;
  std::string park;
  int year = 0;
  uint32_t checked = 0;     // enterprises (or 1 for a park) the rule was checked on
  uint32_t violations = 0;
};

class RuleCheck {
 public:
  explicit RuleCheck(const Catalogue& catalogue) : catalogue_(catalogue) {}

  // Whether the entity rules read figures of this indicator (the others need not be fed).
  bool NeedsEntityFigures(std::string_view indicator) const;
  // Figures of indicators no entity rule reads, or of another period kind, are ignored.
  void AddEntityFigure(const EntityFigure& figure);
  // One count per rule, park and year in which the rule's indicator has data, sorted by
  // (rule, park, year); zero-violation counts included, so "checked, all fine" is visible.
  std::vector<RuleCount> Finish(const RollupResult& rollup) const;

 private:
  using EntityYearKey = std::tuple<std::string, std::string, std::string, int>;  // ind, park, entity, year
  struct Folded {
    Period latest;
    Decimal value;
  };
  void CountEntityMax(const Rule& rule, std::map<std::tuple<std::string, int>, RuleCount>& out) const;
  void CountEntityTotalMax(const Rule& rule,
                           std::map<std::tuple<std::string, int>, RuleCount>& out) const;
  void CountEntityNotAbove(const Rule& rule,
                           std::map<std::tuple<std::string, int>, RuleCount>& out) const;
  void CountParkNotAbove(const Rule& rule, const RollupResult& rollup,
                         std::map<std::tuple<std::string, int>, RuleCount>& out) const;

  const Catalogue& catalogue_;
  std::map<EntityYearKey, Folded> entity_years_;
};

}  // namespace kpihub::core
