#include <cstdio>

#include "cli_commands.h"
#include "cli_report.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::cli {

CommandRunner AddKeygenCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("keygen", "write a CURVE key pair: NAME.key (secret) and NAME.pub");
  auto name = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>(".");
  auto report = std::make_shared<bool>(false);
  cmd->add_option("name", *name, "key name, e.g. the adapter id or 'server' ('report' with --report-key)");
  cmd->add_option("-o,--out", *dir, "directory to write into");
  cmd->add_flag("--report-key", *report,
                "write the Ed25519 key `kpihub report` signs with instead: NAME.key (secret, "
                "mode 0600) and NAME.pub");
  return [name, dir, report] {
    if (*report) return WriteReportKey(*dir, name->empty() ? "report" : *name);
    if (name->empty()) {
      std::fprintf(stderr, "kpihub keygen: a key name is required\n");
      return 1;
    }
    if (Status s = wire::WriteKeyFiles(*dir, *name, wire::GenerateCurveKeyPair()); !s.ok()) {
      std::fprintf(stderr, "kpihub keygen: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("wrote %s/%s.key (secret, mode 0600) and %s/%s.pub\n", dir->c_str(), name->c_str(),
                dir->c_str(), name->c_str());
    return 0;
  };
}

}  // namespace kpihub::cli
