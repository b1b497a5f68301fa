// Signals and reloads of kpihubd: the thread that takes SIGTERM/SIGINT/SIGHUP (blocked
// everywhere else), the record of each configuration load's outcome (the reload-status file
// and two gauges), and the SIGHUP reload itself.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/logger.h>

#include "kpihub/app/daemon_config.h"
#include "kpihub/app/reload_status.h"
#include "kpihub/core/clock.h"
#include "kpihub/core/live_config.h"
#include "kpihub/store/store.h"

namespace kpihub::app {

// The catalogue and key registry the configuration names, both loaded, or why not.
Result<core::LiveConfig::View> LoadView(const DaemonConfig& config);

// Waits for signals on its own thread (they are blocked everywhere else).
class SignalWatcher {
 public:
  SignalWatcher(std::atomic<bool>& stop, std::function<void()> on_reload)
      : stop_(stop), on_reload_(std::move(on_reload)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~SignalWatcher() {
    done_ = true;
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }
  static void BlockAll() {
    sigset_t set = Set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

 private:
  static sigset_t Set() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&set, s);
    return set;
  }
  void Loop() {
    sigset_t set = Set();
    while (!done_) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) on_reload_();
      if (sig == SIGTERM || sig == SIGINT) stop_ = true;
    }
  }
  std::atomic<bool>& stop_;
  std::function<void()> on_reload_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The outcome of the configuration load at start and of every reload: the reload-status
// file (read by `kpihub keys --reload`) and two gauges. Record is called from the signal
// thread only.
class ReloadReport {
 public:
  ReloadReport(prometheus::Registry& registry, std::string state_dir, const core::Clock& clock,
               spdlog::logger& log)
      : state_dir_(std::move(state_dir)), clock_(clock), log_(log),
        success_(prometheus::BuildGauge()
                     .Name("kpihub_config_last_reload_success")
                     .Help("1 if the last configuration load (start or SIGHUP) was taken, 0 if "
                           "it was refused and the previous configuration stays in force.")
                     .Register(registry)
                     .Add({})),
        timestamp_(prometheus::BuildGauge()
                       .Name("kpihub_config_last_reload_timestamp_seconds")
                       .Help("When the last configuration load (start or SIGHUP) was attempted.")
                       .Register(registry)
                       .Add({})) {}

  void Record(bool success, size_t adapters, const std::string& error) {
    ReloadStatus status;
    status.pid = getpid();
    status.generation = generation_++;
    status.success = success;
    status.unix_ms = clock_.NowUnixMillis();
    status.adapters = adapters;
    status.error = error;
    success_.Set(success ? 1 : 0);
    timestamp_.Set(static_cast<double>(status.unix_ms) / 1000.0);
    if (Status written = WriteReloadStatus(state_dir_, status); !written.ok()) {
      log_.warn("cannot write {}: `kpihub keys --reload` will not see this outcome ({})",
                ReloadStatusPath(state_dir_), written.message());
    }
  }

 private:
  std::string state_dir_;
  const core::Clock& clock_;
  spdlog::logger& log_;
  prometheus::Gauge& success_;
  prometheus::Gauge& timestamp_;
  uint64_t generation_ = 0;
};

// SIGHUP: the catalogue and key registry are loaded afresh and swapped in together, or the
// configuration in force stays; either outcome goes to `report`.
std::function<void()> Reloader(const DaemonConfig& config, core::LiveConfig& live,
                               store::Store& store, ReloadReport& report, spdlog::logger& log);

}  // namespace kpihub::app
