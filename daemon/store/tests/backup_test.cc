// Store::Backup: a compacted, consistent copy that opens as a store with the same content,
// taken while the writer keeps committing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Apply;
using testing_util::Batch;
using testing_util::Obs;

std::vector<core::ValidObservation> Figures(uint64_t seq, int n) {
  std::vector<core::ValidObservation> obs;
  for (int i = 0; i < n; ++i) {
    obs.push_back(Obs("rev", "p" + std::to_string(i % 3), "2020",
                      "E" + std::to_string(seq) + "-" + std::to_string(i), static_cast<int64_t>(seq)));
  }
  return obs;
}

TEST(BackupTest, CopyOpensWithTheSameCellsAndVerifies) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(testing_util::Options(dir.Sub("live")));
  for (uint64_t seq = 1; seq <= 5; ++seq) Apply(*store, {Batch("a", seq, Figures(seq, 30))});
  ASSERT_TRUE(store->Backup(dir.Sub("copy")).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("copy") + "/data.mdb"));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("copy.partial")));
  const auto perms = std::filesystem::status(dir.Sub("copy") + "/data.mdb").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write);

  StoreOptions read = testing_util::Options(dir.Sub("copy"));
  read.read_only = true;
  auto copy = testing_util::OpenStore(read);
  ASSERT_NE(copy, nullptr);
  auto a = testing_util::Cells(*store), b = testing_util::Cells(*copy);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].sum, b[i].sum);
    EXPECT_EQ(a[i].entities, b[i].entities);
  }
  EXPECT_EQ(testing_util::History(*copy).size(), testing_util::History(*store).size());
  EXPECT_EQ(testing_util::Senders(*copy).at(0).last_sequence, 5u);
  std::vector<std::string> differences{"stale"};
  ASSERT_TRUE(copy->Verify(&differences).ok());
  EXPECT_TRUE(differences.empty());
}

TEST(BackupTest, RefusesAnExistingDestination) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(testing_util::Options(dir.Sub("live")));
  std::filesystem::create_directory(dir.Sub("taken"));
  Status s = store->Backup(dir.Sub("taken"));
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
}

// The copy is one commit's view: every batch is either wholly in it or not at all, so the
// copy verifies and its sender sequence matches its journal.
TEST(BackupTest, CopyTakenDuringWritesIsOneConsistentCommit) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(testing_util::Options(dir.Sub("live")));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> committed{0};
  std::thread writer([&] {
    for (uint64_t seq = 1; !stop; ++seq) {
      Apply(*store, {Batch("a", seq, Figures(seq, 20))});
      committed = seq;
    }
  });
  // The backup starts once the writer is under way (a few commits in), not after a guess.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (committed < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling, not a guess
  }
  const uint64_t before_backup = committed;
  Status s = store->Backup(dir.Sub("copy"));
  stop = true;
  writer.join();
  ASSERT_GE(before_backup, 3u) << "the writer made no progress";
  ASSERT_TRUE(s.ok()) << s.ToString();
  StoreOptions read = testing_util::Options(dir.Sub("copy"));
  read.read_only = true;
  auto copy = testing_util::OpenStore(read);
  ASSERT_NE(copy, nullptr);
  std::vector<std::string> differences{"stale"};
  ASSERT_TRUE(copy->Verify(&differences).ok());
  EXPECT_TRUE(differences.empty());
  auto senders = testing_util::Senders(*copy);
  ASSERT_EQ(senders.size(), 1u);
  EXPECT_GE(senders[0].last_sequence, before_backup);  // what was committed before it began
  EXPECT_LE(senders[0].last_sequence, committed.load());
  EXPECT_EQ(testing_util::Journal(*copy).size(), senders[0].last_sequence);
  EXPECT_EQ(testing_util::Observations(*copy).size(), senders[0].last_sequence * 20);
}

}  // namespace
}  // namespace kpihub::store
