// ExchangeThread: kpihubd's exchange socket (exchange_listen; docs/exchange.md) on a thread of
// its own, never the ingest thread, answering queries from store snapshots. Off when
// exchange_listen is "". Stops and joins on destruction: declare it after the store and the
// metrics registry it uses. Not thread-safe: owned by main.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <prometheus/registry.h>
#include <spdlog/logger.h>

#include "kpihub/app/daemon_config.h"
#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/store/store.h"

namespace kpihub::exchange {
class ExchangeServer;
class ExchangeMetrics;
}  // namespace kpihub::exchange

namespace kpihub::app {

class ExchangeThread {
 public:
  ExchangeThread();
  ~ExchangeThread();
  // Binds the exchange socket and starts its thread, with at most `max_connections` open
  // (the descriptor plan's share). 0; 1 when exchange_listen is malformed; 4 when it cannot
  // be bound now (kpihubd's exit codes).
  int Start(const DaemonConfig& config, const std::string& server_secret_z85,
            size_t max_connections, const core::LiveConfig& live, store::Store& store,
            const core::Clock& clock, prometheus::Registry& registry,
            std::shared_ptr<spdlog::logger> log);
  // The bound endpoint (the port picked for "tcp://HOST:*"); "" when the exchange is off.
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::unique_ptr<exchange::ExchangeMetrics> metrics_;
  std::unique_ptr<exchange::ExchangeServer> server_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kpihub::app
