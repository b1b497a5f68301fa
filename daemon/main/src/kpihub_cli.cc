// kpihub: the operator's CLI. Every command but `push` only reads the state, and can run
// beside the daemon.
#include <cstdio>

#include "kpihub/app/cli_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kpihub: operate and inspect a kpihub daemon's state"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, kpihub::app::CommandRunner>> commands;
  for (auto add : {kpihub::app::AddKeygenCommand, kpihub::app::AddStatusCommand,
                   kpihub::app::AddKpisCommand, kpihub::app::AddVerifyCommand,
                   kpihub::app::AddPushCommand}) {
    auto runner = add(app);
    commands.emplace_back(app.get_subcommands([](CLI::App*) { return true; }).back(), runner);
  }
  CLI11_PARSE(app, argc, argv);
  for (auto& [command, runner] : commands) {
    if (command->parsed()) return runner();
  }
  return 1;
}
