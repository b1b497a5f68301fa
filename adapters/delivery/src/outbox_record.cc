#include "outbox_record.h"

#include "kpihub/platform/record_codec.h"

namespace kpihub::delivery {

std::string EncodeOutboxRecord(const StoredBatch& batch) {
  platform::RecordWriter w;
  w.PutU32(kOutboxRecordVersion);
  w.PutI64(batch.created_unix_ms);
  w.PutU32(static_cast<uint32_t>(batch.entries.size()));
  for (const auto& e : batch.entries) {
    const core::Observation& o = e.observation;
    for (const std::string* text : {&o.indicator, &o.park, &o.entity, &o.period}) w.PutString(*text);
    w.PutF64(o.value);  // the IEEE bits: NaN payloads and -0 survive
    for (const std::string* text : {&o.note, &e.origin}) w.PutString(*text);
  }
  return w.data();
}

std::optional<StoredBatch> DecodeOutboxRecord(std::string_view bytes, uint64_t sequence) {
  platform::RecordReader r(bytes);
  if (r.GetU32() != kOutboxRecordVersion) return std::nullopt;
  StoredBatch batch;
  batch.sequence = sequence;
  batch.created_unix_ms = r.GetI64();
  const auto count = static_cast<size_t>(r.GetU32());
  if (count > bytes.size()) return std::nullopt;  // each entry takes > 1 byte
  batch.entries.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    OutboxEntry e;
    core::Observation& o = e.observation;
    for (std::string* text : {&o.indicator, &o.park, &o.entity, &o.period}) *text = r.GetString();
    o.value = r.GetF64();
    for (std::string* text : {&o.note, &e.origin}) *text = r.GetString();
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
