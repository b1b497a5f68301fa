// Store: the LMDB environment holding kpihub's state (see docs/architecture.md, "State").
// Tables: meta, observations, cells (park aggregates), senders, journal, history, dead letters,
// the closing of years (periods, their log, restatements) and the audit trail of reads.
//
// Thread-safety: ApplyGroup must be called from one thread at a time (LMDB has one writer).
// AppendAudit may be called from another thread: the store's writer lock serialises it with
// ApplyGroup.
// OpenSnapshot may be called from any thread, concurrently with ApplyGroup; each Snapshot is
// used by one thread at a time. A store opened read-only (the CLI) can run beside the daemon.
//
// Errors are sticky (leveldb's bg_error_): after a failed commit every later ApplyGroup
// returns the first error, because LMDB cannot tell what reached the disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/rollup.h"
#include "kpihub/store/records.h"
#include "kpihub/core/status.h"

namespace kpihub::store {

struct StoreOptions {
  std::string path;                              // a directory; created if missing (not read-only)
  uint64_t initial_map_bytes = 64ull << 20;      // grown by doubling on MDB_MAP_FULL
  uint64_t max_map_bytes = 64ull << 30;          // never grown beyond: answer retryLater
  bool read_only = false;
  bool no_sync = false;                          // tests and benchmarks of non-durable paths only
  // The caller knows a store was created here (state_guard.h): an environment without a
  // format_version is then refused (kCorruption) instead of being initialised as a new store
  // (a damaged meta page can make LMDB fall back to the empty first state).
  bool must_exist = false;
};

// A consistent read view (one LMDB read transaction). Keep it short: a long-lived reader
// makes the file grow, and growing the map waits for open snapshots (up to 5 s, then the
// group is answered retryLater). A Snapshot must be destroyed before its Store.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  virtual Status ForEachCell(const std::function<void(const core::Cell&)>& fn) = 0;
  virtual Status ForEachSender(const std::function<void(const SenderState&)>& fn) = 0;
  virtual Status ForEachObservation(const std::function<void(const StoredObservation&)>& fn) = 0;
  // The stored figures of one indicator only (one range of the table), in key order.
  virtual Status ForEachObservationOf(std::string_view indicator,
                                      const std::function<void(const StoredObservation&)>& fn) = 0;
  // Every change to figures whose key starts with the given fields (empty = any), oldest first.
  virtual Status ForEachHistory(const core::FigureKey& prefix,
                                const std::function<void(const HistoryEntry&)>& fn) = 0;
  // The changes committed after the change (journal_id, index) — index 0xFFFFFFFF: after
  // every change of that batch; (0, 0): all — in commit order, with who made them. Stops
  // when `fn` returns false. Walks the value history from that key on: no full scan.
  virtual Status ForEachChangeAfter(uint64_t journal_id, uint32_t index,
                                    const std::function<bool(const HistoryEntry&)>& fn) = 0;
  // The id of the last batch committed (0: none).
  virtual Status LastJournalId(uint64_t* out) = 0;
  virtual Status ForEachJournal(const std::function<void(const JournalEntry&)>& fn) = 0;
  virtual Status ForEachDeadLetter(const std::function<void(const DeadLetter&)>& fn) = 0;
  virtual Status GetObservation(const core::FigureKey& key, StoredObservation* out) = 0;
  // Closing a year: every department's year that has left `open` at least once, in key order
  // (department, year); every change of a year's state and every restatement, oldest first,
  // with who sent it and when. None on a store written before closing existed.
  virtual Status ForEachPeriod(const std::function<void(const PeriodRecord&)>& fn) = 0;
  virtual Status ForEachPeriodLog(const std::function<void(const PeriodLogEntry&)>& fn) = 0;
  virtual Status ForEachRestatement(const std::function<void(const Restatement&)>& fn) = 0;
  // The audit trail of reads, oldest first, from the record with id `from_id` on (1 or 0:
  // from the first), so that a reader can page. None on a store written before it existed.
  virtual Status ForEachAudit(uint64_t from_id,
                              const std::function<void(const AuditRecord&)>& fn) = 0;
  virtual StoreStats Stats() = 0;
  // The version of the data this snapshot sees: the id of the last write transaction
  // committed before it was opened (by any process). Every commit makes it larger, so two
  // snapshots with the same version see the same contents; caches of figures computed from
  // a snapshot are keyed on it.
  virtual uint64_t Version() const = 0;
};

