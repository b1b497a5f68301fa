// RawDealer: a bare ZeroMQ DEALER for tests that must send what no well-behaved client sends —
// any bytes, several parts, a chosen routing id, no CURVE at all — and read the raw acks.
// Not thread-safe (one ZeroMQ socket).
#pragma once

#include <zmq.hpp>

#include <optional>
#include <string>
#include <vector>

#include "kpihub/wire/codec.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::testing {

struct RawDealerOptions {
  std::string endpoint;
  std::string server_public_z85;  // empty: no CURVE (a plaintext NULL-mechanism client)
  wire::CurveKeyPair client_keys;
  std::string routing_id;  // empty: let the ROUTER pick one
};

class RawDealer {
 public:
  RawDealer(zmq::context_t& context, const RawDealerOptions& options);

  bool Send(const std::string& frame) { return SendParts({frame}); }
  bool SendParts(const std::vector<std::string>& parts);
  // The next ack within `timeout_ms`; nullopt on timeout (or an unreadable answer, which a
  // test treats as a failure: see `unreadable()`).
  std::optional<wire::AckMessage> Receive(int timeout_ms);
  int unreadable() const { return unreadable_; }

 private:
  zmq::socket_t socket_;
  int unreadable_ = 0;
};

}  // namespace kpihub::testing
