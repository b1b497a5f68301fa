// Period parsing and calendar arithmetic. Parsing is strict because a period is part of a
// figure's identity: "2020-9" and "2020-09" must not become two different figures.
#include "kpihub/core/period.h"

#include <cstdio>

namespace kpihub::core {
namespace {

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2999;
constexpr int64_t kZoneUtcOffsetSeconds = 8 * 3600;  // China Standard Time, no DST

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Value of `text` if it is non-empty and all ASCII digits (no sign, no space).
std::optional<int> Digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int v = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}


int FirstMonth(const Period& p) {
  switch (p.kind) {
    case PeriodKind::kYear: return 1;
    case PeriodKind::kQuarter: return 3 * (p.sub - 1) + 1;
    case PeriodKind::kMonth: return p.sub;
  }
  return 1;
}

}  // namespace

// H. Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<Period> Period::Parse(std::string_view text) {
  if (text.size() != 4 && text.size() != 6 && text.size() != 7) return std::nullopt;
  std::optional<int> year = Digits(text.substr(0, 4));
  if (!year || *year < kMinYear || *year > kMaxYear) return std::nullopt;
  if (text.size() == 4) return Period{PeriodKind::kYear, *year, 0};
  if (text.size() == 6) {
    if (text[4] != 'Q' || text[5] < '1' || text[5] > '4') return std::nullopt;
    return Period{PeriodKind::kQuarter, *year, text[5] - '0'};
  }
  if (text[4] != '-') return std::nullopt;
  std::optional<int> month = Digits(text.substr(5, 2));
  if (!month || *month < 1 || *month > 12) return std::nullopt;
  return Period{PeriodKind::kMonth, *year, *month};
}

std::string Period::ToString() const {
  // Every validated observation's period passes here: the common case without printf.
  if (year >= 0 && year <= 9999 && sub >= 0 && sub <= 12) {
    std::string out = {static_cast<char>('0' + year / 1000), static_cast<char>('0' + year / 100 % 10),
                       static_cast<char>('0' + year / 10 % 10), static_cast<char>('0' + year % 10)};
    if (kind == PeriodKind::kQuarter) {
      out += 'Q';
      out += static_cast<char>('0' + sub);
    } else if (kind == PeriodKind::kMonth) {
      out += '-';
      out += static_cast<char>('0' + sub / 10);
      out += static_cast<char>('0' + sub % 10);
    }
    return out;
  }
  char buf[32];
  switch (kind) {
    case PeriodKind::kYear: std::snprintf(buf, sizeof buf, "%04d", year); break;
    case PeriodKind::kQuarter: std::snprintf(buf, sizeof buf, "%04dQ%d", year, sub); break;
    case PeriodKind::kMonth: std::snprintf(buf, sizeof buf, "%04d-%02d", year, sub); break;
  }
  return buf;
}

int64_t Period::StartUnixSeconds() const {
  // Local midnight of the first day, expressed in UTC.
  return DaysFromCivil(year, FirstMonth(*this), 1) * 86400 -
         kZoneUtcOffsetSeconds;
}

std::string_view PeriodKindName(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kYear: return "year";
    case PeriodKind::kQuarter: return "quarter";
    case PeriodKind::kMonth: return "month";
  }
  return "unknown";
}

std::optional<PeriodKind> ParsePeriodKind(std::string_view name) {
  if (name == "year") return PeriodKind::kYear;
  if (name == "quarter") return PeriodKind::kQuarter;
  if (name == "month") return PeriodKind::kMonth;
  return std::nullopt;
}

}  // namespace kpihub::core
