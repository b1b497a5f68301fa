#include "kpihub/export/closing_collector.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kpihub/core/feed_completeness.h"
#include "kpihub/export/gauge_family.h"
#include "store_read.h"

namespace kpihub::exporter {
namespace {

struct ClosingFamilies {
  GaugeFamily state{"kpihub_period_state",
                    "State of a department's year: 0 open (填报中), 1 submitted (已报送待审定), "
                    "2 approved (已审定), per year from the first tracked one to the last ended."};
  GaugeFamily deadline{"kpihub_period_submission_deadline_timestamp_seconds",
                       "Moment by which the department must submit the year (end of its "
                       "submit_by day of the next year, UTC+8)."};
  GaugeFamily overdue{"kpihub_period_submission_overdue",
                      "1 when the year is still open after its submission deadline, else 0."};
};

// The codes of the KPIs whose numerator or denominator holds `indicator`.
std::vector<std::string> KpisOf(const core::Catalogue& catalogue, const std::string& indicator) {
  std::vector<std::string> out;
  for (const core::Kpi& kpi : catalogue.kpis()) {
    for (const auto* list : {&kpi.numerator, &kpi.denominator}) {
      if (std::find(list->begin(), list->end(), indicator) == list->end()) continue;
      out.push_back(kpi.code);
      break;
    }
  }
  return out;
}

void CountRestatement(const core::Catalogue& catalogue, const store::Restatement& r,
                      ClosingCollector::StoredClosing* stored) {
  const int year = core::PeriodYear(r.change.key.period);
  std::vector<std::string> kpis = KpisOf(catalogue, r.change.key.indicator);
  if (kpis.empty()) kpis.emplace_back();
  for (std::string& kpi : kpis) {
    ++stored->restatements[{r.change.department, year, std::move(kpi)}];
  }
}

void AddYear(const core::Department& d, int year, core::PeriodState state, int64_t now_s,
             ClosingFamilies& f) {
  const std::string y = std::to_string(year);
  f.state.Add({{"department", d.code}, {"department_zh", d.name_zh}, {"year", y}},
              static_cast<double>(state));
  const std::optional<int64_t> deadline = core::SubmissionDeadline(d, year);
  if (deadline) f.deadline.Add({{"department", d.code}, {"year", y}}, static_cast<double>(*deadline));
  const bool overdue = deadline && now_s > *deadline && state == core::PeriodState::kOpen;
  f.overdue.Add({{"department", d.code}, {"department_zh", d.name_zh}, {"year", y}}, overdue ? 1 : 0);
}

// A counter: restatements are never removed, so the count only grows with the store.
prometheus::MetricFamily RestatementFamily(const ClosingCollector::StoredClosing& stored) {
  prometheus::MetricFamily family;
  family.name = "kpihub_restatements_total";
  family.help =
      "Accepted restatements of approved years, per department, year and KPI affected (the "
      "restated indicator is in its numerator or denominator; kpi=\"\" when no KPI uses it). A "
      "restatement affecting two KPIs counts under each.";
  family.type = prometheus::MetricType::Counter;
  for (const auto& [key, n] : stored.restatements) {
    const auto& [department, year, kpi] = key;
    prometheus::ClientMetric m;
    m.label = {{"department", department}, {"year", std::to_string(year)}, {"kpi", kpi}};
    m.counter.value = static_cast<double>(n);
    family.metric.push_back(std::move(m));
  }
  return family;
}

}  // namespace

std::shared_ptr<const ClosingCollector::StoredClosing> ClosingCollector::Current(
    const core::LiveConfig::View& view) const {
  std::unique_ptr<store::Snapshot> snapshot = OpenScrapeSnapshot(store_, *log_, "closing scrape");
  if (snapshot == nullptr) return nullptr;
  const ScrapeKey key{snapshot->Version(), view.catalogue};
  return cache_.Get(key, [&]() -> std::shared_ptr<const StoredClosing> {
    auto stored = std::make_shared<StoredClosing>();
    kpihub::Status read = snapshot->ForEachPeriod([&](const store::PeriodRecord& p) {
      stored->states[{p.department, p.year}] = p.state;
    });
    if (read.ok()) {
      read = snapshot->ForEachRestatement(
          [&](const store::Restatement& r) { CountRestatement(*view.catalogue, r, stored.get()); });
    }
    return ScrapeReadOk(read, *log_, "closing scrape") ? stored : nullptr;
  });
}

std::vector<prometheus::MetricFamily> ClosingCollector::Collect() const {
  auto view = config_.Get();
  const core::Catalogue& catalogue = *view.catalogue;
  std::shared_ptr<const StoredClosing> stored = Current(view);
  if (stored == nullptr) return {};
  const int64_t now_ms = clock_.NowUnixMillis();
  const int first = core::ClosingFromYear(catalogue);
  const int last = core::CivilYear(now_ms) - 1;  // the last ended year
  ClosingFamilies f;
  for (const core::Department& d : catalogue.departments()) {
    if (d.approver || first <= 0) continue;
    for (int year = first; year <= last; ++year) {
      AddYear(d, year, core::StateOf(stored->states, d.code, year), now_ms / 1000, f);
    }
  }
  std::vector<prometheus::MetricFamily> out;
  for (GaugeFamily* g : {&f.state, &f.deadline, &f.overdue}) g->MoveTo(&out);
  if (!stored->restatements.empty()) out.push_back(RestatementFamily(*stored));
  return out;
}

}  // namespace kpihub::exporter
