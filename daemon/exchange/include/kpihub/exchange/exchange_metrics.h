// ExchangeMetrics: what the exchange served and refused, registered in a prometheus-cpp
// Registry. Labels come from the key registry (consumer ids), the catalogue (provider
// departments, agreement codes) and the closed set of refusal reasons: bounded, and never an
// enterprise id. Thread-safe (prometheus-cpp metrics are).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

#include "kpihub/wire/query_codec.h"

namespace kpihub::exchange {

class ExchangeMetrics {
 public:
  explicit ExchangeMetrics(prometheus::Registry& registry);

  // Rows sent to `consumer` from `provider`'s figures under `agreement` ("own_data").
  void RowsServed(const std::string& consumer, const std::string& provider,
                  const std::string& agreement, uint64_t rows);
  void Refused(const std::string& consumer, wire::QueryRefusal reason);
  // Pages answered (not refused).
  void Answered(const std::string& consumer);
  // The socket's defences, as the ingest socket's: ZAP answers (mechanism from libzmq, a
  // closed set), handshakes refused before ZAP (HandshakeFailureReason), connections closed
  // by the limits (total_limit, per_key_limit, at_accept) and connections open.
  void CountZap(bool allowed, const std::string& mechanism);
  void CountHandshakeFailure(const std::string& reason);
  void CountConnectionRefused(const std::string& reason);
  void SetOpenConnections(size_t n);
  // Subscriptions open now, and those ended by the daemon (kind ended) per reason.
  void SetSubscriptions(size_t n);
  void SubscriptionEnded(wire::QueryRefusal reason);

 private:
  prometheus::Family<prometheus::Counter>& rows_;
  prometheus::Family<prometheus::Counter>& refusals_;
  prometheus::Family<prometheus::Counter>& pages_;
  prometheus::Family<prometheus::Counter>& zap_;
  prometheus::Family<prometheus::Counter>& handshake_failures_;
  prometheus::Family<prometheus::Counter>& connections_refused_;
  prometheus::Gauge& open_connections_;
  prometheus::Gauge& subscriptions_;
  prometheus::Family<prometheus::Counter>& subscriptions_ended_;
};

}  // namespace kpihub::exchange
