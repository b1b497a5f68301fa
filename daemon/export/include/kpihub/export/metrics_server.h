// MetricsServer: kpihubd's HTTP endpoint, served with civetweb directly (prometheus-cpp's
// Exposer cannot serve other paths):
//   /metrics  the registered Collectables in the Prometheus text format (optionally behind
//             HTTP basic auth);
//   /healthz  200 while the process serves HTTP (liveness);
//   /readyz   200 once SetReady(true) — storage open and the ZAP handler up — else 503.
//   /         a page naming the endpoint (Chinese and English) with links to the three above;
//             behind the same basic auth as /metrics.
// Health endpoints never need credentials and reveal nothing but the state.
// Thread-safe: civetweb calls the handlers on its worker threads; RegisterCollectable and
// SetReady may be called from any thread.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct mg_context;
struct mg_connection;

namespace kpihub::exporter {

struct MetricsServerOptions {
  std::string listen = "127.0.0.1:9730";  // host:port; port 0 picks a free one
  // civetweb serves one connection per worker thread until its request is complete. Enough
  // workers and a short deadline for the request head keep half-open connections (sent
  // nothing, or half a request line) from holding every worker: each is closed after
  // request_timeout_ms, and a scrape waits at most about
  // (connections ahead of it / threads) x request_timeout_ms.
  int threads = 64;
  int request_timeout_ms = 1000;  // for the whole request head; loopback scrapes need < 1 ms
  // Accepted connections waiting for a worker. civetweb stops accepting when it is full, so
  // threads + connection_queue bounds the descriptors HTTP holds; later connections wait in
  // the kernel's listen backlog.
  int connection_queue = 64;
  size_t max_request_size = 16384;  // bytes of request head; /metrics needs a few hundred
  // Set: /metrics requires "Authorization: Basic base64(user:password)" with these.
  std::optional<std::pair<std::string, std::string>> basic_auth;
};

class MetricsServer {
 public:
  // Binds and starts serving; throws std::runtime_error when it cannot listen.
  explicit MetricsServer(const MetricsServerOptions& options);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void RegisterCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  void SetReady(bool ready) { ready_ = ready; }
  // The bound port (the real one when 0 was asked for).
  int port() const { return port_; }

  // civetweb callbacks; public only for the C trampolines.
  int ServeMetrics(mg_connection* conn);
  int ServeHealth(mg_connection* conn);
  int ServeReady(mg_connection* conn);
  int ServeLanding(mg_connection* conn);

 private:
  bool Authorized(mg_connection* conn) const;
  // Answers 405 or 401 and returns that code, unless `conn` is an authorized GET (then 0).
  int RefuseUnlessAuthorizedGet(mg_connection* conn, const char* path);
  void Count(const char* path, int code);

  MetricsServerOptions options_;
  std::shared_ptr<prometheus::Registry> own_;  // the server's own request counter
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  std::mutex mutex_;  // guards collectables_
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::atomic<bool> ready_{false};
  mg_context* context_ = nullptr;
  int port_ = 0;
};

// Base64 (RFC 4648) decoding of an Authorization header's credentials; nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace kpihub::exporter
