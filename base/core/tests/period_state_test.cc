#include "kpihub/core/period_state.h"
#include "kpihub/testing/source_file.h"

#include <gtest/gtest.h>

#include <set>

namespace kpihub::core {
namespace {

// 2021-01-15T00:00+08:00: 2020 has ended, 2021 has not.
constexpr int64_t kNow = 1610640000;

std::shared_ptr<const Catalogue> Shipped() { return kpihub::testing::ShippedCatalogue(); }

std::variant<ValidPeriodAction, Rejection> Check(std::string_view sender, PeriodActionKind kind,
                                                 std::string department, std::string period) {
  static const std::shared_ptr<const Catalogue> catalogue = Shipped();
  return ValidatePeriodAction(*catalogue, sender,
                              PeriodAction{kind, std::move(department), std::move(period), "n"}, 3,
                              kNow);
}

RejectReason Refused(std::string_view sender, PeriodActionKind kind, std::string department,
                     std::string period) {
  auto r = Check(sender, kind, std::move(department), std::move(period));
  EXPECT_TRUE(std::holds_alternative<Rejection>(r));
  if (!std::holds_alternative<Rejection>(r)) return RejectReason::kUndecodable;
  EXPECT_EQ(std::get<Rejection>(r).index, 3u);
  EXPECT_FALSE(std::get<Rejection>(r).detail.empty());
  return std::get<Rejection>(r).reason;
}

TEST(PeriodActionTest, DepartmentSubmitsItsOwnEndedYearAndTheOfficeApprovesAny) {
  auto own = Check("tax", PeriodActionKind::kSubmit, "", "2020");
  ASSERT_TRUE(std::holds_alternative<ValidPeriodAction>(own));
  EXPECT_EQ(std::get<ValidPeriodAction>(own).department, "tax");  // empty means the sender's
  EXPECT_EQ(std::get<ValidPeriodAction>(own).year, 2020);
  EXPECT_EQ(std::get<ValidPeriodAction>(own).index, 3u);
  auto approve = Check("office", PeriodActionKind::kApprove, "finance", "2019");
  ASSERT_TRUE(std::holds_alternative<ValidPeriodAction>(approve));
  EXPECT_EQ(std::get<ValidPeriodAction>(approve).department, "finance");
  EXPECT_TRUE(std::holds_alternative<ValidPeriodAction>(
      Check("office", PeriodActionKind::kReopen, "tax", "2020")));
}

TEST(PeriodActionTest, EveryRefusalHasItsReason) {
  EXPECT_EQ(Refused("tax", PeriodActionKind::kApprove, "tax", "2020"), RejectReason::kNotApprover);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kReopen, "tax", "2020"), RejectReason::kNotApprover);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kSubmit, "finance", "2020"),
            RejectReason::kNotApprover);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kSubmit, "statistics", "2020"),
            RejectReason::kUnknownDepartment);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kSubmit, "", "2020Q4"),
            RejectReason::kPeriodTypeNotAllowed);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kSubmit, "", "20x0"), RejectReason::kMalformedPeriod);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kSubmit, "", "2021"), RejectReason::kFuturePeriod);
  EXPECT_EQ(Refused("tax", PeriodActionKind::kSubmit, std::string(65, 'd'), "2020"),
            RejectReason::kFieldTooLong);
  EXPECT_EQ(Refused("tax", static_cast<PeriodActionKind>(9), "", "2020"),
            RejectReason::kPeriodStateConflict);
}

TEST(PeriodStateTest, TransitionsFollowTheCycleAndResendsChangeNothing) {
  using K = PeriodActionKind;
  using S = PeriodState;
  EXPECT_EQ(NextPeriodState(K::kSubmit, S::kOpen), S::kSubmitted);
  EXPECT_EQ(NextPeriodState(K::kSubmit, S::kSubmitted), S::kSubmitted);
  EXPECT_EQ(NextPeriodState(K::kSubmit, S::kApproved), std::nullopt);
  EXPECT_EQ(NextPeriodState(K::kApprove, S::kOpen), std::nullopt);
  EXPECT_EQ(NextPeriodState(K::kApprove, S::kSubmitted), S::kApproved);
  EXPECT_EQ(NextPeriodState(K::kApprove, S::kApproved), S::kApproved);
  EXPECT_EQ(NextPeriodState(K::kReopen, S::kSubmitted), S::kOpen);
  EXPECT_EQ(NextPeriodState(K::kReopen, S::kOpen), std::nullopt);
  EXPECT_EQ(NextPeriodState(K::kReopen, S::kApproved), std::nullopt);
  EXPECT_NE(PeriodConflictDetail(K::kApprove, S::kOpen, "tax", 2020).find("not been submitted"),
            std::string::npos);
}

