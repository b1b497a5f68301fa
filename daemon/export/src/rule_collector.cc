#include "kpihub/export/rule_collector.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kpihub/core/rule_check.h"
#include "kpihub/export/gauge_family.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::exporter {
namespace {

// Entity rules count the enterprises that reported the checked indicator; a bound indicator
// only matters for those enterprise-years. So the checked indicators' ranges of the
// observation table are scanned, and a bound that no rule checks itself is looked up figure
// by figure for the (park, entity, year)s seen, instead of scanning (and holding) all of it.
struct RuleIndicators {
  std::set<std::string> checked;
  std::set<std::string> bound_only;
};

RuleIndicators IndicatorsOfEntityRules(const core::Catalogue& catalogue) {
  RuleIndicators out;
  for (const core::Rule& r : catalogue.rules()) {
    if (r.kind != core::RuleKind::kParkNotAbove) out.checked.insert(r.indicator);
  }
  for (const core::Rule& r : catalogue.rules()) {
    if (r.kind == core::RuleKind::kEntityNotAbove && !out.checked.count(r.bound)) {
      out.bound_only.insert(r.bound);
    }
  }
  return out;
}

// The periods of `kind` in `year`, as stored (canonical text).
std::vector<std::string> PeriodTexts(core::PeriodKind kind, int year) {
  const int subs = kind == core::PeriodKind::kYear ? 0 : kind == core::PeriodKind::kQuarter ? 4 : 12;
  std::vector<std::string> out;
  if (subs == 0) out.push_back(core::Period{kind, year, 0}.ToString());
  for (int sub = 1; sub <= subs; ++sub) out.push_back(core::Period{kind, year, sub}.ToString());
  return out;
}

using EntityYear = std::tuple<std::string, std::string, int>;  // park, entity, year

kpihub::Status AddBound(store::Snapshot& snapshot, const core::Indicator& bound,
                       const std::set<EntityYear>& seen, core::RuleCheck& check) {
  for (const auto& [park, entity, year] : seen) {
    for (const std::string& period : PeriodTexts(bound.period, year)) {
      store::StoredObservation o;
      kpihub::Status s = snapshot.GetObservation({bound.code, park, period, entity}, &o);
      if (s.code() == kpihub::Status::Code::kNotFound) continue;
      if (!s.ok()) return s;
      check.AddEntityFigure({bound.code, park, entity, *core::Period::Parse(period), o.value});
    }
  }
  return kpihub::Status::Ok();
}

kpihub::Status ReadState(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                        core::Rollup& rollup, core::RuleCheck& check) {
  // Cells and enterprise figures alike, so that the rollup withholds what every output does.
  kpihub::Status status = store::FeedRollup(snapshot, &rollup);
  const RuleIndicators indicators = IndicatorsOfEntityRules(catalogue);
  std::set<EntityYear> seen;
  for (const std::string& indicator : indicators.checked) {
    if (!status.ok()) return status;
    status = snapshot.ForEachObservationOf(indicator, [&](const store::StoredObservation& o) {
      std::optional<core::Period> period = core::Period::Parse(o.key.period);
      if (!period) return;
      check.AddEntityFigure({o.key.indicator, o.key.park, o.key.entity, *period, o.value});
      if (!indicators.bound_only.empty() && !o.key.entity.empty()) {
        seen.emplace(o.key.park, o.key.entity, period->year);
      }
    });
  }
  for (const std::string& code : indicators.bound_only) {
    if (!status.ok()) return status;
    const core::Indicator* bound = catalogue.FindIndicator(code);
    if (bound != nullptr) status = AddBound(snapshot, *bound, seen, check);
  }
  return status;
}

// A rule's count for a park-year says something about the figures it checked: it is
// published only where those figures are (the rule's indicator and its bound), as decided by
// the rollup for every output.
bool Publishable(const core::Catalogue& catalogue, const core::RollupResult& rollup,
                 const core::RuleCount& c) {
  for (const std::string* code : {&c.rule->indicator, &c.rule->bound}) {
    if (code->empty()) continue;
    const core::Indicator* indicator = catalogue.FindIndicator(*code);
    if (indicator == nullptr || !rollup.Publishable(*indicator, c.park, c.year)) return false;
  }
  return true;
}

std::vector<prometheus::MetricFamily> Families(const core::Catalogue& catalogue,
                                               const core::RollupResult& rollup,
                                               const std::vector<core::RuleCount>& counts) {
  GaugeFamily info{"kpihub_rule_info",
                   "Validation rule of the catalogue: names, policy clause and kind."};
  GaugeFamily violations{"kpihub_rule_violations",
                         "Violations of a validation rule per park and year: enterprises for "
                         "per-enterprise rules, 0 or 1 for per-park rules."};
  for (const core::Rule& r : catalogue.rules()) {
    info.Add({{"rule", r.code},
              {"name_zh", r.name_zh},
              {"name_en", r.name_en},
              {"clause", r.clause},
              {"kind", std::string(core::RuleKindName(r.kind))}},
             1);
  }
  // Withheld park-years are pooled per rule and year under park="withheld" (complementary
  // suppression makes them at least two parks), so a sum over parks is still the zone's.
  std::map<std::pair<std::string, int>, uint32_t> pooled;
  for (const core::RuleCount& c : counts) {
    if (!Publishable(catalogue, rollup, c)) {
      pooled[{c.rule->code, c.year}] += c.violations;
      continue;
    }
    violations.Add({{"rule", c.rule->code}, {"park", c.park}, {"period", std::to_string(c.year)}},
                   c.violations);
  }
  for (const auto& [rule_year, n] : pooled) {
    violations.Add({{"rule", rule_year.first}, {"park", "withheld"},
                    {"period", std::to_string(rule_year.second)}}, n);
  }
  std::vector<prometheus::MetricFamily> out;
  info.MoveTo(&out);
  violations.MoveTo(&out);
  return out;
}

}  // namespace

std::shared_ptr<const RenderedFamilies> RuleCollector::Compute(
    std::unique_ptr<store::Snapshot> snapshot, const core::Catalogue& catalogue) const {
  if (catalogue.rules().empty()) return Render({});
  // Park rules read park-year figures before small-cell suppression (the rollup keeps the
  // withheld ones, flagged); only counts of publishable park-years leave.
  core::RollupOptions unsuppressed = options();
  unsuppressed.confidential = true;
  core::Rollup rollup(catalogue, unsuppressed);
  core::RuleCheck check(catalogue);
  kpihub::Status read = ReadState(*snapshot, catalogue, rollup, check);
  snapshot.reset();
  if (!ReadOk(read)) return nullptr;
  const core::RollupResult result = rollup.Finish();
  return Render(Families(catalogue, result, check.Finish(result)));
}

}  // namespace kpihub::exporter
