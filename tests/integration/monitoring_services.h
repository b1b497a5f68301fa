// The monitoring stack of a live test, each piece real and on an ephemeral loopback port:
// ServiceProcess runs a server binary (Debian's prometheus, prometheus-alertmanager) as a
// ChildProcess and stops it by PID; WebhookReceiver is the HTTP endpoint an Alertmanager webhook receiver
// posts to, keeping every body it receives. Every wait is bounded.
// ServiceProcess is not thread-safe; WebhookReceiver is (civetweb calls it on its threads).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "kpihub/testing/child_process.h"

struct mg_context;
struct mg_connection;

namespace kpihub::testing {

class ServiceProcess {
 public:
  // `argv[0]` is the binary's path; stdout and stderr go to `log_path`.
  ServiceProcess(std::vector<std::string> argv, std::string log_path);
  ~ServiceProcess();  // Stop()
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts it and waits until GET 127.0.0.1:port/path answers 200. False if it exited or
  // did not answer within `timeout`.
  bool StartAndWaitReady(int port, const std::string& path, std::chrono::milliseconds timeout);
  // SIGTERM, at most 10 s for it to exit, then SIGKILL; reaps it. Idempotent.
  void Stop();
  std::string Log() const;

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  ChildProcess child_;
};

class WebhookReceiver {
 public:
  // Serves POST /alerts on 127.0.0.1:<ephemeral>; throws if it cannot listen.
  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url() const;  // http://127.0.0.1:<port>/alerts
  // Waits until some body received so far satisfies `match`; that body, or "" at the deadline.
  std::string WaitForBody(const std::function<bool(const std::string&)>& match,
                          std::chrono::milliseconds timeout);
  std::vector<std::string> Bodies() const;

  int Serve(mg_connection* conn);  // civetweb callback; public for the C trampoline

 private:
  mg_context* context_ = nullptr;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable received_;
  std::vector<std::string> bodies_;
};

}  // namespace kpihub::testing
