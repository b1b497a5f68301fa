#include "exchange_zap.h"

#include <zmq.h>

#include "kpihub/ingest/zap_authenticator.h"

namespace kpihub::exchange {
namespace {

void Reply(zmq::socket_t& socket, const std::string& version, const std::string& request_id,
           const char* status, const char* text, const std::string& user_id,
           const std::string& metadata) {
  socket.send(zmq::buffer(version), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(std::string(status)), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(std::string(text)), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(metadata), zmq::send_flags::none);
}

// true when admitted; the consumer id in *consumer.
bool AnswerOne(zmq::socket_t& socket, std::vector<zmq::message_t>& request,
               const core::LiveConfig& config, std::string* consumer_id) {
  // version, request id, domain, address, routing id, mechanism, credentials...
  const std::string version = request.size() > 0 ? request[0].to_string() : "1.0";
  const std::string request_id = request.size() > 1 ? request[1].to_string() : "";
  if (request.size() != 7 || version != "1.0" || request[2].to_string() != kExchangeZapDomain ||
      request[5].to_string() != "CURVE" || request[6].size() != 32) {
    Reply(socket, version, request_id, "400", "CURVE with a registered reading key is required",
          "", "");
    return false;
  }
  char text[41];
  zmq_z85_encode(text, static_cast<const uint8_t*>(request[6].data()), 32);
  const std::string key(text, 40);
  auto view = config.Get();
  const core::AdapterKey* consumer = view.registry->FindConsumerByPublicKey(key);
  if (consumer == nullptr) {
    Reply(socket, version, request_id, "400", "not a registered reading key", "", "");
    return false;
  }
  *consumer_id = consumer->adapter_id;
  Reply(socket, version, request_id, "200", "OK", consumer->adapter_id,
        ingest::EncodeZapProperty("X-Department", consumer->department) +
            ingest::EncodeZapProperty("X-Public-Key", key));
  return true;
}

}  // namespace

int AnswerZapRequests(zmq::socket_t& socket, const core::LiveConfig& config,
                      const ZapObserver& observer) {
  int refused = 0;
  while (true) {
    std::vector<zmq::message_t> request;
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) return refused;
    request.push_back(std::move(part));
    while (request.back().more()) {
      zmq::message_t next;
      (void)socket.recv(next);
      request.push_back(std::move(next));
    }
    const std::string mechanism = request.size() > 5 ? request[5].to_string() : "malformed";
    std::string consumer;
    const bool admitted = AnswerOne(socket, request, config, &consumer);
    if (!admitted) ++refused;
    if (observer) observer(admitted, mechanism, consumer);
  }
}

}  // namespace kpihub::exchange
