#include "cli_closing.h"

#include <gtest/gtest.h>

#include "kpihub/app/daemon_config.h"

namespace kpihub::cli {
namespace {

std::shared_ptr<const core::Catalogue> Shipped() {
  auto catalogue = app::LoadCatalogue("");
  EXPECT_TRUE(catalogue.ok()) << catalogue.status().ToString();
  return *catalogue;
}

store::Restatement EnterpriseRestatement(const std::string& reason) {
  store::Restatement r;
  r.change.key = {"industrial_output", "auto_parts", "2020-06", "91410800MA44L0XX1F"};
  r.change.old_value = core::Decimal::FromInt(250000000);
  r.change.new_value = core::Decimal::FromInt(300000000);
  r.change.department = "scitech";
  r.change.adapter = "scitech-1";
  r.change.journal_id = 7;
  r.reason = reason;
  return r;
}

TEST(CliClosingTest, KpisUsingAnIndicatorIncludeThoseWithItAsDenominator) {
  auto catalogue = Shipped();
  EXPECT_EQ(KpisUsing(*catalogue, "industrial_output"),
            (std::vector<std::string>{"industrial_output", "hitech_sei_output_share"}));
  EXPECT_EQ(KpisUsing(*catalogue, "gdp"), (std::vector<std::string>{"rd_intensity"}));
  EXPECT_TRUE(KpisUsing(*catalogue, "no_such_indicator").empty());
}

TEST(CliClosingTest, ARestatementShowsNoEnterpriseUnlessAsked) {
  auto catalogue = Shipped();
  const auto r = EnterpriseRestatement("audit of 91410800MA44L0XX1F found a double count");
  const std::string line = RestatementLine(ViewRestatement(*catalogue, CivilTime(), r, false));
  EXPECT_EQ(line.find("91410800MA44L0XX1F"), std::string::npos) << line;
  EXPECT_EQ(line.find("300000000"), std::string::npos) << "an enterprise's value: " << line;
  EXPECT_NE(line.find("industrial_output 工业总产值 auto_parts 2020-06 an enterprise 企业: "
                      "withheld -> withheld — audit of 91410800…"),
            std::string::npos) << line;
  EXPECT_NE(line.find("changes KPIs industrial_output, hitech_sei_output_share"),
            std::string::npos) << line;
  const RestatementView shown = ViewRestatement(*catalogue, CivilTime(), r, true);
  EXPECT_EQ(shown.entity, "91410800MA44L0XX1F");
  EXPECT_EQ(shown.old_value, "250000000");
  EXPECT_EQ(shown.new_value, "300000000");
  EXPECT_EQ(shown.reason, r.reason);
  EXPECT_EQ(shown.journal_id, 7u);
}

TEST(CliClosingTest, AParkFigureShowsItsValuesAndANewFigureSaysSo) {
  auto catalogue = Shipped();
  store::Restatement r = EnterpriseRestatement("recount");
  r.change.key.entity.clear();
  r.change.old_value.reset();
  const std::string line = RestatementLine(ViewRestatement(*catalogue, CivilTime(), r, false));
  EXPECT_NE(line.find("(park): (new) -> 300000000 — recount"), std::string::npos) << line;
}

TEST(CliClosingTest, EveryPeriodActionRefusalHasAClerksSentence) {
  for (auto reason : {core::RejectReason::kNotApprover, core::RejectReason::kPeriodStateConflict,
                      core::RejectReason::kPeriodClosed, core::RejectReason::kUnknownDepartment,
                      core::RejectReason::kMalformedPeriod, core::RejectReason::kFuturePeriod,
                      core::RejectReason::kPeriodTypeNotAllowed,
                      core::RejectReason::kFieldTooLong}) {
    EXPECT_FALSE(PeriodRefusalZh(reason).empty()) << core::ReasonName(reason);
  }
  EXPECT_EQ(PeriodRefusalZh(core::RejectReason::kNotApprover).rfind("只有领导小组办公室", 0), 0u);
  EXPECT_TRUE(PeriodRefusalZh(core::RejectReason::kUndecodable).empty());
}

}  // namespace
}  // namespace kpihub::cli
