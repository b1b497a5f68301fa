// End to end: two real kpihubd replicas fed the same figures through different adapters,
// batches and sequences export the same kpihub_state_digest on /metrics; a figure that
// differs on one of them makes its year's digest differ.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kpihub/client/connection.h"
#include "kpihub/testing/daemon_harness.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

constexpr int kAckTimeoutMs = 10000;

class ReplicaDigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a_.Start()) << a_.ReadLog();
    ASSERT_TRUE(b_.Start()) << b_.ReadLog();
  }

  // Sends one batch and expects it accepted whole: once acked it is committed.
  void Send(DaemonHarness& daemon, const std::string& adapter, uint64_t sequence,
            const std::vector<core::Observation>& observations) {
    auto connection = ConnectAs(context_, daemon, adapter);
    auto ack = connection->SendBatch(sequence, observations, 0, kAckTimeoutMs);
    ASSERT_TRUE(ack.has_value());
    ASSERT_EQ(ack->status, wire::AckStatus::kAccepted);
    ASSERT_TRUE(ack->rejections.empty());
  }

  static double Digest(DaemonHarness& daemon, const std::string& period) {
    return MetricOr(ScrapeMetrics(daemon.metrics_port()),
                    SeriesKey("kpihub_state_digest", {{"period", period}}),
                    std::numeric_limits<double>::quiet_NaN());
  }

  // Monthly output of enterprises first..first+n-1 of the core park, `value` each.
  static std::vector<core::Observation> Output(uint32_t first, int n, double value,
                                               const std::string& period = "2020-03") {
    std::vector<core::Observation> obs;
    for (int i = 0; i < n; ++i) {
      obs.push_back({"industrial_output", "core", MakeUscc(first + i), period, value, ""});
    }
    return obs;
  }

  zmq::context_t context_{1};
  DaemonHarness a_{{{"scitech-1", "scitech"}, {"scitech-2", "scitech"}}};
  DaemonHarness b_{{{"scitech-1", "scitech"}, {"scitech-2", "scitech"}}};
};

TEST_F(ReplicaDigestTest, SameFiguresGiveTheSameDigestAndAChangedOneDoesNot) {
  // A: one adapter, a wrong first version revised by its second batch.
  Send(a_, "scitech-1", 1, Output(100, 6, 1.0e6));
  auto first_ten = Output(100, 10, 2.5e6);
  auto year_2021 = Output(500, 3, 7.25e5, "2021-02");
  first_ten.insert(first_ten.end(), year_2021.begin(), year_2021.end());
  Send(a_, "scitech-1", 2, first_ten);
  // B: the same final figures from two adapters, in another split and order.
  Send(b_, "scitech-2", 1, Output(105, 5, 2.5e6));
  Send(b_, "scitech-2", 2, Output(500, 3, 7.25e5, "2021-02"));
  Send(b_, "scitech-1", 1, Output(100, 5, 2.5e6));

  const double a2020 = Digest(a_, "2020"), a2021 = Digest(a_, "2021"), a_all = Digest(a_, "all");
  ASSERT_FALSE(std::isnan(a2020));
  ASSERT_FALSE(std::isnan(a2021));
  ASSERT_FALSE(std::isnan(a_all));
  EXPECT_NE(a2020, a2021);
  EXPECT_EQ(Digest(b_, "2020"), a2020);
  EXPECT_EQ(Digest(b_, "2021"), a2021);
  EXPECT_EQ(Digest(b_, "all"), a_all);

  // One figure of 2020 differs on B: 2020 and all differ, 2021 does not.
  Send(b_, "scitech-1", 2, Output(103, 1, 2.5e6 + 1));
  EXPECT_NE(Digest(b_, "2020"), a2020);
  EXPECT_EQ(Digest(b_, "2021"), a2021);
  EXPECT_NE(Digest(b_, "all"), a_all);
  // The same revision on A: they agree again.
  Send(a_, "scitech-1", 3, Output(103, 1, 2.5e6 + 1));
  EXPECT_EQ(Digest(a_, "2020"), Digest(b_, "2020"));
  EXPECT_EQ(Digest(a_, "all"), Digest(b_, "all"));
}

}  // namespace
}  // namespace kpihub::testing
