// The leadership board against the real thing: kpihubd fed the bundled department sample by
// the real kpihub-adapter with the shipped profiles, one milestone fed as a department feeds
// it (its approval document as the note), and Debian's prometheus scraping the daemon with the
// shipped rules. Every panel query and variable of the board must return data, and what a
// reader sees must be people's words: every name label Chinese, every KPI row titled by its
// Chinese name, values in their display unit, parks without a target of their own shown as
// not judged with their share of the zone, never off track.
//
// Every wait draws on one budget (kBudget) well inside the test's 120 s ctest timeout; every
// process is stopped by PID.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <regex>
#include <thread>

#include "board_queries.h"
#include "kpihub/client/connection.h"
#include "kpihub/testing/adapter_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/prometheus_server.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kBudget = std::chrono::seconds(90);

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool HasCjk(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0xE4 && c <= 0xE9) return true;  // lead bytes of the CJK Unified Ideographs block
  }
  return false;
}

// A prometheus.yml scraping the daemon at `target_port` every 5 s, the shipped rules evaluated
// every second.
std::string ScrapeConfig(int target_port) {
  return "global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\n  evaluation_interval: 1s\n"
         "rule_files:\n  - " KPIHUB_RULES_FILE "\n"
         "scrape_configs:\n  - job_name: kpihub\n    static_configs:\n"
         "      - targets: ['127.0.0.1:" + std::to_string(target_port) + "']\n";
}

// The value of a query that must give exactly one series; NaN otherwise.
double One(const PrometheusServer& prometheus, const std::string& promql) {
  json r = prometheus.Query(promql);
  if (r.size() != 1) {
    ADD_FAILURE() << r.size() << " series for " << promql;
    return std::nan("");
  }
  return std::stod(r[0]["value"][1].get<std::string>());
}

struct Query {
  std::string what;   // panel or variable, for messages
  std::string promql;
  std::set<std::string> name_labels;  // *_zh labels its rows are titled by
};

// The *_zh labels a query names its rows by: in its `by (...)`, its legend, or a recording
// rule of names taken whole.
std::set<std::string> NameLabels(const std::string& expr, const std::string& legend) {
  std::set<std::string> out;
  static const std::regex zh(R"(\b([a-z_]+_zh)\b)");
  std::string text = expr.substr(0, expr.find(" * on")) + " " + legend;
  if (const auto by = expr.find("by ("); by != std::string::npos) text += expr.substr(by, expr.find(')', by) - by);
  for (std::sregex_iterator it(text.begin(), text.end(), zh), end; it != end; ++it) out.insert((*it)[1]);
  if (expr == "kpihub:kpi:info") out.insert("title_zh");
  return out;
}

std::vector<Query> BoardQueries() {
  json board = ReadJsonFile(SourcePath("dashboards/grafana/dashboards/kpihub-leadership.json"));
  std::vector<Query> out;
  for (const BoardQuery& q : PanelQueries(board)) {
    std::string legend;
    for (const json* p : AllPanels(board)) {
      if (p->value("id", 0) != q.panel_id) continue;
      for (const auto& t : p->value("targets", json::array())) {
        if (t.value("refId", "") == q.ref_id) legend = t.value("legendFormat", "");
      }
    }
    out.push_back({"panel " + std::to_string(q.panel_id) + " " + q.ref_id + " '" + q.panel_title + "'",
                   Substitute(q.expr, DefaultVariableValues()), NameLabels(q.expr, legend)});
  }
  for (const auto& v : board["templating"]["list"]) {
    std::string expr = VariableExpression(v.value("definition", ""));
    if (expr.empty()) continue;
    out.push_back({"variable " + v.value("name", ""), Substitute(expr, DefaultVariableValues()), {}});
  }
  return out;
}

class LeadershipLiveTest : public ::testing::Test {
 protected:
  LeadershipLiveTest() : daemon_(SampleAdapters()) {}

