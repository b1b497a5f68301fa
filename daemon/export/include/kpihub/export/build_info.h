// BuildInfo: which build of kpihubd is running, for kpihub_build_info. Value type.
#pragma once

#include <string>

namespace kpihub::exporter {

struct BuildInfo {
  std::string version;   // the release, e.g. "0.1.0"
  std::string revision;  // the git commit it was built from, or "unknown" outside a checkout
};

}  // namespace kpihub::exporter
