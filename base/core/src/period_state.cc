#include "kpihub/core/period_state.h"

#include <algorithm>

#include "kpihub/core/period.h"

namespace kpihub::core {
namespace {

constexpr int64_t kZoneOffsetSeconds = 8 * 3600;  // the zone's civil time, UTC+8

std::string YearOf(std::string_view department, int year) {
  return std::to_string(year) + " of department '" + std::string(department) + "'";
}

}  // namespace

std::string_view PeriodStateName(PeriodState state) {
  switch (state) {
    case PeriodState::kOpen: return "open";
    case PeriodState::kSubmitted: return "submitted";
    case PeriodState::kApproved: return "approved";
  }
  return "unknown";
}

std::string_view PeriodStateZh(PeriodState state) {
  switch (state) {
    case PeriodState::kOpen: return "填报中";
    case PeriodState::kSubmitted: return "已报送待审定";
    case PeriodState::kApproved: return "已审定";
  }
  return "未知";
}

std::string_view PeriodActionName(PeriodActionKind kind) {
  switch (kind) {
    case PeriodActionKind::kSubmit: return "submit";
    case PeriodActionKind::kApprove: return "approve";
    case PeriodActionKind::kReopen: return "reopen";
  }
  return "unknown";
}

std::optional<PeriodActionKind> ParsePeriodActionKind(std::string_view name) {
  for (PeriodActionKind k :
       {PeriodActionKind::kSubmit, PeriodActionKind::kApprove, PeriodActionKind::kReopen}) {
    if (PeriodActionName(k) == name) return k;
  }
  return std::nullopt;
}

std::variant<ValidPeriodAction, Rejection> ValidatePeriodAction(const Catalogue& catalogue,
                                                                std::string_view sender_department,
                                                                const PeriodAction& action,
                                                                uint32_t index,
                                                                int64_t now_unix_seconds) {
  auto reject = [index](RejectReason reason, std::string detail) {
    return std::variant<ValidPeriodAction, Rejection>(Rejection{index, reason, std::move(detail)});
  };
  if (action.department.size() > 64 || action.period.size() > 16 || action.note.size() > 256) {
    return reject(RejectReason::kFieldTooLong,
                  "a period action's department, period or note is over its limit (64, 16, 256 bytes)");
  }
  const std::string_view name = PeriodActionName(action.kind);
  if (name == "unknown") {
    return reject(RejectReason::kPeriodStateConflict, "unknown period action");
  }
  const std::string department =
      action.department.empty() ? std::string(sender_department) : action.department;
  if (catalogue.FindDepartment(department) == nullptr) {
    return reject(RejectReason::kUnknownDepartment, "unknown department in a period action");
  }
  std::optional<Period> period = Period::Parse(action.period);
  if (!period) {
    return reject(RejectReason::kMalformedPeriod, "a period action's period is not a year YYYY");
  }
  if (period->kind != PeriodKind::kYear) {
    return reject(RejectReason::kPeriodTypeNotAllowed,
                  "a year is closed as a whole: the period of a period action is a year YYYY");
  }
  const Period next{PeriodKind::kYear, period->year + 1, 0};
  if (next.StartUnixSeconds() > now_unix_seconds) {
    return reject(RejectReason::kFuturePeriod,
                  std::to_string(period->year) + " has not ended: it cannot be " +
                      (action.kind == PeriodActionKind::kSubmit ? "submitted" : "approved") + " yet");
  }
  const Department* sender = catalogue.FindDepartment(sender_department);
  const bool approver = sender != nullptr && sender->approver;
  if (action.kind == PeriodActionKind::kSubmit && department != sender_department) {
    return reject(RejectReason::kNotApprover,
                  "a department submits only its own years, not those of '" + department + "'");
  }
  if (action.kind != PeriodActionKind::kSubmit && !approver) {
    return reject(RejectReason::kNotApprover,
                  "department '" + std::string(sender_department) + "' may not " +
                      std::string(name) + " a year: only the approving office may");
  }
  return ValidPeriodAction{index, action.kind, department, period->year, action.note};
}

std::optional<PeriodState> NextPeriodState(PeriodActionKind kind, PeriodState from) {
  switch (kind) {
    case PeriodActionKind::kSubmit:
      if (from == PeriodState::kApproved) return std::nullopt;
      return PeriodState::kSubmitted;
    case PeriodActionKind::kApprove:
      if (from == PeriodState::kOpen) return std::nullopt;
      return PeriodState::kApproved;
    case PeriodActionKind::kReopen:
      if (from != PeriodState::kSubmitted) return std::nullopt;
      return PeriodState::kOpen;
  }
  return std::nullopt;
}

std::string PeriodConflictDetail(PeriodActionKind kind, PeriodState from,
                                 std::string_view department, int year) {
  const std::string which = YearOf(department, year);
  switch (kind) {
    case PeriodActionKind::kSubmit:
      return which + " is approved already: later changes are restatements";
    case PeriodActionKind::kApprove:
      return which + " has not been submitted: it cannot be approved";
    case PeriodActionKind::kReopen:
      return which + (from == PeriodState::kApproved
                          ? " is approved: an approved year is not reopened (send restatements)"
                          : " is not submitted: there is nothing to send back");
  }
  return which + ": action not allowed";
}

int PeriodYear(std::string_view period) {
  if (period.size() < 4) return 0;
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    const char c = period[i];
    if (c < '0' || c > '9') return 0;
    year = year * 10 + (c - '0');
  }
  return year;
}

