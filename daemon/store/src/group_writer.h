// GroupWriter: applies the batches of one group commit inside one LMDB write transaction
// (the sequence check, observations, cells, history, dead letters, journal, sender state).
// It neither commits nor retries: the store does, so that a group is all or nothing.
// Reads go through the same transaction, so a batch sees what earlier batches of the group
// wrote (a second batch of the same adapter checks its sequence against the first).
// Observations are applied by Finish in key order, then their history entries appended in
// arrival order (which is change id order); cell adjustments are summed in memory over
// the whole group and sender states kept there, and both are written once per key by Finish:
// a group touches the same few cells and the same few senders many times.
// Internal; one per attempt, on the writer's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <lmdb.h>

#include "kpihub/store/records.h"
#include "codec.h"
#include "kpihub/core/status.h"
#include "lmdb_env.h"
#include "tables.h"

namespace kpihub::store::internal {

// An accepted observation of an applied batch, waiting for GroupWriter::Finish.
struct PendingObservation {
  const BatchToApply* batch;
  const core::ValidObservation* obs;
  ChangeId id;  // journal id of the batch, index in its accepted list
  // Set by ApplyObservation, for the history entry written after all of them.
  bool changed = false;
  std::optional<core::Decimal> old_value;
  ChangeId previous;  // the figure's change before this one
  // The state of the figure's year as of its batch: a change to a closed year is refused by
  // ApplyObservation unless it is a restatement of an approved year.
  core::PeriodState period_state = core::PeriodState::kOpen;
  ApplyResult* result = nullptr;  // of its batch, for a refusal
  size_t journal_slot = 0;        // its batch's entry in GroupWriter::journals_
  bool restated = false;          // a change to an approved year, recorded as restatement
};

// Buffers that outlive one group: a group of 10,000 observations needs about a megabyte of
// them, and memory of that size that is freed after every group comes back from the kernel
// as fresh pages, one page fault each (measured: a tenth of the daemon's CPU time with
// clustered keys). The store keeps one and hands it to each GroupWriter.
struct GroupScratch {
  std::vector<PendingObservation> pending;
  std::vector<PendingObservation*> by_key;
};

class GroupWriter {
 public:
  GroupWriter(MDB_txn* txn, const Tables& tables, GroupScratch* scratch)
      : txn_(txn), tables_(tables), pending_(scratch->pending), by_key_(scratch->by_key) {
    pending_.clear();
    by_key_.clear();
  }

  // Reads the next journal and dead letter ids. Call once before Apply.
  Status Start();
  // kMapFull from here means "grow the map and retry the group", not a final answer.
  Status Apply(const BatchToApply& batch, ApplyResult* result);
  // Applies the observations of the applied batches and writes the cells and sender states
  // the group changed. Call once after the last Apply, before committing; the batches must
  // outlive it.
  Status Finish();

 private:
  // The net change of one cell over the group so far.
  struct CellDelta {
    core::Decimal sum;
    uint32_t new_entities = 0;
  };

  Status LoadSender(const std::string& adapter, SenderState* state);
  // The year's record as of the group so far (a fresh open one when absent).
  Status LoadPeriod(const std::string& department, int year, PeriodRecord** out);
  Status ApplyActions(const BatchToApply& batch, uint64_t journal_id, ApplyResult* result);
  // For a figure of a closed year: refuses a change (into the batch's result, the dead
  // letters and the counts) unless it restates an approved year. *done when nothing is left
  // to write: refused, or resent unchanged (its one lookup is then the only one).
  Status CheckClosedChange(PendingObservation* p, bool* done);
  Status FinishClosing();
  Status ApplyObservation(PendingObservation* p);
  Status AppendHistory(const PendingObservation& p);
  void AddToCell(const core::FigureKey& key, core::Decimal delta, bool new_entity);
  static Status CursorPut(const Cursor& cursor, std::string_view key, std::string_view value,
                          unsigned flags);
  Status PutDeadLetters(const BatchToApply& batch);
  Status PutJournals();
  void PutSender(const BatchToApply& batch, SenderState state);

  MDB_txn* txn_;
  Tables tables_;
  uint64_t next_journal_id_ = 1;
  uint64_t first_journal_id_ = 1;  // of this group
  uint64_t next_dead_letter_id_ = 1;
  std::vector<PendingObservation>& pending_;
  std::vector<PendingObservation*>& by_key_;
  std::map<std::string, CellDelta, std::less<>> cells_;  // by encoded cell key
  std::map<std::string, SenderState, std::less<>> senders_;  // by adapter, as of this group
  std::vector<JournalEntry> journals_;  // of the applied batches, written by Finish
  std::map<std::string, PeriodRecord, std::less<>> periods_;  // by period key, as of this group
  std::vector<PeriodLogEntry> period_log_;                    // state changes, in order
  std::vector<DeadLetter> refused_;  // observations refused by CheckClosedChange
  // Kept open over the group: with keys in order, LMDB finds the next key on the page the
  // cursor is on without searching from the root.
  Cursor obs_cursor_;
  Cursor changes_cursor_;
  // Buffers reused from one observation to the next.
  std::string key_;
  std::string change_key_;
  RecordWriter value_;
};

// Refuses a group the tables cannot represent: a '\0' inside a key field, a key longer than
// LMDB allows, an empty adapter or period. Validation upstream should make this impossible.
Status CheckGroup(MDB_env* env, const std::vector<BatchToApply>& batches);

}  // namespace kpihub::store::internal
