// End to end: the real kpihubd binary, real keys, real sockets, real LMDB, real promtool.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kpihub/testing/daemon_harness.h"
#include "kpihub/client/connection.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;

constexpr int kAckTimeoutMs = 10000;

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest()
      : daemon_({{"scitech-1", "scitech"}, {"tax-1", "tax"}, {"finance-1", "finance"},
                 {"env-1", "environment"}}) {}

  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  std::unique_ptr<client::Connection> Connect(const std::string& adapter_id) {
    return ConnectAs(context_, daemon_, adapter_id);
  }

  std::map<std::string, double> Scrape() { return ScrapeMetrics(daemon_.metrics_port()); }

  static double Get(const std::map<std::string, double>& m, const std::string& key) {
    return MetricOr(m, key, std::numeric_limits<double>::quiet_NaN());
  }

  static std::string IndicatorSeries(const std::string& indicator, const std::string& dept,
                                     const std::string& park, const std::string& year) {
    return SeriesKey("kpihub_indicator_value",
                     {{"indicator", indicator}, {"department", dept}, {"park", park},
                      {"period", year}});
  }

  // Monthly industrial output for `n` enterprises of a park, `value` each.
  static std::vector<core::Observation> Output(const std::string& park, uint32_t first, int n,
                                               double value, const std::string& period = "2020-03") {
    std::vector<core::Observation> obs;
    for (int i = 0; i < n; ++i) {
      obs.push_back({"industrial_output", park, MakeUscc(first + i), period, value, ""});
    }
    return obs;
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

TEST_F(DaemonTest, AcceptedBatchIsVisibleInMetrics) {
  auto scitech = Connect("scitech-1");
  auto ack = scitech->SendBatch(1, Output("auto_parts", 100, 4, 2.5e8), 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kAccepted);
  EXPECT_EQ(ack->next_expected, 2u);
  EXPECT_TRUE(ack->rejections.empty());
  auto m = Scrape();
  EXPECT_DOUBLE_EQ(Get(m, IndicatorSeries("industrial_output", "scitech", "auto_parts", "2020")), 1e9);
  EXPECT_DOUBLE_EQ(Get(m, IndicatorSeries("industrial_output", "scitech", "zone", "2020")), 1e9);
  EXPECT_DOUBLE_EQ(Get(m, SeriesKey("kpihub_kpi_value", {{"kpi", "industrial_output"},
                                                         {"park", "zone"}, {"period", "2020"}})),
                   1e9);
  EXPECT_EQ(Get(m, SeriesKey("kpihub_sender_last_sequence",
                             {{"adapter", "scitech-1"}, {"department", "scitech"}})), 1);
}

TEST_F(DaemonTest, ResentBatchIsDuplicateAndNothingDoubles) {
  auto scitech = Connect("scitech-1");
  auto batch = Output("core", 200, 3, 1e6);
  ASSERT_EQ(scitech->SendBatch(1, batch, 0, kAckTimeoutMs)->status, AckStatus::kAccepted);
  auto again = scitech->SendBatch(1, batch, 0, kAckTimeoutMs);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, AckStatus::kDuplicate);
  EXPECT_EQ(again->next_expected, 2u);
  auto m = Scrape();
  EXPECT_DOUBLE_EQ(Get(m, IndicatorSeries("industrial_output", "scitech", "core", "2020")), 3e6);
  EXPECT_EQ(Get(m, SeriesKey("kpihub_ingest_batches_total", {{"adapter", "scitech-1"},
                                                             {"department", "scitech"},
                                                             {"result", "duplicate"}})), 1);
}

