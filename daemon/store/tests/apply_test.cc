// ApplyGroup's effects, read back through snapshots.
#include <gtest/gtest.h>

#include "test_util.h"

namespace kpihub::store {
namespace {

using core::Decimal;
using core::FigureKey;
using testing_util::Apply;
using testing_util::Batch;
using testing_util::Obs;

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing_util::OpenStore(testing_util::Options(dir_.path())); }

  // What AppliesAndReadsBackEveryTable's batch leaves in each table.
  void ExpectFiguresAndCells() {
    const auto obs = testing_util::Observations(*store_);
    ASSERT_EQ(obs.size(), 3u);
    EXPECT_EQ(obs[0].key, (FigureKey{"revenue", "p1", "2020", "E1"}));
    EXPECT_EQ(obs[0].value, Decimal::FromInt(10));
    EXPECT_EQ(obs[0].note, "first");
    EXPECT_EQ(obs[0].adapter, "tax-adapter");
    EXPECT_EQ(obs[0].sequence, 1u);
    EXPECT_EQ(obs[0].unix_ms, 1111);

    const auto cells = testing_util::Cells(*store_);
    ASSERT_EQ(cells.size(), 2u);
    EXPECT_EQ(cells[0].indicator, "revenue");
    EXPECT_EQ(cells[0].park, "p1");
    EXPECT_EQ(cells[0].period, *core::Period::Parse("2020"));
    EXPECT_EQ(cells[0].sum, Decimal::FromInt(15));
    EXPECT_EQ(cells[0].entities, 2u);
    EXPECT_EQ(cells[1].sum, Decimal::FromInt(7));
    EXPECT_EQ(cells[1].entities, 0u);  // park-level figure
  }
  void ExpectSenderAndJournal() {
    const auto senders = testing_util::Senders(*store_);
    ASSERT_EQ(senders.size(), 1u);
    EXPECT_EQ(senders[0].adapter, "tax-adapter");
    EXPECT_EQ(senders[0].department, "tax");
    EXPECT_EQ(senders[0].last_sequence, 1u);
    EXPECT_EQ(senders[0].last_batch_unix_ms, 1111);
    EXPECT_EQ(senders[0].batches, 1u);
    EXPECT_EQ(senders[0].observations_accepted, 3u);
    EXPECT_EQ(senders[0].observations_rejected, 2u);

    const auto journal = testing_util::Journal(*store_);
    ASSERT_EQ(journal.size(), 1u);
    EXPECT_EQ(journal[0].journal_id, 1u);
    EXPECT_EQ(journal[0].adapter, "tax-adapter");
    EXPECT_EQ(journal[0].sequence, 1u);
    EXPECT_EQ(journal[0].accepted, 3u);
    EXPECT_EQ(journal[0].rejected, 2u);
  }
  void ExpectHistoryAndDeadLetters() {
    const auto history = testing_util::History(*store_);
    ASSERT_EQ(history.size(), 3u);
    EXPECT_FALSE(history[0].old_value.has_value());
    EXPECT_EQ(history[0].new_value, Decimal::FromInt(10));
    EXPECT_EQ(history[0].journal_id, 1u);
    EXPECT_EQ(history[0].department, "tax");

    const auto dead = testing_util::DeadLetters(*store_);
    ASSERT_EQ(dead.size(), 2u);
    EXPECT_EQ(dead[0].id, 1u);
    EXPECT_EQ(dead[1].id, 2u);
    EXPECT_EQ(dead[0].adapter, "tax-adapter");
    EXPECT_EQ(dead[0].sequence, 1u);
    EXPECT_EQ(dead[0].rejection.index, 3u);
    EXPECT_EQ(dead[0].rejection.reason, core::RejectReason::kUnknownIndicator);
    EXPECT_EQ(dead[0].rejection.detail, "detail 3");
    EXPECT_EQ(dead[0].observation.indicator, "bad_indicator");
    EXPECT_EQ(dead[0].observation.entity, "91350200MA2XXXXXXX");
    EXPECT_EQ(dead[0].observation.value, 1.5);
    EXPECT_EQ(dead[1].rejection.reason, core::RejectReason::kNotFinite);
  }
  void ExpectSnapshotReads() {
    std::unique_ptr<Snapshot> snapshot;
    ASSERT_TRUE(store_->OpenSnapshot(&snapshot).ok());
    StoredObservation one;
    ASSERT_TRUE(snapshot->GetObservation({"revenue", "p1", "2020", "E2"}, &one).ok());
    EXPECT_EQ(one.value, Decimal::FromInt(5));
    EXPECT_EQ(snapshot->GetObservation({"revenue", "p1", "2020", "E9"}, &one).code(),
              Status::Code::kNotFound);
    const StoreStats stats = snapshot->Stats();
    EXPECT_EQ(stats.observations, 3u);
    EXPECT_EQ(stats.cells, 2u);
    EXPECT_EQ(stats.journal_entries, 1u);
    EXPECT_EQ(stats.dead_letters, 2u);
    EXPECT_EQ(stats.history_entries, 3u);
    EXPECT_EQ(stats.map_size_bytes, 8ull << 20);
    EXPECT_GT(stats.used_bytes, 0u);
    EXPECT_GT(stats.file_bytes, 0u);
  }

