#include "seal_records.h"

#include <string>

#include "codec.h"
#include "lmdb_env.h"

namespace kpihub::store::internal {
namespace {

// Replaces each value with the sealed one in place (MDB_CURRENT keeps the cursor on it).
Status SealTable(MDB_txn* txn, MDB_dbi dbi) {
  Cursor cursor;
  if (int rc = cursor.Open(txn, dbi); rc != 0) return LmdbWriteError(rc, "cursor open");
  MDB_val k, v;
  std::string sealed;
  for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbWriteError(rc, "cursor get");
    if (!RecordBounds::For(mdb_txn_env(txn)).Contains(k, v)) {
      return Corrupt("any", "a record lies outside the data file");
    }
    const std::string key(FromVal(k));
    sealed = Sealed(key, FromVal(v));
    MDB_val nk = ToVal(key), nv = ToVal(sealed);
    if (int put = mdb_cursor_put(cursor.get(), &nk, &nv, MDB_CURRENT); put != 0) {
      return LmdbWriteError(put, "put");
    }
  }
  return Status::Ok();
}

}  // namespace

Status SealRecords(MDB_txn* txn, const Tables& t) {
  for (MDB_dbi dbi : {t.obs, t.cells, t.senders, t.journal, t.changes, t.dead}) {
    if (Status s = SealTable(txn, dbi); !s.ok()) return s;
  }
  RecordWriter version;
  version.PutU32(Store::kFormatVersion);
  return PutRawRecord(txn, t.meta, kMetaFormatVersion, version.data());
}

}  // namespace kpihub::store::internal
