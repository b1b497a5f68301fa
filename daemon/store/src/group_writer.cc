#include "group_writer.h"

#include <limits>

#include "codec.h"
#include "lmdb_env.h"

namespace kpihub::store::internal {
namespace {

Status Invalid(std::string message) {
  return Status::Error(Status::Code::kInvalid, std::move(message));
}

Status CheckKey(const core::FigureKey& key, size_t max_key) {
  for (const std::string* field : {&key.indicator, &key.park, &key.period, &key.entity}) {
    if (!IsKeyField(*field)) return Invalid("NUL byte in a key field");
  }
  if (key.indicator.empty() || key.park.empty() || key.period.empty()) {
    return Invalid("empty indicator, park or period");
  }
  if (EncodeHistoryKey(key, 0, 0).size() > max_key) return Invalid("key too long");
  return Status::Ok();
}

}  // namespace

Status CheckGroup(MDB_env* env, const std::vector<BatchToApply>& batches) {
  const size_t max_key = static_cast<size_t>(mdb_env_get_maxkeysize(env));
  constexpr size_t kMaxCount = std::numeric_limits<uint32_t>::max();
  for (const BatchToApply& batch : batches) {
    if (batch.adapter.empty() || batch.adapter.size() > max_key) return Invalid("bad adapter name");
    if (batch.accepted.size() > kMaxCount || batch.rejected.size() > kMaxCount) {
      return Invalid("batch too large");
    }
    for (const core::ValidObservation& obs : batch.accepted) {
      if (Status s = CheckKey(obs.key, max_key); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status GroupWriter::Start() {
  if (Status s = NextId(txn_, tables_.journal, "journal", &next_journal_id_); !s.ok()) return s;
  return NextId(txn_, tables_.dead, "dead", &next_dead_letter_id_);
}

Status GroupWriter::Apply(const BatchToApply& batch, ApplyResult* result) {
  SenderState state;
  if (Status s = LoadSender(batch.adapter, &state); !s.ok()) return s;
  const uint64_t last = state.last_sequence;
  *result = ApplyResult{};
  result->next_expected = last + 1;
  if (batch.sequence <= last) {
    result->outcome = BatchOutcome::kDuplicate;
    return Status::Ok();
  }
  if (batch.sequence > last + 1) {
    result->outcome = BatchOutcome::kOutOfOrder;
    return Status::Ok();
  }
  const uint64_t journal_id = next_journal_id_++;
  for (size_t i = 0; i < batch.accepted.size(); ++i) {
    Status s = ApplyObservation(batch, batch.accepted[i], journal_id, static_cast<uint32_t>(i));
    if (!s.ok()) return s;
  }
  if (Status s = PutDeadLetters(batch); !s.ok()) return s;
  if (Status s = PutJournal(batch, journal_id); !s.ok()) return s;
  if (Status s = PutSender(batch, std::move(state)); !s.ok()) return s;
  result->outcome = BatchOutcome::kApplied;
  result->next_expected = batch.sequence + 1;
  result->journal_id = journal_id;
  return Status::Ok();
}

Status GroupWriter::LoadSender(const std::string& adapter, SenderState* state) {
  std::string_view value;
  bool found = false;
  if (Status s = GetRecord(txn_, tables_.senders, adapter, &value, &found); !s.ok()) return s;
  if (!found) {
    *state = SenderState{};
    state->adapter = adapter;
    return Status::Ok();
  }
  if (!DecodeSender(adapter, value, state)) return Corrupt("senders", "undecodable record");
  return Status::Ok();
}

Status GroupWriter::ApplyObservation(const BatchToApply& batch,
                                     const core::ValidObservation& obs, uint64_t journal_id,
                                     uint32_t index) {
  const std::string key = EncodeFigureKey(obs.key);
  std::string_view bytes;
  bool found = false;
  if (Status s = GetRecord(txn_, tables_.obs, key, &bytes, &found); !s.ok()) return s;
  std::optional<core::Decimal> old_value;
  if (found) {
    // Decoded into copies before any put: a put may move the page `bytes` points into.
    StoredObservation old;
    if (!DecodeObservation(key, bytes, &old)) return Corrupt("obs", "undecodable record");
    // A resend of the same figure changes nothing, so it leaves no trace in history either.
    if (old.value == obs.value && old.note == obs.note) return Status::Ok();
    old_value = old.value;
  }
  const StoredObservation stored{obs.key,       obs.value,      obs.note,
                                 batch.adapter, batch.sequence, batch.received_unix_ms};
  if (Status s = PutRecord(txn_, tables_.obs, key, EncodeObservation(stored)); !s.ok()) return s;
  const core::Decimal delta = obs.value - old_value.value_or(core::Decimal());
  if (Status s = AddToCell(obs.key, delta, !found && !obs.key.entity.empty()); !s.ok()) return s;
  const HistoryEntry change{obs.key,       old_value,      obs.value,
                            batch.adapter, batch.department, batch.sequence,
                            batch.received_unix_ms, journal_id};
  return PutRecord(txn_, tables_.history, EncodeHistoryKey(obs.key, journal_id, index),
                   EncodeHistory(change), MDB_NOOVERWRITE);
}

Status GroupWriter::AddToCell(const core::FigureKey& figure, core::Decimal delta,
                              bool new_entity) {
  const std::string key = EncodeCellKey(figure.indicator, figure.park, figure.period);
  std::string_view bytes;
  bool found = false;
  if (Status s = GetRecord(txn_, tables_.cells, key, &bytes, &found); !s.ok()) return s;
  CellValue cell;
  if (found && !DecodeCellValue(bytes, &cell)) return Corrupt("cells", "undecodable record");
  cell.sum += delta;
  if (new_entity) ++cell.entities;
  return PutRecord(txn_, tables_.cells, key, EncodeCell(cell));
}

Status GroupWriter::PutDeadLetters(const BatchToApply& batch) {
  for (const auto& [rejection, observation] : batch.rejected) {
    DeadLetter letter{next_dead_letter_id_++, batch.adapter,  batch.department,
                      batch.sequence,         batch.received_unix_ms, rejection,
                      observation};
    Status s = PutRecord(txn_, tables_.dead, BigEndian64Key(letter.id), EncodeDeadLetter(letter),
                         MDB_APPEND);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status GroupWriter::PutJournal(const BatchToApply& batch, uint64_t journal_id) {
  const JournalEntry entry{journal_id,
                           batch.adapter,
                           batch.department,
                           batch.sequence,
                           batch.received_unix_ms,
                           static_cast<uint32_t>(batch.accepted.size()),
                           static_cast<uint32_t>(batch.rejected.size())};
  return PutRecord(txn_, tables_.journal, BigEndian64Key(journal_id), EncodeJournal(entry),
                   MDB_APPEND);
}

Status GroupWriter::PutSender(const BatchToApply& batch, SenderState state) {
  state.department = batch.department;
  state.last_sequence = batch.sequence;
  state.last_batch_unix_ms = batch.received_unix_ms;
  state.batches += 1;
  state.observations_accepted += batch.accepted.size();
  state.observations_rejected += batch.rejected.size();
  return PutRecord(txn_, tables_.senders, batch.adapter, EncodeSender(state));
}

}  // namespace kpihub::store::internal
