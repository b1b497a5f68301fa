// ZapAuthenticator: the ZeroMQ ZAP handler (RFC 27) that admits only CURVE clients whose
// public key is in the key registry in force. It names the adapter in the User-Id and its
// department in the "X-Department" metadata property. It must be bound before the server
// socket: a CURVE server with no ZAP handler accepts every key.
//
// Not thread-safe: owned and polled by the ingest thread.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "kpihub/core/live_config.h"

namespace kpihub::ingest {

class ZapAuthenticator {
 public:
  // Outcome callback for metrics and logs: (allowed, mechanism, adapter id or "").
  using Observer = std::function<void(bool, const std::string&, const std::string&)>;

  ZapAuthenticator(zmq::context_t& context, const core::LiveConfig& config, Observer observer);

  zmq::socket_t& socket() { return socket_; }
  // Answers every pending request without blocking.
  void HandlePending();

 private:
  void HandleOne(std::vector<zmq::message_t>& request);
  void Reply(const std::string& version, const std::string& request_id, const char* status,
             const char* text, const std::string& user_id, const std::string& metadata);

  zmq::socket_t socket_;
  const core::LiveConfig& config_;
  Observer observer_;
};

// ZMTP metadata encoding of one property (name length byte, name, 4-byte BE length, value).
std::string EncodeZapProperty(const std::string& name, const std::string& value);

}  // namespace kpihub::ingest
