// Debian's Prometheus for the live board tests: the configuration of a server scraping the
// daemon under test, and the queries of the shipped boards' panels. Header-only; test code.
#pragma once


#include <chrono>
#include <string>
#include <vector>

#include "../dashboards/board_queries.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/prometheus_server.h"
#include "kpihub/testing/source_file.h"
#include "ops_test_util.h"

namespace kpihub::testing {

using nlohmann::json;

// Prometheus's scrape interval and timeout: a scrape after a commit recomputes the rollup of
// the whole sample, which took up to 4.7 s in the sanitized build on a loaded machine.
constexpr int kScrapeSeconds = 10;

// A prometheus.yml scraping the daemon at `target_port` every kScrapeSeconds, the shipped rules
// evaluated every second.
inline std::string BoardsScrapeConfig(int target_port) {
  // A scrape may take its whole interval: an ASan build's /metrics takes over a second on
  // a loaded 2-core machine, and a scrape cut at 1 s would leave the boards without data.
  return "global:\n  scrape_interval: " + std::to_string(kScrapeSeconds) + "s\n  scrape_timeout: " +
         std::to_string(kScrapeSeconds) + "s\n  evaluation_interval: 1s\n" +
         "rule_files:\n  - " + std::string(KPIHUB_RULES_FILE) + "\n" +
         "scrape_configs:\n  - job_name: kpihub\n    static_configs:\n" +
         "      - targets: ['127.0.0.1:" + std::to_string(target_port) + "']\n";
}

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
