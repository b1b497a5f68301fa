#include "outbox_record.h"

#include "kpihub/platform/record_codec.h"

namespace kpihub::delivery {
namespace {

// Version 2 tags each entry with its kind.
constexpr uint8_t kObservationEntry = 0;
constexpr uint8_t kActionEntry = 1;

void PutObservation(platform::RecordWriter& w, const core::Observation& o) {
  for (const std::string* text : {&o.indicator, &o.park, &o.entity, &o.period}) w.PutString(*text);
  w.PutF64(o.value);  // the IEEE bits: NaN payloads and -0 survive
  w.PutString(o.note);
}

void GetObservation(platform::RecordReader& r, core::Observation& o) {
  for (std::string* text : {&o.indicator, &o.park, &o.entity, &o.period}) *text = r.GetString();
  o.value = r.GetF64();
  o.note = r.GetString();
}

void PutEntry(platform::RecordWriter& w, const OutboxEntry& e) {
  if (e.action) {
    w.PutU8(kActionEntry);
    w.PutU16(static_cast<uint16_t>(e.action->kind));
    for (const std::string* text : {&e.action->department, &e.action->period, &e.action->note}) {
      w.PutString(*text);
    }
  } else {
    w.PutU8(kObservationEntry);
    PutObservation(w, e.observation);
    w.PutString(e.observation.restatement);
  }
  w.PutString(e.origin);
}

// False when the entry's kind is unknown (a corrupt record).
bool GetEntry(platform::RecordReader& r, OutboxEntry& e) {
  const uint8_t kind = r.GetU8();
  if (kind == kActionEntry) {
    core::PeriodAction a;
    const uint16_t action_kind = r.GetU16();
    if (action_kind > static_cast<uint16_t>(core::PeriodActionKind::kReopen)) return false;
    a.kind = static_cast<core::PeriodActionKind>(action_kind);
    for (std::string* text : {&a.department, &a.period, &a.note}) *text = r.GetString();
    e.action = std::move(a);
  } else if (kind == kObservationEntry) {
    GetObservation(r, e.observation);
    e.observation.restatement = r.GetString();
  } else {
    return false;
  }
  e.origin = r.GetString();
  return true;
}

}  // namespace

std::string EncodeOutboxRecord(const StoredBatch& batch) {
  platform::RecordWriter w;
  w.PutU32(kOutboxRecordVersion);
  w.PutI64(batch.created_unix_ms);
  w.PutU32(static_cast<uint32_t>(batch.entries.size()));
  for (const auto& e : batch.entries) PutEntry(w, e);
  return w.data();
}

std::optional<StoredBatch> DecodeOutboxRecord(std::string_view bytes, uint64_t sequence) {
  platform::RecordReader r(bytes);
  const uint32_t version = r.GetU32();
  if (version != kOutboxRecordVersion && version != kOutboxRecordVersionObservationsOnly) {
    return std::nullopt;
  }
  StoredBatch batch;
  batch.sequence = sequence;
  batch.created_unix_ms = r.GetI64();
  const auto count = static_cast<size_t>(r.GetU32());
  if (count > bytes.size()) return std::nullopt;  // each entry takes > 1 byte
  batch.entries.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    OutboxEntry e;
    if (version == kOutboxRecordVersionObservationsOnly) {
      GetObservation(r, e.observation);
      e.origin = r.GetString();
    } else if (!GetEntry(r, e)) {
      return std::nullopt;
    }
    batch.entries.push_back(std::move(e));
  }
  if (!r.Done()) return std::nullopt;
  return batch;
}

std::string SequenceKey(uint64_t sequence) { return platform::BigEndian64Key(sequence); }

uint64_t SequenceFromKey(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 0; i < key.size() && i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return v;
}

}  // namespace kpihub::delivery
