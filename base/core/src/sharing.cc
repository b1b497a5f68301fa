// Sharing agreements: days of the zone, agreement states and the read decision. The TOML
// loader is sharing_toml.cc.
#include "kpihub/core/sharing.h"

#include <algorithm>
#include <cstdio>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/period.h"

namespace kpihub::core {
namespace {

constexpr int64_t kZoneOffsetSeconds = 8 * 3600;  // the zone's civil time, UTC+8, no DST
constexpr int64_t kSecondsPerDay = 86400;

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// The value of `n` ASCII digits at `at`, or -1.
int Digits(std::string_view text, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

template <typename Pred>
bool Contains(const std::vector<std::string>& items, Pred match) {
  return std::any_of(items.begin(), items.end(), match);
}

}  // namespace

std::string_view ShareLevelName(ShareLevel level) {
  return level == ShareLevel::kEnterprise ? "enterprise" : "aggregate";
}

std::string_view ShareLevelZh(ShareLevel level) {
  return level == ShareLevel::kEnterprise ? "企业明细" : "汇总数据";
}

int64_t ZoneDayOf(int64_t unix_seconds) {
  const int64_t local = unix_seconds + kZoneOffsetSeconds;
  // Floor division: a moment before 1970 belongs to the day before, not the day after.
  return local >= 0 ? local / kSecondsPerDay : -((-local + kSecondsPerDay - 1) / kSecondsPerDay);
}

std::optional<int64_t> ParseZoneDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  if (year < 1900 || year > 2999 || month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

std::string FormatZoneDay(int64_t day) {
  // H. Hinnant's civil_from_days.
  const int64_t z = day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[64];  // three 64-bit numbers at most: never truncated
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::string_view AgreementStateName(AgreementState state) {
  switch (state) {
    case AgreementState::kInForce: return "in_force";
    case AgreementState::kNotYet: return "not_yet";
    case AgreementState::kExpired: return "expired";
  }
  return "expired";
}

std::string_view AgreementStateZh(AgreementState state) {
  switch (state) {
    case AgreementState::kInForce: return "生效中";
    case AgreementState::kNotYet: return "未生效";
    case AgreementState::kExpired: return "已过期";
  }
  return "已过期";
}

AgreementState SharingAgreement::StateOn(int64_t day) const {
  if (day < valid_from_day) return AgreementState::kNotYet;
  if (valid_until_day && day > *valid_until_day) return AgreementState::kExpired;
  return AgreementState::kInForce;
}

bool SharingAgreement::ListsConsumer(std::string_view department) const {
  return Contains(consumers, [&](const std::string& c) { return c == department; });
}

bool SharingAgreement::ListsIndicator(std::string_view indicator) const {
  return Contains(indicators, [&](const std::string& i) { return i == indicator; });
}

std::string_view ShareVerdictName(ShareVerdict verdict) {
  switch (verdict) {
    case ShareVerdict::kOwnData: return "own_data";
    case ShareVerdict::kGranted: return "granted";
    case ShareVerdict::kNoAgreement: return "no_agreement";
    case ShareVerdict::kNotYetInForce: return "not_yet_in_force";
    case ShareVerdict::kExpired: return "agreement_expired";
    case ShareVerdict::kAggregateOnly: return "aggregate_only";
    case ShareVerdict::kUnknownIndicator: return "unknown_indicator";
    case ShareVerdict::kUnknownDepartment: return "unknown_department";
  }
  return "no_agreement";
}

std::string_view ShareVerdictZh(ShareVerdict verdict) {
  switch (verdict) {
    case ShareVerdict::kOwnData: return "本部门数据";
    case ShareVerdict::kGranted: return "依共享协议提供";
    case ShareVerdict::kNoAgreement: return "无共享协议";
    case ShareVerdict::kNotYetInForce: return "共享协议尚未生效";
    case ShareVerdict::kExpired: return "共享协议已过期";
    case ShareVerdict::kAggregateOnly: return "共享协议仅提供汇总数据，不含企业明细";
    case ShareVerdict::kUnknownIndicator: return "未知指标";
    case ShareVerdict::kUnknownDepartment: return "未知部门";
  }
  return "无共享协议";
}

ShareDecision Catalogue::DecideShare(std::string_view consumer, std::string_view indicator,
                                     ShareLevel level, int64_t unix_seconds) const {
  const Indicator* owned = FindIndicator(indicator);
  if (owned == nullptr) return {ShareVerdict::kUnknownIndicator, nullptr};
  if (FindDepartment(consumer) == nullptr) return {ShareVerdict::kUnknownDepartment, nullptr};
  if (owned->department == consumer) return {ShareVerdict::kOwnData, nullptr};
  const int64_t day = ZoneDayOf(unix_seconds);
  const SharingAgreement* later = nullptr;
  const SharingAgreement* earlier = nullptr;
  const SharingAgreement* aggregate_only = nullptr;
  for (const SharingAgreement& a : agreements_) {
    if (!a.ListsConsumer(consumer) || !a.ListsIndicator(indicator)) continue;
    if (!a.GrantsLevel(level)) {
      if (aggregate_only == nullptr) aggregate_only = &a;
      continue;
    }
    switch (a.StateOn(day)) {
      case AgreementState::kInForce: return {ShareVerdict::kGranted, &a};
      case AgreementState::kNotYet: later = later != nullptr ? later : &a; break;
      case AgreementState::kExpired: earlier = earlier != nullptr ? earlier : &a; break;
    }
  }
  if (later != nullptr) return {ShareVerdict::kNotYetInForce, later};
  if (earlier != nullptr) return {ShareVerdict::kExpired, earlier};
  if (aggregate_only != nullptr) return {ShareVerdict::kAggregateOnly, aggregate_only};
  return {ShareVerdict::kNoAgreement, nullptr};
}

const SharingAgreement* Catalogue::FindAgreement(std::string_view consumer,
                                                 std::string_view indicator, ShareLevel level,
                                                 int64_t unix_seconds) const {
  ShareDecision d = DecideShare(consumer, indicator, level, unix_seconds);
  return d.verdict == ShareVerdict::kGranted ? d.agreement : nullptr;
}

}  // namespace kpihub::core
