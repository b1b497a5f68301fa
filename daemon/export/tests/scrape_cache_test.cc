// The scrape cache of KpiCollector, RuleCollector and FeedCollector: figures are computed once
// per data version and configuration, a commit or a reload makes the next scrape recompute,
// and what a cached scrape returns is exactly what a fresh computation gives.
#include "kpihub/export/scrape_cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "collector_fixture.h"
#include "kpihub/export/feed_collector.h"
#include "kpihub/export/kpi_collector.h"
#include "kpihub/export/rule_collector.h"
#include "kpihub/testing/fake_clock.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::exporter {
namespace {

constexpr int64_t kNow = 1767225600000;  // 2026-01-01

std::string CatalogueText() { return kpihub::testing::SourceFile("config/catalogue.toml"); }

TEST_F(CollectorTest, KpiScrapesAreServedFromTheCacheUntilACommit) {
  Apply("auto_parts", 1, 5, "industrial_output", "1000000");
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  const std::string first = Scrape(collector);
  EXPECT_EQ(collector.computations(), 1u);
  EXPECT_EQ(Scrape(collector), first);
  EXPECT_EQ(*collector.CollectText(), first);
  EXPECT_EQ(collector.computations(), 1u);

  Apply("core", 100, 4, "industrial_output", "250000");
  const std::string second = Scrape(collector);
  EXPECT_EQ(collector.computations(), 2u);
  EXPECT_NE(second, first);
  EXPECT_NE(second.find("park=\"zone\",period=\"2020\"} 6000000"), std::string::npos) << second;
  // Exactly what a collector without history computes.
  KpiCollector fresh(*store_, *config_, core::RollupOptions{3}, log_);
  EXPECT_EQ(Scrape(fresh), second);
  EXPECT_EQ(*fresh.CollectText(), second);
}

TEST_F(CollectorTest, AReloadedCatalogueInvalidatesTheCache) {
  Apply("auto_parts", 1, 5, "industrial_output", "1000000");
  KpiCollector kpis(*store_, *config_, core::RollupOptions{3}, log_);
  RuleCollector rules(*store_, *config_, core::RollupOptions{}, log_);
  kpihub::testing::FakeClock clock{kNow};
  FeedCollector feeds(*store_, *config_, clock, log_);
  const std::string kpi_text = Scrape(kpis);
  const std::string rule_text = Scrape(rules);
  (void)Scrape(feeds);
  EXPECT_EQ(kpis.computations(), 1u);
  EXPECT_EQ(rules.computations(), 1u);
  EXPECT_EQ(feeds.computations(), 1u);

  // A reload hands out a new catalogue object, even for the same text.
  auto again = core::Catalogue::FromToml(CatalogueText(), "catalogue.toml");
  ASSERT_TRUE(again.ok()) << again.status().message();
  config_->Set({*again, config_->Get().registry});
  EXPECT_EQ(Scrape(kpis), kpi_text);
  EXPECT_EQ(Scrape(rules), rule_text);
  (void)Scrape(feeds);
  EXPECT_EQ(kpis.computations(), 2u);
  EXPECT_EQ(rules.computations(), 2u);
  EXPECT_EQ(feeds.computations(), 2u);
}

TEST_F(CollectorTest, RuleAndFeedScrapesFollowCommits) {
  // 150,000 is above the start-up subsidy cap of 100,000: one violation per enterprise.
  Apply("core", 1, 3, "startup_subsidy", "150000", "2020", "finance");
  RuleCollector rules(*store_, *config_, core::RollupOptions{}, log_);
  kpihub::testing::FakeClock clock{kNow};
  FeedCollector feeds(*store_, *config_, clock, log_);
  const std::string before = Scrape(rules);
  EXPECT_NE(before.find("kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"core\","
                        "period=\"2020\"} 3"),
            std::string::npos)
      << before;
  EXPECT_EQ(Scrape(rules), before);
  const std::string feed_before = Scrape(feeds);
  EXPECT_EQ(rules.computations(), 1u);
  EXPECT_EQ(feeds.computations(), 1u);

  Apply("core", 10, 2, "startup_subsidy", "150000", "2020", "finance");
  const std::string after = Scrape(rules);
  EXPECT_NE(after.find("kpihub_rule_violations{rule=\"startup_subsidy_cap\",park=\"core\","
                       "period=\"2020\"} 5"),
            std::string::npos)
      << after;
  EXPECT_EQ(rules.computations(), 2u);
  RuleCollector fresh(*store_, *config_, core::RollupOptions{}, log_);
  EXPECT_EQ(Scrape(fresh), after);
  (void)Scrape(feeds);
  EXPECT_EQ(feeds.computations(), 2u);
}

}  // namespace
}  // namespace kpihub::exporter
