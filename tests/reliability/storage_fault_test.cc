// Storage faults injected into the real daemon's real LMDB by the LD_PRELOAD fault shim:
// fdatasync failing with EIO, page writes failing with ENOSPC or EIO, and the map filling up.
// Expected: no batch acked unless its commit succeeded, a critical log line, exit code 3
// where retrying is unsafe (retryLater and a live daemon for a full map), a clean restart, and
// `kpihub verify` passing with the state equal to the fold of what was acked.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <ostream>
#include <sstream>
#include <thread>

#include "reliability_util.h"

namespace kpihub::reliability {
namespace {

using testing::DaemonHarness;
using testing::SeriesKey;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

struct FaultCase {
  std::string op;      // sync | write
  std::string err;     // EIO | ENOSPC
  int skip;            // matching calls that succeed first (the store's opening commits too)
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.op << " " << c.err << " after " << c.skip; }

class StorageFaultTest : public ::testing::TestWithParam<FaultCase> {};

struct FaultRun {
  int exit_code = -1;
  size_t injected = 0;
  Figures at_exit, final;
};

// One daemon life with the fault, then one without: see the file comment for what must hold.
void RunFault(const FaultCase& fault, FaultRun* run) {
  DaemonHarness daemon(AdapterIds(FourFeeds()));
  const std::string fault_log = daemon.dir() + "/faults.log";
  {
    ScopedEnv env({{"LD_PRELOAD", ShimPreload()},
                   {"KPIHUB_FAULT_PATH", daemon.state_dir() + "/data.mdb"},
                   {"KPIHUB_FAULT_OP", fault.op},
                   {"KPIHUB_FAULT_ERRNO", fault.err},
                   {"KPIHUB_FAULT_SKIP", std::to_string(fault.skip)},
                   {"KPIHUB_FAULT_LOG", fault_log}});
    ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  }
  const std::string endpoint = daemon.endpoint();
  AdapterFleet fleet(FourFeeds(), FleetFor(daemon));
  fleet.Start();

  // The shim fails the call and every later one: the daemon must stop by itself.
  const int code = daemon.WaitExit(60000);
  const std::string log = daemon.ReadLog();
  EXPECT_EQ(code, 3) << log;
  EXPECT_GE(CountLines(ReadFile(fault_log)), 1u) << "no fault was injected";
  EXPECT_NE(log.find("commit failed, no batch of this group is acked"), std::string::npos) << log;
  EXPECT_NE(log.find("stopping: storage failed"), std::string::npos) << log;

  // Nothing can be acked any more: every ack counted was for a batch on disk.
  auto acked = fleet.Acked();
  Figures at_exit = Compare(FourFeeds(), fleet.batch_size(), acked, ReadStore(daemon.state_dir()));
  EXPECT_EQ(at_exit.lost + at_exit.duplicated + at_exit.mismatched, 0u) << Join(at_exit.details);
  std::string out;
  EXPECT_EQ(CliVerify(daemon, &out), 0) << out;

  // The disk is fixed: a restart without the shim takes the resent batches, each once (on
  // the same ports: the harness held them while the daemon was down).
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  ASSERT_EQ(daemon.endpoint(), endpoint);
  ASSERT_TRUE(fleet.WaitAcked(at_exit.acked + 40, 60000)) << Join(fleet.Errors());
  fleet.StopEnqueuing();
  ASSERT_TRUE(fleet.WaitDrained(60000)) << Join(fleet.Errors());
  fleet.Stop();
  EXPECT_TRUE(fleet.Errors().empty()) << Join(fleet.Errors());
  Figures final = Compare(FourFeeds(), fleet.batch_size(), fleet.Acked(), ReadStore(daemon.state_dir()));
  EXPECT_EQ(final.lost + final.duplicated + final.mismatched, 0u) << Join(final.details);
  EXPECT_EQ(final.acked, final.applied);
  EXPECT_EQ(CliVerify(daemon, &out), 0) << out;
  EXPECT_EQ(daemon.Stop(), 0);
  *run = FaultRun{code, CountLines(ReadFile(fault_log)), at_exit, final};
}

TEST_P(StorageFaultTest, FailedCommitIsNeverAckedAndTheDaemonExitsThenRestartsClean) {
  const FaultCase& fault = GetParam();
  FaultRun run;
  RunFault(fault, &run);
  EXPECT_GT(run.at_exit.acked, 0u) << "the fault hit before any batch was acked";
  PrintSummary("storage-fault", {{"op", fault.op}, {"errno", fault.err},
                                 {"injected", std::to_string(run.injected)},
                                 {"exit_code", std::to_string(run.exit_code)},
                                 {"acked_before_fault", std::to_string(run.at_exit.acked)},
                                 {"acked", std::to_string(run.final.acked)},
                                 {"lost", std::to_string(run.at_exit.lost + run.final.lost)},
                                 {"duplicated", std::to_string(run.at_exit.duplicated + run.final.duplicated)},
                                 {"mismatched", std::to_string(run.at_exit.mismatched + run.final.mismatched)}});
}

// The fault at a random call of a random kind, again and again (CI: once; long: 30 times).
TEST(StorageFaultLoopTest, FaultAtRandomCallsNeverLosesOrDoublesAnAckedBatch) {
  const int64_t runs = LongRun() ? 30 : 1;
  const uint64_t seed = RunSeed("storage-fault-loop");
  std::mt19937_64 rng(seed);
  const FaultCase kinds[] = {{"sync", "EIO", 0}, {"write", "ENOSPC", 0}, {"write", "EIO", 0},
                             {"write", "EDQUOT", 0}};
  uint64_t acked = 0, lost = 0, duplicated = 0, mismatched = 0, exits = 0;
  for (int64_t i = 0; i < runs; ++i) {
    FaultCase fault = kinds[rng() % 4];
    // After the store's opening commits (2 syncs, a few writes), within the first seconds.
    fault.skip = fault.op == "sync" ? 5 + static_cast<int>(rng() % 60)
                                    : 20 + static_cast<int>(rng() % 150);
    SCOPED_TRACE(fault.op + " " + fault.err + " after " + std::to_string(fault.skip) + " (seed " +
                 std::to_string(seed) + ")");
    FaultRun run;
    RunFault(fault, &run);
    if (::testing::Test::HasFatalFailure()) return;
    exits += run.exit_code == 3;
    acked += run.final.acked;
    lost += run.at_exit.lost + run.final.lost;
    duplicated += run.at_exit.duplicated + run.final.duplicated;
    mismatched += run.at_exit.mismatched + run.final.mismatched;
  }
  PrintSummary("storage-fault-loop", {{"runs", std::to_string(runs)},
                                      {"exits_code_3", std::to_string(exits)},
                                      {"acked", std::to_string(acked)},
                                      {"lost", std::to_string(lost)},
                                      {"duplicated", std::to_string(duplicated)},
                                      {"mismatched", std::to_string(mismatched)},
                                      {"seed", std::to_string(seed)}});
}

INSTANTIATE_TEST_SUITE_P(Faults, StorageFaultTest,
                         ::testing::Values(FaultCase{"sync", "EIO", 12},
                                           FaultCase{"write", "ENOSPC", 30},
                                           FaultCase{"write", "EIO", 30}),
                         [](const ::testing::TestParamInfo<FaultCase>& info) {
                           return info.param.op + "_" + info.param.err;
                         });

void SetMaxMap(const DaemonHarness& daemon, int mib) {
  std::string text = ReadFile(daemon.config_path());
  text = std::regex_replace(text, std::regex("\n(initial|max)_map_mib = [0-9]+"), "");
  std::ofstream(daemon.config_path()) << text << "initial_map_mib = 1\nmax_map_mib = " << mib << "\n";
}

TEST(MapFullTest, FullMapAnswersRetryLaterAndNothingIsLostWhenItMayGrow) {
  DaemonHarness daemon(AdapterIds(FourFeeds()));
  SetMaxMap(daemon, 1);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string endpoint = daemon.endpoint();
  FleetOptions options = FleetFor(daemon);
  options.batch_size = 50;  // fills the 1 MiB map within a few hundred batches
  AdapterFleet fleet(FourFeeds(), options);
  fleet.Start();

  auto retried = [&] {
    auto metrics = Scrape(daemon);
    double n = 0;
    for (const FeedSpec& feed : FourFeeds()) {
      double v = Metric(metrics, SeriesKey("kpihub_ingest_batches_total",
                                           {{"adapter", feed.adapter}, {"department", feed.department},
                                            {"result", "retry_later"}}));
      if (!std::isnan(v)) n += v;
    }
    return n;
  };
  bool full = false;
  for (int i = 0; i < 1200 && !full && daemon.running(); ++i) {
    full = retried() > 0;
    if (!full) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(full) << "the map never filled\n" << daemon.ReadLog();
  EXPECT_EQ(daemon.WaitExit(300), -1) << "a full map is not a reason to exit\n" << daemon.ReadLog();
  EXPECT_NE(daemon.ReadLog().find("storage full, group answered retry_later"), std::string::npos);
  auto acked = fleet.Acked();
  Figures when_full = Compare(FourFeeds(), options.batch_size, acked, ReadStore(daemon.state_dir()));
  EXPECT_EQ(when_full.lost + when_full.duplicated + when_full.mismatched, 0u)
      << Join(when_full.details);

  // The operator allows a bigger map: the daemon grows it and the adapters' resends land once.
  EXPECT_EQ(daemon.Stop(), 0);
  SetMaxMap(daemon, 64);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  ASSERT_EQ(daemon.endpoint(), endpoint);
  ASSERT_TRUE(fleet.WaitAcked(when_full.acked + 40, 60000)) << Join(fleet.Errors());
  fleet.StopEnqueuing();
  ASSERT_TRUE(fleet.WaitDrained(60000)) << Join(fleet.Errors());
  fleet.Stop();
  EXPECT_TRUE(fleet.Errors().empty()) << Join(fleet.Errors());
  Figures final = Compare(FourFeeds(), options.batch_size, fleet.Acked(), ReadStore(daemon.state_dir()));
  EXPECT_EQ(final.lost + final.duplicated + final.mismatched, 0u) << Join(final.details);
  EXPECT_EQ(final.acked, final.applied);
  EXPECT_GT(Metric(Scrape(daemon), "kpihub_store_map_size_bytes"), 1048576.0);
  std::string out;
  EXPECT_EQ(CliVerify(daemon, &out), 0) << out;
  PrintSummary("map-full", {{"acked_when_full", std::to_string(when_full.acked)},
                            {"acked", std::to_string(final.acked)},
                            {"lost", std::to_string(when_full.lost + final.lost)},
                            {"duplicated", std::to_string(when_full.duplicated + final.duplicated)},
                            {"mismatched", std::to_string(when_full.mismatched + final.mismatched)}});
}

}  // namespace
}  // namespace kpihub::reliability
