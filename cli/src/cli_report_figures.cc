#include "cli_report_figures.h"

#include <algorithm>
#include <set>

#include "cli_closing.h"
#include "cli_format.h"
#include "kpihub/core/feed_completeness.h"
#include "kpihub/core/rule_check.h"
#include "kpihub/store/history_fold.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::cli {
namespace {

// What one pass over the value history yields as of the moment.
struct HistoryAsOf {
  explicit HistoryAsOf(int64_t as_of_ms) : fold(as_of_ms) {}
  store::HistoryFold fold;
  std::map<core::FigureKey, core::Decimal> entity_figures;  // of the entity rules' indicators
};

Status ReadHistory(store::Snapshot& snapshot, int64_t as_of_ms, const core::RuleCheck& check,
                   HistoryAsOf* out) {
  return snapshot.ForEachHistory(core::FigureKey{}, [&](const store::HistoryEntry& h) {
    out->fold.Add(h);
    if (h.unix_ms > as_of_ms) return;
    if (!h.key.entity.empty() && check.NeedsEntityFigures(h.key.indicator)) {
      out->entity_figures[h.key] = h.new_value;
    }
  });
}

// The latest batch received by the moment, and each department's latest.
Status ReadJournal(store::Snapshot& snapshot, int64_t as_of_ms, uint64_t* journal_id,
                   std::map<std::string, int64_t>* last_ms) {
  return snapshot.ForEachJournal([&](const store::JournalEntry& j) {
    if (j.received_unix_ms > as_of_ms) return;
    *journal_id = std::max(*journal_id, j.journal_id);
    int64_t& t = (*last_ms)[j.department];
    t = std::max(t, j.received_unix_ms);
  });
}

void AddKpis(const core::Catalogue& catalogue, const core::RollupResult& result, int year,
             ReportFigures* out) {
  for (const core::Kpi& kpi : catalogue.kpis()) {
    ReportKpi r{&kpi, {}, {}, {}};
    r.zone.kpi = &kpi;
    r.zone.park = std::string(core::kZonePark);
    r.zone.year = year;
    for (const core::KpiFigure& k : result.kpi_figures) {
      if (k.kpi->code != kpi.code) continue;
      if (k.park == core::kZonePark) {
        if (k.year == year) r.zone = k;
        if (k.year > kpi.baseline_year && k.year <= year) r.trend.push_back(k);
      }
    }
    for (const core::Park& park : catalogue.parks()) {
      core::KpiFigure f;
      f.kpi = &kpi;
      f.park = park.code;
      f.year = year;
      for (const core::KpiFigure& k : result.kpi_figures) {
        if (k.kpi->code == kpi.code && k.park == park.code && k.year == year) f = k;
      }
      r.parks.push_back(f);
    }
    out->kpis.push_back(std::move(r));
  }
}

void AddFeeds(const core::Catalogue& catalogue, const std::vector<core::Cell>& cells,
              const std::map<std::string, int64_t>& last_ms, ReportFigures* out) {
  core::FeedCompleteness completeness(catalogue);
  for (const core::Cell& c : cells) completeness.Add(c);
  const auto counts = completeness.Finish(out->as_of_ms);
  for (const core::Department& d : catalogue.departments()) {
    ReportFeed feed{&d, 0, 0, 0};
    if (auto it = last_ms.find(d.code); it != last_ms.end()) feed.last_accepted_ms = it->second;
    for (const core::DepartmentCompleteness& c : counts) {
      if (c.department->code == d.code && c.year == out->year) {
        feed.expected = c.expected;
        feed.received = c.received;
      }
    }
    out->feeds.push_back(feed);
  }
}

void AddRules(const core::Catalogue& catalogue, const HistoryAsOf& history, uint32_t min_cell,
              ReportFigures* out) {
  // Park rules read park figures before suppression; only zone-wide counts leave.
  core::Rollup unsuppressed(catalogue, core::RollupOptions{min_cell, /*confidential=*/true});
  history.fold.FeedRollup(&unsuppressed);
  core::RuleCheck check(catalogue);
  for (const auto& [key, value] : history.entity_figures) {
    if (auto period = core::Period::Parse(key.period)) {
      check.AddEntityFigure({key.indicator, key.park, key.entity, *period, value});
    }
  }
  std::map<std::pair<std::string, int>, ReportRuleCount> totals;
  for (const core::RuleCount& c : check.Finish(unsuppressed.Finish())) {
    if (c.year > out->year) continue;
    ReportRuleCount& t = totals[{c.rule->code, c.year}];
    t.rule = c.rule;
    t.year = c.year;
    t.violations += c.violations;
    t.checked += c.checked;
  }
  for (const core::Rule& rule : catalogue.rules()) {
    for (const auto& [key, count] : totals) {
      if (key.first == rule.code) out->rules.push_back(count);
    }
  }
}

std::string Number(const std::optional<double>& v) { return v ? ShortestNumber(*v) : "-"; }

std::string KpiLine(const char* what, const core::KpiFigure& k, const ReportFigures& f,
                    int version) {
  const bool show = k.has_value && !k.withheld;
  return std::string(what) + " " + k.kpi->code + " " + k.park + " " + std::to_string(k.year) +
         " value=" + (k.withheld ? "withheld" : show ? ShortestNumber(k.value) : "-") +
         " target=" + Number(LevelTarget(k)) + " expected=" + Number(ExpectedValue(k)) +
         " status=" + std::string(ReportStatusName(k)) +
         (version >= 2 ? " basis=" + std::string(core::BasisName(f.Approved(k))) : "") + "\n";
}

// The basis of every KPI figure the report shows: its year and the trend's years.
void AddBasis(const core::Catalogue& catalogue, const core::PeriodStates& states,
              ReportFigures* out) {
  for (const ReportKpi& r : out->kpis) {
    std::set<int> years{out->year};
    for (const core::KpiFigure& t : r.trend) years.insert(t.year);
    for (int y : years) {
      out->approved[{r.kpi->code, y}] = core::RestsOnApprovedData(catalogue, *r.kpi, y, states);
    }
  }
}

}  // namespace

