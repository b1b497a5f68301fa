#include "kpihub/exchange/exchange_metrics.h"

namespace kpihub::exchange {

ExchangeMetrics::ExchangeMetrics(prometheus::Registry& registry)
    : rows_(prometheus::BuildCounter()
                .Name("kpihub_exchange_rows_total")
                .Help("Rows the exchange sent, per reading key, provider department and "
                      "sharing agreement (own_data: the consumer's own indicators).")
                .Register(registry)),
      refusals_(prometheus::BuildCounter()
                    .Name("kpihub_exchange_refusals_total")
                    .Help("Queries the exchange refused, and subscriptions it refused or ended, per "
                          "reading key and reason.")
                    .Register(registry)),
      pages_(prometheus::BuildCounter()
                 .Name("kpihub_exchange_pages_total")
                 .Help("Query pages the exchange answered, per reading key.")
                 .Register(registry)),
      zap_(prometheus::BuildCounter()
               .Name("kpihub_exchange_zap_requests_total")
               .Help("ZAP requests of the exchange socket, by mechanism and result (denied: "
                     "not a registered reading key, or not CURVE).")
               .Register(registry)),
      handshake_failures_(prometheus::BuildCounter()
                              .Name("kpihub_exchange_handshake_failures_total")
                              .Help("Exchange connections refused in the handshake before ZAP "
                                    "(another server key, no CURVE), by reason.")
                              .Register(registry)),
      connections_refused_(prometheus::BuildCounter()
                               .Name("kpihub_exchange_connections_refused_total")
                               .Help("Exchange connections closed by the connection limits, by "
                                     "reason (total_limit, per_key_limit), or at accept "
                                     "(at_accept: accept failed).")
                               .Register(registry)),
      open_connections_(prometheus::BuildGauge()
                            .Name("kpihub_exchange_connections")
                            .Help("Open exchange connections (handshaking or authenticated).")
                            .Register(registry)
                            .Add({})),
      subscriptions_(prometheus::BuildGauge()
                         .Name("kpihub_exchange_subscriptions")
                         .Help("Subscriptions open on the exchange socket.")
                         .Register(registry)
                         .Add({})),
      subscriptions_ended_(prometheus::BuildCounter()
                               .Name("kpihub_exchange_subscriptions_ended_total")
                               .Help("Subscriptions the daemon ended or refused, by reason "
                                     "(a reload that removed access, idle, limits...).")
                               .Register(registry)) {}

void ExchangeMetrics::RowsServed(const std::string& consumer, const std::string& provider,
                                 const std::string& agreement, uint64_t rows) {
  rows_.Add({{"consumer", consumer}, {"provider", provider}, {"agreement", agreement}})
      .Increment(static_cast<double>(rows));
}

void ExchangeMetrics::Refused(const std::string& consumer, wire::QueryRefusal reason) {
  refusals_.Add({{"consumer", consumer}, {"reason", std::string(wire::QueryRefusalName(reason))}})
      .Increment();
}

void ExchangeMetrics::Answered(const std::string& consumer) {
  pages_.Add({{"consumer", consumer}}).Increment();
}

void ExchangeMetrics::CountZap(bool allowed, const std::string& mechanism) {
  zap_.Add({{"mechanism", mechanism}, {"result", allowed ? "allowed" : "denied"}}).Increment();
}

void ExchangeMetrics::CountHandshakeFailure(const std::string& reason) {
  handshake_failures_.Add({{"reason", reason}}).Increment();  // a closed set of four
}

void ExchangeMetrics::CountConnectionRefused(const std::string& reason) {
  connections_refused_.Add({{"reason", reason}}).Increment();
}

void ExchangeMetrics::SetOpenConnections(size_t n) {
  open_connections_.Set(static_cast<double>(n));
}

}  // namespace kpihub::exchange

namespace kpihub::exchange {

void ExchangeMetrics::SetSubscriptions(size_t n) { subscriptions_.Set(static_cast<double>(n)); }

void ExchangeMetrics::SubscriptionEnded(wire::QueryRefusal reason) {
  subscriptions_ended_.Add({{"reason", std::string(wire::QueryRefusalName(reason))}}).Increment();
}

}  // namespace kpihub::exchange
