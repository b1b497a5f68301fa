#include "tables.h"

#include <tuple>

#include "codec.h"

namespace kpihub::store::internal {
namespace {

bool DecodeId(std::string_view key, uint64_t* id) {
  if (key.size() != 8) return false;
  *id = ReadBigEndian64(key);
  return true;
}

void PutChangeId(RecordWriter* w, ChangeId id) {
  w->PutU64(id.journal_id);
  w->PutU32(id.index);
}

ChangeId GetChangeId(RecordReader* r) {
  ChangeId id;
  id.journal_id = r->GetU64();
  id.index = r->GetU32();
  return id;
}

}  // namespace

std::string EncodeChangeKey(ChangeId id) {
  std::string out;
  AppendChangeKey(&out, id);
  return out;
}

void AppendChangeKey(std::string* out, ChangeId id) {
  AppendBigEndian64(out, id.journal_id);
  AppendBigEndian32(out, id.index);
}

bool DecodeChangeKey(std::string_view key, ChangeId* id) {
  if (key.size() != kChangeKeySize) return false;
  id->journal_id = ReadBigEndian64(key);
  id->index = ReadBigEndian32(key.substr(8));
  return id->journal_id != 0;
}

std::string EncodeObservation(const StoredObservation& obs, ChangeId last_change) {
  RecordWriter w;
  EncodeObservationTo(obs.value, obs.adapter, obs.sequence, obs.unix_ms, obs.note, last_change,
                      &w);
  return w.data();
}

void EncodeObservationTo(core::Decimal value, std::string_view adapter, uint64_t sequence,
                         int64_t unix_ms, std::string_view note, ChangeId last_change,
                         RecordWriter* w) {
  w->Clear();
  w->PutI128(value.micros());
  w->PutString(adapter);
  w->PutU64(sequence);
  w->PutI64(unix_ms);
  w->PutString(note);
  PutChangeId(w, last_change);
}

bool DecodeObservationForMerge(std::string_view value, core::Decimal* out,
                               std::string_view* note, ChangeId* last_change) {
  RecordReader r(value);
  *out = core::Decimal::FromMicros(r.GetI128());
  r.GetStringView();
  r.GetU64();
  r.GetI64();
  *note = r.GetStringView();
  *last_change = GetChangeId(&r);
  return r.Done();
}

bool DecodeObservation(std::string_view key, std::string_view value, StoredObservation* out,
                       ChangeId* last_change) {
  if (!DecodeFigureKey(key, &out->key)) return false;
  RecordReader r(value);
  out->value = core::Decimal::FromMicros(r.GetI128());
  out->adapter = r.GetString();
  out->sequence = r.GetU64();
  out->unix_ms = r.GetI64();
  out->note = r.GetString();
  const ChangeId change = GetChangeId(&r);
  if (last_change != nullptr) *last_change = change;
  return r.Done();
}

bool DecodeObservationValue(std::string_view value, core::Decimal* out) {
  std::string_view note;
  ChangeId change;
  // The rest is read only to prove the record whole.
  return DecodeObservationForMerge(value, out, &note, &change);
}

std::string EncodeCell(const CellValue& cell) {
  RecordWriter w;
  w.PutI128(cell.sum.micros());
  w.PutU32(cell.entities);
  return w.data();
}

bool DecodeCellValue(std::string_view value, CellValue* out) {
  RecordReader r(value);
  out->sum = core::Decimal::FromMicros(r.GetI128());
  out->entities = r.GetU32();
  return r.Done();
}

bool DecodeCell(std::string_view key, std::string_view value, core::Cell* out) {
  std::string period;
  if (!DecodeCellKey(key, &out->indicator, &out->park, &period)) return false;
  const std::optional<core::Period> parsed = core::Period::Parse(period);
  if (!parsed) return false;
  out->period = *parsed;
  CellValue cell;
  if (!DecodeCellValue(value, &cell)) return false;
  out->sum = cell.sum;
  out->entities = cell.entities;
  return true;
}

std::string EncodeSender(const SenderState& sender) {
  RecordWriter w;
  w.PutString(sender.department);
  w.PutU64(sender.last_sequence);
  w.PutI64(sender.last_batch_unix_ms);
  w.PutU64(sender.batches);
  w.PutU64(sender.observations_accepted);
  w.PutU64(sender.observations_rejected);
  return w.data();
}

bool DecodeSender(std::string_view key, std::string_view value, SenderState* out) {
  out->adapter.assign(key);
  RecordReader r(value);
  out->department = r.GetString();
  out->last_sequence = r.GetU64();
  out->last_batch_unix_ms = r.GetI64();
  out->batches = r.GetU64();
  out->observations_accepted = r.GetU64();
  out->observations_rejected = r.GetU64();
  return r.Done();
}

std::string EncodeJournal(const JournalEntry& entry) {
  RecordWriter w;
  w.PutString(entry.adapter);
  w.PutString(entry.department);
  w.PutU64(entry.sequence);
  w.PutI64(entry.received_unix_ms);
  w.PutU32(entry.accepted);
  w.PutU32(entry.rejected);
  return w.data();
}

bool DecodeJournal(std::string_view key, std::string_view value, JournalEntry* out) {
  if (!DecodeId(key, &out->journal_id)) return false;
  RecordReader r(value);
  out->adapter = r.GetString();
  out->department = r.GetString();
  out->sequence = r.GetU64();
  out->received_unix_ms = r.GetI64();
  out->accepted = r.GetU32();
  out->rejected = r.GetU32();
  return r.Done();
}

std::string EncodeHistory(const HistoryEntry& entry, ChangeId previous) {
  RecordWriter w;
  EncodeHistoryTo(entry.key, entry.old_value, entry.new_value, previous, &w);
  return w.data();
}

void EncodeHistoryTo(const core::FigureKey& key, const std::optional<core::Decimal>& old_value,
                     core::Decimal new_value, ChangeId previous, RecordWriter* w) {
  w->Clear();
  w->PutU8(old_value ? 1 : 0);
  w->PutI128(old_value ? old_value->micros() : 0);
  w->PutI128(new_value.micros());
  w->PutString(key.indicator);
  w->PutString(key.park);
  w->PutString(key.period);
  w->PutString(key.entity);
  PutChangeId(w, previous);
}

size_t FigureKeySize(const core::FigureKey& key) {
  return key.indicator.size() + key.park.size() + key.period.size() + key.entity.size() + 3;
}

bool DecodeHistory(std::string_view key, std::string_view value, HistoryEntry* out,
                   ChangeId* previous) {
  ChangeId id;
  if (!DecodeChangeKey(key, &id)) return false;
  out->journal_id = id.journal_id;
  out->index = id.index;
  RecordReader r(value);
  const uint8_t has_old = r.GetU8();
  const __int128 old_micros = r.GetI128();
  out->new_value = core::Decimal::FromMicros(r.GetI128());
  out->key.indicator = r.GetString();
  out->key.park = r.GetString();
  out->key.period = r.GetString();
  out->key.entity = r.GetString();
  *previous = GetChangeId(&r);
  if (has_old > 1) return false;
  // A chain runs backwards in commit order.
  if (!previous->none() && !(std::tie(previous->journal_id, previous->index) <
                             std::tie(id.journal_id, id.index))) {
    return false;
  }
  for (const std::string* field :
       {&out->key.indicator, &out->key.park, &out->key.period, &out->key.entity}) {
    if (!IsKeyField(*field)) return false;
  }
  out->old_value.reset();
  if (has_old) out->old_value = core::Decimal::FromMicros(old_micros);
  return r.Done();
}

std::string EncodeDeadLetter(const DeadLetter& letter) {
  RecordWriter w;
  w.PutString(letter.adapter);
  w.PutString(letter.department);
  w.PutU64(letter.sequence);
  w.PutI64(letter.unix_ms);
  w.PutU32(letter.rejection.index);
  w.PutU16(static_cast<uint16_t>(letter.rejection.reason));
  w.PutString(letter.rejection.detail);
  const core::Observation& o = letter.observation;
  w.PutString(o.indicator);
  w.PutString(o.park);
  w.PutString(o.entity);
  w.PutString(o.period);
  w.PutF64(o.value);
  w.PutString(o.note);
  return w.data();
}

bool DecodeDeadLetter(std::string_view key, std::string_view value, DeadLetter* out) {
  if (!DecodeId(key, &out->id)) return false;
  RecordReader r(value);
  out->adapter = r.GetString();
  out->department = r.GetString();
  out->sequence = r.GetU64();
  out->unix_ms = r.GetI64();
  out->rejection.index = r.GetU32();
  const uint16_t reason = r.GetU16();
  out->rejection.detail = r.GetString();
  core::Observation& o = out->observation;
  o.indicator = r.GetString();
  o.park = r.GetString();
  o.entity = r.GetString();
  o.period = r.GetString();
  o.value = r.GetF64();
  o.note = r.GetString();
  if (reason >= core::kRejectReasonCount) return false;
  out->rejection.reason = static_cast<core::RejectReason>(reason);
  return r.Done();
}

}  // namespace kpihub::store::internal
