// The reader-table check behind Store::CheckReaders. Internal to kpihub_store.
#pragma once

#include <lmdb.h>

#include "kpihub/store/store.h"
#include "lmdb_env.h"

namespace kpihub::store::internal {

// mdb_reader_check, then the open readers and the oldest one's lag behind the last commit.
// Safe beside the writer and any snapshot (it only reads the lock file's reader table).
Status CheckReaderTable(MDB_env* env, ReaderReport* report);

}  // namespace kpihub::store::internal
