// ReportingListener and the clerk's texts: a refused period action is written to the report
// its origin names, with the Chinese explanation, and its outcome is kept for the summary, as
// a refused figure is; an accepted one is kept as done.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "feed_run.h"
#include "kpihub/testing/temp_dir.h"
#include "reject_report.h"

namespace kpihub::adapter {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ChineseReasonTest, ClosingReasonsHaveTheirOwnSentences) {
  for (const char* code : {"period_closed", "not_approver", "period_state_conflict", "unknown_department"}) {
    EXPECT_EQ(ChineseReason(code).find("原因代码"), std::string::npos) << code;  // not the fallback
  }
  // Both ways out of a closed year are named: 退回 for a submitted one, 更正 for an approved one.
  const std::string closed = ChineseReason("period_closed");
  EXPECT_NE(closed.find("退回"), std::string::npos);
  EXPECT_NE(closed.find("更正原因"), std::string::npos);
}

TEST(ReportingListenerTest, RefusedActionIsReportedAndAcceptedOneNoted) {
  kpihub::testing::TempDir dir;
  const std::string report = dir.path() + "/gdp.csv.rejects.csv";
  delivery::StoredBatch batch;
  batch.sequence = 3;
  RejectLine row{"gdp.csv", 2, "地区生产总值（亿元）", "12", "", "", ""};
  batch.entries.push_back({{"gdp", "core", "", "2020Q1", 1.2e9, "", ""}, EncodeOrigin(report, row), std::nullopt});
  batch.entries.push_back(ActionEntry(core::PeriodActionKind::kSubmit, "finance", 2019, report, "报送 submit"));
  batch.entries.push_back(ActionEntry(core::PeriodActionKind::kSubmit, "finance", 2020, report, "报送 submit"));
  wire::AckMessage ack;
  ack.sequence = 3;
  ack.status = wire::AckStatus::kAccepted;
  // Indices of batch.entries, as the sender hands them over.
  ack.rejections.push_back({0, core::RejectReason::kPeriodClosed, "finance 2020 is approved (closed)"});
  ack.action_rejections.push_back({1, core::RejectReason::kPeriodStateConflict, "finance 2019 is approved already"});
  ReportingListener listener;
  listener.OnDelivered(batch, ack);
  EXPECT_EQ(listener.rejected(), 2u);
  EXPECT_EQ(listener.actions_refused(), 1u);
  ASSERT_EQ(listener.action_outcomes().size(), 2u);
  EXPECT_EQ(listener.action_outcomes()[0].action, "submit finance 2019");
  EXPECT_TRUE(listener.action_outcomes()[0].refused);
  EXPECT_NE(listener.action_outcomes()[0].outcome.find("period_state_conflict"), std::string::npos);
  EXPECT_EQ(listener.action_outcomes()[1].action, "submit finance 2020");
  EXPECT_FALSE(listener.action_outcomes()[1].refused);
  EXPECT_NE(listener.action_outcomes()[1].outcome.find("submitted"), std::string::npos);
  const std::string text = ReadAll(report);
  EXPECT_NE(text.find("gdp.csv,2,地区生产总值（亿元）,12,period_closed," + ChineseReason("period_closed")),
            std::string::npos) << text;
  EXPECT_NE(text.find("报送 submit,0,submit,2019,period_state_conflict," + ChineseReason("period_state_conflict")),
            std::string::npos) << text;
}

TEST(ReportingListenerTest, ActionsOfARefusedFrameAreReportedRefused) {
  kpihub::testing::TempDir dir;
  const std::string report = dir.path() + "/submit.rejects.csv";
  delivery::StoredBatch batch;
  batch.entries.push_back(ActionEntry(core::PeriodActionKind::kSubmit, "finance", 2020, report, "报送 submit"));
  wire::AckMessage ack;
  ack.status = wire::AckStatus::kMalformed;
  ack.frame_reason = core::RejectReason::kUndecodable;
  ReportingListener listener;
  listener.OnRefused(batch, ack);
  EXPECT_EQ(listener.actions_refused(), 1u);
  EXPECT_NE(ReadAll(report).find("undecodable"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::adapter
