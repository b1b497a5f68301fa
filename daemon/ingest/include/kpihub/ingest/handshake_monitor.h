// HandshakeMonitor: watches the server socket's ZMTP handshakes (zmq_socket_monitor) and
// reports each connection that libzmq refused before any ZAP request could be made — a client
// that trusts another server key (its HELLO cannot be opened: "cryptographic"), a client
// without CURVE ("mechanism_mismatch"), or any other protocol error. Refusals by the ZAP
// handler (unknown or revoked key) are reported by ZapAuthenticator, not here. It also reports
// each connection accepted and ended, with its descriptor, for the ConnectionGate (libzmq
// allows one monitor per socket).
//
// Not thread-safe: owned and polled by the ingest thread. The watched socket must outlive it.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace kpihub::ingest {

class HandshakeMonitor {
 public:
  // Called once per refused handshake with a bounded reason ("cryptographic",
  // "mechanism_mismatch", "protocol" or "no_detail") and how many refusals of that reason
  // there have been so far, this one included (for rate-limited logging).
  using Observer = std::function<void(const std::string& reason, uint64_t nth)>;

  // Told of each connection accepted (true) or ended (false), with its descriptor.
  using ConnectionObserver = std::function<void(bool accepted, int fd)>;

  // Told of each connection closed at accept (ZMQ_EVENT_ACCEPT_FAILED: an address outside
  // ZMQ_TCP_ACCEPT_FILTER, or accept(2) failed), with how many there have been.
  using AcceptFailedObserver = std::function<void(uint64_t nth)>;

  HandshakeMonitor(zmq::context_t& context, Observer observer,
                   ConnectionObserver connections = nullptr,
                   AcceptFailedObserver accept_failed = nullptr);
  // Stops the events before the socket reading them closes.
  ~HandshakeMonitor();
  HandshakeMonitor(const HandshakeMonitor&) = delete;
  HandshakeMonitor& operator=(const HandshakeMonitor&) = delete;

  // Starts watching `server`; call before it binds.
  void Watch(zmq::socket_t& server);
  zmq::socket_t& socket() { return events_; }
  // Reads every pending event without blocking.
  void HandlePending();

 private:
  zmq::context_t& context_;
  Observer observer_;
  ConnectionObserver connections_;
  AcceptFailedObserver accept_failed_;
  uint64_t accept_failures_ = 0;
  zmq::socket_t events_;
  void* watched_ = nullptr;  // the socket given to Watch
  std::map<std::string, uint64_t> counts_;
};

// The reason reported for a ZMQ_EVENT_HANDSHAKE_FAILED_* event and its value; empty for
// events that are not handshake refusals.
std::string HandshakeFailureReason(uint16_t event, uint32_t value);

}  // namespace kpihub::ingest
