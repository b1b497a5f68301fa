#include "group_writer.h"

#include <algorithm>
#include <limits>

#include "closing_tables.h"
#include "codec.h"
#include "lmdb_env.h"

namespace kpihub::store::internal {
namespace {

Status Invalid(std::string message) {
  return Status::Error(Status::Code::kInvalidArgument, std::move(message));
}

Status CheckKey(const core::FigureKey& key, size_t max_key) {
  for (const std::string* field : {&key.indicator, &key.park, &key.period, &key.entity}) {
    if (!IsKeyField(*field)) return Invalid("NUL byte in a key field");
  }
  if (key.indicator.empty() || key.park.empty() || key.period.empty()) {
    return Invalid("empty indicator, park or period");
  }
  if (FigureKeySize(key) > max_key) return Invalid("key too long");
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

// mdb_put is mdb_cursor_put on a temporary cursor; this one keeps its place.
Status GroupWriter::CursorPut(const Cursor& cursor, std::string_view key, std::string_view value,
                              unsigned flags) {
  const std::string sealed = Sealed(key, value);
  MDB_val k = ToVal(key), v = ToVal(sealed);
  const int rc = mdb_cursor_put(cursor.get(), &k, &v, flags);
  return rc == 0 ? Status::Ok() : LmdbWriteError(rc, "put");
}

Status GroupWriter::Start() {
  if (int rc = obs_cursor_.Open(txn_, tables_.obs); rc != 0) return LmdbWriteError(rc, "cursor");
  if (int rc = changes_cursor_.Open(txn_, tables_.changes); rc != 0) {
    return LmdbWriteError(rc, "cursor");
  }
  if (Status s = NextId(txn_, tables_.journal, "journal", &next_journal_id_); !s.ok()) return s;
  first_journal_id_ = next_journal_id_;
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
  const size_t slot = journals_.size();
  journals_.push_back(JournalEntry{journal_id, batch.adapter, batch.department, batch.sequence,
                                   batch.received_unix_ms,
                                   static_cast<uint32_t>(batch.accepted.size()),
                                   static_cast<uint32_t>(batch.rejected.size())});
  // A batch's figures usually fall in a year or two: one lookup per year.
  int cached_year = -1;
  core::PeriodState cached_state = core::PeriodState::kOpen;
  for (size_t i = 0; i < batch.accepted.size(); ++i) {
    const int year = core::PeriodYear(batch.accepted[i].key.period);
    if (tables_.closing && year != cached_year) {
      PeriodRecord* period = nullptr;
      if (Status s = LoadPeriod(batch.department, year, &period); !s.ok()) return s;
      cached_year = year;
      cached_state = period->state;
    }
    PendingObservation p{&batch, &batch.accepted[i], ChangeId{journal_id, static_cast<uint32_t>(i)},
                         false, std::nullopt, ChangeId{}};
    p.period_state = tables_.closing ? cached_state : core::PeriodState::kOpen;
    p.result = result;
    p.journal_slot = slot;
    pending_.push_back(p);
  }
  if (Status s = PutDeadLetters(batch); !s.ok()) return s;
  if (Status s = ApplyActions(batch, journal_id, result); !s.ok()) return s;
  PutSender(batch, std::move(state));
  result->outcome = BatchOutcome::kApplied;
  result->next_expected = batch.sequence + 1;
  result->journal_id = journal_id;
  return Status::Ok();
}

Status GroupWriter::LoadSender(const std::string& adapter, SenderState* state) {
  if (auto it = senders_.find(adapter); it != senders_.end()) {
    *state = it->second;
    return Status::Ok();
  }
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

// One B-tree descent for a new figure (the common case): the put refuses to overwrite and,
// when the figure exists, leaves the cursor on it and hands back the stored record, which
// is then replaced in place.
Status GroupWriter::ApplyObservation(PendingObservation* p) {
  const BatchToApply& batch = *p->batch;
  const core::ValidObservation& obs = *p->obs;
  key_.clear();
  AppendFigureKey(&key_, obs.key);
  if (p->period_state != core::PeriodState::kOpen) {
    bool done = false;
    if (Status s = CheckClosedChange(p, &done); !s.ok() || done) return s;
  }
  EncodeObservationTo(obs.value, batch.adapter, batch.sequence, batch.received_unix_ms, obs.note,
                      p->id, &value_);
  const std::string sealed = Sealed(key_, value_.data());
  MDB_val k = ToVal(key_), v = ToVal(sealed);
  int rc = mdb_cursor_put(obs_cursor_.get(), &k, &v, MDB_NOOVERWRITE);
  if (rc == 0) {
    p->changed = true;
    AddToCell(obs.key, obs.value, !obs.key.entity.empty());
    return Status::Ok();
  }
  if (rc != MDB_KEYEXIST) return LmdbWriteError(rc, "put");
  // `v` and `old_note` point into the page; they are used before the put below moves it.
  core::Decimal old;
  std::string_view old_note, stored;
  if (Status s = CheckedRecord(txn_, k, v, &stored); !s.ok()) return s;
  if (!DecodeObservationForMerge(stored, &old, &old_note, &p->previous)) {
    return Corrupt("obs", "undecodable record");
  }
  // A resend of the same figure changes nothing, so it leaves no trace in history either.
  if (old == obs.value && old_note == obs.note) return Status::Ok();
  p->changed = true;
  p->old_value = old;
  k = ToVal(key_);
  v = ToVal(sealed);
  rc = mdb_cursor_put(obs_cursor_.get(), &k, &v, MDB_CURRENT);
  if (rc != 0) return LmdbWriteError(rc, "put");
  AddToCell(obs.key, obs.value - old, false);
  return Status::Ok();
}

// Change ids only grow, so the entry goes after the last one: MDB_APPEND skips the search
// and fills the table's last page. It refuses (MDB_KEYEXIST) a key that is not the largest,
// which would mean a journal id used twice.
Status GroupWriter::AppendHistory(const PendingObservation& p) {
  EncodeHistoryTo(p.obs->key, p.old_value, p.obs->value, p.previous, &value_);
  change_key_.clear();
  AppendChangeKey(&change_key_, p.id);
  const std::string sealed = Sealed(change_key_, value_.data());
  MDB_val k = ToVal(change_key_), v = ToVal(sealed);
  const int rc = mdb_cursor_put(changes_cursor_.get(), &k, &v, MDB_APPEND);
  if (rc == MDB_KEYEXIST) return Corrupt("changes", "change id not after the last one");
  if (rc != 0) return LmdbWriteError(rc, "put");
  if (!p.restated) return Status::Ok();
  return PutRecord(txn_, tables_.restatements, change_key_, EncodeRestatement(p.obs->restatement),
                   MDB_APPEND);
}

void GroupWriter::AddToCell(const core::FigureKey& figure, core::Decimal delta,
                            bool new_entity) {
  // The cell key is the figure key without its entity field.
  const std::string_view key = std::string_view(key_).substr(
      0, figure.indicator.size() + figure.park.size() + figure.period.size() + 2);
  auto it = cells_.find(key);
  if (it == cells_.end()) it = cells_.emplace(std::string(key), CellDelta{}).first;
  it->second.sum += delta;
  if (new_entity) ++it->second.new_entities;
}

// Observations are applied in key order, not arrival order: neighbouring puts then land on
// the same B-tree pages of obs, which LMDB has already copied and will write once. The sort is
// stable, so two changes of one figure keep their arrival order, and figures are independent
// of one another: the result is the one arrival order gives. Their history entries are then
// appended in arrival order, which is change id order. Sequence checks, journal and dead
// letters were done in arrival order by Apply.
Status GroupWriter::Finish() {
  by_key_.clear();
  for (PendingObservation& p : pending_) by_key_.push_back(&p);
  // Field by field is the order of the NUL-joined key LMDB compares; one compare() per field.
  const auto before = [](const PendingObservation* a, const PendingObservation* b) {
    const core::FigureKey& x = a->obs->key;
    const core::FigureKey& y = b->obs->key;
    if (int c = x.indicator.compare(y.indicator); c != 0) return c < 0;
    if (int c = x.park.compare(y.park); c != 0) return c < 0;
    if (int c = x.period.compare(y.period); c != 0) return c < 0;
    return x.entity.compare(y.entity) < 0;
  };
  // A department's batch usually arrives in key order already.
  if (!std::is_sorted(by_key_.begin(), by_key_.end(), before)) {
    std::stable_sort(by_key_.begin(), by_key_.end(), before);
  }
  for (PendingObservation* p : by_key_) {
    if (Status s = ApplyObservation(p); !s.ok()) return s;
  }
  for (const PendingObservation& p : pending_) {
    if (!p.changed) continue;
    if (Status s = AppendHistory(p); !s.ok()) return s;
  }
  pending_.clear();
  for (const auto& [key, delta] : cells_) {
    std::string_view bytes;
    bool found = false;
    if (Status s = GetRecord(txn_, tables_.cells, key, &bytes, &found); !s.ok()) return s;
    CellValue cell;
    if (found && !DecodeCellValue(bytes, &cell)) return Corrupt("cells", "undecodable record");
    cell.sum += delta.sum;
    cell.entities += delta.new_entities;
    if (Status s = PutRecord(txn_, tables_.cells, key, EncodeCell(cell)); !s.ok()) return s;
  }
  cells_.clear();
  if (Status s = PutJournals(); !s.ok()) return s;
  if (Status s = FinishClosing(); !s.ok()) return s;
  for (const auto& [adapter, state] : senders_) {
    if (Status s = PutRecord(txn_, tables_.senders, adapter, EncodeSender(state)); !s.ok()) {
      return s;
    }
  }
  senders_.clear();
  return Status::Ok();
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

Status GroupWriter::PutJournals() {
  for (const JournalEntry& entry : journals_) {
    Status s = PutRecord(txn_, tables_.journal, BigEndian64Key(entry.journal_id),
                         EncodeJournal(entry), MDB_APPEND);
    if (!s.ok()) return s;
  }
  journals_.clear();
  return Status::Ok();
}

void GroupWriter::PutSender(const BatchToApply& batch, SenderState state) {
  state.department = batch.department;
  state.last_sequence = batch.sequence;
  state.last_batch_unix_ms = batch.received_unix_ms;
  state.batches += 1;
  state.observations_accepted += batch.accepted.size();
  state.observations_rejected += batch.rejected.size();
  senders_.insert_or_assign(batch.adapter, std::move(state));
}

}  // namespace kpihub::store::internal
