#include "raw_dealer.h"

#include <chrono>

namespace kpihub::testing {

RawDealer::RawDealer(zmq::context_t& context, const RawDealerOptions& options)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  if (!options.server_public_z85.empty()) {
    socket_.set(zmq::sockopt::curve_serverkey, options.server_public_z85);
    socket_.set(zmq::sockopt::curve_publickey, options.client_keys.public_z85);
    socket_.set(zmq::sockopt::curve_secretkey, options.client_keys.secret_z85);
  }
  if (!options.routing_id.empty()) socket_.set(zmq::sockopt::routing_id, options.routing_id);
  socket_.connect(options.endpoint);
}

bool RawDealer::SendParts(const std::vector<std::string>& parts) {
  for (size_t i = 0; i < parts.size(); ++i) {
    auto flags = i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (!socket_.send(zmq::buffer(parts[i]), flags | zmq::send_flags::dontwait)) return false;
  }
  return true;
}

std::optional<wire::AckMessage> RawDealer::Receive(int timeout_ms) {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t frame;
  if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
  auto ack = wire::DecodeAck(frame.data(), frame.size());
  if (!ack) ++unreadable_;
  return ack;
}

}  // namespace kpihub::testing
