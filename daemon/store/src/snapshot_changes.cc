// LmdbSnapshot's readers of the value history in commit order, for subscriptions: the
// `changes` table is keyed by change id, so a reader resumes with one cursor seek.
#include "codec.h"
#include "snapshot.h"

namespace kpihub::store::internal {

Status LmdbSnapshot::ForEachChangeAfter(uint64_t journal_id, uint32_t index,
                                        const std::function<bool(const HistoryEntry&)>& fn) {
  Cursor cursor;
  if (int rc = cursor.Open(txn_.get(), tables_.changes); rc != 0) return LmdbError(rc, "cursor open");
  const ChangeId after{journal_id, index};
  const std::string start = EncodeChangeKey(after);
  MDB_val k = ToVal(start), v;
  const RecordBounds bounds = RecordBounds::For(env_);
  HistoryEntry entry;
  ChangeId previous;
  JournalEntry batch;
  int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    std::string_view value;
    if (Status s = CheckedRecord(bounds, k, v, &value); !s.ok()) return s;
    if (!DecodeHistory(FromVal(k), value, &entry, &previous)) {
      return Corrupt("changes", "undecodable record");
    }
    if (entry.journal_id == after.journal_id && entry.index <= after.index) continue;
    if (Status s = AddProvenance(&entry, &batch); !s.ok()) return s;
    if (!fn(entry)) return Status::Ok();
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : LmdbError(rc, "cursor get");
}

Status LmdbSnapshot::LastJournalId(uint64_t* out) {
  uint64_t next = 1;
  if (Status s = NextId(txn_.get(), tables_.journal, "journal", &next); !s.ok()) return s;
  *out = next - 1;
  return Status::Ok();
}

}  // namespace kpihub::store::internal
