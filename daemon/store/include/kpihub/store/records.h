// Records the store keeps, as plain values. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/core/observation.h"
#include "kpihub/core/period_state.h"

namespace kpihub::store {

// One batch ready to be applied: the sender's identity (from ZAP, never the body), its
// sequence, and the observations already split by validation.
struct BatchToApply {
  std::string adapter;
  std::string department;
  uint64_t sequence = 0;
  int64_t received_unix_ms = 0;
  std::vector<core::ValidObservation> accepted;
  // Refused observations with the raw observation, kept in the dead-letter table.
  std::vector<std::pair<core::Rejection, core::Observation>> rejected;
  // Period actions that passed validation, applied after the observations, in order.
  std::vector<core::ValidPeriodAction> actions{};
};

enum class BatchOutcome { kApplied, kDuplicate, kOutOfOrder };

struct ApplyResult {
  BatchOutcome outcome = BatchOutcome::kApplied;
  uint64_t next_expected = 1;  // after this batch
  uint64_t journal_id = 0;     // set when applied
  // Refused by the store when applied: observations that would change a figure of a closed
  // year (also kept as dead letters), and period actions its year's state does not allow.
  std::vector<core::Rejection> rejections;
  std::vector<core::Rejection> action_rejections;
};

// A department's year (core/period_state.h), with who moved it last.
struct PeriodRecord {
  std::string department;
  int year = 0;
  core::PeriodState state = core::PeriodState::kOpen;
  std::string submitted_by;  // adapter of the last submit; empty if never
  int64_t submitted_unix_ms = 0;
  std::string approved_by;   // adapter of the approval; empty if not approved
  int64_t approved_unix_ms = 0;
  uint64_t journal_id = 0;   // the batch of the last change
};

// One change of a year's state, in commit order.
struct PeriodLogEntry {
  uint64_t journal_id = 0;  // the batch that carried the action
  uint32_t index = 0;       // the action's place in that batch
  std::string department;   // whose year
  int year = 0;
  core::PeriodActionKind action = core::PeriodActionKind::kSubmit;
  core::PeriodState from = core::PeriodState::kOpen;
  core::PeriodState to = core::PeriodState::kOpen;
  std::string note;
  std::string adapter;            // who sent it (from the journal)
  std::string sender_department;  // the sender's department (from the journal)
  int64_t unix_ms = 0;
};

// Per adapter, updated in the same transaction as its batches.
struct SenderState {
  std::string adapter;
  std::string department;
  uint64_t last_sequence = 0;
  int64_t last_batch_unix_ms = 0;
  uint64_t batches = 0;
  uint64_t observations_accepted = 0;
  uint64_t observations_rejected = 0;
};

// A figure as stored, with who wrote it last.
struct StoredObservation {
  core::FigureKey key;
  core::Decimal value;
  std::string note;
  std::string adapter;
  uint64_t sequence = 0;
  int64_t unix_ms = 0;
};

// One change to a figure: old value absent for the first write.
struct HistoryEntry {
  core::FigureKey key;
  std::optional<core::Decimal> old_value;
  core::Decimal new_value;
  std::string adapter;
  std::string department;
  uint64_t sequence = 0;
  int64_t unix_ms = 0;
  uint64_t journal_id = 0;  // the batch that made the change
  uint32_t index = 0;       // the observation's place in that batch's accepted list
};

// An accepted change to a figure of an approved year, with its reason.
struct Restatement {
  HistoryEntry change;  // the figure, old and new value, who and when
  std::string reason;
};

// One accepted batch, in commit order.
struct JournalEntry {
  uint64_t journal_id = 0;  // 1, 2, ... across all adapters
  std::string adapter;
  std::string department;
  uint64_t sequence = 0;
  int64_t received_unix_ms = 0;
  uint32_t accepted = 0;
  uint32_t rejected = 0;
};

struct DeadLetter {
  uint64_t id = 0;
  std::string adapter;
  std::string department;
  uint64_t sequence = 0;
  int64_t unix_ms = 0;
  core::Rejection rejection;
  core::Observation observation;
};

struct StoreStats {
  uint64_t map_size_bytes = 0;   // current map size
  uint64_t used_bytes = 0;       // pages in use * page size
  uint64_t file_bytes = 0;       // data file size on disk
  uint64_t observations = 0;
  uint64_t cells = 0;
  uint64_t journal_entries = 0;
  uint64_t dead_letters = 0;
  uint64_t history_entries = 0;
};

}  // namespace kpihub::store
