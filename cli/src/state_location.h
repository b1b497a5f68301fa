// Resolving where a `kpihub` command's state and files are without opening anything: for the
// commands that must not hold the store open (restore) or only touch the key registry (keys).
#pragma once

#include "cli_commands.h"
#include "kpihub/app/daemon_config.h"

namespace kpihub::cli {

// The daemon configuration named by --config (defaults when absent), with --state-dir and
// --catalogue applied. Prints the reason to stderr and returns false on a bad config file.
bool ResolveConfig(const StateLocation& where, app::DaemonConfig* config);

}  // namespace kpihub::cli
