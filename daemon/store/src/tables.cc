#include "tables.h"

#include "codec.h"

namespace kpihub::store::internal {
namespace {

constexpr size_t kIdSuffix = 1 + 8 + 4;  // '\0', BE journal id, BE index

bool DecodeId(std::string_view key, uint64_t* id) {
  if (key.size() != 8) return false;
  *id = ReadBigEndian64(key);
  return true;
}

}  // namespace

std::string EncodeObservation(const StoredObservation& obs) {
  RecordWriter w;
  EncodeObservationTo(obs.value, obs.adapter, obs.sequence, obs.unix_ms, obs.note, &w);
  return w.data();
}

void EncodeObservationTo(core::Decimal value, std::string_view adapter, uint64_t sequence,
                         int64_t unix_ms, std::string_view note, RecordWriter* w) {
  w->Clear();
  w->PutI128(value.micros());
  w->PutString(adapter);
  w->PutU64(sequence);
  w->PutI64(unix_ms);
  w->PutString(note);
}

bool DecodeObservationValueAndNote(std::string_view value, core::Decimal* out,
                                   std::string_view* note) {
  RecordReader r(value);
  *out = core::Decimal::FromMicros(r.GetI128());
  r.GetStringView();
  r.GetU64();
  r.GetI64();
  *note = r.GetStringView();
  return r.Done();
}

bool DecodeObservation(std::string_view key, std::string_view value, StoredObservation* out) {
  if (!DecodeFigureKey(key, &out->key)) return false;
  RecordReader r(value);
  out->value = core::Decimal::FromMicros(r.GetI128());
  out->adapter = r.GetString();
  out->sequence = r.GetU64();
  out->unix_ms = r.GetI64();
  out->note = r.GetString();
  return r.Done();
}

bool DecodeObservationValue(std::string_view value, core::Decimal* out) {
  RecordReader r(value);
  *out = core::Decimal::FromMicros(r.GetI128());
  // The rest is read only to prove the record whole.
  r.GetString();
  r.GetU64();
  r.GetI64();
  r.GetString();
  return r.Done();
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

std::string EncodeHistoryKey(const core::FigureKey& key, uint64_t journal_id, uint32_t index) {
  std::string out = EncodeFigureKey(key);
  out.push_back('\0');
  AppendBigEndian64(&out, journal_id);
  AppendBigEndian32(&out, index);
  return out;
}

std::string EncodeHistory(const HistoryEntry& entry) {
  RecordWriter w;
  EncodeHistoryTo(entry.old_value, entry.new_value, entry.adapter, entry.department,
                  entry.sequence, entry.unix_ms, &w);
  return w.data();
}

void EncodeHistoryTo(const std::optional<core::Decimal>& old_value, core::Decimal new_value,
                     std::string_view adapter, std::string_view department, uint64_t sequence,
                     int64_t unix_ms, RecordWriter* w) {
  w->Clear();
  w->PutU8(old_value ? 1 : 0);
  w->PutI128(old_value ? old_value->micros() : 0);
  w->PutI128(new_value.micros());
  w->PutString(adapter);
  w->PutString(department);
  w->PutU64(sequence);
  w->PutI64(unix_ms);
}

size_t HistoryKeySize(const core::FigureKey& key) {
  return key.indicator.size() + key.park.size() + key.period.size() + key.entity.size() + 3 +
         kIdSuffix;
}

bool DecodeHistory(std::string_view key, std::string_view value, HistoryEntry* out,
                   uint32_t* index) {
  if (key.size() < kIdSuffix || key[key.size() - kIdSuffix] != '\0') return false;
  const std::string_view ids = key.substr(key.size() - kIdSuffix + 1);
  if (!DecodeFigureKey(key.substr(0, key.size() - kIdSuffix), &out->key)) return false;
  out->journal_id = ReadBigEndian64(ids);
  *index = ReadBigEndian32(ids.substr(8));
  RecordReader r(value);
  const uint8_t has_old = r.GetU8();
  const __int128 old_micros = r.GetI128();
  out->new_value = core::Decimal::FromMicros(r.GetI128());
  out->adapter = r.GetString();
  out->department = r.GetString();
  out->sequence = r.GetU64();
  out->unix_ms = r.GetI64();
  if (has_old > 1) return false;
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