  testing_util::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ApplyTest, AppliesAndReadsBackEveryTable) {
  BatchToApply batch = Batch("tax-adapter", 1,
                             {Obs("revenue", "p1", "2020", "E1", 10, "first"),
                              Obs("revenue", "p1", "2020", "E2", 5),
                              Obs("revenue", "p2", "2020", "", 7)},
                             "tax", 1111);
  batch.rejected.push_back(testing_util::Rejected(3, core::RejectReason::kUnknownIndicator));
  batch.rejected.push_back(testing_util::Rejected(4, core::RejectReason::kNotFinite));
  const auto results = Apply(*store_, {batch});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(results[0].next_expected, 2u);
  EXPECT_EQ(results[0].journal_id, 1u);

  ASSERT_NO_FATAL_FAILURE(ExpectFiguresAndCells());
  ASSERT_NO_FATAL_FAILURE(ExpectSenderAndJournal());
  ASSERT_NO_FATAL_FAILURE(ExpectHistoryAndDeadLetters());
  ExpectSnapshotReads();
}

TEST_F(ApplyTest, DuplicateAndOutOfOrderHaveNoEffect) {
  Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  const auto results = Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 99)}),
                                       Batch("a", 3, {Obs("x", "p1", "2020", "E1", 98)}),
                                       Batch("a", 0, {Obs("x", "p1", "2020", "E1", 97)})});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(results[0].next_expected, 2u);
  EXPECT_EQ(results[1].outcome, BatchOutcome::kOutOfOrder);
  EXPECT_EQ(results[1].next_expected, 2u);
  EXPECT_EQ(results[2].outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(testing_util::Observations(*store_)[0].value, Decimal::FromInt(1));
  EXPECT_EQ(testing_util::Journal(*store_).size(), 1u);
  EXPECT_EQ(testing_util::History(*store_).size(), 1u);
  EXPECT_EQ(testing_util::Senders(*store_)[0].batches, 1u);
  EXPECT_EQ(testing_util::Cells(*store_)[0].sum, Decimal::FromInt(1));
}

TEST_F(ApplyTest, FirstSequenceMustBeOne) {
  const auto results = Apply(*store_, {Batch("a", 2, {Obs("x", "p1", "2020", "E1", 1)})});
  EXPECT_EQ(results[0].outcome, BatchOutcome::kOutOfOrder);
  EXPECT_EQ(results[0].next_expected, 1u);
  EXPECT_TRUE(testing_util::Observations(*store_).empty());
  EXPECT_TRUE(testing_util::Senders(*store_).empty());
}

