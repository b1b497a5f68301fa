// Sharing agreements: the [[agreement]] loader's refusals and the read decision (deny by
// default, own data, levels, validity days in UTC+8).
#include "kpihub/core/catalogue.h"
#include "kpihub/core/sharing.h"
#include "kpihub/testing/source_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace kpihub::core {
namespace {

using kpihub::testing::Replace;

constexpr std::string_view kBase = R"([[department]]
code = "tax"
name_zh = "税务"
name_en = "Taxation"

[[department]]
code = "scitech"
name_zh = "科技"
name_en = "Science and Technology"

[[department]]
code = "finance"
name_zh = "财政"
name_en = "Finance"

[[park]]
code = "core"
name_zh = "核心区"
name_en = "Core"

[[indicator]]
code = "certified"
department = "scitech"
name_zh = "认定高新技术企业"
name_en = "Certified"
unit = "count"
decimals = 0
min = 0
max = 1
period = "year"
aggregation = "sum"
enterprise_level = true

[[indicator]]
code = "teams"
department = "scitech"
name_zh = "团队"
name_en = "Teams"
unit = "count"
decimals = 0
min = 0
max = 100
period = "year"
aggregation = "sum"
enterprise_level = false

[[indicator]]
code = "deduction"
department = "tax"
name_zh = "加计扣除"
name_en = "Deduction"
unit = "yuan"
decimals = 2
min = 0
max = 1000000
period = "year"
aggregation = "sum"
enterprise_level = true
)";

// One valid agreement; tests replace a line to break it in one place.
constexpr std::string_view kAgreement = R"(
[[agreement]]
code = "certified_to_tax"
name_zh = "高新技术企业认定名单"
provider = "scitech"
consumers = ["tax"]
indicators = ["certified"]
level = "enterprise"
purpose_zh = "落实税收优惠"
clause = "§15"
valid_from = "2021-01-01"
valid_until = "2021-06-30"
)";

std::string WithAgreement(std::string_view agreement = kAgreement) {
  return std::string(kBase) + std::string(agreement);
}

std::shared_ptr<const Catalogue> Load(const std::string& text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : nullptr;
}

std::string LoadError(const std::string& text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.status().message();
}

// The line of `needle` in `text`, 1-based: where an error must point.
int LineOf(const std::string& text, std::string_view needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

// Refusing `from` replaced by `to` must name the (last) line of `to` and say `reason`.
void ExpectRefused(std::string_view from, std::string_view to, std::string_view reason) {
  const std::string text = Replace(WithAgreement(), from, to);
  const std::string message = LoadError(text);
  EXPECT_NE(message.find(reason), std::string::npos) << message;
  const int line = LineOf(text, to) + static_cast<int>(std::count(to.begin(), to.end(), '\n'));
  const std::string at = "cat.toml:" + std::to_string(line) + ":";
  EXPECT_EQ(message.rfind(at, 0), 0u) << message << " (expected at " << at << ")";
}

// Unix seconds of 00:00:00 UTC on these days; the zone's midnight is 8 hours earlier.
constexpr int64_t k20210101Utc = 1609459200;
constexpr int64_t k20210701Utc = 1625097600;
constexpr int64_t kEightHours = 8 * 3600;

TEST(SharingTest, AgreementLoadsWithEveryField) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->agreements().size(), 1u);
  const SharingAgreement* a = c->FindAgreementByCode("certified_to_tax");
  ASSERT_EQ(a, &c->agreements()[0]);
  EXPECT_EQ(a->name_zh, "高新技术企业认定名单");
  EXPECT_EQ(a->provider, "scitech");
  EXPECT_EQ(a->consumers, std::vector<std::string>{"tax"});
  EXPECT_EQ(a->indicators, std::vector<std::string>{"certified"});
  EXPECT_EQ(a->level, ShareLevel::kEnterprise);
  EXPECT_EQ(a->purpose_zh, "落实税收优惠");
  EXPECT_EQ(a->clause, "§15");
  EXPECT_EQ(FormatZoneDay(a->valid_from_day), "2021-01-01");
  ASSERT_TRUE(a->valid_until_day.has_value());
  EXPECT_EQ(FormatZoneDay(*a->valid_until_day), "2021-06-30");
  EXPECT_EQ(c->FindAgreementByCode("nope"), nullptr);
}

