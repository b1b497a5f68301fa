// The tables of closing a year (core/period_state.h). Internal; same conventions as tables.h
// (values sealed with a checksum by the reading and writing helpers of lmdb_env.h).
//
//   table         key                                   value
//   ------------  ------------------------------------  ------------------------------------
//   periods       department\0year (4 digits)           u8 state, str submitted_by,
//                                                       i64 submitted_unix_ms, str approved_by,
//                                                       i64 approved_unix_ms, u64 journal id of
//                                                       the last change
//   period_log    BE u64 journal id, BE u32 action      str department, u32 year, u8 action,
//                 index in the batch                    u8 from, u8 to, str note
//   restatements  change id (tables.h, `changes`)       str reason
//
// `period_log` and `restatements` grow in commit order (MDB_APPEND). Who sent an action or a
// restatement, and when, is its batch's journal entry. Invariants (checked by Verify): every
// periods record is the last state its log entries lead to; every restatement names a change.
// Stores written before these tables existed get them, empty, from the first writable open;
// a read-only open of such a store sees no table (no year closed).
#pragma once

#include <string>
#include <string_view>

#include "kpihub/store/records.h"
#include "tables.h"

namespace kpihub::store::internal {

std::string PeriodKey(std::string_view department, int year);
std::string EncodePeriod(const PeriodRecord& record);
bool DecodePeriod(std::string_view key, std::string_view value, PeriodRecord* out);

std::string PeriodLogKey(uint64_t journal_id, uint32_t index);
std::string EncodePeriodLog(const PeriodLogEntry& entry);
// Fills all but adapter, sender department and time (the journal has them).
bool DecodePeriodLog(std::string_view key, std::string_view value, PeriodLogEntry* out);

std::string EncodeRestatement(std::string_view reason);
bool DecodeRestatement(std::string_view value, std::string* reason);

}  // namespace kpihub::store::internal
