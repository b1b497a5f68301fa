// Thin RAII and error helpers over the LMDB C API, and the environment setup the store needs.
// Internal to kpihub_store.
#pragma once

#include <string>
#include <string_view>

#include <lmdb.h>

#include "kpihub/store/status.h"
#include "kpihub/store/store.h"
#include "record_seal.h"
#include "tables.h"

namespace kpihub::store::internal {

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};  // LMDB never writes through it
}
inline std::string_view FromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Maps an LMDB or errno result to a Status: MDB_MAP_FULL -> kMapFull (the caller grows the
// map and retries), ENOENT -> kNotFound, format errors -> kCorruption, the rest kIoError.
Status LmdbError(int rc, std::string_view what);
// On the write path only MDB_MAP_FULL is recoverable (kMapFull); after any other failure we
// cannot know what reached the disk, so it is kIoError, which the store makes sticky.
Status LmdbWriteError(int rc, std::string_view what);
Status Corrupt(std::string_view table, std::string_view what);

// Owns a transaction: aborted on destruction unless committed. Move-only.
class Txn {
 public:
  Txn() = default;
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { Abort(); }

  MDB_txn* get() const { return txn_; }
  // The handle is gone afterwards whatever the result (LMDB frees it on failure too).
  int Commit();
  void Abort();

 private:
  MDB_txn* txn_ = nullptr;
};

// Owns a cursor; must not outlive its transaction.
class Cursor {
 public:
  Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  int Open(MDB_txn* txn, MDB_dbi dbi) { return mdb_cursor_open(txn, dbi, &cursor_); }
  void Close() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    cursor_ = nullptr;
  }
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

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
// empty prefix) in key order, each checked as by CheckedRecord. Stops at the first non-Ok status `fn` returns and returns it.
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
