// The audit trail of reads through the query protocol (records.h, AuditRecord). Internal;
// same conventions as tables.h (values sealed with a checksum by the reading and writing
// helpers of lmdb_env.h).
//
//   table   key                             value
//   ------  ------------------------------  ----------------------------------------------
//   audit   BE u64 audit id (1, 2, ...)     i64 unix_ms, str consumer_key,
//                                           str consumer_department,
//                                           str provider_department, str agreement,
//                                           str kind, str request, u64 rows, str outcome,
//                                           u64 as_of
//
// Grows in commit order (MDB_APPEND); the next id is the last key + 1. No record holds an
// enterprise id (the request is summarised by whoever appends it). Invariants (checked by
// Verify): every record decodes, ids strictly increase, the count matches LMDB's header.
// Stores written before this table existed get it, empty, from the first writable open; a
// read-only open of such a store sees no table (no read recorded).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <lmdb.h>

#include "kpihub/core/status.h"
#include "kpihub/store/records.h"
#include "tables.h"

namespace kpihub::store::internal {

std::string EncodeAudit(const AuditRecord& record);
// Fills all of `out`, its id from the key. False for anything not a well-formed record.
bool DecodeAudit(std::string_view key, std::string_view value, AuditRecord* out);

// Appends `records` after the last one in `txn`; `ids` gets the id of each. The caller
// commits (and, on MDB_MAP_FULL, grows the map and calls again from scratch).
Status PutAuditRecords(MDB_txn* txn, const Tables& tables,
                       const std::vector<AuditRecord>& records, std::vector<uint64_t>* ids);

}  // namespace kpihub::store::internal
