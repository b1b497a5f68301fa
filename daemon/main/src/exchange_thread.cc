#include "exchange_thread.h"

#include "kpihub/app/listen_address.h"
#include "kpihub/exchange/exchange_server.h"

namespace kpihub::app {

ExchangeThread::ExchangeThread() = default;

ExchangeThread::~ExchangeThread() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

int ExchangeThread::Start(const DaemonConfig& config, const std::string& server_secret_z85,
                          size_t max_connections, const core::LiveConfig& live, store::Store& store,
                          const core::Clock& clock, prometheus::Registry& registry,
                          std::shared_ptr<spdlog::logger> log) {
  if (config.exchange_listen.empty()) return 0;
  if (Status endpoint = CheckIngestEndpoint(config.exchange_listen); !endpoint.ok()) {
    log->error("exchange_listen: {}", endpoint.message());
    return 1;
  }
  exchange::ExchangeOptions options;
  options.endpoint = config.exchange_listen;
  options.server_secret_z85 = server_secret_z85;
  options.engine.min_cell_entities = config.min_cell_entities;
  options.max_connections = max_connections;
  options.max_per_key = config.max_connections_per_key;  // the same bound as a writing key's
  options.subscriptions.max_subscriptions = config.exchange_max_subscriptions;
  options.subscriptions.heartbeat_ms = config.exchange_heartbeat_ms;
  options.subscriptions.idle_ms = config.exchange_subscription_idle_ms;
  metrics_ = std::make_unique<exchange::ExchangeMetrics>(registry);
  server_ = std::make_unique<exchange::ExchangeServer>(options, live, store, clock, *metrics_, log);
  try {
    server_->Start();
  } catch (const std::exception& e) {
    log->error("cannot bind the exchange socket on {} (exchange_listen): {}; is the address "
               "configured on this host and the port free? (exit 4: systemd retries)",
               config.exchange_listen, e.what());
    return 4;
  }
  endpoint_ = server_->bound_endpoint();
  log->info("exchange ready endpoint={} reading_keys={} connections<={} connections_per_key<={} "
            "subscriptions<={} heartbeat_ms={} subscription_idle_ms={}",
            endpoint_, live.Get().registry->consumers().size(), options.max_connections,
            options.max_per_key, options.subscriptions.max_subscriptions,
            options.subscriptions.heartbeat_ms, options.subscriptions.idle_ms);
  thread_ = std::thread([this] { server_->Run(stop_); });
  return 0;
}

}  // namespace kpihub::app
