#include <cstdio>

#include "state_location.h"

namespace kpihub::cli {

bool ResolveConfig(const StateLocation& where, app::DaemonConfig* config) {
  *config = app::DaemonConfig{};
  if (!where.config_path.empty()) {
    auto loaded = app::LoadDaemonConfig(where.config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "kpihub: %s\n", loaded.status().message().c_str());
      return false;
    }
    *config = *loaded;
  }
  if (!where.state_dir.empty()) config->state_dir = where.state_dir;
  if (!where.catalogue.empty()) config->catalogue = where.catalogue;
  if (!where.time_zone.empty()) config->time_zone = where.time_zone;
  return true;
}

}  // namespace kpihub::cli
