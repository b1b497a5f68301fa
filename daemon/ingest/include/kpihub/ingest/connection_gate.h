// ConnectionGate: bounds the ingest socket's connections — in total, so that descriptors
// never run out (libzmq spins on accept() at EMFILE and the process stops serving), and per
// adapter key, so that one key cannot multiply the frames libzmq buffers for it. libzmq has
// no connection limit of its own, so the gate works from the socket monitor's events (each
// names the connection's descriptor) and from ZMQ_SRCFD of received frames, and refuses a
// connection by shutting its socket down: libzmq sees the end of the stream and closes it.
//
// Memory bound that follows: a key holds at most max_per_key connections, and each buffers at
// most the socket's ZMQ_RCVHWM frames of at most twice max_frame_bytes (ZMQ_MAXMSGSIZE).
//
// Not thread-safe: owned by the ingest thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

namespace kpihub::ingest {

struct ConnectionLimits {
  size_t max_connections = 1000;  // open ingest connections, handshaking or not
  size_t max_per_key = 4;         // authenticated connections of one adapter key
};

class ConnectionGate {
 public:
  enum class Refusal { kTotal, kPerKey };
  // Closes a refused connection; the default shuts the socket down (see ShutDownIngestSocket).
  using Closer = std::function<void(int fd)>;
  // Told of each refusal, with how many of that kind there have been (for rate-limited logs).
  using Observer = std::function<void(Refusal, uint64_t nth)>;

  ConnectionGate(ConnectionLimits limits, Closer closer, Observer observer);

  // Monitor events: a connection was accepted / has ended.
  void OnAccepted(int fd);
  void OnDisconnected(int fd);
  // A frame arrived on `fd` from `public_key`: false when the connection is refused (it is
  // being closed; drop the frame without an answer).
  bool AdmitFrame(int fd, const std::string& public_key);

  size_t open_connections() const { return open_.size(); }
  // Authenticated connections of `public_key` that have sent a frame.
  size_t ConnectionsOf(const std::string& public_key) const {
    auto it = fds_of_.find(public_key);
    return it == fds_of_.end() ? 0 : it->second.size();
  }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  void Refuse(int fd, Refusal why);

  ConnectionLimits limits_;
  Closer closer_;
  Observer observer_;
  std::set<int> open_;
  std::set<int> refused_;                      // closing: frames still queued are dropped
  std::map<int, std::string> key_of_;          // authenticated connections
  std::map<std::string, std::set<int>> fds_of_;
  uint64_t refused_total_ = 0, refused_per_key_ = 0;
};

// shutdown(2)s `fd` if it is still a TCP socket bound to `local_port` (the monitor's event may
// arrive after the descriptor was closed and reused by something else).
void ShutDownIngestSocket(int fd, int local_port);

}  // namespace kpihub::ingest
