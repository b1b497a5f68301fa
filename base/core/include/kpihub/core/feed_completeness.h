// FeedCompleteness: how much of what each department owes has arrived, per year. For each of a
// department's indicators, every park owes one figure per period of the indicator's kind once
// that period is due (its end plus the department's `deadline_days`, 0 without a contract).
// Expected = those (indicator, park, period) cells; received = the ones the store holds.
// Pure: time is passed in. Not thread-safe; build one per snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/rollup.h"

namespace kpihub::core {

struct DepartmentCompleteness {
  const Department* department = nullptr;
  int year = 0;
  uint32_t expected = 0;  // cells due by now
  uint32_t received = 0;  // of those, cells with data (<= expected)
};

// Unix time (seconds) at which a period's figures are due: the start of the next period (in
// the zone's civil time, UTC+8) plus `deadline_days` days.
int64_t PeriodDueUnixSeconds(const Period& period, int deadline_days);
// The calendar year (UTC+8) of a Unix time in milliseconds.
int CivilYear(int64_t unix_ms);

class FeedCompleteness {
 public:
  explicit FeedCompleteness(const Catalogue& catalogue) : catalogue_(catalogue) {}
  // Cells of unknown indicators or parks, or of another period kind, are ignored.
  void Add(const Cell& cell);
  // One entry per department and year: each year in which the department has data, and the
  // current year. Sorted by (department code, year).
  std::vector<DepartmentCompleteness> Finish(int64_t now_unix_ms) const;

 private:
  DepartmentCompleteness Count(const Department& department, int year, int64_t now_s,
                               uint32_t received) const;
  std::map<std::tuple<std::string, int>, uint32_t> ReceivedByDepartmentYear(int64_t now_s) const;

  const Catalogue& catalogue_;
  std::set<std::tuple<std::string, std::string, Period>> present_;  // indicator, park, period
  std::set<std::tuple<std::string, int>> department_years_;
};

}  // namespace kpihub::core