  void FeedSample(Clock::time_point deadline) {
    for (auto& a : StartSampleFeed(daemon_, KPIHUB_SOURCE_DIR, 40)) {
      EXPECT_EQ(a->Wait(RemainingMs(deadline)), 0) << a->Log();
    }
  }

  // §9's national incubator, approved in June 2019, sent by science and technology's adapter
  // after its sample (the next sequence of its sender).
  void FeedMilestone() {
    const std::string id = SampleAdapterId("scitech");
    double last = MetricOr(ScrapeMetrics(daemon_.metrics_port()),
                           SeriesKey("kpihub_sender_last_sequence", {{"adapter", id}, {"department", "scitech"}}), -1);
    ASSERT_GE(last, 1) << "the scitech sample was not delivered";
    client::ConnectionOptions options;
    options.endpoint = daemon_.endpoint();
    options.server_public_z85 = daemon_.server_public();
    options.client_keys = daemon_.adapter(id).keys;
    client::Connection scitech(context_, options);
    core::Observation o{"national_incubator", "startup_center", "", "2019-06", 1, "国科发区〔2019〕12号"};
    auto ack = scitech.SendBatch(static_cast<uint64_t>(last) + 1, {o}, 0, 10000);
    ASSERT_TRUE(ack.has_value());
    ASSERT_EQ(ack->status, wire::AckStatus::kAccepted);
    ASSERT_TRUE(ack->rejections.empty()) << "the milestone was refused";
  }

