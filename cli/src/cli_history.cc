// `kpihub history`: every change to a figure (or to all figures under an indicator, park and
// period), oldest first, with its source (department, adapter, batch). An enterprise's figure
// is enterprise-level data: by default a change to one shows neither the enterprise nor the
// values ("(enterprise)", "withheld"), so the default output is safe to forward like every
// other; `--confidential` shows them under a banner, for the operator's own eyes.
#include <cstdio>

#include "cli_commands.h"
#include "cli_format.h"
#include "cli_names.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

constexpr char kHistoryHelp[] =
    "every change to a figure: old and new value, department, adapter, sequence, time "
    "(an enterprise's id and values only with --confidential)";

struct HistoryArgs {
  StateLocation where;
  core::FigureKey figure;
  bool csv = false;
  bool confidential = false;
};

void PrintChange(const store::HistoryEntry& h, const CivilTime& time, bool csv,
                 bool confidential) {
  const bool hidden = !h.key.entity.empty() && !confidential;
  const std::string entity = hidden ? "(enterprise)" : h.key.entity;
  const std::string old_value =
      hidden ? "withheld" : (h.old_value ? h.old_value->ToString() : (csv ? "" : "(new)"));
  const std::string new_value = hidden ? "withheld" : h.new_value.ToString();
  if (csv) {
    std::printf("%s,%s,%s,%s,%s,%s,%s,%s,%s,%llu,%llu\n", time.Format(h.unix_ms).c_str(),
                CsvField(h.key.indicator).c_str(), CsvField(h.key.park).c_str(),
                CsvField(h.key.period).c_str(), CsvField(entity).c_str(), old_value.c_str(),
                new_value.c_str(), CsvField(h.department).c_str(), CsvField(h.adapter).c_str(),
                static_cast<unsigned long long>(h.sequence),
                static_cast<unsigned long long>(h.journal_id));
    return;
  }
  std::printf("%-20s %-24s %-12s %-8s %-18s %18s -> %-18s %-12s %-16s seq %-8llu batch #%llu\n",
              time.Format(h.unix_ms).c_str(), h.key.indicator.c_str(), h.key.park.c_str(),
              h.key.period.c_str(), entity.empty() ? "(park)" : entity.c_str(),
              old_value.c_str(), new_value.c_str(), h.department.c_str(), h.adapter.c_str(),
              static_cast<unsigned long long>(h.sequence),
              static_cast<unsigned long long>(h.journal_id));
}

int RunHistory(HistoryArgs args) {
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  auto indicator = ResolveIndicator(*opened->state.catalogue, args.figure.indicator);
  auto park = args.figure.park.empty()
                  ? Result<std::string>(std::string())
                  : ResolvePark(*opened->state.catalogue, args.figure.park, false);
  if (!indicator.ok() || !park.ok()) {
    std::fprintf(stderr, "kpihub history: %s\n",
                 (indicator.ok() ? park.status() : indicator.status()).message().c_str());
    return 1;
  }
  args.figure.indicator = *indicator;
  args.figure.park = *park;
  kpihub::Status status = opened->status;
  if (args.confidential) std::fprintf(args.csv ? stderr : stdout, "%s\n", kConfidentialBanner);
  if (args.csv) {
    std::printf("time,indicator,park,period,entity,old_value,new_value,department,adapter,"
                "sequence,journal_id\n");
  }
  size_t changes = 0;
  if (status.ok()) {
    status = opened->snapshot->ForEachHistory(args.figure, [&](const store::HistoryEntry& h) {
      PrintChange(h, opened->state.time, args.csv, args.confidential);
      ++changes;
    });
  }
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub history: %s\n", status.ToString().c_str());
    return 1;
  }
  if (!args.csv) std::printf("%zu changes\n", changes);
  return 0;
}

}  // namespace

CommandRunner AddHistoryCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<HistoryArgs>(app, "history", kHistoryHelp);
  cmd->add_option("--indicator", args->figure.indicator, "indicator code")->required();
  cmd->add_option("--park", args->figure.park, "park code");
  cmd->add_option("--period", args->figure.period, "period: 2020, 2020Q3 or 2020-09");
  cmd->add_option("--entity", args->figure.entity, "unified social credit code");
  cmd->add_flag("--csv", args->csv, "CSV output");
  cmd->add_flag("--confidential", args->confidential,
                "show enterprises' ids and values (enterprise-level: under a banner; the CSV's "
                "banner goes to stderr)");
  return [args] { return RunHistory(*args); };
}

}  // namespace kpihub::cli
