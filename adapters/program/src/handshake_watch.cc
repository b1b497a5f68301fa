#include "handshake_watch.h"

#include "kpihub/platform/curve_dealer.h"

namespace kpihub::adapter {
namespace {

// A server that cannot decrypt our HELLO closes the connection at once, every time; a daemon
// that restarts mid-handshake does so once. Three in a row, with no success, is a verdict.
constexpr int kFailedHandshakesForWrongServerKey = 3;

}  // namespace

HandshakeWatch::HandshakeWatch(zmq::context_t& context, const delivery::SenderOptions& options) {
  platform::CurveDealerOptions dealer = platform::CurveClient(
      options.server_public_z85, options.client_keys.public_z85, options.client_keys.secret_z85);
  dealer.reconnect_ivl_ms = 200;
  dealer.reconnect_ivl_max_ms = 5000;
  socket_ = std::make_unique<zmq::socket_t>(platform::NewCurveDealer(context, dealer));
  monitor_ = std::make_unique<delivery::LinkMonitor>(context, *socket_);
  socket_->connect(options.endpoint);
}

HandshakeWatch::~HandshakeWatch() { Close(); }

void HandshakeWatch::Close() {
  monitor_.reset();  // stops the monitor before its socket goes
  socket_.reset();
}

Status HandshakeWatch::Check() {
  while (monitor_ && verdict_.ok()) {
    const delivery::LinkMonitor::Event event = monitor_->Read();
    using Kind = delivery::LinkMonitor::Kind;
    if (event.kind == Kind::kNone) break;
    if (event.kind == Kind::kDisconnected) continue;
    if (event.kind == Kind::kHandshakeSucceeded) {
      Close();
      break;
    }
    const uint32_t value = event.status;
    if (event.kind == Kind::kAuthRefused) {
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

ReplicaHandshakes::ReplicaHandshakes(zmq::context_t& context,
                                     const delivery::SenderOptions& options) {
  if (options.replicas.empty()) {
    watches_.emplace_back("", std::make_unique<HandshakeWatch>(context, options));
    return;
  }
  for (const auto& replica : options.replicas) {
    delivery::SenderOptions one = options;
    one.endpoint = replica.endpoint;
    one.server_public_z85 = replica.server_public_z85;
    watches_.emplace_back(replica.endpoint + ": ", std::make_unique<HandshakeWatch>(context, one));
  }
}

Status ReplicaHandshakes::Check() {
  for (auto& [prefix, watch] : watches_) {
    Status s = watch->Check();
    if (!s.ok()) return prefix.empty() ? s : Status::Error(s.code(), prefix + s.message());
  }
  return Status::Ok();
}

}  // namespace kpihub::adapter
