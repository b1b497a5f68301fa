// Record and key encoding for the store's LMDB tables (layout in tables.h).
//
// Values are little-endian fixed-width integers and u32-length-prefixed strings, read back
// with bounds checks: a short, over-long or garbled record makes the reader fail, it never
// reads past the bytes LMDB handed out. Keys are built so that LMDB's byte order is the
// order we want to scan in: text fields joined by '\0', ids big-endian.
// Internal to kpihub_store. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/observation.h"

namespace kpihub::store::internal {

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

// Text fields are joined by '\0'; a field must not contain one (checked before writing).
bool IsKeyField(std::string_view field);

// indicator\0park\0period\0entity
std::string EncodeFigureKey(const core::FigureKey& key);
// The same appended to `out`, which is returned, so that a buffer can be reused.
void AppendFigureKey(std::string* out, const core::FigureKey& key);
bool DecodeFigureKey(std::string_view bytes, core::FigureKey* key);
// indicator\0park\0period: the cell a figure adds to.
std::string EncodeCellKey(std::string_view indicator, std::string_view park,
                          std::string_view period);
bool DecodeCellKey(std::string_view bytes, std::string* indicator, std::string* park,
                   std::string* period);

// Splits on '\0' into exactly `count` fields; false if the count differs.
bool SplitKey(std::string_view bytes, size_t count, std::vector<std::string_view>* fields);

}  // namespace kpihub::store::internal