TEST(PeriodStateTest, ClosedYearsRefuseChangesButTakeRestatementsOfApprovedOnes) {
  EXPECT_NE(ClosedPeriodRefusal(PeriodState::kSubmitted, false, "tax", 2020), "");
  EXPECT_NE(ClosedPeriodRefusal(PeriodState::kSubmitted, true, "tax", 2020), "");
  EXPECT_NE(ClosedPeriodRefusal(PeriodState::kApproved, false, "tax", 2020).find("restatement"),
            std::string::npos);
  EXPECT_EQ(ClosedPeriodRefusal(PeriodState::kApproved, true, "tax", 2020), "");
  EXPECT_EQ(PeriodYear("2020Q3"), 2020);
  EXPECT_EQ(PeriodYear("2019-12"), 2019);
  EXPECT_EQ(PeriodYear("x"), 0);
}

TEST(PeriodStateTest, SubmissionDeadlineIsTheEndOfTheDayInTheZone) {
  auto catalogue = Shipped();
  const Department* tax = catalogue->FindDepartment("tax");  // submit_by = "06-30"
  ASSERT_NE(tax, nullptr);
  // 2021-07-01T00:00+08:00 = 2021-06-30T16:00Z.
  EXPECT_EQ(SubmissionDeadline(*tax, 2020), std::optional<int64_t>(1625068800));
  EXPECT_EQ(SubmissionDeadline(*catalogue->FindDepartment("office"), 2020), std::nullopt);
  EXPECT_EQ(ClosingFromYear(*catalogue), 2016);
}

// A zone that starts closing years with kpihub names its first year; earlier ones are then
// neither listed nor overdue.
TEST(PeriodStateTest, ClosingFromYearCanBeSetInTheCatalogue) {
  const std::string text = kpihub::testing::SourceFile("config/catalogue.toml");
  auto set = Catalogue::FromToml("[closing]\nfrom_year = 2025\n" + text, "c.toml");
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(ClosingFromYear(**set), 2025);
  auto bad = Catalogue::FromToml("[closing]\nfrom_year = 1800\n" + text, "c.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("from_year"), std::string::npos) << bad.status().message();
  auto unknown = Catalogue::FromToml("[closing]\nfrom = 2025\n" + text, "c.toml");
  EXPECT_FALSE(unknown.ok());
}

TEST(PeriodStateTest, SubmitByMustBeADayEveryYearHas) {
  const std::string base =
      "[[department]]\ncode = \"tax\"\nname_zh = \"税务\"\nname_en = \"Tax\"\nsubmit_by = \"";
  const std::string rest =
      "\"\n[[park]]\ncode = \"core\"\nname_zh = \"核心区\"\nname_en = \"Core\"\n"
      "[[indicator]]\ncode = \"a\"\ndepartment = \"tax\"\nname_zh = \"甲\"\nname_en = \"A\"\n"
      "unit = \"yuan\"\ndecimals = 0\nmin = 0\nmax = 1\nperiod = \"year\"\naggregation = \"sum\"\nenterprise_level = false\n";
  auto good = Catalogue::FromToml(base + "03-31" + rest, "c.toml");
  ASSERT_TRUE(good.ok()) << good.status().message();
  for (const char* bad : {"02-29", "13-01", "3-31", "04-31", "0331"}) {
    auto r = Catalogue::FromToml(base + bad + rest, "c.toml");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("submit_by"), std::string::npos) << r.status().message();
  }
}

TEST(PeriodStateTest, AKpiFigureIsApprovedOnlyWhenEveryFeedingDepartmentApprovedEveryYear) {
  auto catalogue = Shipped();
  const Kpi* rd = catalogue->FindKpi("rd_intensity");  // scitech R&D over finance GDP
  ASSERT_NE(rd, nullptr);
  PeriodStates states;
  EXPECT_FALSE(RestsOnApprovedData(*catalogue, *rd, 2020, states));
  std::set<std::string> departments;
  for (const auto* list : {&rd->numerator, &rd->denominator}) {
    for (const std::string& code : *list) departments.insert(catalogue->FindIndicator(code)->department);
  }
  ASSERT_GE(departments.size(), 2u);
  for (const std::string& d : departments) states[{d, 2020}] = PeriodState::kSubmitted;
  EXPECT_FALSE(RestsOnApprovedData(*catalogue, *rd, 2020, states));
  for (const std::string& d : departments) states[{d, 2020}] = PeriodState::kApproved;
  EXPECT_TRUE(RestsOnApprovedData(*catalogue, *rd, 2020, states));
  EXPECT_FALSE(RestsOnApprovedData(*catalogue, *rd, 2019, states));
  // A cumulative KPI needs every year it sums.
  for (const Kpi& kpi : catalogue->kpis()) {
    if (!kpi.cumulative_from || *kpi.cumulative_from >= 2020) continue;
    PeriodStates only_last;
    for (const auto* list : {&kpi.numerator, &kpi.denominator}) {
      for (const std::string& code : *list) {
        only_last[{catalogue->FindIndicator(code)->department, 2020}] = PeriodState::kApproved;
      }
    }
    EXPECT_FALSE(RestsOnApprovedData(*catalogue, kpi, 2020, only_last)) << kpi.code;
  }
  EXPECT_EQ(BasisZh(true), "正式数");
  EXPECT_EQ(BasisZh(false), "初步数");
}

}  // namespace
}  // namespace kpihub::core