TEST(SharingTest, ACatalogueWithoutAgreementsHasNone) {
  auto c = Load(std::string(kBase));
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->agreements().empty());
}

TEST(SharingTest, ValidUntilIsOptionalAndMayEqualValidFrom) {
  auto open = Load(Replace(WithAgreement(), "valid_until = \"2021-06-30\"\n", ""));
  ASSERT_NE(open, nullptr);
  EXPECT_FALSE(open->agreements()[0].valid_until_day.has_value());
  auto one_day = Load(Replace(WithAgreement(), "2021-06-30", "2021-01-01"));
  ASSERT_NE(one_day, nullptr);
  EXPECT_EQ(one_day->agreements()[0].valid_until_day, one_day->agreements()[0].valid_from_day);
  EXPECT_NE(Load(Replace(WithAgreement(), "2021-06-30", "2024-02-29")), nullptr);  // leap day
}

TEST(SharingTest, UnknownDepartmentsAreRefused) {
  ExpectRefused("provider = \"scitech\"", "provider = \"statistics\"",
                "agreement 'certified_to_tax': unknown department 'statistics'");
  ExpectRefused("consumers = [\"tax\"]", "consumers = [\"tax\", \"statistics\"]",
                "unknown department 'statistics'");
}

TEST(SharingTest, TheProviderIsNotAConsumerAndConsumersAreListedOnce) {
  ExpectRefused("consumers = [\"tax\"]", "consumers = [\"scitech\"]",
                "the provider 'scitech' cannot be a consumer");
  ExpectRefused("consumers = [\"tax\"]", "consumers = [\"tax\", \"tax\"]",
                "consumer 'tax' listed twice");
}

TEST(SharingTest, IndicatorsMustBeKnownAndTheProvidersOwn) {
  ExpectRefused("indicators = [\"certified\"]", "indicators = [\"certifed\"]",
                "unknown indicator 'certifed'");
  ExpectRefused("indicators = [\"certified\"]", "indicators = [\"certified\", \"deduction\"]",
                "indicator 'deduction' belongs to 'tax', not to the provider 'scitech'");
  ExpectRefused("indicators = [\"certified\"]", "indicators = [\"certified\", \"certified\"]",
                "indicator 'certified' listed twice");
}

TEST(SharingTest, EnterpriseLevelOnlyForEnterpriseLevelIndicators) {
  ExpectRefused("indicators = [\"certified\"]", "indicators = [\"certified\", \"teams\"]",
                "level \"enterprise\" needs enterprise-level indicators, 'teams'");
  // The same indicators at aggregate level are fine.
  EXPECT_NE(Load(Replace(Replace(WithAgreement(), "indicators = [\"certified\"]",
                                 "indicators = [\"certified\", \"teams\"]"),
                         "level = \"enterprise\"", "level = \"aggregate\"")),
            nullptr);
  ExpectRefused("level = \"enterprise\"", "level = \"entity\"", "level must be \"aggregate\"");
}

TEST(SharingTest, EmptyListsAreRefused) {
  ExpectRefused("consumers = [\"tax\"]", "consumers = []", "'consumers' must not be empty");
  ExpectRefused("indicators = [\"certified\"]", "indicators = []",
                "'indicators' must not be empty");
}

TEST(SharingTest, PurposeAndClauseAreRequired) {
  const std::string no_purpose = Replace(WithAgreement(), "purpose_zh = \"落实税收优惠\"\n", "");
  EXPECT_NE(LoadError(no_purpose).find("[[agreement]] needs 'purpose_zh'"), std::string::npos);
  ExpectRefused("purpose_zh = \"落实税收优惠\"", "purpose_zh = \"\"", "'purpose_zh' must not be empty");
  const std::string no_clause = Replace(WithAgreement(), "clause = \"§15\"\n", "");
  EXPECT_NE(LoadError(no_clause).find("[[agreement]] needs 'clause'"), std::string::npos);
  for (std::string_view bad : {"\"15\"", "\"§\"", "\"§01\"", "\"第15条\"", "\"§15a\"", "\"§1000\""}) {
    ExpectRefused("clause = \"§15\"", "clause = " + std::string(bad), "clause must be \"§n\"");
  }
}

