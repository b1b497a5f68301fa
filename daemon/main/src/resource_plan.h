// ResourcePlan: how kpihubd shares its file descriptors (RLIMIT_NOFILE) between the ingest
// socket's connections, the exchange socket's (when exchange_listen is set), the HTTP server
// and everything else (LMDB, logs, libzmq's own
// descriptors), so that no flood of connections can keep them exhausted: libzmq spins on
// accept() at EMFILE and stops serving, civetweb stops accepting. A burst can still reach the
// limit for a moment (libzmq accepts before the ConnectionGate refuses); the refused
// connections are closed at once. Computed once at start and logged.
// Pure functions apart from RaiseDescriptorLimit; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kpihub::app {

struct ResourcePlan {
  uint64_t descriptors = 0;       // the soft RLIMIT_NOFILE in force
  size_t ingest_connections = 0;  // ConnectionLimits::max_connections
  size_t exchange_connections = 0;  // ExchangeOptions::max_connections; 0 when it is off
  int http_threads = 0;           // civetweb workers
  int http_queue = 0;             // civetweb's accepted-connection queue
  int zmq_max_sockets = 0;        // ZMQ_MAX_SOCKETS of the context (libzmq sockets, not TCP)
};

// Descriptors kept for LMDB, the log, configuration reads and libzmq's mailboxes.
inline constexpr uint64_t kReservedDescriptors = 64;

// `exchange` when the exchange socket is on: it then gets a share before ingest.
ResourcePlan PlanResources(uint64_t descriptors, bool exchange = false);

// Raises the soft RLIMIT_NOFILE to the hard limit (systemd's default soft limit is 1024 while
// the hard one is far higher); returns the soft limit then in force.
uint64_t RaiseDescriptorLimit();

std::string Describe(const ResourcePlan& plan);

}  // namespace kpihub::app
