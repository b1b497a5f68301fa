// `kpihub milestones`: the policy's yes/no milestones, each with its state, the month of the
// approval document and its reference, now or as they stood at a moment.
#include <chrono>
#include <cstdio>

#include "cli_commands.h"
#include "cli_format.h"
#include "credit_code_mask.h"
#include "state_access.h"
#include "kpihub/core/milestone.h"
#include "kpihub/store/rollup_feed.h"

namespace kpihub::cli {
namespace {

struct MilestonesArgs {
  StateLocation where;
  bool csv = false;
  std::string as_of;  // empty: now
};

std::string ParkName(const core::Catalogue& catalogue, const std::string& park) {
  if (park == core::kZonePark) return "zone 全区";
  const core::Park* p = catalogue.FindPark(park);
  return p != nullptr ? park + " " + p->name_zh : park;
}

void Print(const core::Catalogue& catalogue, const core::MilestoneState& s, bool csv) {
  const core::Milestone& m = *s.milestone;
  const std::string achieved = s.achieved_in ? s.achieved_in->ToString() : "";
  // Free text from a department: nothing shaped like a credit code leaves in it.
  const std::string reference = MaskCreditCodes(s.reference);
  const std::string deadline = core::DeadlineZh(m.target_year, m.deadline);
  if (csv) {
    std::printf("%s,%s,%s,%s,%s,%d,%s,%s,%s\n", m.code.c_str(), CsvField(m.name_zh).c_str(),
                m.park.c_str(), CsvField(m.clause).c_str(),
                std::string(core::StrengthName(m.strength)).c_str(), m.due_year(),
                std::string(core::MilestoneStatusName(s.status)).c_str(), achieved.c_str(),
                CsvField(reference).c_str());
    return;
  }
  std::printf("%s %s%s\n  %s  %s  %s %s  %s  [%s]\n", PadRight(m.code, 26).c_str(),
              m.name_zh.c_str(), m.strength == core::Strength::kStrive ? " (力争 strive)" : "",
              PadRight(ParkName(catalogue, m.park), 24).c_str(), PadRight(deadline, 12).c_str(),
              std::string(core::MilestoneStatusName(s.status)).c_str(),
              std::string(core::MilestoneStatusZh(s.status)).c_str(),
              s.achieved_in ? (achieved + " " + reference).c_str() : "-", m.clause.c_str());
}

int RunMilestones(const MilestonesArgs& args) {
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  if (!opened->status.ok()) return ReportFailure("milestones", opened->status);
  const core::Catalogue& catalogue = *opened->state.catalogue;
  int64_t when = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  std::vector<core::MilestoneFact> facts;
  kpihub::Status read;
  if (args.as_of.empty()) {
    read = store::ReadMilestoneFacts(*opened->snapshot, catalogue, &facts);
  } else {
    auto as_of = opened->state.time.Parse(args.as_of, CivilTime::Edge::kEnd);
    if (!as_of) {
      std::fprintf(stderr, "kpihub milestones: --as-of '%s': expected 2021-03-15T10:00:00+08:00, "
                   "'2021-03-15 10:00', 2021-03-15 or @UNIX_SECONDS\n", args.as_of.c_str());
      return 1;
    }
    when = *as_of;
    read = store::ReadMilestoneFactsAsOf(*opened->snapshot, catalogue, when, &facts);
  }
  if (!read.ok()) return ReportFailure("milestones", read);
  if (args.csv) {
    std::printf("milestone,name_zh,park,clause,strength,due_year,status,achieved,reference\n");
  } else {
    std::printf("Milestones 里程碑 — as of %s\n\n", opened->state.time.Format(when).c_str());
  }
  for (const core::MilestoneState& s : core::EvaluateMilestones(catalogue, facts, when)) {
    Print(catalogue, s, args.csv);
  }
  return 0;
}

}  // namespace

CommandRunner AddMilestonesCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<MilestonesArgs>(
      app, "milestones", "the policy's yes/no milestones: state, month achieved, reference");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  cmd->add_option("--as-of", args->as_of,
                  "the milestones as they stood at this moment (as for `kpihub kpis --as-of`)");
  return [args] { return RunMilestones(*args); };
}

}  // namespace kpihub::cli
