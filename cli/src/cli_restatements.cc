// `kpihub restatements`: every accepted change to a figure of an approved year, oldest first:
// when, which department and adapter, the figure, old and new value, the reason given and
// the KPIs whose figures it changes. Enterprise ids (and an enterprise's values) only with
// `--entities`; without it the reason is masked of anything shaped like a credit code.
#include <cstdio>

#include "cli_closing.h"
#include "cli_commands.h"
#include "cli_names.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

constexpr char kRestatementsHelp[] =
    "every accepted restatement (a change to an approved year, with its reason): who, when, "
    "old and new value, the KPIs it changes (enterprise ids only with --entities)";

struct RestatementsArgs {
  StateLocation where;
  int year = 0;
  std::string department;
  bool csv = false;
  bool entities = false;
};

void Print(const RestatementView& v, bool csv) {
  if (!csv) {
    std::printf("%s\n", RestatementLine(v).c_str());
    return;
  }
  std::string kpis;
  for (const std::string& k : v.kpis) kpis += (kpis.empty() ? "" : " ") + k;
  std::printf("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%llu\n", v.time.c_str(),
              CsvField(v.department).c_str(), CsvField(v.adapter).c_str(),
              CsvField(v.indicator).c_str(), CsvField(v.park).c_str(), CsvField(v.period).c_str(),
              CsvField(v.entity).c_str(), v.old_value == "(new)" ? "" : v.old_value.c_str(),
              v.new_value.c_str(), CsvField(v.reason).c_str(), CsvField(kpis).c_str(),
              static_cast<unsigned long long>(v.journal_id));
}

int RunRestatements(RestatementsArgs args) {
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  if (!opened->status.ok()) return ReportFailure("restatements", opened->status);
  const core::Catalogue& catalogue = *opened->state.catalogue;
  if (!args.department.empty()) {
    auto department = ResolveDepartment(catalogue, args.department);
    if (!department.ok()) {
      std::fprintf(stderr, "kpihub restatements: --department: %s\n",
                   department.status().message().c_str());
      return 1;
    }
    args.department = *department;
  }
  if (args.entities) std::fprintf(args.csv ? stderr : stdout, "%s\n", kConfidentialBanner);
  if (args.csv) {
    std::printf("time,department,adapter,indicator,park,period,entity,old_value,new_value,"
                "reason,kpis,journal_id\n");
  }
  size_t count = 0;
  Status status = opened->snapshot->ForEachRestatement([&](const store::Restatement& r) {
    if (!args.department.empty() && r.change.department != args.department) return;
    if (args.year != 0 && core::PeriodYear(r.change.key.period) != args.year) return;
    Print(ViewRestatement(catalogue, opened->state.time, r, args.entities), args.csv);
    ++count;
  });
  if (!status.ok()) return ReportFailure("restatements", status);
  if (!args.csv) std::printf("%zu restatements\n", count);
  return 0;
}

}  // namespace

CommandRunner AddRestatementsCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<RestatementsArgs>(app, "restatements", kRestatementsHelp);
  cmd->add_option("--department", args->department, "only this department (code or name)");
  cmd->add_option("--year", args->year, "only figures of this year");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  cmd->add_flag("--entities", args->entities,
                "show enterprises' ids, values and the unmasked reason (enterprise-level: under "
                "a banner; the CSV's banner goes to stderr)");
  return [args] { return RunRestatements(*args); };
}

}  // namespace kpihub::cli
