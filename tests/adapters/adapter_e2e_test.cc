// End to end: the real kpihubd, the real kpihub-adapter with the shipped profiles, the bundled
// department-shaped sample files, real CURVE keys, loopback sockets and LMDB in temp dirs.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "kpihub/testing/adapter_process.h"
#include "adapter_reference.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/feed/text_encoding.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::testing {
namespace {
namespace fs = std::filesystem;

const core::Catalogue& Catalogue() {
  static auto loaded =
      core::Catalogue::FromToml(SourceFile("config/catalogue.toml"), "catalogue.toml");
  return **loaded;
}

class AdapterE2eTest : public ::testing::Test {
 protected:
  AdapterE2eTest()
      : daemon_(SampleAdapters()) {}

  void SetUp() override {
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
    inbox_ = daemon_.dir() + "/inbox";
    fs::create_directories(inbox_);
  }

  std::string Copy(const std::string& sample) {
    fs::copy_file(SourcePath("samples/demo/" + sample), inbox_ + "/" + sample);
    return inbox_ + "/" + sample;
  }

  std::vector<std::string> Args(const std::string& dept, std::vector<std::string> extra) {
    const std::string& id = SampleAdapterId(dept);
    std::vector<std::string> args = {
        "--profile", SourcePath("config/profiles/" + dept + ".toml"), "--key", daemon_.dir() + "/" + id + ".key",
        "--server-key", daemon_.dir() + "/server.pub", "--endpoint", daemon_.endpoint(),
        "--state-dir", daemon_.dir() + "/adapter-" + id, "--deadline", "90"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::unique_ptr<AdapterProcess> Run(const std::string& dept, std::vector<std::string> extra) {
    return std::make_unique<AdapterProcess>(Args(dept, std::move(extra)),
                                            daemon_.dir() + "/adapter-" + dept + ".log");
  }

  std::map<std::string, double> Scrape() {
    auto body = HttpGet(daemon_.metrics_port(), "/metrics");
    return body ? ParseMetrics(*body) : std::map<std::string, double>{};
  }

  static double Get(const std::map<std::string, double>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::nan("") : it->second;
  }

  double LastSequence(const std::string& id, const std::string& dept) {
    return Get(Scrape(), SeriesKey("kpihub_sender_last_sequence", {{"adapter", id}, {"department", dept}}));
  }

  bool WaitForSequence(const std::string& id, const std::string& dept, double at_least) {
    for (int i = 0; i < 1500; ++i) {
      double s = LastSequence(id, dept);
      if (!std::isnan(s) && s >= at_least) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // /metrics and the reference hold the same zone indicator-years and KPI-years, with equal
  // values: every one of the reference is exported, and every zone series exported is in the
  // reference. At least `min_indicators` and `min_kpis` of them, so that an empty reference
  // cannot pass.
  void ExpectMetricsEqual(const AdapterReference& ref, size_t min_indicators, size_t min_kpis) {
    auto m = Scrape();
    std::set<std::string> expected;
    for (const auto& [key, value] : ref.ZoneIndicators()) {
      const auto* ind = Catalogue().FindIndicator(key.first);
      std::string series = SeriesKey("kpihub_indicator_value",
                                     {{"indicator", key.first}, {"department", ind->department},
                                      {"park", "zone"}, {"period", std::to_string(key.second)}});
      EXPECT_NEAR(Get(m, series), value, 1e-9 * std::abs(value) + 1e-9) << series;
      expected.insert(series);
    }
    EXPECT_GE(expected.size(), min_indicators);
    size_t kpis = 0;
    for (const auto& [key, value] : ref.ZoneKpis()) {
      std::string series = SeriesKey("kpihub_kpi_value", {{"kpi", key.first}, {"park", "zone"},
                                                          {"period", std::to_string(key.second)}});
      EXPECT_NEAR(Get(m, series), value, 1e-9 * std::abs(value) + 1e-12) << series;
      expected.insert(series);
      kpis++;
    }
    EXPECT_GE(kpis, min_kpis);
    for (const auto& [series, value] : m) {
      const bool zone_figure = (series.rfind("kpihub_indicator_value{", 0) == 0 ||
                                series.rfind("kpihub_kpi_value{", 0) == 0) &&
                               series.find("park=\"zone\"") != std::string::npos;
      if (zone_figure && !expected.count(series)) {
        ADD_FAILURE() << series << " = " << value << " is exported but not in the reference";
      }
    }
  }

  // Waits until the reject reports under `dir` hold `count` rows (they are complete once the
  // daemon's answers for the file are in).
  bool WaitForRejects(const std::string& dir, size_t count);

  double Journal() { return Get(Scrape(), SeriesKey("kpihub_store_records", {{"table", "journal"}})); }

  void ExpectVerified() {
    std::string out;
    EXPECT_EQ(RunCommand(BinaryPath("kpihub") + " verify --config " + daemon_.config_path(), &out), 0) << out;
  }

  DaemonHarness daemon_;
  std::string inbox_;
};

// Observations the adapter makes of a sample file (samples/demo/expected-observations.csv).
double ExpectedObservations(const std::string& file) {
  std::ifstream in(SourcePath("samples/demo/expected-observations.csv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(file + ",", 0) == 0) return std::stod(line.substr(line.rfind(',') + 1));
  }
  return std::nan("");
}

std::set<std::string> ReportedRejects(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.path().string().ends_with(".rejects.csv")) continue;
    std::ifstream in(e.path());
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      // file,row,column,value,reason_code,message — the first three and the reason.
      std::vector<std::string> f;
      std::string cur;
      bool quoted = false;
      for (char c : line) {
        if (c == '"') { quoted = !quoted; continue; }
        if (c == ',' && !quoted) { f.push_back(cur); cur.clear(); continue; }
        cur += c;
      }
      f.push_back(cur);
      if (f.size() < 5) continue;  // a line still being written
      out.insert(fs::path(f[0]).filename().string() + "," + f[1] + "," + f[2] + "," + f[4]);
    }
  }
  return out;
}

bool AdapterE2eTest::WaitForRejects(const std::string& dir, size_t count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::is_directory(dir) && ReportedRejects(dir).size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(AdapterE2eTest, FourDepartmentsFeedConcurrentlyAndMetricsEqualTheFiles) {
  AdapterReference ref(Catalogue());
  std::vector<std::unique_ptr<AdapterProcess>> adapters;
  for (const auto& [dept, files] : SampleFiles()) {
    std::vector<std::string> inputs;
    for (const auto& f : files) {
      inputs.push_back("--input");
      inputs.push_back(Copy(f));
      ref.AddFile(dept, inbox_ + "/" + f);
    }
    adapters.push_back(Run(dept, inputs));
  }
  for (auto& a : adapters) EXPECT_EQ(a->Wait(90000), 0) << a->Log();
  EXPECT_GT(ref.observations(), 15000u);
  ExpectMetricsEqual(ref, 100, 40);
  ExpectVerified();
  // Every refused row is reported, with the reason the generator planted it for.
  std::set<std::string> expected;
  std::ifstream in(SourcePath("samples/demo/expected-rejects.csv"));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) expected.insert(line);
  EXPECT_EQ(ReportedRejects(inbox_), expected);
}

TEST_F(AdapterE2eTest, DaemonKilledMidFeedStillGetsEverythingExactlyOnce) {
  const std::string file = Copy("scitech-enterprises-monthly.csv");
  AdapterReference ref(Catalogue());
  ref.AddFile("scitech", file);
  const double batches = std::ceil(ExpectedObservations("scitech-enterprises-monthly.csv") / 20);
  auto adapter = Run("scitech", {"--input", file, "--batch-size", "20", "--window", "4",
                                 "--ack-timeout-ms", "2000"});
  ASSERT_TRUE(WaitForSequence("scitech-1", "scitech", 20)) << adapter->Log();
  std::string endpoint = daemon_.endpoint();
  daemon_.Kill(SIGKILL);
  EXPECT_EQ(adapter->Wait(300), -1) << "the feed finished before the daemon was killed";
  ASSERT_TRUE(daemon_.Start({"--listen", endpoint})) << daemon_.ReadLog();
  EXPECT_EQ(adapter->Wait(90000), 0) << adapter->Log();
  EXPECT_EQ(LastSequence("scitech-1", "scitech"), batches);
  EXPECT_EQ(Journal(), batches);  // one journal entry per applied batch: none applied twice
  ExpectMetricsEqual(ref, 8, 8);
  ExpectVerified();
}

TEST_F(AdapterE2eTest, AdapterKilledMidFeedResumesFromItsOutboxWithoutDuplicates) {
  const std::string file = Copy("scitech-enterprises-monthly.csv");
  AdapterReference ref(Catalogue());
  ref.AddFile("scitech", file);
  const double batches = std::ceil(ExpectedObservations("scitech-enterprises-monthly.csv") / 20);
  auto first = Run("scitech", {"--input", file, "--batch-size", "20", "--window", "4"});
  ASSERT_TRUE(WaitForSequence("scitech-1", "scitech", 30)) << first->Log();
  first->Kill(SIGKILL);
  double applied = LastSequence("scitech-1", "scitech");
  ASSERT_LT(applied, batches) << "the feed finished before the adapter was killed";
  auto resumed = Run("scitech", {});  // no input: drain what the outbox holds
  EXPECT_EQ(resumed->Wait(90000), 0) << resumed->Log();
  EXPECT_NE(resumed->Log().find("resuming"), std::string::npos) << resumed->Log();
  EXPECT_EQ(LastSequence("scitech-1", "scitech"), batches);
  EXPECT_EQ(Journal(), batches);
  ExpectMetricsEqual(ref, 8, 8);
  ExpectVerified();
}

TEST_F(AdapterE2eTest, RevisedFileReplacesTheFiguresInsteadOfAddingToThem) {
  auto write = [&](const std::string& name, const std::string& utf8) {
    std::ofstream(inbox_ + "/" + name, std::ios::binary) << feed::FromUtf8(utf8, "gb18030");
    return inbox_ + "/" + name;
  };
  std::string header = "园区,季度,地区生产总值（亿元）\r\n";
  auto first = write("gdp-2020q1.csv", header + "汽车零部件产业园,2020年第1季度,10\r\n"
                                                "焦作高新区核心区,2020年第1季度,20.5\r\n");
  auto revised = write("gdp-2020q1-revised.csv", header + "汽车零部件产业园,2020年第1季度,12.25\r\n");
  auto gdp = [&] {
    return Get(Scrape(), SeriesKey("kpihub_indicator_value", {{"indicator", "gdp"}, {"department", "finance"},
                                                              {"park", "zone"}, {"period", "2020"}}));
  };
  EXPECT_EQ(Run("finance", {"--input", first})->Wait(30000), 0);
  EXPECT_DOUBLE_EQ(gdp(), 30.5e8);
  EXPECT_EQ(Run("finance", {"--input", revised})->Wait(30000), 0);
  EXPECT_DOUBLE_EQ(gdp(), 32.75e8);  // 12.25 replaces 10; it is not added to it
  EXPECT_EQ(Run("finance", {"--input", revised})->Wait(30000), 0);  // sending it again changes nothing
  EXPECT_DOUBLE_EQ(gdp(), 32.75e8);
  EXPECT_EQ(LastSequence("finance-1", "finance"), 3);
}

TEST_F(AdapterE2eTest, SpoolModeMovesFilesToDoneOrFailedAndReportsRejects) {
  std::string spool = daemon_.dir() + "/spool";
  fs::create_directories(spool);
  auto adapter = Run("environment", {"--watch", spool});
  fs::copy_file(SourcePath("samples/demo/environment-monitoring.jsonl"), spool + "/.part");
  fs::rename(spool + "/.part", spool + "/a-environment.jsonl");
  std::ofstream(spool + "/b-unknown.jsonl") << "{\"station\": 7}\n";
  bool moved = false;
  for (int i = 0; i < 1000 && !moved; ++i) {
    moved = fs::exists(spool + "/done/a-environment.jsonl") && fs::exists(spool + "/failed/b-unknown.jsonl");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(moved) << adapter->Log();
  ASSERT_TRUE(WaitForSequence("env-1", "environment", 8)) << adapter->Log();  // 3700 obs / 500
  // The daemon's refusals come back in the acks: the report is whole once all five are in.
  ASSERT_TRUE(WaitForRejects(spool + "/done", 5)) << adapter->Log();
  adapter->Kill(SIGTERM);
  AdapterReference ref(Catalogue());
  ref.AddFile("environment", spool + "/done/a-environment.jsonl");
  // Seven indicators over four years; no KPI is built from the environment's figures, and
  // none may be exported.
  ExpectMetricsEqual(ref, 28, 0);
  EXPECT_EQ(ReportedRejects(spool + "/done").size(), 5u);
  EXPECT_EQ(ReportedRejects(spool + "/failed").size(), 1u);
}

}  // namespace
}  // namespace kpihub::testing
