// NetworkLoop: the ingest socket's own thread. It owns the ROUTER socket (a ZeroMQ socket is
// used by one thread only), the ZAP handler, the handshake monitor and the connection gate.
// It takes every frame off the socket as soon as libzmq has it and hands it to the FrameQueue
// (which bounds what waits), and sends the acks the ingest thread posts. It never touches the
// store, so a long commit or fsync does not leave frames piling up inside libzmq.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "kpihub/core/live_config.h"
#include "kpihub/ingest/connection_gate.h"
#include "kpihub/ingest/frame_queue.h"
#include "kpihub/ingest/handshake_monitor.h"
#include "kpihub/ingest/ingest_metrics.h"
#include "kpihub/ingest/ingest_server.h"
#include "kpihub/ingest/zap_authenticator.h"

namespace kpihub::ingest {

struct OutboundAck {
  zmq::message_t routing_id;
  std::string bytes;
};

class NetworkLoop {
 public:
  NetworkLoop(zmq::context_t& context, const IngestOptions& options,
              const core::LiveConfig& config, FrameQueue& queue, IngestMetrics& metrics,
              std::shared_ptr<spdlog::logger> log);
  ~NetworkLoop();
  NetworkLoop(const NetworkLoop&) = delete;
  NetworkLoop& operator=(const NetworkLoop&) = delete;

  // On the caller's thread, before Launch: binds the ZAP handler, then the server socket.
  // Throws zmq::error_t on a bad endpoint. Returns the endpoint bound.
  std::string Bind();
  // Starts the thread; from then on only it touches the sockets.
  void Launch();
  // Queues acks for sending, in order.
  void Post(std::vector<OutboundAck> acks);
  // Sends what is posted, then stops the thread and joins it.
  void Stop();
  // Empty while the thread runs well; else why it stopped (a socket error).
  std::string failure() const;

 private:
  void Serve();
  void Drain();
  // Takes one message off the socket into `frames`; false when none is waiting.
  bool ReceiveOne(std::vector<InboundFrame>* frames);
  void Admit(std::vector<InboundFrame> frames);
  void SendPosted();
  void OnZapOutcome(bool allowed, const std::string& mechanism, const std::string& adapter);

  const IngestOptions& options_;
  const core::LiveConfig& config_;
  FrameQueue& queue_;
  IngestMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  ZapAuthenticator zap_;
  zmq::socket_t router_;
  int bound_port_ = -1;
  ConnectionGate gate_;
  HandshakeMonitor handshake_;
  int wake_fd_ = -1;  // eventfd: acks posted, or stop
  std::mutex posted_mutex_;
  std::vector<OutboundAck> posted_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex failure_mutex_;
  std::string failure_;
  uint64_t zap_refusals_ = 0;      // for rate-limited logging
  uint64_t frames_dropped_ = 0;    // over the frame count: for rate-limited logging
  uint64_t frames_deferred_ = 0;   // over a byte budget: for rate-limited logging
};

}  // namespace kpihub::ingest
