// HandshakeWatch: tells a refused key, or a wrong server key, from a daemon that is merely
// unreachable, within seconds. The sender's DEALER cannot: libzmq keeps reconnecting after a
// failed CURVE handshake and the batches just wait, so a revoked key used to look like a
// network outage until the deadline (exit 3). The watch opens a second DEALER with the same
// keys (platform::NewCurveDealer), sends nothing, and reads its delivery::LinkMonitor:
//  - ZMQ_EVENT_HANDSHAKE_FAILED_AUTH (the daemon's ZAP handler answered 400): the daemon does
//    not know this adapter's key;
//  - the handshake failing repeatedly without detail (the daemon cannot open our HELLO and
//    closes the connection): --server-key is not this daemon's public key.
// After the first successful handshake the watch closes its socket; a key revoked later is
// reported by the daemon in its acks (`unauthorized`). Not thread-safe; lives on the thread
// that drains the sender.
#pragma once

#include <zmq.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kpihub/core/status.h"
#include "kpihub/delivery/durable_sender.h"
#include "kpihub/delivery/link_monitor.h"

namespace kpihub::adapter {

class HandshakeWatch {
 public:
  HandshakeWatch(zmq::context_t& context, const delivery::SenderOptions& options);
  ~HandshakeWatch();

  // Reads pending monitor events without blocking. PermissionDenied once the daemon has
  // refused the key or the server key is wrong (and from then on); OK otherwise.
  Status Check();

 private:
  void Close();
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<delivery::LinkMonitor> monitor_;
  Status verdict_;
  int failed_handshakes_ = 0;
};

// A HandshakeWatch per daemon the sender delivers to (one, or each replica of a pair); with
// replicas a verdict names the replica's endpoint. Not thread-safe, like the watch.
class ReplicaHandshakes {
 public:
  ReplicaHandshakes(zmq::context_t& context, const delivery::SenderOptions& options);
  Status Check();

 private:
  std::vector<std::pair<std::string, std::unique_ptr<HandshakeWatch>>> watches_;
};

}  // namespace kpihub::adapter
