// LmdbSnapshot's reader of the audit trail (audit_table.h), and Verify's part for it.
#include "audit_table.h"
#include "codec.h"
#include "snapshot.h"

namespace kpihub::store::internal {

// A cursor placed at `from_id` rather than ScanPrefix: a reader pages through the table.
Status LmdbSnapshot::ForEachAudit(uint64_t from_id,
                                  const std::function<void(const AuditRecord&)>& fn) {
  if (!tables_.audit_table) return Status::Ok();
  Cursor cursor;
  if (int rc = cursor.Open(txn_.get(), tables_.audit); rc != 0) return LmdbError(rc, "cursor open");
  const std::string start = BigEndian64Key(from_id);
  MDB_val k = ToVal(start), v;
  const RecordBounds bounds = RecordBounds::For(env_);
  AuditRecord record;
  int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    std::string_view value;
    if (Status s = CheckedRecord(bounds, k, v, &value); !s.ok()) return s;
    if (!DecodeAudit(FromVal(k), value, &record)) return Corrupt("audit", "undecodable record");
    fn(record);
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : LmdbError(rc, "cursor get");
}

Status LmdbSnapshot::VerifyAudit(std::vector<std::string>* differences) {
  if (!tables_.audit_table) return Status::Ok();
  uint64_t found = 0, last_id = 0;
  Status s = ForEachAudit(0, [&](const AuditRecord& r) {
    if (r.id <= last_id) {
      differences->push_back("table audit: id " + std::to_string(r.id) + " after id " +
                             std::to_string(last_id));
    }
    last_id = r.id;
    ++found;
  });
  if (!s.ok()) return s;
  MDB_stat st;
  if (mdb_stat(txn_.get(), tables_.audit, &st) == 0 && st.ms_entries != found) {
    differences->push_back("table audit: " + std::to_string(found) +
                           " records read, its header says " + std::to_string(st.ms_entries));
  }
  return Status::Ok();
}

}  // namespace kpihub::store::internal
