// The `kpihub` operator CLI's subcommands. Each registers itself on a CLI11 app and returns
// the process exit code when run. Read-only against the state unless stated.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

namespace kpihub::cli {

// Where a command finds the state: --config (kpihubd.toml) or --state-dir, and the catalogue.
struct StateLocation {
  std::string config_path;
  std::string state_dir;
  std::string catalogue;  // overrides the config's; empty: config's or built-in
  std::string time_zone;  // overrides the config's time_zone
};
void AddStateOptions(CLI::App* command, StateLocation* where);

// Registers subcommand `name` with the state options; its arguments (`Args` has a
// StateLocation `where`) live in the returned shared object, which the runner captures.
template <typename Args>
std::pair<CLI::App*, std::shared_ptr<Args>> NewStateCommand(CLI::App& app, const char* name,
                                                            const char* description) {
  CLI::App* command = app.add_subcommand(name, description);
  auto args = std::make_shared<Args>();
  AddStateOptions(command, &args->where);
  return {command, args};
}

using CommandRunner = std::function<int()>;
CommandRunner AddKeygenCommand(CLI::App& app);
CommandRunner AddStatusCommand(CLI::App& app);
CommandRunner AddKpisCommand(CLI::App& app);
CommandRunner AddMilestonesCommand(CLI::App& app);
CommandRunner AddAgreementsCommand(CLI::App& app);  // reads the catalogue only
CommandRunner AddVerifyCommand(CLI::App& app);
CommandRunner AddPushCommand(CLI::App& app);  // sends data
CommandRunner AddHistoryCommand(CLI::App& app);
CommandRunner AddRejectsCommand(CLI::App& app);
CommandRunner AddExportCommand(CLI::App& app);
CommandRunner AddExplainCommand(CLI::App& app);
CommandRunner AddBackupCommand(CLI::App& app);
CommandRunner AddRestoreCommand(CLI::App& app);  // writes the state: the daemon must be stopped
CommandRunner AddInitCommand(CLI::App& app);     // creates a new store: the daemon must be stopped
CommandRunner AddKeysCommand(CLI::App& app);     // `add` and `revoke` write the key registry
CommandRunner AddReportCommand(CLI::App& app);   // writes the report file it is asked for
CommandRunner AddPeriodsCommand(CLI::App& app);
CommandRunner AddRestatementsCommand(CLI::App& app);
CommandRunner AddAuditCommand(CLI::App& app);
CommandRunner AddSubmitCommand(CLI::App& app);   // sends a period action to the daemon
CommandRunner AddApproveCommand(CLI::App& app);  // sends a period action to the daemon
CommandRunner AddReopenCommand(CLI::App& app);   // sends a period action to the daemon
CommandRunner AddQueryCommand(CLI::App& app);    // reads shared figures from the exchange

}  // namespace kpihub::cli
