#include "state_open.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <system_error>

namespace kpihub::app {
namespace {

constexpr int kExitConfig = 1;
constexpr int kExitStorage = 3;
// A restore holds the lock for the copy and swap of one folder: seconds to minutes. systemd's
// start timeout is longer than this wait, and a failure here is retried (exit 3).
constexpr std::chrono::seconds kLockWait{60};

int ExitFor(const kpihub::Status& s) {
  return s.code() == kpihub::Status::Code::kInvalidArgument ? kExitConfig : kExitStorage;
}

// initial_map_mib and max_map_mib in bytes; false (logged) if either overflows.
bool MapBytes(const DaemonConfig& config, store::StoreOptions* options, spdlog::logger& log) {
  constexpr uint64_t kMaxMib = UINT64_MAX >> 21;  // keeps doubling the map from overflowing
  for (auto [name, mib] : {std::pair{"initial_map_mib", config.initial_map_mib},
                           std::pair{"max_map_mib", config.max_map_mib}}) {
    if (static_cast<uint64_t>(mib) > kMaxMib) {
      log.error("{} = {} is larger than any map this host can hold (at most {})", name, mib, kMaxMib);
      return false;
    }
  }
  options->initial_map_bytes = static_cast<uint64_t>(config.initial_map_mib) << 20;
  options->max_map_bytes = static_cast<uint64_t>(config.max_map_mib) << 20;
  return true;
}

int TakeLock(const std::string& state_dir, spdlog::logger& log, DaemonState* out) {
  std::error_code ec;
  const auto parent = std::filesystem::path(state_dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  kpihub::Status s = store::StateLock::Acquire(state_dir, std::chrono::milliseconds(0), &out->lock);
  if (s.code() == kpihub::Status::Code::kReadOnly) {
    log.warn("waiting up to {} s for {} (a `kpihub restore` or `kpihub init` may be running)",
             kLockWait.count(), store::StateLockPath(state_dir));
    s = store::StateLock::Acquire(state_dir, kLockWait, &out->lock);
  }
  if (!s.ok()) log.error("{}", s.message());
  return s.ok() ? 0 : ExitFor(s);
}

}  // namespace

int OpenDaemonState(const DaemonConfig& config, StoreOpener open, spdlog::logger& log,
                    DaemonState* out) {
  out->options.path = config.state_dir;
  if (!MapBytes(config, &out->options, log)) return kExitConfig;
  if (int code = TakeLock(config.state_dir, log, out); code != 0) return code;
  store::StateOnDisk found;
  kpihub::Status s = store::CheckStateBeforeOpen(config.state_dir, &found);
  if (!s.ok()) {
    log.critical("refusing to open the store: {}", s.message());
    return ExitFor(s);
  }
  if (found == store::StateOnDisk::kFirstStart) {
    log.info("first start: creating a new store in {} ({} will record it)", config.state_dir,
             store::StateMarkerPath(config.state_dir));
  }
  out->options.must_exist = found == store::StateOnDisk::kRecorded;
  s = open(out->options, &out->store);
  if (s.ok()) s = store::MarkStateCreated(config.state_dir);
  if (!s.ok()) {
    log.critical("cannot open the store at {}: {}", config.state_dir, s.ToString());
    return ExitFor(s);
  }
  return 0;
}

}  // namespace kpihub::app
