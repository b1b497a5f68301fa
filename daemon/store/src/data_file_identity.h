// DataFileIdentity: proves, before each commit, that the data file this process has open is
// still the one at its path. If it was moved away (a restore that swapped the state folder
// under a running daemon, an operator's mv), committing would ack batches into a file that is
// about to be deleted. Internal to kpihub_store. Immutable after construction; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>

#include <lmdb.h>

#include "kpihub/core/status.h"

namespace kpihub::store::internal {

class DataFileIdentity {
 public:
  DataFileIdentity(MDB_env* env, std::string data_file);
  // kIoError (the caller makes it sticky) when the path names another file or none.
  Status Check() const;

 private:
  std::string data_file_;
  bool known_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace kpihub::store::internal
