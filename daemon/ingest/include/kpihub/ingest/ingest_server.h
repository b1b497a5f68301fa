// IngestServer: receives batches on the ROUTER socket (CURVE server), authenticates and
// validates each, applies a group of them in one durable commit, then acks each batch. An ack
// is sent only after the commit that applied it returned success.
//
// Two threads: the network thread (network_loop.h) owns the socket, drains it into a bounded
// FrameQueue and sends the acks; the ingest thread (the caller of Run) decodes, validates,
// commits and posts the acks. Start and Run are called from the one ingest thread. LiveConfig
// may be swapped from another thread at any time; each group uses the view taken at its start.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/ingest/batch_intake.h"
#include "kpihub/ingest/connection_gate.h"
#include "kpihub/ingest/frame_queue.h"
#include "kpihub/ingest/ingest_metrics.h"
#include "kpihub/store/store.h"

namespace kpihub::ingest {

struct IngestOptions {
  std::string endpoint = "tcp://127.0.0.1:7730";  // "tcp://127.0.0.1:*" picks a free port
  std::string server_secret_z85;
  wire::DecodeLimits limits;
  size_t max_group_batches = 512;  // frames folded into one commit at most
  // Observations in one commit at most (the frame that crosses it is still taken whole).
  // This bounds the daemon's memory outside LMDB's map: besides the decoded batches, LMDB
  // keeps a malloc'd copy of every page the write transaction dirties (and reuses, never
  // frees, them), about 7 KB per observation with scattered keys, so 10,000 keeps the
  // process well under 100 MB whatever the window of the adapters; a commit more per
  // 10,000 observations costs one fsync against hundreds of milliseconds of B-tree work.
  size_t max_group_observations = 10000;
  int poll_timeout_ms = 100;  // how often the stop flag and the watchdog are checked
  // How often stale LMDB reader slots are cleared (Store::CheckReaders); 0 = never.
  int reader_check_interval_ms = 2000;
  int send_hwm = 100000;      // acks queued per peer before they are dropped (peer not reading)
  // Frames queued per connection inside libzmq before it stops reading it (each up to twice
  // limits.max_frame_bytes). The network thread takes frames off as they arrive, so these
  // queues fill only while it is not scheduled; kpihubd derives it from a byte budget
  // (ReceiveHwmFor).
  int receive_hwm = 64;
  ConnectionLimits connections;
  // What received frames may hold in memory before they are applied (frame_queue.h).
  QueueLimits queue;
  // A connection that has not completed its handshake in this time is closed.
  int handshake_timeout_ms = 10000;
  // IPv4 addresses or networks ("10.12.0.0/16") a connection may come from; empty: any. A
  // connection from elsewhere is closed at accept, before any CURVE work (ZMQ_TCP_ACCEPT_FILTER).
  std::vector<std::string> accept_from;
};

// Never below this: libzmq 4.3.4 aborts (assertion !_io_error, stream_engine_base.cpp) when a
// connection whose queue reached ZMQ_RCVHWM goes away while a heartbeat is due or buffered.
// A well-behaved adapter never has more than its window (8 for the reference client) queued,
// so with this floor only a sender that floods its own connection can reach the HWM.
inline constexpr uint64_t kMinReceiveHwm = 64;

// The ZMQ_RCVHWM that keeps one connection's queued frames within `budget_bytes` given the
// largest frame libzmq lets through (2 x max_frame_bytes); at least kMinReceiveHwm, at most
// 1000.
int ReceiveHwmFor(uint64_t budget_bytes, uint64_t max_frame_bytes);

class NetworkLoop;

class IngestServer {
 public:
  IngestServer(zmq::context_t& context, IngestOptions options, const core::LiveConfig& config,
               store::Store& store, const core::Clock& clock, IngestMetrics& metrics,
               std::shared_ptr<spdlog::logger> log);
  ~IngestServer();

  // Binds the ZAP handler, then the server socket. Throws zmq::error_t on a bad endpoint.
  void Start();
  // The endpoint actually bound (with the port resolved).
  std::string bound_endpoint() const { return bound_endpoint_; }

  // Serves until `stop` is set, then returns Ok after acking the group in progress. Returns
  // the storage error if a commit failed: nothing of that group was acked, the caller exits.
  // `on_tick` runs at least every poll_timeout_ms (watchdog pings).
  kpihub::Status Run(const std::atomic<bool>& stop, const std::function<void()>& on_tick);

 private:
  struct Received;
  void Process(InboundFrame frame, Received* out) const;
  kpihub::Status ServeGroup();
  wire::AckMessage BatchAck(Received& r, const store::ApplyResult* result);
  void LogPeriodActions(const Received& r, const wire::AckMessage& ack);
  void Account(const Received& r, const wire::AckMessage& ack);
  void CheckReaders();

  IngestOptions options_;
  const core::LiveConfig& config_;
  store::Store& store_;
  const core::Clock& clock_;
  IngestMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  BatchIntake intake_;
  FrameQueue queue_;
  std::unique_ptr<NetworkLoop> network_;
  std::string bound_endpoint_;
  int64_t next_reader_check_us_ = 0;  // on clock_'s monotonic time
};

}  // namespace kpihub::ingest
