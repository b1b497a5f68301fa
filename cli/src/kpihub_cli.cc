// kpihub: the operator's CLI. Every command only reads the state and can run beside the
// daemon, except `push` and `submit|approve|reopen` (send figures or a year's action to the
// daemon), `keys add|revoke` (edit the key registry), `restore` (replaces the state) and
// `init` (creates a new store); those two refuse while the daemon runs.
#include <cstdio>

#include "cli_commands.h"
#include "kpihub/platform/map_fault.h"

int main(int argc, char** argv) {
  kpihub::platform::ExitCleanlyOnMapFault("kpihub", 3);
  CLI::App app{"kpihub: operate and inspect a kpihub daemon's state"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, kpihub::cli::CommandRunner>> commands;
  for (auto add : {kpihub::cli::AddKeygenCommand, kpihub::cli::AddStatusCommand,
                   kpihub::cli::AddKpisCommand, kpihub::cli::AddMilestonesCommand,
                   kpihub::cli::AddAgreementsCommand,
                   kpihub::cli::AddVerifyCommand,
                   kpihub::cli::AddPushCommand, kpihub::cli::AddHistoryCommand,
                   kpihub::cli::AddRejectsCommand, kpihub::cli::AddExportCommand,
                   kpihub::cli::AddExplainCommand, kpihub::cli::AddBackupCommand,
                   kpihub::cli::AddRestoreCommand, kpihub::cli::AddInitCommand,
                   kpihub::cli::AddKeysCommand, kpihub::cli::AddReportCommand,
                   kpihub::cli::AddAuditCommand,
                   kpihub::cli::AddPeriodsCommand, kpihub::cli::AddRestatementsCommand,
                   kpihub::cli::AddSubmitCommand, kpihub::cli::AddApproveCommand,
                   kpihub::cli::AddReopenCommand, kpihub::cli::AddQueryCommand}) {
    auto runner = add(app);
    commands.emplace_back(app.get_subcommands([](CLI::App*) { return true; }).back(), runner);
  }
  CLI11_PARSE(app, argc, argv);
  for (auto& [command, runner] : commands) {
    if (command->parsed()) return runner();
  }
  return 1;
}