TEST(SharingTest, BadDatesAreRefused) {
  for (std::string_view bad : {"2021-1-01", "2021/01/01", "2021-02-29", "2021-13-01", "2021-00-10",
                               "1899-12-31", "2021-01-01T00:00", "yesterday"}) {
    ExpectRefused("valid_from = \"2021-01-01\"", "valid_from = \"" + std::string(bad) + "\"",
                  "valid_from \"" + std::string(bad) + "\" must be a date \"YYYY-MM-DD\"");
  }
  ExpectRefused("valid_until = \"2021-06-30\"", "valid_until = \"2021-06-31\"",
                "valid_until \"2021-06-31\" must be a date");
  ExpectRefused("valid_from = \"2021-01-01\"", "valid_from = 2021-01-01",
                "'valid_from' must be a string");
}

TEST(SharingTest, UntilBeforeFromIsRefused) {
  ExpectRefused("valid_until = \"2021-06-30\"", "valid_until = \"2020-12-31\"",
                "agreement 'certified_to_tax': valid_until is before valid_from");
}

TEST(SharingTest, DuplicateCodeAndUnknownKeysAreRefused) {
  const std::string twice = WithAgreement(std::string(kAgreement) + std::string(kAgreement));
  const std::string message = LoadError(twice);
  EXPECT_NE(message.find("duplicate agreement 'certified_to_tax'"), std::string::npos) << message;
  // It points at the second table's code, the line after its header.
  const size_t second = twice.find("[[agreement]]", twice.find("[[agreement]]") + 1);
  const int line = 2 + static_cast<int>(std::count(twice.begin(), twice.begin() + second, '\n'));
  EXPECT_EQ(message.rfind("cat.toml:" + std::to_string(line) + ":", 0), 0u) << message;
  ExpectRefused("clause = \"§15\"", "clause = \"§15\"\nconsumer = \"tax\"",
                "[[agreement]] has unknown key 'consumer'");
}

// --- The decision ---

TEST(SharingTest, OwnDataNeedsNoAgreement) {
  auto c = Load(std::string(kBase));
  ASSERT_NE(c, nullptr);
  for (ShareLevel level : {ShareLevel::kAggregate, ShareLevel::kEnterprise}) {
    ShareDecision d = c->DecideShare("scitech", "certified", level, k20210101Utc);
    EXPECT_EQ(d.verdict, ShareVerdict::kOwnData);
    EXPECT_TRUE(d.allowed());
    EXPECT_EQ(d.agreement, nullptr);
    EXPECT_EQ(c->FindAgreement("scitech", "certified", level, k20210101Utc), nullptr);
  }
}

TEST(SharingTest, DenyByDefault) {
  auto c = Load(std::string(kBase));
  ASSERT_NE(c, nullptr);
  ShareDecision d = c->DecideShare("tax", "certified", ShareLevel::kAggregate, k20210101Utc);
  EXPECT_EQ(d.verdict, ShareVerdict::kNoAgreement);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(ShareVerdictName(d.verdict), "no_agreement");
  EXPECT_EQ(ShareVerdictZh(d.verdict), "无共享协议");
}

TEST(SharingTest, GrantedInsideTheValidityDays) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const SharingAgreement* a = &c->agreements()[0];
  const int64_t mid = k20210101Utc + 90 * 86400;
  EXPECT_EQ(c->FindAgreement("tax", "certified", ShareLevel::kEnterprise, mid), a);
  ShareDecision d = c->DecideShare("tax", "certified", ShareLevel::kEnterprise, mid);
  EXPECT_EQ(d.verdict, ShareVerdict::kGranted);
  EXPECT_EQ(d.agreement, a);
  EXPECT_TRUE(d.allowed());
}

TEST(SharingTest, AnEnterpriseAgreementImpliesTheAggregates) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const int64_t mid = k20210101Utc + 90 * 86400;
  EXPECT_EQ(c->FindAgreement("tax", "certified", ShareLevel::kAggregate, mid),
            &c->agreements()[0]);
}

