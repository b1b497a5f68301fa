// Closing a year in the store: period actions move a department's year, changes to a closed
// year are refused (and kept as dead letters) unless they restate an approved year, resends
// change nothing, and everything of a group follows arrival order.
#include <gtest/gtest.h>

#include "../src/closing_tables.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using namespace testing_util;
using core::PeriodActionKind;
using core::PeriodState;

core::ValidPeriodAction Action(PeriodActionKind kind, std::string department, int year,
                               uint32_t index = 0) {
  return core::ValidPeriodAction{index, kind, std::move(department), year, "note"};
}

BatchToApply WithActions(BatchToApply batch, std::vector<core::ValidPeriodAction> actions) {
  batch.actions = std::move(actions);
  return batch;
}

core::ValidObservation Figure(std::string period, int64_t units, uint32_t index = 0,
                              std::string restatement = "") {
  core::ValidObservation obs = Obs("revenue", "core", std::move(period), "", units);
  obs.index = index;
  obs.restatement = std::move(restatement);
  return obs;
}

std::vector<PeriodRecord> Periods(Store& store) {
  return Collect<PeriodRecord>(store, &Snapshot::ForEachPeriod);
}
std::vector<PeriodLogEntry> PeriodLog(Store& store) {
  return Collect<PeriodLogEntry>(store, &Snapshot::ForEachPeriodLog);
}
std::vector<Restatement> Restatements(Store& store) {
  return Collect<Restatement>(store, &Snapshot::ForEachRestatement);
}

class ClosingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(Options(dir_.path()));
    ASSERT_NE(store_, nullptr);
    // tax delivers 2020 (one figure), submits it; the office approves it.
    Apply(*store_, {WithActions(Batch("tax-1", 1, {Figure("2020", 100)}),
                                {Action(PeriodActionKind::kSubmit, "tax", 2020)}),
                    WithActions(Batch("office-1", 1, {}, "office", 1700000005000),
                                {Action(PeriodActionKind::kApprove, "tax", 2020)})});
  }
  void ExpectVerified() {
    std::vector<std::string> differences;
    Status s = store_->Verify(&differences);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(differences.empty()) << differences.front();
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ClosingStoreTest, ActionsMoveTheYearAndTheLogSaysWhoAndWhen) {
  auto periods = Periods(*store_);
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].department, "tax");
  EXPECT_EQ(periods[0].year, 2020);
  EXPECT_EQ(periods[0].state, PeriodState::kApproved);
  EXPECT_EQ(periods[0].submitted_by, "tax-1");
  EXPECT_EQ(periods[0].approved_by, "office-1");
  EXPECT_EQ(periods[0].approved_unix_ms, 1700000005000);
  auto log = PeriodLog(*store_);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].to, PeriodState::kSubmitted);
  EXPECT_EQ(log[0].adapter, "tax-1");
  EXPECT_EQ(log[1].from, PeriodState::kSubmitted);
  EXPECT_EQ(log[1].to, PeriodState::kApproved);
  EXPECT_EQ(log[1].sender_department, "office");
  ExpectVerified();
}

TEST_F(ClosingStoreTest, ResendsChangeNothingAndLeaveNoTrace) {
  // The adapter resends its whole file and its submission; the office approves again.
  auto results = Apply(*store_, {WithActions(Batch("tax-1", 2, {Figure("2020", 100)}),
                                             {Action(PeriodActionKind::kSubmit, "tax", 2020)}),
                                 WithActions(Batch("office-1", 2, {}, "office"),
                                             {Action(PeriodActionKind::kApprove, "tax", 2020)})});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].rejections.empty());
  // Submitting an approved year is a conflict: the year stays approved.
  ASSERT_EQ(results[0].action_rejections.size(), 1u);
  EXPECT_EQ(results[0].action_rejections[0].reason, core::RejectReason::kPeriodStateConflict);
  EXPECT_TRUE(results[1].action_rejections.empty());
  EXPECT_EQ(PeriodLog(*store_).size(), 2u);
  EXPECT_EQ(History(*store_).size(), 1u);
  EXPECT_TRUE(DeadLetters(*store_).empty());
  ExpectVerified();
}