TEST_F(ApplyTest, TwoBatchesOfOneAdapterInOneGroup) {
  const auto results = Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)}),
                                       Batch("b", 1, {Obs("x", "p1", "2020", "E2", 4)}),
                                       Batch("a", 2, {Obs("x", "p1", "2020", "E1", 2)}),
                                       Batch("a", 2, {Obs("x", "p1", "2020", "E1", 50)}),
                                       Batch("a", 4, {Obs("x", "p1", "2020", "E1", 60)})});
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(results[0].journal_id, 1u);
  EXPECT_EQ(results[1].journal_id, 2u);
  EXPECT_EQ(results[2].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(results[2].journal_id, 3u);
  EXPECT_EQ(results[2].next_expected, 3u);
  EXPECT_EQ(results[3].outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(results[4].outcome, BatchOutcome::kOutOfOrder);
  EXPECT_EQ(results[4].next_expected, 3u);
  const auto cells = testing_util::Cells(*store_);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].sum, Decimal::FromInt(6));
  EXPECT_EQ(cells[0].entities, 2u);
  const auto senders = testing_util::Senders(*store_);
  ASSERT_EQ(senders.size(), 2u);
  EXPECT_EQ(senders[0].last_sequence, 2u);
  EXPECT_EQ(senders[0].batches, 2u);
  EXPECT_EQ(testing_util::Journal(*store_).size(), 3u);
}

TEST_F(ApplyTest, RevisionReplacesValueAndCellFollows) {
  Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 10), Obs("x", "p1", "2020", "E2", 1)},
                        "tax", 100)});
  Apply(*store_, {Batch("b", 1, {Obs("x", "p1", "2020", "E1", -3, "revised")}, "fin", 200)});
  const auto cells = testing_util::Cells(*store_);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].sum, Decimal::FromInt(-2));
  EXPECT_EQ(cells[0].entities, 2u);  // a revision is not a new enterprise
  const auto history = testing_util::History(*store_, {"x", "p1", "2020", "E1"});
  ASSERT_EQ(history.size(), 2u);
  EXPECT_FALSE(history[0].old_value.has_value());
  ASSERT_TRUE(history[1].old_value.has_value());
  EXPECT_EQ(*history[1].old_value, Decimal::FromInt(10));
  EXPECT_EQ(history[1].new_value, Decimal::FromInt(-3));
  EXPECT_EQ(history[1].adapter, "b");
  EXPECT_EQ(history[1].department, "fin");
  EXPECT_EQ(history[1].unix_ms, 200);
  EXPECT_EQ(history[1].journal_id, 2u);
  const auto obs = testing_util::Observations(*store_);
  EXPECT_EQ(obs[0].value, Decimal::FromInt(-3));
  EXPECT_EQ(obs[0].note, "revised");
  EXPECT_EQ(obs[0].adapter, "b");
}

TEST_F(ApplyTest, UnchangedValueRecordsNoHistory) {
  Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 10, "n")}, "tax", 100)});
  Apply(*store_, {Batch("a", 2, {Obs("x", "p1", "2020", "E1", 10, "n")}, "tax", 200)});
  EXPECT_EQ(testing_util::History(*store_).size(), 1u);
  const auto obs = testing_util::Observations(*store_);
  EXPECT_EQ(obs[0].sequence, 1u);  // the record stays as first written
  EXPECT_EQ(obs[0].unix_ms, 100);
  EXPECT_EQ(testing_util::Cells(*store_)[0].sum, Decimal::FromInt(10));
  // The batch itself is still journalled and counted.
  EXPECT_EQ(testing_util::Journal(*store_).size(), 2u);
  EXPECT_EQ(testing_util::Senders(*store_)[0].observations_accepted, 2u);
  // A changed note alone is a change.
  Apply(*store_, {Batch("a", 3, {Obs("x", "p1", "2020", "E1", 10, "m")})});
  EXPECT_EQ(testing_util::History(*store_).size(), 2u);
  EXPECT_EQ(testing_util::Cells(*store_)[0].sum, Decimal::FromInt(10));
}

TEST_F(ApplyTest, SameKeyTwiceInABatchLaterWins) {
  Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1), Obs("x", "p1", "2020", "E1", 7)})});
  const auto cells = testing_util::Cells(*store_);
  EXPECT_EQ(cells[0].sum, Decimal::FromInt(7));
  EXPECT_EQ(cells[0].entities, 1u);
  const auto history = testing_util::History(*store_);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].new_value, Decimal::FromInt(7));
  EXPECT_EQ(*history[1].old_value, Decimal::FromInt(1));
}

