// RecordWriter and RecordReader: the byte layout of kpihub's LMDB records (the daemon's
// tables and the adapter's outbox). Values are little-endian fixed-width integers and
// u32-length-prefixed strings, read back with bounds checks: a short, over-long or garbled
// record makes the reader fail, it never reads past the bytes it was given. Ids in keys are
// big-endian, so that LMDB's byte order is numeric order. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kpihub::platform {

class RecordWriter {
 public:
  void PutU8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void PutU16(uint16_t v) { PutLittleEndian(v, 2); }
  void PutU32(uint32_t v) { PutLittleEndian(v, 4); }
  void PutU64(uint64_t v) { PutLittleEndian(v, 8); }
  void PutI64(int64_t v) { PutU64(static_cast<uint64_t>(v)); }
  void PutI128(__int128 v);
  void PutF64(double v);  // the IEEE bits, so NaN payloads of raw input survive
  void PutString(std::string_view s);

  const std::string& data() const { return buf_; }
  // Empties the record, keeping the buffer, so one writer can encode record after record.
  void Clear() { buf_.clear(); }

 private:
  void PutLittleEndian(uint64_t v, int bytes);
  std::string buf_;
};

// Reads what RecordWriter wrote. After the first failure every getter returns zero/empty and
// ok() stays false, so decoders can read all fields and check once at the end.
class RecordReader {
 public:
  explicit RecordReader(std::string_view data) : rest_(data) {}

  uint8_t GetU8() { return static_cast<uint8_t>(GetLittleEndian(1)); }
  uint16_t GetU16() { return static_cast<uint16_t>(GetLittleEndian(2)); }
  uint32_t GetU32() { return static_cast<uint32_t>(GetLittleEndian(4)); }
  uint64_t GetU64() { return GetLittleEndian(8); }
  int64_t GetI64() { return static_cast<int64_t>(GetU64()); }
  __int128 GetI128();
  double GetF64();
  std::string GetString();
  // The string's bytes where they lie (valid as long as the record's bytes are).
  std::string_view GetStringView();

  // True when every read succeeded and nothing is left over: a record with trailing bytes
  // is not one we wrote.
  bool Done() const { return ok_ && rest_.empty(); }

 private:
  uint64_t GetLittleEndian(int bytes);
  bool Take(size_t n, std::string_view* out);
  std::string_view rest_;
  bool ok_ = true;
};

// Big-endian ids in keys, so that LMDB's memcmp order is numeric order.
void AppendBigEndian64(std::string* out, uint64_t v);
void AppendBigEndian32(std::string* out, uint32_t v);
uint64_t ReadBigEndian64(std::string_view bytes);  // requires size() >= 8
uint32_t ReadBigEndian32(std::string_view bytes);  // requires size() >= 4
std::string BigEndian64Key(uint64_t v);

}  // namespace kpihub::platform
