// LinkMonitor: watches a ZeroMQ socket's connection events (libzmq socket monitor over an
// inproc PAIR socket). The durable sender uses it to resend what was in flight as soon as a
// new CURVE handshake succeeds, instead of waiting for the ack timeout; the adapter's
// handshake watch uses it to tell a refused key (the daemon's ZAP handler answered with a
// status) from other failed handshakes. Not thread-safe; lives beside the socket it watches,
// on the same thread.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <string>

namespace kpihub::delivery {

class LinkMonitor {
 public:
  LinkMonitor(zmq::context_t& context, zmq::socket_t& watched);
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  enum class Kind {
    kNone,                // nothing pending
    kHandshakeSucceeded,  // a CURVE session is up
    kDisconnected,
    kAuthRefused,         // the server's ZAP handler refused the key; `status` is its code
    kHandshakeFailed,     // any other failed handshake (e.g. the server cannot open our HELLO)
  };
  struct Event {
    Kind kind = Kind::kNone;
    uint32_t status = 0;
  };
  // Reads one pending event without blocking.
  Event Read();
  void* handle() { return socket_.handle(); }

 private:
  zmq::socket_t& watched_;
  zmq::socket_t socket_;
};

}  // namespace kpihub::delivery
