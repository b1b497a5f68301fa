#include <cmath>
#include <cstdio>

#include "cli_format.h"
#include "state_access.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/history_fold.h"

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

// The cells now, or as they stood at `as_of` rebuilt from the value history.
kpihub::Status FeedRollup(store::Store& store, const std::optional<int64_t>& as_of,
                         core::Rollup* rollup, std::string* provenance) {
  std::unique_ptr<store::Snapshot> snapshot;
  kpihub::Status status = store.OpenSnapshot(&snapshot);
  if (!status.ok()) return status;
  if (!as_of) return snapshot->ForEachCell([&](const core::Cell& c) { rollup->Add(c); });
  store::HistoryFold fold(*as_of);
  status = snapshot->ForEachHistory(core::FigureKey{},
                                    [&](const store::HistoryEntry& h) { fold.Add(h); });
  if (!status.ok()) return status;
  for (const core::Cell& c : fold.Cells()) rollup->Add(c);
  *provenance = "as of " + FormatUnixMs(*as_of) + ", rebuilt from " +
                std::to_string(fold.changes_used()) + " recorded changes (latest received " +
                FormatUnixMs(fold.latest_change_unix_ms()) + ")";
  return status;
}

int RunKpis(const KpisArgs& args) {
  auto opened = OpenStateReadOnly(args.where);
  if (!opened) return 1;
  uint32_t min_cell = args.min_cell >= 0 ? static_cast<uint32_t>(args.min_cell)
                                         : opened->config.min_cell_entities;
  std::optional<int64_t> as_of;
  if (!args.as_of.empty()) {
    as_of = ParseMoment(args.as_of);
    if (!as_of) {
      std::fprintf(stderr, "kpihub kpis: --as-of '%s': expected 2021-03-15T10:00:00+08:00, "
                   "2021-03-15 10:00 (zone time), 2021-03-15 or @UNIX_SECONDS\n",
                   args.as_of.c_str());
      return 1;
    }
  }
  core::Rollup rollup(*opened->catalogue, core::RollupOptions{min_cell});
  std::string provenance;
  if (kpihub::Status status = FeedRollup(*opened->store, as_of, &rollup, &provenance);
      !status.ok()) {
    std::fprintf(stderr, "kpihub kpis: %s\n", status.ToString().c_str());
    return 1;
  }
  core::RollupResult result = rollup.Finish();
  int year = args.year;
  for (const auto& k : result.kpi_figures) year = args.year ? year : std::max(year, k.year);
  if (args.csv) std::printf("kpi,name_zh,park,period,value,target,progress,expected,status\n");
  else
    std::printf("KPI table — park %s, year %d (value / target, progress against the straight "
                "line)%s%s\n\n", args.park.c_str(), year, provenance.empty() ? "" : "\n",
                provenance.c_str());
  for (const core::Kpi& kpi : opened->catalogue->kpis()) {
    for (const auto& k : result.kpi_figures) {
      if (k.kpi->code != kpi.code || k.year != year) continue;
      if (args.park != "all" && k.park != args.park) continue;
      bool show = k.has_value && !k.withheld;
      if (args.csv) {
        std::printf("%s,%s,%s,%d,%s,%.17g,%s,%s,%s\n", kpi.code.c_str(), kpi.name_zh.c_str(),
                    k.park.c_str(), k.year, show ? std::to_string(k.value).c_str() : "",
                    kpi.target, show ? std::to_string(k.progress).c_str() : "",
                    show ? std::to_string(k.expected).c_str() : "",
                    std::string(core::KpiStatusName(k.status)).c_str());
        continue;
      }
      std::printf("%-26s %s\n  %-12s value %-18s target %-16s (%d)  progress %5.1f %% of target, "
                  "expected %5.1f %%  %s  [%s]\n",
                  kpi.code.c_str(), kpi.name_zh.c_str(), k.park.c_str(),
                  show ? FormatValue(k.value, kpi.unit).c_str() : "-",
                  FormatValue(kpi.target, kpi.unit).c_str(), kpi.target_year,
                  show ? k.progress * 100 : 0.0, k.expected * 100, StatusText(k).c_str(),
                  kpi.clause.c_str());
    }
  }
  return 0;
}

}  // namespace

CommandRunner AddKpisCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<KpisArgs>(app, "kpis", kKpisHelp);
  cmd->add_option("--year", args->year, "year to show (default: the latest with data)");
  cmd->add_option("--park", args->park, "park code, 'zone' (default) or 'all'");
  cmd->add_option("--min-cell", args->min_cell, "small-cell threshold (default: the config's)");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  cmd->add_option("--as-of", args->as_of,
                  "the table as it stood at this moment, rebuilt from the value history "
                  "(2021-03-15T10:00:00+08:00, '2021-03-15 10:00' zone time, 2021-03-15, "
                  "@UNIX_SECONDS)");
  return [args] { return RunKpis(*args); };
}

}  // namespace kpihub::cli