bool ReportFigures::Approved(const core::KpiFigure& k) const {
  auto it = approved.find({k.kpi->code, k.year});
  return it != approved.end() && it->second;
}

int ReportFigures::VersionOf(const std::string& canonical_text) {
  return canonical_text.rfind("kpihub report figures v1\n", 0) == 0 ? 1 : kVersion;
}

std::string ReportFigures::CanonicalText(int version) const {
  std::string out = "kpihub report figures v" + std::to_string(version) + "\nyear " +
                    std::to_string(year) + "\n";
  for (const ReportKpi& r : kpis) {
    out += KpiLine("kpi", r.zone, *this, version);
    for (const core::KpiFigure& p : r.parks) out += KpiLine("kpi", p, *this, version);
    for (const core::KpiFigure& t : r.trend) out += KpiLine("trend", t, *this, version);
  }
  for (const ReportRuleCount& c : rules) {
    out += "rule " + c.rule->code + " " + std::to_string(c.year) +
           " violations=" + std::to_string(c.violations) + "\n";
  }
  for (const ReportMilestone& m : milestones) {
    out += "milestone " + m.code + " " + m.park + " achieved_in=" +
           (m.achieved_in.empty() ? "-" : m.achieved_in) + "\n";
  }
  return out;
}

Status BuildReportFigures(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                          uint32_t min_cell, int year, int64_t as_of_ms, ReportFigures* out) {
  *out = ReportFigures{};
  out->year = year;
  out->as_of_ms = as_of_ms;
  core::RuleCheck check(catalogue);
  HistoryAsOf history(as_of_ms);
  Status status = ReadHistory(snapshot, as_of_ms, check, &history);
  std::map<std::string, int64_t> last_ms;
  if (status.ok()) status = ReadJournal(snapshot, as_of_ms, &out->journal_id, &last_ms);
  if (!status.ok()) return status;
  out->changes_used = history.fold.changes_used();
  if (out->changes_used == 0) return Status::NotFound("no figure had been received by then");
  core::Rollup rollup(catalogue, core::RollupOptions{min_cell});
  history.fold.FeedRollup(&rollup);
  AddKpis(catalogue, rollup.Finish(), year, out);
  core::PeriodStates states;  // as they stood at the moment, from the period log
  status = ReadPeriodStates(snapshot, as_of_ms, &states);
  if (!status.ok()) return status;
  AddBasis(catalogue, states, out);
  AddFeeds(catalogue, history.fold.Cells(), last_ms, out);
  AddRules(catalogue, history, min_cell, out);
  std::vector<core::MilestoneFact> milestones;
  status = store::ReadMilestoneFactsAsOf(snapshot, catalogue, as_of_ms, &milestones);
  if (!status.ok()) return status;
  out->milestones = EvaluateReportMilestones(catalogue, milestones, as_of_ms);
  return Status::Ok();
}

}  // namespace kpihub::cli
