// ExchangeServer: the exchange's ROUTER socket (a CURVE server with the daemon's key, its own
// ZeroMQ context, ZAP handler and domain) and its loop, on a thread of its own: it reads the
// Query frames waiting, answers each page from a store snapshot (QueryEngine), serves the
// subscriptions what is due (Subscriptions: every subscription_round_ms while any is open,
// so a commit reaches subscribers within about that time plus one audit commit), appends the
// audit records of all of them in one durable commit, and only then sends the pages. When the
// audit cannot be written no page is sent with rows: each is answered audit_unavailable.
// Only keys registered as [[consumer]] are admitted; identity comes from the ZAP properties
// of each frame, never from the frame. The socket has the ingest socket's defences: a
// handshake timeout, a limit on connections in total and per reading key (ConnectionGate),
// and handshake and ZAP refusals counted and logged on the 1st, 10th, 100th... only.
//
// Not thread-safe: Start and Run are called from the one exchange thread (Start may be called
// from the thread that then starts it). LiveConfig may be swapped from another thread at any
// time; each page uses the view taken when it is answered.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/exchange/exchange_metrics.h"
#include "kpihub/exchange/query_engine.h"
#include "kpihub/exchange/subscriptions.h"
#include "kpihub/store/store.h"

namespace kpihub::ingest {
class ConnectionGate;
class HandshakeMonitor;
}  // namespace kpihub::ingest

namespace kpihub::exchange {

struct ExchangeOptions {
  std::string endpoint = "tcp://127.0.0.1:7731";  // "tcp://127.0.0.1:*" picks a free port
  std::string server_secret_z85;
  QueryEngineOptions engine;
  int poll_timeout_ms = 100;  // how often the stop flag is checked
  size_t max_pages_per_commit = 64;  // pages whose audit records share one commit
  // Messages queued per peer; one more is refused (ZMQ_ROUTER_MANDATORY), never dropped
  // unseen: a query page is lost (the client asks again), a subscription whose message
  // cannot be queued is dropped (its consumer resumes from its change id). Above the most
  // credit of a subscription, so that a heartbeat never takes the place of a data message.
  int send_hwm = 256;
  int receive_hwm = 64;   // queries queued per connection before libzmq stops reading it
  int handshake_timeout_ms = 10000;  // a connection not through its handshake by then is closed
  size_t max_connections = 64;  // open connections, handshaking or not (the descriptor share)
  size_t max_per_key = 4;       // authenticated connections of one reading key
  SubscriptionOptions subscriptions;
  int subscription_round_ms = 20;  // with subscriptions open: how often commits are looked for
                                   // (and so at most how often their audit is committed)
};

class ExchangeServer {
 public:
  ExchangeServer(ExchangeOptions options, const core::LiveConfig& config, store::Store& store,
                 const core::Clock& clock, ExchangeMetrics& metrics,
                 std::shared_ptr<spdlog::logger> log);
  ~ExchangeServer();

  // Binds the ZAP handler, then the server socket. Throws zmq::error_t on a bad endpoint.
  void Start();
  std::string bound_endpoint() const;
  // Serves until `stop` is set. A failed audit write is not fatal here: the pages are
  // refused, and ingest (which shares the store) stops the daemon on a sticky storage error.
  void Run(const std::atomic<bool>& stop);

 private:
  struct Pending;
  bool ReceiveOne(Pending* out, std::vector<SubscriptionOutput>* subscription_out);
  void ServeWaiting(bool readable);
  void Account(const Pending& p, bool audited);
  void Account(const SubscriptionOutput& o);
  bool Send(const zmq::message_t& routing_id, const std::string& frame);
  void OnZapAnswer(bool admitted, const std::string& mechanism, const std::string& consumer);
  void OnHandshakeFailure(const std::string& reason, uint64_t nth);
  void OnConnectionRefused(bool total, uint64_t nth);

  ExchangeOptions options_;
  const core::LiveConfig& config_;
  store::Store& store_;
  const core::Clock& clock_;
  ExchangeMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  QueryEngine engine_;
  Subscriptions subscriptions_;
  zmq::context_t context_{1};
  zmq::socket_t zap_;
  zmq::socket_t router_;
  int bound_port_ = 0;
  std::unique_ptr<ingest::ConnectionGate> gate_;
  std::unique_ptr<ingest::HandshakeMonitor> handshake_;  // stopped before router_ closes
  // For rate-limited logging.
  uint64_t audit_failures_ = 0, zap_refusals_ = 0, accept_failures_ = 0;
  std::chrono::steady_clock::time_point last_round_{};
};

}  // namespace kpihub::exchange
