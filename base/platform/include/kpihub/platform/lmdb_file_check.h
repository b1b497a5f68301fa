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

}  // namespace kpihub::platform
