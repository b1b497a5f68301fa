// DurableSender with a replica pair against two real kpihubd (each its own server key, the
// adapter's key registered on both): every batch reaches both, a replica behind for longer
// than replica_down_after_ms is released and reported, one that comes back behind what the
// outbox holds is reported for a rebuild and caught up after `kpihub restore` of the other's
// `kpihub backup`, and a refused frame is reported once while both replicas go on.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "kpihub/delivery/durable_sender.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/fake_clock.h"

namespace kpihub::delivery {
namespace {

using kpihub::testing::DaemonHarness;

class PairRecorder : public DeliveryListener {
 public:
  void OnDelivered(const StoredBatch&, const wire::AckMessage&) override { delivered++; }
  void OnRefused(const StoredBatch&, const wire::AckMessage&) override { refused++; }
  void OnReplicaState(const ReplicaStatus& r) override {
    reports.push_back(r.endpoint + " " + std::string(ReplicaStateName(r.state)));
    if (r.state == ReplicaState::kNeedsRebuild) expected = r.expected;
  }
  bool Saw(const std::string& report) const {
    return std::find(reports.begin(), reports.end(), report) != reports.end();
  }
  int delivered = 0, refused = 0;
  uint64_t expected = 0;
  std::vector<std::string> reports;
};

// Batch q: industrial output of 5 enterprises of its own, q yuan each; after batches 1..n
// (all applied once) the zone's 2020 figure is 5 * n(n+1)/2.
std::vector<OutboxEntry> Batch(uint64_t q, int n = 5) {
  std::vector<OutboxEntry> out;
  for (int i = 0; i < n; ++i) {
    core::Observation o{"industrial_output", "core", kpihub::testing::MakeUscc(static_cast<uint32_t>(q * 10 + i)),
                        "2020-03", static_cast<double>(q), ""};
    out.push_back({o, "batch " + std::to_string(q), std::nullopt});
  }
  return out;
}

double ZoneOutput(const DaemonHarness& d) {
  auto m = kpihub::testing::ScrapeMetrics(d.metrics_port());
  return kpihub::testing::MetricOr(
      m, kpihub::testing::SeriesKey("kpihub_indicator_value", {{"indicator", "industrial_output"},
                                     {"department", "scitech"}, {"park", "zone"}, {"period", "2020"}}),
      0);
}

double Digest(const DaemonHarness& d) {
  return kpihub::testing::MetricOr(kpihub::testing::ScrapeMetrics(d.metrics_port()),
                                   kpihub::testing::SeriesKey("kpihub_state_digest", {{"period", "all"}}),
                                   std::nan(""));
}

class ReplicaPairTest : public ::testing::Test {
 protected:
  // `config` is appended to both daemons' kpihubd.toml.
  void StartPair(const std::string& config = "") {
    for (DaemonHarness* d : {&a_, &b_}) {
      std::ofstream(d->config_path(), std::ios::app) << config;
    }
    // B registers the adapter's key as A generated it: one adapter, two replicas.
    std::ofstream(b_.dir() + "/keys.toml")
        << "[[adapter]]\nid = \"scitech-1\"\ndepartment = \"scitech\"\npublic_key = \""
        << a_.adapter("scitech-1").keys.public_z85 << "\"\n";
    ASSERT_TRUE(a_.Start()) << a_.ReadLog();
    ASSERT_TRUE(b_.Start()) << b_.ReadLog();
    auto opened = Outbox::Open(a_.dir() + "/outbox");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    outbox_ = *std::move(opened);
    options_.client_keys = a_.adapter("scitech-1").keys;
    options_.replicas = {{a_.endpoint(), a_.server_public()}, {b_.endpoint(), b_.server_public()}};
    options_.batch_size = 5;
    options_.window = 4;
    options_.ack_timeout_ms = 2000;
    options_.backoff_initial_ms = 20;
    options_.backoff_max_ms = 200;
    options_.replica_down_after_ms = 60000;
    sender_ = std::make_unique<DurableSender>(context_, *outbox_, options_, clock_, &recorder_);
  }

  void Enqueue(uint64_t from, uint64_t to) {
    for (uint64_t q = from; q <= to; ++q) ASSERT_TRUE(sender_->Enqueue(Batch(q)).ok()) << sender_->error();
  }

  // Drains until the outbox is empty, `until` holds, or 60 s of real time passed. The fake
  // clock does not move here: only the test's Advance makes a replica overdue.
  DrainResult DrainUntil(const std::function<bool()>& until = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    return sender_->Drain(-1, [&] {
      return std::chrono::steady_clock::now() < deadline && !(until && until());
    });
  }

  uint64_t Acked(size_t replica) const { return sender_->replica_status().at(replica).acked; }

  static double Expected(uint64_t n) { return 5.0 * static_cast<double>(n * (n + 1)) / 2.0; }

  // `kpihub backup` of A, `kpihub restore` of it onto B (stopped), B started again.
  void RebuildBFromA() {
    const std::string backup = b_.dir() + "/from-a";
    std::string out;
    ASSERT_EQ(kpihub::testing::RunCommand(kpihub::testing::BinaryPath("kpihub") + " backup " + backup +
                                          " --config " + a_.config_path(), &out), 0) << out;
    ASSERT_EQ(b_.Stop(), 0);
    ASSERT_EQ(kpihub::testing::RunCommand(kpihub::testing::BinaryPath("kpihub") + " restore " + backup +
                                          " --config " + b_.config_path(), &out), 0) << out;
    ASSERT_TRUE(b_.Start()) << b_.ReadLog();
  }

