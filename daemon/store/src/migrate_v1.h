// The upgrade of a format 1 store to format 2 (tables.h). Format 1 kept the value history in
// a table `history` keyed by the figure key followed by the change id; format 2 keeps it in
// `changes`, keyed by the change id alone, with each figure's changes chained and the obs
// record pointing at the latest. Internal.
#pragma once

#include <cstdint>
#include <string>

#include <lmdb.h>

#include "kpihub/store/records.h"
#include "kpihub/core/status.h"
#include "tables.h"

namespace kpihub::store::internal {

inline constexpr uint32_t kFormatVersion1 = 1;
inline constexpr const char* kV1HistoryTable = "history";

// Inside `txn` (a write transaction; `tables` opened in it, `changes` empty): moves every
// format 1 history entry into `changes`, linking each figure's changes oldest to newest,
// rewrites every obs record with its latest change, drops `history` and records format
// version 2. Reads are merged in key order (obs and history are both sorted by figure), so
// memory stays flat whatever the size. kCorruption for a history entry without a figure or
// an undecodable record; kMapFull if the map is too small (the caller grows it and reruns).
Status MigrateV1(MDB_txn* txn, const Tables& tables);

// Format 1 records, for tests that build a format 1 store.
std::string EncodeV1Observation(const StoredObservation& obs);
std::string EncodeV1HistoryKey(const core::FigureKey& key, uint64_t journal_id, uint32_t index);
std::string EncodeV1History(const HistoryEntry& entry);

}  // namespace kpihub::store::internal
