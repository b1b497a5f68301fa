// Live test of alert delivery, as an operator's installation runs it: the real kpihubd,
// Debian's prometheus evaluating the shipped rules as rendered for installation, Debian's
// prometheus-alertmanager, and a webhook receiver served by the test, each on an ephemeral
// loopback port. A real shipped alert (KpihubFeedLate: finance's feed, its contract
// shortened to 3 s of silence in a test catalogue, goes quiet) must reach the webhook with
// its labels and annotations, the runbook link absolute: the configured runbook base plus
// the alert's anchor in operations.md. Every process is stopped by PID; every wait is bounded.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include "kpihub/client/connection.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/port_reservation.h"
#include "kpihub/testing/prometheus_server.h"
#include "monitoring_services.h"

namespace kpihub::testing {
namespace {

using Adapters = std::vector<std::pair<std::string, std::string>>;  // id, department

using nlohmann::json;
using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shipped catalogue with finance's feed contract shortened to 3 s of silence.
std::string WriteShortContractCatalogue(const std::string& dir) {
  std::string text = ReadFile(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml");
  std::string from = "name_en = \"Finance\"\ncadence = \"month\"\ndeadline_days = 20";
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos);
  if (pos != std::string::npos) text.replace(pos, from.size(), from + "\nmax_silence_seconds = 3");
  std::string path = dir + "/catalogue.toml";
  std::ofstream(path) << text;
  return path;
}

// The firing alert named `alertname` in an Alertmanager webhook body, or null.
json FiringAlert(const std::string& body, const std::string& alertname) {
  json payload = json::parse(body, nullptr, false);
  if (payload.is_discarded() || !payload.contains("alerts")) return nullptr;
  for (const json& alert : payload["alerts"]) {
    if (alert.value("status", "") == "firing" &&
        alert["labels"].value("alertname", "") == alertname) {
      return alert;
    }
  }
  return nullptr;
}

std::set<std::string> Keys(const json& object) {
  std::set<std::string> out;
  for (const auto& item : object.items()) out.insert(item.key());
  return out;
}

void WriteAlertmanagerConfig(const std::string& path, const std::string& webhook_url) {
  std::ofstream(path) << "route:\n  receiver: kpihub-webhook\n  group_by: [alertname, department]\n"
                      << "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n"
                      << "receivers:\n  - name: kpihub-webhook\n    webhook_configs:\n"
                      << "      - url: " << webhook_url << "\n        send_resolved: false\n";
}

// Scrapes kpihubd and evaluates the shipped rules every second, alerting through `am_port`.
std::string PrometheusConfig(int am_port, int metrics_port) {
  return "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
         "alerting:\n  alertmanagers:\n    - static_configs:\n"
         "        - targets: ['127.0.0.1:" + std::to_string(am_port) + "']\n"
         "rule_files:\n  - " KPIHUB_RULES_FILE "\n"
         "scrape_configs:\n  - job_name: kpihub\n    static_configs:\n"
         "      - targets: ['127.0.0.1:" + std::to_string(metrics_port) + "']\n";
}

// The labels and annotations a firing KpihubFeedLate for finance must carry, the runbook
// link absolute and pointing at its heading. A feed is late for the zone, not for one daemon:
// the alert carries no `instance` (it fires once for a replica pair, docs/monitoring.md).
void ExpectFinanceFeedLate(const json& alert) {
  const json& labels = alert["labels"];
  EXPECT_EQ(Keys(labels), (std::set<std::string>{"alertname", "department", "job", "severity"}))
      << labels.dump();
  EXPECT_EQ(labels.value("severity", ""), "warning");
  EXPECT_EQ(labels.value("department", ""), "finance");
  EXPECT_EQ(labels.value("job", ""), "kpihub");

  const json& annotations = alert["annotations"];
  EXPECT_EQ(Keys(annotations), (std::set<std::string>{"description", "runbook_url", "summary"}))
      << annotations.dump();
  EXPECT_EQ(annotations.value("summary", ""), "Feed of department finance is late against its contract");
  EXPECT_TRUE(std::regex_match(annotations.value("description", ""),
                               std::regex(R"(No batch from finance has been accepted for [0-9.]+% of the )"
                                          R"(silence its feed contract allows \(cadence plus deadline in the catalogue\)\.)")))
      << annotations.value("description", "");
  std::string runbook = annotations.value("runbook_url", "");
  EXPECT_TRUE(std::regex_search(runbook, std::regex("^[a-z][a-z0-9+.-]*://[^/]*/"))) << "not absolute: " << runbook;
  EXPECT_EQ(runbook.rfind(KPIHUB_RUNBOOK_BASE_URL, 0), 0u) << runbook;
  EXPECT_EQ(runbook, std::string(KPIHUB_RUNBOOK_BASE_URL) + "#kpihubfeedlate");
  // The anchor is a heading of the runbook that the link's base names.
  EXPECT_NE(ReadFile(std::string(KPIHUB_SOURCE_DIR) + "/docs/operations.md").find("### KpihubFeedLate"),
            std::string::npos);

}

TEST(AlertDeliveryTest, AShippedAlertReachesTheWebhookWithAnAbsoluteRunbookLink) {
  DaemonHarness daemon(Adapters{{"finance-1", "finance"}});
  ASSERT_TRUE(daemon.Start({"--catalogue", WriteShortContractCatalogue(daemon.dir())})) << daemon.ReadLog();

  // Finance delivers once (an empty batch is a delivery); its 3 s of allowed silence start.
  zmq::context_t context(1);
  client::ConnectionOptions options;
  options.endpoint = daemon.endpoint();
  options.server_public_z85 = daemon.server_public();
  options.client_keys = daemon.adapter("finance-1").keys;
  client::Connection finance(context, options);
  auto ack = finance.SendBatch(1, {}, 0, 5000);
  auto fed = std::chrono::steady_clock::now();
  ASSERT_TRUE(ack.has_value());
  ASSERT_EQ(ack->status, wire::AckStatus::kAccepted);

  WebhookReceiver webhook;
  TempDir am_dir;
  PortReservation am_reserved;  // Go listeners set SO_REUSEADDR: they bind beside it
  const int am_port = am_reserved.port();
  WriteAlertmanagerConfig(am_dir.path() + "/alertmanager.yml", webhook.url());
  // No cluster: it would listen on every interface (port 9094) and wait to gossip.
  ServiceProcess alertmanager({"/usr/bin/prometheus-alertmanager",
                               "--config.file=" + am_dir.path() + "/alertmanager.yml",
                               "--storage.path=" + am_dir.path() + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
                               "--cluster.listen-address=", "--log.level=warn"},
                              am_dir.path() + "/alertmanager.log");
  ASSERT_TRUE(alertmanager.StartAndWaitReady(am_port, "/-/ready", 20s)) << alertmanager.Log();

  TempDir prom_dir;
  PrometheusServer prometheus(prom_dir.path(), PrometheusConfig(am_port, daemon.metrics_port()));
  ASSERT_TRUE(prometheus.Start(20s)) << prometheus.Log();

  std::string body = webhook.WaitForBody(
      [](const std::string& b) { return !FiringAlert(b, "KpihubFeedLate").is_null(); }, 60s);
  ASSERT_FALSE(body.empty()) << "no KpihubFeedLate at the webhook; received " << webhook.Bodies().size()
                             << " bodies\nprometheus:\n" << prometheus.Log() << "\nalertmanager:\n"
                             << alertmanager.Log();
  std::cout << "[ measure  ] KpihubFeedLate at the webhook "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - fed).count()
            << " s after finance's last batch (3 s allowed)\n";
  json payload = json::parse(body);
  EXPECT_EQ(payload.value("receiver", ""), "kpihub-webhook");
  json alert = FiringAlert(body, "KpihubFeedLate");

  ExpectFinanceFeedLate(alert);

  prometheus.Stop();
  alertmanager.Stop();
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
