// The store's environment and tables over platform/lmdb.h, and its error helpers.
// Internal to kpihub_store.
#pragma once

#include <string>
#include <string_view>

#include <lmdb.h>

#include "kpihub/core/status.h"
#include "kpihub/platform/lmdb.h"
#include "kpihub/store/store.h"
#include "tables.h"

namespace kpihub::store::internal {

using platform::Cursor;
using platform::FromVal;
using platform::GetRecord;
using platform::LmdbError;
using platform::LmdbWriteError;
using platform::PutRecord;
using platform::ScanPrefix;
using platform::ToVal;
using platform::Txn;

Status Corrupt(std::string_view table, std::string_view what);

// The last key of a table keyed by BE u64 ids, plus one; 1 for an empty table.
Status NextId(MDB_txn* txn, MDB_dbi dbi, std::string_view table, uint64_t* next);

// Creates the directory (0700) if needed and opens the environment with the store's flags
// (MDB_NOTLS: snapshots live on scraper threads). Runs mdb_reader_check.
Status OpenEnvironment(const StoreOptions& options, MDB_env** env);

// Opens (the writer: creates) the named tables, checks the format version and writes it
// into a fresh environment; a writer upgrades a format 1 store (migrate_v1.h) in the same
// transaction. kCorruption for any other version; kMapFull when the upgrade needs a larger
// map (the caller grows it and calls again: nothing was written).
// *upgraded_from: the version upgraded from, or 0.
Status OpenTables(MDB_env* env, bool read_only, Tables* tables, uint32_t* upgraded_from);

}  // namespace kpihub::store::internal