TEST(SharingTest, AnAggregateAgreementRefusesEnterpriseRows) {
  auto c = Load(Replace(WithAgreement(), "level = \"enterprise\"", "level = \"aggregate\""));
  ASSERT_NE(c, nullptr);
  const int64_t mid = k20210101Utc + 90 * 86400;
  EXPECT_NE(c->FindAgreement("tax", "certified", ShareLevel::kAggregate, mid), nullptr);
  ShareDecision d = c->DecideShare("tax", "certified", ShareLevel::kEnterprise, mid);
  EXPECT_EQ(d.verdict, ShareVerdict::kAggregateOnly);
  EXPECT_EQ(d.agreement, &c->agreements()[0]);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(c->FindAgreement("tax", "certified", ShareLevel::kEnterprise, mid), nullptr);
}

TEST(SharingTest, AConsumerOrIndicatorNotListedIsRefused) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const int64_t mid = k20210101Utc + 90 * 86400;
  EXPECT_EQ(c->DecideShare("finance", "certified", ShareLevel::kAggregate, mid).verdict,
            ShareVerdict::kNoAgreement);
  EXPECT_EQ(c->DecideShare("tax", "teams", ShareLevel::kAggregate, mid).verdict,
            ShareVerdict::kNoAgreement);
  // The agreement runs one way: the provider gets nothing of the consumer's.
  EXPECT_EQ(c->DecideShare("scitech", "deduction", ShareLevel::kAggregate, mid).verdict,
            ShareVerdict::kNoAgreement);
}

TEST(SharingTest, UnknownIndicatorOrConsumerIsRefused) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const int64_t mid = k20210101Utc + 90 * 86400;
  EXPECT_EQ(c->DecideShare("tax", "nope", ShareLevel::kAggregate, mid).verdict,
            ShareVerdict::kUnknownIndicator);
  ShareDecision d = c->DecideShare("statistics", "certified", ShareLevel::kAggregate, mid);
  EXPECT_EQ(d.verdict, ShareVerdict::kUnknownDepartment);
  EXPECT_FALSE(d.allowed());
}

// valid_from 2021-01-01 starts at 2021-01-01 00:00 in UTC+8, i.e. 2020-12-31 16:00 UTC.
TEST(SharingTest, ValidFromStartsAtTheZonesMidnight) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const int64_t start = k20210101Utc - kEightHours;
  ShareDecision before = c->DecideShare("tax", "certified", ShareLevel::kEnterprise, start - 1);
  EXPECT_EQ(before.verdict, ShareVerdict::kNotYetInForce);
  EXPECT_EQ(before.agreement, &c->agreements()[0]);
  EXPECT_EQ(c->DecideShare("tax", "certified", ShareLevel::kEnterprise, start).verdict,
            ShareVerdict::kGranted);
  // Midnight UTC of the same date is already 08:00 in the zone: in force, not a day late.
  EXPECT_EQ(c->DecideShare("tax", "certified", ShareLevel::kEnterprise, k20210101Utc).verdict,
            ShareVerdict::kGranted);
}

// valid_until 2021-06-30 is inclusive: it ends at 2021-07-01 00:00 in UTC+8.
TEST(SharingTest, ValidUntilEndsAtTheZonesMidnightAfterIt) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const int64_t end = k20210701Utc - kEightHours;
  EXPECT_EQ(c->DecideShare("tax", "certified", ShareLevel::kEnterprise, end - 1).verdict,
            ShareVerdict::kGranted);
  ShareDecision after = c->DecideShare("tax", "certified", ShareLevel::kEnterprise, end);
  EXPECT_EQ(after.verdict, ShareVerdict::kExpired);
  EXPECT_EQ(after.agreement, &c->agreements()[0]);
  EXPECT_EQ(ShareVerdictName(after.verdict), "agreement_expired");
  // Still 2021-06-30 in UTC at that moment, but the zone's day is over.
  EXPECT_EQ(c->FindAgreement("tax", "certified", ShareLevel::kAggregate, end), nullptr);
}

