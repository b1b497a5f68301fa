// Verify's fold, and what happens on records that are not what we wrote.
#include <gtest/gtest.h>

#include "../src/codec.h"
#include "../src/tables.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Batch;
using testing_util::Obs;

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = testing_util::Options(dir_.path());
    auto store = testing_util::OpenStore(options_);
    testing_util::Apply(*store, {Batch("a", 1, {Obs("rev", "p1", "2020", "91350200MA2SECRET1", 10),
                                                Obs("rev", "p1", "2020", "91350200MA2SECRET2", 5),
                                                Obs("rev", "p2", "2020", "", 7),
                                                Obs("jobs", "p1", "2021", "", 3)})});
    std::vector<std::string> differences{"stale"};
    ASSERT_TRUE(store->Verify(&differences).ok());
    EXPECT_TRUE(differences.empty());
  }
  std::unique_ptr<Store> Reopen() { return testing_util::OpenStore(options_); }

  testing_util::TempDir dir_;
  StoreOptions options_;
};

std::string CellRecord(int64_t units, uint32_t entities) {
  return internal::EncodeCell({core::Decimal::FromInt(units), entities});
}

TEST_F(VerifyTest, ReportsCorruptedMissingAndExtraCells) {
  {
    testing_util::RawEnv raw(dir_.path());
    raw.Put("cells", internal::EncodeCellKey("rev", "p1", "2020"), CellRecord(16, 2));
    raw.Delete("cells", internal::EncodeCellKey("rev", "p2", "2020"));
    raw.Put("cells", internal::EncodeCellKey("ghost", "p1", "2020"), CellRecord(1, 0));
    raw.Put("cells", internal::EncodeCellKey("jobs", "p1", "2021"), CellRecord(3, 1));
  }
  auto store = Reopen();
  std::vector<std::string> differences;
  ASSERT_TRUE(store->Verify(&differences).ok());
  ASSERT_EQ(differences.size(), 4u);
  const std::string all = differences[0] + "\n" + differences[1] + "\n" + differences[2] + "\n" +
                          differences[3];
  EXPECT_NE(all.find("indicator=rev park=p1 period=2020: stored sum=16 entities=2, recomputed "
                     "sum=15 entities=2"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("indicator=rev park=p2 period=2020: missing, recomputed sum=7 entities=0"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("indicator=ghost park=p1 period=2020: stored sum=1 entities=0, no "
                     "observations"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("indicator=jobs park=p1 period=2021: stored sum=3 entities=1, recomputed "
                     "sum=3 entities=0"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("SECRET"), std::string::npos);  // never an entity id
}

TEST_F(VerifyTest, GarbledObservationIsCorruptionNotACrash) {
  const std::string key = internal::EncodeFigureKey({"rev", "p1", "2020", "91350200MA2SECRET1"});
  {
    testing_util::RawEnv raw(dir_.path());
    raw.Put("obs", key, "\x01\x02\x03");
  }
  auto store = Reopen();
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  EXPECT_EQ(snapshot->ForEachObservation([](const StoredObservation&) {}).code(),
            Status::Code::kCorruption);
  StoredObservation obs;
  EXPECT_EQ(snapshot->GetObservation({"rev", "p1", "2020", "91350200MA2SECRET1"}, &obs).code(),
            Status::Code::kCorruption);
  snapshot.reset();
  std::vector<std::string> differences;
  EXPECT_EQ(store->Verify(&differences).code(), Status::Code::kCorruption);
  // A group touching the garbled figure is refused whole; not sticky.
  std::vector<ApplyResult> results;
  EXPECT_EQ(store->ApplyGroup({Batch("a", 2, {Obs("rev", "p1", "2020", "91350200MA2SECRET1", 1)})},
                              &results).code(),
            Status::Code::kCorruption);
  EXPECT_TRUE(results.empty());
  EXPECT_TRUE(store->ApplyGroup({Batch("a", 2, {Obs("rev", "p3", "2020", "", 1)})}, &results).ok());
}

TEST_F(VerifyTest, GarbledRecordsInEveryTable) {
  {
    testing_util::RawEnv raw(dir_.path());
    raw.Put("cells", internal::EncodeCellKey("rev", "p1", "2020"), std::string(19, '\0'));
    raw.Put("cells", internal::EncodeCellKey("bad", "p1", "20x0"), CellRecord(1, 0));
    raw.Put("senders", "a", "\x05");
    raw.Put("journal", internal::BigEndian64Key(7), std::string(40, '\xff'));
    raw.Put("dead", internal::BigEndian64Key(1), "");
    raw.Put("changes", "rev", "x");
  }
  auto store = Reopen();
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  EXPECT_EQ(snapshot->ForEachCell([](const core::Cell&) {}).code(), Status::Code::kCorruption);
  EXPECT_EQ(snapshot->ForEachSender([](const SenderState&) {}).code(), Status::Code::kCorruption);
  EXPECT_EQ(snapshot->ForEachJournal([](const JournalEntry&) {}).code(), Status::Code::kCorruption);
  EXPECT_EQ(snapshot->ForEachDeadLetter([](const DeadLetter&) {}).code(), Status::Code::kCorruption);
  EXPECT_EQ(snapshot->ForEachHistory({}, [](const HistoryEntry&) {}).code(),
            Status::Code::kCorruption);
  snapshot.reset();
  std::vector<ApplyResult> results;
  EXPECT_EQ(store->ApplyGroup({Batch("a", 2, {})}, &results).code(), Status::Code::kCorruption);
}

// The value history is a chain per figure, from the obs record to its first change. A figure
// whose latest change is gone or holds another value is reported (by cell, no entity id); a
// broken chain makes the history unreadable rather than silently short.
TEST_F(VerifyTest, BrokenHistoryChainsAreFound) {
  const core::FigureKey secret{"rev", "p1", "2020", "91350200MA2SECRET1"};
  {
    auto store = Reopen();
    testing_util::Apply(*store, {Batch("a", 2, {Obs("rev", "p1", "2020", secret.entity, 11)})});
    ASSERT_EQ(testing_util::History(*store, secret).size(), 2u);
  }
  {
    // Journal 2 holds the second change of the figure; its first is (1, 0).
    testing_util::RawEnv raw(dir_.path());
    HistoryEntry wrong{secret, core::Decimal::FromInt(10), core::Decimal::FromInt(99), "a", "tax",
                       2, 1700000000000, 2, 0};
    raw.Put("changes", internal::EncodeChangeKey({2, 0}),
            internal::EncodeHistory(wrong, {1, 0}));
  }
  {
    auto store = Reopen();
    std::vector<std::string> differences;
    ASSERT_TRUE(store->Verify(&differences).ok());
    ASSERT_EQ(differences.size(), 1u);
    EXPECT_NE(differences[0].find("latest change"), std::string::npos) << differences[0];
    EXPECT_EQ(differences[0].find("SECRET"), std::string::npos) << differences[0];
  }
  {
    testing_util::RawEnv raw(dir_.path());
    raw.Delete("changes", internal::EncodeChangeKey({1, 0}));
  }
  auto store = Reopen();
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  EXPECT_EQ(snapshot->ForEachHistory(secret, [](const HistoryEntry&) {}).code(),
            Status::Code::kCorruption);
  // The full history is read in commit order, without chains: still readable.
  size_t changes = 0;
  EXPECT_TRUE(snapshot->ForEachHistory({}, [&](const HistoryEntry&) { ++changes; }).ok());
  EXPECT_EQ(changes, 4u);
  snapshot.reset();
  store.reset();
  {
    // Who made a change is its batch's journal entry: without it the change is unaccounted.
    testing_util::RawEnv raw(dir_.path());
    raw.Delete("journal", internal::BigEndian64Key(2));
  }
  store = Reopen();
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  EXPECT_EQ(snapshot->ForEachHistory({}, [](const HistoryEntry&) {}).code(),
            Status::Code::kCorruption);
}

TEST_F(VerifyTest, JournalKeyOfWrongSizeIsCorruption) {
  {
    testing_util::RawEnv raw(dir_.path());
    raw.Put("journal", std::string(9, '\xff'), "x");
  }
  auto store = Reopen();
  std::vector<ApplyResult> results;
  EXPECT_EQ(store->ApplyGroup({Batch("b", 1, {})}, &results).code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace kpihub::store
