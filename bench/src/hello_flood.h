// HelloFlood: the attacker of the HELLO-flood scenario, as a process of its own. N DEALER
// sockets speak CURVE to the daemon but trust another server key (they hold no credentials),
// so every handshake fails at the daemon's first decryption; libzmq reconnects each one after
// its reconnect interval, over and over, until the process is told to stop.
#pragma once

#include <string>

namespace kpihub::bench {

struct HelloFloodOptions {
  std::string endpoint;  // "tcp://127.0.0.2:0;127.0.0.1:7730" connects from 127.0.0.2
  int clients = 1000;
  int cpu = -1;          // pin the process to this CPU (sched_setaffinity); -1: anywhere
  double seconds = 0;    // stop after this long; 0: at SIGTERM or SIGINT
};

// Runs the flood; returns an error message, empty on success.
std::string RunHelloFlood(const HelloFloodOptions& options);

}  // namespace kpihub::bench
