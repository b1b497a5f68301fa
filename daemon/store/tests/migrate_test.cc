// Upgrading a format 1 store (history keyed by figure) to format 2 (changes keyed by change
// id, chained per figure): nothing lost, the same history in the same order, figures linked
// to their latest change, and a refusal that changes nothing when the old store is damaged.
#include <gtest/gtest.h>

#include "../src/codec.h"
#include "../src/migrate_v1.h"
#include "../src/tables.h"
#include "test_util.h"
#include "v1_store.h"

namespace kpihub::store {
namespace {

using core::Decimal;
using core::FigureKey;
using testing_util::Batch;
using testing_util::Obs;

using testing_util::kA;
using testing_util::kB;
using testing_util::kC;
using testing_util::SmallHistory;
using testing_util::U32;
using testing_util::V1Change;
using testing_util::WriteV1Store;

TEST(MigrateTest, UpgradesFormat1KeepingEveryChangeInOrder) {
  testing_util::TempDir dir;
  WriteV1Store(dir.path(), SmallHistory());
  {
    auto store = testing_util::OpenStore(testing_util::Options(dir.path()));
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->UpgradedFrom(), 1u);
    const std::vector<HistoryEntry> all = testing_util::History(*store);
    ASSERT_EQ(all.size(), 4u);
    const std::vector<std::tuple<FigureKey, uint64_t, uint32_t, int64_t>> want = {
        {kA, 1, 0, 10}, {kB, 1, 1, 7}, {kA, 2, 0, 12}, {kC, 2, 1, 3}};
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(all[i].key, std::get<0>(want[i])) << i;
      EXPECT_EQ(all[i].journal_id, std::get<1>(want[i])) << i;
      EXPECT_EQ(all[i].index, std::get<2>(want[i])) << i;
      EXPECT_TRUE(all[i].new_value == Decimal::FromInt(std::get<3>(want[i]))) << i;
      EXPECT_EQ(all[i].unix_ms, 1700000000000 + static_cast<int64_t>(all[i].journal_id)) << i;
    }
    const std::vector<HistoryEntry> a = testing_util::History(*store, kA);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_FALSE(a[0].old_value.has_value());
    ASSERT_TRUE(a[1].old_value.has_value());
    EXPECT_TRUE(*a[1].old_value == Decimal::FromInt(10));
    EXPECT_EQ(testing_util::History(*store, {"rev", "", "", ""}).size(), 3u);
    std::vector<std::string> differences{"stale"};
    ASSERT_TRUE(store->Verify(&differences).ok());
    EXPECT_TRUE(differences.empty()) << differences.front();
    EXPECT_EQ(store->Stats().history_entries, 4u);

    // The upgraded store goes on: a new change links to the migrated ones.
    const auto results = testing_util::Apply(*store, {Batch("a", 3, {Obs("rev", "p1", "2020",
                                                                         kA.entity, 15)})});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
    const std::vector<HistoryEntry> a3 = testing_util::History(*store, kA);
    ASSERT_EQ(a3.size(), 3u);
    EXPECT_TRUE(*a3[2].old_value == Decimal::FromInt(12));
    EXPECT_TRUE(a3[2].new_value == Decimal::FromInt(15));
    EXPECT_EQ(a3[2].journal_id, 3u);
    ASSERT_TRUE(store->Verify(&differences).ok());
    EXPECT_TRUE(differences.empty());
  }
  EXPECT_EQ(testing_util::OpenStore(testing_util::Options(dir.path()))->UpgradedFrom(), 0u);
  testing_util::RawEnv raw(dir.path());
  EXPECT_FALSE(raw.HasTable("history"));
  EXPECT_EQ(raw.Get("meta", "format_version"), U32(Store::kFormatVersion));
}

TEST(MigrateTest, ReadOnlyOpenOfFormat1IsRefusedAndChangesNothing) {
  testing_util::TempDir dir;
  WriteV1Store(dir.path(), SmallHistory());
  StoreOptions options = testing_util::Options(dir.path());
  options.read_only = true;
  std::unique_ptr<Store> store;
  const Status s = Store::Open(options, &store);
  EXPECT_EQ(s.code(), Status::Code::kOldFormat);
  EXPECT_NE(s.ToString().find("format_version 1"), std::string::npos) << s.ToString();
  testing_util::RawEnv raw(dir.path());
  EXPECT_TRUE(raw.HasTable("history"));
  EXPECT_EQ(raw.Get("meta", "format_version"), U32(1));
}

TEST(MigrateTest, AChangeWithoutItsFigureRefusesTheUpgradeWhole) {
  for (const FigureKey& orphan :
       {FigureKey{"aaa", "p1", "2020", ""}, FigureKey{"rev", "p1", "2020", "91350200MA2SECRET0"},
        FigureKey{"zzz", "p9", "2020", ""}}) {
    testing_util::TempDir dir;
    WriteV1Store(dir.path(), SmallHistory());
    {
      testing_util::RawEnv raw(dir.path());
      HistoryEntry h{orphan, std::nullopt, Decimal::FromInt(1), "a", "tax", 1, 1, 1, 5};
      raw.Put("history", internal::EncodeV1HistoryKey(orphan, 1, 5), internal::EncodeV1History(h));
    }
    std::unique_ptr<Store> store;
    const Status s = Store::Open(testing_util::Options(dir.path()), &store);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << orphan.indicator << " " << s.ToString();
    testing_util::RawEnv raw(dir.path());
    EXPECT_TRUE(raw.HasTable("history"));
    EXPECT_EQ(raw.Get("meta", "format_version"), U32(1));
    EXPECT_EQ(raw.Get("obs", internal::EncodeFigureKey(kA)),
              internal::EncodeV1Observation({kA, Decimal::FromInt(12), "", "a", 1, 1700000000000}));
  }
}

TEST(MigrateTest, GrowsTheMapWhenTheUpgradeNeedsIt) {
  testing_util::TempDir dir;
  std::vector<V1Change> changes;
  constexpr int kFigures = 30000;
  for (int i = 0; i < kFigures; ++i) {
    FigureKey key{"rev", "p" + std::to_string(i % 11), "2020-0" + std::to_string(1 + i % 9),
                  "E" + std::to_string(1000000 + i)};
    changes.push_back({key, std::nullopt, i, 1 + static_cast<uint64_t>(i / 100),
                       static_cast<uint32_t>(i % 100)});
  }
  WriteV1Store(dir.path(), changes);
  const uint64_t v1_bytes = std::filesystem::file_size(dir.Sub("data.mdb"));
  StoreOptions options = testing_util::Options(dir.path());
  options.initial_map_bytes = 1ull << 20;  // LMDB raises it to the data's size, no more
  auto store = testing_util::OpenStore(options);
  ASSERT_NE(store, nullptr);
  const StoreStats stats = store->Stats();
  EXPECT_GT(stats.map_size_bytes, v1_bytes);  // the upgrade did not fit the old data's size
  EXPECT_EQ(stats.history_entries, static_cast<uint64_t>(kFigures));
  EXPECT_EQ(stats.observations, static_cast<uint64_t>(kFigures));
  std::vector<std::string> differences{"stale"};
  ASSERT_TRUE(store->Verify(&differences).ok());
  EXPECT_TRUE(differences.empty());
  EXPECT_EQ(testing_util::History(*store, changes[12345].key).size(), 1u);
}

}  // namespace
}  // namespace kpihub::store
