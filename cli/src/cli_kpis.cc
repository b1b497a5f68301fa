#include <cmath>
#include <cstdio>
#include <set>

#include "cli_closing.h"
#include "cli_format.h"
#include "cli_names.h"
#include "state_access.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/history_fold.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::cli {
namespace {

constexpr char kKpisHelp[] =
    "the KPI table as the leadership group reads it; each figure's basis: approved 正式数 "
    "(every feeding department's year approved) or provisional 初步数";

// Values as the leadership group reads them: 亿元 for money, % for ratios.
std::string FormatValue(double v, const std::string& unit) {
  char buf[64];
  if (unit == "yuan") {
    std::snprintf(buf, sizeof buf, "%.2f 亿元", v / 1e8);
  } else if (unit == "ratio") {
    std::snprintf(buf, sizeof buf, "%.2f %%", v * 100);
  } else if (unit == "m2") {
    std::snprintf(buf, sizeof buf, "%.0f m²", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

// The one status vocabulary (board and report say the same), with why a figure is not judged.
std::string StatusText(const core::KpiFigure& k) {
  if (k.withheld) {
    return std::string(core::kWithheldStatusName) + " " + std::string(core::kWithheldStatusZh);
  }
  std::string text = std::string(core::KpiStatusName(k.status)) + " " +
                     std::string(core::KpiStatusZh(k.status));
  switch (k.not_judged) {
    case core::NotJudgedReason::kNoParkTarget: return text + " (全区目标，园区不单独评估)";
    case core::NotJudgedReason::kBaselinePeriod: return text + " (基期)";
    case core::NotJudgedReason::kNoBaseline: return text + " (无基期数据，仅评估目标年)";
    case core::NotJudgedReason::kNone: break;
  }
  return text;
}

std::string OptionalNumber(const std::optional<double>& v) {
  return v ? ShortestNumber(*v) : std::string();
}

struct KpisArgs {
  StateLocation where;
  int year = 0;  // 0: the latest year with data
  std::string park = std::string(core::kZonePark);
  bool csv = false;
  int min_cell = -1;  // -1: from the config
  std::string as_of;  // empty: now, from the stored cells
};

// The cells now, or as they stood at `as_of` rebuilt from the value history. Refuses a
// moment before the first change was received: the table would be empty, not "as it stood".
kpihub::Status FeedRollup(store::Snapshot* snapshot, const std::optional<int64_t>& as_of,
                         const CivilTime& time, core::Rollup* rollup, std::string* provenance) {
  if (!as_of) return store::FeedRollup(*snapshot, rollup);
  kpihub::Status status;
  store::HistoryFold fold(*as_of);
  int64_t first_change_ms = 0;
  status = snapshot->ForEachHistory(core::FigureKey{}, [&](const store::HistoryEntry& h) {
    if (first_change_ms == 0 || h.unix_ms < first_change_ms) first_change_ms = h.unix_ms;
    fold.Add(h);
  });
  if (!status.ok()) return status;
  if (fold.changes_used() == 0) {
    return Status::NotFound(
        "no figure had been received by " + time.Format(*as_of) +
            (first_change_ms > 0 ? "; the first was received " + time.Format(first_change_ms)
                                 : std::string("; the store holds no figures yet")));
  }
  fold.FeedRollup(rollup);
  *provenance = "as of " + time.Format(*as_of) + ", rebuilt from " +
                std::to_string(fold.changes_used()) + " recorded changes (latest received " +
                time.Format(fold.latest_change_unix_ms()) + ")";
  return status;
}

// The year asked for, or the latest with a figure; an error naming the years that have
// figures when the one asked for has none.
Result<int> ChooseYear(const core::RollupResult& result, int asked) {
  std::set<int> years;
  for (const auto& k : result.kpi_figures) {
    if (k.has_value) years.insert(k.year);
  }
  if (years.empty()) return Status::NotFound("the store holds no KPI figure yet");
  if (asked == 0) return *years.rbegin();
  if (years.count(asked)) return asked;
  std::string list;
  for (int y : years) list += (list.empty() ? "" : ", ") + std::to_string(y);
  return Status::NotFound("no KPI figure for " + std::to_string(asked) + "; years with figures: " +
                          list);
}

// Whether a figure rests on approved data (正式数) or not (初步数); empty for no figure.
std::string Basis(const core::Catalogue& catalogue, const core::KpiFigure& k,
                  const core::PeriodStates& states, bool zh) {
  if (!k.has_value || k.withheld) return "";
  const bool approved = core::RestsOnApprovedData(catalogue, *k.kpi, k.year, states);
  return std::string(zh ? core::BasisZh(approved) : core::BasisName(approved));
}

void PrintCsvRow(const core::Kpi& kpi, const core::KpiFigure& k, const std::string& basis) {
  const bool show = k.has_value && !k.withheld;
  const std::string status =
      std::string(k.withheld ? core::kWithheldStatusName : core::KpiStatusName(k.status));
  std::printf("%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", kpi.code.c_str(),
              CsvField(kpi.name_zh).c_str(), k.park.c_str(), k.year,
              show ? ShortestNumber(k.value).c_str() : "", OptionalNumber(k.target).c_str(),
              show && k.target ? ShortestNumber(k.progress).c_str() : "",
              show && core::IsJudged(k.status) ? ShortestNumber(k.expected).c_str() : "", status.c_str(),
              std::string(core::StrengthName(kpi.strength)).c_str(),
              show ? OptionalNumber(k.share_of_zone).c_str() : "",
              show ? OptionalNumber(k.contribution).c_str() : "", basis.c_str());
}

// What stands in for progress: against the line when judged, the target when there is one,
// the park's weight in the zone otherwise.
std::string ProgressText(const core::KpiFigure& k) {
  char buf[96];
  const bool show = k.has_value && !k.withheld;
  if (show && core::IsJudged(k.status)) {
    std::snprintf(buf, sizeof buf, "progress %5.1f %% of target, expected %5.1f %%",
                  k.progress * 100, k.expected * 100);
  } else if (show && k.target) {
    std::snprintf(buf, sizeof buf, "progress %5.1f %% of target", k.progress * 100);
  } else if (show && k.share_of_zone) {
    int n = std::snprintf(buf, sizeof buf, "%.1f %% of the zone", *k.share_of_zone * 100);
    if (k.contribution && n > 0) {
      std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ", %.1f %% of its target",
                    *k.contribution * 100);
    }
  } else {
    std::snprintf(buf, sizeof buf, "progress     -");  // never 0 for a figure not shown
  }
  return buf;
}

void PrintTableRow(const core::Kpi& kpi, const core::KpiFigure& k, const std::string& basis) {
  const bool show = k.has_value && !k.withheld;
  const std::string target =
      k.target ? FormatValue(*k.target, kpi.unit) + " " + core::DeadlineZh(kpi.target_year, kpi.deadline)
               : std::string("- (zone target only)");
  std::printf("%s %s%s\n  %s value %s target %s  %s  %s%s%s  [%s]\n",
              PadRight(kpi.code, 26).c_str(), kpi.name_zh.c_str(),
              kpi.strength == core::Strength::kStrive ? " (力争 strive)" : "",
              PadRight(k.park, 12).c_str(),
              PadRight(show ? FormatValue(k.value, kpi.unit) : "-", 18).c_str(),
              PadRight(target, 28).c_str(), ProgressText(k).c_str(), StatusText(k).c_str(),
              basis.empty() ? "" : "  ", basis.c_str(), kpi.clause.c_str());
}

// --as-of, when given; false (with a message) when it is not a moment.
bool ParseAsOf(const KpisArgs& args, const CivilTime& time, std::optional<int64_t>* as_of) {
  if (args.as_of.empty()) return true;
  *as_of = time.Parse(args.as_of, CivilTime::Edge::kEnd);
  if (*as_of) return true;
  std::fprintf(stderr, "kpihub kpis: --as-of '%s': expected 2021-03-15T10:00:00+08:00, "
               "'2021-03-15 10:00' (%s), 2021-03-15 (the end of that day) or @UNIX_SECONDS\n",
               args.as_of.c_str(), time.name().c_str());
  return false;
}

int RunKpis(const KpisArgs& args) {
  auto opened = OpenStateReadOnly(args.where);
  if (!opened) return 1;
  auto park = ResolvePark(*opened->catalogue, args.park, /*allow_all=*/true);
  if (!park.ok()) {
    std::fprintf(stderr, "kpihub kpis: --park: %s\n", park.status().message().c_str());
    return 1;
  }
  uint32_t min_cell = args.min_cell >= 0 ? static_cast<uint32_t>(args.min_cell)
                                         : opened->config.min_cell_entities;
  std::optional<int64_t> as_of;
  if (!ParseAsOf(args, opened->time, &as_of)) return 1;
  core::Rollup rollup(*opened->catalogue, core::RollupOptions{min_cell});
  std::string provenance;
  std::unique_ptr<store::Snapshot> snapshot;
  core::PeriodStates states;  // as they stood at --as-of, so the basis is the one of then
  kpihub::Status status = opened->store->OpenSnapshot(&snapshot);
  if (status.ok()) status = FeedRollup(snapshot.get(), as_of, opened->time, &rollup, &provenance);
  if (status.ok()) status = ReadPeriodStates(*snapshot, as_of, &states);
  snapshot.reset();
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub kpis: %s\n", status.ToString().c_str());
    return 1;
  }
  core::RollupResult result = rollup.Finish();
  auto year = ChooseYear(result, args.year);
  if (!year.ok()) {
    std::fprintf(stderr, "kpihub kpis: %s\n", year.status().message().c_str());
    return 1;
  }
  // A threshold below the configuration's shows cells the configuration withholds: the
  // output is then enterprise-level, and says so.
  if (min_cell < opened->config.min_cell_entities) {
    std::fprintf(args.csv ? stderr : stdout, "%s\n", kConfidentialBanner);
  }
  if (args.csv) {
    std::printf("kpi,name_zh,park,period,value,target,progress,expected,status,strength,"
                "share_of_zone,contribution,basis\n");
  } else {
    std::printf("KPI table — park %s, year %d (value / target, progress against the straight "
                "line)%s%s\n\n", park->c_str(), *year, provenance.empty() ? "" : "\n",
                provenance.c_str());
  }
  for (const core::Kpi& kpi : opened->catalogue->kpis()) {
    for (const auto& k : result.kpi_figures) {
      if (k.kpi->code != kpi.code || k.year != *year) continue;
      if (*park != "all" && k.park != *park) continue;
      const std::string basis = Basis(*opened->catalogue, k, states, !args.csv);
      args.csv ? PrintCsvRow(kpi, k, basis) : PrintTableRow(kpi, k, basis);
    }
  }
  return 0;
}

}  // namespace

CommandRunner AddKpisCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<KpisArgs>(app, "kpis", kKpisHelp);
  cmd->add_option("--year", args->year, "year to show (default: the latest with data)");
  cmd->add_option("--park", args->park,
                  "park code or Chinese name, 'zone' 全区 (default) or 'all' 全部园区");
  cmd->add_option("--min-cell", args->min_cell,
                  "small-cell threshold (default: the config's; a lower one prints the "
                  "confidential banner)");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  cmd->add_option("--as-of", args->as_of,
                  "the table as it stood at this moment, rebuilt from the value history "
                  "(2021-03-15T10:00:00+08:00, '2021-03-15 10:00' in the configured time zone, "
                  "2021-03-15 for the end of that day, @UNIX_SECONDS)");
  return [args] { return RunKpis(*args); };
}

}  // namespace kpihub::cli
