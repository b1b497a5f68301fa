// ReloadStatus: what kpihubd says about the configuration it serves with, in the file
// `reload-status` of its state directory — written at start and after every SIGHUP, so that
// `kpihub keys ... --reload` can signal the daemon and report whether it took the change. The
// same outcome is exported as kpihub_config_last_reload_success and
// kpihub_config_last_reload_timestamp_seconds. Value type; the functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kpihub/core/status.h"

namespace kpihub::app {

struct ReloadStatus {
  int64_t pid = 0;
  uint64_t generation = 0;  // 0 at start, +1 per reload attempt
  bool success = true;
  int64_t unix_ms = 0;
  size_t adapters = 0;      // in the key registry in force
  std::string error;        // why the last reload was refused (one line)
};

inline constexpr const char* kReloadStatusFile = "reload-status";

std::string ReloadStatusPath(const std::string& state_dir);
// Replaces the file atomically (temp file, fsync, rename); kIoError when it cannot.
Status WriteReloadStatus(const std::string& state_dir, const ReloadStatus& status);
// nullopt when there is no readable status file (no daemon has written one yet).
std::optional<ReloadStatus> ReadReloadStatus(const std::string& state_dir);

}  // namespace kpihub::app
