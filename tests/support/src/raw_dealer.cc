#include "kpihub/testing/raw_dealer.h"

#include <chrono>

#include "kpihub/platform/curve_dealer.h"

namespace kpihub::testing {

RawDealer::RawDealer(zmq::context_t& context, const RawDealerOptions& options)
    : socket_(platform::NewCurveDealer(
          context, platform::CurveClient(options.server_public_z85, options.client_keys.public_z85,
                                         options.client_keys.secret_z85))) {
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
  zmq::message_t frame;
  if (!platform::ReceiveWithin(socket_, timeout_ms, &frame)) return std::nullopt;
  auto ack = wire::DecodeAck(frame.data(), frame.size());
  if (!ack) ++unreadable_;
  return ack;
}

}  // namespace kpihub::testing
