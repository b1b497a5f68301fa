// The store's environment and tables over platform/lmdb.h, and its error helpers.
// Internal to kpihub_store.
#pragma once

#include <string>
#include <string_view>

#include <lmdb.h>

#include "kpihub/core/status.h"
#include "kpihub/platform/lmdb.h"
#include "kpihub/store/store.h"
#include "record_seal.h"
#include "tables.h"

namespace kpihub::store::internal {

// Data-table records are sealed (record_seal.h): GetRecord, PutRecord and ScanPrefix below
// check and add the checksum, so platform's plain versions are not brought in here.
using platform::Cursor;
using platform::FromVal;
using platform::LmdbError;
using platform::LmdbWriteError;
using platform::ToVal;
using platform::Txn;

Status Corrupt(std::string_view table, std::string_view what);

// The record LMDB handed out, checked: its bytes lie within the data file's used pages and
// its checksum matches (record_seal.h). *value is the value without its checksum.
Status CheckedRecord(MDB_txn* txn, const MDB_val& key, const MDB_val& value,
                     std::string_view* checked);
// The same with bounds already found (once per scan rather than once per record).
Status CheckedRecord(const RecordBounds& bounds, const MDB_val& key, const MDB_val& value,
                     std::string_view* checked);

// Looks a key up in a data table (sealed records); *found false (and Ok) when absent.
Status GetRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view* value,
                 bool* found);
// Writes a data-table record with its checksum. Errors as LmdbWriteError.
Status PutRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 unsigned flags = 0);
// The same for `meta`, whose records carry no checksum (format_version must stay readable by
// every version).
Status GetRawRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view* value,
                    bool* found);
Status PutRawRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                    unsigned flags = 0);
// The last key of a table keyed by BE u64 ids, plus one; 1 for an empty table.
Status NextId(MDB_txn* txn, MDB_dbi dbi, std::string_view table, uint64_t* next);

// Visits every record of a data table whose key starts with `prefix` (all records for an
// empty prefix) in key order, each checked as by CheckedRecord. Stops at the first non-Ok
// status `fn` returns and returns it. (platform::ScanPrefix is the unchecked one, for files
// whose records carry no checksum.)
template <typename Fn>
Status ScanPrefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, Fn&& fn) {
  Cursor cursor;
  if (int rc = cursor.Open(txn, dbi); rc != 0) return LmdbError(rc, "cursor open");
  MDB_val k = ToVal(prefix), v;
  const RecordBounds bounds = RecordBounds::For(mdb_txn_env(txn));
  int rc = mdb_cursor_get(cursor.get(), &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    std::string_view value;
    if (Status s = CheckedRecord(bounds, k, v, &value); !s.ok()) return s;
    const std::string_view key = FromVal(k);
    if (!key.starts_with(prefix)) return Status::Ok();
    if (Status s = fn(key, value); !s.ok()) return s;
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : LmdbError(rc, "cursor get");
}

// Creates the directory (0700) if needed and opens the environment with the store's flags
// (MDB_NOTLS: snapshots live on scraper threads). Runs mdb_reader_check.
Status OpenEnvironment(const StoreOptions& options, MDB_env** env);
// Closes what OpenEnvironment opened.
void CloseEnvironment(MDB_env* env);

// Opens (the writer: creates) the named tables, checks the format version and writes it
// into a fresh environment; a writer upgrades a format 1 store (migrate_v1.h) in the same
// transaction. kCorruption for any other version; kMapFull when the upgrade needs a larger
// map (the caller grows it and calls again: nothing was written).
// *upgraded_from: the version upgraded from, or 0.
Status OpenTables(MDB_env* env, bool read_only, Tables* tables, uint32_t* upgraded_from,
                  bool must_exist = false);

}  // namespace kpihub::store::internal
