// The store's LMDB tables and their record formats (format_version 3). Internal.
//
// Format 3 is format 2 with a 4-byte checksum (record_seal.h) after every value of the data
// tables below (not meta); the encoders and decoders here see values without it, the
// reading and writing helpers of lmdb_env.h add and check it.
//
// One environment (a directory holding data.mdb and lock.mdb), named databases:
//
//   table    key                                         value
//   -------  ------------------------------------------  -------------------------------------
//   meta     "format_version"                            u32 (3); 1 and 2 are upgraded by a
//                                                        writer at open (migrate_v1.h,
//                                                        seal_records.h); any other
//                                                        value: refuse
//            "catalogue_fingerprint"                     raw bytes (informational)
//   obs      indicator\0park\0period\0entity             i128 value micros, str adapter,
//                                                        u64 sequence, i64 unix_ms, str note,
//                                                        change id of its latest change
//   cells    indicator\0park\0period                     i128 sum micros, u32 entities
//   senders  adapter                                     str department, u64 last_sequence,
//                                                        i64 last_batch_unix_ms, u64 batches,
//                                                        u64 accepted, u64 rejected
//   journal  BE u64 journal id (1, 2, ...)               str adapter, str department,
//                                                        u64 sequence, i64 received_unix_ms,
//                                                        u32 accepted, u32 rejected
//   changes  change id: BE u64 journal id,               u8 has_old, i128 old micros (0 when
//            BE u32 index in the batch's accepted list   absent), i128 new micros,
//                                                        str indicator, str park, str period,
//                                                        str entity, change id of the
//                                                        figure's previous change
//   dead     BE u64 dead letter id (1, 2, ...)           str adapter, str department,
//                                                        u64 sequence, i64 unix_ms,
//                                                        u32 rejection index, u16 reason,
//                                                        str detail, str indicator, str park,
//                                                        str entity, str period,
//                                                        f64 value (IEEE bits), str note
//
// Integers in values are little-endian; i128 is two's complement, 16 bytes; str is a u32
// length then the bytes; a change id in a value is u64 journal id then u32 index, journal
// id 0 meaning "none". Ids in keys are big-endian so that key order is numeric order, and
// the next journal / dead letter id is the last key + 1 (MDB_LAST). Text key fields never
// contain '\0' (checked before a write).
//
// `changes` is the value history. Its keys grow with every commit, so a commit appends its
// changes at the end of the table (MDB_APPEND: no search, the last leaf page only) instead
// of inserting them at random places; key order is commit order. Who made a change (adapter,
// department, sequence, receive time) is its batch's journal entry, not repeated per change. The changes of one figure
// form a chain, newest to oldest: the obs record points to the latest, each change to the
// one before. Format 1 keyed the history by figure key and change id, which cost a random
// B-tree insert and a dirtied leaf page per observation (docs/performance.md).
//
// Invariants (the first checked by Verify): every cell equals the fold of the obs under it:
// the exact sum of their values, and the number of those with a non-empty entity. Every obs
// record's change id names a change of that figure whose new value is the stored value.
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
  MDB_dbi changes = 0;
  MDB_dbi dead = 0;
  // Closing a year (closing_tables.h). `closing` is false when a read-only open found a store
  // written before these tables existed: nothing is closed there.
  MDB_dbi periods = 0;
  MDB_dbi period_log = 0;
  MDB_dbi restatements = 0;
  bool closing = false;
  // The audit trail of reads (audit_table.h); `audit_table` false as `closing` above.
  MDB_dbi audit = 0;
  bool audit_table = false;
};

// A cell's value, without its key.
struct CellValue {
  core::Decimal sum;
  uint32_t entities = 0;
};

// A change's place in the value history: the batch's journal id and the observation's index
// in that batch's accepted list. Journal id 0: no change.
struct ChangeId {
  uint64_t journal_id = 0;
  uint32_t index = 0;
  bool none() const { return journal_id == 0; }
  bool operator==(const ChangeId&) const = default;
};

inline constexpr size_t kChangeKeySize = 12;
std::string EncodeChangeKey(ChangeId id);
void AppendChangeKey(std::string* out, ChangeId id);
bool DecodeChangeKey(std::string_view key, ChangeId* id);

// Encoders write the value only; the key comes from codec.h. Decoders take key and value,
// return false for anything that is not a well-formed record.
std::string EncodeObservation(const StoredObservation& obs, ChangeId last_change = {});
// The same record written from its parts into `w` (cleared first), for the write path.
void EncodeObservationTo(core::Decimal value, std::string_view adapter, uint64_t sequence,
                         int64_t unix_ms, std::string_view note, ChangeId last_change,
                         RecordWriter* w);
// The value, the note (a view into `value`) and the latest change of an obs record, for
// merging a new figure with the stored one.
bool DecodeObservationForMerge(std::string_view value, core::Decimal* out,
                               std::string_view* note, ChangeId* last_change);
bool DecodeObservation(std::string_view key, std::string_view value, StoredObservation* out,
                       ChangeId* last_change = nullptr);
// Just the value of an obs record, for folding without copying strings.
bool DecodeObservationValue(std::string_view value, core::Decimal* out);

std::string EncodeCell(const CellValue& cell);
bool DecodeCellValue(std::string_view value, CellValue* out);
bool DecodeCell(std::string_view key, std::string_view value, core::Cell* out);

std::string EncodeSender(const SenderState& sender);
bool DecodeSender(std::string_view key, std::string_view value, SenderState* out);

std::string EncodeJournal(const JournalEntry& entry);
bool DecodeJournal(std::string_view key, std::string_view value, JournalEntry* out);

// A `changes` record; its key is EncodeChangeKey({entry.journal_id, entry.index}). The
// entry's adapter, department, sequence and time are not part of it (the journal has them).
std::string EncodeHistory(const HistoryEntry& entry, ChangeId previous);
void EncodeHistoryTo(const core::FigureKey& key, const std::optional<core::Decimal>& old_value,
                     core::Decimal new_value, ChangeId previous, RecordWriter* w);
// Fills all of `out` but adapter, department, sequence and time (see JournalCache).
// `previous` gets the figure's change before this one (none for its first).
bool DecodeHistory(std::string_view key, std::string_view value, HistoryEntry* out,
                   ChangeId* previous);
// The size of EncodeFigureKey(key), the longest key the store writes for a figure.
size_t FigureKeySize(const core::FigureKey& key);

std::string EncodeDeadLetter(const DeadLetter& letter);
bool DecodeDeadLetter(std::string_view key, std::string_view value, DeadLetter* out);

}  // namespace kpihub::store::internal
