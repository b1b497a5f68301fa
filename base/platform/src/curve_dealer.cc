#include "kpihub/platform/curve_dealer.h"

#include <chrono>
#include <vector>

namespace kpihub::platform {

CurveDealerOptions CurveClient(std::string server_public_z85, std::string client_public_z85,
                               std::string client_secret_z85) {
  CurveDealerOptions options;
  options.server_public_z85 = std::move(server_public_z85);
  options.client_public_z85 = std::move(client_public_z85);
  options.client_secret_z85 = std::move(client_secret_z85);
  return options;
}

zmq::socket_t NewCurveDealer(zmq::context_t& context, const CurveDealerOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  if (options.immediate) socket.set(zmq::sockopt::immediate, 1);
  if (options.send_timeout_ms >= 0) socket.set(zmq::sockopt::sndtimeo, options.send_timeout_ms);
  if (!options.server_public_z85.empty()) {
    socket.set(zmq::sockopt::curve_serverkey, options.server_public_z85);
    socket.set(zmq::sockopt::curve_publickey, options.client_public_z85);
    socket.set(zmq::sockopt::curve_secretkey, options.client_secret_z85);
  }
  if (options.heartbeat_ms > 0) {
    socket.set(zmq::sockopt::heartbeat_ivl, options.heartbeat_ms);
    socket.set(zmq::sockopt::heartbeat_timeout, options.heartbeat_ms * 3);
  }
  if (options.reconnect_ivl_ms > 0) socket.set(zmq::sockopt::reconnect_ivl, options.reconnect_ivl_ms);
  if (options.reconnect_ivl_max_ms > 0) {
    socket.set(zmq::sockopt::reconnect_ivl_max, options.reconnect_ivl_max_ms);
  }
  return socket;
}

bool ReceiveWithin(zmq::socket_t& socket, int timeout_ms, zmq::message_t* message) {
  std::vector<zmq::pollitem_t> items = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  if (!(items[0].revents & ZMQ_POLLIN)) return false;
  return socket.recv(*message, zmq::recv_flags::dontwait).has_value();
}

}  // namespace kpihub::platform
