// Readers of the daemon's LMDB environment in other processes: one killed inside its read
// transaction (its slot stays in lock.mdb and pins its snapshot) and one left open for long.
// LMDB cannot reuse a page freed after the oldest open snapshot, so while a slot pins one,
// every commit leaves pages behind and the file grows. The daemon must clear dead readers'
// slots by itself (not only at open), and report open readers and their lag.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "reliability_util.h"

namespace kpihub::reliability {
namespace {

using testing::DaemonHarness;

// The stale_reader helper: a read transaction held until its stdin closes.
class ReaderProcess {
 public:
  ReaderProcess(const std::string& state_dir, const std::string& out_path) : out_path_(out_path) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[0], 0);
      close(fds[1]);
      int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(out, 2);
      execl(KPIHUB_STALE_READER, KPIHUB_STALE_READER, state_dir.c_str(), nullptr);
      _exit(127);
    }
    close(fds[0]);
    stdin_ = fds[1];
  }
  ~ReaderProcess() {
    if (pid_ > 0) Kill();
    if (stdin_ >= 0) close(stdin_);
  }
  // Waits for "reading TXNID"; false if it does not come. Then txnid() is its snapshot's.
  bool WaitReading() {
    for (int i = 0; i < 1000; ++i) {
      std::ifstream in(out_path_);
      std::string word;
      if (in >> word && word == "reading" && in >> txnid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  uint64_t txnid() const { return txnid_; }
  void Kill() {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Closes its stdin: it ends the transaction and exits; its exit code.
  int Finish() {
    close(stdin_);
    stdin_ = -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string out_path_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  uint64_t txnid_ = 0;
};

// Pages of the data file up to its high-water mark that hold no live data: free, or freed
// and not reusable yet. Read with LMDB itself, beside the running daemon.
struct PageUse {
  uint64_t high_water = 0;  // last page number + 1
  uint64_t live = 0;        // pages of every table, the freelist's own pages included
  uint64_t txnid = 0;       // the last commit, whose state was measured
  int64_t waste() const { return static_cast<int64_t>(high_water) - static_cast<int64_t>(live); }
};

PageUse MeasurePages(const std::string& state_dir) {
  PageUse use;
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_maxdbs(env, 16);
  if (mdb_env_open(env, state_dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0600) != 0) {
    mdb_env_close(env);
    return use;
  }
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) == 0) {
    MDB_envinfo info;
    mdb_env_info(env, &info);
    use.high_water = info.me_last_pgno + 1;
    use.txnid = mdb_txn_id(txn);
    use.live = 2;  // the two meta pages
    auto add = [&](MDB_dbi dbi) {
      MDB_stat st;
      if (mdb_stat(txn, dbi, &st) == 0) {
        use.live += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
      }
    };
    add(0);  // FREE_DBI
    add(1);  // MAIN_DBI (holds the named tables' records)
    for (const char* name : {"meta", "obs", "cells", "senders", "journal", "changes", "dead"}) {
      MDB_dbi dbi;
      if (mdb_dbi_open(txn, name, 0, &dbi) == 0) add(dbi);
    }
    mdb_txn_abort(txn);
  }
  mdb_env_close(env);
  return use;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

// Waits until `fn` holds, polling /metrics; false after `timeout_ms`.
template <typename Fn>
bool WaitForMetrics(const DaemonHarness& daemon, int timeout_ms, Fn&& fn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn(Scrape(daemon))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class ReaderTest : public ::testing::Test {
 protected:
  ReaderTest() : daemon_(AdapterIds(FourFeeds())) {}
  void SetUp() override {
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
    fleet_ = std::make_unique<AdapterFleet>(FourFeeds(), FleetFor(daemon_));
    fleet_->Start();
    ASSERT_TRUE(fleet_->WaitAcked(40, 60000)) << Join(fleet_->Errors());
  }
  // `n` more batches committed (each commit rewrites pages of several tables).
  void Commit(uint64_t n) {
    ASSERT_TRUE(fleet_->WaitAcked(fleet_->AckedCount() + n, 120000)) << Join(fleet_->Errors());
  }
  void Finish() {
    fleet_->StopEnqueuing();
    ASSERT_TRUE(fleet_->WaitDrained(60000)) << Join(fleet_->Errors());
    fleet_->Stop();
    EXPECT_TRUE(fleet_->Errors().empty()) << Join(fleet_->Errors());
    Figures f = Compare(FourFeeds(), fleet_->batch_size(), fleet_->Acked(),
                        ReadStore(daemon_.state_dir()));
    EXPECT_EQ(f.lost + f.duplicated + f.mismatched, 0u) << Join(f.details);
    std::string out;
    EXPECT_EQ(CliVerify(daemon_, &out), 0) << out;
  }

  DaemonHarness daemon_;
  std::unique_ptr<AdapterFleet> fleet_;
};

TEST_F(ReaderTest, ReaderKilledMidTransactionIsClearedAndTheFileStopsGrowing) {
  ReaderProcess reader(daemon_.state_dir(), daemon_.dir() + "/reader.out");
  ASSERT_TRUE(reader.WaitReading());
  reader.Kill();
  // The daemon finds the dead process's slot on its own, logs it and counts it.
  ASSERT_TRUE(WaitForMetrics(daemon_, 30000, [](const auto& m) {
    double n = Metric(m, "kpihub_store_stale_readers_cleared_total");
    return !std::isnan(n) && n >= 1;
  })) << daemon_.ReadLog();
  EXPECT_NE(daemon_.ReadLog().find("cleared 1 stale LMDB reader slot"), std::string::npos);
  // From now on freed pages are reused: many commits, and the waste does not grow with them.
  Commit(20);
  const PageUse before = MeasurePages(daemon_.state_dir());
  const uint64_t commits = LongRun() ? 2000 : 300;
  Commit(commits);
  const PageUse after = MeasurePages(daemon_.state_dir());
  ASSERT_GT(before.high_water, 0u);
  // A pinned snapshot leaves several pages per commit; reuse keeps the waste flat (the
  // freelist breathes by a few dozen pages).
  EXPECT_LE(after.waste() - before.waste(), 64)
      << "waste " << before.waste() << " -> " << after.waste() << " pages over " << commits
      << " commits";
  Finish();
  PrintSummary("stale-reader", {{"cleared", "1"}, {"batches_after", std::to_string(commits)},
                                {"waste_pages_before", std::to_string(before.waste())},
                                {"waste_pages_after", std::to_string(after.waste())},
                                {"high_water_pages", std::to_string(after.high_water)}});
}

TEST_F(ReaderTest, LongOpenReaderIsReportedAndGrowthStopsWhenItCloses) {
  Commit(10);
  const PageUse start = MeasurePages(daemon_.state_dir());
  ReaderProcess reader(daemon_.state_dir(), daemon_.dir() + "/reader.out");
  ASSERT_TRUE(reader.WaitReading());
  const uint64_t commits = LongRun() ? 1000 : 200;
  Commit(commits);
  // The store stands still (every batch enqueued acked, none added), so the lag the daemon
  // reports can be compared with one measured here.
  fleet_->StopEnqueuing();
  ASSERT_TRUE(fleet_->WaitDrained(60000)) << Join(fleet_->Errors());
  const PageUse pinned = MeasurePages(daemon_.state_dir());
  // Batches are committed in groups, as many to a transaction as arrived together: count
  // transactions (the commits since the reader's snapshot), not batches.
  ASSERT_GT(pinned.txnid, reader.txnid());
  const uint64_t pinned_commits = pinned.txnid - reader.txnid();
  // The daemon reports the open reader and how far behind it is.
  EXPECT_TRUE(WaitForMetrics(daemon_, 30000, [&](const auto& m) {
    double lag = Metric(m, "kpihub_store_reader_lag_transactions");
    double readers = Metric(m, "kpihub_store_readers");
    return readers >= 1 && lag >= static_cast<double>(pinned_commits);
  })) << "lag below " << pinned_commits << "\n" << daemon_.ReadLog();
  // The measure sees the pinning (LMDB's documented behaviour): every commit since the
  // snapshot freed at least one page that may not be reused while the snapshot is open.
  EXPECT_GE(pinned.waste(), static_cast<int64_t>(pinned_commits))
      << "waste " << start.waste() << " -> " << pinned.waste() << " over " << pinned_commits
      << " commits";
  const PageUse at_close = MeasurePages(daemon_.state_dir());
  EXPECT_EQ(reader.Finish(), 0);
  fleet_->ResumeEnqueuing();
  EXPECT_TRUE(WaitForMetrics(daemon_, 30000, [](const auto& m) {
    return Metric(m, "kpihub_store_reader_lag_transactions") < 5;
  })) << "the lag did not fall once the reader closed";
  // Once it is gone the pages it pinned are reused: more commits, no more waste.
  Commit(commits);
  const PageUse after = MeasurePages(daemon_.state_dir());
  EXPECT_LE(after.waste(), at_close.waste() + 64)
      << "waste " << at_close.waste() << " -> " << after.waste() << " after the reader closed";
  Finish();
  PrintSummary("long-reader", {{"batches_pinned", std::to_string(commits)},
                               {"commits_pinned", std::to_string(pinned_commits)},
                               {"waste_pages_start", std::to_string(start.waste())},
                               {"waste_pages_pinned", std::to_string(at_close.waste())},
                               {"waste_pages_after", std::to_string(after.waste())}});
}

}  // namespace
}  // namespace kpihub::reliability
