#include <cmath>
#include <cstdio>
#include <set>

#include "cli_format.h"
#include "cli_names.h"
#include "state_access.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/history_fold.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::cli {
namespace {

constexpr char kKpisHelp[] =
    "the KPI table as the leadership group reads it";

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

std::string StatusText(const core::KpiFigure& k) {
  if (k.withheld) return "withheld 小样本不公开";
  switch (k.status) {
    case core::KpiStatus::kOnTrack: return "on_track 进度正常";
    case core::KpiStatus::kAtRisk: return "at_risk 存在风险";
    case core::KpiStatus::kOffTrack: return "off_track 进度滞后";
    case core::KpiStatus::kNoData: return "no_data 无数据";
  }
  return "";
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
kpihub::Status FeedRollup(store::Store& store, const std::optional<int64_t>& as_of,
                         const CivilTime& time, core::Rollup* rollup, std::string* provenance) {
  std::unique_ptr<store::Snapshot> snapshot;
  kpihub::Status status = store.OpenSnapshot(&snapshot);
  if (!status.ok()) return status;
  if (!as_of) return store::FeedRollup(*snapshot, rollup);
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

void PrintCsvRow(const core::Kpi& kpi, const core::KpiFigure& k) {
  const bool show = k.has_value && !k.withheld;
  std::printf("%s,%s,%s,%d,%s,%s,%s,%s,%s\n", kpi.code.c_str(), CsvField(kpi.name_zh).c_str(),
              k.park.c_str(), k.year, show ? ShortestNumber(k.value).c_str() : "",
              ShortestNumber(kpi.target).c_str(), show ? ShortestNumber(k.progress).c_str() : "",
              show ? ShortestNumber(k.expected).c_str() : "",
              k.withheld ? "withheld" : std::string(core::KpiStatusName(k.status)).c_str());
}

void PrintTableRow(const core::Kpi& kpi, const core::KpiFigure& k) {
  const bool show = k.has_value && !k.withheld;
  char progress[64];
  if (show) {
    std::snprintf(progress, sizeof progress, "progress %5.1f %% of target, expected %5.1f %%",
                  k.progress * 100, k.expected * 100);
  } else {  // no progress for a cell without a published value, not even 0
    std::snprintf(progress, sizeof progress, "progress     - of target, expected %5.1f %%",
                  k.expected * 100);
  }
  std::printf("%s %s\n  %s value %s target %s (%d)  %s  %s  [%s]\n",
              PadRight(kpi.code, 26).c_str(), kpi.name_zh.c_str(), PadRight(k.park, 12).c_str(),
              PadRight(show ? FormatValue(k.value, kpi.unit) : "-", 18).c_str(),
              PadRight(FormatValue(kpi.target, kpi.unit), 16).c_str(), kpi.target_year, progress,
              StatusText(k).c_str(), kpi.clause.c_str());
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
  if (!args.as_of.empty()) {
    as_of = opened->time.Parse(args.as_of, CivilTime::Edge::kEnd);
    if (!as_of) {
      std::fprintf(stderr, "kpihub kpis: --as-of '%s': expected 2021-03-15T10:00:00+08:00, "
                   "'2021-03-15 10:00' (%s), 2021-03-15 (the end of that day) or @UNIX_SECONDS\n",
                   args.as_of.c_str(), opened->time.name().c_str());
      return 1;
    }
  }
  core::Rollup rollup(*opened->catalogue, core::RollupOptions{min_cell});
  std::string provenance;
  if (kpihub::Status status = FeedRollup(*opened->store, as_of, opened->time, &rollup, &provenance);
      !status.ok()) {
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
  if (args.csv) std::printf("kpi,name_zh,park,period,value,target,progress,expected,status\n");
  else
    std::printf("KPI table — park %s, year %d (value / target, progress against the straight "
                "line)%s%s\n\n", park->c_str(), *year, provenance.empty() ? "" : "\n",
                provenance.c_str());
  for (const core::Kpi& kpi : opened->catalogue->kpis()) {
    for (const auto& k : result.kpi_figures) {
      if (k.kpi->code != kpi.code || k.year != *year) continue;
      if (*park != "all" && k.park != *park) continue;
      args.csv ? PrintCsvRow(kpi, k) : PrintTableRow(kpi, k);
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
