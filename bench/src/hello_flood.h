// HelloFlood: the attacker of the HELLO-flood scenario, as a process of its own. N DEALER
// sockets speak CURVE to the daemon but trust another server key (they hold no credentials),
// so every handshake fails at the daemon's first decryption; libzmq reconnects each one after
// its reconnect interval, over and over, until the process is told to stop.
//
// With `raw`, the clients are bare TCP connections that send a ZMTP greeting and a HELLO of
// random bytes, read until the daemon closes, and connect again at once: the daemon does the
// same work as for a libzmq client with a wrong key (its decryption of the HELLO fails), but
// the attacker does no Curve work, so one CPU of it stands for many hosts.
#pragma once

#include <cstdint>
#include <string>

namespace kpihub::bench {

struct HelloFloodOptions {
  std::string endpoint;  // "tcp://127.0.0.2:0;127.0.0.1:7730" connects from 127.0.0.2
  int clients = 1000;
  int cpu = -1;          // pin the process to this CPU (sched_setaffinity); -1: anywhere
  double seconds = 0;    // stop after this long; 0: at SIGTERM or SIGINT
  bool raw = false;
};

// Connections the raw flood completed (sent its HELLO and saw closed) before it stopped.
struct HelloFloodResult {
  std::string error;
  uint64_t attempts = 0;  // raw mode only
};

HelloFloodResult RunHelloFlood(const HelloFloodOptions& options);

}  // namespace kpihub::bench
