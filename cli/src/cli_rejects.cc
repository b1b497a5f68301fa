// `kpihub rejects`: the dead letters — every observation a department sent that was refused,
// with its reason — filtered by department, adapter, reason and time, as a table or CSV for
// the department to correct its export. Enterprise ids only with --entities: without it,
// anything shaped like a credit code is masked in every field (a department may send one in
// the park, indicator or period field too), and notes (free text) are left out unless
// --notes or --entities asks for them.
#include <cstdio>

#include "credit_code_mask.h"

#include "cli_commands.h"
#include "cli_format.h"
#include "cli_names.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

constexpr char kRejectsHelp[] =
    "rejected observations (dead letters) and why";

struct RejectsArgs {
  StateLocation where;
  std::string department, adapter, reason, since;
  bool csv = false;
  bool entities = false;
  bool notes = false;
  size_t limit = 0;  // 0: all
};

// What a row shows of the wire text: as sent with --entities, masked otherwise.
struct Shown {
  bool entities;
  std::string operator()(const std::string& text) const {
    return entities ? text : MaskCreditCodes(text);
  }
};

struct RejectFilter {
  const RejectsArgs& args;
  int64_t since_ms = 0;
  bool Matches(const store::DeadLetter& d) const {
    return (args.department.empty() || d.department == args.department) &&
           (args.adapter.empty() || d.adapter == args.adapter) &&
           (args.reason.empty() || core::ReasonName(d.rejection.reason) == args.reason) &&
           d.unix_ms >= since_ms;
  }
};

void PrintCsv(const store::DeadLetter& d, const CivilTime& time, bool entities, bool notes) {
  const core::Observation& o = d.observation;
  const Shown shown{entities};
  std::printf("%llu,%s,%s,%s,%llu,%u,%s,%s,%s,%s,%s%s,%s%s\n",
              static_cast<unsigned long long>(d.id), time.Format(d.unix_ms).c_str(),
              CsvField(d.department).c_str(), CsvField(d.adapter).c_str(),
              static_cast<unsigned long long>(d.sequence), d.rejection.index,
              std::string(core::ReasonName(d.rejection.reason)).c_str(),
              CsvField(shown(d.rejection.detail)).c_str(), CsvField(shown(o.indicator)).c_str(),
              CsvField(shown(o.park)).c_str(), entities ? (CsvField(o.entity) + ",").c_str() : "",
              CsvField(shown(o.period)).c_str(), ShortestNumber(o.value).c_str(),
              notes ? ("," + CsvField(shown(o.note))).c_str() : "");
}

void PrintRow(const store::DeadLetter& d, const CivilTime& time, bool entities) {
  const core::Observation& o = d.observation;
  const Shown shown{entities};
  std::printf("#%-6llu %-20s %-12s %-16s seq %-6llu [%u] %-22s %-24s %-12s %-8s %s%s%s  %s\n",
              static_cast<unsigned long long>(d.id), time.Format(d.unix_ms).c_str(),
              d.department.c_str(), d.adapter.c_str(), static_cast<unsigned long long>(d.sequence),
              d.rejection.index, std::string(core::ReasonName(d.rejection.reason)).c_str(),
              shown(o.indicator).c_str(), shown(o.park).c_str(), shown(o.period).c_str(),
              entities ? o.entity.c_str() : "", entities ? " " : "", ShortestNumber(o.value).c_str(),
              shown(d.rejection.detail).c_str());
}

bool KnownReason(const std::string& name) {
  for (int i = 0; i < core::kRejectReasonCount; ++i) {
    if (core::ReasonName(static_cast<core::RejectReason>(i)) == name) return true;
  }
  return false;
}

int RunRejects(RejectsArgs args) {
  if (!args.reason.empty() && !KnownReason(args.reason)) {
    std::fprintf(stderr, "kpihub rejects: --reason '%s' is not a reason code (docs/protocol.md "
                 "lists them, e.g. out_of_bounds)\n", args.reason.c_str());
    return 1;
  }
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  if (!args.department.empty()) {
    auto resolved = ResolveDepartment(*opened->state.catalogue, args.department);
    if (!resolved.ok()) {
      std::fprintf(stderr, "kpihub rejects: --department: %s\n",
                   resolved.status().message().c_str());
      return 1;
    }
    args.department = *resolved;
  }
  RejectFilter filter{args};
  if (!args.since.empty()) {
    auto since = opened->state.time.Parse(args.since, CivilTime::Edge::kStart);
    if (!since) {
      std::fprintf(stderr, "kpihub rejects: --since '%s' is not a moment: expected "
                   "2021-03-15T10:00:00+08:00, '2021-03-15 10:00' (%s), 2021-03-15 (from that "
                   "day's start) or @UNIX_SECONDS\n", args.since.c_str(),
                   opened->state.time.name().c_str());
      return 1;
    }
    filter.since_ms = *since;
  }
  kpihub::Status status = opened->status;
  const bool notes = args.notes || args.entities;
  if (args.csv) {
    std::printf("id,time,department,adapter,sequence,index,reason,detail,indicator,park,%s"
                "period,value%s\n", args.entities ? "entity," : "", notes ? ",note" : "");
  }
  size_t shown = 0, matched = 0;
  if (status.ok()) {
    status = opened->snapshot->ForEachDeadLetter([&](const store::DeadLetter& d) {
      if (!filter.Matches(d)) return;
      ++matched;
      if (args.limit != 0 && shown >= args.limit) return;
      ++shown;
      args.csv ? PrintCsv(d, opened->state.time, args.entities, notes)
               : PrintRow(d, opened->state.time, args.entities);
    });
  }
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub rejects: %s\n", status.ToString().c_str());
    return 1;
  }
  if (!args.csv) std::printf("%zu rejected observations shown of %zu matching\n", shown, matched);
  return 0;
}

}  // namespace

CommandRunner AddRejectsCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<RejectsArgs>(app, "rejects", kRejectsHelp);
  cmd->add_option("--department", args->department, "only this department (tax, finance, ...)");
  cmd->add_option("--adapter", args->adapter, "only this adapter id");
  cmd->add_option("--reason", args->reason, "only this reason code, e.g. out_of_bounds");
  cmd->add_option("--since", args->since, "only those received at or after this moment");
  cmd->add_option("--limit", args->limit, "show at most this many (the count covers all)");
  cmd->add_flag("--csv", args->csv, "CSV export");
  cmd->add_flag("--entities", args->entities,
                "include the enterprise id column and show every field as sent, notes "
                "included (for the sending department only); without it anything shaped like "
                "a credit code is withheld");
  cmd->add_flag("--notes", args->notes, "include the notes column in --csv (credit codes in "
                "them withheld unless --entities)");
  return [args] { return RunRejects(*args); };
}

}  // namespace kpihub::cli