TEST(SharingTest, TheFirstAgreementInForceInCatalogueOrderGrants) {
  std::string second = Replace(kAgreement, "certified_to_tax", "certified_to_tax_renewed");
  second = Replace(second, "valid_from = \"2021-01-01\"", "valid_from = \"2021-06-01\"");
  second = Replace(second, "valid_until = \"2021-06-30\"", "valid_until = \"2022-12-31\"");
  auto c = Load(WithAgreement(std::string(kAgreement) + second));
  ASSERT_NE(c, nullptr);
  const SharingAgreement* first = &c->agreements()[0];
  const SharingAgreement* renewed = &c->agreements()[1];
  const int64_t june = k20210701Utc - kEightHours - 86400;  // 2021-06-30, both in force
  EXPECT_EQ(c->FindAgreement("tax", "certified", ShareLevel::kEnterprise, june), first);
  const int64_t july = k20210701Utc;  // only the renewal
  EXPECT_EQ(c->FindAgreement("tax", "certified", ShareLevel::kEnterprise, july), renewed);
}

// A refusal names the most useful agreement: one still to come before one that ended, and
// either before one that grants aggregates only.
TEST(SharingTest, RefusalReasonsHaveAFixedPrecedence) {
  std::string aggregate = Replace(kAgreement, "certified_to_tax", "aggregate_to_tax");
  aggregate = Replace(aggregate, "level = \"enterprise\"", "level = \"aggregate\"");
  aggregate = Replace(aggregate, "valid_until = \"2021-06-30\"", "valid_until = \"2030-12-31\"");
  std::string later = Replace(kAgreement, "certified_to_tax", "later_to_tax");
  later = Replace(later, "valid_from = \"2021-01-01\"", "valid_from = \"2025-01-01\"");
  later = Replace(later, "valid_until = \"2021-06-30\"", "valid_until = \"2025-12-31\"");
  const int64_t in_2022 = k20210701Utc + 365 * 86400;
  {
    auto c = Load(WithAgreement(aggregate + std::string(kAgreement)));
    ASSERT_NE(c, nullptr);
    ShareDecision d = c->DecideShare("tax", "certified", ShareLevel::kEnterprise, in_2022);
    EXPECT_EQ(d.verdict, ShareVerdict::kExpired);
    EXPECT_EQ(d.agreement->code, "certified_to_tax");
    EXPECT_EQ(c->DecideShare("tax", "certified", ShareLevel::kAggregate, in_2022).agreement->code,
              "aggregate_to_tax");
  }
  {
    auto c = Load(WithAgreement(std::string(kAgreement) + later + aggregate));
    ASSERT_NE(c, nullptr);
    ShareDecision d = c->DecideShare("tax", "certified", ShareLevel::kEnterprise, in_2022);
    EXPECT_EQ(d.verdict, ShareVerdict::kNotYetInForce);
    EXPECT_EQ(d.agreement->code, "later_to_tax");
  }
}

TEST(SharingTest, AgreementStatesByDay) {
  auto c = Load(WithAgreement());
  ASSERT_NE(c, nullptr);
  const SharingAgreement& a = c->agreements()[0];
  EXPECT_EQ(a.StateOn(*ParseZoneDay("2020-12-31")), AgreementState::kNotYet);
  EXPECT_EQ(a.StateOn(*ParseZoneDay("2021-01-01")), AgreementState::kInForce);
  EXPECT_EQ(a.StateOn(*ParseZoneDay("2021-06-30")), AgreementState::kInForce);
  EXPECT_EQ(a.StateOn(*ParseZoneDay("2021-07-01")), AgreementState::kExpired);
  EXPECT_EQ(AgreementStateZh(AgreementState::kInForce), "生效中");
  EXPECT_EQ(AgreementStateZh(AgreementState::kNotYet), "未生效");
  EXPECT_EQ(AgreementStateZh(AgreementState::kExpired), "已过期");
  EXPECT_EQ(ShareLevelZh(ShareLevel::kAggregate), "汇总数据");
  EXPECT_EQ(ShareLevelZh(ShareLevel::kEnterprise), "企业明细");
}

