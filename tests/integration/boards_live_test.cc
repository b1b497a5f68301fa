// Live test of the monitoring mixin: the real kpihubd fed the bundled department sample
// (samples/demo) by the real kpihub-adapter with the shipped profiles, Debian's
// prometheus scraping it every second with the shipped rules, and every query of every
// dashboard panel and every recording rule asked of that Prometheus. Also: an alert fires
// when a feed stops beyond its (shortened) contract, small cells stay withheld, the rule
// violation is counted, and the health endpoints answer. Everything is stopped by PID.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "kpihub/testing/adapter_process.h"
#include "../dashboards/board_queries.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/client/connection.h"
#include "kpihub/core/catalogue.h"
#include "kpihub/testing/source_file.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Debian's prometheus on an ephemeral loopback port with a temp config and TSDB.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, int target_port) : dir_(dir) {
    port_ = FreeLoopbackPort();
    std::ofstream config(dir + "/prometheus.yml");
    // A scrape may take its whole interval: an ASan build's /metrics takes over a second on
    // a loaded 2-core machine, and a scrape cut at 1 s would leave the boards without data.
    config << "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\n  evaluation_interval: 1s\n"
           << "rule_files:\n  - " << std::string(KPIHUB_RULES_FILE) << "\n"
           << "scrape_configs:\n  - job_name: kpihub\n    static_configs:\n"
           << "      - targets: ['127.0.0.1:" << target_port << "']\n";
  }
  ~PrometheusServer() { Stop(); }

  bool Start() {
    std::vector<std::string> args = {"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                                     "--storage.tsdb.path=" + dir_ + "/tsdb",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--log.level=warn"};
    process_.Start(std::move(args), dir_ + "/prometheus.log");
    for (auto deadline = Clock::now() + std::chrono::seconds(15); Clock::now() < deadline;) {
      int code = 0;
      if (HttpGet(port_, "/-/ready", "", &code) && code == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void Stop() { process_.Kill(SIGTERM); }
  // The `data` of an instant query, or null on any failure.
  json Query(const std::string& promql) const {
    auto body = HttpGet(port_, "/api/v1/query?query=" + UrlEncode(promql));
    if (!body) return nullptr;
    json reply = json::parse(*body, nullptr, false);
    if (reply.is_discarded() || reply.value("status", "") != "success") return nullptr;
    return reply["data"];
  }
  size_t ResultCount(const std::string& promql) const {
    json data = Query(promql);
    return data.is_null() ? 0 : data["result"].size();
  }
  std::string Log() const { return ReadWholeFile(dir_ + "/prometheus.log"); }

 private:
  std::string dir_;
  int port_ = 0;
  ChildProcess process_;
};

// Names of the recording rules in the shipped rules file.
std::vector<std::string> RecordingRules() {
  std::vector<std::string> out;
  std::regex record(R"(^\s*- record:\s*(\S+))");
  std::istringstream in(ReadWholeFile(std::string(KPIHUB_RULES_FILE)));
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, record)) out.push_back(m[1]);
  }
  return out;
}

class BoardsLiveTest : public ::testing::Test {
 protected:
  BoardsLiveTest()
      : daemon_(SampleAdapters()) {}

