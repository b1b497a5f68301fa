#include "kpihub/export/kpi_collector.h"

#include <set>
#include <string>

#include "kpihub/core/period_state.h"
#include "kpihub/export/gauge_family.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::exporter {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

struct KpiFamilies {
  GaugeFamily info{"kpihub_kpi_info",
                   "KPI catalogue entry: Chinese and English name, unit (and the unit boards "
                   "show), policy clause, strength (binding or strive 力争), the deadline's "
                   "wording and the year due, and whether its target applies to every park."};
  GaugeFamily park_info{"kpihub_park_info", "Park catalogue entry: Chinese and English name."};
  GaugeFamily target{"kpihub_kpi_target",
                     "KPI target value in the KPI's unit, per level it judges: park=\"zone\" "
                     "for the zone's, a park's own target, or every park's for a share-type one."};
  GaugeFamily baseline{"kpihub_kpi_baseline",
                       "Value the straight line starts from at baseline_year, per level, and "
                       "its source (catalogue, data or cumulative)."};
  GaugeFamily share{"kpihub_kpi_zone_share_ratio",
                    "A park not judged against a target: its numerator as a share of the "
                    "zone's, per year."};
  GaugeFamily contribution{"kpihub_kpi_zone_contribution_ratio",
                           "A park not judged against a target: its value as a share of the "
                           "zone's target (KPIs without denominator), per year."};
  GaugeFamily value{"kpihub_kpi_value",
                    "KPI value per park (park=\"zone\" for the zone) and year, in the KPI's unit."};
  GaugeFamily progress{"kpihub_kpi_progress_ratio",
                       "KPI value as a share of its target (inverted for lower-is-better KPIs)."};
  GaugeFamily expected{"kpihub_kpi_expected_ratio",
                       "Share of the target expected by the year on the straight line from "
                       "baseline to target."};
  GaugeFamily status{"kpihub_kpi_status",
                     "KPI status per park and year: 1 for the current state "
                     "(on_track, at_risk, off_track, not_judged), 0 for the others."};
  GaugeFamily latest{"kpihub_kpi_latest",
                     "1 on the latest year with an exported value, per KPI and park: the year "
                     "whose status alerts judge."};
  GaugeFamily indicator{"kpihub_indicator_value",
                        "Indicator yearly aggregate per department, park and year, base unit."};
  GaugeFamily withheld{"kpihub_cells_withheld",
                       "Park-year figures withheld from export as small cells, per indicator."};
  GaugeFamily approved{"kpihub_kpi_approved",
                       "1 when the KPI's figures of the year rest on approved data only (正式数: "
                       "every department feeding it has approved the year, and each earlier "
                       "year a cumulative KPI sums), 0 when provisional (初步数)."};
};

// The unit a board shows a KPI in: money in 亿元, ratios in %, areas in m², counts in 个.
std::string DisplayUnit(const std::string& unit) {
  if (unit == "yuan") return "亿元";
  if (unit == "ratio") return "%";
  if (unit == "m2") return "m²";
  if (unit == "count") return "个";
  return unit;
}

void AddTargets(const core::Catalogue& catalogue, const core::Kpi& kpi, KpiFamilies& f) {
  const std::string year = std::to_string(kpi.target_year);
  f.target.Add({{"kpi", kpi.code}, {"park", std::string(core::kZonePark)}, {"target_year", year}},
               kpi.target);
  for (const core::Park& park : catalogue.parks()) {
    const core::ParkTarget* own = kpi.FindParkTarget(park.code);
    if (own == nullptr && !kpi.every_park) continue;
    f.target.Add({{"kpi", kpi.code}, {"park", park.code}, {"target_year", year}},
                 own != nullptr ? own->target : kpi.target);
  }
}

void AddKpiCatalogue(const core::Catalogue& catalogue, KpiFamilies& f) {
  for (const core::Kpi& kpi : catalogue.kpis()) {
    f.info.Add({{"kpi", kpi.code},
                {"name_zh", kpi.name_zh},
                {"name_en", kpi.name_en},
                {"unit", kpi.unit},
                {"unit_zh", DisplayUnit(kpi.unit)},
                {"clause", kpi.clause},
                {"direction", kpi.direction == core::Direction::kUp ? "up" : "down"},
                {"strength", std::string(core::StrengthName(kpi.strength))},
                {"deadline_zh", core::DeadlineZh(kpi.target_year, kpi.deadline)},
                {"due_year", std::to_string(kpi.due_year())},
                {"park_scope", kpi.every_park ? "every_park" : "zone"}},
               1);
    AddTargets(catalogue, kpi, f);
  }
  for (const core::Park& park : catalogue.parks()) {
    f.park_info.Add({{"park", park.code}, {"name_zh", park.name_zh}, {"name_en", park.name_en}}, 1);
  }
  f.park_info.Add({{"park", std::string(core::kZonePark)}, {"name_zh", "全区"}, {"name_en", "Whole zone"}}, 1);
}

