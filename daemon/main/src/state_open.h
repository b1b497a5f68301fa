// Opening the daemon's state folder safely: the lock beside it (held for the daemon's life, so
// that `kpihub restore` cannot swap the folder under it), the first-start rule (a store that
// once existed is never silently re-created), the data file's meta-page check, and the exit
// code for each refusal: 1 for what the operator must fix (configuration, a missing store),
// 3 for storage failures systemd retries.
#pragma once

#include <functional>
#include <memory>

#include <spdlog/logger.h>

#include "kpihub/app/daemon_config.h"
#include "kpihub/store/state_guard.h"
#include "kpihub/store/store.h"

namespace kpihub::app {

struct DaemonState {
  std::unique_ptr<store::StateLock> lock;  // must outlive the store
  std::unique_ptr<store::Store> store;
  store::StoreOptions options;
};

using StoreOpener =
    std::function<kpihub::Status(const store::StoreOptions&, std::unique_ptr<store::Store>*)>;

// 0 on success, else the exit code (the reason is logged).
int OpenDaemonState(const DaemonConfig& config, StoreOpener open, spdlog::logger& log,
                    DaemonState* out);

}  // namespace kpihub::app
