#include "kpihub/ingest/connection_gate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace kpihub::ingest {

ConnectionGate::ConnectionGate(ConnectionLimits limits, Closer closer, Observer observer)
    : limits_(limits), closer_(std::move(closer)), observer_(std::move(observer)) {}

void ConnectionGate::OnAccepted(int fd) {
  // Events arrive in order: a descriptor reused after a DISCONNECTED is a new connection.
  refused_.erase(fd);
  if (open_.size() >= limits_.max_connections) {
    Refuse(fd, Refusal::kTotal);
    return;
  }
  open_.insert(fd);
}

void ConnectionGate::OnDisconnected(int fd) {
  open_.erase(fd);
  refused_.erase(fd);
  auto it = key_of_.find(fd);
  if (it == key_of_.end()) return;
  auto& fds = fds_of_[it->second];
  fds.erase(fd);
  if (fds.empty()) fds_of_.erase(it->second);
  key_of_.erase(it);
}

bool ConnectionGate::AdmitFrame(int fd, const std::string& public_key) {
  if (fd < 0) return true;  // not from a TCP connection (cannot happen on this socket)
  if (refused_.count(fd) != 0) return false;
  auto it = key_of_.find(fd);
  if (it != key_of_.end() && it->second == public_key) return true;
  if (it != key_of_.end()) OnDisconnected(fd);  // its DISCONNECTED event is still queued
  auto& fds = fds_of_[public_key];
  if (fds.size() >= limits_.max_per_key) {
    Refuse(fd, Refusal::kPerKey);
    return false;
  }
  fds.insert(fd);
  key_of_[fd] = public_key;
  return true;
}

void ConnectionGate::Refuse(int fd, Refusal why) {
  refused_.insert(fd);
  closer_(fd);
  uint64_t nth = why == Refusal::kTotal ? ++refused_total_ : ++refused_per_key_;
  if (observer_) observer_(why, nth);
}

void ShutDownIngestSocket(int fd, int local_port) {
  sockaddr_storage addr{};
  socklen_t size = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) return;
  int port = -1;
  if (addr.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  if (port != local_port) return;
  ::shutdown(fd, SHUT_RDWR);
}

}  // namespace kpihub::ingest