  // Until every query returns data (recorded series need an evaluation after a scrape).
  void ExpectAllReturnData(const PrometheusServer& prometheus, const std::vector<Query>& queries,
                           Clock::time_point deadline) {
    std::vector<std::string> missing = {"every query: the budget ran out first"};
    while (Clock::now() < deadline) {
      missing.clear();
      for (const Query& q : queries) {
        if (prometheus.Query(q.promql).empty()) missing.push_back(q.what + ": " + q.promql);
      }
      if (missing.empty() || ::testing::Test::HasFailure()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (const std::string& m : missing) ADD_FAILURE() << "no data: " << m;
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

// Every series a reader sees is titled by a Chinese name: the *_zh labels its panel titles
// rows by are there and Chinese, and a series keeping a code label has a Chinese name beside it.
void ExpectChineseNames(const PrometheusServer& prometheus, const std::vector<Query>& queries) {
  for (const Query& q : queries) {
    for (const json& series : prometheus.Query(q.promql)) {
      const json& labels = series["metric"];
      for (const std::string& name : q.name_labels) {
        EXPECT_TRUE(HasCjk(labels.value(name, ""))) << q.what << ": " << name << " not Chinese in " << labels.dump();
      }
      for (const auto& [key, value] : labels.items()) {
        if (key.size() > 3 && key.substr(key.size() - 3) == "_zh") {
          EXPECT_TRUE(HasCjk(value.get<std::string>()) || key == "unit_zh") << q.what << ": " << labels.dump();
        }
      }
      if (labels.contains("kpi")) {
        EXPECT_TRUE(HasCjk(labels.value("title_zh", "")) || HasCjk(labels.value("name_zh", "")) ||
                    q.what.find("variable") != std::string::npos || q.name_labels.empty())
            << q.what << ": a KPI code without its name: " << labels.dump();
      }
    }
  }
}

TEST_F(LeadershipLiveTest, EveryQueryReturnsDataInPeoplesWords) {
  const auto started = Clock::now();
  const auto deadline = started + kBudget;
  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  FeedSample(deadline);
  ASSERT_NO_FATAL_FAILURE(FeedMilestone());

  TempDir dir;
  PrometheusServer prometheus(dir.path(), ScrapeConfig(daemon_.metrics_port()));
  ASSERT_TRUE(prometheus.Start(std::chrono::milliseconds(RemainingMs(deadline)))) << prometheus.Log();
  const std::vector<Query> queries = BoardQueries();
  ASSERT_GT(queries.size(), 15u);
  ExpectAllReturnData(prometheus, queries, deadline);
  ASSERT_FALSE(HasFailure()) << prometheus.Log();
  ExpectChineseNames(prometheus, queries);

  // Park and KPI pickers show names: the zone as 全区, every park of the catalogue named.
  EXPECT_EQ(One(prometheus, R"(count(kpihub:park:info{park="zone", park_zh="全区"}))"), 1);
  EXPECT_EQ(One(prometheus, "count(kpihub:park:info) - count(kpihub_park_info{park!=\"zone\"})"), 1);

  // Display units: yuan in 亿元, ratios in %, the same figures as the daemon's.
  const std::string zone2020 = R"(park="zone", period="2020")";
  EXPECT_NEAR(One(prometheus, R"(kpihub:kpi_value:display{kpi="industrial_output", unit_zh="亿元", )" + zone2020 + "}"),
              One(prometheus, R"(kpihub_kpi_value{kpi="industrial_output", )" + zone2020 + "}") / 1e8, 1e-6);
  EXPECT_NEAR(One(prometheus, R"(kpihub:kpi_value:display{kpi="rd_intensity", unit_zh="%", )" + zone2020 + "}"),
              One(prometheus, R"(kpihub_kpi_value{kpi="rd_intensity", )" + zone2020 + "}") * 100, 1e-9);
  EXPECT_EQ(One(prometheus, R"(count(kpihub:kpi_value:display{unit_zh=""}) or vector(0))"), 0);
  // 力争 targets are marked in their title.
  EXPECT_EQ(One(prometheus, R"(count(kpihub:kpi:info{strength="strive", title_zh!~".*（力争）"}) or vector(0))"), 0);
  EXPECT_GE(One(prometheus, R"(count(kpihub:kpi:info{strength="strive"}))"), 1);

  // A park without a target of its own for a zone-scope KPI is not judged (-1, grey), never
  // off track; its share of the zone is on the board instead.
  EXPECT_EQ(One(prometheus, R"(kpihub:kpi_status:code{kpi="industrial_output", park="tengyun", period="2020"})"), -1);
  EXPECT_EQ(prometheus.Query(R"(kpihub_kpi_zone_share_ratio{kpi="industrial_output", park="tengyun", period="2020"})").size(), 1u);
  EXPECT_EQ(One(prometheus, R"(count(kpihub:kpi_status:code{park!="zone"} == 0 unless on (kpi, park) kpihub_kpi_target) or vector(0))"), 0)
      << "a park without a target shown off track";
  EXPECT_EQ(prometheus.Query(R"(ALERTS{alertname="KpihubKpiOffTrack", park!="zone"})").size(), 0u);

  // No year has been approved: every figure is provisional (初步数), none 正式数.
  EXPECT_GE(One(prometheus, R"(count(kpihub_kpi_approved{year="2020"} == 0))"), 1);
  EXPECT_EQ(One(prometheus, R"(count(kpihub_kpi_approved == 1) or vector(0))"), 0);

  // The milestone fed above: achieved (3), in June 2019 as the board prints it.
  EXPECT_EQ(One(prometheus, R"(kpihub:milestone_status:code{milestone="national_incubator"})"), 3);
  const double achieved_ms = One(prometheus, 
      R"(max by (milestone) (kpihub_milestone_achieved_timestamp_seconds{milestone="national_incubator"} * 1000))");
  EXPECT_GE(achieved_ms, 1559260800000.0);  // 2019-05-31 00:00 UTC: June 1 in any zone east of UTC-24
  EXPECT_LT(achieved_ms, 1559433600000.0);  // 2019-06-02 00:00 UTC
  std::cout << "[ measure  ] " << queries.size() << " board queries answered after "
            << std::chrono::duration<double>(Clock::now() - started).count() << " s\n";
  EXPECT_EQ(daemon_.Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
