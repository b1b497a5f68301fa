// FeedCollector and RuleCollector over a real store with the shipped catalogue.
#include <gtest/gtest.h>

#include "collector_fixture.h"
#include "kpihub/testing/fake_clock.h"
#include "kpihub/core/clock.h"
#include "kpihub/export/feed_collector.h"
#include "kpihub/export/kpi_collector.h"
#include "kpihub/export/rule_collector.h"

namespace kpihub::exporter {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

// 2021-01-01T00:00+08:00 plus some days, in ms.
int64_t Jan2021PlusDays(int days) {
  return (core::Period::Parse("2021")->StartUnixSeconds() + int64_t{days} * 86400) * 1000;
}

TEST_F(CollectorTest, FeedCollectorExportsContractsFreshnessAndCompleteness) {
  int64_t sent = Jan2021PlusDays(10);
  Apply("core", 1, 3, "industrial_output", "1", "2020-12", "scitech", sent - 5000);
  Apply("auto_parts", 10, 3, "industrial_output", "1", "2020-12", "scitech", sent);
  kpihub::testing::FakeClock clock(sent + 90 * 1000);
  FeedCollector collector(*store_, *config_, clock, log_);
  std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_feed_contract_info{department=\"scitech\",cadence=\"month\"} 1")) << text;
  EXPECT_TRUE(Has(text, "kpihub_feed_contract_deadline_seconds{department=\"scitech\"} 1728000")) << text;
  // One month (31 days) plus 20 days of deadline.
  EXPECT_TRUE(Has(text, "kpihub_feed_contract_max_silence_seconds{department=\"scitech\"} 4406400")) << text;
  EXPECT_TRUE(Has(text, "kpihub_feed_contract_max_silence_seconds{department=\"tax\"} 44582400")) << text;
  // The latest batch of the department's adapters, and the silence since.
  EXPECT_TRUE(Has(text, "kpihub_feed_last_accepted_timestamp_seconds{department=\"scitech\"} " +
                            std::to_string(sent / 1000)))
      << text;
  EXPECT_TRUE(Has(text, "kpihub_feed_silence_seconds{department=\"scitech\"} 90")) << text;
  EXPECT_FALSE(Has(text, "kpihub_feed_silence_seconds{department=\"tax\"}"));  // never sent
  // On 2021-01-11 (10 days in, deadline 20) December 2020 is not yet owed, so 2020 expects
  // 11 months of every scitech indicator reported monthly... the 2 cells sent are for
  // December: not counted as received among what is owed.
  EXPECT_TRUE(Has(text, "kpihub_feed_received_cells{department=\"scitech\",period=\"2020\"} 0")) << text;
  clock.Set(Jan2021PlusDays(25));  // now December is owed too
  text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_feed_received_cells{department=\"scitech\",period=\"2020\"} 2")) << text;
  EXPECT_TRUE(Has(text, "kpihub_feed_completeness_ratio{department=\"scitech\",period=\"2020\"}")) << text;
  EXPECT_TRUE(Has(text, "kpihub_feed_expected_cells{department=\"environment\",period=\"2021\"}")) << text;
}

TEST_F(CollectorTest, RuleCollectorCountsViolationsWithoutNamingEnterprises) {
  Apply("startup_center", 500, 4, "startup_subsidy", "100000", "2020", "finance");
  Apply("startup_center", 600, 1, "startup_subsidy", "150000", "2020", "finance");
  Apply("smart_mfg", 650, 3, "startup_subsidy", "50000", "2020", "finance");
  Apply("core", 700, 3, "rd_expenditure", "5000", "2020Q1");
  Apply("core", 700, 1, "rd_super_deduction", "6000", "2020", "tax");  // above its 5000
  Apply("core", 701, 1, "rd_super_deduction", "5000", "2020", "tax");  // equal: fine
  Apply("core", 702, 1, "rd_super_deduction", "4000", "2020", "tax");
  Apply("hpu_park", 800, 4, "hightech_certified", "1", "2020");
  Apply("hpu_park", 800, 3, "enterprise_registered", "1", "2020", "tax");  // 4 > 3
  RuleCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"startup_center\",period=\"2020\"} 1")) << text;
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"rd_super_deduction_within_expenditure\",park=\"core\",period=\"2020\"} 1")) << text;
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"hightech_within_registered\",park=\"hpu_park\",period=\"2020\"} 1")) << text;
  EXPECT_TRUE(Has(text, "kpihub_rule_info{rule=\"startup_subsidy_cap\",name_zh=\"创业补助（一次性）不超过10万元\"")) << text;
  EXPECT_FALSE(Has(text, "91410800")) << text;  // no enterprise id of any kind
  for (int i : {500, 501, 600, 700, 701, 800}) EXPECT_FALSE(Has(text, Uscc(i)));
}

// A count says something about the figures it checked: a park-year withheld as a small cell
// (two enterprises, both above the cap) has no count of its own, nor has its complement (the
// park with the fewest enterprises besides it): theirs are pooled under park="withheld"; the
// others keep theirs.
TEST_F(CollectorTest, RuleCollectorPublishesNoCountOfAWithheldParkYear) {
  Apply("agri_tech", 900, 2, "startup_subsidy", "150000", "2020", "finance");
  Apply("smart_mfg", 650, 3, "startup_subsidy", "50000", "2020", "finance");
  Apply("startup_center", 500, 4, "startup_subsidy", "100000", "2020", "finance");
  Apply("startup_center", 600, 1, "startup_subsidy", "150000", "2020", "finance");
  RuleCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  std::string text = Scrape(collector);
  EXPECT_FALSE(Has(text, "park=\"agri_tech\"")) << text;
  EXPECT_FALSE(Has(text, "park=\"smart_mfg\"")) << text;
  // Both withheld parks' counts together: agri_tech's two subsidies above the cap.
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"withheld\",period=\"2020\"} 2")) << text;
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"startup_center\",period=\"2020\"} 1")) << text;
}

// §10's subsidy is one-time: two payments under the cap in different years that together
// exceed it count once, in the year the total goes over, in the park that year.
TEST_F(CollectorTest, RuleCollectorCountsTheOneTimeCapOverThePolicyPeriod) {
  for (int year : {2018, 2019}) {
    Apply("startup_center", 500, 3, "startup_subsidy", "60000", std::to_string(year), "finance");
  }
  Apply("startup_center", 600, 3, "startup_subsidy", "40000", "2019", "finance");
  Apply("startup_center", 600, 3, "startup_subsidy", "40000", "2021", "finance");  // after 2020
  RuleCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"startup_center\",period=\"2018\"} 0")) << text;
  EXPECT_TRUE(Has(text, "kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"startup_center\",period=\"2019\"} 3")) << text;
  EXPECT_FALSE(Has(text, "period=\"2021\"")) << text;  // outside the policy period: not checked
}

TEST_F(CollectorTest, KpiLatestMarksTheLatestExportedYear) {
  for (const char* year : {"2018-06", "2019-06", "2020-06"}) {
    Apply("auto_parts", 1, 3, "industrial_output", "1000", year);
  }
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_kpi_latest{kpi=\"industrial_output\",park=\"zone\",period=\"2020\"} 1")) << text;
  EXPECT_FALSE(Has(text, "kpihub_kpi_latest{kpi=\"industrial_output\",park=\"zone\",period=\"2019\"}")) << text;
}

}  // namespace
}  // namespace kpihub::exporter