// What Store::CheckReaders found in the environment's reader table (all processes).
struct ReaderReport {
  int stale_cleared = 0;      // slots left by dead processes, released by this call
  uint32_t readers = 0;       // read transactions open now
  uint64_t oldest_lag = 0;    // commits since the oldest open reader's snapshot (0: none open)
};

class Store {
 public:
  static constexpr uint32_t kFormatVersion = 3;

  // Opens or creates the environment, checks the format version (refuses an unknown one with
  // kCorruption) and clears stale reader slots (mdb_reader_check). A writable open upgrades a
  // format 1 or 2 store to format 3 (record checksums) in one write transaction (all or
  // nothing); a read-only open of one is refused with kOldFormat until a writer has upgraded it.
  static Status Open(const StoreOptions& options, std::unique_ptr<Store>* out);
  virtual ~Store() = default;

  // The format version this open upgraded the store from; 0 if it did not upgrade it.
  virtual uint32_t UpgradedFrom() const { return 0; }

  // Applies batches in order in ONE write transaction and commits it durably. Per batch:
  // sequence <= last applied -> kDuplicate (no effect); > last + 1 -> kOutOfOrder (no effect);
  // otherwise every accepted observation replaces the stored figure (history records old and
  // new value, an unchanged value records nothing), cells are adjusted exactly, rejected ones
  // go to dead letters, the journal and the sender state advance. `results` gets one entry per
  // batch. On MDB_MAP_FULL the map is grown and the whole group retried; kMapFull when it
  // cannot grow. Any other failure: kIoError, sticky.
  virtual Status ApplyGroup(const std::vector<BatchToApply>& batches,
                            std::vector<ApplyResult>* results) = 0;

  virtual Status OpenSnapshot(std::unique_ptr<Snapshot>* out) = 0;

  // Appends `records` to the audit trail in one write transaction (serialised with
  // ApplyGroup) and sets each record's id (1, 2, ... in commit order); durable on return.
  // Ids are set only when the commit succeeded. kReadOnly on a read-only store; kMapFull and
  // sticky kIoError as for ApplyGroup. An empty list writes nothing. Close this thread's
  // snapshots first: growing the map waits for every snapshot of this process to close.
  virtual Status AppendAudit(std::vector<AuditRecord>* records) = 0;

  // Records the catalogue fingerprint in the metadata (informational).
  virtual Status SetCatalogueFingerprint(const std::string& fingerprint) = 0;

  // Recomputes every cell from the stored observations and compares with the stored cells,
  // and checks that every figure's latest change in the history holds its stored value.
  // `differences` gets a line per mismatch (no entity ids). Ok with empty list means equal.
  virtual Status Verify(std::vector<std::string>* differences) = 0;

  virtual StoreStats Stats() = 0;

  // Writes a consistent, compacted copy of the whole environment (one read transaction's
  // view, free pages dropped: mdb_env_copy2 with MDB_CP_COMPACT) to `dest_dir`/data.mdb.
  // `dest_dir` must not exist: it is written under a temporary name, synced, then renamed,
  // so a backup that exists is complete. Runs beside ApplyGroup and works on a read-only
  // store; while it runs a map growth in this process waits, as for any snapshot. The
  // default is for stores that have no file to copy.
  virtual Status Backup(const std::string& dest_dir);

  // Releases the reader slots of processes that died inside a read transaction (a killed
  // `kpihub backup`, say): such a slot pins its snapshot, so LMDB can reuse no page freed
  // after it and the file grows with every commit. The daemon calls it every few seconds, not
  // only at open. Also reports the open readers and how far the oldest lags. The default is
  // for stores without a reader table.
  virtual Status CheckReaders(ReaderReport* report);
};

}  // namespace kpihub::store
