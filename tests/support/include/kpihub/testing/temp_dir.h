// TempDir: a directory under /tmp for one test, removed (recursively) on destruction.
// Not thread-safe.
#pragma once

#include <string>

namespace kpihub::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kpihub::testing
