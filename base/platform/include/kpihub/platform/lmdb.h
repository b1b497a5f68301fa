// One wrapper over the LMDB C API for every LMDB file kpihub keeps (the daemon's store, the
// adapter's outbox): RAII transactions and cursors, error mapping to Status, record get/put
// and prefix scans, and opening an environment in a private directory.
// Thread-compatible: a Txn or Cursor belongs to one thread (environments are opened with
// MDB_NOTLS, so a read transaction may be handed to another thread, never shared).
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kpihub/core/status.h"

namespace kpihub::platform {

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
// cannot know what reached the disk, so it is kIoError, which callers make sticky.
Status LmdbWriteError(int rc, std::string_view what);

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

  // mdb_txn_begin on `env` (no parent) into *txn.
  static Status Begin(MDB_env* env, unsigned flags, Txn* txn);

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
  ~Cursor() { Close(); }
  int Open(MDB_txn* txn, MDB_dbi dbi) { return mdb_cursor_open(txn, dbi, &cursor_); }
  void Close() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    cursor_ = nullptr;
  }
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

// Looks a key up; *found false (and Ok) when absent.
Status GetRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view* value,
                 bool* found);
// Errors as LmdbWriteError.
Status PutRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 unsigned flags = 0);
// Deleting an absent key is not an error. Errors as LmdbWriteError.
Status DeleteRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key);

// Visits every record whose key starts with `prefix` (all records for an empty prefix) in
// key order. Stops at the first non-Ok status `fn` returns and returns it.
template <typename Fn>
Status ScanPrefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, Fn&& fn) {
  Cursor cursor;
  if (int rc = cursor.Open(txn, dbi); rc != 0) return LmdbError(rc, "cursor open");
  MDB_val k = ToVal(prefix), v;
  int rc = mdb_cursor_get(cursor.get(), &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    const std::string_view key = FromVal(k);
    if (!key.starts_with(prefix)) return Status::Ok();
    if (Status s = fn(key, FromVal(v)); !s.ok()) return s;
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : LmdbError(rc, "cursor get");
}

struct LmdbEnvOptions {
  std::string path;          // a directory; created 0700 (parents with the usual mode)
  unsigned max_dbs = 16;
  unsigned max_readers = 126;
  size_t map_bytes = 0;      // 0: keep the size recorded in the file (what a reader does)
  bool read_only = false;    // also: the directory must exist
  bool no_sync = false;
};

// Creates the directory if needed, opens the environment (MDB_NOTLS) and clears stale reader
// slots (mdb_reader_check). The caller owns *env (mdb_env_close). *lmdb_rc (when given): the
// LMDB or errno result of the call that failed, 0 when the failure came before LMDB (the
// directory) or there was none; callers that tell a map too large (ENOMEM) from other
// failures read it.
Status OpenLmdbEnv(const LmdbEnvOptions& options, MDB_env** env, int* lmdb_rc = nullptr);

}  // namespace kpihub::platform
