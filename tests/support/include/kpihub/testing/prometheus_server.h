// PrometheusServer: Debian's prometheus for the live tests, on an ephemeral loopback port that
// stays reserved for the server's whole life (Go sets SO_REUSEADDR), with the prometheus.yml
// it is given and its TSDB and log in a folder of the test's. Stopped by PID: SIGTERM, at
// most 10 s, then SIGKILL. Every wait is bounded. Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <string>

#include "kpihub/testing/child_process.h"
#include "kpihub/testing/port_reservation.h"

namespace kpihub::testing {

class PrometheusServer {
 public:
  // Writes `config` as `dir`/prometheus.yml; nothing runs yet.
  PrometheusServer(std::string dir, const std::string& config);
  ~PrometheusServer();  // Stop()
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Starts it and waits until /-/ready answers 200; false if it did not within `timeout`.
  bool Start(std::chrono::milliseconds timeout);
  void Stop();  // idempotent
  int port() const { return reserved_.port(); }

  // The `data` of an instant query. A query that gets no answer, or an error from
  // Prometheus, fails the test and gives null.
  nlohmann::json Data(const std::string& promql) const;
  // Its result vector: an empty array when the query failed (and the test with it).
  nlohmann::json Query(const std::string& promql) const;
  // How many series the query returns; a failed query counts as kFailed, which no check
  // expects.
  static constexpr size_t kFailed = static_cast<size_t>(-1);
  size_t ResultCount(const std::string& promql) const;
  // The alerts Prometheus holds (/api/v1/alerts); null, and a failed test, without an answer.
  nlohmann::json Alerts() const;
  std::string Log() const;

 private:
  nlohmann::json Get(const std::string& path, const std::string& what) const;

  std::string dir_;
  PortReservation reserved_;
  ChildProcess process_;
};

}  // namespace kpihub::testing