// One baseline series per KPI and level: figures come sorted by (kpi, park, year).
void AddBaselines(const std::vector<core::KpiFigure>& figures, KpiFamilies& f) {
  const core::KpiFigure* last = nullptr;
  for (const core::KpiFigure& k : figures) {
    if (!k.baseline) continue;
    if (last != nullptr && last->kpi == k.kpi && last->park == k.park) continue;
    last = &k;
    f.baseline.Add({{"kpi", k.kpi->code},
                    {"park", k.park},
                    {"source", std::string(core::BaselineSourceName(k.baseline_source))}},
                   *k.baseline);
  }
}

void AddKpiFigure(const core::KpiFigure& k, KpiFamilies& f) {
  if (k.withheld || !k.has_value) return;
  Labels labels = {{"kpi", k.kpi->code}, {"park", k.park}, {"period", std::to_string(k.year)}};
  f.value.Add(labels, k.value);
  if (k.target) f.progress.Add(labels, k.progress);
  if (core::IsJudged(k.status)) f.expected.Add(labels, k.expected);
  if (k.share_of_zone) f.share.Add(labels, *k.share_of_zone);
  if (k.contribution) f.contribution.Add(labels, *k.contribution);
  for (auto s : {core::KpiStatus::kOnTrack, core::KpiStatus::kAtRisk, core::KpiStatus::kOffTrack,
                 core::KpiStatus::kNotJudged}) {
    Labels with_status = labels;
    with_status.push_back({"status", std::string(core::KpiStatusName(s))});
    f.status.Add(std::move(with_status), k.status == s ? 1 : 0);
  }
}

// Figures come sorted by (kpi, park, year): the last exported one of each run is the latest.
void AddLatest(const std::vector<core::KpiFigure>& figures, KpiFamilies& f) {
  const core::KpiFigure* latest = nullptr;
  auto flush = [&] {
    if (latest == nullptr) return;
    f.latest.Add({{"kpi", latest->kpi->code},
                  {"park", latest->park},
                  {"period", std::to_string(latest->year)}},
                 1);
    latest = nullptr;
  };
  for (const core::KpiFigure& k : figures) {
    if (latest != nullptr && (latest->kpi != k.kpi || latest->park != k.park)) flush();
    if (!k.withheld && k.has_value) latest = &k;
  }
  flush();
}

void AddIndicators(const core::RollupResult& result, KpiFamilies& f) {
  std::map<std::string, int> withheld;
  for (const core::IndicatorYear& y : result.indicator_years) {
    if (y.withheld) {
      withheld[y.indicator->code]++;
      continue;
    }
    f.indicator.Add({{"indicator", y.indicator->code},
                     {"department", y.indicator->department},
                     {"park", y.park},
                     {"period", std::to_string(y.year)}},
                    y.value.ToDouble());
  }
  for (const auto& [code, n] : withheld) f.withheld.Add({{"indicator", code}}, n);
}

// For each year a KPI has an exported figure (of any level): whether it is approved data.
void AddBasis(const core::Catalogue& catalogue, const std::vector<core::KpiFigure>& figures,
              const core::PeriodStates& states, KpiFamilies& f) {
  std::set<std::pair<const core::Kpi*, int>> years;
  for (const core::KpiFigure& k : figures) {
    if (!k.withheld && k.has_value) years.insert({k.kpi, k.year});
  }
  for (const auto& [kpi, year] : years) {
    f.approved.Add({{"kpi", kpi->code}, {"year", std::to_string(year)}},
                   core::RestsOnApprovedData(catalogue, *kpi, year, states) ? 1 : 0);
  }
}

}  // namespace

std::shared_ptr<const RenderedFamilies> KpiCollector::Compute(
    std::unique_ptr<store::Snapshot> snapshot, const core::Catalogue& catalogue) const {
  core::Rollup rollup(catalogue, options());
  kpihub::Status read = store::FeedRollup(*snapshot, &rollup);
  core::PeriodStates states;
  if (read.ok()) {
    read = snapshot->ForEachPeriod(
        [&](const store::PeriodRecord& p) { states[{p.department, p.year}] = p.state; });
  }
  snapshot.reset();  // the read transaction ends before the (longer) rollup
  if (!ReadOk(read)) return nullptr;
  core::RollupResult result = rollup.Finish();
  KpiFamilies f;
  AddKpiCatalogue(catalogue, f);
  for (const core::KpiFigure& k : result.kpi_figures) AddKpiFigure(k, f);
  AddLatest(result.kpi_figures, f);
  AddBaselines(result.kpi_figures, f);
  AddIndicators(result, f);
  AddBasis(catalogue, result.kpi_figures, states, f);
  std::vector<prometheus::MetricFamily> out;
  for (GaugeFamily* g : {&f.info, &f.park_info, &f.target, &f.baseline, &f.value, &f.progress,
                         &f.expected, &f.status, &f.share, &f.contribution, &f.latest,
                         &f.indicator, &f.withheld, &f.approved}) {
    g->MoveTo(&out);
  }
  return Render(std::move(out));
}

}  // namespace kpihub::exporter
