// Kill -9 loop: the real kpihubd is SIGKILLed at random moments while four adapters (the real
// delivery library, one outbox each) push; after each kill the state on disk must be exactly
// the fold of batches 1..N of every adapter, with every acked batch among them and none
// applied twice. CI runs 20 kills; KPIHUB_LONG=1 runs 500 (or KPIHUB_RELIABILITY_KILLS).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <random>
#include <thread>

#include "reliability_util.h"

namespace kpihub::reliability {
namespace {

using testing::DaemonHarness;
using testing::SeriesKey;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

// The acked batches as the CLI (verify, export) and /metrics of the running daemon show them.
void ExpectCliAndMetricsShow(const DaemonHarness& daemon, size_t batch_size,
                             std::map<std::string, std::set<uint64_t>>& acked, uint64_t journal) {
  std::string out;
  EXPECT_EQ(CliVerify(daemon, &out), 0) << out;
  auto metrics = Scrape(daemon);
  for (const FeedSpec& feed : FourFeeds()) {
    FigureMap want;
    Fold(feed, acked[feed.adapter].size(), batch_size, &want);
    EXPECT_EQ(CliExport(daemon, feed.department), want) << feed.adapter;
    EXPECT_EQ(Metric(metrics, SeriesKey("kpihub_sender_last_sequence",
                                        {{"adapter", feed.adapter}, {"department", feed.department}})),
              static_cast<double>(acked[feed.adapter].size()));
  }
  EXPECT_EQ(Metric(metrics, SeriesKey("kpihub_store_records", {{"table", "journal"}})),
            static_cast<double>(journal));
}

TEST(KillLoopTest, StateEqualsFoldOfAckedBatchesAfterEveryKill) {
  const int64_t kills = EnvInt("KPIHUB_RELIABILITY_KILLS", LongRun() ? 500 : 20);
  const uint64_t seed = RunSeed("kill-loop");
  SCOPED_TRACE("seed " + std::to_string(seed) + " (KPIHUB_RELIABILITY_SEED)");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pause_ms(100, 800);

  DaemonHarness daemon(AdapterIds(FourFeeds()));
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string endpoint = daemon.endpoint();
  AdapterFleet fleet(FourFeeds(), FleetFor(daemon));
  fleet.Start();

  Figures worst;
  uint64_t lost = 0, duplicated = 0, mismatched = 0, committed_unacked = 0;
  auto started = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    daemon.Kill(SIGKILL);
    // Read what was acked after the kill: every ack counted here left a live daemon, so its
    // batch must be on disk now.
    auto acked = fleet.Acked();
    Figures f = Compare(FourFeeds(), fleet.batch_size(), acked, ReadStore(daemon.state_dir()));
    lost += f.lost;
    duplicated += f.duplicated;
    mismatched += f.mismatched;
    committed_unacked += f.applied - std::min(f.applied, f.acked);
    EXPECT_EQ(f.lost + f.duplicated + f.mismatched, 0u)
        << "after kill " << k + 1 << " (seed " << seed << "):\n" << Join(f.details);
    // The harness holds both ports while the daemon is down: the restart binds them again.
    ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
    ASSERT_EQ(daemon.endpoint(), endpoint);
  }
  const double loop_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // The feed goes on to the end; then everything enqueued must have been acked exactly once.
  fleet.StopEnqueuing();
  ASSERT_TRUE(fleet.WaitDrained(120000)) << Join(fleet.Errors());
  fleet.Stop();
  EXPECT_TRUE(fleet.Errors().empty()) << Join(fleet.Errors());
  auto acked = fleet.Acked();
  Figures final = Compare(FourFeeds(), fleet.batch_size(), acked, ReadStore(daemon.state_dir()));
  EXPECT_EQ(final.lost + final.duplicated + final.mismatched, 0u) << Join(final.details);
  EXPECT_EQ(final.acked, final.applied) << "every batch enqueued was acked once";
  EXPECT_GE(final.acked, static_cast<uint64_t>(kills)) << "the adapters made progress between kills";

  ExpectCliAndMetricsShow(daemon, fleet.batch_size(), acked, final.acked);
  const auto counters = fleet.Counters();
  PrintSummary("kill-loop", {{"kills", std::to_string(kills)},
                             {"acked", std::to_string(final.acked)},
                             {"lost", std::to_string(lost + final.lost)},
                             {"duplicated", std::to_string(duplicated + final.duplicated)},
                             {"mismatched", std::to_string(mismatched + final.mismatched)},
                             {"committed_before_ack_seen", std::to_string(committed_unacked)},
                             {"resent", std::to_string(counters.batches_resent)},
                             {"reconnects", std::to_string(counters.reconnects)},
                             {"seconds", std::to_string(static_cast<int>(loop_seconds))},
                             {"seed", std::to_string(seed)}});
}

}  // namespace
}  // namespace kpihub::reliability
