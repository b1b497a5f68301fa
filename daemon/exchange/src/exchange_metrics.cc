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
                    .Help("Queries the exchange refused, per reading key and reason.")
                    .Register(registry)),
      pages_(prometheus::BuildCounter()
                 .Name("kpihub_exchange_pages_total")
                 .Help("Query pages the exchange answered, per reading key.")
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

}  // namespace kpihub::exchange
