#include "kpihub/delivery/link_monitor.h"

#include <atomic>
#include <cstring>

namespace kpihub::delivery {
namespace {

std::string UniqueAddress(const void* owner) {
  static std::atomic<uint64_t> counter{0};
  char buf[96];
  std::snprintf(buf, sizeof buf, "inproc://kpihub-link-monitor-%p-%llu", owner,
                static_cast<unsigned long long>(counter.fetch_add(1)));
  return buf;
}

}  // namespace

LinkMonitor::LinkMonitor(zmq::context_t& context, zmq::socket_t& watched)
    : watched_(watched), socket_(context, zmq::socket_type::pair) {
  std::string address = UniqueAddress(this);
  int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  if (zmq_socket_monitor(watched_.handle(), address.c_str(), events) != 0) throw zmq::error_t();
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(address);
}

LinkMonitor::~LinkMonitor() { zmq_socket_monitor(watched_.handle(), nullptr, 0); }

// A monitor message is two frames: 2 bytes of event, 4 of value (for a ZAP refusal, its
// status code); then the peer's address.
LinkMonitor::Event LinkMonitor::Read() {
  zmq::message_t head, address;
  if (!socket_.recv(head, zmq::recv_flags::dontwait)) return {};
  if (head.more()) (void)socket_.recv(address, zmq::recv_flags::dontwait);
  if (head.size() < 6) return {};
  uint16_t event = 0;
  uint32_t value = 0;
  std::memcpy(&event, head.data(), sizeof event);
  std::memcpy(&value, static_cast<const char*>(head.data()) + sizeof event, sizeof value);
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return {Kind::kHandshakeSucceeded, 0};
    case ZMQ_EVENT_DISCONNECTED: return {Kind::kDisconnected, 0};
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return {Kind::kAuthRefused, value};
    default: return {Kind::kHandshakeFailed, value};
  }
}

}  // namespace kpihub::delivery
