// LinkMonitor: watches a ZeroMQ socket's connection events (libzmq socket monitor over an
// inproc PAIR socket) so that the sender can resend what was in flight as soon as a new CURVE
// handshake succeeds, instead of waiting for the ack timeout. Not thread-safe; lives beside the
// socket it watches, on the same thread.
#pragma once

#include <zmq.hpp>

#include <string>

namespace kpihub::delivery {

class LinkMonitor {
 public:
  LinkMonitor(zmq::context_t& context, zmq::socket_t& watched);
  ~LinkMonitor();

  enum class Event { kNone, kHandshakeSucceeded, kDisconnected, kHandshakeFailed };
  // Reads one pending event without blocking.
  Event Read();
  void* handle() { return socket_.handle(); }

 private:
  zmq::socket_t& watched_;
  zmq::socket_t socket_;
};

}  // namespace kpihub::delivery
