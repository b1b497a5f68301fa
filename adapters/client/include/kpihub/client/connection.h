// Connection: one adapter's authenticated link to kpihubd — a DEALER socket with CURVE
// client keys — that sends Batch frames and reads Ack frames. It has no outbox: a caller that
// needs delivery across restarts keeps its batches until they are acked.
//
// Not thread-safe: one thread per Connection (ZeroMQ sockets are single-threaded).
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/core/clock.h"
#include "kpihub/core/observation.h"
#include "kpihub/core/period_state.h"
#include "kpihub/wire/codec.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::client {

struct ConnectionOptions {
  std::string endpoint = "tcp://127.0.0.1:7730";
  std::string server_public_z85;
  wire::CurveKeyPair client_keys;
  int heartbeat_ms = 5000;  // detects a dead daemon on an idle link
  const core::Clock* clock = nullptr;  // for SendBatch's timeout; null: the system clock
  // A send never waits longer than this (ZMQ_SNDTIMEO). A key the daemon refuses gets no
  // session, and with libzmq 4.3.4 a blocking send on such a DEALER would wait for ever.
  int send_timeout_ms = 5000;
};

class Connection {
 public:
  Connection(zmq::context_t& context, const ConnectionOptions& options);

  // Sends a frame as is (tests use it for hostile frames). False if it could not be queued.
  bool SendFrame(const std::string& bytes);
  // Waits for the next ack up to `timeout_ms`; nullopt on timeout or an unreadable answer.
  std::optional<wire::AckMessage> ReceiveAck(int timeout_ms);
  // SendFrame(EncodeBatch(...)) then ReceiveAck, skipping acks of other sequences.
  std::optional<wire::AckMessage> SendBatch(uint64_t sequence,
                                            const std::vector<core::Observation>& observations,
                                            int64_t sent_unix_ms, int timeout_ms);
  // The same with period actions (submit, approve, reopen a year) after the observations.
  std::optional<wire::AckMessage> SendBatch(uint64_t sequence,
                                            const std::vector<core::Observation>& observations,
                                            const std::vector<core::PeriodAction>& actions,
                                            int64_t sent_unix_ms, int timeout_ms);

 private:
  zmq::socket_t socket_;
  std::unique_ptr<core::Clock> own_clock_;  // when the options named none
  const core::Clock& clock_;
};

}  // namespace kpihub::client