TEST_F(ApplyTest, HistoryPrefixSelectsAndOrdersOldestFirst) {
  Apply(*store_, {Batch("a", 1, {Obs("y", "p2", "2021", "E1", 1), Obs("x", "p1", "2020", "E1", 1)})});
  Apply(*store_, {Batch("a", 2, {Obs("x", "p2", "2020", "E2", 2), Obs("x", "p1", "2021", "", 3)})});
  Apply(*store_, {Batch("a", 3, {Obs("x", "p1", "2020", "E1", 4)})});
  const auto all = testing_util::History(*store_);
  ASSERT_EQ(all.size(), 5u);
  // Oldest first across figures: journal id, then position in the batch.
  EXPECT_EQ(all[0].key.indicator, "y");
  EXPECT_EQ(all[1].key, (FigureKey{"x", "p1", "2020", "E1"}));
  EXPECT_EQ(all[4].journal_id, 3u);
  EXPECT_EQ(testing_util::History(*store_, {"x", "", "", ""}).size(), 4u);
  EXPECT_EQ(testing_util::History(*store_, {"x", "p1", "", ""}).size(), 3u);
  EXPECT_EQ(testing_util::History(*store_, {"x", "p1", "2020", ""}).size(), 2u);
  EXPECT_EQ(testing_util::History(*store_, {"x", "", "2020", ""}).size(), 3u);
  EXPECT_EQ(testing_util::History(*store_, {"", "", "", "E1"}).size(), 3u);
  EXPECT_EQ(testing_util::History(*store_, {"x", "p1", "2020", "E1"}).size(), 2u);
  EXPECT_EQ(testing_util::History(*store_, {"x", "p1", "2020", "E"}).size(), 0u);
  EXPECT_EQ(testing_util::History(*store_, {"", "p9", "", ""}).size(), 0u);
}

TEST_F(ApplyTest, ExactDecimalSums) {
  std::vector<core::ValidObservation> obs;
  for (int i = 0; i < 10; ++i) {
    obs.push_back(testing_util::ObsMicros({"x", "p1", "2020Q3", "E" + std::to_string(i)}, 100000));
  }
  // Far beyond int64 micros: the int128 sum must stay exact.
  const __int128 big = static_cast<__int128>(1) << 100;
  obs.push_back(testing_util::ObsMicros({"x", "p1", "2020Q3", "BIG"}, big));
  Apply(*store_, {Batch("a", 1, obs)});
  const auto cells = testing_util::Cells(*store_);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_TRUE(cells[0].sum.micros() == big + 1000000);
  EXPECT_EQ(cells[0].period, *core::Period::Parse("2020Q3"));
}

TEST_F(ApplyTest, EmptyGroupAndEmptyBatch) {
  EXPECT_TRUE(Apply(*store_, {}).empty());
  const auto results = Apply(*store_, {Batch("a", 1, {})});
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(testing_util::Senders(*store_)[0].last_sequence, 1u);
}

TEST_F(ApplyTest, RefusesKeysTheTablesCannotHold) {
  std::vector<ApplyResult> results;
  auto with_nul = Obs("x", "p1", "2020", "E1", 1);
  with_nul.key.entity = std::string("E\0X", 3);
  EXPECT_EQ(store_->ApplyGroup({Batch("a", 1, {with_nul})}, &results).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->ApplyGroup({Batch("a", 1, {Obs("x", "p1", "2020", std::string(600, 'e'), 1)})},
                               &results).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->ApplyGroup({Batch("", 1, {})}, &results).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(results.empty());
  // Not sticky: nothing was written.
  EXPECT_EQ(Apply(*store_, {Batch("a", 1, {})})[0].outcome, BatchOutcome::kApplied);
}

TEST_F(ApplyTest, CatalogueFingerprint) {
  EXPECT_TRUE(store_->SetCatalogueFingerprint("sha256:abc").ok());
  EXPECT_TRUE(store_->SetCatalogueFingerprint("sha256:def").ok());
}

TEST(StatusTest, ToString) {
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_EQ(Status::Error(Status::Code::kMapFull, "at 1 MiB").ToString(), "Map full: at 1 MiB");
  EXPECT_EQ(Status::Error(Status::Code::kIoError, "").ToString(), "IO error");
  EXPECT_EQ(Status::Error(Status::Code::kReadOnly, "x").ToString(), "Read-only: x");
}

}  // namespace
}  // namespace kpihub::store
