#include "audit_table.h"

#include "codec.h"
#include "lmdb_env.h"

namespace kpihub::store::internal {

std::string EncodeAudit(const AuditRecord& record) {
  RecordWriter w;
  w.PutI64(record.unix_ms);
  w.PutString(record.consumer_key);
  w.PutString(record.consumer_department);
  w.PutString(record.provider_department);
  w.PutString(record.agreement);
  w.PutString(record.kind);
  w.PutString(record.request);
  w.PutU64(record.rows);
  w.PutString(record.outcome);
  w.PutU64(record.as_of);
  return w.data();
}

bool DecodeAudit(std::string_view key, std::string_view value, AuditRecord* out) {
  if (key.size() != 8) return false;
  out->id = ReadBigEndian64(key);
  RecordReader r(value);
  out->unix_ms = r.GetI64();
  out->consumer_key = r.GetString();
  out->consumer_department = r.GetString();
  out->provider_department = r.GetString();
  out->agreement = r.GetString();
  out->kind = r.GetString();
  out->request = r.GetString();
  out->rows = r.GetU64();
  out->outcome = r.GetString();
  out->as_of = r.GetU64();
  return r.Done() && out->id != 0 && !out->outcome.empty();
}

Status PutAuditRecords(MDB_txn* txn, const Tables& tables,
                       const std::vector<AuditRecord>& records, std::vector<uint64_t>* ids) {
  ids->clear();
  if (!tables.audit_table) return Corrupt("audit", "table missing in a writable store");
  uint64_t next = 1;
  if (Status s = NextId(txn, tables.audit, "audit", &next); !s.ok()) return s;
  for (const AuditRecord& record : records) {
    Status s = PutRecord(txn, tables.audit, BigEndian64Key(next), EncodeAudit(record), MDB_APPEND);
    if (!s.ok()) return s;
    ids->push_back(next++);
  }
  return Status::Ok();
}

}  // namespace kpihub::store::internal