  DaemonHarness a_{{{"scitech-1", "scitech"}}};
  DaemonHarness b_{{{"scitech-1", "scitech"}}};
  zmq::context_t context_{1};
  kpihub::testing::FakeClock clock_{1600000000000};
  std::unique_ptr<Outbox> outbox_;
  SenderOptions options_;
  PairRecorder recorder_;
  std::unique_ptr<DurableSender> sender_;
};

TEST_F(ReplicaPairTest, EveryBatchReachesBothAndLeavesOnlyWhenBothAcked) {
  StartPair();
  Enqueue(1, 20);
  ASSERT_EQ(DrainUntil(), DrainResult::kEmpty) << sender_->error();
  EXPECT_EQ(recorder_.delivered, 20);  // once per batch, not once per replica
  EXPECT_EQ(Acked(0), 20u);
  EXPECT_EQ(Acked(1), 20u);
  EXPECT_DOUBLE_EQ(ZoneOutput(a_), Expected(20));
  EXPECT_DOUBLE_EQ(ZoneOutput(b_), Expected(20));
  EXPECT_EQ(Digest(a_), Digest(b_));
  auto cursors = outbox_->Cursors();
  ASSERT_TRUE(cursors.ok());
  EXPECT_EQ(cursors->at(a_.server_public()).acked, 20u);
  EXPECT_EQ(cursors->at(b_.server_public()).acked, 20u);
  EXPECT_TRUE(outbox_->Pending()->empty());
}

TEST_F(ReplicaPairTest, AReplicaDownIsReleasedThenRebuiltFromTheOthersBackup) {
  StartPair();
  const std::string b = b_.endpoint();
  ASSERT_EQ(b_.Stop(), 0);
  Enqueue(1, 10);
  // A acks everything; the batches stay for B.
  ASSERT_EQ(DrainUntil([&] { return Acked(0) == 10; }), DrainResult::kStopped) << sender_->error();
  EXPECT_EQ(sender_->pending_batches(), 10u);
  EXPECT_EQ(sender_->replica_status()[1].state, ReplicaState::kBehind);
  EXPECT_TRUE(recorder_.reports.empty());

  // Behind longer than replica_down_after_ms: reported down, and the outbox lets go.
  clock_.Advance(options_.replica_down_after_ms + 1);
  ASSERT_EQ(DrainUntil(), DrainResult::kEmpty) << sender_->error();
  EXPECT_TRUE(recorder_.Saw(b + " down"));
  Enqueue(11, 15);
  ASSERT_EQ(DrainUntil(), DrainResult::kEmpty) << sender_->error();  // B holds nothing now

  // B comes back with none of it: reported for a rebuild once a batch reaches it, and the
  // outbox holds for it again.
  ASSERT_TRUE(b_.Start()) << b_.ReadLog();
  uint64_t last = 15;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!recorder_.Saw(b + " needs_rebuild") && std::chrono::steady_clock::now() < deadline) {
    ++last;
    Enqueue(last, last);
    DrainUntil([&] { return recorder_.Saw(b + " needs_rebuild"); });
  }
  ASSERT_TRUE(recorder_.Saw(b + " needs_rebuild"));
  EXPECT_EQ(recorder_.expected, 1u);
  Enqueue(last + 1, last + 5);
  last += 5;
  ASSERT_EQ(DrainUntil([&] { return Acked(0) == last; }), DrainResult::kStopped) << sender_->error();
  EXPECT_GE(sender_->pending_batches(), 5u);
  EXPECT_EQ(sender_->replica_status()[1].state, ReplicaState::kNeedsRebuild);

  RebuildBFromA();
  ASSERT_EQ(DrainUntil(), DrainResult::kEmpty) << sender_->error();
  EXPECT_EQ(Acked(1), last);
  EXPECT_EQ(sender_->replica_status()[1].state, ReplicaState::kCurrent);
  // Reported back once it took a batch again (catching up: behind, or already current).
  ASSERT_FALSE(recorder_.reports.empty());
  EXPECT_TRUE(recorder_.reports.back() == b + " behind" || recorder_.reports.back() == b + " current")
      << recorder_.reports.back();
  EXPECT_DOUBLE_EQ(ZoneOutput(a_), Expected(last));
  EXPECT_DOUBLE_EQ(ZoneOutput(b_), Expected(last));
  EXPECT_EQ(Digest(a_), Digest(b_));
}

TEST_F(ReplicaPairTest, ARefusedFrameIsReportedOnceAndBothReplicasGoOn) {
  StartPair("max_observations = 4\n");  // a batch of 5 is refused as a whole
  ASSERT_TRUE(sender_->Enqueue(Batch(1, 3)).ok());
  ASSERT_TRUE(sender_->Enqueue(Batch(2, 5)).ok());
  ASSERT_TRUE(sender_->Enqueue(Batch(3, 4)).ok());
  ASSERT_EQ(DrainUntil(), DrainResult::kEmpty) << sender_->error();
  EXPECT_EQ(recorder_.refused, 1);
  EXPECT_EQ(recorder_.delivered, 2);
  // Both replicas consumed the refused batch's number (as an empty batch).
  EXPECT_EQ(Acked(0), 3u);
  EXPECT_EQ(Acked(1), 3u);
  EXPECT_DOUBLE_EQ(ZoneOutput(a_), 3 * 1.0 + 4 * 3.0);
  EXPECT_DOUBLE_EQ(ZoneOutput(a_), ZoneOutput(b_));
  EXPECT_EQ(Digest(a_), Digest(b_));
}

}  // namespace
}  // namespace kpihub::delivery