std::string ClosedPeriodRefusal(PeriodState state, bool restatement, std::string_view department,
                                int year) {
  const std::string which = YearOf(department, year);
  if (state == PeriodState::kSubmitted) {
    return which + " is submitted and awaits approval: ask the approving office to reopen it "
                   "before changing its figures";
  }
  if (state == PeriodState::kApproved && !restatement) {
    return which + " is approved (closed): a change must be sent as a restatement with its reason";
  }
  return std::string();
}

std::optional<int64_t> SubmissionDeadline(const Department& department, int year) {
  if (!department.submit_by) return std::nullopt;
  const MonthDay& md = *department.submit_by;
  // The end of the day: the start of the day after, in the zone's civil time.
  const int64_t days = DaysFromCivil(year + 1, md.month, md.day) + 1;
  return days * 86400 - kZoneOffsetSeconds;
}

int ClosingFromYear(const Catalogue& catalogue) {
  if (catalogue.closing_from_year()) return *catalogue.closing_from_year();
  int first = 0;
  for (const Kpi& kpi : catalogue.kpis()) {
    if (kpi.baseline_year > 0 && (first == 0 || kpi.baseline_year < first)) first = kpi.baseline_year;
  }
  return first;
}

PeriodState StateOf(const PeriodStates& states, const std::string& department, int year) {
  auto it = states.find({department, year});
  return it == states.end() ? PeriodState::kOpen : it->second;
}

bool RestsOnApprovedData(const Catalogue& catalogue, const Kpi& kpi, int year,
                         const PeriodStates& states) {
  const int from = kpi.cumulative_from ? std::min(*kpi.cumulative_from, year) : year;
  for (const auto* list : {&kpi.numerator, &kpi.denominator}) {
    for (const std::string& code : *list) {
      const Indicator* indicator = catalogue.FindIndicator(code);
      if (indicator == nullptr) return false;
      for (int y = from; y <= year; ++y) {
        if (StateOf(states, indicator->department, y) != PeriodState::kApproved) return false;
      }
    }
  }
  return true;
}

std::string_view BasisName(bool approved) { return approved ? "approved" : "provisional"; }
std::string_view BasisZh(bool approved) { return approved ? "正式数" : "初步数"; }

}  // namespace kpihub::core
