#include "kpihub/client/connection.h"

#include <chrono>

#include "kpihub/platform/curve_dealer.h"
#include "kpihub/platform/system_clock.h"

namespace kpihub::client {
namespace {

platform::CurveDealerOptions DealerOptions(const ConnectionOptions& o) {
  auto dealer = platform::CurveClient(o.server_public_z85, o.client_keys.public_z85,
                                      o.client_keys.secret_z85);
  dealer.heartbeat_ms = o.heartbeat_ms;
  dealer.send_timeout_ms = o.send_timeout_ms;
  return dealer;
}

}  // namespace

Connection::Connection(zmq::context_t& context, const ConnectionOptions& options)
    : socket_(platform::NewCurveDealer(context, DealerOptions(options))),
      own_clock_(options.clock ? nullptr : std::make_unique<platform::SystemClock>()),
      clock_(options.clock ? *options.clock : *own_clock_) {
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
  return SendBatch(sequence, observations, {}, sent_unix_ms, timeout_ms);
}

std::optional<wire::AckMessage> Connection::SendBatch(
    uint64_t sequence, const std::vector<core::Observation>& observations,
    const std::vector<core::PeriodAction>& actions, int64_t sent_unix_ms, int timeout_ms) {
  if (!SendFrame(wire::EncodeBatch(sequence, sent_unix_ms, observations, actions))) {
    return std::nullopt;
  }
  const int64_t deadline_us = clock_.NowSteadyMicros() + int64_t{timeout_ms} * 1000;
  while (true) {
    const int64_t left_ms = (deadline_us - clock_.NowSteadyMicros()) / 1000;
    if (left_ms <= 0) return std::nullopt;
    auto ack = ReceiveAck(static_cast<int>(left_ms));
    if (!ack) return std::nullopt;
    // A late ack of an earlier attempt, or a frame-level refusal (sequence 0), may come first.
    if (ack->sequence == sequence || ack->sequence == 0) return ack;
  }
}

}  // namespace kpihub::client
