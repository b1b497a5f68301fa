// GroupWriter: applies the batches of one group commit inside one LMDB write transaction
// (the sequence check, observations, cells, history, dead letters, journal, sender state).
// It neither commits nor retries: the store does, so that a group is all or nothing.
// Reads go through the same transaction, so a batch sees what earlier batches of the group
// wrote (a second batch of the same adapter checks its sequence against the first).
// Internal; one per attempt, on the writer's thread.
#pragma once

#include <cstdint>

#include <lmdb.h>

#include "kpihub/store/records.h"
#include "kpihub/store/status.h"
#include "tables.h"

namespace kpihub::store::internal {

class GroupWriter {
 public:
  GroupWriter(MDB_txn* txn, const Tables& tables) : txn_(txn), tables_(tables) {}

  // Reads the next journal and dead letter ids. Call once before Apply.
  Status Start();
  // kMapFull from here means "grow the map and retry the group", not a final answer.
  Status Apply(const BatchToApply& batch, ApplyResult* result);

 private:
  Status LoadSender(const std::string& adapter, SenderState* state);
  Status ApplyObservation(const BatchToApply& batch, const core::ValidObservation& obs,
                          uint64_t journal_id, uint32_t index);
  Status AddToCell(const core::FigureKey& key, core::Decimal delta, bool new_entity);
  Status PutDeadLetters(const BatchToApply& batch);
  Status PutJournal(const BatchToApply& batch, uint64_t journal_id);
  Status PutSender(const BatchToApply& batch, SenderState state);

  MDB_txn* txn_;
  Tables tables_;
  uint64_t next_journal_id_ = 1;
  uint64_t next_dead_letter_id_ = 1;
};

// Refuses a group the tables cannot represent: a '\0' inside a key field, a key longer than
// LMDB allows, an empty adapter or period. Validation upstream should make this impossible.
Status CheckGroup(MDB_env* env, const std::vector<BatchToApply>& batches);

}  // namespace kpihub::store::internal
