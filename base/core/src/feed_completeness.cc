#include "kpihub/core/feed_completeness.h"

namespace kpihub::core {
namespace {

constexpr int64_t kDaySeconds = 86400;

Period NextPeriod(const Period& p) {
  switch (p.kind) {
    case PeriodKind::kYear: return Period{PeriodKind::kYear, p.year + 1, 0};
    case PeriodKind::kQuarter:
      return p.sub == 4 ? Period{PeriodKind::kQuarter, p.year + 1, 1}
                        : Period{PeriodKind::kQuarter, p.year, p.sub + 1};
    case PeriodKind::kMonth:
      return p.sub == 12 ? Period{PeriodKind::kMonth, p.year + 1, 1}
                         : Period{PeriodKind::kMonth, p.year, p.sub + 1};
  }
  return p;
}

std::vector<Period> PeriodsOfYear(PeriodKind kind, int year) {
  int n = kind == PeriodKind::kYear ? 1 : kind == PeriodKind::kQuarter ? 4 : 12;
  std::vector<Period> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Period{kind, year, kind == PeriodKind::kYear ? 0 : i + 1});
  }
  return out;
}

}  // namespace

int64_t PeriodDueUnixSeconds(const Period& period, int deadline_days) {
  return NextPeriod(period).StartUnixSeconds() + int64_t{deadline_days} * kDaySeconds;
}

int CivilYear(int64_t unix_ms) {
  int64_t s = unix_ms / 1000;
  int year = 1970 + static_cast<int>(s / 31556952);  // mean Gregorian year, then correct
  while (Period{PeriodKind::kYear, year, 0}.StartUnixSeconds() > s) --year;
  while (Period{PeriodKind::kYear, year + 1, 0}.StartUnixSeconds() <= s) ++year;
  return year;
}

void FeedCompleteness::Add(const Cell& cell) {
  const Indicator* indicator = catalogue_.FindIndicator(cell.indicator);
  if (indicator == nullptr || catalogue_.FindPark(cell.park) == nullptr) return;
  if (cell.period.kind != indicator->period) return;
  present_.emplace(cell.indicator, cell.park, cell.period);
  department_years_.emplace(indicator->department, cell.period.year);
}

// Expected cells are counted, not enumerated: every catalogue park owes each due period of
// each of the department's indicators. Received ones come from ReceivedByDepartmentYear.
DepartmentCompleteness FeedCompleteness::Count(const Department& department, int year,
                                               int64_t now_s, uint32_t received) const {
  DepartmentCompleteness c{&department, year, 0, received};
  int deadline = department.contract ? department.contract->deadline_days : 0;
  const auto parks = static_cast<uint32_t>(catalogue_.parks().size());
  for (const Indicator& indicator : catalogue_.indicators()) {
    if (indicator.department != department.code) continue;
    for (const Period& period : PeriodsOfYear(indicator.period, year)) {
      if (PeriodDueUnixSeconds(period, deadline) <= now_s) c.expected += parks;
    }
  }
  return c;
}

// One pass over the held cells: each counts for its indicator's department and year once its
// period is due. Add admitted only cells of catalogue indicators and parks of the right kind,
// so these are exactly the expected cells the store holds.
std::map<std::tuple<std::string, int>, uint32_t> FeedCompleteness::ReceivedByDepartmentYear(
    int64_t now_s) const {
  std::map<std::tuple<std::string, int>, uint32_t> received;
  for (const auto& [code, park, period] : present_) {
    const Indicator* indicator = catalogue_.FindIndicator(code);
    const Department* department = catalogue_.FindDepartment(indicator->department);
    int deadline = department != nullptr && department->contract
                       ? department->contract->deadline_days
                       : 0;
    if (PeriodDueUnixSeconds(period, deadline) > now_s) continue;
    ++received[{indicator->department, period.year}];
  }
  return received;
}

std::vector<DepartmentCompleteness> FeedCompleteness::Finish(int64_t now_unix_ms) const {
  std::set<std::tuple<std::string, int>> years = department_years_;
  int current = CivilYear(now_unix_ms);
  for (const Department& d : catalogue_.departments()) years.emplace(d.code, current);
  const int64_t now_s = now_unix_ms / 1000;
  const auto received = ReceivedByDepartmentYear(now_s);
  std::vector<DepartmentCompleteness> out;
  for (const auto& key : years) {
    const auto& [code, year] = key;
    const Department* department = catalogue_.FindDepartment(code);
    if (department == nullptr || year > current) continue;
    auto it = received.find(key);
    out.push_back(Count(*department, year, now_s, it == received.end() ? 0 : it->second));
  }
  return out;
}

}  // namespace kpihub::core
