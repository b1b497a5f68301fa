// Opening the daemon's state and catalogue for the CLI: read-only, beside a running daemon.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli_commands.h"
#include "cli_format.h"
#include "kpihub/app/daemon_config.h"
#include "kpihub/store/store.h"

namespace kpihub::cli {

struct OpenedState {
  app::DaemonConfig config;
  std::shared_ptr<const core::Catalogue> catalogue;
  std::unique_ptr<store::Store> store;
  CivilTime time;  // the config's time_zone (or --time-zone): every moment read and printed
};

// Prints the reason to stderr and returns nullopt on failure.
std::optional<OpenedState> OpenStateReadOnly(const StateLocation& where);

// Prints "kpihub <command>: <status>" to stderr; returns 1, the exit code of a failed command.
int ReportFailure(const char* command, const kpihub::Status& status);

// The state and one consistent snapshot of it, for the commands that walk its tables.
struct OpenedSnapshot {
  OpenedState state;
  std::unique_ptr<store::Snapshot> snapshot;  // null unless `status` is Ok
  kpihub::Status status;                      // of opening the snapshot: the caller reports it
};
// Nullopt (the reason printed) when the state cannot be opened.
std::optional<OpenedSnapshot> OpenSnapshotReadOnly(const StateLocation& where);

}  // namespace kpihub::cli
