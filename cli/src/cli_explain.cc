// `kpihub explain KPI PARK YEAR`: what a KPI figure is made of — its value and target, the
// indicators in its numerator and denominator with their owning departments, and the adapters
// and batches (sequence, receive time) whose figures it currently folds, with how many
// figures each. For the question "where does this number come from?" at a meeting. Never an
// enterprise id, and for a figure withheld as a small cell (core/rollup.h) neither its value
// nor its parts nor how many enterprise figures it holds, so the default answer can be
// forwarded. `--confidential` adds those under a banner, for the operator's own eyes.
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "cli_commands.h"
#include "cli_format.h"
#include "cli_names.h"
#include "state_access.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::cli {
namespace {

constexpr char kExplainHelp[] =
    "which indicators, departments, adapters and batches a KPI figure is made of";

struct ExplainArgs {
  StateLocation where;
  std::string kpi, park;
  int year = 0;
  bool confidential = false;
};

struct Source {  // one batch's figures that the KPI folds
  size_t figures = 0;
  int64_t received_unix_ms = 0;
};

struct IndicatorSources {
  std::map<std::pair<std::string, uint64_t>, Source> batches;  // (adapter, sequence)
  size_t enterprise_figures = 0, park_figures = 0;
};

// The periods a KPI-year folds, per (indicator, park): all of years [from, year], and for a
// `last` indicator only the latest period with data in each year.
class PeriodScope {
 public:
  PeriodScope(const core::Kpi& kpi, int year) : from_(kpi.cumulative_from.value_or(year)), to_(year) {}
  void NoteCell(const core::Indicator& ind, const core::Cell& c) {
    if (ind.aggregation != core::Aggregation::kLast || !InYears(c.period)) return;
    auto& latest = latest_[{c.indicator, c.park, c.period.year}];
    latest = std::max(latest, c.period);
  }
  bool Includes(const core::Indicator& ind, const std::string& park, const core::Period& p) const {
    if (!InYears(p)) return false;
    if (ind.aggregation != core::Aggregation::kLast) return true;
    auto it = latest_.find({ind.code, park, p.year});
    return it != latest_.end() && it->second == p;
  }

