// Closing a year: per department and year a state, open -> submitted -> approved (closed),
// moved by period actions sent over the wire like figures (docs/operations.md, "Closing a
// year"). A figure of a submitted or approved year changes only as a restatement of an
// approved year. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/observation.h"

namespace kpihub::core {

enum class PeriodState : uint8_t { kOpen = 0, kSubmitted = 1, kApproved = 2 };
std::string_view PeriodStateName(PeriodState state);  // "open", "submitted", "approved"
std::string_view PeriodStateZh(PeriodState state);    // "填报中", "已报送待审定", "已审定"

// The numeric values are the wire enum PeriodActionKind.
enum class PeriodActionKind : uint16_t { kSubmit = 0, kApprove = 1, kReopen = 2 };
std::string_view PeriodActionName(PeriodActionKind kind);  // "submit", "approve", "reopen"
std::optional<PeriodActionKind> ParsePeriodActionKind(std::string_view name);

// As received (strings not yet checked). An empty department means the sender's own.
struct PeriodAction {
  PeriodActionKind kind = PeriodActionKind::kSubmit;
  std::string department;
  std::string period;  // a year, "2020"
  std::string note;
};

// Checked against the catalogue and the sender's rights.
struct ValidPeriodAction {
  uint32_t index = 0;  // its place in the batch's action list
  PeriodActionKind kind = PeriodActionKind::kSubmit;
  std::string department;
  int year = 0;
  std::string note;
};

// Who may take an action: a department submits its own years; only an approving department
// (`approver = true` in the catalogue) approves or reopens, any department's years. The year
// must have ended (`now_unix_seconds`, the zone's civil time). The detail names the year and
// department, never an entity.
std::variant<ValidPeriodAction, Rejection> ValidatePeriodAction(const Catalogue& catalogue,
                                                                std::string_view sender_department,
                                                                const PeriodAction& action,
                                                                uint32_t index,
                                                                int64_t now_unix_seconds);

// The state an action leads to from `from`, or nullopt when not allowed: submit from open,
// approve from submitted, reopen (sent back for correction) from submitted. Submitting a
// submitted year or approving an approved one leaves it as it is, so a resent action is
// harmless. An approved year is never reopened: later changes are restatements.
std::optional<PeriodState> NextPeriodState(PeriodActionKind kind, PeriodState from);
// Why NextPeriodState refused, for the ack's detail.
std::string PeriodConflictDetail(PeriodActionKind kind, PeriodState from, std::string_view department,
                                 int year);

// The year of a canonical period text ("2020Q3" -> 2020); 0 when it is not one.
int PeriodYear(std::string_view period);

// Why a change to a figure of a year in `state` (not open) is refused; empty when it is a
// restatement of an approved year and therefore accepted.
std::string ClosedPeriodRefusal(PeriodState state, bool restatement, std::string_view department,
                                int year);

// The moment (unix seconds) by which a department's year must be submitted: the catalogue's
// `submit_by` day of the next year, at its end in the zone's civil time. nullopt: no deadline.
std::optional<int64_t> SubmissionDeadline(const Department& department, int year);

// The first year whose closing is tracked (and can be overdue): the catalogue's
// `[closing] from_year`, else the earliest KPI baseline year, the first year departments feed.
int ClosingFromYear(const Catalogue& catalogue);

// (department, year) -> state; absent means open.
using PeriodStates = std::map<std::pair<std::string, int>, PeriodState>;
PeriodState StateOf(const PeriodStates& states, const std::string& department, int year);

// Whether a KPI's figure of `year` rests on approved data only (正式数): every department
// owning one of its indicators has approved the year, and every earlier year a cumulative
// KPI sums. Otherwise the figure is provisional (初步数).
bool RestsOnApprovedData(const Catalogue& catalogue, const Kpi& kpi, int year,
                         const PeriodStates& states);
std::string_view BasisName(bool approved);  // "approved", "provisional"
std::string_view BasisZh(bool approved);    // "正式数", "初步数"

}  // namespace kpihub::core
