// The upgrade from store format 2 to 3: every record of the data tables gets its checksum
// (record_seal.h). Runs inside the writer's opening transaction, after the format 1 upgrade
// when there was one, so an upgrade is all or nothing. Internal to kpihub_store.
#pragma once

#include <lmdb.h>

#include "kpihub/core/status.h"
#include "tables.h"

namespace kpihub::store::internal {

inline constexpr uint32_t kFormatVersion2 = 2;

// Seals every record of obs, cells, senders, journal, changes and dead, and sets
// format_version to the current one. kMapFull when the map must grow (nothing committed).
Status SealRecords(MDB_txn* txn, const Tables& tables);

}  // namespace kpihub::store::internal
