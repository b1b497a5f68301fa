// The map grows by doubling on MDB_MAP_FULL, the group is retried from scratch, and when it
// cannot grow the answer is kMapFull with nothing applied and the store still usable.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "../src/store_impl.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Batch;
using testing_util::Obs;

std::vector<core::ValidObservation> ManyObservations(int count, const std::string& period) {
  std::vector<core::ValidObservation> obs;
  const std::string note(120, 'n');
  for (int i = 0; i < count; ++i) {
    obs.push_back(Obs("revenue", "p" + std::to_string(i % 7), period, "E" + std::to_string(i), i, note));
  }
  return obs;
}

StoreOptions TinyMap(const std::string& path, uint64_t max_bytes) {
  StoreOptions options = testing_util::Options(path);
  options.initial_map_bytes = 1ull << 20;
  options.max_map_bytes = max_bytes;
  return options;
}

TEST(MapGrowthTest, GrowsFromTinyMapAndKeepsEverything) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(TinyMap(dir.path(), 1ull << 30));
  // One group far larger than the initial map: fails mid-transaction, grows, retries.
  const auto results = testing_util::Apply(*store, {Batch("a", 1, ManyObservations(20000, "2020"))});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(results[0].journal_id, 1u);  // the retry did not burn journal ids
  // Then many small groups.
  for (uint64_t seq = 2; seq <= 21; ++seq) {
    testing_util::Apply(*store, {Batch("a", seq, ManyObservations(500, std::to_string(2100 + seq)))});
  }
  const StoreStats stats = store->Stats();
  EXPECT_GT(stats.map_size_bytes, 1ull << 20);
  EXPECT_EQ(stats.map_size_bytes & (stats.map_size_bytes - 1), 0u);  // doubled from 1 MiB
  EXPECT_EQ(stats.observations, 30000u);
  EXPECT_EQ(stats.history_entries, 30000u);
  EXPECT_EQ(stats.journal_entries, 21u);
  EXPECT_LE(stats.used_bytes, stats.map_size_bytes);
  std::vector<std::string> differences;
  ASSERT_TRUE(store->Verify(&differences).ok());
  EXPECT_TRUE(differences.empty());
}

TEST(MapGrowthTest, MaxReachedAnswersMapFullAndStaysUsable) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(TinyMap(dir.path(), 2ull << 20));
  testing_util::Apply(*store, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  std::vector<ApplyResult> results;
  const Status s = store->ApplyGroup({Batch("a", 2, ManyObservations(20000, "2020")),
                                      Batch("b", 1, {Obs("x", "p1", "2020", "E2", 1)})},
                                     &results);
  EXPECT_EQ(s.code(), Status::Code::kMapFull) << s.ToString();
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(store->Stats().map_size_bytes, 2ull << 20);
  // Nothing of the group is visible, not even the small second batch.
  EXPECT_EQ(testing_util::Observations(*store).size(), 1u);
  const auto senders = testing_util::Senders(*store);
  ASSERT_EQ(senders.size(), 1u);
  EXPECT_EQ(senders[0].last_sequence, 1u);
  // Not sticky: a small group still fits.
  results = testing_util::Apply(*store, {Batch("a", 2, {Obs("x", "p1", "2020", "E2", 5)})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(results[0].journal_id, 2u);
  EXPECT_EQ(testing_util::Cells(*store)[0].sum, core::Decimal::FromInt(6));
}

// Remapping needs every transaction of the process closed; a snapshot kept open makes the
// growth give up after the wait (retry later) instead of unmapping under the reader.
TEST(MapGrowthTest, OpenSnapshotDefersGrowth) {
  testing_util::TempDir dir;
  internal::StoreTuning tuning;
  tuning.remap_wait = std::chrono::milliseconds(50);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(internal::OpenLmdbStore(TinyMap(dir.path(), 1ull << 30), tuning, &store).ok());
  testing_util::Apply(*store, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  std::vector<ApplyResult> results;
  const auto big = Batch("a", 2, ManyObservations(20000, "2020"));
  EXPECT_EQ(store->ApplyGroup({big}, &results).code(), Status::Code::kMapFull);
  // The snapshot is intact and still reads its view.
  StoredObservation obs;
  EXPECT_TRUE(snapshot->GetObservation({"x", "p1", "2020", "E1"}, &obs).ok());
  snapshot.reset();
  ASSERT_TRUE(store->ApplyGroup({big}, &results).ok());
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(store->Stats().observations, 20001u);
}

// Scrapes on another thread while the writer grows the map again and again: every snapshot
// must read a consistent, growing view (and ASan must find no access to an unmapped map).
TEST(MapGrowthTest, ConcurrentSnapshotsDuringGrowth) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(TinyMap(dir.path(), 1ull << 30));
  std::atomic<bool> done{false};
  std::atomic<int> snapshots{0};
  std::atomic<int> failures{0};
  std::thread scraper([&] {
    uint64_t last_count = 0;
    while (!done.load()) {
      std::unique_ptr<Snapshot> snapshot;
      if (!store->OpenSnapshot(&snapshot).ok()) {
        ++failures;
        continue;
      }
      uint64_t count = 0;
      core::Decimal sum;
      const Status s = snapshot->ForEachObservation([&](const StoredObservation& o) {
        ++count;
        sum += o.value;
      });
      if (!s.ok() || count < last_count || count % 2000 != 0) ++failures;
      last_count = count;
      ++snapshots;
    }
  });
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    testing_util::Apply(*store, {Batch("a", seq, ManyObservations(2000, std::to_string(2000 + seq)))});
  }
  done.store(true);
  scraper.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(snapshots.load(), 0);
  EXPECT_GT(store->Stats().map_size_bytes, 1ull << 20);
  EXPECT_EQ(store->Stats().observations, 20000u);
}

}  // namespace
}  // namespace kpihub::store
