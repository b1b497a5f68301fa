#include "kpihub/ingest/zap_authenticator.h"

#include <zmq.h>

#include <optional>

namespace kpihub::ingest {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

std::string ToZ85(const zmq::message_t& key) {
  char text[41];
  zmq_z85_encode(text, static_cast<const uint8_t*>(key.data()), 32);
  return std::string(text, 40);
}

}  // namespace

std::string EncodeZapProperty(const std::string& name, const std::string& value) {
  std::string out;
  out.push_back(static_cast<char>(name.size()));
  out += name;
  uint32_t n = static_cast<uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out += value;
  return out;
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, const core::LiveConfig& config,
                                   Observer observer)
    : socket_(context, zmq::socket_type::rep), config_(config), observer_(std::move(observer)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind(kZapEndpoint);
}

void ZapAuthenticator::HandlePending() {
  while (true) {
    std::vector<zmq::message_t> request;
    zmq::message_t part;
    if (!socket_.recv(part, zmq::recv_flags::dontwait)) return;
    request.push_back(std::move(part));
    while (request.back().more()) {
      zmq::message_t next;
      (void)socket_.recv(next);
      request.push_back(std::move(next));
    }
    HandleOne(request);
  }
}

void ZapAuthenticator::HandleOne(std::vector<zmq::message_t>& request) {
  // version, request id, domain, address, routing id, mechanism, credentials...
  if (request.size() < 6) {
    // A REP socket must answer something to stay usable; libzmq only sends well-formed ones.
    Reply("1.0", request.size() > 1 ? request[1].to_string() : "", "500", "malformed request",
          "", "");
    return;
  }
  const std::string version = request[0].to_string();
  const std::string request_id = request[1].to_string();
  const std::string mechanism = request[5].to_string();
  if (version != "1.0" || mechanism != "CURVE" || request.size() != 7 || request[6].size() != 32) {
    Reply(version, request_id, "400", "CURVE with a registered key is required", "", "");
    observer_(false, mechanism, "");
    return;
  }
  const std::string key = ToZ85(request[6]);
  auto view = config_.Get();
  const core::AdapterKey* adapter = view.registry->FindByPublicKey(key);
  if (adapter == nullptr) {
    Reply(version, request_id, "400", "unknown key", "", "");
    observer_(false, mechanism, "");
    return;
  }
  Reply(version, request_id, "200", "OK", adapter->adapter_id,
        EncodeZapProperty("X-Department", adapter->department) +
            EncodeZapProperty("X-Public-Key", key));
  observer_(true, mechanism, adapter->adapter_id);
}

void ZapAuthenticator::Reply(const std::string& version, const std::string& request_id,
                             const char* status, const char* text, const std::string& user_id,
                             const std::string& metadata) {
  socket_.send(zmq::buffer(version), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(std::string(status)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(std::string(text)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(metadata), zmq::send_flags::none);
}

}  // namespace kpihub::ingest
