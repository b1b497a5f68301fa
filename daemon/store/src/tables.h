// The store's LMDB tables and their record formats (format_version 1). Internal.
//
// One environment (a directory holding data.mdb and lock.mdb), named databases:
//
//   table    key                                         value
//   -------  ------------------------------------------  -------------------------------------
//   meta     "format_version"                            u32 (1); any other value: refuse
//            "catalogue_fingerprint"                     raw bytes (informational)
//   obs      indicator\0park\0period\0entity             i128 value micros, str adapter,
//                                                        u64 sequence, i64 unix_ms, str note
//   cells    indicator\0park\0period                     i128 sum micros, u32 entities
//   senders  adapter                                     str department, u64 last_sequence,
//                                                        i64 last_batch_unix_ms, u64 batches,
//                                                        u64 accepted, u64 rejected
//   journal  BE u64 journal id (1, 2, ...)               str adapter, str department,
//                                                        u64 sequence, i64 received_unix_ms,
//                                                        u32 accepted, u32 rejected
//   history  obs key \0 BE u64 journal id                u8 has_old, i128 old micros (0 when
//            BE u32 index in the batch's accepted list   absent), i128 new micros, str adapter,
//                                                        str department, u64 sequence,
//                                                        i64 unix_ms
//   dead     BE u64 dead letter id (1, 2, ...)           str adapter, str department,
//                                                        u64 sequence, i64 unix_ms,
//                                                        u32 rejection index, u16 reason,
//                                                        str detail, str indicator, str park,
//                                                        str entity, str period,
//                                                        f64 value (IEEE bits), str note
//
// Integers in values are little-endian; i128 is two's complement, 16 bytes; str is a u32
// length then the bytes. Ids in keys are big-endian so that key order is numeric order, and
// the next journal / dead letter id is the last key + 1 (MDB_LAST). Text key fields never
// contain '\0' (checked before a write). A history key starts with its figure's obs key, so
// the history of a figure, a park or an indicator is one range scan, oldest first within a
// figure.
//
// Invariant (checked by Verify): every cell equals the fold of the obs under it: the exact
// sum of their values, and the number of those with a non-empty entity.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "codec.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/records.h"

namespace kpihub::store::internal {

inline constexpr std::string_view kMetaFormatVersion = "format_version";
inline constexpr std::string_view kMetaCatalogueFingerprint = "catalogue_fingerprint";

struct Tables {
  MDB_dbi meta = 0;
  MDB_dbi obs = 0;
  MDB_dbi cells = 0;
  MDB_dbi senders = 0;
  MDB_dbi journal = 0;
  MDB_dbi history = 0;
  MDB_dbi dead = 0;
};

// A cell's value, without its key.
struct CellValue {
  core::Decimal sum;
  uint32_t entities = 0;
};

// Encoders write the value only; the key comes from codec.h. Decoders take key and value,
// return false for anything that is not a well-formed record.
std::string EncodeObservation(const StoredObservation& obs);
// The same record written from its parts into `w` (cleared first), for the write path.
void EncodeObservationTo(core::Decimal value, std::string_view adapter, uint64_t sequence,
                         int64_t unix_ms, std::string_view note, RecordWriter* w);
// The value and note of an obs record, as views into `value`.
bool DecodeObservationValueAndNote(std::string_view value, core::Decimal* out,
                                   std::string_view* note);
bool DecodeObservation(std::string_view key, std::string_view value, StoredObservation* out);
// Just the value of an obs record, for folding without copying strings.
bool DecodeObservationValue(std::string_view value, core::Decimal* out);

std::string EncodeCell(const CellValue& cell);
bool DecodeCellValue(std::string_view value, CellValue* out);
bool DecodeCell(std::string_view key, std::string_view value, core::Cell* out);

std::string EncodeSender(const SenderState& sender);
bool DecodeSender(std::string_view key, std::string_view value, SenderState* out);

std::string EncodeJournal(const JournalEntry& entry);
bool DecodeJournal(std::string_view key, std::string_view value, JournalEntry* out);

std::string EncodeHistoryKey(const core::FigureKey& key, uint64_t journal_id, uint32_t index);
std::string EncodeHistory(const HistoryEntry& entry);
void EncodeHistoryTo(const std::optional<core::Decimal>& old_value, core::Decimal new_value,
                     std::string_view adapter, std::string_view department, uint64_t sequence,
                     int64_t unix_ms, RecordWriter* w);
// The size of EncodeHistoryKey(key, ...), without building it.
size_t HistoryKeySize(const core::FigureKey& key);
bool DecodeHistory(std::string_view key, std::string_view value, HistoryEntry* out,
                   uint32_t* index);

std::string EncodeDeadLetter(const DeadLetter& letter);
bool DecodeDeadLetter(std::string_view key, std::string_view value, DeadLetter* out);

}  // namespace kpihub::store::internal
