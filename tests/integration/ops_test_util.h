// Helpers for the operations tests: a daemon with a few adapters, the `kpihub` CLI as a
// subprocess, and an adapter that keeps pushing numbered batches until told to stop, riding
// over daemon restarts the way a real adapter does (resend the same sequence until acked).
// Not thread-safe except where stated.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kpihub/testing/daemon_harness.h"
#include "kpihub/client/connection.h"

namespace kpihub::testing {

struct CliResult {
  int code = -1;
  std::string output;  // stdout and stderr
};

// Polls `done` every 10 ms until it holds or `timeout_ms` passed; its last answer.
inline bool WaitUntil(const std::function<bool()>& done, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// A client connection to `daemon` with adapter `adapter_id`'s keys.
inline std::unique_ptr<client::Connection> ConnectAs(zmq::context_t& context,
                                                     const DaemonHarness& daemon,
                                                     const std::string& adapter_id) {
  client::ConnectionOptions options;
  options.endpoint = daemon.endpoint();
  options.server_public_z85 = daemon.server_public();
  options.client_keys = daemon.adapter(adapter_id).keys;
  return std::make_unique<client::Connection>(context, options);
}

// Runs `kpihub <args>`.
inline CliResult Kpihub(const std::string& args) {
  CliResult r;
  r.code = RunCommand(BinaryPath("kpihub") + " " + args, &r.output);
  return r;
}

// Monthly industrial output of 5 enterprises, each worth `sequence` yuan: after batches
// 1..n the zone's 2020 figure is exactly 5 * n(n+1)/2.
inline std::vector<core::Observation> NumberedBatch(uint64_t sequence) {
  std::vector<core::Observation> obs;
  for (int i = 0; i < 5; ++i) {
    obs.push_back({"industrial_output", "hpu_park", MakeUscc(static_cast<uint32_t>(sequence * 10 + i)),
                   "2020-03", static_cast<double>(sequence), ""});
  }
  return obs;
}

inline double ExpectedZoneOutput(uint64_t batches) {
  return 5.0 * static_cast<double>(batches) * static_cast<double>(batches + 1) / 2.0;
}

// Pushes NumberedBatch(1), (2), ... as adapter `adapter_id` from its own thread until
// `batches` are acknowledged or Stop(). A batch without an ack, or answered retryLater, is
// resent with the same sequence on a fresh connection. acked() is safe from any thread.
class LoadAdapter {
 public:
  LoadAdapter(const DaemonHarness& daemon, const std::string& adapter_id, std::string endpoint,
              uint64_t batches)
      : options_{std::move(endpoint), daemon.server_public(), daemon.adapter(adapter_id).keys, 2000},
        batches_(batches) {
    thread_ = std::thread([this] { Run(); });
  }
  ~LoadAdapter() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint64_t acked() const { return acked_; }

 private:
  void Run() {
    zmq::context_t context(1);
    auto connection = std::make_unique<client::Connection>(context, options_);
    for (uint64_t seq = 1; seq <= batches_ && !stop_;) {
      auto ack = connection->SendBatch(seq, NumberedBatch(seq), 0, 1000);
      if (ack && (ack->status == wire::AckStatus::kAccepted ||
                  ack->status == wire::AckStatus::kDuplicate)) {
        acked_ = seq++;
        continue;
      }
      connection.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      connection = std::make_unique<client::Connection>(context, options_);
    }
  }

  client::ConnectionOptions options_;
  uint64_t batches_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> acked_{0};
  std::thread thread_;
};

}  // namespace kpihub::testing
