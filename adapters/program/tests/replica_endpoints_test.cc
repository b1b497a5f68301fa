// kpihub-adapter with a replica pair: --endpoint and --server-key repeated feed two real
// kpihubd (each its own server key) from one outbox; a run with one replica down keeps its
// batches and exits 3 at the deadline, and the next run, with it back, completes it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "kpihub/platform/file.h"
#include "kpihub/testing/adapter_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::adapter {
namespace {

namespace fs = std::filesystem;
using testing::DaemonHarness;

class ReplicaEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // B registers scitech-1's key as A generated it: one adapter, two replicas.
    std::ofstream(b_.dir() + "/keys.toml")
        << "[[adapter]]\nid = \"scitech-1\"\ndepartment = \"scitech\"\npublic_key = \""
        << a_.adapter("scitech-1").keys.public_z85 << "\"\n";
    ASSERT_TRUE(a_.Start()) << a_.ReadLog();
    ASSERT_TRUE(b_.Start()) << b_.ReadLog();
    input_ = a_.dir() + "/scitech-enterprises-monthly.csv";
    fs::copy_file(testing::SourcePath("samples/demo/scitech-enterprises-monthly.csv"), input_);
  }

  std::vector<std::string> Args(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "--profile", testing::SourcePath("config/profiles/scitech.toml"),
        "--key", a_.dir() + "/scitech-1.key",
        "--endpoint", a_.endpoint(), "--server-key", a_.dir() + "/server.pub",
        "--endpoint", b_.endpoint(), "--server-key", b_.dir() + "/server.pub",
        "--state-dir", a_.dir() + "/adapter", "--metrics-file", a_.dir() + "/adapter.prom",
        "--batch-size", "50", "--ack-timeout-ms", "2000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  int Run(std::vector<std::string> extra, std::string* log) {
    testing::AdapterProcess adapter(Args(std::move(extra)), a_.dir() + "/adapter-" + std::to_string(runs_++) + ".log");
    const int code = adapter.Wait(120000);
    *log = adapter.Log();
    return code;
  }

  static double Metric(const DaemonHarness& d, const std::string& name,
                       std::map<std::string, std::string> labels) {
    return testing::MetricOr(testing::ScrapeMetrics(d.metrics_port()), testing::SeriesKey(name, labels),
                             std::nan(""));
  }

  double LastSequence(const DaemonHarness& d) {
    return Metric(d, "kpihub_sender_last_sequence", {{"adapter", "scitech-1"}, {"department", "scitech"}});
  }

  std::string MetricsFile() {
    auto text = platform::ReadFile(a_.dir() + "/adapter.prom");
    return text.ok() ? *text : "";
  }

  DaemonHarness a_{{{"scitech-1", "scitech"}}};
  DaemonHarness b_{{{"scitech-1", "scitech"}}};
  std::string input_;
  int runs_ = 0;
};

TEST_F(ReplicaEndpointsTest, EveryBatchReachesBothReplicas) {
  std::string log;
  ASSERT_EQ(Run({"--input", input_}, &log), 0) << log;
  EXPECT_GT(LastSequence(a_), 0);
  EXPECT_EQ(LastSequence(a_), LastSequence(b_));
  EXPECT_EQ(Metric(a_, "kpihub_state_digest", {{"period", "all"}}),
            Metric(b_, "kpihub_state_digest", {{"period", "all"}}));
  EXPECT_NE(log.find("replica " + a_.endpoint() + ": current"), std::string::npos) << log;
  EXPECT_NE(log.find("replica " + b_.endpoint() + ": current"), std::string::npos) << log;
  const std::string metrics = MetricsFile();
  EXPECT_NE(metrics.find("kpihub_adapter_replica_state{department=\"scitech\",endpoint=\"" + b_.endpoint() +
                         "\",state=\"current\"} 1"), std::string::npos) << metrics;
}

TEST_F(ReplicaEndpointsTest, AReplicaDownKeepsItsBatchesUntilItIsBack) {
  ASSERT_EQ(b_.Stop(), 0);
  std::string log;
  ASSERT_EQ(Run({"--input", input_, "--deadline", "3"}, &log), 3) << log;
  const double sequences = LastSequence(a_);
  EXPECT_GT(sequences, 0);
  EXPECT_NE(log.find("replica " + b_.endpoint() + ": behind, acked through batch 0"), std::string::npos) << log;
  EXPECT_NE(MetricsFile().find("state=\"behind\"} 1"), std::string::npos) << MetricsFile();

  ASSERT_TRUE(b_.Start()) << b_.ReadLog();
  ASSERT_EQ(Run({}, &log), 0) << log;  // drains what the first run left
  EXPECT_EQ(LastSequence(b_), sequences);
  EXPECT_EQ(LastSequence(a_), sequences);  // nothing sent to A twice as a new batch
  EXPECT_EQ(Metric(a_, "kpihub_state_digest", {{"period", "all"}}),
            Metric(b_, "kpihub_state_digest", {{"period", "all"}}));
}

TEST_F(ReplicaEndpointsTest, EachEndpointNeedsItsServerKey) {
  testing::AdapterProcess adapter({"--profile",
                                   testing::SourcePath("config/profiles/scitech.toml"), "--key",
                                   a_.dir() + "/scitech-1.key", "--endpoint", a_.endpoint(),
                                   "--endpoint", b_.endpoint(), "--server-key", a_.dir() + "/server.pub",
                                   "--state-dir", a_.dir() + "/adapter", "--input", input_},
                                  a_.dir() + "/mismatch.log");
  EXPECT_EQ(adapter.Wait(30000), 1) << adapter.Log();
  EXPECT_NE(adapter.Log().find("2 --endpoint but 1 --server-key"), std::string::npos) << adapter.Log();
}

}  // namespace
}  // namespace kpihub::adapter
