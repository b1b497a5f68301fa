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

// One read answered or refused by the query protocol, in the `audit` table. What was asked
// is summarised without enterprise ids: the audit trail is info-level.
struct AuditRecord {
  uint64_t id = 0;               // assigned by AppendAudit: 1, 2, 3... in commit order
  int64_t unix_ms = 0;           // when the read was answered or refused
  std::string consumer_key;      // key registry id of the reading key
  std::string consumer_department;
  std::string provider_department;  // whose data was read ("" when refused before one is known)
  std::string agreement;         // agreement code ("" when refused)
  std::string kind;              // "query" (later also "subscribe")
  std::string request;           // what was asked, summarised WITHOUT enterprise ids: e.g.
                                 // "indicators=hightech_certified parks=* periods=2019..2020
                                 // level=enterprise entities=3"
  uint64_t rows = 0;             // rows returned
  std::string outcome;           // "answered", or the refusal reason code (e.g. "no_agreement")
  uint64_t as_of = 0;            // the data version the answer was read at (0 when refused)
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
