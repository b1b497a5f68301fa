// Copying an open LMDB environment to a new directory for Store::Backup. Internal.
#pragma once

#include <string>

#include <lmdb.h>

#include "kpihub/core/status.h"

namespace kpihub::store::internal {

// Writes a compacted copy of `env` into `dest_dir` (which must not exist) through a sibling
// temporary directory, fsyncs the file and both directories, then renames. The caller keeps
// the map from being resized meanwhile. `lmdb_rc` gets mdb_env_copy2's result.
Status CopyEnvironment(MDB_env* env, const std::string& dest_dir, int* lmdb_rc);

}  // namespace kpihub::store::internal
