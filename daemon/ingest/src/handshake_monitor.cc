#include "kpihub/ingest/handshake_monitor.h"

#include <zmq.h>

#include <cstring>

namespace kpihub::ingest {
namespace {

constexpr const char* kMonitorEndpoint = "inproc://kpihub.handshake-monitor";

}  // namespace

std::string HandshakeFailureReason(uint16_t event, uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) return "no_detail";
  if (event != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) return "";
  if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC) return "cryptographic";
  if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) return "mechanism_mismatch";
  return "protocol";
}

HandshakeMonitor::HandshakeMonitor(zmq::context_t& context, Observer observer)
    : context_(context), observer_(std::move(observer)) {}

void HandshakeMonitor::Watch(zmq::socket_t& server) {
  // Only the failures: successes and ZAP refusals are counted where they are decided.
  if (zmq_socket_monitor(server.handle(), kMonitorEndpoint,
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0) {
    throw zmq::error_t();
  }
  events_ = zmq::socket_t(context_, zmq::socket_type::pair);
  events_.set(zmq::sockopt::linger, 0);
  events_.connect(kMonitorEndpoint);
}

void HandshakeMonitor::HandlePending() {
  if (!events_) return;
  while (true) {
    // Each event is two parts: 2 bytes event id + 4 bytes value, then the endpoint.
    zmq::message_t header;
    if (!events_.recv(header, zmq::recv_flags::dontwait)) return;
    while (header.more()) {
      zmq::message_t rest;
      (void)events_.recv(rest);
      if (!rest.more()) break;
    }
    if (header.size() < 6) continue;
    uint16_t event;
    uint32_t value;
    std::memcpy(&event, header.data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(header.data()) + 2, sizeof value);
    std::string reason = HandshakeFailureReason(event, value);
    if (!reason.empty()) observer_(reason, ++counts_[reason]);
  }
}

}  // namespace kpihub::ingest
