// GroupWriter's part in closing a year: period actions and the refusal of changes to closed
// years (core/period_state.h, closing_tables.h).
#include "closing_tables.h"
#include "group_writer.h"

namespace kpihub::store::internal {

Status GroupWriter::LoadPeriod(const std::string& department, int year, PeriodRecord** out) {
  std::string key = PeriodKey(department, year);
  if (auto it = periods_.find(key); it != periods_.end()) {
    *out = &it->second;
    return Status::Ok();
  }
  PeriodRecord record;
  std::string_view value;
  bool found = false;
  if (Status s = GetRecord(txn_, tables_.periods, key, &value, &found); !s.ok()) return s;
  if (found) {
    if (!DecodePeriod(key, value, &record)) return Corrupt("periods", "undecodable record");
  } else {
    record.department = department;
    record.year = year;
  }
  *out = &periods_.emplace(std::move(key), std::move(record)).first->second;
  return Status::Ok();
}

// In order; a resent action that changes nothing leaves no trace. A refused action leaves
// the year as it was and the rest of the batch applied.
Status GroupWriter::ApplyActions(const BatchToApply& batch, uint64_t journal_id,
                                 ApplyResult* result) {
  if (batch.actions.empty()) return Status::Ok();
  if (!tables_.closing) return Corrupt("periods", "table missing in a writable store");
  for (const core::ValidPeriodAction& action : batch.actions) {
    PeriodRecord* period = nullptr;
    if (Status s = LoadPeriod(action.department, action.year, &period); !s.ok()) return s;
    const core::PeriodState from = period->state;
    std::optional<core::PeriodState> to = core::NextPeriodState(action.kind, from);
    if (!to) {
      result->action_rejections.push_back(
          core::Rejection{action.index, core::RejectReason::kPeriodStateConflict,
                          core::PeriodConflictDetail(action.kind, from, action.department,
                                                     action.year)});
      continue;
    }
    if (*to == from) continue;
    period->state = *to;
    period->journal_id = journal_id;
    if (*to == core::PeriodState::kSubmitted) {
      period->submitted_by = batch.adapter;
      period->submitted_unix_ms = batch.received_unix_ms;
    } else if (*to == core::PeriodState::kApproved) {
      period->approved_by = batch.adapter;
      period->approved_unix_ms = batch.received_unix_ms;
    }
    PeriodLogEntry entry;
    entry.journal_id = journal_id;
    entry.index = action.index;
    entry.department = action.department;
    entry.year = action.year;
    entry.action = action.kind;
    entry.from = from;
    entry.to = *to;
    entry.note = action.note;
    period_log_.push_back(std::move(entry));
  }
  return Status::Ok();
}

Status GroupWriter::CheckClosedChange(PendingObservation* p, bool* done) {
  *done = false;
  const core::ValidObservation& obs = *p->obs;
  std::string_view stored;
  bool found = false;
  if (Status s = GetRecord(txn_, tables_.obs, key_, &stored, &found); !s.ok()) return s;
  if (found) {
    core::Decimal old;
    std::string_view old_note;
    ChangeId last;
    if (!DecodeObservationForMerge(stored, &old, &old_note, &last)) {
      return Corrupt("obs", "undecodable record");
    }
    if (old == obs.value && old_note == obs.note) {  // a resend: nothing to write
      *done = true;
      return Status::Ok();
    }
  }
  const BatchToApply& batch = *p->batch;
  const int year = core::PeriodYear(obs.key.period);
  std::string detail = core::ClosedPeriodRefusal(p->period_state, !obs.restatement.empty(),
                                                 batch.department, year);
  if (detail.empty()) {
    p->restated = true;
    return Status::Ok();
  }
  core::Rejection rejection{obs.index, core::RejectReason::kPeriodClosed, std::move(detail)};
  p->result->rejections.push_back(rejection);
  JournalEntry& journal = journals_[p->journal_slot];
  --journal.accepted;
  ++journal.rejected;
  SenderState& sender = senders_[batch.adapter];
  --sender.observations_accepted;
  ++sender.observations_rejected;
  core::Observation raw{obs.key.indicator, obs.key.park,  obs.key.entity,     obs.key.period,
                        obs.value.ToDouble(), obs.note, obs.restatement};
  refused_.push_back(DeadLetter{0, batch.adapter, batch.department, batch.sequence,
                                batch.received_unix_ms, std::move(rejection), std::move(raw)});
  *done = true;
  return Status::Ok();
}

Status GroupWriter::FinishClosing() {
  for (DeadLetter& letter : refused_) {
    letter.id = next_dead_letter_id_++;
    Status s = PutRecord(txn_, tables_.dead, BigEndian64Key(letter.id), EncodeDeadLetter(letter),
                         MDB_APPEND);
    if (!s.ok()) return s;
  }
  refused_.clear();
  for (const PeriodLogEntry& entry : period_log_) {
    Status s = PutRecord(txn_, tables_.period_log, PeriodLogKey(entry.journal_id, entry.index),
                         EncodePeriodLog(entry), MDB_APPEND);
    if (!s.ok()) return s;
  }
  period_log_.clear();
  for (const auto& [key, record] : periods_) {
    if (record.journal_id < first_journal_id_) continue;  // looked up, not changed here
    if (Status s = PutRecord(txn_, tables_.periods, key, EncodePeriod(record)); !s.ok()) return s;
  }
  periods_.clear();
  return Status::Ok();
}

}  // namespace kpihub::store::internal
