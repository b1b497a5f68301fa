// CURVE DEALER setup: the client side of kpihubd's ROUTER, configured the one way every
// client (the adapter's sender, the push client, the tools and the tests) needs it. The
// socket is returned unconnected so that a caller can attach a monitor before connecting.
// Not thread-safe: a ZeroMQ socket belongs to one thread.
#pragma once

#include <zmq.hpp>

#include <string>

namespace kpihub::platform {

struct CurveDealerOptions {
  std::string server_public_z85;  // empty: no CURVE (only tests send plaintext)
  std::string client_public_z85;
  std::string client_secret_z85;
  int heartbeat_ms = 0;            // > 0: ZMTP heartbeats; a silent peer is dropped after 3x
  bool immediate = false;          // refuse to queue messages while there is no session
  int reconnect_ivl_ms = 0;        // > 0: first reconnect interval
  int reconnect_ivl_max_ms = 0;    // > 0: cap of the doubling reconnect interval
  int send_timeout_ms = -1;        // >= 0: a send gives up after this long (ZMQ_SNDTIMEO)
};

// Options with the CURVE keys set and everything else at its default.
CurveDealerOptions CurveClient(std::string server_public_z85, std::string client_public_z85,
                               std::string client_secret_z85);

// A DEALER with linger 0 and the options above, not yet connected.
zmq::socket_t NewCurveDealer(zmq::context_t& context, const CurveDealerOptions& options);

// Waits up to `timeout_ms` for the next message on `socket` and moves it into *message;
// false when none came in time.
bool ReceiveWithin(zmq::socket_t& socket, int timeout_ms, zmq::message_t* message);

}  // namespace kpihub::platform
