// What /metrics says about closing a year, over a real store with the shipped catalogue:
// each department's state of each tracked year, its deadline and whether it is overdue (by
// the injected clock), the accepted restatements per KPI, and whether a KPI's figures rest on
// approved data.
#include <gtest/gtest.h>

#include "collector_fixture.h"
#include "kpihub/export/closing_collector.h"
#include "kpihub/export/kpi_collector.h"
#include "kpihub/testing/fake_clock.h"

namespace kpihub::exporter {
namespace {

using core::PeriodActionKind;

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

// Deadlines of the shipped catalogue's 2020 (UTC+8): scitech 2021-04-30, tax 2021-06-30.
constexpr int64_t kScitech2020Deadline = 1619798400;
constexpr int64_t kTax2020Deadline = 1625068800;

class ClosingExportTest : public CollectorTest {
 protected:
  // Period actions sent by `department` (its adapter as the fixture names it).
  void Act(const std::string& department,
           std::vector<std::tuple<PeriodActionKind, std::string, int>> actions) {
    store::BatchToApply b = Batch(department);
    for (auto& [kind, whose, year] : actions) {
      b.actions.push_back({static_cast<uint32_t>(b.actions.size()), kind, whose, year, ""});
    }
    ApplyOk(b);
  }
  // Closes `department`'s year: submitted by it, approved by the office.
  void Approve(const std::string& department, int year) {
    Act(department, {{PeriodActionKind::kSubmit, department, year}});
    Act("office", {{PeriodActionKind::kApprove, department, year}});
  }
  // One park-level figure, as a restatement when `reason` is not empty.
  void Send(const std::string& department, const std::string& indicator,
            const std::string& period, const std::string& value, const std::string& reason = "") {
    store::BatchToApply b = Batch(department);
    core::ValidObservation o;
    o.key = {indicator, "core", period, ""};
    o.value = *core::Decimal::Parse(value).value;
    o.restatement = reason;
    b.accepted.push_back(o);
    ApplyOk(b);
  }

  store::BatchToApply Batch(const std::string& department) {
    store::BatchToApply b;
    b.adapter = department == "scitech" ? "s" : department + "-1";
    b.department = department;
    b.sequence = ++seq_[b.adapter];
    return b;
  }
  void ApplyOk(const store::BatchToApply& b) {
    std::vector<store::ApplyResult> results;
    ASSERT_TRUE(store_->ApplyGroup({b}, &results).ok());
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(results[0].rejections.empty()) << results[0].rejections[0].detail;
    EXPECT_TRUE(results[0].action_rejections.empty()) << results[0].action_rejections[0].detail;
  }

  static std::string State(const std::string& department, const std::string& zh, int year) {
    return "kpihub_period_state{department=\"" + department + "\",department_zh=\"" + zh +
           "\",year=\"" + std::to_string(year) + "\"} ";
  }
  static std::string Overdue(const std::string& department, const std::string& zh, int year) {
    return "kpihub_period_submission_overdue{department=\"" + department + "\",department_zh=\"" +
           zh + "\",year=\"" + std::to_string(year) + "\"} ";
  }
};

TEST_F(ClosingExportTest, EachDepartmentsTrackedYearsWithTheirState) {
  Approve("finance", 2019);
  Act("tax", {{PeriodActionKind::kSubmit, "tax", 2020}});
  kpihub::testing::FakeClock clock((kTax2020Deadline + 3600) * 1000);  // July 2021
  ClosingCollector collector(*store_, *config_, clock, log_);
  const std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, State("finance", "财政", 2019) + "2")) << text;
  EXPECT_TRUE(Has(text, State("tax", "税务", 2020) + "1"));
  EXPECT_TRUE(Has(text, State("scitech", "科学技术", 2020) + "0"));
  EXPECT_TRUE(Has(text, State("environment", "生态环境", 2016) + "0"));
  // Tracked from the KPIs' baseline year (2016) to the last ended year; the office submits
  // nothing of its own.
  EXPECT_FALSE(Has(text, "year=\"2015\""));
  EXPECT_FALSE(Has(text, "year=\"2021\""));
  EXPECT_FALSE(Has(text, "department=\"office\""));
  EXPECT_TRUE(Has(text, "kpihub_period_submission_deadline_timestamp_seconds{department=\"tax\",year=\"2020\"} " +
                            std::to_string(kTax2020Deadline)))
      << text;
  // Past tax's deadline: its submitted 2020 is not overdue, its open 2019 is, an approved year never.
  EXPECT_TRUE(Has(text, Overdue("tax", "税务", 2020) + "0"));
  EXPECT_TRUE(Has(text, Overdue("tax", "税务", 2019) + "1"));
  EXPECT_TRUE(Has(text, Overdue("finance", "财政", 2019) + "0"));
  EXPECT_FALSE(Has(text, "kpihub_restatements_total"));
}

