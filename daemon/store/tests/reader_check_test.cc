// Store::CheckReaders: the reader slot of a process that died inside a read transaction is
// released, and open readers are reported with their lag behind the last commit.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Batch;
using testing_util::Obs;

// A child process that opens the environment, begins a read transaction and dies in it.
void DieInsideReadTransaction(const std::string& path) {
  pid_t pid = fork();
  if (pid == 0) {
    MDB_env* env = nullptr;
    MDB_txn* txn = nullptr;
    if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 16) != 0 ||
        mdb_env_open(env, path.c_str(), MDB_RDONLY | MDB_NOTLS, 0600) != 0 ||
        mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) {
      _exit(1);
    }
    _exit(0);  // no abort, no close: the slot stays taken
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ReaderCheckTest, SlotOfDeadProcessIsReleasedOnce) {
  testing_util::TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(testing_util::Options(dir.path()), &store).ok());
  testing_util::Apply(*store, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  DieInsideReadTransaction(dir.path());
  ReaderReport report;
  ASSERT_TRUE(store->CheckReaders(&report).ok());
  EXPECT_EQ(report.stale_cleared, 1);
  EXPECT_EQ(report.readers, 0u);
  EXPECT_EQ(report.oldest_lag, 0u);
  ASSERT_TRUE(store->CheckReaders(&report).ok());
  EXPECT_EQ(report.stale_cleared, 0);
}

TEST(ReaderCheckTest, OpenSnapshotIsReportedWithItsLag) {
  testing_util::TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(testing_util::Options(dir.path()), &store).ok());
  testing_util::Apply(*store, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  for (uint64_t seq = 2; seq <= 4; ++seq) {
    testing_util::Apply(*store, {Batch("a", seq, {Obs("x", "p1", "2020", "E1", 1 + static_cast<int64_t>(seq))})});
  }
  ReaderReport report;
  ASSERT_TRUE(store->CheckReaders(&report).ok());
  EXPECT_EQ(report.stale_cleared, 0);
  EXPECT_EQ(report.readers, 1u);
  EXPECT_EQ(report.oldest_lag, 3u);  // three commits since the snapshot
  snapshot.reset();
  ASSERT_TRUE(store->CheckReaders(&report).ok());
  EXPECT_EQ(report.readers, 0u);
  EXPECT_EQ(report.oldest_lag, 0u);
}

}  // namespace
}  // namespace kpihub::store
