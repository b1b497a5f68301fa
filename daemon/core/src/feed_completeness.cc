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

DepartmentCompleteness FeedCompleteness::Count(const Department& department, int year,
                                               int64_t now_s) const {
  DepartmentCompleteness c{&department, year, 0, 0};
  int deadline = department.contract ? department.contract->deadline_days : 0;
  for (const Indicator& indicator : catalogue_.indicators()) {
    if (indicator.department != department.code) continue;
    for (const Period& period : PeriodsOfYear(indicator.period, year)) {
      if (PeriodDueUnixSeconds(period, deadline) > now_s) continue;  // not owed yet
      for (const Park& park : catalogue_.parks()) {
        c.expected++;
        if (present_.count({indicator.code, park.code, period}) != 0) c.received++;
      }
    }
  }
  return c;
}

std::vector<DepartmentCompleteness> FeedCompleteness::Finish(int64_t now_unix_ms) const {
  std::set<std::tuple<std::string, int>> years = department_years_;
  int current = CivilYear(now_unix_ms);
  for (const Department& d : catalogue_.departments()) years.emplace(d.code, current);
  std::vector<DepartmentCompleteness> out;
  for (const auto& [code, year] : years) {
    const Department* department = catalogue_.FindDepartment(code);
    if (department != nullptr && year <= current) out.push_back(Count(*department, year, now_unix_ms / 1000));
  }
  return out;
}

}  // namespace kpihub::core
