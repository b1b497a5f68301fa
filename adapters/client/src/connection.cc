#include "kpihub/client/connection.h"

#include <chrono>

namespace kpihub::client {

Connection::Connection(zmq::context_t& context, const ConnectionOptions& options)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndtimeo, options.send_timeout_ms);
  socket_.set(zmq::sockopt::curve_serverkey, options.server_public_z85);
  socket_.set(zmq::sockopt::curve_publickey, options.client_keys.public_z85);
  socket_.set(zmq::sockopt::curve_secretkey, options.client_keys.secret_z85);
  socket_.set(zmq::sockopt::heartbeat_ivl, options.heartbeat_ms);
  socket_.set(zmq::sockopt::heartbeat_timeout, options.heartbeat_ms * 3);
  socket_.connect(options.endpoint);
}

bool Connection::SendFrame(const std::string& bytes) {
  return socket_.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
}

std::optional<wire::AckMessage> Connection::ReceiveAck(int timeout_ms) {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t frame;
  if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
  return wire::DecodeAck(frame.data(), frame.size());
}

std::optional<wire::AckMessage> Connection::SendBatch(
    uint64_t sequence, const std::vector<core::Observation>& observations, int64_t sent_unix_ms,
    int timeout_ms) {
  if (!SendFrame(wire::EncodeBatch(sequence, sent_unix_ms, observations))) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto ack = ReceiveAck(static_cast<int>(left.count()));
    if (!ack) return std::nullopt;
    // A late ack of an earlier attempt, or a frame-level refusal (sequence 0), may come first.
    if (ack->sequence == sequence || ack->sequence == 0) return ack;
  }
}

}  // namespace kpihub::client
