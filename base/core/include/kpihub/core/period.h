// Period: a reporting period of a year, a quarter or a month ("2020", "2020Q3", "2020-09").
// A value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kpihub::core {

enum class PeriodKind : uint8_t { kYear = 0, kQuarter = 1, kMonth = 2 };

struct Period {
  PeriodKind kind = PeriodKind::kYear;
  int year = 0;
  int sub = 0;  // quarter 1..4 or month 1..12; 0 for a year

  // Strict: four-digit year 1900..2999, "Qn" with n 1..4, "-MM" with MM 01..12. Nothing else.
  static std::optional<Period> Parse(std::string_view text);
  std::string ToString() const;
  // Unix time (seconds, UTC+8, the zone's civil time) at which the period starts.
  int64_t StartUnixSeconds() const;
  // Ordinal of the sub-period within its year, for ordering: 0 for a year, 1..4, 1..12.
  friend bool operator==(const Period&, const Period&) = default;
  friend auto operator<=>(const Period& a, const Period& b) {
    if (auto c = a.year <=> b.year; c != 0) return c;
    if (auto c = a.kind <=> b.kind; c != 0) return c;
    return a.sub <=> b.sub;
  }
};

std::string_view PeriodKindName(PeriodKind kind);  // "year", "quarter", "month"
std::optional<PeriodKind> ParsePeriodKind(std::string_view name);

// Days since 1970-01-01 of a civil date (proleptic Gregorian), month 1-12, day 1-31.
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace kpihub::core
