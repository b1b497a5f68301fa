#include "handshake_watch.h"

#include <atomic>
#include <cstdio>
#include <cstring>

namespace kpihub::adapter {
namespace {

// A server that cannot decrypt our HELLO closes the connection at once, every time; a daemon
// that restarts mid-handshake does so once. Three in a row, with no success, is a verdict.
constexpr int kFailedHandshakesForWrongServerKey = 3;

std::string MonitorAddress(const void* owner) {
  static std::atomic<uint64_t> counter{0};
  char buf[96];
  std::snprintf(buf, sizeof buf, "inproc://kpihub-handshake-watch-%p-%llu", owner,
                static_cast<unsigned long long>(counter.fetch_add(1)));
  return buf;
}

}  // namespace

HandshakeWatch::HandshakeWatch(zmq::context_t& context, const delivery::SenderOptions& options) {
  socket_ = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
  socket_->set(zmq::sockopt::linger, 0);
  socket_->set(zmq::sockopt::curve_serverkey, options.server_public_z85);
  socket_->set(zmq::sockopt::curve_publickey, options.client_keys.public_z85);
  socket_->set(zmq::sockopt::curve_secretkey, options.client_keys.secret_z85);
  socket_->set(zmq::sockopt::reconnect_ivl, 200);
  socket_->set(zmq::sockopt::reconnect_ivl_max, 5000);
  std::string address = MonitorAddress(this);
  int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  if (zmq_socket_monitor(socket_->handle(), address.c_str(), events) != 0) throw zmq::error_t();
  monitor_ = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
  monitor_->set(zmq::sockopt::linger, 0);
  monitor_->connect(address);
  socket_->connect(options.endpoint);
}

HandshakeWatch::~HandshakeWatch() { Close(); }

void HandshakeWatch::Close() {
  if (!socket_) return;
  zmq_socket_monitor(socket_->handle(), nullptr, 0);
  monitor_.reset();
  socket_.reset();
}

Status HandshakeWatch::Check() {
  while (monitor_ && verdict_.ok()) {
    zmq::message_t head, address;
    if (!monitor_->recv(head, zmq::recv_flags::dontwait)) break;
    if (head.more()) (void)monitor_->recv(address, zmq::recv_flags::dontwait);
    if (head.size() < 6) continue;
    uint16_t event = 0;
    uint32_t value = 0;
    std::memcpy(&event, head.data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, sizeof value);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      Close();
      break;
    }
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      verdict_ = Status::PermissionDenied(
          "服务端拒绝了本适配器的密钥（ZAP 状态 " + std::to_string(value) + "）：该密钥未在服务端登记或已被吊销，"
          "请联系运维人员登记（kpihub keys） / the daemon refused this adapter's key (ZAP status " +
          std::to_string(value) + "): the key is not, or no longer, in its key registry; ask the "
          "operator to register it");
    } else if (++failed_handshakes_ >= kFailedHandshakesForWrongServerKey) {
      verdict_ = Status::PermissionDenied(
          "与服务端的加密握手一再失败：--server-key 很可能不是这台服务端的公钥 / the CURVE handshake "
          "with the daemon fails every time: --server-key is most likely not this daemon's public key");
    }
  }
  if (!verdict_.ok()) Close();
  return verdict_;
}

}  // namespace kpihub::adapter
