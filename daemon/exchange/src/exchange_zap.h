// The exchange's ZAP handler (RFC 27): in the exchange's own ZeroMQ context, it admits only
// CURVE clients of domain "kpihub-exchange" whose public key the registry in force lists as a
// reading key ([[consumer]]), and names the consumer id (User-Id), its department
// (X-Department) and the key (X-Public-Key). A writing key is refused here, as a reading key
// is refused by the ingest socket's handler. Not thread-safe: the exchange thread's.
#pragma once

#include <zmq.hpp>

#include <functional>
#include <string>
#include <vector>

#include "kpihub/core/live_config.h"

namespace kpihub::exchange {

inline constexpr const char* kExchangeZapDomain = "kpihub-exchange";

// Told of each answer: admitted or not, the mechanism libzmq named (NULL, PLAIN, CURVE...;
// "malformed" for a request libzmq would not send) and the consumer id when admitted.
using ZapObserver =
    std::function<void(bool admitted, const std::string& mechanism, const std::string& consumer)>;

// Answers every ZAP request waiting on `socket` (a REP bound to inproc://zeromq.zap.01).
// Returns how many it refused.
int AnswerZapRequests(zmq::socket_t& socket, const core::LiveConfig& config,
                      const ZapObserver& observer = nullptr);

}  // namespace kpihub::exchange
