#include "kpihub/export/rule_collector.h"

#include "kpihub/core/rule_check.h"
#include "kpihub/export/gauge_family.h"

namespace kpihub::exporter {

std::vector<prometheus::MetricFamily> RuleCollector::Collect() const {
  auto view = config_.Get();
  const core::Catalogue& catalogue = *view.catalogue;
  if (catalogue.rules().empty()) return {};
  // Park rules read park-year figures before small-cell suppression: only counts leave.
  core::Rollup rollup(catalogue, core::RollupOptions{});
  core::RuleCheck check(catalogue);
  {
    std::unique_ptr<store::Snapshot> snapshot;
    store::Status status = store_.OpenSnapshot(&snapshot);
    if (status.ok()) status = snapshot->ForEachCell([&](const core::Cell& c) { rollup.Add(c); });
    if (status.ok()) {
      status = snapshot->ForEachObservation([&](const store::StoredObservation& o) {
        if (!check.NeedsEntityFigures(o.key.indicator)) return;
        std::optional<core::Period> period = core::Period::Parse(o.key.period);
        if (!period) return;
        check.AddEntityFigure({o.key.indicator, o.key.park, o.key.entity, *period, o.value});
      });
    }
    if (!status.ok()) {
      log_->error("rule scrape could not read the store: {}", status.ToString());
      return {};
    }
  }
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
  for (const core::RuleCount& c : check.Finish(rollup.Finish())) {
    violations.Add({{"rule", c.rule->code}, {"park", c.park}, {"period", std::to_string(c.year)}},
                   c.violations);
  }
  std::vector<prometheus::MetricFamily> out;
  info.MoveTo(&out);
  violations.MoveTo(&out);
  return out;
}

}  // namespace kpihub::exporter