TEST_F(ClosingExportTest, AnOpenYearIsOverdueOnlyOnceItsDeadlineHasPassed) {
  kpihub::testing::FakeClock clock((kScitech2020Deadline - 1) * 1000);
  ClosingCollector collector(*store_, *config_, clock, log_);
  EXPECT_TRUE(Has(Scrape(collector), Overdue("scitech", "科学技术", 2020) + "0"));
  EXPECT_TRUE(Has(Scrape(collector), Overdue("scitech", "科学技术", 2019) + "1"));
  // The clock moves, the store does not.
  clock.Set((kScitech2020Deadline + 1) * 1000);
  EXPECT_TRUE(Has(Scrape(collector), Overdue("scitech", "科学技术", 2020) + "1"));
  // Submitted: no longer overdue, though the deadline has passed.
  Act("scitech", {{PeriodActionKind::kSubmit, "scitech", 2020}});
  const std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, Overdue("scitech", "科学技术", 2020) + "0")) << text;
  EXPECT_TRUE(Has(text, State("scitech", "科学技术", 2020) + "1"));
  // On 1 January 2021 the year 2020 has just ended: tracked, open, not yet due.
  clock.Set(int64_t{1609430400} * 1000);  // 2021-01-01T00:00+08:00
  EXPECT_TRUE(Has(Scrape(collector), Overdue("tax", "税务", 2020) + "0"));
  clock.Set(int64_t{1609430400} * 1000 - 1000);
  EXPECT_FALSE(Has(Scrape(collector), "year=\"2020\""));
}

TEST_F(ClosingExportTest, RestatementsAreCountedPerKpiTheyAffect) {
  Send("scitech", "industrial_output", "2019-06", "100");
  Send("finance", "talent_fund", "2019", "5");
  Approve("scitech", 2019);
  Approve("finance", 2019);
  // industrial_output feeds two KPIs (its own, and the denominator of the high-tech share);
  // the talent fund none.
  Send("scitech", "industrial_output", "2019-06", "120", "审计调整");
  Send("scitech", "industrial_output", "2019-07", "80", "漏报补录");
  Send("finance", "talent_fund", "2019", "6", "决算调整");
  // A resend of the stored value is no restatement.
  Send("finance", "talent_fund", "2019", "6", "决算调整");
  kpihub::testing::FakeClock clock(int64_t{1640966400} * 1000);  // 2022
  ClosingCollector collector(*store_, *config_, clock, log_);
  const std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, "# TYPE kpihub_restatements_total counter")) << text;
  EXPECT_TRUE(Has(text, "kpihub_restatements_total{department=\"scitech\",year=\"2019\",kpi=\"industrial_output\"} 2"))
      << text;
  EXPECT_TRUE(Has(text, "kpihub_restatements_total{department=\"scitech\",year=\"2019\",kpi=\"hitech_sei_output_share\"} 2"));
  EXPECT_TRUE(Has(text, "kpihub_restatements_total{department=\"finance\",year=\"2019\",kpi=\"\"} 1"));
  EXPECT_FALSE(Has(text, "kpi=\"rd_intensity\""));
  EXPECT_FALSE(Has(text, "审计调整"));  // reasons are for `kpihub restatements`
}

TEST_F(ClosingExportTest, AKpiIsApprovedDataOnceEveryDepartmentFeedingItApproved) {
  // The high-tech share: scitech's certified enterprises over tax's registered ones.
  Apply("core", 1, 5, "hightech_certified", "1", "2020");
  Apply("core", 1, 5, "enterprise_registered", "1", "2020", "tax");
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  const std::string approved = "kpihub_kpi_approved{kpi=\"hightech_enterprise_share\",year=\"2020\"} ";
  EXPECT_TRUE(Has(Scrape(collector), approved + "0")) << Scrape(collector);
  Approve("scitech", 2020);
  Act("tax", {{PeriodActionKind::kSubmit, "tax", 2020}});
  EXPECT_TRUE(Has(Scrape(collector), approved + "0"));  // tax submitted, not approved
  Act("office", {{PeriodActionKind::kApprove, "tax", 2020}});
  const std::string text = Scrape(collector);
  EXPECT_TRUE(Has(text, approved + "1")) << text;
  // Only the years with an exported figure.
  EXPECT_FALSE(Has(text, "kpihub_kpi_approved{kpi=\"hightech_enterprise_share\",year=\"2019\"}"));
  EXPECT_FALSE(Has(text, "kpihub_kpi_approved{kpi=\"rd_intensity\""));
}

}  // namespace
}  // namespace kpihub::exporter