TEST_F(ClosingStoreTest, APlainChangeOfAnApprovedYearIsRefusedAndKept) {
  auto results = Apply(*store_, {Batch("tax-1", 2, {Figure("2020", 250, 4), Figure("2020Q1", 9, 5),
                                                    Figure("2021", 7, 6)})});
  ASSERT_EQ(results[0].rejections.size(), 2u);
  for (const core::Rejection& r : results[0].rejections) {
    EXPECT_EQ(r.reason, core::RejectReason::kPeriodClosed);
    EXPECT_NE(r.detail.find("restatement"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(results[0].rejections[0].index + results[0].rejections[1].index, 9u);
  auto obs = Observations(*store_);
  ASSERT_EQ(obs.size(), 2u);  // 2020 unchanged, 2021 (open) applied
  EXPECT_EQ(obs[0].value, core::Decimal::FromInt(100));
  auto dead = DeadLetters(*store_);
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].rejection.reason, core::RejectReason::kPeriodClosed);
  auto journal = Journal(*store_);
  EXPECT_EQ(journal.back().accepted, 1u);
  EXPECT_EQ(journal.back().rejected, 2u);
  for (const SenderState& s : Senders(*store_)) {
    if (s.adapter == "tax-1") {
      EXPECT_EQ(s.observations_rejected, 2u);
    }
  }
  ExpectVerified();
}

TEST_F(ClosingStoreTest, ARestatementIsAppliedAndRecordedWithItsReason) {
  auto results = Apply(*store_, {Batch("tax-1", 2, {Figure("2020", 250, 0, "settlement audit")})});
  EXPECT_TRUE(results[0].rejections.empty());
  auto restated = Restatements(*store_);
  ASSERT_EQ(restated.size(), 1u);
  EXPECT_EQ(restated[0].reason, "settlement audit");
  EXPECT_EQ(restated[0].change.old_value, core::Decimal::FromInt(100));
  EXPECT_EQ(restated[0].change.new_value, core::Decimal::FromInt(250));
  EXPECT_EQ(restated[0].change.adapter, "tax-1");
  EXPECT_EQ(Cells(*store_)[0].sum, core::Decimal::FromInt(250));
  // The same restatement again changes nothing and is not counted twice.
  Apply(*store_, {Batch("tax-1", 3, {Figure("2020", 250, 0, "settlement audit")})});
  EXPECT_EQ(Restatements(*store_).size(), 1u);
  ExpectVerified();
}

TEST_F(ClosingStoreTest, ASubmittedYearRefusesEvenRestatementsUntilReopened) {
  Apply(*store_, {WithActions(Batch("tax-1", 2, {Figure("2019", 1)}),
                              {Action(PeriodActionKind::kSubmit, "tax", 2019)})});
  auto refused = Apply(*store_, {Batch("tax-1", 3, {Figure("2019", 2, 0, "typo")})});
  ASSERT_EQ(refused[0].rejections.size(), 1u);
  EXPECT_NE(refused[0].rejections[0].detail.find("reopen"), std::string::npos);
  // The office sends it back; the correction goes in as a plain change.
  Apply(*store_, {WithActions(Batch("office-1", 2, {}, "office"),
                              {Action(PeriodActionKind::kReopen, "tax", 2019)}),
                  Batch("tax-1", 4, {Figure("2019", 2)})});
  auto obs = Observations(*store_);
  ASSERT_EQ(obs.size(), 2u);
  EXPECT_EQ(obs[0].key.period, "2019");
  EXPECT_EQ(obs[0].value, core::Decimal::FromInt(2));
  EXPECT_TRUE(Restatements(*store_).empty());
  ExpectVerified();
}

TEST_F(ClosingStoreTest, WithinOneGroupLaterBatchesSeeEarlierActionsAndFigures) {
  // One group: tax changes 2019 and submits it, the office approves, tax resends the same
  // figure (a no-op, accepted) and then a changed one (refused: 2019 is now closed).
  auto results = Apply(
      *store_, {WithActions(Batch("tax-1", 2, {Figure("2019", 5)}),
                            {Action(PeriodActionKind::kSubmit, "tax", 2019)}),
                WithActions(Batch("office-1", 2, {}, "office"),
                            {Action(PeriodActionKind::kApprove, "tax", 2019)}),
                Batch("tax-1", 3, {Figure("2019", 5)}), Batch("tax-1", 4, {Figure("2019", 6)})});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[2].rejections.empty());
  ASSERT_EQ(results[3].rejections.size(), 1u);
  EXPECT_EQ(results[3].rejections[0].reason, core::RejectReason::kPeriodClosed);
  EXPECT_EQ(Observations(*store_)[0].value, core::Decimal::FromInt(5));
  ExpectVerified();
}

// A year whose stored state is not the one its log leads to (reopened by a hand edit, say)
// is reported by verify.
TEST_F(ClosingStoreTest, VerifyReportsAStateItsLogDoesNotLeadTo) {
  store_.reset();
  {
    testing_util::RawEnv raw(dir_.path());
    PeriodRecord reopened;
    reopened.state = PeriodState::kOpen;
    reopened.journal_id = 2;
    raw.Put("periods", internal::PeriodKey("tax", 2020), internal::EncodePeriod(reopened));
    PeriodRecord phantom;
    phantom.state = PeriodState::kApproved;
    phantom.journal_id = 2;
    raw.Put("periods", internal::PeriodKey("finance", 2019), internal::EncodePeriod(phantom));
  }
  store_ = OpenStore(Options(dir_.path()));
  ASSERT_NE(store_, nullptr);
  std::vector<std::string> differences;
  ASSERT_TRUE(store_->Verify(&differences).ok());
  ASSERT_EQ(differences.size(), 2u);
  EXPECT_NE(differences[0].find("period finance 2019: stored approved, its log leads to open"),
            std::string::npos)
      << differences[0];
  EXPECT_NE(differences[1].find("period tax 2020: stored open, its log leads to approved"),
            std::string::npos)
      << differences[1];
}

TEST_F(ClosingStoreTest, StatesSurviveReopeningTheStore) {
  store_.reset();
  store_ = OpenStore(Options(dir_.path()));
  ASSERT_NE(store_, nullptr);
  ASSERT_EQ(Periods(*store_).size(), 1u);
  EXPECT_EQ(Periods(*store_)[0].state, PeriodState::kApproved);
  StoreOptions read_only = Options(dir_.path());
  read_only.read_only = true;
  auto reader = OpenStore(read_only);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(PeriodLog(*reader).size(), 2u);
}

}  // namespace
}  // namespace kpihub::store
