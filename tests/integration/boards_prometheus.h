// Debian's Prometheus for the live board tests: a server scraping the daemon under test, and
// the queries of the shipped boards' panels. Header-only; test code.
#pragma once

#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../dashboards/board_queries.h"
#include "kpihub/testing/child_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/port_reservation.h"
#include "kpihub/testing/source_file.h"
#include "ops_test_util.h"

namespace kpihub::testing {

using nlohmann::json;

// Prometheus's scrape interval and timeout: a scrape after a commit recomputes the rollup of
// the whole sample, which took up to 4.7 s in the sanitized build on a loaded machine.
constexpr int kScrapeSeconds = 10;

// Debian's prometheus on an ephemeral loopback port with a temp config and TSDB.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, int target_port) : dir_(dir) {
    port_ = reserved_.port();  // held for the server's whole life (Go sets SO_REUSEADDR)
    std::ofstream config(dir + "/prometheus.yml");
    // A scrape may take its whole interval: an ASan build's /metrics takes over a second on
    // a loaded 2-core machine, and a scrape cut at 1 s would leave the boards without data.
    config << "global:\n  scrape_interval: " << kScrapeSeconds << "s\n  scrape_timeout: "
           << kScrapeSeconds << "s\n  evaluation_interval: 1s\n"
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
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15); std::chrono::steady_clock::now() < deadline;) {
      int code = 0;
      if (HttpGet(port_, "/-/ready", "", &code) && code == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void Stop() { process_.Kill(SIGTERM); }
  // The `data` of an instant query; a failed query (no answer, not JSON, an error from
  // Prometheus) is a test failure and gives null.
  json Query(const std::string& promql) const {
    auto body = HttpGet(port_, "/api/v1/query?query=" + UrlEncode(promql));
    if (!body) {
      ADD_FAILURE() << "query got no answer: " << promql;
      return nullptr;
    }
    json reply = json::parse(*body, nullptr, false);
    if (reply.is_discarded() || reply.value("status", "") != "success") {
      ADD_FAILURE() << "query failed: " << promql << ": " << *body;
      return nullptr;
    }
    return reply["data"];
  }
  // How many series the query returns; a failed query has failed the test and counts as
  // kFailed, which no check expects.
  static constexpr size_t kFailed = static_cast<size_t>(-1);
  size_t ResultCount(const std::string& promql) const {
    json data = Query(promql);
    return data.is_null() ? kFailed : data["result"].size();
  }
  // The alerts Prometheus holds (/api/v1/alerts), or null.
  json Alerts() const {
    auto body = HttpGet(port_, "/api/v1/alerts");
    json reply = body ? json::parse(*body, nullptr, false) : json();
    if (reply.is_discarded() || reply.is_null() || reply.value("status", "") != "success") {
      ADD_FAILURE() << "alerts query failed";
      return nullptr;
    }
    return reply["data"]["alerts"];
  }
  std::string Log() const { return ReadWholeFile(dir_ + "/prometheus.log"); }

 private:
  std::string dir_;
  PortReservation reserved_;
  int port_ = 0;
  ChildProcess process_;
};

// The query `ref_id` of panel `panel_id` of a shipped board, variables set as the tests set them.
inline std::string PanelQuery(const std::string& board, int panel_id, const std::string& ref_id) {
  json b = ReadJsonFile(SourcePath("dashboards/grafana/dashboards/" + board));
  for (const BoardQuery& q : PanelQueries(b)) {
    if (q.panel_id == panel_id && q.ref_id == ref_id) return Substitute(q.expr, DefaultVariableValues());
  }
  ADD_FAILURE() << board << " has no query " << ref_id << " in panel " << panel_id;
  return "absent(up)";
}

}  // namespace kpihub::testing
