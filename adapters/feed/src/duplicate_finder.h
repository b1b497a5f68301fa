// DuplicateFinder: which 64-bit row-key hashes occur more than once in a file, in bounded
// memory whatever the number of rows. Hashes are sorted in runs of up to kRunHashes in memory;
// a file with more rows spills each sorted run to an anonymous temporary file (tmpfile(3),
// removed when closed) and merges the runs at the end. Private to the feed library; not
// thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <unordered_set>
#include <vector>

#include "kpihub/core/status.h"

namespace kpihub::feed {

class DuplicateFinder {
 public:
  static constexpr size_t kRunHashes = size_t{1} << 20;  // 8 MiB of hashes in memory

  Status Add(uint64_t hash);
  // The hashes seen twice or more; at most `limit` of them (a failed status beyond that).
  Result<std::unordered_set<uint64_t>> Finish(size_t limit);

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  Status Spill();

  std::vector<uint64_t> run_;
  std::vector<std::unique_ptr<std::FILE, FileCloser>> spilled_;
};

}  // namespace kpihub::feed
