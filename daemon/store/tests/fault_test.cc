// Failed commits: MDB_MAP_FULL at commit grows and retries; anything else is a sticky
// kIoError, and no outcome is ever reported for a group whose commit failed.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "../src/store_impl.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Batch;
using testing_util::Obs;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    internal::StoreTuning tuning;
    tuning.commit_fault = [this] {
      ++commits_;
      if (faults_.empty()) return 0;
      const int rc = faults_.front();
      faults_.erase(faults_.begin());
      return rc;
    };
    StoreOptions options = testing_util::Options(dir_.path());
    options.initial_map_bytes = 1ull << 20;
    ASSERT_TRUE(internal::OpenLmdbStore(options, tuning, &store_).ok());
  }

  testing_util::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<int> faults_;  // results to inject into the next commits
  int commits_ = 0;
};

TEST_F(FaultTest, CommitFailureIsStickyAndReportsNothing) {
  testing_util::Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  faults_ = {EIO};
  std::vector<ApplyResult> results;
  const Status first = store_->ApplyGroup({Batch("a", 2, {Obs("x", "p1", "2020", "E1", 2)})}, &results);
  EXPECT_EQ(first.code(), Status::Code::kIoError) << first.ToString();
  EXPECT_TRUE(results.empty());
  const int commits = commits_;
  // Every later write returns the first error without touching LMDB.
  const Status later = store_->ApplyGroup({Batch("b", 1, {})}, &results);
  EXPECT_EQ(later.code(), Status::Code::kIoError);
  EXPECT_EQ(later.message(), first.message());
  EXPECT_EQ(store_->SetCatalogueFingerprint("fp").code(), Status::Code::kIoError);
  EXPECT_EQ(commits_, commits);
  // Readers still work and see only what was committed.
  EXPECT_EQ(testing_util::Cells(*store_)[0].sum, core::Decimal::FromInt(1));
  EXPECT_EQ(testing_util::Senders(*store_)[0].last_sequence, 1u);
}

TEST_F(FaultTest, MapFullAtCommitGrowsAndRetries) {
  faults_ = {MDB_MAP_FULL};
  const auto results = testing_util::Apply(*store_, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(results[0].journal_id, 1u);
  EXPECT_EQ(store_->Stats().map_size_bytes, 2ull << 20);
  EXPECT_EQ(testing_util::Journal(*store_).size(), 1u);
  EXPECT_EQ(testing_util::History(*store_).size(), 1u);  // the retry did not apply twice
}

// Restores a resource limit and a signal disposition when the test ends.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);  // so that the write fails with EFBIG instead
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t old_handler_;
};

// A real failure from mdb_txn_commit: the data file may not grow (RLIMIT_FSIZE), so writing
// the transaction's pages fails with EFBIG. Works as root, unlike permission tricks.
TEST(RealFaultTest, CommitThatCannotWriteIsSticky) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(testing_util::Options(dir.path()));
  testing_util::Apply(*store, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  struct stat st;
  ASSERT_EQ(::stat((dir.path() + "/data.mdb").c_str(), &st), 0);
  std::vector<core::ValidObservation> many;
  // More than the zeroed tail the writer keeps after its last page (PadLmdbDataFile).
  for (int i = 0; i < 20000; ++i) many.push_back(Obs("y", "p1", "2020", "E" + std::to_string(i), i));
  Status failed;
  std::vector<ApplyResult> results;
  {
    FileSizeLimit limit(static_cast<rlim_t>(st.st_size));
    failed = store->ApplyGroup({Batch("a", 2, many)}, &results);
  }
  EXPECT_EQ(failed.code(), Status::Code::kIoError) << failed.ToString();
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(store->ApplyGroup({Batch("a", 2, {})}, &results).code(), Status::Code::kIoError);
  EXPECT_EQ(testing_util::Senders(*store)[0].last_sequence, 1u);
  EXPECT_EQ(testing_util::Observations(*store).size(), 1u);
}

}  // namespace
}  // namespace kpihub::store
