#include "state_access.h"

#include <cstdio>

namespace kpihub::cli {

void AddStateOptions(CLI::App* command, StateLocation* where) {
  command->add_option("-c,--config", where->config_path, "kpihubd configuration file");
  command->add_option("--state-dir", where->state_dir, "state directory (overrides the config)");
  command->add_option("--catalogue", where->catalogue, "catalogue file (overrides the config)");
  command->add_option("--time-zone", where->time_zone,
                      "time zone of every moment read and printed, e.g. Asia/Shanghai "
                      "(overrides the config's time_zone)");
}

std::optional<OpenedState> OpenStateReadOnly(const StateLocation& where) {
  OpenedState opened;
  std::string error;
  if (!where.config_path.empty()) {
    auto config = app::LoadDaemonConfig(where.config_path, &error);
    if (!config) {
      std::fprintf(stderr, "kpihub: %s\n", error.c_str());
      return std::nullopt;
    }
    opened.config = *config;
  }
  if (!where.state_dir.empty()) opened.config.state_dir = where.state_dir;
  if (!where.catalogue.empty()) opened.config.catalogue = where.catalogue;
  if (!where.time_zone.empty()) opened.config.time_zone = where.time_zone;
  auto time = CivilTime::Load(opened.config.time_zone);
  if (!time.ok()) {
    std::fprintf(stderr, "kpihub: %s\n", time.status().message().c_str());
    return std::nullopt;
  }
  opened.time = *time;
  auto catalogue = app::LoadCatalogue(opened.config.catalogue);
  if (!catalogue.catalogue) {
    std::fprintf(stderr, "kpihub: catalogue: %s\n", catalogue.error.c_str());
    return std::nullopt;
  }
  opened.catalogue = catalogue.catalogue;
  store::StoreOptions options;
  options.path = opened.config.state_dir;
  options.read_only = true;
  store::Status status = store::Store::Open(options, &opened.store);
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub: cannot open the state at %s: %s\n",
                 opened.config.state_dir.c_str(), status.ToString().c_str());
    return std::nullopt;
  }
  return opened;
}

}  // namespace kpihub::cli
