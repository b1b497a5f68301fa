// The git commit kpihubd was built from (cmake/KpihubRevision.cmake), or "unknown". Defined in
// a file generated at configure time, so that a new commit recompiles that file alone.
#pragma once

namespace kpihub::app {

extern const char* const kBuildRevision;

}  // namespace kpihub::app
