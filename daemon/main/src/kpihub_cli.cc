// kpihub: the operator's CLI. Every command only reads the state and can run beside the
// daemon, except `push` (sends data to the daemon), `keys add|revoke` (edit the key
// registry) and `restore` (replaces the state; refuses while the daemon runs).
#include <cstdio>

#include "kpihub/app/cli_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kpihub: operate and inspect a kpihub daemon's state"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, kpihub::app::CommandRunner>> commands;
  for (auto add : {kpihub::app::AddKeygenCommand, kpihub::app::AddStatusCommand,
                   kpihub::app::AddKpisCommand, kpihub::app::AddVerifyCommand,
                   kpihub::app::AddPushCommand, kpihub::app::AddHistoryCommand,
                   kpihub::app::AddRejectsCommand, kpihub::app::AddExportCommand,
                   kpihub::app::AddExplainCommand, kpihub::app::AddBackupCommand,
                   kpihub::app::AddRestoreCommand, kpihub::app::AddKeysCommand}) {
    auto runner = add(app);
    commands.emplace_back(app.get_subcommands([](CLI::App*) { return true; }).back(), runner);
  }
  CLI11_PARSE(app, argc, argv);
  for (auto& [command, runner] : commands) {
    if (command->parsed()) return runner();
  }
  return 1;
}
