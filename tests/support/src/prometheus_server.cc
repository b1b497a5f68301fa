#include "kpihub/testing/prometheus_server.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>
#include <utility>

#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {

using nlohmann::json;

PrometheusServer::PrometheusServer(std::string dir, const std::string& config) : dir_(std::move(dir)) {
  std::ofstream(dir_ + "/prometheus.yml") << config;
}

PrometheusServer::~PrometheusServer() { Stop(); }

bool PrometheusServer::Start(std::chrono::milliseconds timeout) {
  process_.Start({"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                  "--storage.tsdb.path=" + dir_ + "/tsdb",
                  "--web.listen-address=127.0.0.1:" + std::to_string(port()), "--log.level=warn"},
                 dir_ + "/prometheus.log");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int code = 0;
    if (HttpGet(port(), "/-/ready", "", &code) && code == 200) return true;
    if (process_.Exited()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void PrometheusServer::Stop() {
  if (!process_.running()) return;
  process_.Signal(SIGTERM);
  if (process_.Wait(10000) == -1 && process_.running()) process_.Kill(SIGKILL);
}

json PrometheusServer::Get(const std::string& path, const std::string& what) const {
  auto body = HttpGet(port(), path);
  if (!body) {
    ADD_FAILURE() << "Prometheus did not answer: " << what;
    return nullptr;
  }
  json reply = json::parse(*body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object() || reply.value("status", "") != "success") {
    ADD_FAILURE() << "Prometheus refused: " << what << ": " << *body;
    return nullptr;
  }
  return reply["data"];
}

json PrometheusServer::Data(const std::string& promql) const {
  return Get("/api/v1/query?query=" + UrlEncode(promql), promql);
}

json PrometheusServer::Query(const std::string& promql) const {
  json data = Data(promql);
  return data.is_object() && data.contains("result") ? data["result"] : json::array();
}

size_t PrometheusServer::ResultCount(const std::string& promql) const {
  json data = Data(promql);
  return data.is_object() && data.contains("result") ? data["result"].size() : kFailed;
}

json PrometheusServer::Alerts() const {
  json data = Get("/api/v1/alerts", "the alerts");
  return data.is_object() && data.contains("alerts") ? data["alerts"] : json();
}

std::string PrometheusServer::Log() const { return ReadWholeFile(dir_ + "/prometheus.log"); }

}  // namespace kpihub::testing
