#include "kpihub/platform/record_codec.h"

#include <cstring>

namespace kpihub::platform {

// The bytes go in as one append (this is on the write path of every observation).
void RecordWriter::PutLittleEndian(uint64_t v, int bytes) {
  char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  buf_.append(le, static_cast<size_t>(bytes));
}

void RecordWriter::PutI128(__int128 v) {
  const auto u = static_cast<unsigned __int128>(v);
  PutU64(static_cast<uint64_t>(u));
  PutU64(static_cast<uint64_t>(u >> 64));
}

void RecordWriter::PutF64(double v) {
  uint64_t bits;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof bits);
  PutU64(bits);
}

void RecordWriter::PutString(std::string_view s) {
  PutU32(static_cast<uint32_t>(s.size()));  // callers bound lengths far below 4 GiB
  buf_.append(s.data(), s.size());
}

bool RecordReader::Take(size_t n, std::string_view* out) {
  if (!ok_ || rest_.size() < n) {
    ok_ = false;
    return false;
  }
  *out = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return true;
}

uint64_t RecordReader::GetLittleEndian(int bytes) {
  std::string_view b;
  if (!Take(static_cast<size_t>(bytes), &b)) return 0;
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  return v;
}

__int128 RecordReader::GetI128() {
  const unsigned __int128 lo = GetU64();
  const unsigned __int128 hi = GetU64();
  return static_cast<__int128>((hi << 64) | lo);
}

double RecordReader::GetF64() {
  const uint64_t bits = GetU64();
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string RecordReader::GetString() { return std::string(GetStringView()); }

std::string_view RecordReader::GetStringView() {
  const uint32_t n = GetU32();
  std::string_view b;
  if (!Take(n, &b)) return {};
  return b;
}

void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void AppendBigEndian32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

uint32_t ReadBigEndian32(std::string_view bytes) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

std::string BigEndian64Key(uint64_t v) {
  std::string key;
  AppendBigEndian64(&key, v);
  return key;
}

}  // namespace kpihub::platform
