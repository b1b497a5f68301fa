// Checks an LMDB data file before it is mapped. LMDB trusts the file it maps: a data file
// shorter than its meta pages say is a SIGBUS on the first touch of a missing page, with no
// message. Reading both meta pages with pread (magic, version, page size, last page number)
// and comparing the file's size with (last page + 1) * page size turns that into a refusal
// that names the file. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace kpihub::platform {

struct LmdbFileCheck {
  enum class Kind {
    kMissing,    // no such file: LMDB would create a fresh environment
    kEmpty,      // zero bytes: LMDB would silently initialise it as a fresh environment
    kUsable,     // meta pages valid and the file holds every page they reference
    kDamaged,    // unreadable, bad meta pages, or shorter than the meta pages require
  };
  Kind kind = Kind::kMissing;
  std::string problem;        // for kDamaged: what is wrong, naming the file
  uint64_t file_bytes = 0;
  uint64_t required_bytes = 0;  // (last page + 1) * page size of the newest meta page
};

// `data_file` is the path of data.mdb (or the outbox's data.mdb).
LmdbFileCheck CheckLmdbDataFile(const std::string& data_file);

// Zeroed bytes kept after the last used page. A flipped bit in a page's node offset or key
// size (16-bit fields) makes LMDB read up to twice 64 KiB past that page before anything can
// check it; past the end of the file that read is SIGBUS. With this tail it reads zeros, which
// the store's bounds and checksums refuse.
inline constexpr uint64_t kLmdbTailPaddingBytes = 256 << 10;

// Extends the file open as `fd` with zeros so that it holds at least `used_bytes` plus the
// tail padding (extends by twice the padding, so that it is needed only every so often).
// Never shrinks it. False (errno set) if the file could not be examined or extended.
bool PadLmdbDataFile(int fd, uint64_t used_bytes);

}  // namespace kpihub::platform
