// The LMDB-backed Store, with the seams its tests need. Internal to kpihub_store: code
// outside the library uses Store::Open.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "kpihub/store/store.h"

namespace kpihub::store::internal {

struct StoreTuning {
  // How long growing the map waits for open snapshots of this process to close before it
  // gives up with kMapFull (the batch is answered retryLater and nothing is lost).
  std::chrono::milliseconds remap_wait{std::chrono::seconds(5)};
  // Fault injection, in the spirit of leveldb's FaultInjectionTestEnv: when set, called
  // before every commit; a non-zero result aborts the transaction and is handled exactly as
  // if mdb_txn_commit had returned it (MDB_MAP_FULL grows and retries, anything else is a
  // sticky kIoError).
  std::function<int()> commit_fault;
};

Status OpenLmdbStore(const StoreOptions& options, StoreTuning tuning,
                     std::unique_ptr<Store>* out);

}  // namespace kpihub::store::internal
