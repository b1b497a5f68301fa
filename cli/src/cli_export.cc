// `kpihub export`: the merged state as CSV.
//   --department D   every figure currently held for D's indicators, enterprise ids included,
//                    in the canonical push format plus provenance: for the department to
//                    reconcile against its own system (it sent those ids in the first place).
//   --statistics     park-level aggregates for the statistics office: one row per indicator,
//                    park and period, no enterprise ids, and the cells of every park-year
//                    the rollup withholds (core/rollup.h) withheld, as on the boards.
#include <cstdio>
#include <vector>

#include "cli_commands.h"
#include "cli_format.h"
#include "cli_names.h"
#include "state_access.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::cli {
namespace {

constexpr char kExportHelp[] =
    "the merged state as CSV: a department's own figures, or park aggregates for "
    "the statistics office";

struct ExportArgs {
  StateLocation where;
  std::string department;
  bool statistics = false;
  int min_cell = -1;
};

kpihub::Status ExportDepartment(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                                const std::string& department, const CivilTime& time) {
  std::printf("indicator,park,entity,period,value,note,adapter,sequence,received\n");
  return snapshot.ForEachObservation([&](const store::StoredObservation& o) {
    const core::Indicator* indicator = catalogue.FindIndicator(o.key.indicator);
    if (indicator == nullptr || indicator->department != department) return;
    std::printf("%s,%s,%s,%s,%s,%s,%s,%llu,%s\n", CsvField(o.key.indicator).c_str(),
                CsvField(o.key.park).c_str(), CsvField(o.key.entity).c_str(),
                CsvField(o.key.period).c_str(), o.value.ToString().c_str(),
                CsvField(o.note).c_str(), CsvField(o.adapter).c_str(),
                static_cast<unsigned long long>(o.sequence), time.Format(o.unix_ms).c_str());
  });
}

// Per-period park cells, withheld exactly as the rollup withholds their park-year for the
// boards and every other output: a year is shown with all its periods or hidden with all of
// them, so no hidden period can be recovered from a shown year minus the shown periods.
kpihub::Status ExportStatistics(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                               uint32_t min_cell) {
  std::vector<core::Cell> cells;
  core::Rollup rollup(catalogue, core::RollupOptions{min_cell});
  kpihub::Status status = store::FeedRollup(snapshot, &rollup);
  if (!status.ok()) return status;
  status = snapshot.ForEachCell([&](const core::Cell& c) {
    if (catalogue.FindIndicator(c.indicator) != nullptr) cells.push_back(c);
  });
  if (!status.ok()) return status;
  const core::RollupResult result = rollup.Finish();
  std::printf("indicator,department,unit,park,period,value,enterprises,withheld\n");
  for (const core::Cell& c : cells) {
    const core::Indicator* indicator = catalogue.FindIndicator(c.indicator);
    const bool withheld = !result.Publishable(*indicator, c.park, c.period.year);
    std::printf("%s,%s,%s,%s,%s,%s,%s,%s\n", CsvField(c.indicator).c_str(),
                CsvField(indicator->department).c_str(), CsvField(indicator->unit).c_str(),
                CsvField(c.park).c_str(), c.period.ToString().c_str(),
                withheld ? "" : c.sum.ToString().c_str(),
                withheld ? "" : std::to_string(c.entities).c_str(), withheld ? "yes" : "no");
  }
  return status;
}

int RunExport(const ExportArgs& args) {
  if (args.department.empty() == !args.statistics) {
    std::fprintf(stderr, "kpihub export: give exactly one of --department D or --statistics\n");
    return 1;
  }
  if (args.min_cell >= 0 && args.min_cell < 3) {
    std::fprintf(stderr, "kpihub export: --min-cell below 3 would let one enterprise's figure "
                 "be read off the export\n");
    return 1;
  }
  auto opened = OpenStateReadOnly(args.where);
  if (!opened) return 1;
  std::string department;
  if (!args.department.empty()) {
    auto resolved = ResolveDepartment(*opened->catalogue, args.department);
    if (!resolved.ok()) {
      std::fprintf(stderr, "kpihub export: --department: %s\n",
                   resolved.status().message().c_str());
      return 1;
    }
    department = *resolved;
  }
  std::unique_ptr<store::Snapshot> snapshot;
  kpihub::Status status = opened->store->OpenSnapshot(&snapshot);
  if (status.ok()) {
    const uint32_t min_cell = args.min_cell >= 0 ? static_cast<uint32_t>(args.min_cell)
                                                 : opened->config.min_cell_entities;
    status = args.statistics ? ExportStatistics(*snapshot, *opened->catalogue, min_cell)
                             : ExportDepartment(*snapshot, *opened->catalogue, department, opened->time);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub export: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

CommandRunner AddExportCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<ExportArgs>(app, "export", kExportHelp);
  cmd->add_option("--department", args->department,
                  "every figure of this department's indicators (with enterprise ids)");
  cmd->add_flag("--statistics", args->statistics,
                "park-level aggregates, small cells withheld (no enterprise ids)");
  cmd->add_option("--min-cell", args->min_cell, "small-cell threshold (default: the config's)");
  return [args] { return RunExport(*args); };
}

}  // namespace kpihub::cli
