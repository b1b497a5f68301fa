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

HandshakeMonitor::HandshakeMonitor(zmq::context_t& context, Observer observer,
                                   ConnectionObserver connections,
                                   AcceptFailedObserver accept_failed)
    : context_(context),
      observer_(std::move(observer)),
      connections_(std::move(connections)),
      accept_failed_(std::move(accept_failed)) {}

// Once nobody reads the events, libzmq's I/O thread blocks for ever on the first one its full
// queue cannot take (holding the socket's monitor lock; the context can then not terminate).
// So the events are stopped before `events_` closes, after reading what is queued: a send
// blocked on a full queue completes and releases the lock the stop takes.
HandshakeMonitor::~HandshakeMonitor() {
  if (watched_ == nullptr) return;
  zmq_msg_t message;
  zmq_msg_init(&message);
  while (zmq_msg_recv(&message, events_.handle(), ZMQ_DONTWAIT) >= 0) {
  }
  zmq_msg_close(&message);
  (void)zmq_socket_monitor(watched_, nullptr, 0);
}

void HandshakeMonitor::Watch(zmq::socket_t& server) {
  // The failures (successes and ZAP refusals are counted where they are decided), and the
  // connections' lifetimes for the connection limits (one monitor per socket in libzmq).
  int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
  if (connections_) events |= ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED;
  if (accept_failed_) events |= ZMQ_EVENT_ACCEPT_FAILED;
  if (zmq_socket_monitor(server.handle(), kMonitorEndpoint, events) != 0) {
    throw zmq::error_t();
  }
  events_ = zmq::socket_t(context_, zmq::socket_type::pair);
  events_.set(zmq::sockopt::linger, 0);
  events_.connect(kMonitorEndpoint);
  watched_ = server.handle();
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
    if (connections_ && (event == ZMQ_EVENT_ACCEPTED || event == ZMQ_EVENT_DISCONNECTED)) {
      connections_(event == ZMQ_EVENT_ACCEPTED, static_cast<int>(value));
      continue;
    }
    if (accept_failed_ && event == ZMQ_EVENT_ACCEPT_FAILED) {
      accept_failed_(++accept_failures_);
      continue;
    }
    std::string reason = HandshakeFailureReason(event, value);
    if (!reason.empty()) observer_(reason, ++counts_[reason]);
  }
}

}  // namespace kpihub::ingest
