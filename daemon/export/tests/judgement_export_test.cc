// What /metrics says about judgement and milestones, over a real store with the shipped
// catalogue: parks not judged against the zone's target, per-level targets, milestones.
#include <gtest/gtest.h>

#include "collector_fixture.h"
#include "kpihub/export/kpi_collector.h"
#include "kpihub/export/milestone_collector.h"
#include "kpihub/testing/fake_clock.h"

namespace kpihub::exporter {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST_F(CollectorTest, AParkIsNotJudgedAgainstTheZonesTargetAndShowsItsShare) {
  Apply("auto_parts", 1, 5, "industrial_output", "3000000000");  // 5 x 30亿 x 12 months below
  Apply("core", 100, 5, "industrial_output", "1000000000");
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  const std::string text = Scrape(collector);
  // 2020: auto_parts 150亿 of the zone's 200亿; the zone's target is 750亿.
  EXPECT_TRUE(Has(text, "kpihub_kpi_status{kpi=\"industrial_output\",park=\"auto_parts\",period=\"2020\",status=\"not_judged\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "kpihub_kpi_status{kpi=\"industrial_output\",park=\"auto_parts\",period=\"2020\",status=\"off_track\"} 0"));
  EXPECT_TRUE(Has(text, "kpihub_kpi_zone_share_ratio{kpi=\"industrial_output\",park=\"auto_parts\",period=\"2020\"} 0.75"));
  EXPECT_TRUE(Has(text, "kpihub_kpi_zone_contribution_ratio{kpi=\"industrial_output\",park=\"auto_parts\",period=\"2020\"} 0.2"));
  EXPECT_FALSE(Has(text, "kpihub_kpi_progress_ratio{kpi=\"industrial_output\",park=\"auto_parts\""));
  // The zone is judged in its year due: 200亿 of 750亿.
  EXPECT_TRUE(Has(text, "kpihub_kpi_status{kpi=\"industrial_output\",park=\"zone\",period=\"2020\",status=\"off_track\"} 1"));
  EXPECT_TRUE(Has(text, "kpihub_kpi_target{kpi=\"industrial_output\",park=\"zone\",target_year=\"2020\"} 75000000000"));
  EXPECT_FALSE(Has(text, "kpihub_kpi_target{kpi=\"industrial_output\",park=\"auto_parts\""));
  // A share-type target applies to every park.
  EXPECT_TRUE(Has(text, "kpihub_kpi_target{kpi=\"rd_intensity\",park=\"auto_parts\",target_year=\"2020\"} 0.025"));
  EXPECT_TRUE(Has(text, "strength=\"strive\",deadline_zh=\"到2020年\",due_year=\"2020\",park_scope=\"every_park\""))
      << text;
  EXPECT_TRUE(Has(text, "deadline_zh=\"2020年之前\",due_year=\"2019\""));
  EXPECT_TRUE(Has(text, "kpihub_park_info{park=\"auto_parts\",name_zh=\"汽车零部件产业园\""));
}

TEST_F(CollectorTest, ABaselineFedAsDataIsExportedAndStartsTheLine) {
  Apply("core", 100, 5, "industrial_output", "500000000", "2016-06");
  Apply("core", 100, 5, "industrial_output", "700000000", "2018-06");
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  const std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_kpi_baseline{kpi=\"industrial_output\",park=\"zone\",source=\"data\"} 2500000000"))
      << text;
  // 2018 expects 25亿 + (750亿 − 25亿) / 2: 35亿 is off track, and 2016 itself is not judged.
  EXPECT_TRUE(Has(text, "kpihub_kpi_status{kpi=\"industrial_output\",park=\"zone\",period=\"2018\",status=\"off_track\"} 1"));
  EXPECT_TRUE(Has(text, "kpihub_kpi_status{kpi=\"industrial_output\",park=\"zone\",period=\"2016\",status=\"not_judged\"} 1"));
  EXPECT_FALSE(Has(text, "kpihub_kpi_expected_ratio{kpi=\"industrial_output\",park=\"zone\",period=\"2016\""));
}

TEST_F(CollectorTest, MilestonesAreExportedWithTheirStateButNotTheirReference) {
  store::BatchToApply b;
  b.adapter = "s";
  b.department = "scitech";
  b.sequence = 1;
  core::ValidObservation o;
  o.key = {"national_university_park", "hpu_park", "2019-11", ""};
  o.value = core::Decimal::FromInt(1);
  o.note = "教高函〔2019〕3号";
  b.accepted.push_back(o);
  std::vector<store::ApplyResult> results;
  ASSERT_TRUE(store_->ApplyGroup({b}, &results).ok());
  kpihub::testing::FakeClock clock(int64_t{1614556800} * 1000);  // 2021-03-01
  MilestoneCollector collector(*store_, *config_, clock, log_);
  const std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "kpihub_milestone_status{milestone=\"national_university_park\",status=\"achieved\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "kpihub_milestone_achieved_timestamp_seconds{milestone=\"national_university_park\"} 1572537600"))
      << text;
  // Not reported, due 2019 (2020年之前): overdue in 2021; the 2025 one is still pending.
  EXPECT_TRUE(Has(text, "kpihub_milestone_status{milestone=\"national_incubator\",status=\"overdue\"} 1"));
  EXPECT_TRUE(Has(text, "kpihub_milestone_status{milestone=\"national_innovative_park\",status=\"pending\"} 1"));
  EXPECT_TRUE(Has(text, "kpihub_milestone_info{milestone=\"national_innovative_park\",name_zh=\"国家创新型科技园区\""));
  EXPECT_FALSE(Has(text, "教高函"));
  // The clock moves, the store does not: a milestone turns overdue when its year due ends.
  clock.Set(int64_t{1577808000} * 1000 - 1000);  // 2019-12-31T23:59:59+08:00
  EXPECT_TRUE(Has(Scrape(collector), "kpihub_milestone_status{milestone=\"national_incubator\",status=\"pending\"} 1"));
  clock.Set(int64_t{1577808000} * 1000);  // 2020-01-01T00:00+08:00
  EXPECT_TRUE(Has(Scrape(collector), "kpihub_milestone_status{milestone=\"national_incubator\",status=\"overdue\"} 1"));
}

}  // namespace
}  // namespace kpihub::exporter
