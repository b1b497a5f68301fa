// LmdbSnapshot: a Snapshot over one LMDB read transaction. Internal.
// Must be destroyed before the Store that opened it (it uses the store's environment).
#pragma once

#include <string>
#include <vector>

#include <lmdb.h>

#include "kpihub/store/store.h"
#include "lmdb_env.h"
#include "map_gate.h"
#include "tables.h"

namespace kpihub::store::internal {

class LmdbSnapshot final : public Snapshot {
 public:
  // Takes over `txn` (a read transaction) and one share of `gate`; gives both back on
  // destruction, txn first, so that a waiting remap finds the map unused.
  LmdbSnapshot(MDB_env* env, const Tables& tables, Txn txn, MapGate* gate,
               std::string data_file);
  ~LmdbSnapshot() override;

  Status ForEachCell(const std::function<void(const core::Cell&)>& fn) override;
  Status ForEachSender(const std::function<void(const SenderState&)>& fn) override;
  Status ForEachObservation(const std::function<void(const StoredObservation&)>& fn) override;
  Status ForEachObservationOf(std::string_view indicator,
                              const std::function<void(const StoredObservation&)>& fn) override;
  Status ForEachHistory(const core::FigureKey& prefix,
                        const std::function<void(const HistoryEntry&)>& fn) override;
  Status ForEachChangeAfter(uint64_t journal_id, uint32_t index,
                            const std::function<bool(const HistoryEntry&)>& fn) override;
  Status LastJournalId(uint64_t* out) override;
  Status ForEachJournal(const std::function<void(const JournalEntry&)>& fn) override;
  Status ForEachDeadLetter(const std::function<void(const DeadLetter&)>& fn) override;
  Status GetObservation(const core::FigureKey& key, StoredObservation* out) override;
  Status ForEachPeriod(const std::function<void(const PeriodRecord&)>& fn) override;
  Status ForEachPeriodLog(const std::function<void(const PeriodLogEntry&)>& fn) override;
  Status ForEachRestatement(const std::function<void(const Restatement&)>& fn) override;
  Status ForEachAudit(uint64_t from_id,
                      const std::function<void(const AuditRecord&)>& fn) override;
  StoreStats Stats() override;
  uint64_t Version() const override { return mdb_txn_id(txn_.get()); }

  // Store::Verify: folds every observation into fresh cells and compares with the stored
  // ones both ways. One line per difference, naming the cell, never an entity.
  Status VerifyCells(std::vector<std::string>* differences);
  // Verify's part for closing: every year's state is the one its log leads to, through
  // allowed steps only, and every restatement names a change. Appends to `differences`.
  Status VerifyClosing(std::vector<std::string>* differences);
  // Verify's part for the audit trail: every record reads and decodes, ids strictly
  // increase, the count matches LMDB's header. Appends to `differences`.
  Status VerifyAudit(std::vector<std::string>* differences);

 private:
  // Decodes every record of `dbi` with `decode(key, value, &record)` and hands it to `fn`.
  template <typename Record, typename Decode, typename Fn>
  Status ForEachRecord(MDB_dbi dbi, std::string_view table, Decode decode, const Fn& fn);
  // Appends the changes of `figure` from `next` (its latest) back to its first.
  Status CollectChain(const core::FigureKey& figure, ChangeId next, JournalEntry* batch,
                      std::vector<HistoryEntry>* out);
  // The journal entry of `journal_id` into `batch`, unless it holds it already.
  Status LoadJournal(uint64_t journal_id, std::string_view table, JournalEntry* batch);
  // Fills who made the change from its batch's journal entry. `batch` caches the last entry
  // read: changes come in runs of one batch.
  Status AddProvenance(HistoryEntry* change, JournalEntry* batch);

  MDB_env* env_;
  Tables tables_;
  Txn txn_;
  MapGate* gate_;
  std::string data_file_;
};

}  // namespace kpihub::store::internal
