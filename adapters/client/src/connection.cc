#include "kpihub/client/connection.h"

#include <chrono>

#include "kpihub/platform/curve_dealer.h"

namespace kpihub::client {
namespace {

platform::CurveDealerOptions DealerOptions(const ConnectionOptions& o) {
  return {.server_public_z85 = o.server_public_z85, .client_public_z85 = o.client_keys.public_z85,
          .client_secret_z85 = o.client_keys.secret_z85, .heartbeat_ms = o.heartbeat_ms};
}

}  // namespace

Connection::Connection(zmq::context_t& context, const ConnectionOptions& options)
    : socket_(platform::NewCurveDealer(context, DealerOptions(options))) {
  socket_.connect(options.endpoint);
}

bool Connection::SendFrame(const std::string& bytes) {
  return socket_.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
}

std::optional<wire::AckMessage> Connection::ReceiveAck(int timeout_ms) {
  zmq::message_t frame;
  if (!platform::ReceiveWithin(socket_, timeout_ms, &frame)) return std::nullopt;
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
