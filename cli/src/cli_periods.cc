// `kpihub periods`: where closing stands — every department that reports (not the approving
// office) × every tracked year, from core::ClosingFromYear to the last ended year: its state,
// who submitted and approved it and when, its submission deadline and whether it is overdue
// (still open after the deadline). `--log` lists every change of a year's state instead.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>

#include "cli_closing.h"
#include "cli_commands.h"
#include "cli_names.h"
#include "credit_code_mask.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

constexpr char kPeriodsHelp[] =
    "closing: each department's years, open 填报中 / submitted 已报送待审定 / approved 已审定, "
    "with who, when, the submission deadline and what is overdue; --log: every state change";

struct PeriodsArgs {
  StateLocation where;
  int year = 0;            // 0: every tracked year
  std::string department;  // empty: every department
  bool csv = false;
  bool log = false;
};

// The last year that has ended in the zone's civil time (UTC+8, as the daemon judges it).
int LastEndedYear(int64_t now_unix_seconds) {
  const time_t zone = static_cast<time_t>(now_unix_seconds + 8 * 3600);
  std::tm tm{};
  gmtime_r(&zone, &tm);
  return tm.tm_year + 1900 - 1;
}

std::string DeadlineDate(const core::Department& d, int year) {
  if (!d.submit_by) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year + 1, d.submit_by->month, d.submit_by->day);
  return buf;
}

std::string Moment(const CivilTime& time, const std::string& who, int64_t ms) {
  return who.empty() ? std::string("-") : who + " " + time.Format(ms);
}

void PrintPeriod(const core::Department& d, int year, const store::PeriodRecord& p, bool overdue,
                 const CivilTime& time, bool csv) {
  const std::string state(core::PeriodStateName(p.state));
  const std::string deadline = DeadlineDate(d, year);
  if (csv) {
    std::printf("%s,%d,%s,%s,%s,%s,%s,%s,%s\n", d.code.c_str(), year, state.c_str(),
                CsvField(p.submitted_by).c_str(),
                p.submitted_by.empty() ? "" : time.Format(p.submitted_unix_ms).c_str(),
                CsvField(p.approved_by).c_str(),
                p.approved_by.empty() ? "" : time.Format(p.approved_unix_ms).c_str(),
                deadline.c_str(), overdue ? "yes" : "no");
    return;
  }
  std::printf("%s %d  %s  submitted %s  approved %s  due %s%s\n",
              PadRight(d.code + " " + d.name_zh, 22).c_str(), year,
              PadRight(state + " " + std::string(core::PeriodStateZh(p.state)), 24).c_str(),
              PadRight(Moment(time, p.submitted_by, p.submitted_unix_ms), 40).c_str(),
              PadRight(Moment(time, p.approved_by, p.approved_unix_ms), 40).c_str(),
              deadline.empty() ? "-" : deadline.c_str(), overdue ? "  OVERDUE 逾期未报送" : "");
}

bool Wanted(const PeriodsArgs& args, const std::string& department, int year) {
  return (args.year == 0 || args.year == year) &&
         (args.department.empty() || args.department == department);
}

Status PrintStates(const PeriodsArgs& args, OpenedSnapshot& opened, int64_t now_s) {
  std::map<std::pair<std::string, int>, store::PeriodRecord> stored;
  Status status = opened.snapshot->ForEachPeriod([&stored](const store::PeriodRecord& p) {
    stored[{p.department, p.year}] = p;
  });
  if (!status.ok()) return status;
  const core::Catalogue& catalogue = *opened.state.catalogue;
  const int to = LastEndedYear(now_s);
  // A catalogue without KPI baselines tracks the last ended year only.
  const int from = core::ClosingFromYear(catalogue) > 0 ? core::ClosingFromYear(catalogue) : to;
  if (args.csv) {
    std::printf("department,year,state,submitted_by,submitted_at,approved_by,approved_at,"
                "deadline,overdue\n");
  } else {
    std::printf("Closing 年度审定 — years %d..%d, as of %s\n\n", from, to,
                opened.state.time.Format(now_s * 1000).c_str());
  }
  size_t open = 0, overdue_count = 0;
  for (const core::Department& d : catalogue.departments()) {
    if (d.approver) continue;
    for (int year = from; year <= to; ++year) {
      if (!Wanted(args, d.code, year)) continue;
      store::PeriodRecord p;
      p.department = d.code;
      p.year = year;
      if (auto it = stored.find({d.code, year}); it != stored.end()) p = it->second;
      const auto deadline = core::SubmissionDeadline(d, year);
      const bool overdue = p.state == core::PeriodState::kOpen && deadline && now_s > *deadline;
      open += p.state == core::PeriodState::kOpen;
      overdue_count += overdue;
      PrintPeriod(d, year, p, overdue, opened.state.time, args.csv);
    }
  }
  if (!args.csv) std::printf("\n%zu open, %zu of them overdue\n", open, overdue_count);
  return Status::Ok();
}

Status PrintLog(const PeriodsArgs& args, OpenedSnapshot& opened) {
  const CivilTime& time = opened.state.time;
  if (args.csv) {
    std::printf("time,adapter,sender_department,action,department,year,from,to,note\n");
  }
  size_t changes = 0;
  Status status = opened.snapshot->ForEachPeriodLog([&](const store::PeriodLogEntry& e) {
    if (!Wanted(args, e.department, e.year)) return;
    ++changes;
    const std::string note = MaskCreditCodes(e.note);  // free text: no credit code leaves
    const std::string from(core::PeriodStateName(e.from)), to(core::PeriodStateName(e.to));
    const std::string action(core::PeriodActionName(e.action));
    if (args.csv) {
      std::printf("%s,%s,%s,%s,%s,%d,%s,%s,%s\n", time.Format(e.unix_ms).c_str(),
                  CsvField(e.adapter).c_str(), CsvField(e.sender_department).c_str(),
                  action.c_str(), CsvField(e.department).c_str(), e.year, from.c_str(),
                  to.c_str(), CsvField(note).c_str());
      return;
    }
    std::printf("%s %s %-8s %-12s %d %s -> %s%s%s\n", time.Format(e.unix_ms).c_str(),
                PadRight(e.adapter + " (" + e.sender_department + ")", 24).c_str(),
                action.c_str(), e.department.c_str(), e.year,
                (from + " " + std::string(core::PeriodStateZh(e.from))).c_str(),
                (to + " " + std::string(core::PeriodStateZh(e.to))).c_str(),
                note.empty() ? "" : "  — ", note.c_str());
  });
  if (status.ok() && !args.csv) std::printf("%zu changes\n", changes);
  return status;
}

int RunPeriods(PeriodsArgs args) {
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  if (!opened->status.ok()) return ReportFailure("periods", opened->status);
  if (!args.department.empty()) {
    auto department = ResolveDepartment(*opened->state.catalogue, args.department);
    if (!department.ok()) {
      std::fprintf(stderr, "kpihub periods: --department: %s\n",
                   department.status().message().c_str());
      return 1;
    }
    args.department = *department;
  }
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  Status status = args.log ? PrintLog(args, *opened) : PrintStates(args, *opened, now_s);
  return status.ok() ? 0 : ReportFailure("periods", status);
}

}  // namespace

CommandRunner AddPeriodsCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<PeriodsArgs>(app, "periods", kPeriodsHelp);
  cmd->add_option("--year", args->year, "only this year");
  cmd->add_option("--department", args->department, "only this department (code or name)");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  cmd->add_flag("--log", args->log,
                "every change of a year's state: time, who, action, year, department, from -> "
                "to, note");
  return [args] { return RunPeriods(*args); };
}

}  // namespace kpihub::cli
