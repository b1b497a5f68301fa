#include "state_access.h"

#include "state_location.h"

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
  if (!ResolveConfig(where, &opened.config)) return std::nullopt;
  auto time = CivilTime::Load(opened.config.time_zone);
  if (!time.ok()) {
    std::fprintf(stderr, "kpihub: %s\n", time.status().message().c_str());
    return std::nullopt;
  }
  opened.time = *time;
  auto catalogue = app::LoadCatalogue(opened.config.catalogue);
  if (!catalogue.ok()) {
    std::fprintf(stderr, "kpihub: catalogue: %s\n", catalogue.status().message().c_str());
    return std::nullopt;
  }
  opened.catalogue = *catalogue;
  store::StoreOptions options;
  options.path = opened.config.state_dir;
  options.read_only = true;
  kpihub::Status status = store::Store::Open(options, &opened.store);
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub: cannot open the state at %s: %s\n",
                 opened.config.state_dir.c_str(), status.ToString().c_str());
    return std::nullopt;
  }
  return opened;
}

std::optional<OpenedSnapshot> OpenSnapshotReadOnly(const StateLocation& where) {
  auto opened = OpenStateReadOnly(where);
  if (!opened) return std::nullopt;
  OpenedSnapshot out{std::move(*opened), nullptr, kpihub::Status::Ok()};
  out.status = out.state.store->OpenSnapshot(&out.snapshot);
  return out;
}

int ReportFailure(const char* command, const kpihub::Status& status) {
  std::fprintf(stderr, "kpihub %s: %s\n", command, status.ToString().c_str());
  return 1;
}

}  // namespace kpihub::cli