  // The shipped catalogue with finance's contract shortened to 3 s of silence.
  std::string WriteShortContractCatalogue() {
    std::string text = ReadWholeFile(SourcePath("config/catalogue.toml"));
    std::string from = "name_en = \"Finance\"\ncadence = \"month\"\ndeadline_days = 20";
    size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos);
    text.replace(pos, from.size(), from + "\nmax_silence_seconds = 3");
    std::string path = daemon_.dir() + "/catalogue.toml";
    std::ofstream(path) << text;
    auto loaded = core::Catalogue::FromToml(text, path);
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    catalogue_ = loaded.ok() ? *loaded : nullptr;
    return path;
  }

  std::unique_ptr<client::Connection> Connect(const std::string& adapter) {
    return ConnectAs(context_, daemon_, adapter);
  }

  // One kpihub-adapter per department, all at once, each with its shipped profile and its
  // department's sample files (copied: the adapter writes reject reports beside its inputs).
  void FeedSample() {
    for (auto& a : StartSampleFeed(daemon_, KPIHUB_SOURCE_DIR, 60)) EXPECT_EQ(a->Wait(60000), 0) << a->Log();
  }

  double Metric(const std::string& text, const std::string& name, std::map<std::string, std::string> labels) {
    auto m = ParseMetrics(text);
    auto it = m.find(SeriesKey(name, std::move(labels)));
    return it == m.end() ? std::nan("") : it->second;
  }

  // The sequence finance-1 continues with after the sample, and one empty batch sent on it.
  void ContinueFinance(client::Connection& finance, uint64_t* finance_seq) {
    auto fed_metrics = HttpGet(daemon_.metrics_port(), "/metrics");
    ASSERT_TRUE(fed_metrics.has_value());
    double finance_last = Metric(*fed_metrics, "kpihub_sender_last_sequence",
                                 {{"adapter", "finance-1"}, {"department", "finance"}});
    ASSERT_FALSE(std::isnan(finance_last)) << "finance-1 delivered nothing";
    *finance_seq = static_cast<uint64_t>(finance_last) + 1;
    auto ack = finance.SendBatch((*finance_seq)++, {}, 0, 5000);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
  }

  // Scrape cost of the fed state; promtool's lint; no enterprise id of any kind: not the
  // sample's, nor any 18-character credit code as a label.
  void CheckScrape() {
    auto t0 = Clock::now();
    auto metrics = HttpGet(daemon_.metrics_port(), "/metrics");
    double scrape_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ASSERT_TRUE(metrics.has_value());
    std::cout << "[ measure  ] /metrics: " << metrics->size() << " bytes in " << scrape_ms << " ms\n";
    std::ofstream(daemon_.dir() + "/metrics.txt") << *metrics;
    std::string lint;
    EXPECT_EQ(RunCommand("promtool check metrics < " + daemon_.dir() + "/metrics.txt", &lint), 0) << lint;
    EXPECT_EQ(lint, "") << lint;
    EXPECT_EQ(metrics->find("91410800"), std::string::npos);
    EXPECT_FALSE(std::regex_search(*metrics, std::regex(R"("[0-9A-Z]{18}")")));
  }

  // Every panel query of both boards, every board variable's selector, every recording rule,
  // as (what, promql).
  static std::vector<std::pair<std::string, std::string>> AllQueries() {
    std::vector<std::pair<std::string, std::string>> queries;
    for (const char* board : {"kpihub-leadership.json", "kpihub-operations.json"}) {
      json b = ReadJsonFile(SourcePath(std::string("dashboards/grafana/dashboards/") + board));
      for (const BoardQuery& q : PanelQueries(b)) {
        queries.push_back({std::string(board) + " panel " + std::to_string(q.panel_id) + " " + q.ref_id + " '" + q.panel_title + "'",
                           Substitute(q.expr, DefaultVariableValues())});
      }
      for (const auto& v : b["templating"]["list"]) {
        std::smatch m;
        std::string def = v.value("definition", "");
        if (std::regex_match(def, m, std::regex(R"(label_values\((.+),\s*[a-z_]+\))"))) {
          queries.push_back({std::string(board) + " variable " + v.value("name", ""), m[1]});
        }
      }
    }
    for (const std::string& rule : RecordingRules()) queries.push_back({"recording rule " + rule, rule});
    return queries;
  }

  // Until all return data (rates need two scrapes, recorded series an evaluation), feeding
  // finance an empty batch each round so that its feed stays fresh.
  void ExpectAllReturnData(const PrometheusServer& prometheus,
                           const std::vector<std::pair<std::string, std::string>>& queries,
                           client::Connection& finance, uint64_t* finance_seq) {
    std::vector<std::string> missing;
    for (auto deadline = Clock::now() + std::chrono::seconds(45); Clock::now() < deadline;) {
      missing.clear();
      auto ack = finance.SendBatch((*finance_seq)++, {}, 0, 5000);
      ASSERT_TRUE(ack.has_value());
      EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
      for (const auto& [what, promql] : queries) {
        if (prometheus.ResultCount(promql) == 0) missing.push_back(what + ": " + promql);
      }
      if (missing.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (const std::string& m : missing) ADD_FAILURE() << "no data: " << m;
  }

  // Small cells, as the sample makes them (samples/demo/README.md): agri_tech's industrial
  // output has too few enterprises in every year; the complement withheld with it is tengyun
  // in 2017-2019 and hq_economy in 2020 — eight park-years — and the zone total is shown.
  static void ExpectSmallCellsWithheld(const PrometheusServer& prometheus) {
    auto output = [&](const std::string& park, int year) {
      return prometheus.ResultCount("kpihub_indicator_value{indicator=\"industrial_output\", park=\"" + park +
                                    "\", period=\"" + std::to_string(year) + "\"}");
    };
    for (int year = 2017; year <= 2020; ++year) {
      EXPECT_EQ(output("agri_tech", year), 0u) << year;
      EXPECT_EQ(output(year < 2020 ? "tengyun" : "hq_economy", year), 0u) << year;
      EXPECT_EQ(output(year < 2020 ? "hq_economy" : "tengyun", year), 1u) << year;
      EXPECT_EQ(output("auto_parts", year), 1u) << year;
      EXPECT_EQ(output("zone", year), 1u) << year;
    }
    EXPECT_EQ(prometheus.ResultCount("kpihub_kpi_value{kpi=\"industrial_output\", park=\"agri_tech\"}"), 0u);
    EXPECT_EQ(prometheus.ResultCount("kpihub_cells_withheld{indicator=\"industrial_output\"} == 8"), 1u);
  }

  // Rule checks on the merged state: the sample's one subsidy above the cap, nothing else;
  // and the rows the adapters pass but the daemon refuses (samples/demo/expected-rejects.csv).
  static void ExpectRulesAndRejections(const PrometheusServer& prometheus) {
    EXPECT_EQ(prometheus.ResultCount("kpihub_rule_violations{rule=\"startup_subsidy_cap\", park=\"startup_center\", period=\"2020\"} == 1"), 1u);
    EXPECT_EQ(prometheus.ResultCount("sum(kpihub_rule_violations) == 1"), 1u);
    EXPECT_EQ(prometheus.ResultCount("kpihub_ingest_rejections_total{department=\"finance\", reason=\"out_of_bounds\"} == 1"), 1u);
    EXPECT_EQ(prometheus.ResultCount("sum(kpihub_ingest_rejections_total) == 8"), 1u);
  }

  // With the finance feed stopped, beyond its 3 s contract KpihubFeedLate fires for finance
  // only. The time it took.
  static double ExpectFinanceAlertFires(const PrometheusServer& prometheus) {
    auto stopped = Clock::now();
    bool firing = false;
    for (auto deadline = Clock::now() + std::chrono::seconds(25); Clock::now() < deadline && !firing;) {
      firing = prometheus.ResultCount("ALERTS{alertname=\"KpihubFeedLate\", department=\"finance\", alertstate=\"firing\"}") == 1;
      if (!firing) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    EXPECT_TRUE(firing) << prometheus.Log();
    EXPECT_GE(std::chrono::duration<double>(Clock::now() - stopped).count(), 2.0);  // not at once
    EXPECT_EQ(prometheus.ResultCount("ALERTS{alertname=\"KpihubFeedLate\", department!=\"finance\"}"), 0u);
    json alerts = prometheus.Query("ALERTS{alertname=\"KpihubFeedLate\"}");
    return std::chrono::duration<double>(Clock::now() - stopped).count();
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
  std::shared_ptr<const core::Catalogue> catalogue_;
};

TEST_F(BoardsLiveTest, EveryPanelAndRuleReturnsDataAndAStoppedFeedAlerts) {
  auto started = Clock::now();
  ASSERT_TRUE(daemon_.Start({"--catalogue", WriteShortContractCatalogue()})) << daemon_.ReadLog();
  int code = 0;
  ASSERT_TRUE(HttpGet(daemon_.metrics_port(), "/healthz", "", &code));
  EXPECT_EQ(code, 200);
  ASSERT_TRUE(HttpGet(daemon_.metrics_port(), "/readyz", "", &code));
  EXPECT_EQ(code, 200);

  FeedSample();
  auto fed = Clock::now();
  // Finance stays fresh on an empty batch per round, continuing the adapter's sequence.
  auto finance = Connect("finance-1");
  uint64_t finance_seq = 0;
  ASSERT_NO_FATAL_FAILURE(ContinueFinance(*finance, &finance_seq));
  ASSERT_NO_FATAL_FAILURE(CheckScrape());

  TempDir prom_dir;
  PrometheusServer prometheus(prom_dir.path(), daemon_.metrics_port());
  ASSERT_TRUE(prometheus.Start()) << prometheus.Log();
  const auto queries = AllQueries();
  ASSERT_GT(queries.size(), 40u);
  ASSERT_NO_FATAL_FAILURE(ExpectAllReturnData(prometheus, queries, *finance, &finance_seq));
  // Fed within its contract: finance is not late, and nobody else is.
  EXPECT_EQ(prometheus.ResultCount("ALERTS{alertname=\"KpihubFeedLate\"}"), 0u);
  ExpectSmallCellsWithheld(prometheus);
  ExpectRulesAndRejections(prometheus);

  // Stop the finance feed.
  const double silence_s = ExpectFinanceAlertFires(prometheus);
  std::cout << "[ measure  ] feed " << std::chrono::duration<double>(fed - started).count()
            << " s, alert after " << silence_s
            << " s of silence, total " << std::chrono::duration<double>(Clock::now() - started).count() << " s\n";

  prometheus.Stop();
  EXPECT_EQ(daemon_.Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
