#include "outbox_record.h"

#include <cstring>

namespace kpihub::delivery {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutText(std::string& out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reads from a shrinking view; every read checks the remaining length first.
struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t Uint(int bytes) {
    if (in.size() < static_cast<size_t>(bytes)) { ok = false; return 0; }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(bytes);
    return v;
  }
  std::string Text() {
    auto n = static_cast<size_t>(Uint(4));
    if (!ok || in.size() < n) { ok = false; return {}; }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

std::string EncodeOutboxRecord(const StoredBatch& batch) {
  std::string out;
  PutU32(out, kOutboxRecordVersion);
  PutU64(out, static_cast<uint64_t>(batch.created_unix_ms));
  PutU32(out, static_cast<uint32_t>(batch.entries.size()));
  for (const auto& e : batch.entries) {
    const core::Observation& o = e.observation;
    PutText(out, o.indicator);
    PutText(out, o.park);
    PutText(out, o.entity);
    PutText(out, o.period);
    uint64_t bits;
    std::memcpy(&bits, &o.value, sizeof bits);
    PutU64(out, bits);
    PutText(out, o.note);
    PutText(out, e.origin);
  }
  return out;
}

std::optional<StoredBatch> DecodeOutboxRecord(std::string_view bytes, uint64_t sequence) {
  Reader r{bytes};
  if (r.Uint(4) != kOutboxRecordVersion || !r.ok) return std::nullopt;
  StoredBatch batch;
  batch.sequence = sequence;
  batch.created_unix_ms = static_cast<int64_t>(r.Uint(8));
  auto count = static_cast<size_t>(r.Uint(4));
  if (!r.ok || count > bytes.size()) return std::nullopt;  // each entry takes > 1 byte
  batch.entries.reserve(count);
  for (size_t i = 0; i < count && r.ok; ++i) {
    OutboxEntry e;
    e.observation.indicator = r.Text();
    e.observation.park = r.Text();
    e.observation.entity = r.Text();
    e.observation.period = r.Text();
    uint64_t bits = r.Uint(8);
    std::memcpy(&e.observation.value, &bits, sizeof bits);
    e.observation.note = r.Text();
    e.origin = r.Text();
    batch.entries.push_back(std::move(e));
  }
  if (!r.ok || !r.in.empty()) return std::nullopt;
  return batch;
}

std::string SequenceKey(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[7 - i] = static_cast<char>((sequence >> (8 * i)) & 0xff);
  return key;
}

uint64_t SequenceFromKey(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 0; i < key.size() && i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return v;
}

}  // namespace kpihub::delivery
