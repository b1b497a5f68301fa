// Storage faults on real file systems rather than injected ones: a state folder on a small
// tmpfs that really fills up (the daemon must exit 3 saying the disk is full, having acked
// nothing it did not commit; the outbox must say the same), and a truncated outbox (refused
// with a message, never SIGBUS). Mounting needs root; where it is not allowed the tests say
// so and skip.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kpihub/delivery/outbox.h"
#include "ops_test_util.h"
#include "reliability_util.h"

namespace kpihub::reliability {
namespace {

namespace fs = std::filesystem;
using testing::DaemonHarness;

// A tmpfs of `size` mounted on `dir` for the scope; mounted() false (and errno kept) if the
// machine does not allow it.
class ScopedTmpfs {
 public:
  ScopedTmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    error_ = mounted_ ? "" : std::strerror(errno);
  }
  ~ScopedTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

TEST(RealDiskTest, DaemonOnAFullDiskExitsThreeSayingTheDiskIsFull) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  ScopedTmpfs disk(daemon.state_dir(), "1m");
  if (!disk.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs on the state folder (" << disk.error()
                 << "; needs root): the real full-disk case is not run";
  }
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  testing::LoadAdapter load(daemon, "scitech-1", daemon.endpoint(), 1000000);
  const int code = daemon.WaitExit(180000);
  load.Stop();
  const std::string log = daemon.ReadLog();
  EXPECT_EQ(code, 3) << log;
  EXPECT_NE(log.find("the disk holding " + daemon.state_dir() + " is full"), std::string::npos) << log;
  const uint64_t acked = load.acked();
  EXPECT_GT(acked, 10u);
  // Every acked batch is in the store: after the disk is made larger, the restarted daemon
  // answers each of them as a duplicate and the zone total is that of the acked batches.
  ASSERT_EQ(::mount(nullptr, daemon.state_dir().c_str(), nullptr, MS_REMOUNT, "size=8m"), 0)
      << std::strerror(errno);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  std::string out;
  EXPECT_EQ(CliVerify(daemon, &out), 0) << out;
  auto metrics = Scrape(daemon);
  const double zone = Metric(metrics, testing::SeriesKey(
      "kpihub_indicator_value", {{"indicator", "industrial_output"}, {"department", "scitech"},
                                 {"park", "zone"}, {"period", "2020"}}));
  EXPECT_GE(zone, testing::ExpectedZoneOutput(acked));
  PrintSummary("real_disk_full", {{"acked_batches", std::to_string(acked)}, {"exit", std::to_string(code)}});
  daemon.Stop();
}

std::vector<std::vector<delivery::OutboxEntry>> OneBatch(uint64_t n) {
  std::vector<delivery::OutboxEntry> batch;
  for (uint32_t i = 0; i < 50; ++i) {
    delivery::OutboxEntry e;
    e.observation = {"industrial_output", "hpu_park", testing::MakeUscc(static_cast<uint32_t>(n * 100 + i)),
                     "2020-03", 1.0, std::string(200, 'n')};
    batch.push_back(e);
  }
  return {batch};
}

TEST(RealDiskTest, OutboxOnAFullDiskSaysTheDiskIsFull) {
  testing::TempDir dir;
  ScopedTmpfs disk(dir.path() + "/outbox", "256k");
  if (!disk.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs for the outbox (" << disk.error() << "; needs root)";
  }
  auto outbox = delivery::Outbox::Open(dir.path() + "/outbox");
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  std::vector<uint64_t> sequences;
  Status appended;
  for (uint64_t n = 0; n < 10000 && appended.ok(); ++n) {
    appended = (*outbox)->Append(OneBatch(n), 0, &sequences);
  }
  ASSERT_FALSE(appended.ok());
  EXPECT_NE(appended.message().find("is full"), std::string::npos) << appended.ToString();
}

TEST(RealDiskTest, TruncatedOutboxIsRefusedWithAMessage) {
  testing::TempDir dir;
  const std::string box = dir.path() + "/outbox";
  {
    auto outbox = delivery::Outbox::Open(box);
    ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
    std::vector<uint64_t> sequences;
    for (uint64_t n = 0; n < 20; ++n) {
      Status s = (*outbox)->Append(OneBatch(n), 0, &sequences);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  const uint64_t size = fs::file_size(box + "/data.mdb");
  fs::copy_file(box + "/data.mdb", dir.path() + "/whole.mdb");
  int cuts = 0;
  for (uint64_t keep = size - 4096; keep >= 8192; keep -= 4096, ++cuts) {
    fs::copy_file(dir.path() + "/whole.mdb", box + "/data.mdb", fs::copy_options::overwrite_existing);
    fs::resize_file(box + "/data.mdb", keep);
    auto refused = delivery::Outbox::Open(box);
    ASSERT_FALSE(refused.ok()) << "kept " << keep;
    EXPECT_NE(refused.status().message().find("truncated"), std::string::npos)
        << refused.status().ToString();
  }
  EXPECT_GE(cuts, 2);
}

}  // namespace
}  // namespace kpihub::reliability
