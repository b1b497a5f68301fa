// Sharing agreements: which department may read which other department's figures, at which
// level, for which purpose of the policy and for how long (docs/catalogue.md, "[[agreement]]";
// docs/exchange.md). Deny by default: a department reads another department's indicator only
// under an agreement in force that names it as a consumer and grants the level it asks for.
// A department reading its own indicators needs no agreement.
//
// Levels: `kAggregate` grants park and zone figures as they are published, small-cell
// suppression applied (a withheld cell stays withheld); `kEnterprise` grants the rows of each
// enterprise and implies the aggregates, unsuppressed.
//
// Days are civil dates of the zone (UTC+8, no DST), counted from 1970-01-01; validity is
// inclusive at both ends: an agreement valid until 2020-12-31 grants until 2021-01-01 00:00
// UTC+8. Values only; pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpihub::core {

enum class ShareLevel { kAggregate, kEnterprise };
std::string_view ShareLevelName(ShareLevel level);  // "aggregate", "enterprise"
std::string_view ShareLevelZh(ShareLevel level);    // "汇总数据", "企业明细"

// The zone's civil day of a Unix time (UTC+8): days since 1970-01-01.
int64_t ZoneDayOf(int64_t unix_seconds);
// A day from "YYYY-MM-DD" (year 1900..2999, a real calendar date); nullopt otherwise.
std::optional<int64_t> ParseZoneDay(std::string_view text);
// "YYYY-MM-DD" of a day.
std::string FormatZoneDay(int64_t day);

// Where an agreement stands on a day.
enum class AgreementState { kInForce, kNotYet, kExpired };
std::string_view AgreementStateName(AgreementState state);  // "in_force", "not_yet", "expired"
std::string_view AgreementStateZh(AgreementState state);    // "生效中", "未生效", "已过期"

struct SharingAgreement {
  std::string code;
  std::string name_zh;
  std::string provider;                 // department code: the owner of every indicator
  std::vector<std::string> consumers;   // department codes, never the provider
  std::vector<std::string> indicators;  // indicator codes, each owned by the provider
  ShareLevel level = ShareLevel::kAggregate;
  std::string purpose_zh;               // required: what the consumer uses the figures for
  std::string clause;                   // required, "§n"
  int64_t valid_from_day = 0;           // first day in force
  std::optional<int64_t> valid_until_day;  // last day in force; absent: open-ended

  AgreementState StateOn(int64_t day) const;
  bool InForceAt(int64_t unix_seconds) const {
    return StateOn(ZoneDayOf(unix_seconds)) == AgreementState::kInForce;
  }
  bool ListsConsumer(std::string_view department) const;
  bool ListsIndicator(std::string_view indicator) const;
  // An enterprise agreement grants aggregates too.
  bool GrantsLevel(ShareLevel asked) const {
    return level == ShareLevel::kEnterprise || asked == ShareLevel::kAggregate;
  }
};

// The outcome of a read decision. Only kOwnData and kGranted allow the read.
enum class ShareVerdict {
  kOwnData,            // the consumer owns the indicator: no agreement needed
  kGranted,            // an agreement in force grants it
  kNoAgreement,        // no agreement lists this consumer and indicator
  kNotYetInForce,      // an agreement would grant it, from a later day
  kExpired,            // an agreement granted it, until an earlier day
  kAggregateOnly,      // enterprise level asked; the agreements grant aggregates only
  kUnknownIndicator,   // not an indicator of the catalogue
  kUnknownDepartment,  // the consumer is not a department of the catalogue
};
// snake_case reason code: the enumerator in snake case ("no_agreement"), but "agreement_expired".
std::string_view ShareVerdictName(ShareVerdict verdict);
// Chinese text for a department's staff, e.g. "无共享协议".
std::string_view ShareVerdictZh(ShareVerdict verdict);

struct ShareDecision {
  ShareVerdict verdict = ShareVerdict::kNoAgreement;
  // kGranted: the granting agreement. kNotYetInForce, kExpired, kAggregateOnly: the agreement
  // the refusal is about. Otherwise null. Points into the catalogue that decided.
  const SharingAgreement* agreement = nullptr;
  bool allowed() const {
    return verdict == ShareVerdict::kOwnData || verdict == ShareVerdict::kGranted;
  }
};

}  // namespace kpihub::core