TEST_F(DaemonTest, RevisionReplacesTheEarlierFigure) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(scitech->SendBatch(1, Output("core", 300, 3, 1e6), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
  auto revised = Output("core", 300, 1, 4e6);  // the first enterprise revises its figure
  ASSERT_EQ(scitech->SendBatch(2, revised, 0, kAckTimeoutMs)->status, AckStatus::kAccepted);
  EXPECT_DOUBLE_EQ(Get(Scrape(), IndicatorSeries("industrial_output", "scitech", "core", "2020")),
                   6e6);
}

TEST_F(DaemonTest, GapIsAnsweredOutOfOrderAndNothingIsApplied) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(scitech->SendBatch(1, Output("core", 400, 3, 1e6), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
  auto ack = scitech->SendBatch(5, Output("core", 500, 3, 7e6), 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kOutOfOrder);
  EXPECT_EQ(ack->next_expected, 2u);
  EXPECT_DOUBLE_EQ(Get(Scrape(), IndicatorSeries("industrial_output", "scitech", "core", "2020")),
                   3e6);
}

TEST_F(DaemonTest, UnknownKeyGetsNoDataIn) {
  client::ConnectionOptions options;
  options.endpoint = daemon_.endpoint();
  options.server_public_z85 = daemon_.server_public();
  options.client_keys = wire::GenerateCurveKeyPair();  // not in the registry
  client::Connection stranger(context_, options);
  auto ack = stranger.SendBatch(1, Output("core", 600, 5, 1e9), 0, 1500);
  EXPECT_FALSE(ack.has_value());  // the handshake is refused: no session, no answer
  auto m = Scrape();
  EXPECT_TRUE(std::isnan(Get(m, IndicatorSeries("industrial_output", "scitech", "core", "2020"))));
  EXPECT_GE(Get(m, SeriesKey("kpihub_zap_requests_total",
                             {{"mechanism", "CURVE"}, {"result", "denied"}})), 1);
}

TEST_F(DaemonTest, WrongServerKeyGetsNoSession) {
  client::ConnectionOptions options;
  options.endpoint = daemon_.endpoint();
  options.server_public_z85 = wire::GenerateCurveKeyPair().public_z85;
  options.client_keys = daemon_.adapter("scitech-1").keys;
  client::Connection confused(context_, options);
  EXPECT_FALSE(confused.SendBatch(1, Output("core", 650, 5, 1e9), 0, 1500).has_value());
  EXPECT_TRUE(std::isnan(Get(Scrape(), SeriesKey("kpihub_sender_last_sequence",
                                                 {{"adapter", "scitech-1"}, {"department", "scitech"}}))));
}

TEST_F(DaemonTest, DepartmentCannotWriteAnotherDepartmentsIndicator) {
  auto tax = Connect("tax-1");
  auto ack = tax->SendBatch(1, Output("core", 700, 3, 1e6), 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kAccepted);  // the batch is taken; each figure is refused
  ASSERT_EQ(ack->rejections.size(), 3u);
  for (const auto& r : ack->rejections) EXPECT_EQ(r.reason, core::RejectReason::kNotOwner);
  auto m = Scrape();
  EXPECT_TRUE(std::isnan(Get(m, IndicatorSeries("industrial_output", "scitech", "core", "2020"))));
  EXPECT_EQ(Get(m, SeriesKey("kpihub_ingest_rejections_total",
                             {{"department", "tax"}, {"reason", "not_owner"}})), 3);
}

TEST_F(DaemonTest, NanAndBadCreditCodeAreRejectedTheRestApplied) {
  auto scitech = Connect("scitech-1");
  auto batch = Output("smart_mfg", 800, 4, 1e6);
  batch[1].value = std::numeric_limits<double>::quiet_NaN();
  std::string bad = MakeUscc(999);
  bad[17] = bad[17] == '0' ? '1' : '0';  // wrong check character
  batch[2].entity = bad;
  auto ack = scitech->SendBatch(1, batch, 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kAccepted);
  ASSERT_EQ(ack->rejections.size(), 2u);
  EXPECT_EQ(ack->rejections[0].index, 1u);
  EXPECT_EQ(ack->rejections[0].reason, core::RejectReason::kNotFinite);
  EXPECT_EQ(ack->rejections[1].index, 2u);
  EXPECT_EQ(ack->rejections[1].reason, core::RejectReason::kMalformedEntity);
  EXPECT_EQ(ack->rejections[1].detail.find(bad), std::string::npos);  // no entity id echoed
  // 2 of 4 enterprises: below the small-cell threshold of 3, so the park is withheld; alone,
  // the zone total would give it away, so that is withheld too.
  auto m = Scrape();
  EXPECT_TRUE(std::isnan(Get(m, IndicatorSeries("industrial_output", "scitech", "smart_mfg", "2020"))));
  EXPECT_TRUE(std::isnan(Get(m, IndicatorSeries("industrial_output", "scitech", "zone", "2020"))));
  // With another park to hide it behind (withheld as its complement), the zone total shows
  // both accepted figures.
  ASSERT_EQ(scitech->SendBatch(2, Output("core", 850, 4, 1e6), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
  m = Scrape();
  EXPECT_TRUE(std::isnan(Get(m, IndicatorSeries("industrial_output", "scitech", "smart_mfg", "2020"))));
  EXPECT_TRUE(std::isnan(Get(m, IndicatorSeries("industrial_output", "scitech", "core", "2020"))));
  EXPECT_DOUBLE_EQ(Get(m, IndicatorSeries("industrial_output", "scitech", "zone", "2020")), 6e6);
  std::string out;
  ASSERT_EQ(RunCommand(BinaryPath("kpihub") + " status --config " + daemon_.config_path(), &out), 0)
      << out;
  EXPECT_NE(out.find("scitech-1"), std::string::npos) << out;
}

TEST_F(DaemonTest, MalformedFrameIsCountedAndAnswered) {
  const std::string malformed = SeriesKey(
      "kpihub_ingest_batches_total",
      {{"adapter", "scitech-1"}, {"department", "scitech"}, {"result", "malformed"}});
  const std::string undecodable = SeriesKey("kpihub_ingest_rejections_total",
                                            {{"department", "scitech"}, {"reason", "undecodable"}});
  auto before = Scrape();
  auto scitech = Connect("scitech-1");
  ASSERT_TRUE(scitech->SendFrame(std::string(24, '\x7f')));
  auto ack = scitech->ReceiveAck(kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kMalformed);
  EXPECT_EQ(ack->frame_reason, core::RejectReason::kUndecodable);
  // The counters are updated before the ack goes out: one more malformed frame, under its reason.
  auto after = Scrape();
  EXPECT_EQ(MetricOr(after, malformed, 0), MetricOr(before, malformed, 0) + 1);
  EXPECT_EQ(MetricOr(after, undecodable, 0), MetricOr(before, undecodable, 0) + 1);
  // and the daemon keeps serving good batches
  EXPECT_EQ(scitech->SendBatch(1, Output("core", 900, 3, 1.0), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
}

TEST_F(DaemonTest, KillNineLosesNoAckedObservation) {
  auto scitech = Connect("scitech-1");
  double expected = 0;
  uint64_t seq = 1;
  for (; seq <= 20; ++seq) {
    auto batch = Output("hpu_park", static_cast<uint32_t>(1000 + seq * 10), 5, static_cast<double>(seq));
    auto ack = scitech->SendBatch(seq, batch, 0, kAckTimeoutMs);
    ASSERT_TRUE(ack.has_value());
    ASSERT_EQ(ack->status, AckStatus::kAccepted);
    expected += 5.0 * static_cast<double>(seq);
  }
  daemon_.Kill(SIGKILL);
  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  auto m = Scrape();
  EXPECT_DOUBLE_EQ(Get(m, IndicatorSeries("industrial_output", "scitech", "hpu_park", "2020")), expected);
  EXPECT_EQ(Get(m, SeriesKey("kpihub_sender_last_sequence",
                             {{"adapter", "scitech-1"}, {"department", "scitech"}})), 20);
  std::string out;
  EXPECT_EQ(RunCommand(BinaryPath("kpihub") + " verify --config " + daemon_.config_path(), &out), 0)
      << out;
  // The adapter resumes where it left off on a fresh connection.
  auto again = Connect("scitech-1");
  EXPECT_EQ(again->SendBatch(21, Output("hpu_park", 5000, 3, 1.0), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
}

TEST_F(DaemonTest, PromtoolFindsNothingToSayAboutMetrics) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(scitech->SendBatch(1, Output("auto_parts", 1100, 4, 3e7), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
  auto body = HttpGet(daemon_.metrics_port(), "/metrics");
  ASSERT_TRUE(body.has_value());
  std::string path = daemon_.dir() + "/metrics.txt";
  {
    std::ofstream out(path);
    out << *body;
  }
  std::string out;
  int code = RunCommand("promtool check metrics < " + path, &out);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "") << out;
}

TEST_F(DaemonTest, RevokedKeyOnALiveSessionIsRefusedAfterReload) {
  auto tax = Connect("tax-1");
  ASSERT_EQ(tax->SendBatch(1, {}, 0, kAckTimeoutMs)->status, AckStatus::kAccepted);
  daemon_.WriteRegistry({"scitech-1", "env-1", "finance-1"});  // tax-1 revoked
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reloaded catalogue")) << daemon_.ReadLog();
  auto ack = tax->SendBatch(2, {}, 0, kAckTimeoutMs);  // same live session
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kUnauthorized);
  EXPECT_EQ(Get(Scrape(), SeriesKey("kpihub_sender_last_sequence",
                                    {{"adapter", "tax-1"}, {"department", "tax"}})), 1);
}

TEST_F(DaemonTest, ReplacedKeyStopsWorkingOnItsLiveSession) {
  auto leaked = Connect("scitech-1");
  ASSERT_EQ(leaked->SendBatch(1, {}, 0, kAckTimeoutMs)->status, AckStatus::kAccepted);
  daemon_.ReplaceKey("scitech-1");  // same adapter id, new key
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reloaded catalogue")) << daemon_.ReadLog();
  auto ack = leaked->SendBatch(2, Output("core", 1300, 3, 1.0), 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kUnauthorized);
  EXPECT_EQ(ack->frame_reason, core::RejectReason::kUnregisteredKey);
  auto fresh = Connect("scitech-1");  // the new key works
  EXPECT_EQ(fresh->SendBatch(2, Output("core", 1300, 3, 1.0), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
}

TEST_F(DaemonTest, BrokenRegistryOnReloadKeepsTheOldOne) {
  {
    std::ofstream broken(daemon_.dir() + "/keys.toml");
    broken << "[[adapter]]\nid = \"x\"\n";  // no department, no key
  }
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reload refused")) << daemon_.ReadLog();
  auto scitech = Connect("scitech-1");
  EXPECT_EQ(scitech->SendBatch(1, Output("core", 1200, 3, 1.0), 0, kAckTimeoutMs)->status,
            AckStatus::kAccepted);
}

TEST(DaemonStartTest, RefusesToStartWithoutAKeyRegistry) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  std::filesystem::remove(daemon.dir() + "/keys.toml");
  EXPECT_FALSE(daemon.Start());
  EXPECT_NE(daemon.ReadLog().find("key registry"), std::string::npos) << daemon.ReadLog();
}

TEST(DaemonStartTest, StopsCleanlyOnSigterm) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_NE(daemon.ReadLog().find("stopped cleanly"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::testing