 private:
  bool InYears(const core::Period& p) const { return p.year >= from_ && p.year <= to_; }
  int from_, to_;
  std::map<std::tuple<std::string, std::string, int>, core::Period> latest_;
};

// What judged the figure: the target of its level and the line it was compared with.
void PrintJudgement(const core::Kpi& kpi, const core::KpiFigure& k) {
  if (!k.target) {
    std::printf("  target: none for this park (the zone's is %.17g %s); %s of the zone\n",
                kpi.target, core::DeadlineZh(kpi.target_year, kpi.deadline).c_str(),
                k.share_of_zone ? (ShortestNumber(*k.share_of_zone * 100) + " %").c_str() : "-");
    return;
  }
  std::printf("  target: %.17g %s (%s, year due %d)\n", *k.target,
              core::DeadlineZh(kpi.target_year, kpi.deadline).c_str(),
              std::string(core::StrengthZh(kpi.strength)).c_str(), kpi.due_year());
  if (k.baseline) {
    std::printf("  baseline: %.17g in %d (%s); expected this year %.17g\n", *k.baseline,
                kpi.baseline_year, std::string(core::BaselineSourceName(k.baseline_source)).c_str(),
                k.expected_value);
  } else {
    std::printf("  baseline: none for %d, so only the year due is judged\n", kpi.baseline_year);
  }
}

// Whether the figure explained is withheld; prints its value, or "withheld" and, only when
// confidential, the hidden value and its parts.
bool PrintFigure(const core::Kpi& kpi, const core::RollupResult& result, const ExplainArgs& a) {
  std::printf("%s %s [%s]  park %s, %d\n", kpi.code.c_str(), kpi.name_zh.c_str(),
              kpi.clause.c_str(), a.park.c_str(), a.year);
  for (const auto& k : result.kpi_figures) {
    if (k.kpi->code != kpi.code || k.park != a.park || k.year != a.year) continue;
    if (k.withheld) std::printf("  value: withheld (small cell) 不予公开\n");
    if (k.withheld && !a.confidential) return true;
    if (k.has_value) {
      std::printf("  %s: %.17g %s, status %s %s%s%s\n",
                  k.withheld ? "withheld value (confidential)" : "value", k.value, kpi.unit.c_str(),
                  std::string(core::KpiStatusName(k.status)).c_str(),
                  std::string(core::KpiStatusZh(k.status)).c_str(),
                  k.not_judged == core::NotJudgedReason::kNone ? "" : ", ",
                  std::string(core::NotJudgedReasonName(k.not_judged)).c_str());
      PrintJudgement(kpi, k);
    }
    std::printf("  = %g x numerator %s%s%s\n", kpi.scale, k.numerator.ToString().c_str(),
                kpi.denominator.empty() ? "" : " / denominator ",
                kpi.denominator.empty() ? "" : k.denominator.ToString().c_str());
    return k.withheld;
  }
  std::printf("  value: no data\n");
  return false;
}

// `counts`: how many figures each source holds; left out for a withheld figure, whose
// enterprise count is as confidential as its value.
void PrintSources(const core::Catalogue& catalogue, const std::string& role,
                  const std::vector<std::string>& codes,
                  const std::map<std::string, IndicatorSources>& sources, const CivilTime& time,
                  bool counts) {
  for (const std::string& code : codes) {
    const core::Indicator* ind = catalogue.FindIndicator(code);
    if (ind == nullptr) continue;
    auto it = sources.find(code);
    const IndicatorSources empty;
    const IndicatorSources& s = it == sources.end() ? empty : it->second;
    std::printf("\n  %s %s %s (%s), department %s, %s over time", role.c_str(),
                ind->code.c_str(), ind->name_zh.c_str(), ind->unit.c_str(),
                ind->department.c_str(),
                ind->aggregation == core::Aggregation::kSum ? "summed" : "latest period");
    if (counts) {
      std::printf(": %zu enterprise figures, %zu park-level figures", s.enterprise_figures,
                  s.park_figures);
    }
    std::printf("\n");
    for (const auto& [batch, source] : s.batches) {
      std::printf("    adapter %-16s seq %-8llu received %s", batch.first.c_str(),
                  static_cast<unsigned long long>(batch.second),
                  time.Format(source.received_unix_ms).c_str());
      if (counts) std::printf("  %zu figures", source.figures);
      std::printf("\n");
    }
  }
}

int RunExplain(ExplainArgs args) {
  auto opened = OpenStateReadOnly(args.where);
  if (!opened) return 1;
  const core::Catalogue& catalogue = *opened->catalogue;
  auto kpi_code = ResolveKpi(catalogue, args.kpi);
  auto park = ResolvePark(catalogue, args.park, /*allow_all=*/false);
  if (!kpi_code.ok() || !park.ok()) {
    std::fprintf(stderr, "kpihub explain: %s\n",
                 (kpi_code.ok() ? park.status() : kpi_code.status()).message().c_str());
    return 1;
  }
  args.park = *park;
  const core::Kpi* kpi = catalogue.FindKpi(*kpi_code);
  std::set<std::string> codes(kpi->numerator.begin(), kpi->numerator.end());
  codes.insert(kpi->denominator.begin(), kpi->denominator.end());
  core::Rollup rollup(catalogue,
                      core::RollupOptions{opened->config.min_cell_entities, args.confidential});
  PeriodScope scope(*kpi, args.year);
  std::map<std::string, IndicatorSources> sources;
  std::unique_ptr<store::Snapshot> snapshot;
  kpihub::Status status = opened->store->OpenSnapshot(&snapshot);
  if (status.ok()) {
    status = store::FeedRollup(*snapshot, &rollup);
  }
  if (status.ok()) {
    status = snapshot->ForEachCell([&](const core::Cell& c) {
      const core::Indicator* ind = catalogue.FindIndicator(c.indicator);
      if (ind && codes.count(c.indicator)) scope.NoteCell(*ind, c);
    });
  }
  if (status.ok()) {
    status = snapshot->ForEachObservation([&](const store::StoredObservation& o) {
      const core::Indicator* ind = catalogue.FindIndicator(o.key.indicator);
      auto period = core::Period::Parse(o.key.period);
      if (!ind || !period || !codes.count(o.key.indicator)) return;
      if (args.park != core::kZonePark && o.key.park != args.park) return;
      if (!scope.Includes(*ind, o.key.park, *period)) return;
      IndicatorSources& s = sources[o.key.indicator];
      (o.key.entity.empty() ? s.park_figures : s.enterprise_figures)++;
      Source& batch = s.batches[{o.adapter, o.sequence}];
      ++batch.figures;
      batch.received_unix_ms = o.unix_ms;
    });
  }
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub explain: %s\n", status.ToString().c_str());
    return 1;
  }
  if (args.confidential) std::printf("%s\n", kConfidentialBanner);
  const bool counts = !PrintFigure(*kpi, rollup.Finish(), args) || args.confidential;
  PrintSources(catalogue, "numerator", kpi->numerator, sources, opened->time, counts);
  PrintSources(catalogue, "denominator", kpi->denominator, sources, opened->time, counts);
  std::printf("\n  (earlier values of these figures: kpihub history --indicator CODE --park PARK)\n");
  return 0;
}

}  // namespace

CommandRunner AddExplainCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<ExplainArgs>(app, "explain", kExplainHelp);
  cmd->add_option("kpi", args->kpi, "KPI code, e.g. industrial_output")->required();
  cmd->add_option("park", args->park, "park code or 'zone'")->required();
  cmd->add_option("period", args->year, "year, e.g. 2020")->required();
  cmd->add_flag("--confidential", args->confidential,
                "also print a withheld figure's value, parts and enterprise counts, under a "
                "confidential banner (not for mail or tickets)");
  return [args] { return RunExplain(*args); };
}

}  // namespace kpihub::cli
