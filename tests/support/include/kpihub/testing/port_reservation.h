// PortReservation: a loopback TCP port the test owns until the object goes, so a server it
// starts, stops and starts again (kpihubd, a scripted daemon) gets the same port every time.
// Not thread-safe; movable, not copyable.
//
// Why not bind to port 0, read the port and close the socket ("bind-then-close")? Between
// the close and the server's bind the port is free: the kernel may give it to any socket as
// its ephemeral port, e.g. to an adapter's reconnect as its source port — a TCP
// self-connect to the very address the server is about to bind — and the restart fails.
//
// What is held instead is a TCP socket bound to 127.0.0.1:<port> with SO_REUSEADDR and never
// listening. On Linux, while it is held:
//  - another socket with SO_REUSEADDR binds and listens on the same port (libzmq's TCP
//    listener and civetweb, kpihubd's ingest and metrics servers, both set it);
//  - the kernel never picks the port for a bind to port 0 nor as a connect() source port;
//  - a bind without SO_REUSEADDR is refused, and a connect while no server listens is
//    refused (nothing accepts on a socket that does not listen).
// port_reservation_test checks each of these.
#pragma once

#include <string>

namespace kpihub::testing {

class PortReservation {
 public:
  // Binds a fresh loopback port; throws std::runtime_error if none can be bound.
  PortReservation();
  ~PortReservation();
  PortReservation(PortReservation&& other) noexcept;
  PortReservation& operator=(PortReservation&& other) noexcept;
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  int port() const { return port_; }
  std::string host_port() const;     // "127.0.0.1:PORT" (metrics_listen's form)
  std::string tcp_endpoint() const;  // "tcp://127.0.0.1:PORT" (listen's form)
  // Gives the port back now (a test showing what happens without the reservation).
  void Release();

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace kpihub::testing