TEST(SharingTest, ZoneDaysRoundTripAndFloorBeforeTheEpoch) {
  EXPECT_EQ(ParseZoneDay("1970-01-01"), std::optional<int64_t>(0));
  EXPECT_EQ(ParseZoneDay("2021-01-01"), std::optional<int64_t>(k20210101Utc / 86400));
  EXPECT_EQ(ZoneDayOf(0), 0);
  EXPECT_EQ(ZoneDayOf(16 * 3600 - 1), 0);  // 23:59:59 in the zone
  EXPECT_EQ(ZoneDayOf(16 * 3600), 1);
  EXPECT_EQ(ZoneDayOf(-8 * 3600), 0);  // the zone's midnight of 1970-01-01
  EXPECT_EQ(ZoneDayOf(-8 * 3600 - 1), -1);
  EXPECT_EQ(FormatZoneDay(-1), "1969-12-31");
  for (std::string_view day : {"1900-01-01", "2000-02-29", "2017-05-31", "2100-12-31", "2999-12-31"}) {
    ASSERT_TRUE(ParseZoneDay(day).has_value()) << day;
    EXPECT_EQ(FormatZoneDay(*ParseZoneDay(day)), day);
  }
  EXPECT_FALSE(ParseZoneDay("2100-02-29").has_value());  // not a leap year
}

// --- The shipped catalogue: the exchange the policy describes (KPIS.md, §8, §10, §15, §20) ---

class ShippedAgreementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalogue_ = kpihub::testing::ShippedCatalogue();
    ASSERT_NE(catalogue_, nullptr);
    now_ = k20210101Utc;
  }
  ShareVerdict Decide(std::string_view consumer, std::string_view indicator, ShareLevel level) {
    return catalogue_->DecideShare(consumer, indicator, level, now_).verdict;
  }
  std::shared_ptr<const Catalogue> catalogue_;
  int64_t now_ = 0;
};

TEST_F(ShippedAgreementsTest, EnterpriseRowsFlowWhereThePolicyNeedsThem) {
  EXPECT_EQ(Decide("finance", "hightech_certified", ShareLevel::kEnterprise), ShareVerdict::kGranted);
  EXPECT_EQ(Decide("tax", "hightech_certified", ShareLevel::kEnterprise), ShareVerdict::kGranted);
  EXPECT_EQ(Decide("scitech", "rd_super_deduction", ShareLevel::kEnterprise),
            ShareVerdict::kGranted);
}

TEST_F(ShippedAgreementsTest, NoOtherEnterpriseRowsLeaveTheirDepartment) {
  EXPECT_EQ(Decide("finance", "rd_super_deduction", ShareLevel::kEnterprise),
            ShareVerdict::kNoAgreement);
  EXPECT_EQ(Decide("scitech", "hightech_tax_relief", ShareLevel::kEnterprise),
            ShareVerdict::kNoAgreement);
  EXPECT_EQ(Decide("office", "rd_super_deduction", ShareLevel::kEnterprise),
            ShareVerdict::kAggregateOnly);
  EXPECT_EQ(Decide("environment", "industrial_output", ShareLevel::kAggregate),
            ShareVerdict::kNoAgreement);
}

TEST_F(ShippedAgreementsTest, EachClauseIsTheOnePolicyClauseForItsPurpose) {
  auto clause = [&](std::string_view consumer, std::string_view indicator, ShareLevel level) {
    const SharingAgreement* a = catalogue_->FindAgreement(consumer, indicator, level, now_);
    return a != nullptr ? a->clause : std::string("none");
  };
  EXPECT_EQ(clause("finance", "hightech_certified", ShareLevel::kEnterprise), "§10");
  EXPECT_EQ(clause("finance", "leading_talents", ShareLevel::kAggregate), "§8");
  EXPECT_EQ(clause("tax", "hightech_certified", ShareLevel::kEnterprise), "§15");
  EXPECT_EQ(clause("scitech", "rd_super_deduction", ShareLevel::kEnterprise), "§15");
  EXPECT_EQ(clause("office", "gdp", ShareLevel::kAggregate), "§20");
}

// The management committee's office supervises every park aggregate (§18, §20): an indicator
// added to the catalogue without being added to its agreement fails here.
TEST_F(ShippedAgreementsTest, TheOfficeReadsEveryAggregate) {
  for (const Indicator& i : catalogue_->indicators()) {
    EXPECT_TRUE(catalogue_->DecideShare("office", i.code, ShareLevel::kAggregate, now_).allowed())
        << i.code;
  }
}

}  // namespace
}  // namespace kpihub::core
