// Record checksums (store format 3). LMDB maps the data file and trusts it: a flipped bit in a
// record is read back as a different figure, adapter or sequence. Every value in the data
// tables (obs, cells, senders, journal, changes, dead) therefore ends with a CRC-32 (zlib's)
// of the record's key followed by its value, so a flip in either is detected on every read.
// `meta` is not sealed: its format_version must stay readable by every version.
// Internal to kpihub_store. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "kpihub/core/status.h"

namespace kpihub::store::internal {

inline constexpr size_t kSealBytes = 4;

uint32_t RecordChecksum(std::string_view key, std::string_view value);
// value || checksum(key, value), little-endian.
std::string Sealed(std::string_view key, std::string_view value);
// Appends the checksum of (key, *value) to *value.
void Seal(std::string_view key, std::string* value);
// The value without its checksum; false when the record is too short or the checksum differs.
bool Unseal(std::string_view key, std::string_view sealed, std::string_view* value);
// The same as a Status naming the table (kCorruption), for readers.
Status UnsealRecord(std::string_view table, std::string_view key, std::string_view sealed,
                    std::string_view* value);

// Bounds of the records LMDB hands out: a bit flip in a page's node header can make LMDB
// return a size, or a pointer, past the end of the data file. A record whose bytes lie in the
// map must lie within the file's used pages (the last page the newest meta page names);
// anything else is refused before a byte of it is read. Records outside the map are the write
// transaction's own dirty pages.
class RecordBounds {
 public:
  // The bounds for `env` now. Finding the map costs a read of /proc/self/maps, so where it
  // lies is remembered in the environment (AttachMapLocation) until the map moves (a resize).
  // An environment without one gets bounds that check nothing.
  static RecordBounds For(MDB_env* env);
  bool Contains(const MDB_val& key, const MDB_val& value) const;

  // Gives `env` the place that remembers its map (its user context); DetachMapLocation frees
  // it, before mdb_env_close.
  static void AttachMapLocation(MDB_env* env);
  static void DetachMapLocation(MDB_env* env);

 private:
  bool Inside(const MDB_val& v) const;
  const char* map_begin_ = nullptr;
  const char* map_end_ = nullptr;
  const char* used_end_ = nullptr;
};

}  // namespace kpihub::store::internal
