// A store written in format 1 (before the value history was keyed by change id) is upgraded
// by kpihubd when it starts and by `kpihub restore` on its copy of an old backup; the feed
// then goes on from the stored sequence as if nothing had happened.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "../../daemon/store/tests/v1_store.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

namespace st = kpihub::store::testing_util;

// What NumberedBatch(1) and (2) from adapter scitech-1 leave, written in format 1.
void WriteFormat1State(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::vector<st::V1Change> changes;
  for (uint64_t sequence = 1; sequence <= 2; ++sequence) {
    for (uint32_t i = 0; i < 5; ++i) {
      changes.push_back({{"industrial_output", "hpu_park", "2020-03",
                          MakeUscc(static_cast<uint32_t>(sequence * 10 + i))},
                         std::nullopt, static_cast<int64_t>(sequence), sequence, i});
    }
  }
  st::WriteV1Store(dir, changes, "scitech-1", "scitech");
}

size_t CsvRows(const std::string& csv) {
  size_t lines = 0;
  for (char c : csv) lines += c == '\n';
  return lines > 0 ? lines - 1 : 0;  // without the header
}

TEST(FormatUpgradeTest, DaemonUpgradesAFormat1StoreAndTheFeedGoesOn) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  WriteFormat1State(daemon.state_dir());
  const std::string where = " --config " + daemon.config_path();
  CliResult refused = Kpihub("status" + where);
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.output.find("format_version 1"), std::string::npos) << refused.output;

  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_NE(daemon.ReadLog().find("store upgraded from format 1 to 3"), std::string::npos)
      << daemon.ReadLog();
  {
    LoadAdapter load(daemon, "scitech-1", daemon.endpoint(), 6);
    ASSERT_TRUE(WaitUntil([&] { return load.acked() >= 6; }, 20000));
  }
  auto body = HttpGet(daemon.metrics_port(), "/metrics");
  ASSERT_TRUE(body.has_value());
  auto metrics = ParseMetrics(*body);
  // Batches 1 and 2 were answered duplicate (already in the old store), 3..6 applied: the
  // zone total is that of 6 batches, each counted once.
  EXPECT_DOUBLE_EQ(metrics[SeriesKey("kpihub_indicator_value",
                                     {{"indicator", "industrial_output"}, {"department", "scitech"},
                                      {"park", "zone"}, {"period", "2020"}})],
                   ExpectedZoneOutput(6));
  CliResult verify = Kpihub("verify" + where);
  EXPECT_EQ(verify.code, 0) << verify.output;
  CliResult history = Kpihub("history --csv --indicator industrial_output" + where);
  ASSERT_EQ(history.code, 0) << history.output;
  EXPECT_EQ(CsvRows(history.output), 30u) << history.output;
  EXPECT_EQ(daemon.Stop(), 0);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();  // the second start has nothing to upgrade
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(FormatUpgradeTest, RestoreOfAFormat1BackupUpgradesTheCopyOnly) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  const std::string backup = daemon.dir() + "/old-backup";
  WriteFormat1State(backup);
  const std::string where = " --config " + daemon.config_path();
  CliResult restored = Kpihub("restore " + backup + where);
  ASSERT_EQ(restored.code, 0) << restored.output;
  EXPECT_NE(restored.output.find("upgraded the copy"), std::string::npos) << restored.output;
  EXPECT_EQ(Kpihub("verify" + where).code, 0);
  CliResult history = Kpihub("history --csv --indicator industrial_output" + where);
  EXPECT_EQ(CsvRows(history.output), 10u) << history.output;
  {
    st::RawEnv raw(backup);  // the backup itself is untouched
    EXPECT_TRUE(raw.HasTable("history"));
    EXPECT_EQ(raw.Get("meta", "format_version"), st::U32(1));
  }
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_EQ(daemon.ReadLog().find("upgraded"), std::string::npos) << daemon.ReadLog();
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
