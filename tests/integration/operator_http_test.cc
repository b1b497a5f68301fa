// What an operator sees of the real kpihubd's HTTP endpoint besides the KPIs: the process_*
// series of the Prometheus client libraries, plausible for the running daemon; build info
// with version and revision; the landing page at `/` (and behind basic auth when /metrics
// is); and `promtool check metrics` still content with the whole exposition.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <regex>

#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/http_exchange.h"

namespace kpihub::testing {
namespace {

using Adapters = std::vector<std::pair<std::string, std::string>>;  // id, department

double Value(const std::map<std::string, double>& metrics, const std::string& key) {
  auto it = metrics.find(key);
  return it == metrics.end() ? std::nan("") : it->second;
}

TEST(OperatorHttpTest, ProcessMetricsAndBuildInfoArePlausibleAndLintClean) {
  DaemonHarness daemon(Adapters{{"tax-1", "tax"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  double now = static_cast<double>(std::time(nullptr));
  auto text = HttpGet(daemon.metrics_port(), "/metrics");
  ASSERT_TRUE(text.has_value());
  auto m = ParseMetrics(*text);

  double started = Value(m, "process_start_time_seconds");
  EXPECT_GT(started, now - 300) << *text;  // the daemon started within the last minutes
  EXPECT_LE(started, now + 1);
  // The process's own start and the daemon's are the same moment, give or take start-up.
  EXPECT_NEAR(started, Value(m, "kpihub_start_time_seconds"), 5.0);
  EXPECT_GE(Value(m, "process_cpu_seconds_total"), 0.0);
  EXPECT_LT(Value(m, "process_cpu_seconds_total"), 300.0);
  double resident = Value(m, "process_resident_memory_bytes");
  EXPECT_GT(resident, 1 << 20);
  EXPECT_GE(Value(m, "process_virtual_memory_bytes"), resident);
  double fds = Value(m, "process_open_fds");
  EXPECT_GT(fds, 3);  // stdio, the store, the sockets
  EXPECT_GE(Value(m, "process_max_fds"), fds);
  EXPECT_NE(text->find("# TYPE process_cpu_seconds_total counter"), std::string::npos);

  std::smatch build;
  ASSERT_TRUE(std::regex_search(*text, build, std::regex(R"re(kpihub_build_info\{revision="([^"]*)",version="([^"]*)"\} 1)re")))
      << *text;
  EXPECT_TRUE(std::regex_match(build[1].str(), std::regex("[0-9a-f]{7,40}|unknown"))) << build[1];
  EXPECT_FALSE(build[2].str().empty());

  std::ofstream(daemon.dir() + "/metrics.txt") << *text;
  std::string lint;
  EXPECT_EQ(RunCommand("promtool check metrics < " + daemon.dir() + "/metrics.txt", &lint), 0) << lint;
  EXPECT_EQ(lint, "");
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(OperatorHttpTest, LandingPageLinksTheThreePaths) {
  DaemonHarness daemon(Adapters{{"tax-1", "tax"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  std::string response = HttpExchange(daemon.metrics_port(), "GET /");
  ASSERT_EQ(response.rfind("HTTP/1.1 200 ", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos) << response;
  EXPECT_NE(response.find("<title>kpihubd 考核指标数据交换 | kpihub KPI exchange</title>"), std::string::npos);
  for (const std::string path : {"metrics", "healthz", "readyz"}) {
    EXPECT_NE(response.find("<a href=\"" + path + "\">/" + path + "</a>"), std::string::npos) << path;
    int code = 0;
    ASSERT_TRUE(HttpGet(daemon.metrics_port(), "/" + path, "", &code));  // each link answers
    EXPECT_EQ(code, 200) << path;
  }
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(OperatorHttpTest, WithBasicAuthTheLandingPageIsGuardedLikeMetrics) {
  DaemonHarness daemon(Adapters{{"tax-1", "tax"}});
  std::ofstream(daemon.dir() + "/metrics.auth") << "prometheus:kpi-scrape\n";
  std::ofstream(daemon.config_path(), std::ios::app) << "metrics_basic_auth = \"metrics.auth\"\n";
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string good = "cHJvbWV0aGV1czprcGktc2NyYXBl";  // prometheus:kpi-scrape
  for (const std::string path : {"/", "/metrics"}) {
    EXPECT_EQ(HttpExchange(daemon.metrics_port(), "GET " + path).rfind("HTTP/1.1 401 ", 0), 0u) << path;
    EXPECT_EQ(HttpExchange(daemon.metrics_port(), "GET " + path, "cHJvbWV0aGV1czp4").rfind("HTTP/1.1 401 ", 0), 0u) << path;
    EXPECT_EQ(HttpExchange(daemon.metrics_port(), "GET " + path, good).rfind("HTTP/1.1 200 ", 0), 0u) << path;
  }
  EXPECT_EQ(HttpExchange(daemon.metrics_port(), "GET /healthz").rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
